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

/** How far back the time-left estimate looks: the rate drifts (a warming CPU, a busy tab). */
export const RECENT_WINDOW_MS = 10_000;

/**
 * The rate of the last `windowMs` of a job: add(done, nowMs) after each step, rate() in steps per
 * second over the newest samples (all of them until the window fills). Pure: time comes from the caller.
 */
export function createRecentRate(windowMs = RECENT_WINDOW_MS) {
  const samples = [];
  return {
    add(done, nowMs) {
      samples.push({ done, at: nowMs });
      while (samples.length > 2 && nowMs - samples[1].at >= windowMs) samples.shift();
    },
    rate() {
      if (samples.length < 2) return 0;
      const first = samples[0];
      const last = samples[samples.length - 1];
      return last.at > first.at ? ((last.done - first.done) * 1000) / (last.at - first.at) : 0;
    },
  };
}

/**
 * {fraction, framesPerSecond, remainingMs, text} after `done` of `total` frames in `elapsedMs`.
 * framesPerSecond is the whole job's; the time left follows `recentFramesPerSecond` (the last few
 * seconds, createRecentRate) when given, since a rate that falls makes the whole-job mean promise
 * too little. It is only estimated once a few frames have shown the speed.
 */
export function exportProgress({ done, total, elapsedMs, recentFramesPerSecond = null }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const framesPerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const rate = recentFramesPerSecond > 0 ? recentFramesPerSecond : framesPerSecond;
  const remainingMs = done >= 3 && rate > 0 ? ((total - done) * 1000) / rate : null;
  const left = remainingMs === null ? 'estimating time left…' : `about ${formatDuration(remainingMs)} left`;
  const text = `Exporting frame ${done} of ${total} (${Math.round(fraction * 100)} %) · ${rate.toFixed(1)} frames/s · ${left}`;
  return { fraction, framesPerSecond, remainingMs, text };
}
