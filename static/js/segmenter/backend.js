// Which TF.js backend runs the model. Uses the global `tf` (classic scripts /vendor/tfjs/… and
// /vendor/tfjs-backend-wasm/…, loaded by the page before its modules).

import { backendFallbackMessage } from '../ui/messages.js';

const WASM_PATH = '/vendor/tfjs-backend-wasm/';
let wasmPathSet = false;

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
    wasmPathSet = true;
  }
  if (fresh) restartBackend(tf, wanted);
  const order = [wanted, ...['webgl', 'wasm', 'cpu'].filter((b) => b !== wanted)];
  for (const backend of order) {
    if (!tf.findBackendFactory(backend)) continue;
    try {
      const ok = await tf.setBackend(backend);
      await tf.ready();
      if (ok && tf.getBackend() === backend) {
        if (backend !== wanted) onNotice(backendFallbackMessage(wanted, backend));
        return backend;
      }
    } catch (error) {
      console.warn(`TF.js backend ${backend} failed to start:`, error);
    }
  }
  throw new Error('No TF.js backend could start (tried WebGL, WASM and CPU).');
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
