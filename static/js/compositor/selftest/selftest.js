// Runs every GPU stage on a tiny hand-made input in a throwaway WebGL2 canvas, reads the result
// back with readPixels and compares it with the pure JS reference (reference.js). The e2e test
// (tests/e2e/test_e2e_pipeline.py) calls it through window.greenscreen.pipelineSelfTest().
//
// Returns {formats, cases: [{name, maxError, tolerance, ok, gpu, reference, …}], leaks}.

import { blurRadiusFor } from '../geometry.js';
import { blurPlan, createBlurBackgroundStage } from '../webgl2/blurBackgroundStage.js';
import { buildPipeline } from '../webgl2/buildPipeline.js';
import { createCompositeStage } from '../webgl2/compositeStage.js';
import { createCoverageStage } from '../webgl2/coverageStage.js';
import { createGLKit, liveResources } from '../../gl/kit.js';
import { stretchImage } from '../../frame/stretch.js';
import { createStretchStage } from '../../frame/stretchStage.js';
import {
  composite,
  feather,
  guidedUpsample,
  jointBilateralUpsample,
  personWeightedBlur,
  resizeBilinear,
} from './reference.js';
import { MASK_LAYOUTS, createUpsampleStage } from '../webgl2/upsampleStage.js';
import { createCanvas } from '../../base/canvas.js';

// An 8-bit target rounds to 1/255; half floats keep ~3 significant digits; SwiftShader's
// bilinear filter weights have 8 fractional bits.
const TOLERANCE = 3 / 255;

/** A deterministic pseudo-random generator (mulberry32) so every run sees the same inputs. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function maxDifference(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function channel(rgba, c = 0) {
  return Float32Array.from({ length: rgba.length / 4 }, (_, i) => rgba[i * 4 + c]);
}

/** RGBA bytes → RGBA floats 0–1 (what the GPU samples from an RGBA8 texture). */
function bytesToFloats(bytes) {
  return Float32Array.from(bytes, (v) => v / 255);
}

function randomBytes(count, next) {
  return Uint8Array.from({ length: count }, () => Math.round(next() * 255));
}

function report(name, gpu, reference, extra = {}, tolerance = TOLERANCE) {
  const maxError = maxDifference(gpu, reference);
  return { name, maxError, tolerance, ok: maxError <= tolerance, gpu: Array.from(gpu), reference: Array.from(reference), ...extra };
}

