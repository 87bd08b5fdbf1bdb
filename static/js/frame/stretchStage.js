// Stretch stage: the frame to the model's input size on the GPU with the contract's resize rule
// (stretch.js: PIL's bilinear, a triangle filter that widens when shrinking). Two passes like PIL's,
// horizontal into a (model width × frame height) 8-bit target, then vertical; each output pixel
// averages every source pixel under its filter, so a 1080p frame is not aliased. Reference:
// stretchImage(); the weights are computed here in float (±1 level from PIL's fixed point).

import { FRAGMENT_HEADER } from '../gl/kit.js';

// One program per axis (no per-pixel branch: SwiftShader and many GPUs would run both sides).
const fragment = (vertical) => `${FRAGMENT_HEADER}
uniform sampler2D u_source;   // read with texelFetch: every source pixel is a tap
uniform int u_inSize;         // source pixels along this pass's axis
uniform float u_scale;        // inSize / outSize along it

void main() {
  ivec2 pixel = ivec2(gl_FragCoord.xy);
  int i = pixel.${vertical ? 'y' : 'x'};
  float filterScale = max(u_scale, 1.0);
  float center = (float(i) + 0.5) * u_scale;
  // int() truncates toward zero, as the C cast in PIL's precompute_coeffs
  int first = max(int(center - filterScale + 0.5), 0);
  int end = min(int(center + filterScale + 0.5), u_inSize);
  vec4 sum = vec4(0.0);
  float total = 0.0;
  for (int p = first; p < end; p++) {
    float weight = max(0.0, 1.0 - abs((float(p) - center + 0.5) / filterScale));
    sum += weight * texelFetch(u_source, ${vertical ? 'ivec2(pixel.x, p)' : 'ivec2(p, pixel.y)'}, 0);
    total += weight;
  }
  outColor = sum / total;
}`;

/**
 * createStretchStage({kit}) → {render({source, sourceSize, between, target}), update(), cleanUp()}.
 * `between` is the (target width × source height) RGBA8 target of the horizontal pass.
 */
export function createStretchStage({ kit }) {
  const { gl } = kit;
  const uniforms = ['u_source', 'u_inSize', 'u_scale'];
  const horizontal = kit.createProgram({ fragment: fragment(false), uniforms });
  const vertical = kit.createProgram({ fragment: fragment(true), uniforms });

  function pass(program, source, inSize, outSize, target) {
    program.use();
    kit.bindTextures(program, { u_source: source });
    gl.uniform1i(program.uniforms.u_inSize, inSize);
    gl.uniform1f(program.uniforms.u_scale, inSize / outSize);
    kit.drawQuad(target);
  }

  return {
    /** source: texture at sourceSize; between and target: render targets (see above). */
    render({ source, sourceSize, between, target }) {
      pass(horizontal, source, sourceSize.width, target.width, between);
      pass(vertical, between.texture, sourceSize.height, target.height, target);
    },
    update() {},
    cleanUp() {
      vertical.delete();
      horizontal.delete();
    },
  };
}
