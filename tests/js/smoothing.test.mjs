// Temporal smoothing of video masks (static/js/segmenter/smoothing.js): the plain reference on
// hand-written maps, the tensor version against it (TF.js in Node, 'cpu' backend), and the video
// path's memory: it resets when time goes back, and holds exactly one tensor between frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  bernoulliEntropy,
  createTemporalState,
  smoothTensors,
  uncertaintySmooth,
} from '../../static/js/segmenter/smoothing.js';
import { close, f32 } from './support.mjs';

await tf.setBackend('cpu');


test('uncertainty smoothing: sure pixels follow the new frame, unsure ones mix in the previous', () => {
  assert.equal(bernoulliEntropy(0), 0);
  assert.equal(bernoulliEntropy(1), 0);
  assert.equal(bernoulliEntropy(0.5), 1);
  const previous = f32([1, 0, 0, 1]);
  const current = f32([0, 1, 0.5, 0.5]);
  // p ∈ {0,1}: uncertainty 0 → current; p = 0.5: uncertainty 1 → p + (prev − p)·ratio
  close(uncertaintySmooth(previous, current, 0.8), [0, 1, 0.1, 0.9]);
  // in between: p = 0.25 has entropy 0.811278 bits → uncertainty 1 − 0.188722² = 0.964384
  const [value] = uncertaintySmooth(f32([1]), f32([0.25]), 1);
  assert.ok(Math.abs(value - (0.25 + 0.75 * 0.964384)) < 1e-5, String(value));
  assert.throws(() => uncertaintySmooth(f32([1]), f32([1, 2]), 0.5), /sizes differ/);
});

test('the tensor version matches the reference, sure pixels and all', () => {
  const previous = f32([1, 0, 0, 1, 0.3, 0.9, 0.02, 0.6, 0.5]);
  const current = f32([0, 1, 0.5, 0.5, 0.25, 0.999, 0.01, 0.7, 0.5]);
  for (const ratio of [0, 0.5, 0.95]) {
    const got = tf.tidy(() => smoothTensors(tf, tf.tensor2d(previous, [3, 3]), tf.tensor2d(current, [3, 3]), ratio).dataSync());
    close(got, uncertaintySmooth(previous, current, ratio), 1e-4);
  }
});

test('the video memory: first frame as is, then smoothed; time going back starts afresh; one tensor kept', () => {
  const state = createTemporalState(tf);
  const before = tf.memory().numTensors;
  const frame = (values) => tf.tensor2d(values, [1, 2]);
  let out = state.next(frame([0.5, 0.5]), 0, 0.8);
  close(out.dataSync(), [0.5, 0.5]); // nothing to mix in yet
  out = state.next(frame([1, 0.5]), 33, 0.8);
  close(out.dataSync(), [1, 0.5], 1e-5); // p = 1 is sure; 0.5 mixed with 0.5
  out = state.next(frame([0.5, 0.5]), 66, 0.8);
  close(out.dataSync(), [0.5 + 0.5 * 0.8, 0.5], 1e-5); // unsure: 80 % of the previous 1
  assert.equal(tf.memory().numTensors, before + 1, 'exactly the kept map between frames');
  out = state.next(frame([0.5, 0.5]), 10, 0.8); // earlier timestamp: a new video
  close(out.dataSync(), [0.5, 0.5]);
  out = state.next(frame([0.2, 0.5]), 20, 0); // smoothing off: the frame as is
  close(out.dataSync(), [0.2, 0.5]);
  state.reset();
  assert.equal(tf.memory().numTensors, before, 'reset frees it');
  close(state.next(frame([0.5, 0.5]), 30, 0.8).dataSync(), [0.5, 0.5]);
  state.dispose();
  assert.equal(tf.memory().numTensors, before);
});
