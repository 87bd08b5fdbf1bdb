// Coverage stage: the person's opacity from its probability, smoothstep(edge0, edge1, p) with the
// edges threshold ∓ feather (config.coverageEdges): a soft C¹ ramp instead of a hard cut, the
// "coverage" of MediaPipe and Volcomix. Reference: maskmath.feather().

import { FRAGMENT_HEADER } from '../../gl/kit.js';

const FRAGMENT = `${FRAGMENT_HEADER}
uniform sampler2D u_mask;
uniform vec2 u_outputSize;
uniform vec2 u_edges;

void main() {
  float p = texture(u_mask, gl_FragCoord.xy / u_outputSize).r;
  // GLSL leaves smoothstep undefined for edge0 >= edge1: a hard step there (feather 0).
  float coverage = u_edges.y <= u_edges.x ? step(u_edges.y, p) : smoothstep(u_edges.x, u_edges.y, p);
  outColor = vec4(coverage, 0.0, 0.0, 1.0);
}`;

/** createCoverageStage({kit, edges: [edge0, edge1]}) → {render({mask, target}), update({edges}), cleanUp()} */
export function createCoverageStage({ kit, edges = [0.3, 0.7] }) {
  const { gl } = kit;
  const program = kit.createProgram({ fragment: FRAGMENT, uniforms: ['u_mask', 'u_outputSize', 'u_edges'] });
  let current = edges;
  return {
    render({ mask, target }) {
      program.use();
      kit.bindTextures(program, { u_mask: mask });
      gl.uniform2f(program.uniforms.u_outputSize, target.width, target.height);
      gl.uniform2f(program.uniforms.u_edges, current[0], current[1]);
      kit.drawQuad(target);
    },
    update({ edges: next = current } = {}) {
      current = next;
    },
    cleanUp() {
      program.delete();
    },
  };
}
