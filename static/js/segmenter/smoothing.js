// Temporal smoothing of a video's person maps, after MediaPipe's SegmentationSmoothingCalculator
// (also tfjs-models body-segmentation `segmentation_smoothing.ts`): where the new frame is sure
// (p near 0 or 1) take it as is, so a moving person does not leave a ghost; where it is unsure
// (p near 0.5, the flickering edges) mix in the previous frame's map. Uncertainty
// u = 1 − (1 − H(p))², H the Bernoulli entropy in bits; out = p + (previous − p)·u·ratio.
//
// Runs at the model's size on the segmenter's backend (smoothTensors); the plain JavaScript
// version (uncertaintySmooth) is the reference node tests compare it with.

// log() reads at least this, so that p·log p is exactly 0 at p = 0 (not 0·−∞); still a normal
// number in half floats, which some WebGL backends compute in.
const LOG_FLOOR = 1e-6;

/** Entropy in bits of a coin with P(heads) = p: 0 at p ∈ {0, 1}, 1 at p = 0.5. */
export function bernoulliEntropy(p) {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** The reference: smooth Float32Array `current` towards `previous` (same length). */
export function uncertaintySmooth(previous, current, ratio) {
  if (previous.length !== current.length) {
    throw new Error(`Mask sizes differ: ${previous.length} vs ${current.length} values`);
  }
  const out = new Float32Array(current.length);
  for (let i = 0; i < current.length; i++) {
    const p = current[i];
    const certainty = 1 - bernoulliEntropy(p);
    const uncertainty = 1 - certainty * certainty;
    out[i] = p + (previous[i] - p) * uncertainty * ratio;
  }
  return out;
}

/** The same on tensors of one shape; call inside tf.tidy. */
export function smoothTensors(tf, previous, current, ratio) {
  const p = tf.clipByValue(current, 0, 1);
  const q = tf.sub(1, p);
  const plogp = (x) => tf.mul(x, tf.log(tf.maximum(x, LOG_FLOOR)));
  const entropy = tf.div(tf.add(plogp(p), plogp(q)), -Math.LN2);
  const certainty = tf.sub(1, entropy);
  const uncertainty = tf.sub(1, tf.square(certainty));
  return tf.add(current, tf.mul(tf.sub(previous, current), tf.mul(uncertainty, ratio)));
}

/**
 * The video path's memory: the last smoothed map (a kept tensor). next(current, timestamp,
 * smoothing) disposes `current` and returns the map to use, which stays alive until the next
 * call, reset() or dispose(); a timestamp that does not increase (a new video, a seek) starts afresh.
 */
export function createTemporalState(tf) {
  let previous = null;
  let lastTimestamp = -Infinity;
  function reset() {
    previous?.dispose();
    previous = null;
    lastTimestamp = -Infinity;
  }
  return {
    next(current, timestamp, smoothing) {
      if (!(timestamp > lastTimestamp)) reset();
      lastTimestamp = timestamp;
      let smoothed = current;
      if (previous && smoothing > 0) {
        smoothed = tf.tidy(() => smoothTensors(tf, previous, current, smoothing));
        current.dispose();
      }
      previous?.dispose();
      previous = smoothed;
      return smoothed;
    },
    reset,
    dispose: reset,
  };
}
