// The sub-pixel transposed convolution gives TF.js's own Conv2DBackpropInput results on the WASM
// backend (run in Node: tfjs-backend-wasm works there, single-threaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installFastTransposedConv, packSubPixelFilter, releasePackedFilters, subPixelPlan } from '../../static/js/segmenter/transposedConv.js';

function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function randomTensor(shape, seed) {
  const random = seeded(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random), shape);
}

// [dy shape, filter shape, x shape, stride, padding]: the model's layer (3×3, stride 2, SAME, even
// output), odd outputs, VALID, other kernel sizes, stride 3, unequal strides, batch 2.
const CASES = [
  [[1, 7, 7, 6], [3, 3, 5, 6], [1, 14, 14, 5], 2, 'same'],
  [[1, 7, 5, 4], [3, 3, 3, 4], [1, 13, 9, 3], 2, 'same'],
  [[1, 6, 6, 3], [3, 3, 2, 3], [1, 13, 13, 2], 2, 'valid'],
  [[1, 5, 5, 3], [4, 4, 2, 3], [1, 10, 10, 2], 2, 'same'],
  [[1, 4, 6, 2], [2, 2, 3, 2], [1, 8, 12, 3], 2, 'valid'],
  [[1, 4, 4, 3], [5, 5, 2, 3], [1, 12, 12, 2], 3, 'same'],
  [[1, 4, 5, 3], [3, 3, 2, 3], [1, 8, 5, 2], [2, 1], 'same'],
  [[2, 4, 4, 3], [1, 1, 2, 3], [2, 8, 8, 2], 2, 'same'],
];

async function transposeOnWasm(dyShape, filterShape, xShape, stride, padding) {
  const dy = randomTensor(dyShape, 1);
  const filter = randomTensor(filterShape, 2);
  const out = tf.conv2dTranspose(dy, filter, xShape, stride, padding);
  const values = await out.data();
  tf.dispose([dy, filter, out]);
  return values;
}

test('the sub-pixel kernel matches TF.js Conv2DBackpropInput on the wasm backend', async () => {
  assert.equal(await tf.setBackend('wasm'), true);
  const expected = [];
  for (const c of CASES) expected.push(await transposeOnWasm(...c));
  assert.equal(installFastTransposedConv(tf), true);
  assert.equal(installFastTransposedConv(tf), true); // idempotent
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc.fastTransposedConv, true);
  const before = tf.memory().numTensors;
  for (const [i, [dyShape, filterShape, xShape, stride, padding]] of CASES.entries()) {
    // Every case takes the fast path (none falls back to TF.js's kernel).
    const strides = Array.isArray(stride) ? stride : [stride, stride];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, padding, undefined, false, 'channelsLast');
    const plan = subPixelPlan({ dyShape, xShape, filterShape, strides, padTop: info.padInfo.top, padLeft: info.padInfo.left });
    assert.ok(plan, `case ${i} has a plan`);
  }
  for (const [i, c] of CASES.entries()) {
    const got = await transposeOnWasm(...c);
    assert.equal(got.length, expected[i].length, `case ${i}`);
    const worst = got.reduce((m, v, j) => Math.max(m, Math.abs(v - expected[i][j])), 0);
    assert.ok(worst < 1e-5, `case ${i} (${JSON.stringify(c)}): max difference ${worst}`);
  }
  assert.equal(tf.memory().numTensors, before);
  releasePackedFilters();
});

test('the plan covers the model layer and refuses what it cannot do', () => {
  const plan = subPixelPlan({ dyShape: [1, 28, 28, 60], xShape: [1, 56, 56, 60], filterShape: [3, 3, 60, 60], strides: [2, 2], padTop: 0, padLeft: 0 });
  assert.deepEqual(plan.height.pad, [1, 0]);
  assert.equal(plan.height.window, 2);
  assert.equal(subPixelPlan({ dyShape: [1, 8, 8, 4], xShape: [1, 8, 8, 4], filterShape: [3, 3, 4, 4], strides: [1, 1], padTop: 1, padLeft: 1 }), null);
  assert.equal(subPixelPlan({ dyShape: [1, 8, 8, 4], xShape: [1, 16, 16, 5], filterShape: [3, 3, 4, 4], strides: [2, 2], padTop: 0, padLeft: 0 }), null);
});

test('the packed filter puts each tap in its phase', () => {
  // 1 in, 1 out channel, 3×3 taps numbered 1..9, stride 2, SAME (padTop = padLeft = 0).
  const plan = subPixelPlan({ dyShape: [1, 2, 2, 1], xShape: [1, 4, 4, 1], filterShape: [3, 3, 1, 1], strides: [2, 2], padTop: 0, padLeft: 0 });
  const packed = packSubPixelFilter(Float32Array.from({ length: 9 }, (_, i) => i + 1), plan);
  // [jh, jw, 1, phase]; phase (0,0) = even row, even col: w[2,2] at (0,0), w[2,0] at (0,1), w[0,2], w[0,0].
  const at = (jh, jw, phase) => packed[(jh * 2 + jw) * 4 + phase];
  assert.deepEqual([at(0, 0, 0), at(0, 1, 0), at(1, 0, 0), at(1, 1, 0)], [9, 7, 3, 1]);
  assert.deepEqual([at(0, 0, 3), at(0, 1, 3), at(1, 0, 3), at(1, 1, 3)], [0, 0, 0, 5]);
});
