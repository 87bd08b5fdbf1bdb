// Which TF.js backend runs the model. Uses the global `tf` (classic scripts /vendor/tfjs/… and
// /vendor/tfjs-backend-wasm/…, loaded by the page before its modules).

import { backendFallbackMessage } from '../base/messages.js';
import { configureWasmThreads, describeWasmThreads } from './wasmThreads.js';

const WASM_PATH = '/vendor/tfjs-backend-wasm/';
const RESTORE_WAIT_MS = 60_000;
let wasmPathSet = false;
let sharedGl = null; // the page's WebGL2 context when TF.js's WebGL backend draws with it

export function tfGlobal() {
  const tf = globalThis.tf;
  if (!tf) throw new Error('TF.js did not load (/vendor/tfjs/tf.es2017.min.js): run `npm install` and reload.');
  return tf;
}

/**
 * Switch TF.js to `wanted`, falling back to the other backends. `tf.setBackend` resolves false
 * (or throws) without changing anything when a backend cannot start, so check `tf.getBackend()`.
 * Returns the backend in use; `onNotice` hears about a fallback. `fresh` throws the wanted
 * backend's instance away first (after a lost WebGL context).
 */
export async function selectBackend(wanted, onNotice = () => {}, { fresh = false } = {}) {
  const tf = tfGlobal();
  if (!wasmPathSet && tf.wasm?.setWasmPaths) {
    tf.wasm.setWasmPaths(WASM_PATH); // before the WASM backend first initialises
    configureWasmThreads(tf); // likewise: threaded build and thread count (wasmThreads.js)
    wasmPathSet = true;
  }
  if (fresh) {
    if (wanted === 'webgl' && sharedGl) await contextRestored(sharedGl); // a new backend needs a live context
    restartBackend(tf, wanted);
  }
  const order = [wanted, ...['webgl', 'wasm', 'cpu'].filter((b) => b !== wanted)];
  for (const backend of order) {
    if (!tf.findBackendFactory(backend)) continue;
    try {
      const ok = await tf.setBackend(backend);
      await tf.ready();
      if (ok && tf.getBackend() === backend) {
        if (backend !== wanted) onNotice(backendFallbackMessage(wanted, backend));
        if (backend === 'wasm') noticeOneThread(tf, onNotice);
        return backend;
      }
    } catch (error) {
      console.warn(`TF.js backend ${backend} failed to start:`, error);
    }
  }
  throw new Error('No TF.js backend could start (tried WebGL, WASM and CPU).');
}

/** Say so when WASM runs on one thread for want of cross-origin isolation (once per page). */
let oneThreadSaid = false;
function noticeOneThread(tf, onNotice) {
  const { note } = describeWasmThreads(tf);
  if (note && !oneThreadSaid) {
    console.warn(note);
    onNotice(note);
    oneThreadSaid = true;
  }
}

/**
 * Throw away a backend instance (e.g. WebGL after its context was lost: TF.js forgets the lost
 * context but the backend object keeps using it) so the next setBackend builds a new one.
 */
function restartBackend(tf, name) {
  const factory = tf.findBackendFactory(name);
  if (!factory) return;
  try {
    tf.removeBackend(name);
  } catch (error) {
    console.warn(`Removing the ${name} backend failed:`, error); // disposing a lost context may throw
  }
  tf.registerBackend(name, factory);
}

/** The canvas TF.js's WebGL backend draws with (to hear about a lost context), or null. */
export function webglCanvasOf(tf, backend) {
  return backend === 'webgl' ? tf.backend().gpgpu?.gl?.canvas ?? null : null;
}

/**
 * Make TF.js's WebGL backend compute in `gl`, the WebGL2 context the compositor draws with, instead
 * of a canvas of its own. Then a frame uploaded once feeds the model as a texture and the mask
 * stays on the GPU for the compositor (no copy between two contexts). Call it before the first
 * model loads; returns whether TF.js will share `gl`. If the backend cannot start on it, TF.js
 * falls back to its own canvas (and masks come back through the CPU, as before).
 */
export function shareWebGLContext(gl) {
  const tf = tfGlobal();
  if (!gl) return false;
  if (sharedGl === gl) return true;
  const ownCanvas = tf.findBackendFactory('webgl');
  if (!ownCanvas || !tf.MathBackendWebGL || !tf.GPGPUContext) return false;
  tf.removeBackend('webgl');
  tf.registerBackend(
    'webgl',
    () => {
      try {
        const backend = new tf.MathBackendWebGL(new tf.GPGPUContext(gl));
        backend.canvas = null; // dispose() removes "its" canvas from the page: this one is the page's
        return backend;
      } catch (error) {
        console.warn("TF.js cannot compute in the page's WebGL context; it uses a canvas of its own:", error);
        sharedGl = null;
        return ownCanvas();
      }
    },
    2, // TF.js's own priority for WebGL
  );
  // Ask for the context back whenever the GPU takes it away (the compositor does too).
  gl.canvas.addEventListener('webglcontextlost', (event) => event.preventDefault());
  sharedGl = gl;
  return true;
}

/** The WebGL context TF.js computes in when it is the page's own (shareWebGLContext), else null. */
export function sharedWebGLContext(tf = globalThis.tf) {
  if (!sharedGl || tf?.getBackend() !== 'webgl') return null;
  return tf.backend().gpgpu?.gl === sharedGl ? sharedGl : null;
}

/** Resolves once `gl` is usable again (at once if it is), or after RESTORE_WAIT_MS at the latest. */
function contextRestored(gl) {
  if (!gl.isContextLost()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      gl.canvas.removeEventListener('webglcontextrestored', done);
      resolve();
    };
    const timer = setTimeout(done, RESTORE_WAIT_MS); // then the WebGL backend fails and another takes over
    gl.canvas.addEventListener('webglcontextrestored', done);
  });
}
