import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  average,
  bernoulliEntropy,
  createTemporalSmoother,
  emaSmooth,
  feather,
  flipHorizontal,
  iou,
  personFraction,
  resizeBilinear,
  smoothstep,
  threshold,
  uncertaintySmooth,
  writeCoverageAlpha,
} from '../../static/js/compositor/maskmath.js';

const f32 = (values) => Float32Array.from(values);
const close = (actual, expected, tolerance = 1e-6) => {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
};

test('bilinear 2×2 → 4×4 uses half-pixel centres and clamps at the edges', () => {
  // left column 0, right column 1: every row becomes [0, .25, .75, 1]
  const out = resizeBilinear(f32([0, 1, 0, 1]), 2, 2, 4, 4);
  close(out, [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
});

test('bilinear 2×2 → 4×4 interpolates in both directions', () => {
  const out = resizeBilinear(f32([0, 0, 0, 1]), 2, 2, 4, 4);
  close(out, [
    0, 0, 0, 0,
    0, 0.0625, 0.1875, 0.25,
    0, 0.1875, 0.5625, 0.75,
    0, 0.25, 0.75, 1,
  ]);
});

test('bilinear same size is the identity and 4×4 → 2×2 samples between pixels', () => {
  const mask = f32([0.1, 0.2, 0.3, 0.4]);
  close(resizeBilinear(mask, 2, 2, 2, 2), mask);
  const big = f32([0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  close(resizeBilinear(big, 4, 4, 2, 2), [0, 1, 1, 0]);
});

test('bilinear refuses a mask of the wrong length', () => {
  assert.throws(() => resizeBilinear(f32([0, 1, 2]), 2, 2, 4, 4), /3 values, expected 2×2/);
});

test('smoothstep: 0 below, 1 above, 3t²−2t³ between, hard step when the edges meet', () => {
  assert.equal(smoothstep(0.25, 0.75, 0), 0);
  assert.equal(smoothstep(0.25, 0.75, 0.25), 0);
  assert.equal(smoothstep(0.25, 0.75, 0.5), 0.5);
  assert.equal(smoothstep(0.25, 0.75, 0.375), 0.15625); // t = .25 → .0625·2.5
  assert.equal(smoothstep(0.25, 0.75, 0.75), 1);
  assert.equal(smoothstep(0.5, 0.5, 0.49), 0);
  assert.equal(smoothstep(0.5, 0.5, 0.5), 1);
});

test('feather maps a 2×2 mask through smoothstep', () => {
  close(feather(f32([0.1, 0.375, 0.5, 0.9]), 0.25, 0.75), [0, 0.15625, 0.5, 1]);
});

test('writeCoverageAlpha equals feather(resizeBilinear(...)) scaled to 0–255 and leaves RGB alone', () => {
  const mask = f32([0, 1, 0.25, 0.75]);
  const rgba = new Uint8ClampedArray(4 * 4 * 4).fill(7);
  writeCoverageAlpha(mask, 2, 2, rgba, 4, 4, 0.2, 0.8);
  const expected = feather(resizeBilinear(mask, 2, 2, 4, 4), 0.2, 0.8);
  for (let i = 0; i < 16; i++) {
    assert.equal(rgba[i * 4 + 3], Math.round(expected[i] * 255), `alpha ${i}`);
    assert.deepEqual([...rgba.subarray(i * 4, i * 4 + 3)], [7, 7, 7]);
  }
  // a hard threshold gives only 0 and 255
  writeCoverageAlpha(mask, 2, 2, rgba, 4, 4, 0.5, 0.5);
  const alphas = new Set([...rgba].filter((_, i) => i % 4 === 3));
  assert.deepEqual([...alphas].sort((a, b) => a - b), [0, 255]);
  assert.throws(() => writeCoverageAlpha(mask, 2, 2, new Uint8ClampedArray(10), 4, 4, 0, 1), /RGBA buffer/);
});

test('EMA keeps the given share of the previous mask', () => {
  const previous = f32([0, 1, 0.5, 0.5]);
  const current = f32([1, 1, 0, 1]);
  close(emaSmooth(previous, current, 0.5), [0.5, 1, 0.25, 0.75]);
  close(emaSmooth(previous, current, 0), current);
  close(emaSmooth(previous, current, 0.75), [0.25, 1, 0.375, 0.625]);
});

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
});

test('temporal smoother starts fresh, then smooths, and resets on a size change', () => {
  const smoother = createTemporalSmoother();
  close(smoother.apply(f32([1, 1, 1, 1]), 0.5), [1, 1, 1, 1]);
  close(smoother.apply(f32([0.5, 0.5, 1, 0]), 0.5), [0.75, 0.75, 1, 0]);
  close(smoother.apply(f32([0.5, 0.5]), 0.5), [0.5, 0.5]); // new size: no mixing
  smoother.reset();
  close(smoother.apply(f32([0.5, 0.5]), 0.9), [0.5, 0.5]);
  close(smoother.apply(f32([0.5, 0.5]), 0), [0.5, 0.5]);
});

test('threshold, IoU and person fraction on a 4×4 mask', () => {
  const mask = f32([
    0.9, 0.9, 0.1, 0.1,
    0.9, 0.5, 0.49, 0.1,
    0.1, 0.1, 0.1, 0.1,
    0.1, 0.1, 0.1, 0.1,
  ]);
  const binary = threshold(mask);
  assert.deepEqual([...binary], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(personFraction(mask), 4 / 16);
  const truth = Uint8Array.from([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(iou(binary, truth), 3 / 5); // ∩ = 3, ∪ = 5
  assert.equal(iou(binary, binary), 1);
  assert.equal(iou(new Uint8Array(4), new Uint8Array(4)), 1);
  assert.equal(iou(Uint8Array.from([1, 0]), Uint8Array.from([0, 1])), 0);
});

test('flip and average: flip twice is the identity; flip TTA averages', () => {
  const mask = f32([1, 2, 3, 4, 5, 6]); // 3 wide, 2 high
  close(flipHorizontal(mask, 3, 2), [3, 2, 1, 6, 5, 4]);
  close(flipHorizontal(flipHorizontal(mask, 3, 2), 3, 2), mask);
  close(average(f32([0, 1, 0.5, 0.25]), f32([1, 1, 0, 0.75])), [0.5, 1, 0.25, 0.5]);
  assert.throws(() => average(f32([1]), f32([1, 2])), /sizes differ/);
});
