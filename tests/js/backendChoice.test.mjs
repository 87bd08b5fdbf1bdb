import assert from 'node:assert/strict';
import test from 'node:test';

import { chooseFaster, measureBackends, median } from '../../static/js/segmenter/backendChoice.js';

test('the faster backend wins and the reason gives both timings', () => {
  assert.deepEqual(chooseFaster({ wasm: 52.4, webgl: 780 }).backend, 'wasm');
  assert.equal(chooseFaster({ wasm: 52.4, webgl: 780 }).reason, 'WASM: 52.4 ms vs WebGL 780 ms');
  assert.equal(chooseFaster({ wasm: 300, webgl: 12 }).backend, 'webgl');
});

test('a backend that could not start is named, and is never chosen', () => {
  const choice = chooseFaster({ wasm: 120, webgl: null });
  assert.equal(choice.backend, 'wasm');
  assert.equal(choice.reason, 'WASM: 120 ms (WebGL could not start)');
  assert.throws(() => chooseFaster({ wasm: null, webgl: undefined }), /No backend/);
});

test('median of odd and even counts', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('measureBackends times each backend in turn and survives one failing', async () => {
  const order = [];
  const choice = await measureBackends({
    backends: ['wasm', 'webgl'],
    timeBackend: async (backend) => {
      order.push(backend);
      if (backend === 'webgl') throw new Error('no GPU');
      return 40;
    },
  });
  assert.deepEqual(order, ['wasm', 'webgl']);
  assert.equal(choice.backend, 'wasm');
  assert.match(choice.reason, /WebGL could not start/);
});
