// How many threads TF.js's WASM backend runs on, set up before the backend first starts. Works on
// the page and inside a dedicated Worker (it only uses globalThis, never the DOM).
//
//   configureWasmThreads(tf);            // once, before tf.setBackend('wasm') (backend.js does it)
//   await tf.setBackend('wasm');
//   describeWasmThreads(tf)              // {threads: 2, isolated: true, build: 'threaded-simd', note: null}
//
// Why more than tf.wasm.setThreadsCount (TF.js 4.22, read in node_modules/@tensorflow/tfjs-backend-wasm):
// 1. The threaded build needs SharedArrayBuffer, which exists only when the page (or the Worker's
//    script) is cross-origin isolated: COOP + COEP, sent by web/__init__.py. Without it TF.js quietly
//    loads its single-threaded SIMD build; we report that instead of leaving it silent.
// 2. Its pthreads are blob workers: `new Worker(blob:)` of the glue's worker code (a string in the
//    bundle, no .worker.js file ships), which `importScripts(blob:)` a second blob, the threaded
//    glue's own source (`mainScriptUrlOrBlob` = the factory's toString(); the minified es2017 bundle
//    keeps that self-contained). So the CSP needs blob: in worker-src and script-src; missing either,
//    the pool never loads and setBackend('wasm') never settles (web/__init__.py).
// 3. Its C++ caps the XNNPACK pool at navigator.hardwareConcurrency / 2 ("two hyper-threads a core",
//    backend.cc), whatever setThreadsCount asks: a 2-core machine gets 1 thread even in the threaded
//    build. The WASM module reads that count once, while it instantiates, so the backend's factory
//    is wrapped to report enough cores for the count we chose during that moment only.

/** TF.js 4.22 pre-creates 8 pthread workers and never uses more. */
export const MAX_WASM_THREADS = 8;
/**
 * The default: one thread per physical core (half the logical ones), at most 4. Measured on the
 * 2-core dev box (bench/README.md, "Threads"), seven runs: the live model took 38–83 ms a frame on
 * one thread of the threaded build and 185–320 ms on two (XNNPACK waits at every one of its ~150
 * ops a frame for a second thread that shares a core with the page), so 2 logical cores get 1
 * thread. One thread of the threaded build was as fast as the single-threaded build (median of
 * the runs 53 vs 55 ms). Counts above 2 were not measurable here (2 cores). Re-measured with the
 * BN-folded graph (~100 ops a frame): on an idle machine 2 threads won (28–43 against 43–75 ms, six
 * runs), but one other busy process, even at nice 19, made them 4.5x slower (212–225 against 47 ms),
 * so a 2-core machine still gets 1 thread: the cliff costs more than the gain is worth.
 */
export const DEFAULT_MAX_THREADS = 4;

const NO_SHARED_MEMORY =
  'WASM runs on one thread: this page is not cross-origin isolated (no SharedArrayBuffer), so TF.js loads its single-threaded build.';

let requested = { threads: null, build: 'threaded' }; // setWasmThreadOptions
let configured = null; // what configureWasmThreads decided
let described = null; // what the started backend reports

/** Whether this context can run the threaded build: cross-origin isolated, with SharedArrayBuffer. */
export function threadSupport(scope = globalThis) {
  const isolated = scope.crossOriginIsolated === true;
  const sharedMemory = typeof scope.SharedArrayBuffer === 'function';
  return { isolated, sharedMemory, threads: isolated && sharedMemory };
}

/** Threads to ask for: `requested` (at most the logical cores, 8), else half the cores (1..4); 1 without threads. */
export function chooseThreadCount({ cores, requested: wanted = null, threads = true }) {
  if (!threads) return 1;
  const available = Math.max(1, Math.floor(Number(cores) || 1));
  if (Number.isFinite(wanted) && wanted >= 1) return Math.min(Math.floor(wanted), available, MAX_WASM_THREADS);
  return Math.max(1, Math.min(Math.floor(available / 2), DEFAULT_MAX_THREADS));
}

