import assert from 'node:assert/strict';
import test from 'node:test';

import { createResampler } from '../../static/js/output/resample.js';

const sine = (rate, start, length, hz = 440) =>
  Float32Array.from({ length }, (_, i) => Math.sin((2 * Math.PI * hz * (start + i)) / rate));

test('44.1 kHz to 48 kHz: the right number of samples, the same tone, seamless across chunks', () => {
  const resampler = createResampler(44100, 48000);
  const chunks = [1024, 1024, 333, 2048, 1];
  let at = 0;
  const out = [];
  for (const length of chunks) {
    out.push(...resampler.push([sine(44100, at, length)])[0]);
    at += length;
  }
  const expected = Math.floor(((at - 1) * 48000) / 44100) + 1;
  assert.equal(out.length, expected);
  const worst = out.reduce((max, v, n) => Math.max(max, Math.abs(v - Math.sin((2 * Math.PI * 440 * n) / 48000))), 0);
  assert.ok(worst < 0.01, `largest error ${worst}`);
});

test('the same rate passes samples through; channels stay apart', () => {
  const resampler = createResampler(48000, 48000);
  const [left, right] = resampler.push([Float32Array.of(1, 2, 3), Float32Array.of(-1, -2, -3)]);
  assert.deepEqual([...left], [1, 2, 3]);
  assert.deepEqual([...right], [-1, -2, -3]);
  assert.deepEqual([...resampler.push([Float32Array.of(4), Float32Array.of(-4)])[0]], [4]);
});

test('downsampling 48 kHz to 24 kHz keeps every other sample', () => {
  const [out] = createResampler(48000, 24000).push([Float32Array.of(0, 1, 2, 3, 4, 5)]);
  assert.deepEqual([...out], [0, 2, 4]);
});
