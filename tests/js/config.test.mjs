import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_COMPOSITOR_CONFIG,
  DEFAULT_SEGMENTER_CONFIG,
  DEFAULT_VIDEO_CONFIG,
  MODEL_KINDS,
  coverageEdges,
  modelLocation,
  validateCompositorConfig,
  validateSegmenterConfig,
  validateVideoConfig,
} from '../../static/js/settings/config.js';

test('segmenter config: empty or missing fills every default', () => {
  assert.deepEqual(validateSegmenterConfig({}), DEFAULT_SEGMENTER_CONFIG);
  assert.deepEqual(validateSegmenterConfig(undefined), DEFAULT_SEGMENTER_CONFIG);
  assert.equal(DEFAULT_SEGMENTER_CONFIG.backend, 'webgl');
  assert.equal(DEFAULT_SEGMENTER_CONFIG.model, 'live');
  assert.deepEqual(MODEL_KINDS, ['live', 'photo']);
});

test('segmenter config: given values win, undefined ones fall back', () => {
  const config = validateSegmenterConfig({ backend: 'wasm', modelUrl: undefined, model: 'photo' });
  assert.equal(config.backend, 'wasm');
  assert.equal(config.model, 'photo');
  assert.equal(config.modelUrl, null);
});

test('each model has its own folder: model.json, its card beside it, the folder for messages', () => {
  assert.deepEqual(modelLocation(validateSegmenterConfig({})), {
    modelUrl: '/model/live/model.json',
    cardUrl: '/model/live/model-card.json',
    folder: 'static/model/live',
  });
  assert.deepEqual(modelLocation(validateSegmenterConfig({ model: 'photo' })), {
    modelUrl: '/model/photo/model.json',
    cardUrl: '/model/photo/model-card.json',
    folder: 'static/model/photo',
  });
  // another folder (a benchmark's): its card beside it, no repository folder to name
  assert.deepEqual(modelLocation(validateSegmenterConfig({ modelUrl: '/other/m/model.json' })), {
    modelUrl: '/other/m/model.json',
    cardUrl: '/other/m/model-card.json',
    folder: null,
  });
});

test('video config: smoothing 0–0.95, nothing else', () => {
  assert.deepEqual(validateVideoConfig({}), DEFAULT_VIDEO_CONFIG);
  assert.equal(validateVideoConfig({ smoothing: 0 }).smoothing, 0);
  assert.throws(() => validateVideoConfig({ smoothing: 1 }), /smoothing: 1/);
  assert.throws(() => validateVideoConfig({ smoothing: '0.5' }), /smoothing/);
  assert.throws(() => validateVideoConfig({ smooth: 0.5 }), /Unknown video setting "smooth"/);
});

test('segmenter config: bad values throw naming the field', () => {
  assert.throws(() => validateSegmenterConfig({ backend: 'cuda' }), /backend.*"cuda".*webgl, wasm/);
  assert.throws(() => validateSegmenterConfig({ modelUrl: '' }), /modelUrl/);
  assert.throws(() => validateSegmenterConfig({ model: 'big' }), /model.*"big".*live, photo/);
  assert.throws(() => validateSegmenterConfig({ photoFlipTTA: 'yes' }), /photoFlipTTA/);
  assert.throws(() => validateSegmenterConfig({ modelURL: '/x.json' }), /Unknown segmenter setting "modelURL"/);
  assert.throws(() => validateSegmenterConfig('webgl'), /segmenter config/);
});

test('compositor config: defaults filled, values kept', () => {
  assert.deepEqual(validateCompositorConfig({}), DEFAULT_COMPOSITOR_CONFIG);
  const config = validateCompositorConfig({ background: 'blur', blurStrength: 30 });
  assert.equal(config.background, 'blur');
  assert.equal(config.blurStrength, 30);
  assert.equal(config.feather, DEFAULT_COMPOSITOR_CONFIG.feather);
});

test('compositor config: bad values throw naming the field and the value', () => {
  assert.throws(() => validateCompositorConfig({ background: 'video' }), /background.*"video"/);
  assert.throws(() => validateCompositorConfig({ blurStrength: -1 }), /blurStrength.*-1.*0 to 60/);
  assert.throws(() => validateCompositorConfig({ blurStrength: NaN }), /blurStrength/);
  assert.throws(() => validateCompositorConfig({ feather: '0.2' }), /feather.*"0.2"/);
  assert.throws(() => validateCompositorConfig({ feather: 0.7 }), /feather/);
  assert.throws(() => validateCompositorConfig({ color: 'green' }), /color.*"green"/);
  assert.throws(() => validateCompositorConfig({ color: '#12345' }), /color/);
  // smoothing is the segmenter's (video path), not the compositor's
  assert.throws(() => validateCompositorConfig({ smoothing: 0.5 }), /Unknown compositor setting "smoothing"/);
  assert.throws(() => validateCompositorConfig({ mirror: 1 }), /mirror/);
  assert.throws(() => validateCompositorConfig({ blur: 3 }), /Unknown compositor setting "blur"/);
});

test('coverage edges straddle the threshold and stay inside [0, 1]', () => {
  assert.deepEqual(coverageEdges({ threshold: 0.5, feather: 0.2 }), [0.3, 0.7]);
  assert.deepEqual(coverageEdges({ threshold: 0.5, feather: 0 }), [0.5, 0.5]);
  assert.deepEqual(coverageEdges({ threshold: 0.3, feather: 0.5 }), [0, 0.8]);
});
