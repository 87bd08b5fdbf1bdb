// Pick the faster TF.js backend by measuring it, not by guessing: tiny models often run faster on
// WASM (XNNPACK) than on WebGL, and a machine without a GPU gets a software WebGL that is many times
// slower. At start the live model is timed on each backend (a warm-up run, then a few timed ones)
// and the faster wins; a backend the user picked by hand skips all of this.
//
//   const choice = await measureBackends({backends: ['wasm', 'webgl'], timeBackend});
//   choice.backend, choice.reason   // 'wasm', "WASM: 52 ms vs WebGL 780 ms"

import { createCanvas } from '../base/canvas.js';

export const AUTO_BACKEND = 'auto';
export const MEASURE_RUNS = 3;
const LABELS = { webgl: 'WebGL', wasm: 'WASM' };

function label(backend) {
  return LABELS[backend] ?? backend.toUpperCase();
}

function formatMs(ms) {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The faster of measured backends. `timings`: {backend: ms | null (could not run)}.
 * Returns {backend, reason, timings}; reason reads "WASM: 52 ms vs WebGL 780 ms".
 */
export function chooseFaster(timings) {
  const measured = Object.entries(timings).filter(([, ms]) => Number.isFinite(ms));
  if (!measured.length) throw new Error('No backend could run the model.');
  measured.sort((a, b) => a[1] - b[1]);
  const [[backend, best], ...others] = measured;
  const failed = Object.entries(timings).filter(([, ms]) => !Number.isFinite(ms)).map(([name]) => name);
  const versus = others.map(([name, ms]) => `${label(name)} ${formatMs(ms)}`);
  let reason = `${label(backend)}: ${formatMs(best)}`;
  if (versus.length) reason += ` vs ${versus.join(', ')}`;
  if (failed.length) reason += ` (${failed.map(label).join(', ')} could not start)`;
  return { backend, reason, timings };
}

/**
 * Time `runs` warm inferences of `segmenter` on a `width`×`height` frame (after one warm-up run,
 * which also compiles WebGL shaders). Returns the median in milliseconds.
 */
export async function timeSegmenter(segmenter, { runs = MEASURE_RUNS, width = 640, height = 480 } = {}) {
  const frame = createCanvas(width, height);
  const context = frame.getContext('2d');
  const gradient = context.createLinearGradient(0, 0, width, height); // not blank: no shortcut anywhere
  gradient.addColorStop(0, '#d9a066');
  gradient.addColorStop(1, '#3a5f8a');
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  await segmenter.segment(frame);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await segmenter.segment(frame);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Measure each backend with `timeBackend(backend) → Promise<ms>` (one at a time: they share the
 * CPU) and choose the faster. A backend that fails counts as unavailable.
 */
export async function measureBackends({ backends = ['wasm', 'webgl'], timeBackend, onStep = () => {} }) {
  const timings = {};
  for (const backend of backends) {
    onStep(`Measuring ${label(backend)}…`);
    try {
      timings[backend] = await timeBackend(backend);
    } catch (error) {
      console.warn(`Measuring the ${backend} backend failed:`, error);
      timings[backend] = null;
    }
  }
  return chooseFaster(timings);
}
