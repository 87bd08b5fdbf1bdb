// The GPU pipeline's settings: the compositor's (config.js: background, colour, blur strength,
// feather, threshold, mirror), plus the ones only this pipeline has. Defaults in one
// place, validated; pure (no GL, no DOM) so `node --test` imports it.

import { validateCompositorConfig } from '../../settings/config.js';
import { UPSAMPLING_MODES } from './upsampleStage.js';

export const DEFAULT_PIPELINE_SETTINGS = Object.freeze({
  // 'guided' (the guided filter: the sharpest edge, and on moving people the steadiest against the
  // truth), 'bilateral' or 'bilinear' (the baseline): bench/README.md, *Mask edges*
  upsampling: 'guided',
  bilateralRadius: 2, // taps each side, in mask texels: a 5×5 window
  sigmaSpace: 1, // spatial Gaussian of the joint bilateral filter, in mask texels
  sigmaColor: 0.1, // colour Gaussian, RGB 0–1: camera noise (~0.02) passes, a real edge does not
  guidedRadius: 4, // the guided filter's window, in mask texels each side: 9×9 (chosen on held-out photos)
  guidedEpsilon: 1e-3, // its ridge on colour variances (RGB 0–1): smaller follows fainter edges
  lightWrap: 0.3, // how much background light the person's edge picks up (0 = off)
});

/** Settings a running pipeline takes without being rebuilt (they only change uniforms). */
export const LIVE_SETTINGS = Object.freeze([
  'color', 'blurStrength', 'feather', 'threshold', 'mirror', ...Object.keys(DEFAULT_PIPELINE_SETTINGS),
]);

function fail(field, value, expected) {
  throw new Error(`Invalid ${field}: ${JSON.stringify(value)} (expected ${expected})`);
}

function checkNumber(settings, field, min, max, integer = false) {
  const value = settings[field];
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) fail(field, value, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
}

/** Fill gaps from the defaults (config.js's and DEFAULT_PIPELINE_SETTINGS); throw naming a bad value. */
export function validatePipelineSettings(settings = {}) {
  const own = {};
  const shared = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    (key in DEFAULT_PIPELINE_SETTINGS ? own : shared)[key] = value;
  }
  const merged = { ...validateCompositorConfig(shared), ...DEFAULT_PIPELINE_SETTINGS, ...own };
  if (!UPSAMPLING_MODES.includes(merged.upsampling)) fail('upsampling', merged.upsampling, `one of ${UPSAMPLING_MODES.join(', ')}`);
  checkNumber(merged, 'bilateralRadius', 0, 4, true);
  checkNumber(merged, 'sigmaSpace', 0.25, 4);
  checkNumber(merged, 'sigmaColor', 0.01, 1);
  checkNumber(merged, 'guidedRadius', 1, 8, true);
  checkNumber(merged, 'guidedEpsilon', 1e-6, 0.1);
  checkNumber(merged, 'lightWrap', 0, 1);
  return merged;
}

/** Throw unless every key of `live` can change without a rebuild. */
export function checkLiveKeys(live) {
  for (const key of Object.keys(live)) {
    if (!LIVE_SETTINGS.includes(key)) throw new Error(`"${key}" is not a live setting: create a new compositor`);
  }
}
