// Composite stage: light wrapping, then the person over the background, into the output canvas
// (or a target, for tests). Everything stays premultiplied: a transparent background gives a
// transparent PNG around the person. Mirroring happens here, once, for everything made from the
// frame (the frame, its coverage, a blurred background), never for a background picture.
// Reference: composite().

import { FRAGMENT_HEADER } from '../../gl/kit.js';

const FRAGMENT = `${FRAGMENT_HEADER}
uniform sampler2D u_frame;
uniform sampler2D u_coverage;
uniform sampler2D u_background;   // premultiplied RGBA at output size
uniform vec2 u_outputSize;
uniform bool u_flipY;             // the canvas's origin is bottom-left, textures are top-first
uniform bool u_mirror;
uniform bool u_backgroundFollowsFrame;
uniform float u_lightWrap;

vec3 screenBlend(vec3 a, vec3 b) {
  return 1.0 - (1.0 - a) * (1.0 - b);
}

void main() {
  vec2 uv = gl_FragCoord.xy / u_outputSize;
  if (u_flipY) uv.y = 1.0 - uv.y;
  vec2 frameUv = u_mirror ? vec2(1.0 - uv.x, uv.y) : uv;
  vec3 person = texture(u_frame, frameUv).rgb;
  float c = texture(u_coverage, frameUv).r;
  vec4 background = texture(u_background, u_backgroundFollowsFrame ? frameUv : uv);
  // Light wrap: background light on the person's feathered edge only (4c(1 - c) peaks at c = 0.5).
  float wrap = u_lightWrap * 4.0 * c * (1.0 - c);
  person = screenBlend(person, wrap * background.rgb);
  outColor = vec4(person * c + background.rgb * (1.0 - c), c + background.a * (1.0 - c));
}`;

/**
 * createCompositeStage({kit, mirror, lightWrap}) → {render({frame, coverage, background,
 * backgroundFollowsFrame, target, width, height}), update({mirror, lightWrap}), cleanUp()}.
 * target null = the canvas (width × height).
 */
export function createCompositeStage({ kit, mirror = false, lightWrap = 0 }) {
  const { gl } = kit;
  const program = kit.createProgram({
    fragment: FRAGMENT,
    uniforms: ['u_frame', 'u_coverage', 'u_background', 'u_outputSize', 'u_flipY', 'u_mirror', 'u_backgroundFollowsFrame', 'u_lightWrap'],
  });
  let settings = { mirror, lightWrap };
  return {
    render({ frame, coverage, background, backgroundFollowsFrame = false, target = null, width = target?.width, height = target?.height }) {
      program.use();
      kit.bindTextures(program, { u_frame: frame, u_coverage: coverage, u_background: background });
      const { uniforms } = program;
      gl.uniform2f(uniforms.u_outputSize, width, height);
      gl.uniform1i(uniforms.u_flipY, target ? 0 : 1);
      gl.uniform1i(uniforms.u_mirror, settings.mirror ? 1 : 0);
      gl.uniform1i(uniforms.u_backgroundFollowsFrame, backgroundFollowsFrame ? 1 : 0);
      gl.uniform1f(uniforms.u_lightWrap, settings.lightWrap);
      kit.drawQuad(target, width, height);
    },
    update({ mirror: nextMirror = settings.mirror, lightWrap = settings.lightWrap } = {}) {
      settings = { mirror: nextMirror, lightWrap };
    },
    cleanUp() {
      program.delete();
    },
  };
}
