// Inside the frame path's Worker: one engine (frameEngine.js) on the OffscreenCanvas the page
// transferred, answering the page's calls ({id, method, args} → {type: 'reply', id, value | error})
// and forwarding the engine's events ({type: 'event', name, data}).

import { UserError } from '../base/messages.js';
import { createFrameEngine } from './frameEngine.js';

/** Why the compositor could not draw WebGL2 on an OffscreenCanvas here, or null. */
function webgl2Problem() {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'no WebGL2 on an OffscreenCanvas';
    gl.getExtension('WEBGL_lose_context')?.loseContext(); // a probe: give the context back at once
    return null;
  } catch {
    return 'no WebGL2 on an OffscreenCanvas';
  }
}

export function serve(scope) {
  let engine = null;
  const emit = (name, data) => scope.postMessage({ type: 'event', name, data });

  async function run(method, args) {
    if (method === 'init') {
      const [{ canvas, compositorChoice, wasmThreads = null }] = args;
      engine = createFrameEngine({ canvas, compositorChoice, wasmThreads, emit });
      // For tests and DevTools: the Worker's own global (the page cannot reach it) holds the engine,
      // whose internals (compositor, models, the mask) tests read as on the main thread.
      scope.frameEngine = engine;
      return { ok: true };
    }
    if (!engine || typeof engine[method] !== 'function') throw new Error(`The frame path has no method ${method}`);
    return engine[method](...args);
  }

  // Failures go back to the page, which shows them (and logs those not meant for the user).
  scope.onmessage = async ({ data: { id, method, args } }) => {
    try {
      const value = await run(method, args);
      scope.postMessage({ type: 'reply', id, value });
    } catch (error) {
      const message = error?.message ?? String(error);
      scope.postMessage({ type: 'reply', id, error: { message, name: error?.name ?? 'Error', user: error instanceof UserError } });
    }
  };
  const problem = webgl2Problem();
  scope.postMessage(problem ? { type: 'failed', message: problem } : { type: 'booted' });
}
