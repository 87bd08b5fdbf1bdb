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

/** "850 ms" below a second, "15.9 s" above. */
export function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A photo's wait, whole and in parts that add up to it: "total 15.9 s = reading 3.1 s + finding
 * the person 2.5 s + compositing and display 10.3 s" (+ loading the photo model, the first time).
 */
export function formatPhotoTimes({ totalMs, decodeMs, modelLoadMs = 0, inferenceMs, compositeMs }) {
  const parts = [`reading ${formatMs(decodeMs)}`];
  if (modelLoadMs >= 1) parts.push(`loading the photo model ${formatMs(modelLoadMs)}`);
  parts.push(`finding the person ${formatMs(inferenceMs)}`, `compositing and display ${formatMs(compositeMs)}`);
  return `total ${formatMs(totalMs)} = ${parts.join(' + ')}`;
}

/**
 * One line for the stats bar: a photo's timings (`photo`), or the camera's, e.g. "24.8 fps ·
 * inference 31.2 ms · compositing 4.1 ms". Empty until there is something measured (`frames`).
 */
export function formatStats({ fps, inferenceMs, compositeMs, frames = null, photo = null }) {
  if (photo) return formatPhotoTimes(photo);
  if (frames === 0) return '';
  const parts = [];
  if (fps > 0) parts.push(`${fps.toFixed(1)} fps`);
  parts.push(`inference ${inferenceMs.toFixed(1)} ms`);
  parts.push(`compositing ${compositeMs.toFixed(1)} ms`);
  return parts.join(' · ');
}
