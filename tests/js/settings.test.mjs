import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  backgroundChoiceValue,
  loadSettings,
  parseBackgroundChoice,
  saveSettings,
  sanitizeSettings,
} from '../../static/js/settings/userSettings.js';

function fakeStorage(initial = {}) {
  const map = new Map(Object.entries(initial));
  return { getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => map.set(k, String(v)), map };
}

test('settings: missing, corrupt or foreign storage gives the defaults', () => {
  assert.deepEqual(loadSettings(fakeStorage()), DEFAULT_SETTINGS);
  assert.deepEqual(loadSettings(fakeStorage({ [SETTINGS_KEY]: '{not json' })), DEFAULT_SETTINGS);
  assert.deepEqual(loadSettings(null), DEFAULT_SETTINGS);
  assert.equal(DEFAULT_SETTINGS.background, 'image');
  assert.equal(DEFAULT_SETTINGS.backgroundId, 'beach');
});

test('settings: a bad value is dropped alone, good ones survive a round trip', () => {
  const storage = fakeStorage();
  saveSettings(storage, { ...DEFAULT_SETTINGS, background: 'blur', blurStrength: 30, feather: 9, backend: 'wasm', smoothing: 0.7 });
  const loaded = loadSettings(storage);
  assert.equal(loaded.smoothing, 0.7);
  assert.equal(sanitizeSettings({ smoothing: 3 }).smoothing, DEFAULT_SETTINGS.smoothing);
  assert.equal(loaded.background, 'blur');
  assert.equal(loaded.blurStrength, 30);
  assert.equal(loaded.feather, DEFAULT_SETTINGS.feather); // 9 is out of range
  assert.equal(loaded.backend, 'wasm');
  assert.equal(sanitizeSettings({ backend: 'cuda', color: '#ABCDEF' }).backend, 'auto');
  assert.equal(DEFAULT_SETTINGS.backend, 'auto', 'measure, then use the faster');
  assert.equal(sanitizeSettings({ backend: 'auto' }).backend, 'auto');
  assert.equal(DEFAULT_SETTINGS.mainPerson, false);
  assert.equal(sanitizeSettings({ mainPerson: true }).mainPerson, true);
  assert.equal(sanitizeSettings({ mainPerson: 'yes' }).mainPerson, false);
  assert.equal(DEFAULT_SETTINGS.videoExportModel, 'live', 'videos export with the fast model unless asked');
  assert.equal(sanitizeSettings({ videoExportModel: 'photo' }).videoExportModel, 'photo');
  assert.equal(sanitizeSettings({ videoExportModel: 'huge' }).videoExportModel, 'live');
  assert.equal(sanitizeSettings({ color: '#ABCDEF' }).color, '#ABCDEF');
});

test('background choice values round-trip', () => {
  assert.equal(backgroundChoiceValue({ background: 'image', backgroundId: 'beach' }), 'image:beach');
  assert.equal(backgroundChoiceValue({ background: 'blur', backgroundId: 'beach' }), 'blur');
  assert.deepEqual(parseBackgroundChoice('image:user'), { background: 'image', backgroundId: 'user' });
  assert.deepEqual(parseBackgroundChoice('none'), { background: 'none' });
});
