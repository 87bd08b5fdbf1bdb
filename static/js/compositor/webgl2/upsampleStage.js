// Mask upsampling stage: the model-size person map to the frame's full resolution, its edges
// following the frame's colour edges: a guided filter ('guided', three passes: fit a·colour + b in
// every window of the map, average the fits, apply them at full size) or a joint bilateral filter
// ('bilateral', one pass); or plain bilinear ('bilinear', the baseline the benchmark compares with).
// References: guidedUpsample(), jointBilateralUpsample() in ../selftest/reference.js.

import { FRAGMENT_HEADER } from '../../gl/kit.js';

export const UPSAMPLING_MODES = Object.freeze(['guided', 'bilateral', 'bilinear']);
/** Weight of the plain bilinear value in the joint bilateral sum: takes over where no tap matches. */
export const BILATERAL_FALLBACK_WEIGHT = 1e-3;

// The mask comes in one of two layouts, each with its own program (SwiftShader and many GPUs run
// both sides of a branch): 'values', one value per texel (R32F at mask size, uploaded from a
// Float32Array), or 'rows' when the mask never left the GPU (TF.js's dataToGPU with a mask row per
// texel row: four values a texel, so column x is texel x / 4, channel x % 4).
export const MASK_LAYOUTS = Object.freeze(['values', 'rows']);

const MASK_AT = {
  values: `float maskAt(ivec2 q) {
  return texelFetch(u_mask, q, 0).r;
}`,
  rows: `float maskAt(ivec2 q) {
  return texelFetch(u_mask, ivec2(q.x >> 2, q.y), 0)[q.x & 3];
}`,
};

const fragment = (layout) => `${FRAGMENT_HEADER}
uniform highp sampler2D u_mask;
uniform ivec2 u_maskSize;
uniform sampler2D u_guideLow;       // the frame stretched to mask size (the model's input)
uniform sampler2D u_guide;          // the frame at full resolution
uniform vec2 u_outputSize;
uniform int u_radius;
uniform float u_spaceFactor;        // 1 / (2 sigmaSpace^2)
uniform float u_rangeFactor;        // 1 / (2 sigmaColor^2)
uniform bool u_bilateral;

${MASK_AT[layout]}

void main() {
  ivec2 maskSize = u_maskSize;
  vec2 uv = gl_FragCoord.xy / u_outputSize;
  vec2 p = uv * vec2(maskSize) - 0.5;             // position in mask texels
  vec2 clamped = clamp(p, vec2(0.0), vec2(maskSize - 1));
  ivec2 p0 = ivec2(floor(clamped));
  ivec2 p1 = min(p0 + 1, maskSize - 1);
  vec2 f = clamped - vec2(p0);
  float bilinear = mix(mix(maskAt(p0), maskAt(ivec2(p1.x, p0.y)), f.x),
                       mix(maskAt(ivec2(p0.x, p1.y)), maskAt(p1), f.x), f.y);
  if (!u_bilateral) {
    outColor = vec4(bilinear, 0.0, 0.0, 1.0);
    return;
  }
  vec3 centre = texture(u_guide, uv).rgb;
  ivec2 base = ivec2(floor(p + 0.5));
  float sumW = ${BILATERAL_FALLBACK_WEIGHT.toExponential()};
  float sumM = sumW * bilinear;
  for (int dy = -u_radius; dy <= u_radius; dy++) {
    for (int dx = -u_radius; dx <= u_radius; dx++) {
      ivec2 q = base + ivec2(dx, dy);
      if (any(lessThan(q, ivec2(0))) || any(greaterThanEqual(q, maskSize))) continue;
      vec2 d = vec2(q) - p;
      vec3 c = texelFetch(u_guideLow, q, 0).rgb - centre;
      float w = exp(-dot(d, d) * u_spaceFactor - dot(c, c) * u_rangeFactor);
      sumW += w;
      sumM += w * maskAt(q);
    }
  }
  outColor = vec4(sumM / sumW, 0.0, 0.0, 1.0);
}`;

