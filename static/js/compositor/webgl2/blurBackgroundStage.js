// Background stage for 'blur': a person-weighted separable Gaussian blur of the frame
// (normalised convolution: blur(I·w) / blur(w), w = 1 for background, PERSON_BLUR_WEIGHT for the
// person), so the person's colours do not bleed into the blurred surroundings as a halo.
// Reference: personWeightedBlur().
//
// Blurring is a low-pass filter, so the two passes run on a copy shrunk by a power of two until
// the Gaussian's sigma is at most WORKING_SIGMA pixels (≤ 37 taps a pass); the division upsamples
// back to full resolution with bilinear filtering, which loses nothing visible.

import { blurRadiusFor } from '../geometry.js';
import { FRAGMENT_HEADER } from '../../gl/kit.js';

/** Weight of a person pixel in the background blur: weight = 1 − coverage·(1 − this), background = 1. */
export const PERSON_BLUR_WEIGHT = 0.01;
const WORKING_SIGMA = 6;

/** Normalised 1-D Gaussian taps for offsets −n…n, n = ceil(3σ) (σ ≤ 0 → the single tap [1]). */
export function gaussianTaps(sigma) {
  if (!(sigma > 0)) return { radius: 0, weights: Float32Array.of(1) };
  const radius = Math.ceil(3 * sigma);
  const weights = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    weights[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
    total += weights[k + radius];
  }
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  return { radius, weights };
}


const GAUSSIAN = `
uniform vec2 u_outputSize;
uniform int u_radius;
uniform float u_sigmaFactor;   // 1 / (2 sigma^2)
uniform float u_normaliser;    // 1 / sum of the taps
float gauss(int k) {
  return exp(-float(k * k) * u_sigmaFactor) * u_normaliser;
}`;

// Pass 1: frame and coverage → horizontal sums (rgb = Σ g·w·I, a = Σ g·w) at working size.
const HORIZONTAL = `${FRAGMENT_HEADER}
uniform sampler2D u_frame;
uniform sampler2D u_coverage;
${GAUSSIAN}
void main() {
  vec4 sums = vec4(0.0);
  for (int k = -u_radius; k <= u_radius; k++) {
    vec2 uv = (gl_FragCoord.xy + vec2(float(k), 0.0)) / u_outputSize;
    float w = gauss(k) * (1.0 - texture(u_coverage, uv).r * ${(1 - PERSON_BLUR_WEIGHT).toFixed(4)});
    sums += vec4(texture(u_frame, uv).rgb * w, w);
  }
  outColor = sums;
}`;

// Pass 2: the same Gaussian down the columns of the sums.
const VERTICAL = `${FRAGMENT_HEADER}
uniform sampler2D u_sums;
${GAUSSIAN}
void main() {
  vec4 sums = vec4(0.0);
  for (int k = -u_radius; k <= u_radius; k++) {
    sums += gauss(k) * texture(u_sums, (gl_FragCoord.xy + vec2(0.0, float(k))) / u_outputSize);
  }
  outColor = sums;
}`;

// Pass 3: divide (the normalisation), upsampling the working copy to full resolution.
const RESOLVE = `${FRAGMENT_HEADER}
uniform sampler2D u_sums;
uniform vec2 u_outputSize;
void main() {
  vec4 sums = texture(u_sums, gl_FragCoord.xy / u_outputSize);
  outColor = vec4(sums.rgb / max(sums.a, 1e-6), 1.0);
}`;

/** Working scale (a power of two ≤ 1) and sigma in working pixels for a full-resolution radius. */
export function blurPlan(radius) {
  let scale = 1;
  while (radius * scale > WORKING_SIGMA) scale /= 2;
  return { scale, sigma: radius < 0.5 ? 0 : radius * scale };
}

/**
 * createBlurBackgroundStage({kit, frameSize: {width, height}, blurStrength, sumsFormat}) →
 * {render({frame, coverage, target}), update({blurStrength}), cleanUp(), followsFrame: true}.
 * Owns its two working-size targets; a strength that needs another working size replaces them.
 */
export function createBlurBackgroundStage({ kit, frameSize, blurStrength, sumsFormat = kit.targetFormats.sums }) {
  const { gl } = kit;
  const gaussianUniforms = ['u_outputSize', 'u_radius', 'u_sigmaFactor', 'u_normaliser'];
  const horizontal = kit.createProgram({ fragment: HORIZONTAL, uniforms: ['u_frame', 'u_coverage', ...gaussianUniforms] });
  const vertical = kit.createProgram({ fragment: VERTICAL, uniforms: ['u_sums', ...gaussianUniforms] });
  const resolve = kit.createProgram({ fragment: RESOLVE, uniforms: ['u_sums', 'u_outputSize'] });
  let plan = null;
  let rows = null; // horizontal sums
  let columns = null; // both passes

  function setStrength(strength) {
    const next = blurPlan(blurRadiusFor(strength, frameSize.width, frameSize.height));
    const width = Math.max(1, Math.round(frameSize.width * next.scale));
    const height = Math.max(1, Math.round(frameSize.height * next.scale));
    if (!rows || rows.width !== width || rows.height !== height) {
      kit.deleteTarget(columns);
      kit.deleteTarget(rows);
      rows = kit.createTarget({ width, height, format: sumsFormat });
      columns = kit.createTarget({ width, height, format: sumsFormat });
    }
    plan = next;
  }
  setStrength(blurStrength);

  function setGaussian(program, target) {
    const { radius, weights } = gaussianTaps(plan.sigma);
    const total = weights.reduce((a, b) => a + b, 0) / weights[radius]; // Σ exp(−k²/2σ²)
    gl.uniform2f(program.uniforms.u_outputSize, target.width, target.height);
    gl.uniform1i(program.uniforms.u_radius, radius);
    gl.uniform1f(program.uniforms.u_sigmaFactor, plan.sigma > 0 ? 1 / (2 * plan.sigma ** 2) : 0);
    gl.uniform1f(program.uniforms.u_normaliser, 1 / total);
  }

  return {
    followsFrame: true, // made from the frame: mirrored with it
    get workingSize() {
      return { width: rows.width, height: rows.height, sigma: plan.sigma };
    },
    render({ frame, coverage, target }) {
      horizontal.use();
      kit.bindTextures(horizontal, { u_frame: frame, u_coverage: coverage });
      setGaussian(horizontal, rows);
      kit.drawQuad(rows);

      vertical.use();
      kit.bindTextures(vertical, { u_sums: rows.texture });
      setGaussian(vertical, columns);
      kit.drawQuad(columns);

      resolve.use();
      kit.bindTextures(resolve, { u_sums: columns.texture });
      gl.uniform2f(resolve.uniforms.u_outputSize, target.width, target.height);
      kit.drawQuad(target);
    },
    update({ blurStrength: next } = {}) {
      if (next !== undefined) setStrength(next);
    },
    cleanUp() {
      kit.deleteTarget(columns);
      kit.deleteTarget(rows);
      resolve.delete();
      vertical.delete();
      horizontal.delete();
    },
  };
}
