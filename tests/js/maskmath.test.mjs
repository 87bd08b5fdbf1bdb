import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feather, resizeBilinear, writeCoverageAlpha } from '../../static/js/compositor/maskmath.js';
import { close, f32 } from './support.mjs';

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

test('feather is smoothstep: 0 below, 1 above, 3t²−2t³ between, hard step when the edges meet', () => {
  const smoothstep = (edge0, edge1, x) => feather(f32([x]), edge0, edge1)[0];
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
