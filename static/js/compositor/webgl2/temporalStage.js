// Temporal smoothing stage (webcam only): against edge flicker, mix the previous frame's mask into
// the new one where the new one is unsure. An exponential moving average whose per-pixel keep
// factor is smoothing × uncertainty(p), after MediaPipe's SegmentationSmoothingCalculator (the
// same math as maskmath.uncertaintySmooth, the reference): sure pixels (p near 0 or 1) follow
// the new frame at once, so a moving person does not leave a ghost.

import { FRAGMENT_HEADER } from './gl.js';

const FRAGMENT = `${FRAGMENT_HEADER}
uniform sampler2D u_current;
uniform sampler2D u_previous;
uniform vec2 u_outputSize;
uniform float u_smoothing;

float entropyBits(float p) {
  if (p <= 0.0 || p >= 1.0) return 0.0;
  return -(p * log2(p) + (1.0 - p) * log2(1.0 - p));
}

void main() {
  vec2 uv = gl_FragCoord.xy / u_outputSize;
  float p = texture(u_current, uv).r;
  float previous = texture(u_previous, uv).r;
  float certainty = 1.0 - entropyBits(p);
  float uncertainty = 1.0 - certainty * certainty;
  outColor = vec4(p + (previous - p) * uncertainty * u_smoothing, 0.0, 0.0, 1.0);
}`;

/**
 * createTemporalStage({kit, smoothing}) → {render({current, previous, target}), update({smoothing}),
 * cleanUp(), smoothing}. The pipeline owns the two state targets and swaps them every frame.
 */
export function createTemporalStage({ kit, smoothing = 0.5 }) {
  const { gl } = kit;
  const program = kit.createProgram({
    fragment: FRAGMENT,
    uniforms: ['u_current', 'u_previous', 'u_outputSize', 'u_smoothing'],
  });
  let keep = smoothing;
  return {
    get smoothing() {
      return keep;
    },
    render({ current, previous, target }) {
      program.use();
      kit.bindTextures(program, { u_current: current, u_previous: previous });
      gl.uniform2f(program.uniforms.u_outputSize, target.width, target.height);
      gl.uniform1f(program.uniforms.u_smoothing, keep);
      kit.drawQuad(target);
    },
    update({ smoothing: next = keep } = {}) {
      keep = next;
    },
    cleanUp() {
      program.delete();
    },
  };
}