export async function runSelfTest() {
  const canvas = createCanvas(8, 8);
  const gl = canvas.getContext('webgl2', { premultipliedAlpha: true, preserveDrawingBuffer: true, antialias: false });
  if (!gl) throw new Error('WebGL2 is not available');
  const kit = createGLKit(gl);
  const { mask: maskFormat, sums: sumsFormat } = kit.targetFormats;
  const next = random(20240601);
  const cases = [];

  const rgbaTexture = (bytes, width, height) => kit.createTexture({ width, height, data: bytes });
  const maskTexture = (values, width, height) => kit.createTexture({ width, height, format: 'r32f', filter: 'nearest', data: values });
  const readMask = (target) => channel(kit.readTarget(target));

  try {
    // 1. Stretch: a random 13×7 image to 5×9 (shrink one axis, grow the other), PIL's bilinear.
    {
      const bytes = randomBytes(13 * 7 * 4, next);
      const stage = createStretchStage({ kit });
      const between = kit.createTarget({ width: 5, height: 7, filter: 'nearest' });
      const target = kit.createTarget({ width: 5, height: 9, filter: 'nearest' });
      stage.render({ source: rgbaTexture(bytes, 13, 7), sourceSize: { width: 13, height: 7 }, between, target });
      const reference = stretchImage({ data: bytes, width: 13, height: 7, channels: 4 }, 5, 9).data;
      // PIL rounds fixed-point sums, the GPU float ones: one level apart at most
      cases.push(report('stretch 13x7 to 5x9 like PIL', kit.readTarget(target), bytesToFloats(reference), {}, 1.01 / 255));
      stage.cleanUp();
    }

    // 2 and 3. Upsampling a 4×4 mask to 8×8: bilinear, and joint bilateral across a step edge.
    {
      // The frame: dark left half, bright right half (the true edge between columns 3 and 4).
      const guideBytes = new Uint8Array(8 * 8 * 4);
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) guideBytes.set(x < 4 ? [30, 40, 50, 255] : [220, 200, 180, 255], (y * 8 + x) * 4);
      }
      const guide = bytesToFloats(guideBytes);
      // The frame at mask size: each 2×2 block of it is one colour.
      const guideLowBytes = new Uint8Array(4 * 4 * 4);
      for (let i = 0; i < 16; i++) guideLowBytes.set(i % 4 < 2 ? [30, 40, 50, 255] : [220, 200, 180, 255], i * 4);
      const guideLow = bytesToFloats(guideLowBytes);
      // The model's blurry edge at mask size.
      const mask = Float32Array.from({ length: 16 }, (_, i) => [0, 0.3, 0.7, 1][i % 4]);
      const textures = { mask: maskTexture(mask, 4, 4), guideLow: rgbaTexture(guideLowBytes, 4, 4), guide: rgbaTexture(guideBytes, 8, 8) };
      const ideal = Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 0 : 1));
      for (const mode of ['bilinear', 'bilateral']) {
        const stage = createUpsampleStage({ kit, mode, radius: 2, sigmaSpace: 1, sigmaColor: 0.1 });
        const target = kit.createTarget({ width: 8, height: 8, format: maskFormat });
        stage.render({ mask: textures.mask, maskSize: { width: 4, height: 4 }, guideLow: textures.guideLow, guide: textures.guide, target });
        const reference =
          mode === 'bilinear'
            ? resizeBilinear(mask, 4, 4, 8, 8)
            : jointBilateralUpsample({ mask, maskWidth: 4, maskHeight: 4, guideLow, guide, width: 8, height: 8 });
        const gpu = readMask(target);
        cases.push(report(`upsample ${mode} 4x4 to 8x8 step edge`, gpu, reference, { ideal, errorToIdeal: maxDifference(gpu, ideal) }));
        stage.cleanUp();
      }
      // The same mask as TF.js leaves it on the GPU (dataToGPU, customTexShape [H, W / 4]): a mask
      // row a texel row, four values a texel → a 1×4 RGBA float texture holding the 16 values.
      {
        const dense = kit.createTexture({ width: 1, height: 4, format: 'rgba32f', filter: 'nearest', data: mask });
        const stage = createUpsampleStage({ kit, mode: 'bilateral', radius: 2, sigmaSpace: 1, sigmaColor: 0.1 });
        const target = kit.createTarget({ width: 8, height: 8, format: maskFormat });
        stage.render({ mask: dense, maskSize: { width: 4, height: 4 }, maskLayout: 'rows', guideLow: textures.guideLow, guide: textures.guide, target });
        const reference = jointBilateralUpsample({ mask, maskWidth: 4, maskHeight: 4, guideLow, guide, width: 8, height: 8 });
        cases.push(report('upsample bilateral from the dense GPU mask layout', readMask(target), reference));
        stage.cleanUp();
      }
      // The guided filter (three passes through RGBA32F targets) on the same step edge, from both
      // mask layouts; it needs float render targets, without them the stage runs bilateral.
      for (const maskLayout of MASK_LAYOUTS) {
        const stage = createUpsampleStage({ kit, mode: 'guided', guidedRadius: 1, guidedEpsilon: 1e-3 });
        const target = kit.createTarget({ width: 8, height: 8, format: maskFormat });
        const maskInLayout = maskLayout === 'rows'
          ? kit.createTexture({ width: 1, height: 4, format: 'rgba32f', filter: 'nearest', data: mask })
          : textures.mask;
        stage.render({ mask: maskInLayout, maskSize: { width: 4, height: 4 }, maskLayout, guideLow: textures.guideLow, guide: textures.guide, target });
        const reference = kit.targetFormats.floatTargets
          ? guidedUpsample({ mask, maskWidth: 4, maskHeight: 4, guideLow, guide, width: 8, height: 8, radius: 1, epsilon: 1e-3 })
          : jointBilateralUpsample({ mask, maskWidth: 4, maskHeight: 4, guideLow, guide, width: 8, height: 8 });
        const gpu = readMask(target);
        cases.push(report(`upsample guided 4x4 to 8x8 step edge (${maskLayout} layout)`, gpu, reference, {
          ideal, errorToIdeal: maxDifference(gpu, ideal), modeInUse: stage.modeInUse,
        }));
        stage.cleanUp();
      }
    }

    // 3b. The guided filter on random colours and a random mask, 6×5 to 13×11: windows cut at
    // every edge, fractional coefficient positions, a well-conditioned colour covariance.
    if (kit.targetFormats.floatTargets) {
      const guideBytes = randomBytes(13 * 11 * 4, next).map((v, i) => (i % 4 === 3 ? 255 : v));
      const guideLowBytes = randomBytes(6 * 5 * 4, next).map((v, i) => (i % 4 === 3 ? 255 : v));
      const mask = Float32Array.from({ length: 30 }, () => next());
      const stage = createUpsampleStage({ kit, mode: 'guided', guidedRadius: 2, guidedEpsilon: 1e-2 });
      const target = kit.createTarget({ width: 13, height: 11, format: maskFormat });
      stage.render({
        mask: maskTexture(mask, 6, 5), maskSize: { width: 6, height: 5 },
        guideLow: rgbaTexture(guideLowBytes, 6, 5), guide: rgbaTexture(guideBytes, 13, 11), target,
      });
      const reference = guidedUpsample({
        mask, maskWidth: 6, maskHeight: 5, guideLow: bytesToFloats(guideLowBytes), guide: bytesToFloats(guideBytes),
        width: 13, height: 11, radius: 2, epsilon: 1e-2,
      });
      cases.push(report('upsample guided 6x5 to 13x11 random', readMask(target), reference));
      stage.cleanUp();
    }

    // 4. Coverage: smoothstep over a ramp, and the hard step of feather 0.
    {
      const ramp = Float32Array.from({ length: 16 }, (_, i) => i / 15);
      for (const edges of [[0.3, 0.7], [0.5, 0.5]]) {
        const stage = createCoverageStage({ kit, edges });
        const target = kit.createTarget({ width: 4, height: 4, format: maskFormat });
        stage.render({ mask: maskTexture(ramp, 4, 4), target });
        cases.push(report(`coverage smoothstep ${edges.join('-')}`, readMask(target), feather(ramp, edges[0], edges[1])));
        stage.cleanUp();
      }
    }

    // 5. Person-weighted blur: a red person on a blue/green background must not tint it red.
    {
      const size = 32;
      const bytes = new Uint8Array(size * size * 4);
      const coverage = new Float32Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const person = x >= 12 && x < 20 && y >= 8 && y < 28;
          coverage[y * size + x] = person ? 1 : 0;
          bytes.set(person ? [255, 0, 0, 255] : x < 16 ? [0, 0, 255, 255] : [0, 255, 0, 255], (y * size + x) * 4);
        }
      }
      const strength = 40;
      const stage = createBlurBackgroundStage({ kit, frameSize: { width: size, height: size }, blurStrength: strength });
      const { sigma, scale } = blurPlan(blurRadiusFor(strength, size, size));
      const target = kit.createTarget({ width: size, height: size });
      const coverageTexture = kit.createTexture({ width: size, height: size, format: 'r32f', filter: 'nearest', data: coverage });
      stage.render({ frame: rgbaTexture(bytes, size, size), coverage: coverageTexture, target });
      const gpu = kit.readTarget(target);
      const reference = personWeightedBlur({ rgba: bytesToFloats(bytes), coverage, width: size, height: size, sigma });
      // The most red found on a background pixel; a plain blur would put ~0.3 next to the person.
      let redOnBackground = 0;
      for (let i = 0; i < coverage.length; i++) if (coverage[i] === 0) redOnBackground = Math.max(redOnBackground, gpu[i * 4]);
      cases.push(report('person-weighted blur', gpu, reference, { sigma, scale, redOnBackground }));
      stage.cleanUp();
    }

    // 6. Composite with light wrap, into a float target (no flip, no mirror).
    {
      const frameBytes = randomBytes(16 * 4, next).map((v, i) => (i % 4 === 3 ? 255 : v));
      const backgroundBytes = randomBytes(16 * 4, next).map((v, i) => (i % 4 === 3 ? 255 : v));
      const coverage = Float32Array.from({ length: 16 }, (_, i) => i / 15);
      const stage = createCompositeStage({ kit, mirror: false, lightWrap: 0.6 });
      const target = kit.createTarget({ width: 4, height: 4, format: sumsFormat });
      stage.render({
        frame: rgbaTexture(frameBytes, 4, 4),
        coverage: maskTexture(coverage, 4, 4),
        background: rgbaTexture(backgroundBytes, 4, 4),
        target,
      });
      const reference = composite({
        frame: bytesToFloats(frameBytes),
        coverage,
        background: bytesToFloats(backgroundBytes),
        lightWrap: 0.6,
      });
      cases.push(report('composite with light wrap', kit.readTarget(target), reference));
      stage.cleanUp();
    }
  } finally {
    kit.cleanUp();
  }

  cases.push(orientationCase(canvas, gl));
  const leaks = liveResources(gl);
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // give the throwaway context back now
  return { formats: kit.targetFormats, cases, leaks };
}

