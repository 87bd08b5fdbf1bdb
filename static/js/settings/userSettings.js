// The user's choices kept between visits (localStorage). Pure apart from the storage object passed
// in, so node tests use a Map-backed fake. Anything invalid or from an older version is dropped
// field by field: a bad stored value can never stop the page from starting.

import {
  BACKENDS,
  DEFAULT_COMPOSITOR_CONFIG,
  DEFAULT_SEGMENTER_CONFIG,
  DEFAULT_VIDEO_CONFIG,
  validateCompositorConfig,
  validateVideoConfig,
} from './config.js';

/** The backend setting that means "measure, then use the faster". */
export const AUTO_BACKEND = 'auto';

export const SETTINGS_KEY = 'greenscreen.settings.v1';

const COMPOSITOR_KEYS = ['background', 'backgroundId', 'color', 'blurStrength', 'feather', 'mirror'];

export const DEFAULT_SETTINGS = Object.freeze({
  ...Object.fromEntries(COMPOSITOR_KEYS.map((key) => [key, DEFAULT_COMPOSITOR_CONFIG[key]])),
  smoothing: DEFAULT_VIDEO_CONFIG.smoothing,
  // 'auto': measure both backends at start and take the faster (segmenter/backendChoice.js);
  // a backend the user picks by hand is kept instead.
  backend: AUTO_BACKEND,
  mainPerson: false, // keep only the main person; everyone else becomes background
  photoFlipTTA: DEFAULT_SEGMENTER_CONFIG.photoFlipTTA,
  // Which model an exported video goes through: 'live' (the webcam's, fast) or 'photo' (slower, and on
  // moving people far closer to the truth: bench/README.md, *Video export with the photo model*).
  videoExportModel: 'live',
});

/** The models a video can be exported with. */
export const VIDEO_EXPORT_MODELS = Object.freeze(['live', 'photo']);

/** Keep each stored value that validates on its own; everything else takes its default. */
export function sanitizeSettings(stored) {
  const settings = { ...DEFAULT_SETTINGS };
  if (!stored || typeof stored !== 'object') return settings;
  for (const key of COMPOSITOR_KEYS) {
    if (!(key in stored)) continue;
    try {
      validateCompositorConfig({ [key]: stored[key] });
      settings[key] = stored[key];
    } catch {
      // ignore this one value
    }
  }
  try {
    settings.smoothing = validateVideoConfig({ smoothing: stored.smoothing }).smoothing;
  } catch {
    // keep the default
  }
  if (BACKENDS.includes(stored.backend) || stored.backend === AUTO_BACKEND) settings.backend = stored.backend;
  if (typeof stored.mainPerson === 'boolean') settings.mainPerson = stored.mainPerson;
  if (typeof stored.photoFlipTTA === 'boolean') settings.photoFlipTTA = stored.photoFlipTTA;
  if (VIDEO_EXPORT_MODELS.includes(stored.videoExportModel)) settings.videoExportModel = stored.videoExportModel;
  return settings;
}

export function loadSettings(storage) {
  try {
    return sanitizeSettings(JSON.parse(storage?.getItem(SETTINGS_KEY) ?? 'null'));
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(storage, settings) {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(sanitizeSettings(settings)));
  } catch {
    // storage full or disabled (private mode): settings simply are not remembered
  }
}

/** Background <select> value ⇄ {background, backgroundId}: 'image:beach', 'blur', 'color', 'none'. */
export function backgroundChoiceValue({ background, backgroundId }) {
  return background === 'image' ? `image:${backgroundId}` : background;
}

export function parseBackgroundChoice(value) {
  if (typeof value === 'string' && value.startsWith('image:')) {
    return { background: 'image', backgroundId: value.slice('image:'.length) };
  }
  return { background: value };
}