/**
 * The page's `?threads=N` (a user who knows the machine is idle: on 2 logical cores 2 threads run the
 * live model ~1.5x faster there, bench/README "Threads"). {threads: null} when absent; a value that is
 * not a whole number from 1 to MAX_WASM_THREADS gives {threads: null, problem} (the default is used).
 */
export function parseThreadsParam(text) {
  if (text === null || text === undefined || text === '') return { threads: null, problem: null };
  const threads = Number(text);
  if (/^\d+$/.test(String(text).trim()) && threads >= 1 && threads <= MAX_WASM_THREADS) return { threads, problem: null };
  return {
    threads: null,
    problem: `?threads=${text} is not a thread count (a whole number from 1 to ${MAX_WASM_THREADS}): using the default.`,
  };
}

/**
 * Ask for a thread count (`threads`, null: the measured default) or for the single-threaded build
 * (`build: 'single'`, the benchmark's comparison). Call before the WASM backend first starts.
 */
export function setWasmThreadOptions({ threads = null, build = 'threaded' } = {}) {
  if (!['threaded', 'single'].includes(build)) throw new Error(`unknown WASM build ${build} (threaded | single)`);
  if (threads !== null && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`threads must be a positive integer, got ${threads}`);
  requested = { threads, build };
}

/**
 * Set TF.js up for the chosen thread count; once, before the WASM backend first initialises.
 * Returns {threads, isolated, build, note}; `note` says why it is one thread when threads were wanted.
 */
export function configureWasmThreads(tf, scope = globalThis) {
  if (configured) return configured;
  const support = threadSupport(scope);
  const cores = scope.navigator?.hardwareConcurrency ?? 1;
  const wanted = requested.build !== 'single' && support.threads;
  const threads = chooseThreadCount({ cores, requested: requested.threads, threads: wanted });
  const single = !wanted;
  if (single) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD build, said plainly
  } else {
    tf.wasm?.setThreadsCount?.(threads);
    reportCoresWhileStarting(tf, scope, 2 * threads); // TF.js keeps half of what it reads (point 3)
  }
  configured = {
    threads,
    isolated: support.isolated,
    build: single ? 'simd' : 'threaded-simd',
    note: support.threads || requested.build === 'single' ? null : NO_SHARED_MEMORY,
  };
  return configured;
}

/**
 * Wrap the registered 'wasm' factory so that navigator.hardwareConcurrency reads `cores` while the
 * module instantiates, and the real value again as soon as the backend exists (or failed).
 */
function reportCoresWhileStarting(tf, scope, cores) {
  const factory = tf.findBackendFactory?.('wasm');
  const navigator = scope.navigator;
  if (!factory || !navigator || navigator.hardwareConcurrency >= cores) return;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
      try {
        return await factory();
      } finally {
        delete navigator.hardwareConcurrency; // the prototype's getter again
      }
    },
    2, // TF.js's own priority for WASM
  );
}

/** After the WASM backend started: the threads XNNPACK really uses, and how it came to that. */
export function describeWasmThreads(tf, scope = globalThis) {
  const plan = configured ?? { threads: 1, isolated: threadSupport(scope).isolated, build: 'simd', note: null };
  let threads = plan.threads;
  try {
    threads = Math.max(1, tf.wasm.getThreadsCount()); // -1 when its pool failed to start
  } catch {
    // not started yet: the plan is all there is
  }
  described = { ...plan, threads };
  return described;
}

/**
 * Keep a description made elsewhere: when TF.js runs in a Worker, the page's status line hears of
 * its threads through a message and stores them here (wasmThreadsLabel reads them).
 */
export function rememberWasmThreads(info) {
  described = info ? { ...info } : null;
}

/** The last description (for a status line), or null before the WASM backend started. */
export function wasmThreadsInfo() {
  return described;
}

/** "2 threads", "1 thread (not cross-origin isolated)": for the backend pill. */
export function wasmThreadsLabel(info = described) {
  if (!info) return '';
  const count = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return info.isolated ? count : `${count} (not cross-origin isolated)`;
}
