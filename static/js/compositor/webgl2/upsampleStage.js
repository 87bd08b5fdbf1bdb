// Mask upsampling stage: the model-size person map to the frame's full resolution with a joint
// bilateral filter guided by the frame (edges follow the frame's colour edges), or plain bilinear
// ('bilinear', the baseline the benchmark compares with). Reference: jointBilateralUpsample().

import { FRAGMENT_HEADER } from '../../gl/kit.js';

export const UPSAMPLING_MODES = Object.freeze(['bilateral', 'bilinear']);
/** Weight of the plain bilinear value in the joint bilateral sum: takes over where no tap matches. */
export const BILATERAL_FALLBACK_WEIGHT = 1e-3;

// The mask comes in one of two layouts, both read with texelFetch: one value per texel (R32F at
// mask size, uploaded from a Float32Array), or TF.js's dense layout when the mask never left the
// GPU (dataToGPU: the values in row-major order, four to a texel, u_maskColumns texels a row).
const FRAGMENT = `${FRAGMENT_HEADER}
uniform highp sampler2D u_mask;
uniform ivec2 u_maskSize;
uniform int u_maskColumns;          // 0: one value per texel; else the dense layout's texels a row
uniform sampler2D u_guideLow;       // the frame stretched to mask size (the model's input)
uniform sampler2D u_guide;          // the frame at full resolution
uniform vec2 u_outputSize;
uniform int u_radius;
uniform float u_spaceFactor;        // 1 / (2 sigmaSpace^2)
uniform float u_rangeFactor;        // 1 / (2 sigmaColor^2)
uniform bool u_bilateral;

float maskAt(ivec2 q) {
  if (u_maskColumns == 0) return texelFetch(u_mask, q, 0).r;
  int i = q.y * u_maskSize.x + q.x;
  int texel = i / 4;
  return texelFetch(u_mask, ivec2(texel % u_maskColumns, texel / u_maskColumns), 0)[i % 4];
}

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
 * maskColumns, guideLow, guide, target}), update({upsampling, sigmaSpace, sigmaColor,
 * bilateralRadius}), cleanUp()}. maskColumns 0 (default): one value per texel; else the dense
 * layout's texels per row. sigmaSpace is in mask texels, sigmaColor in RGB units (0–1).
 */
export function createUpsampleStage({ kit, mode = 'bilateral', radius = 2, sigmaSpace = 1, sigmaColor = 0.1 }) {
  const { gl } = kit;
  const program = kit.createProgram({
    fragment: FRAGMENT,
    uniforms: ['u_mask', 'u_maskSize', 'u_maskColumns', 'u_guideLow', 'u_guide', 'u_outputSize', 'u_radius', 'u_spaceFactor', 'u_rangeFactor', 'u_bilateral'],
  });
  let settings = { mode, radius, sigmaSpace, sigmaColor };
  return {
    render({ mask, maskSize, maskColumns = 0, guideLow, guide, target }) {
      program.use();
      kit.bindTextures(program, { u_mask: mask, u_guideLow: guideLow, u_guide: guide });
      const { uniforms } = program;
      gl.uniform2i(uniforms.u_maskSize, maskSize.width, maskSize.height);
      gl.uniform1i(uniforms.u_maskColumns, maskColumns);
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
      program.delete();
    },
  };
}
