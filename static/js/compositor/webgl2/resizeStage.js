// Resize stage: shrink the full-resolution frame to the mask's size with an area average. It is
// the "guide" the joint bilateral upsampling compares colours against (one colour per mask texel,
// the average over the texel's footprint, like the pixels the model saw). Reference: resizeArea().

import { FRAGMENT_HEADER } from '../../gl/kit.js';

/** How many bilinear taps per axis the resize stage averages for a given shrink factor. */
export function resizeTaps(sourceSize, outputSize) {
  // One bilinear tap averages two source pixels: ratio / 2 taps cover the footprint.
  return Math.min(8, Math.max(1, Math.ceil(sourceSize / outputSize / 2)));
}

const FRAGMENT = `${FRAGMENT_HEADER}
uniform sampler2D u_source;
uniform vec2 u_outputSize;
uniform int u_taps;
void main() {
  vec2 corner = floor(gl_FragCoord.xy);
  vec4 sum = vec4(0.0);
  for (int j = 0; j < u_taps; j++) {
    for (int i = 0; i < u_taps; i++) {
      vec2 uv = (corner + (vec2(i, j) + 0.5) / float(u_taps)) / u_outputSize;
      sum += texture(u_source, uv);
    }
  }
  outColor = sum / float(u_taps * u_taps);
}`;

/** createResizeStage({kit}) → {render({source, sourceSize, target}), update(), cleanUp()} */
export function createResizeStage({ kit }) {
  const { gl } = kit;
  const program = kit.createProgram({ fragment: FRAGMENT, uniforms: ['u_source', 'u_outputSize', 'u_taps'] });
  return {
    /** source: texture; sourceSize: {width, height}; target: render target at mask size. */
    render({ source, sourceSize, target }) {
      program.use();
      kit.bindTextures(program, { u_source: source });
      gl.uniform2f(program.uniforms.u_outputSize, target.width, target.height);
      const taps = resizeTaps(Math.max(sourceSize.width, sourceSize.height), Math.max(target.width, target.height));
      gl.uniform1i(program.uniforms.u_taps, taps);
      kit.drawQuad(target);
    },
    update() {},
    cleanUp() {
      program.delete();
    },
  };
}
