import assert from 'node:assert/strict';
import test from 'node:test';

import { deviceKey, describeBackendChoice, readBackendChoice, saveBackendChoice } from '../../static/js/settings/backendCache.js';

function memoryStorage() {
  const items = new Map();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => items.set(key, String(value)) };
}

test('a measured backend is kept per browser and device', () => {
  const storage = memoryStorage();
  const here = deviceKey({ userAgent: 'Chrome/156', gpu: 'SwiftShader', cores: 2 });
  const there = deviceKey({ userAgent: 'Chrome/156', gpu: 'NVIDIA', cores: 2 });
  assert.equal(readBackendChoice(storage, here), null);
  saveBackendChoice(storage, here, { backend: 'wasm', reason: 'WASM: 121 ms vs WebGL 780 ms', timings: { wasm: 121, webgl: 780 } }, 0);
  saveBackendChoice(storage, there, { backend: 'webgl', reason: 'WebGL: 9 ms vs WASM 40 ms', timings: {} }, 0);
  assert.equal(readBackendChoice(storage, here).backend, 'wasm');
  assert.equal(readBackendChoice(storage, there).backend, 'webgl');
  assert.equal(readBackendChoice(storage, deviceKey({ userAgent: 'Chrome/157', gpu: 'SwiftShader', cores: 2 })), null);
  assert.match(describeBackendChoice(readBackendChoice(storage, here), { cached: true }), /^Measured 1 Jan 1970 \(kept for this browser and device\): WASM: 121 ms/);
});

test('unreadable storage means measuring again, never an error', () => {
  const storage = memoryStorage();
  storage.setItem('greenscreen.backend-choice.v1', '{not json');
  assert.equal(readBackendChoice(storage, 'x'), null);
  saveBackendChoice(storage, 'x', { backend: 'wasm', reason: 'r', timings: {} });
  assert.equal(readBackendChoice(storage, 'x').backend, 'wasm');
  assert.equal(readBackendChoice(undefined, 'x'), null);
});
