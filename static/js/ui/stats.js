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

/** A photo's parts, in the order they happen: [key, words]. Parts under 1 ms are left out. */
const PHOTO_PARTS = [
  ['waitMs', 'waiting for the start-up'],
  ['decodeMs', 'reading'],
  ['downscaleMs', 'downscaling'],
  ['modelLoadMs', 'loading the photo model'],
  ['inferenceMs', 'finding the person'],
  ['compositeMs', 'compositing'],
  ['displayMs', 'display'],
];

/**
 * A photo's wait from choosing the file to its pixels on screen, whole and in parts that add up to
 * it: "total 15.9 s = reading 3.1 s + finding the person 2.5 s + compositing 10.3 s + display 20 ms".
 * (An older record without displayMs counted display in compositeMs: "compositing and display".)
 */
export function formatPhotoTimes(photo) {
  const parts = PHOTO_PARTS.filter(([key]) => photo[key] >= 1 || key === 'decodeMs' || key === 'inferenceMs').map(([key, words]) => {
    const label = key === 'compositeMs' && photo.displayMs === undefined ? 'compositing and display' : words;
    return `${label} ${formatMs(photo[key] ?? 0)}`;
  });
  if (!parts.some((part) => part.startsWith('compositing'))) parts.push(`compositing ${formatMs(photo.compositeMs ?? 0)}`);
  return `total ${formatMs(photo.totalMs)} = ${parts.join(' + ')}`;
}

/**
 * One line for the stats bar: a photo's timings (`photo`), or the camera's: its rate, how often a
 * frame comes (`intervalMs`) and where that time goes, e.g. "2.1 fps · a frame every 476 ms =
 * model 310 ms + compositing 90 ms + the rest 76 ms" (the rest: waiting for the camera, handing
 * the frame over). Empty until there is something measured (`frames`).
 */
export function formatStats({ fps, inferenceMs, compositeMs, frames = null, photo = null, intervalMs = 0 }) {
  if (photo) return formatPhotoTimes(photo);
  if (frames === 0) return '';
  if (intervalMs > 0) {
    const rest = Math.max(0, intervalMs - inferenceMs - compositeMs);
    const split = `model ${formatMs(inferenceMs)} + compositing ${formatMs(compositeMs)} + the rest ${formatMs(rest)}`;
    return `${fps.toFixed(1)} fps · a frame every ${formatMs(intervalMs)} = ${split}`;
  }
  const parts = [];
  if (fps > 0) parts.push(`${fps.toFixed(1)} fps`);
  parts.push(`inference ${inferenceMs.toFixed(1)} ms`);
  parts.push(`compositing ${compositeMs.toFixed(1)} ms`);
  return parts.join(' · ');
}
