// Defaults in one place, validated. Pure: no `tf`, no DOM, so `node --test` imports it.
//
// Structural settings (rebuild something when they change): model, backend, background kind and
// image. Live settings (just re-render): blur, feather, threshold, colour, mirror; and for video
// frames the temporal smoothing, which the segmenter's video path applies.

export const BACKENDS = Object.freeze(['webgl', 'wasm']);
export const BACKGROUND_KINDS = Object.freeze(['image', 'blur', 'color', 'none']);

/**
 * The two models the page ships, each an exported TF.js folder (model.json + shards + model card):
 * `live` for camera and video frames (small, fast), `photo` for still photos (quality first).
 * `url` is where the page fetches it, `folder` where it lives in the repository.
 */
export const MODELS = Object.freeze({
  live: Object.freeze({ url: '/model/live/', folder: 'static/model/live', use: 'camera and video (fast)' }),
  photo: Object.freeze({ url: '/model/photo/', folder: 'static/model/photo', use: 'photos (quality first)' }),
});
export const MODEL_KINDS = Object.freeze(Object.keys(MODELS));

/** Photos bigger than this are composited on a downscaled copy (protects memory: ~64 MB per RGBA layer). */
export const MAX_COMPOSITE_PIXELS = 16_000_000;

export const DEFAULT_SEGMENTER_CONFIG = Object.freeze({
  model: 'live', // one of MODEL_KINDS
  modelUrl: null, // null: the model's own folder (MODELS[model].url + 'model.json')
  backend: 'webgl',
  // Run photos twice (as is and mirrored) and average the person maps: test-time augmentation.
  photoFlipTTA: true,
});

/** The segmenter's video-path options: what a video frame mixes in from the frames before it. */
export const DEFAULT_VIDEO_CONFIG = Object.freeze({
  smoothing: 0.5, // how much of the previous mask to keep where the new one is unsure (0 = off)
});

export const DEFAULT_COMPOSITOR_CONFIG = Object.freeze({
  background: 'image', // one of BACKGROUND_KINDS
  backgroundId: 'beach', // which image when background === 'image' ('user' = the uploaded one)
  color: '#1f8a4c',
  blurStrength: 14, // blur radius in pixels for a 720-pixel-high frame; scaled with the frame
  feather: 0.2, // half-width of the smoothstep ramp around the threshold, in probability units
  threshold: 0.5, // person probability where coverage is 50 %
  mirror: true, // webcam only: show the frame like a mirror
  maxPixels: MAX_COMPOSITE_PIXELS,
});

const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;

function fail(field, value, expected) {
  throw new Error(`Invalid ${field}: ${JSON.stringify(value)} (expected ${expected})`);
}

function checkObject(config, name) {
  if (config == null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) fail(name, config, 'an object');
  return config;
}

function checkUnknownKeys(config, defaults, name) {
  for (const key of Object.keys(config)) {
    if (!(key in defaults)) {
      throw new Error(`Unknown ${name} setting "${key}" (known: ${Object.keys(defaults).join(', ')})`);
    }
  }
}

function checkNumber(config, field, min, max) {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(field, value, `a number from ${min} to ${max}`);
  }
}

function checkChoice(config, field, choices) {
  if (!choices.includes(config[field])) fail(field, config[field], `one of ${choices.join(', ')}`);
}

function checkNonEmptyString(config, field) {
  const value = config[field];
  if (typeof value !== 'string' || value.trim() === '') fail(field, value, 'a non-empty string');
}

function checkBoolean(config, field) {
  if (typeof config[field] !== 'boolean') fail(field, config[field], 'true or false');
}

/** Fill gaps from DEFAULT_SEGMENTER_CONFIG; throw an Error naming the first bad value. */
export function validateSegmenterConfig(config) {
  const given = checkObject(config, 'segmenter config');
  checkUnknownKeys(given, DEFAULT_SEGMENTER_CONFIG, 'segmenter');
  const merged = { ...DEFAULT_SEGMENTER_CONFIG, ...stripUndefined(given) };
  checkChoice(merged, 'model', MODEL_KINDS);
  if (merged.modelUrl !== null) checkNonEmptyString(merged, 'modelUrl');
  checkChoice(merged, 'backend', BACKENDS);
  checkBoolean(merged, 'photoFlipTTA');
  return merged;
}

/**
 * Where a segmenter config's files are: {modelUrl, cardUrl, folder}. The card sits beside
 * model.json; `folder` (for messages) is only known for the shipped folders.
 */
export function modelLocation({ model, modelUrl }) {
  const shipped = MODELS[model];
  const url = modelUrl ?? `${shipped.url}model.json`;
  return {
    modelUrl: url,
    cardUrl: url.replace(/[^/]*$/, 'model-card.json'),
    folder: modelUrl === null ? shipped.folder : null,
  };
}

/** Fill gaps from DEFAULT_VIDEO_CONFIG; throw an Error naming the first bad value. */
export function validateVideoConfig(config) {
  const given = checkObject(config, 'video config');
  checkUnknownKeys(given, DEFAULT_VIDEO_CONFIG, 'video');
  const merged = { ...DEFAULT_VIDEO_CONFIG, ...stripUndefined(given) };
  checkNumber(merged, 'smoothing', 0, 0.95);
  return merged;
}

/** Fill gaps from DEFAULT_COMPOSITOR_CONFIG; throw an Error naming the first bad value. */
export function validateCompositorConfig(config) {
  const given = checkObject(config, 'compositor config');
  checkUnknownKeys(given, DEFAULT_COMPOSITOR_CONFIG, 'compositor');
  const merged = { ...DEFAULT_COMPOSITOR_CONFIG, ...stripUndefined(given) };
  checkChoice(merged, 'background', BACKGROUND_KINDS);
  checkNonEmptyString(merged, 'backgroundId');
  if (typeof merged.color !== 'string' || !COLOR_PATTERN.test(merged.color)) {
    fail('color', merged.color, 'a colour like "#1f8a4c"');
  }
  checkNumber(merged, 'blurStrength', 0, 60);
  checkNumber(merged, 'feather', 0, 0.5);
  checkNumber(merged, 'threshold', 0.05, 0.95);
  checkBoolean(merged, 'mirror');
  checkNumber(merged, 'maxPixels', 1, 268_000_000);
  return merged;
}

/** The smoothstep edges [edge0, edge1] that a threshold and a feather width describe. */
export function coverageEdges({ threshold, feather }) {
  const edge0 = Math.max(0, threshold - feather);
  const edge1 = Math.min(1, threshold + feather);
  return [edge0, edge1];
}

function stripUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
