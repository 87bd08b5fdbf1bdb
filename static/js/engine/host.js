// Where the frame path runs. In a dedicated Worker (worker.js) when the browser can hand the result
// canvas over (transferControlToOffscreen), draw WebGL2 on an OffscreenCanvas and boot the worker;
// else on the main thread — the same engine object (frameEngine.js), so nothing else changes.
// `?framepath=main` or `?framepath=worker` asks for one (tests that reach inside use main).
//
//   const engine = await openFrameEngine({canvas, compositorChoice, onEvent: (name, data) => …});
//   engine.where     // 'worker' | 'main'
//   engine.why       // why the main thread, or null
//   await engine.photo(blob);          // every engine method, async either way

import { UserError } from '../base/messages.js';

const BOOT_TIMEOUT_MS = 30_000;
// The engine's methods the page calls; arguments that are transferred rather than copied.
const METHODS = [
  'start', 'loadModel', 'measureBackends', 'reload', 'setSettings', 'backgroundFrame', 'photo', 'frame', 'cameraStream', 'stopFrames',
  'openVideo', 'exportVideo', 'cancelExport', 'forgetVideo', 'png', 'selfTest', 'probe',
];
const TF_SCRIPTS = ['/vendor/tfjs/tf.es2017.min.js', '/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js'];

/** Why this browser cannot run the frame path in a Worker, or null when it can. */
export function workerProblem(scope = globalThis) {
  if (typeof scope.Worker !== 'function') return 'no Web Workers';
  if (typeof scope.OffscreenCanvas !== 'function') return 'no OffscreenCanvas';
  if (!('transferControlToOffscreen' in (scope.HTMLCanvasElement?.prototype ?? {}))) return 'the canvas cannot be handed to a Worker';
  return null; // WebGL2 on an OffscreenCanvas is checked inside the Worker (a context costs ~0.3 s here)
}

/** What to transfer along with `value` (a frame, a picture) instead of copying it. */
function transferables(...values) {
  return values.filter(
    (value) =>
      (typeof ImageBitmap === 'function' && value instanceof ImageBitmap) ||
      (typeof VideoFrame === 'function' && value instanceof VideoFrame) ||
      (typeof ReadableStream === 'function' && value instanceof ReadableStream),
  );
}

/** A Worker booted up to 'booted'; rejects with its reason. */
function bootWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/js/engine/worker.js', { name: 'greenscreen frame path' });
    const fail = (why) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('the Worker did not start in time'), BOOT_TIMEOUT_MS);
    worker.onerror = (event) => fail(`the Worker failed to start (${event.message || 'script error'})`);
    worker.onmessage = ({ data }) => {
      if (data.type === 'failed') fail(data.message);
      if (data.type !== 'booted') return;
      clearTimeout(timer);
      worker.onerror = null;
      resolve(worker);
    };
  });
}

/** The engine's methods as calls to `worker`; its events go to onEvent. */
function workerEngine(worker, onEvent) {
  const pending = new Map();
  let next = 0;
  worker.onmessage = ({ data }) => {
    if (data.type === 'event') {
      onEvent(data.name, data.data);
      return;
    }
    const call = pending.get(data.id);
    if (!call) return;
    pending.delete(data.id);
    if (!data.error) call.resolve(data.value);
    else {
      const error = data.error.user ? new UserError(data.error.message) : new Error(data.error.message);
      error.name = data.error.name === 'AbortError' ? 'AbortError' : error.name;
      call.reject(error);
    }
  };
  worker.onerror = (event) => onEvent('error', `The frame path's Worker failed: ${event.message || 'script error'}`);
  const call = (method, args, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args }, transfer);
    });
  const engine = Object.fromEntries(METHODS.map((method) => [method, (...args) => call(method, args, transferables(...args))]));
  // settings carry a picture in their options, or a video's {kind: 'video', still, blob}
  const background = (options) => transferables(options.userBackground, options.userBackground?.still);
  engine.setSettings = (changes, options = {}) => call('setSettings', [changes, options], background(options));
  engine.start = (options) => call('start', [options], background(options));
  engine.init = (canvas, compositorChoice, wasmThreads) => call('init', [{ canvas, compositorChoice, wasmThreads }], [canvas]);
  return engine;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${src} did not load: run \`npm install\` and reload.`));
    document.head.append(script);
  });
}

async function mainThreadEngine(canvas, compositorChoice, wasmThreads, onEvent) {
  if (!globalThis.tf) await loadScript(TF_SCRIPTS[0]);
  if (!globalThis.tf.wasm) await loadScript(TF_SCRIPTS[1]);
  const { createFrameEngine } = await import('./frameEngine.js');
  const engine = createFrameEngine({ canvas, compositorChoice, wasmThreads, emit: onEvent });
  const wrapped = Object.fromEntries(METHODS.map((method) => [method, async (...args) => engine[method](...args)]));
  wrapped.internals = engine.internals;
  return wrapped;
}

/**
 * The frame path for `canvas`: in a Worker when the browser allows (and `where` is not 'main'),
 * else on the main thread. Resolves to the engine's methods plus {where, why}.
 */
export async function openFrameEngine({ canvas, compositorChoice = 'auto', wasmThreads = null, onEvent = () => {}, where = 'auto' }) {
  let why = where === 'main' ? 'asked for (?framepath=main)' : workerProblem();
  if (!why) {
    try {
      const worker = await bootWorker();
      const engine = workerEngine(worker, onEvent);
      await engine.init(canvas.transferControlToOffscreen(), compositorChoice, wasmThreads);
      return Object.assign(engine, { where: 'worker', why: null, worker });
    } catch (error) {
      why = error.message;
      console.warn('The frame path runs on the main thread:', why);
    }
  }
  const engine = await mainThreadEngine(canvas, compositorChoice, wasmThreads, onEvent);
  return Object.assign(engine, { where: 'main', why });
}
