// The pure reference math of the GPU pipeline stages (static/js/compositor/selftest/reference.js) and the
// pipeline's settings, on tiny hand-written inputs. The GPU stages themselves are checked against
// these functions in the browser (tests/e2e/test_e2e_pipeline.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  composite,
  guidedCoefficients,
  guidedUpsample,
  jointBilateralUpsample,
  personWeightedBlur,
  resizeBilinear,
  sampleUV,
  screen,
  solveSymmetric3,
  windowMean,
} from '../../static/js/compositor/selftest/reference.js';
import { PERSON_BLUR_WEIGHT, blurPlan, gaussianTaps } from '../../static/js/compositor/webgl2/blurBackgroundStage.js';
import { parseHexColor } from '../../static/js/compositor/webgl2/fillBackgroundStage.js';
import { DEFAULT_PIPELINE_SETTINGS, checkLiveKeys, validatePipelineSettings } from '../../static/js/compositor/webgl2/settings.js';
import { close, f32 } from './support.mjs';

const grey = (values) => f32(values.flatMap((v) => [v, v, v, 1]));

test('sampleUV hits texel centres exactly and clamps past the edges, like texture() with CLAMP_TO_EDGE', () => {
  const image = f32([0, 10, 20, 30]); // 4×1, one channel
  assert.equal(sampleUV(image, 4, 1, 1, 0, 0.125, 0.5), 0);
  assert.equal(sampleUV(image, 4, 1, 1, 0, 0.375, 0.5), 10);
  assert.equal(sampleUV(image, 4, 1, 1, 0, 0.25, 0.5), 5); // halfway between two centres
  assert.equal(sampleUV(image, 4, 1, 1, 0, -1, 0.5), 0);
  assert.equal(sampleUV(image, 4, 1, 1, 0, 2, 0.5), 30);
});

test('joint bilateral: bilinear mode is plain bilinear; a constant mask stays constant', () => {
  const mask = f32([0, 0.2, 0.7, 1]);
  const guide = grey(new Array(16).fill(0.5));
  const guideLow = grey(new Array(4).fill(0.5));
  const common = { mask, maskWidth: 2, maskHeight: 2, guideLow, guide, width: 4, height: 4 };
  close(jointBilateralUpsample({ ...common, mode: 'bilinear' }), resizeBilinear(mask, 2, 2, 4, 4));
  close(jointBilateralUpsample({ ...common, mask: f32([0.4, 0.4, 0.4, 0.4]) }), new Array(16).fill(0.4), 1e-6);
});

test('joint bilateral snaps the mask edge to the colour edge of the full-resolution frame', () => {
  // Mask 4×1 with a soft edge [0, .3, .7, 1]; the frame (8×1) is dark up to x=3, bright from x=4.
  const mask = f32([0, 0.3, 0.7, 1]);
  const guide = grey([0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]);
  const guideLow = grey([0.1, 0.1, 0.9, 0.9]);
  const args = { mask, maskWidth: 4, maskHeight: 1, guideLow, guide, width: 8, height: 1 };
  const bilateral = jointBilateralUpsample(args);
  const bilinear = jointBilateralUpsample({ ...args, mode: 'bilinear' });
  // Pixel 3 (dark) only averages dark texels' values (0 and .3), pixel 4 (bright) only bright ones.
  assert.ok(bilateral[3] < 0.3 && bilateral[3] < bilinear[3], `dark side ${bilateral[3]} vs bilinear ${bilinear[3]}`);
  assert.ok(bilateral[4] > 0.7 && bilateral[4] > bilinear[4], `bright side ${bilateral[4]} vs bilinear ${bilinear[4]}`);
  // The jump across the colour edge is far steeper than bilinear's.
  assert.ok(bilateral[4] - bilateral[3] > 2 * (bilinear[4] - bilinear[3]));
});

test('joint bilateral falls back to bilinear where no neighbour has the pixel colour', () => {
  const mask = f32([0, 1]);
  const guideLow = grey([0, 0]);
  const guide = grey([1, 1, 1, 1]); // nothing like the low-resolution colours
  const args = { mask, maskWidth: 2, maskHeight: 1, guideLow, guide, width: 4, height: 1, sigmaColor: 0.05 };
  close(jointBilateralUpsample(args), resizeBilinear(mask, 2, 1, 4, 1), 1e-6);
});

