// The faster WASM Concat gives TF.js's own results: the pure interleave against a reference, and the
// installed kernel against the CPU backend's concat on the model's shapes and the cases it leaves alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { concatLastAxis, installFastConcat } from '../../static/js/segmenter/fastConcat.js';

function counting(length, start) {
  return Float32Array.from({ length }, (_, i) => start + i);
}

test('concatLastAxis interleaves rows, in separate arrays and inside one shared buffer', () => {
  const a = counting(6, 0); // 3 rows of 2
  const b = counting(3, 100); // 3 rows of 1
  const expected = [0, 1, 100, 2, 3, 101, 4, 5, 102];
  assert.deepEqual(Array.from(concatLastAxis([a, b], [2, 1], 3, new Float32Array(9))), expected);

  const heap = new Float32Array(32);
  const sharedA = heap.subarray(1, 7);
  const sharedB = heap.subarray(9, 12);
  sharedA.set(a);
  sharedB.set(b);
  const out = heap.subarray(20, 29);
  concatLastAxis([sharedA, sharedB], [2, 1], 3, out);
  assert.deepEqual(Array.from(out), expected);
  assert.deepEqual(Array.from(sharedA), Array.from(a)); // the inputs are untouched
});

const CASES = [
  // [shapes, axis]: the live model's widest join, two inputs, four, batch 2, rank 2, a negative axis
  [[[1, 96, 96, 52], [1, 96, 96, 12], [1, 96, 96, 12]], 3],
  [[[1, 48, 48, 24], [1, 48, 48, 12]], -1],
  [[[1, 5, 7, 3], [1, 5, 7, 1], [1, 5, 7, 2], [1, 5, 7, 4]], 3],
  [[[2, 4, 4, 3], [2, 4, 4, 5]], 3],
  [[[6, 3], [6, 2]], 1],
  // left to TF.js's own kernel: another axis
  [[[1, 4, 4, 3], [1, 2, 4, 3]], 1],
];

test('the installed kernel matches the CPU backend, and leaves other axes and dtypes to TF.js', async () => {
  await tf.setBackend('cpu');
  const values = CASES.map(([shapes]) => shapes.map((shape, i) => tf.util.sizeFromShape(shape) && counting(tf.util.sizeFromShape(shape), 1000 * i)));
  const expected = CASES.map(([shapes, axis], c) => tf.tidy(() => tf.concat(shapes.map((shape, i) => tf.tensor(values[c][i], shape)), axis).arraySync()));
  const ints = tf.tidy(() => tf.concat([tf.tensor([[1], [2]], [2, 1], 'int32'), tf.tensor([[3], [4]], [2, 1], 'int32')], 1).arraySync());

  await tf.setBackend('wasm');
  assert.equal(installFastConcat(tf), true);
  assert.equal(installFastConcat(tf), true); // a second call keeps the one kernel
  assert.equal(tf.getKernel('Concat', 'wasm').kernelFunc.fastConcat, true);
  CASES.forEach(([shapes, axis], c) => {
    const got = tf.tidy(() => tf.concat(shapes.map((shape, i) => tf.tensor(values[c][i], shape)), axis).arraySync());
    assert.deepEqual(got, expected[c], `case ${c}`);
  });
  assert.deepEqual(tf.tidy(() => tf.concat([tf.tensor([[1], [2]], [2, 1], 'int32'), tf.tensor([[3], [4]], [2, 1], 'int32')], 1).arraySync()), ints);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    tf.concat([tf.ones([1, 8, 8, 2]), tf.zeros([1, 8, 8, 3])], 3);
  });
  assert.equal(tf.memory().numTensors, before); // nothing left behind
});
