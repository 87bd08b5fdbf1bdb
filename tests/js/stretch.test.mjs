// The resize rule (static/js/frame/stretch.js) on hand-worked numbers. Its agreement with the
// Python side, byte for byte, is tests/test_stretch_parity.py; the GPU stage's agreement with it
// is the browser self-test (tests/e2e/test_e2e_pipeline.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stretchCoefficients, stretchImage } from '../../static/js/frame/stretch.js';

const taps = (c, i) => Array.from(c.weights.subarray(i * c.taps, i * c.taps + c.count[i]));
const near = (a, b) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-12);

test('shrinking 4 → 2 averages a triangle two source pixels wide on each side', () => {
  const c = stretchCoefficients(4, 2);
  assert.equal(c.scale, 2);
  // output 0 is centred at 1.0: source pixels 0, 1, 2 at distances .5, .5, 1.5 → 0.75, 0.75, 0.25
  assert.deepEqual([c.first[0], c.count[0]], [0, 3]);
  assert.ok(near(taps(c, 0), [3 / 7, 3 / 7, 1 / 7]), taps(c, 0).join());
  // output 1 is centred at 3.0: pixels 1, 2, 3 (the 4th tap would be past the edge)
  assert.deepEqual([c.first[1], c.count[1]], [1, 3]);
  assert.ok(near(taps(c, 1), [1 / 7, 3 / 7, 3 / 7]));
});

test('growing 2 → 4 is plain bilinear with half-pixel centres, clamped at the edges', () => {
  const c = stretchCoefficients(2, 4);
  const weightsFor = (i) => {
    const w = [0, 0];
    taps(c, i).forEach((value, k) => { w[c.first[i] + k] += value; });
    return w;
  };
  assert.deepEqual([0, 1, 2, 3].map(weightsFor), [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]]);
});

test('the same size is the identity; every row of weights sums to 1', () => {
  const same = stretchCoefficients(5, 5);
  for (let i = 0; i < 5; i++) assert.deepEqual(taps(same, i).filter((w) => w > 0), [1]);
  for (const [from, to] of [[640, 224], [1920, 256], [37, 160], [333, 224]]) {
    const c = stretchCoefficients(from, to);
    for (let i = 0; i < to; i++) {
      const sum = taps(c, i).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `${from}→${to} pixel ${i}: ${sum}`);
    }
  }
  assert.throws(() => stretchCoefficients(0, 4), /Invalid stretch/);
});

test('stretchImage rounds like PIL: a 4×1 grey ramp to 2×1, and a 1×2 column to 1×4', () => {
  const ramp = { data: Uint8ClampedArray.from([0, 100, 200, 255]), width: 4, height: 1, channels: 1 };
  // (3·0 + 3·100 + 200) / 7 = 71.43 → 71; (100 + 3·200 + 3·255) / 7 = 209.3 → 209
  assert.deepEqual(Array.from(stretchImage(ramp, 2, 1).data), [71, 209]);
  const column = { data: Uint8ClampedArray.from([0, 10, 20, 200, 210, 220]), width: 1, height: 2, channels: 3 };
  const grown = stretchImage(column, 1, 4);
  assert.equal(grown.height, 4);
  // rows: 100 % top, 75/25 (50, 60, 70), 25/75 (150, 160, 170), 100 % bottom
  assert.deepEqual(Array.from(grown.data), [0, 10, 20, 50, 60, 70, 150, 160, 170, 200, 210, 220]);
});