test('solveSymmetric3 solves (m + epsilon·I) x = v', () => {
  // m = [[4, 1, 0], [1, 3, 1], [0, 1, 2]], x = [1, -2, 3] → m x = [2, -2, 4]; with epsilon 1 the diagonal grows by 1.
  close(solveSymmetric3([4, 1, 0, 3, 1, 2], [2, -2, 4]), [1, -2, 3], 1e-9);
  close(solveSymmetric3([3, 1, 0, 2, 1, 1], [2, -2, 4], 1), [1, -2, 3], 1e-9);
});

test('windowMean averages the window cut at the edges', () => {
  // 3×1, one channel, radius 1: [mean(1, 2), mean(1, 2, 6), mean(2, 6)]
  close(windowMean(f32([1, 2, 6]), 3, 1, 1, 1), [1.5, 3, 4], 1e-6);
});

test('guided filter: a constant mask stays constant, a mask linear in the colour is reproduced', () => {
  const reds = [0.1, 0.3, 0.2, 0.8, 0.5, 0.6, 0.9, 0.4, 0.7];
  // Three independent channels (a grey guide's covariance is singular).
  const guideLow = f32(reds.flatMap((r, i) => [r, ((i * 7) % 9) / 9, r * r * 0.5 + (i % 2) * 0.3, 1]));
  const common = { maskWidth: 3, maskHeight: 3, guideLow, guide: guideLow, width: 3, height: 3, radius: 1 };
  close(guidedUpsample({ ...common, mask: f32(new Array(9).fill(0.4)) }), new Array(9).fill(0.4), 1e-6);
  // m = 0.5·red + 0.2 exactly: every window's fit finds it (the ridge shrinks a by ~epsilon / variance).
  const linear = f32(reds.map((r) => 0.5 * r + 0.2));
  close(guidedUpsample({ ...common, mask: linear, epsilon: 1e-7 }), linear, 1e-4);
  const fit = guidedCoefficients({ ...common, mask: linear, epsilon: 1e-7 });
  close(fit.slice(16, 20), [0.5, 0, 0, 0.2], 1e-3); // the centre texel: a = (0.5, 0, 0), b = 0.2
});

test('guided filter snaps the mask edge to the colour edge of the full-resolution frame', () => {
  // As the bilateral test: a soft mask edge [0, .3, .7, 1] at 4×1, the 8×1 frame dark to x = 3, bright from 4.
  const mask = f32([0, 0.3, 0.7, 1]);
  const guide = grey([0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]);
  const guideLow = grey([0.1, 0.1, 0.9, 0.9]);
  const args = { mask, maskWidth: 4, maskHeight: 1, guideLow, guide, width: 8, height: 1, radius: 1, epsilon: 1e-3 };
  const guided = guidedUpsample(args);
  const bilinear = resizeBilinear(mask, 4, 1, 8, 1);
  assert.ok(guided[3] < 0.3 && guided[4] > 0.7, `dark ${guided[3]}, bright ${guided[4]}`);
  assert.ok(guided[4] - guided[3] > 2 * (bilinear[4] - bilinear[3]));
  for (const value of guided) assert.ok(value >= 0 && value <= 1);
});

test('gaussianTaps are symmetric, sum to 1, and sigma 0 is the identity', () => {
  const { radius, weights } = gaussianTaps(1.5);
  assert.equal(radius, 5);
  assert.equal(weights.length, 11);
  assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  for (let k = 0; k < radius; k++) assert.ok(Math.abs(weights[k] - weights[10 - k]) < 1e-9);
  assert.deepEqual(Array.from(gaussianTaps(0).weights), [1]);
});