/**
 * The whole pipeline on an 8×8 canvas: the person (mask 1) is the top half of the frame, the
 * background a solid colour. The canvas must show the frame on top and the colour below (no
 * flip), and with mirror on, the frame's left column on the right.
 */
function orientationCase(canvas, gl) {
  const frame = createCanvas(8, 8);
  const context = frame.getContext('2d');
  for (let x = 0; x < 8; x++) {
    context.fillStyle = `rgb(${x * 30}, 100, 200)`;
    context.fillRect(x, 0, 1, 8);
  }
  const mask = { data: Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0)), width: 4, height: 4 };
  const results = {};
  for (const mirror of [false, true]) {
    const pipeline = buildPipeline({
      gl,
      frameSize: { width: 8, height: 8 },
      maskSize: { width: 4, height: 4 },
      background: 'color',
      color: '#00ff00',
      feather: 0,
      mirror,
      lightWrap: 0,
      // Orientation only: the mask's edge has no colour edge under it, where an edge-aware filter
      // keeps the window's mean (the guided filter's 9×9 window covers this whole 4×4 mask).
      upsampling: 'bilinear',
    });
    pipeline.render({ source: frame, mask });
    const bytes = new Uint8Array(8 * 8 * 4);
    gl.readPixels(0, 0, 8, 8, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
    pipeline.cleanUp();
    // readPixels starts at the bottom row: row 7 of the result is the image's top row.
    const pixel = (x, y) => Array.from(bytes.slice(((7 - y) * 8 + x) * 4, ((7 - y) * 8 + x) * 4 + 4));
    results[mirror ? 'mirrored' : 'plain'] = { topLeft: pixel(0, 0), topRight: pixel(7, 0), bottomLeft: pixel(0, 7) };
  }
  const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 3);
  const ok =
    near(results.plain.topLeft, [0, 100, 200, 255]) &&
    near(results.plain.topRight, [210, 100, 200, 255]) &&
    near(results.plain.bottomLeft, [0, 255, 0, 255]) &&
    near(results.mirrored.topLeft, [210, 100, 200, 255]) &&
    near(results.mirrored.topRight, [0, 100, 200, 255]);
  return { name: 'pipeline orientation and mirror on the canvas', ok, maxError: ok ? 0 : 1, tolerance: 0, ...results };
}
