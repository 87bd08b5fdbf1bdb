// Mask upsampling stage: the model-size person map to the frame's full resolution with a joint
// bilateral filter guided by the frame (edges follow the frame's colour edges), or plain bilinear
// ('bilinear', the baseline the benchmark compares with). Reference: jointBilateralUpsample().

import { FRAGMENT_HEADER } from '../../gl/kit.js';

export const UPSAMPLING_MODES = Object.freeze(['bilateral', 'bilinear']);
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

/**
 * createUpsampleStage({kit, mode, radius, sigmaSpace, sigmaColor}) → {render({mask, maskSize,
 * maskLayout, guideLow, guide, target}), update({upsampling, sigmaSpace, sigmaColor,
 * bilateralRadius}), cleanUp()}. maskLayout: one of MASK_LAYOUTS ('values' by default).
 * sigmaSpace is in mask texels, sigmaColor in RGB units (0–1).
 */
export function createUpsampleStage({ kit, mode = 'bilateral', radius = 2, sigmaSpace = 1, sigmaColor = 0.1 }) {
  const { gl } = kit;
  const uniformNames = ['u_mask', 'u_maskSize', 'u_guideLow', 'u_guide', 'u_outputSize', 'u_radius', 'u_spaceFactor', 'u_rangeFactor', 'u_bilateral'];
  const programs = Object.fromEntries(
    MASK_LAYOUTS.map((layout) => [layout, kit.createProgram({ fragment: fragment(layout), uniforms: uniformNames })]),
  );
  let settings = { mode, radius, sigmaSpace, sigmaColor };
  return {
    render({ mask, maskSize, maskLayout = 'values', guideLow, guide, target }) {
      const program = programs[maskLayout];
      if (!program) throw new Error(`Unknown mask layout ${JSON.stringify(maskLayout)} (${MASK_LAYOUTS.join(', ')})`);
      program.use();
      kit.bindTextures(program, { u_mask: mask, u_guideLow: guideLow, u_guide: guide });
      const { uniforms } = program;
      gl.uniform2i(uniforms.u_maskSize, maskSize.width, maskSize.height);
      gl.uniform2f(uniforms.u_outputSize, target.width, target.height);
      gl.uniform1i(uniforms.u_radius, settings.radius);
      gl.uniform1f(uniforms.u_spaceFactor, 1 / (2 * settings.sigmaSpace ** 2));
      gl.uniform1f(uniforms.u_rangeFactor, 1 / (2 * settings.sigmaColor ** 2));
      gl.uniform1i(uniforms.u_bilateral, settings.mode === 'bilateral' ? 1 : 0);
      kit.drawQuad(target);
    },
    update({ upsampling = settings.mode, bilateralRadius = settings.radius, sigmaSpace = settings.sigmaSpace, sigmaColor = settings.sigmaColor } = {}) {
      settings = { mode: upsampling, radius: bilateralRadius, sigmaSpace, sigmaColor };
    },
    cleanUp() {
      for (const program of Object.values(programs)) program.delete();
    },
  };
}
