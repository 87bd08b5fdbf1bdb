// Frame statistics (FPS, per-stage milliseconds). Pure: timestamps come from the caller.

/** Frames per second over a sliding window of the last `size` frame timestamps (milliseconds). */
export function createFpsMeter(size = 30) {
  const times = [];
  return {
    tick(now) {
      times.push(now);
      if (times.length > size) times.shift();
      return this.fps();
    },
    fps() {
      if (times.length < 2) return 0;
      const span = times[times.length - 1] - times[0];
      return span > 0 ? ((times.length - 1) * 1000) / span : 0;
    },
    reset() {
      times.length = 0;
    },
  };
}

/** Exponential moving average of a noisy number (stage timings): weight of the newest sample. */
export function createRunningMean(weight = 0.1) {
  let value = null;
  return {
    add(sample) {
      value = value === null ? sample : value + (sample - value) * weight;
      return value;
    },
    get value() {
      return value ?? 0;
    },
    reset() {
      value = null;
    },
  };
}

/** One line for the stats bar, e.g. "24.8 fps · inference 31.2 ms · compositing 4.1 ms". */
export function formatStats({ fps, inferenceMs, compositeMs }) {
  const parts = [];
  if (fps > 0) parts.push(`${fps.toFixed(1)} fps`);
  parts.push(`inference ${inferenceMs.toFixed(1)} ms`);
  parts.push(`compositing ${compositeMs.toFixed(1)} ms`);
  return parts.join(' · ');
}
