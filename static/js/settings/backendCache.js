// The start-up measurement (WebGL against WASM, segmenter/backendChoice.js) is kept per browser and
// device: the next visit starts at once on the faster backend, and Measure again replaces it. A new
// browser version, another GPU or another core count is another device. Pure: storage is passed in.

export const BACKEND_CACHE_KEY = 'greenscreen.backend-choice.v1';

/** What makes a measurement hold: the browser (user agent), the GPU's name and the core count. */
export function deviceKey({ userAgent = '', gpu = '', cores = 0 } = {}) {
  return `${userAgent} | ${gpu} | ${cores} cores`;
}

/** The measured {backend, reason, timings, measuredAt} for `device`, or null. */
export function readBackendChoice(storage, device) {
  try {
    const stored = JSON.parse(storage?.getItem(BACKEND_CACHE_KEY) ?? 'null');
    const choice = stored?.[device];
    return choice && typeof choice.backend === 'string' && typeof choice.reason === 'string' ? choice : null;
  } catch {
    return null; // unreadable: measure again
  }
}

/** Keep `choice` for `device` (other devices' entries stay). */
export function saveBackendChoice(storage, device, choice, now = Date.now()) {
  let stored = {};
  try {
    stored = JSON.parse(storage?.getItem(BACKEND_CACHE_KEY) ?? '{}') ?? {};
  } catch {
    stored = {};
  }
  stored[device] = { backend: choice.backend, reason: choice.reason, timings: choice.timings, measuredAt: now };
  try {
    storage?.setItem(BACKEND_CACHE_KEY, JSON.stringify(stored));
  } catch {
    // private mode or full storage: the next visit measures again
  }
}

/** "Measured 2 Dec 2026: WASM: 121 ms vs WebGL 780 ms" for the Model panel. */
export function describeBackendChoice(choice, { cached }) {
  const when = new Date(choice.measuredAt ?? Date.now()).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
  return `${cached ? `Measured ${when} (kept for this browser and device)` : 'Measured just now'}: ${choice.reason}.`;
}