// The guided filter's first pass, at mask size: the ridge fit of the map against the model-size
// frame in the window around each texel → (a.r, a.g, a.b, b). Sums in float32: the covariance's
// cancellation error (~1e-8) is far below the ridge (1e-3).
const guidedFit = (layout) => `${FRAGMENT_HEADER}
uniform highp sampler2D u_mask;
uniform ivec2 u_maskSize;
uniform sampler2D u_guideLow;
uniform int u_radius;
uniform float u_epsilon;

${MASK_AT[layout]}

void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  ivec2 low = max(p - u_radius, ivec2(0));
  ivec2 high = min(p + u_radius, u_maskSize - 1);
  vec3 sumI = vec3(0.0);
  vec3 sumIM = vec3(0.0);
  vec3 sumDiagonal = vec3(0.0);   // rr, gg, bb
  vec3 sumOff = vec3(0.0);        // rg, rb, gb
  float sumM = 0.0;
  for (int y = low.y; y <= high.y; y++) {
    for (int x = low.x; x <= high.x; x++) {
      ivec2 q = ivec2(x, y);
      vec3 I = texelFetch(u_guideLow, q, 0).rgb;
      float m = maskAt(q);
      sumI += I;
      sumM += m;
      sumIM += I * m;
      sumDiagonal += I * I;
      sumOff += I.rrg * I.gbb;
    }
  }
  float n = float((high.x - low.x + 1) * (high.y - low.y + 1));
  vec3 meanI = sumI / n;
  float meanM = sumM / n;
  vec3 crossCovariance = sumIM / n - meanI * meanM;
  vec3 diagonal = sumDiagonal / n - meanI * meanI + u_epsilon;
  vec3 off = sumOff / n - meanI.rrg * meanI.gbb;
  mat3 covariance = mat3(diagonal.x, off.x, off.y,
                         off.x, diagonal.y, off.z,
                         off.y, off.z, diagonal.z);
  vec3 a = inverse(covariance) * crossCovariance;
  outColor = vec4(a, meanM - dot(a, meanI));
}`;

// Second pass, at mask size: each texel's coefficients averaged over its window (cut at the edges).
const GUIDED_MEAN = `${FRAGMENT_HEADER}
uniform highp sampler2D u_coefficients;
uniform ivec2 u_maskSize;
uniform int u_radius;

void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  ivec2 low = max(p - u_radius, ivec2(0));
  ivec2 high = min(p + u_radius, u_maskSize - 1);
  vec4 sum = vec4(0.0);
  for (int y = low.y; y <= high.y; y++) {
    for (int x = low.x; x <= high.x; x++) sum += texelFetch(u_coefficients, ivec2(x, y), 0);
  }
  outColor = sum / float((high.x - low.x + 1) * (high.y - low.y + 1));
}`;

// Third pass, at full size: the averaged coefficients stretched bilinearly (by hand: float32
// textures are not filterable in core WebGL2) and applied to the full-resolution frame.
const GUIDED_APPLY = `${FRAGMENT_HEADER}
uniform highp sampler2D u_coefficients;
uniform ivec2 u_maskSize;
uniform sampler2D u_guide;
uniform vec2 u_outputSize;

void main() {
  vec2 uv = gl_FragCoord.xy / u_outputSize;
  vec2 p = clamp(uv * vec2(u_maskSize) - 0.5, vec2(0.0), vec2(u_maskSize - 1));
  ivec2 p0 = ivec2(floor(p));
  ivec2 p1 = min(p0 + 1, u_maskSize - 1);
  vec2 f = p - vec2(p0);
  vec4 c = mix(mix(texelFetch(u_coefficients, p0, 0), texelFetch(u_coefficients, ivec2(p1.x, p0.y), 0), f.x),
               mix(texelFetch(u_coefficients, ivec2(p0.x, p1.y), 0), texelFetch(u_coefficients, p1, 0), f.x), f.y);
  float person = dot(c.rgb, texture(u_guide, uv).rgb) + c.a;
  outColor = vec4(clamp(person, 0.0, 1.0), 0.0, 0.0, 1.0);
}`;

/**
 * createUpsampleStage({kit, mode, radius, sigmaSpace, sigmaColor, guidedRadius, guidedEpsilon}) →
 * {render({mask, maskSize, maskLayout, guideLow, guide, target}), update({upsampling, sigmaSpace,
 * sigmaColor, bilateralRadius, guidedRadius, guidedEpsilon}), modeInUse, cleanUp()}. maskLayout: one
 * of MASK_LAYOUTS ('values' by default). sigmaSpace and radii are in mask texels, sigmaColor in RGB
 * units (0–1), guidedEpsilon on colour variances. 'guided' needs float render targets
 * (EXT_color_buffer_float); without them it runs 'bilateral' (modeInUse says which ran last).
 */