test('person-weighted blur keeps the person colour out of the background', () => {
  // 7×1: blue background, a red person in the middle (coverage 1 at x = 2..4)
  const rgba = f32([0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
  const coverage = f32([0, 0, 1, 1, 1, 0, 0]);
  const out = personWeightedBlur({ rgba, coverage, width: 7, height: 1, sigma: 1 });
  for (const x of [0, 1, 5, 6]) {
    assert.ok(out[x * 4] < 0.02, `red ${out[x * 4]} leaked onto background pixel ${x}`);
    assert.ok(out[x * 4 + 2] > 0.98);
  }
  // Inside the person the background nearby still dominates (that is what the person hides).
  assert.ok(out[3 * 4 + 2] > 0.5);
  // A plain blur of the same row (no person) is the Gaussian average.
  const plain = personWeightedBlur({ rgba, coverage: new Float32Array(7), width: 7, height: 1, sigma: 1 });
  const { weights } = gaussianTaps(1);
  // x = 1 sees the red x = 2, 3, 4 at offsets 1, 2, 3 (taps indexed offset + radius 3)
  assert.ok(Math.abs(plain[1 * 4] - (weights[4] + weights[5] + weights[6])) < 1e-6);
  assert.ok(PERSON_BLUR_WEIGHT > 0 && PERSON_BLUR_WEIGHT < 0.05);
});

test('composite: coverage 1 shows the frame, 0 the background, transparent background keeps alpha = coverage', () => {
  const frame = f32([0.2, 0.4, 0.6, 1, 0.2, 0.4, 0.6, 1, 0.2, 0.4, 0.6, 1]);
  const background = f32([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]);
  const coverage = f32([1, 0, 0.5]);
  const out = composite({ frame, coverage, background, lightWrap: 0 });
  close(out.slice(0, 4), [0.2, 0.4, 0.6, 1]);
  close(out.slice(4, 8), [1, 0, 0, 1]);
  close(out.slice(8, 12), [0.6, 0.2, 0.3, 1]);
  const none = composite({ frame, coverage, background: new Float32Array(12), lightWrap: 0.5 });
  close(none.slice(8, 12), [0.1, 0.2, 0.3, 0.5]); // premultiplied, no light from nothing
});

test('light wrap brightens only the feathered edge, with background light (screen blend)', () => {
  const frame = f32([0.2, 0.2, 0.2, 1, 0.2, 0.2, 0.2, 1]);
  const background = f32([1, 1, 1, 1, 1, 1, 1, 1]);
  const wrapped = composite({ frame, coverage: f32([1, 0.5]), background, lightWrap: 0.5 });
  const flat = composite({ frame, coverage: f32([1, 0.5]), background, lightWrap: 0 });
  close(wrapped.slice(0, 4), flat.slice(0, 4)); // inside: untouched
  // edge: wrap = 0.5·4·0.5·0.5 = 0.5 → person = screen(0.2, 0.5) = 0.6, then half over white
  assert.ok(Math.abs(screen(0.2, 0.5) - 0.6) < 1e-9);
  close(wrapped.slice(4, 8), [0.6 * 0.5 + 0.5, 0.8, 0.8, 1]);
});

test('blurPlan shrinks by powers of two until sigma is at most 6 working pixels', () => {
  assert.deepEqual(blurPlan(4), { scale: 1, sigma: 4 });
  assert.deepEqual(blurPlan(14), { scale: 0.25, sigma: 3.5 });
  assert.deepEqual(blurPlan(0.2), { scale: 1, sigma: 0 });
});

test('parseHexColor', () => {
  close(parseHexColor('#ff8000'), [1, 128 / 255, 0]);
});

test('pipeline settings: defaults, validation naming the bad value, live keys', () => {
  const settings = validatePipelineSettings({ background: 'blur' });
  assert.equal(settings.background, 'blur');
  assert.equal(settings.upsampling, DEFAULT_PIPELINE_SETTINGS.upsampling);
  assert.equal(settings.blurStrength, 14);
  assert.throws(() => validatePipelineSettings({ lightWrap: 2 }), /lightWrap: 2/);
  assert.throws(() => validatePipelineSettings({ upsampling: 'nearest' }), /upsampling/);
  assert.throws(() => validatePipelineSettings({ bilateralRadius: 1.5 }), /bilateralRadius/);
  assert.equal(validatePipelineSettings({ upsampling: 'guided' }).guidedRadius, DEFAULT_PIPELINE_SETTINGS.guidedRadius);
  assert.throws(() => validatePipelineSettings({ guidedRadius: 0 }), /guidedRadius: 0/);
  assert.throws(() => validatePipelineSettings({ guidedEpsilon: -1 }), /guidedEpsilon/);
  checkLiveKeys({ upsampling: 'guided', guidedRadius: 3, guidedEpsilon: 1e-2 });
  assert.throws(() => validatePipelineSettings({ colour: '#fff' }), /Unknown compositor setting "colour"/);
  checkLiveKeys({ blurStrength: 3, lightWrap: 0.2 });
  assert.throws(() => checkLiveKeys({ background: 'none' }), /not a live setting/);
  // temporal smoothing belongs to the segmenter's video path, not to the compositor
  assert.throws(() => checkLiveKeys({ smoothing: 0.4 }), /not a live setting/);
  assert.throws(() => validatePipelineSettings({ smoothing: 0.4 }), /Unknown compositor setting "smoothing"/);
});
