import assert from 'node:assert/strict';
import test from 'node:test';

import { MAX_WASM_THREADS, parseThreadsParam } from '../../static/js/segmenter/wasmThreads.js';

test('no ?threads= keeps the measured default, quietly', () => {
  for (const absent of [null, undefined, '']) assert.deepEqual(parseThreadsParam(absent), { threads: null, problem: null });
});

test('a whole number from 1 to the pool size is the thread count asked for', () => {
  assert.deepEqual(parseThreadsParam('2'), { threads: 2, problem: null });
  assert.deepEqual(parseThreadsParam(String(MAX_WASM_THREADS)), { threads: MAX_WASM_THREADS, problem: null });
});

test('anything else is named and the default used', () => {
  for (const bad of ['0', '-1', '1.5', 'two', '9', ' ', '2x']) {
    const { threads, problem } = parseThreadsParam(bad);
    assert.equal(threads, null, bad);
    assert.match(problem, new RegExp(`threads=${bad.replace(/[.+]/g, '\\$&')} is not a thread count`), bad);
  }
});
