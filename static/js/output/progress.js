// Progress of a long job (a video export) in words: fraction, frames per second, time left.
// Pure, so node tests check it.

/** "12 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * {fraction, framesPerSecond, remainingMs, text} after `done` of `total` frames in `elapsedMs`.
 * The time left is only estimated once a few frames have shown the speed.
 */
export function exportProgress({ done, total, elapsedMs }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const framesPerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const remainingMs = done >= 3 && framesPerSecond > 0 ? ((total - done) * 1000) / framesPerSecond : null;
  const left = remainingMs === null ? 'estimating time left…' : `about ${formatDuration(remainingMs)} left`;
  const text = `Exporting frame ${done} of ${total} (${Math.round(fraction * 100)} %) · ${framesPerSecond.toFixed(1)} frames/s · ${left}`;
  return { fraction, framesPerSecond, remainingMs, text };
}
