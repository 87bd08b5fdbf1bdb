// Helpers the node tests share (not a test file itself).
import assert from 'node:assert/strict';

export const f32 = (values) => Float32Array.from(values);

/** Assert two number arrays are equal within `tolerance`, naming the first index that is not. */
export function close(actual, expected, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}