export function createUpsampleStage({
  kit, mode = 'bilateral', radius = 2, sigmaSpace = 1, sigmaColor = 0.1, guidedRadius = 4, guidedEpsilon = 1e-3,
}) {
  const { gl } = kit;
  const uniformNames = ['u_mask', 'u_maskSize', 'u_guideLow', 'u_guide', 'u_outputSize', 'u_radius', 'u_spaceFactor', 'u_rangeFactor', 'u_bilateral'];
  const programs = Object.fromEntries(
    MASK_LAYOUTS.map((layout) => [layout, kit.createProgram({ fragment: fragment(layout), uniforms: uniformNames })]),
  );
  const canGuide = kit.targetFormats.floatTargets;
  // The guided filter's programs and its two mask-size RGBA32F targets, made on first use.
  let guided = null;
  let settings = { mode, radius, sigmaSpace, sigmaColor, guidedRadius, guidedEpsilon };
  let modeInUse = null;

  function guidedResources(maskSize) {
    if (!guided) {
      guided = {
        fit: Object.fromEntries(MASK_LAYOUTS.map((layout) => [layout, kit.createProgram({
          fragment: guidedFit(layout), uniforms: ['u_mask', 'u_maskSize', 'u_guideLow', 'u_radius', 'u_epsilon'],
        })])),
        mean: kit.createProgram({ fragment: GUIDED_MEAN, uniforms: ['u_coefficients', 'u_maskSize', 'u_radius'] }),
        apply: kit.createProgram({ fragment: GUIDED_APPLY, uniforms: ['u_coefficients', 'u_maskSize', 'u_guide', 'u_outputSize'] }),
        targets: null,
      };
    }
    const { targets } = guided;
    if (!targets || targets.fit.width !== maskSize.width || targets.fit.height !== maskSize.height) {
      if (targets) Object.values(targets).forEach(kit.deleteTarget);
      const spec = { ...maskSize, format: 'rgba32f', filter: 'nearest' };
      guided.targets = { fit: kit.createTarget(spec), mean: kit.createTarget(spec) };
    }
    return guided;
  }

  function renderGuided({ mask, maskSize, maskLayout, guideLow, guide, target }) {
    const { fit, mean, apply, targets } = guidedResources(maskSize);
    fit[maskLayout].use();
    kit.bindTextures(fit[maskLayout], { u_mask: mask, u_guideLow: guideLow });
    gl.uniform2i(fit[maskLayout].uniforms.u_maskSize, maskSize.width, maskSize.height);
    gl.uniform1i(fit[maskLayout].uniforms.u_radius, settings.guidedRadius);
    gl.uniform1f(fit[maskLayout].uniforms.u_epsilon, settings.guidedEpsilon);
    kit.drawQuad(targets.fit);

    mean.use();
    kit.bindTextures(mean, { u_coefficients: targets.fit.texture });
    gl.uniform2i(mean.uniforms.u_maskSize, maskSize.width, maskSize.height);
    gl.uniform1i(mean.uniforms.u_radius, settings.guidedRadius);
    kit.drawQuad(targets.mean);

    apply.use();
    kit.bindTextures(apply, { u_coefficients: targets.mean.texture, u_guide: guide });
    gl.uniform2i(apply.uniforms.u_maskSize, maskSize.width, maskSize.height);
    gl.uniform2f(apply.uniforms.u_outputSize, target.width, target.height);
    kit.drawQuad(target);
  }

  return {
    render({ mask, maskSize, maskLayout = 'values', guideLow, guide, target }) {
      const program = programs[maskLayout];
      if (!program) throw new Error(`Unknown mask layout ${JSON.stringify(maskLayout)} (${MASK_LAYOUTS.join(', ')})`);
      if (settings.mode === 'guided' && canGuide) {
        renderGuided({ mask, maskSize, maskLayout, guideLow, guide, target });
        modeInUse = 'guided';
        return;
      }
      program.use();
      kit.bindTextures(program, { u_mask: mask, u_guideLow: guideLow, u_guide: guide });
      const { uniforms } = program;
      gl.uniform2i(uniforms.u_maskSize, maskSize.width, maskSize.height);
      gl.uniform2f(uniforms.u_outputSize, target.width, target.height);
      gl.uniform1i(uniforms.u_radius, settings.radius);
      gl.uniform1f(uniforms.u_spaceFactor, 1 / (2 * settings.sigmaSpace ** 2));
      gl.uniform1f(uniforms.u_rangeFactor, 1 / (2 * settings.sigmaColor ** 2));
      modeInUse = settings.mode === 'bilinear' ? 'bilinear' : 'bilateral';
      gl.uniform1i(uniforms.u_bilateral, modeInUse === 'bilateral' ? 1 : 0);
      kit.drawQuad(target);
    },
    update({
      upsampling = settings.mode, bilateralRadius = settings.radius, sigmaSpace = settings.sigmaSpace,
      sigmaColor = settings.sigmaColor, guidedRadius = settings.guidedRadius, guidedEpsilon = settings.guidedEpsilon,
    } = {}) {
      settings = { mode: upsampling, radius: bilateralRadius, sigmaSpace, sigmaColor, guidedRadius, guidedEpsilon };
    },
    /** The upsampling the last render ran ('guided' falls back to 'bilateral' without float targets). */
    get modeInUse() {
      return modeInUse;
    },
    cleanUp() {
      if (guided) {
        Object.values(guided.targets ?? {}).forEach(kit.deleteTarget);
        [guided.apply, guided.mean, ...Object.values(guided.fit)].forEach((program) => program.delete());
      }
      for (const program of Object.values(programs)) program.delete();
    },
  };
}
