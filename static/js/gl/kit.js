// WebGL2 plumbing shared by the frame preparation (frame/) and the compositor's pipeline stages:
// programs, textures, render targets and the full-screen quad, all created through one kit per
// pipeline so that every GL object is counted (created vs deleted, per context) and a test can prove
// that rebuilding 100 times leaks nothing.
//
// Orientation convention: every texture holds image row 0 (the top) in texel row 0. Rendering a
// full-screen quad into a framebuffer keeps that (gl_FragCoord.y = j + 0.5 writes texel row j);
// only the last pass, into the canvas (origin bottom-left), flips y.

/** Counts per WebGL context, kept across pipeline rebuilds: {textures: {created, deleted}, …}. */
const countsByContext = new WeakMap();

const KINDS = ['textures', 'framebuffers', 'buffers', 'vertexArrays', 'programs', 'shaders'];

export function resourceCounts(gl) {
  if (!countsByContext.has(gl)) {
    countsByContext.set(gl, Object.fromEntries(KINDS.map((kind) => [kind, { created: 0, deleted: 0 }])));
  }
  return countsByContext.get(gl);
}

/** Live objects per kind (created − deleted): all zero once every pipeline has been cleaned up. */
export function liveResources(gl) {
  const counts = resourceCounts(gl);
  return Object.fromEntries(KINDS.map((kind) => [kind, counts[kind].created - counts[kind].deleted]));
}

// Texture formats by name. 'r32f' and 'rgba32f' are only sampled with texelFetch (filtering them
// needs an extension); the half-float ones are filterable in core WebGL2 and renderable with
// EXT_color_buffer_float.
function formatTable(gl) {
  return {
    rgba8: { internal: gl.RGBA8, format: gl.RGBA, type: gl.UNSIGNED_BYTE, float: false },
    rgba16f: { internal: gl.RGBA16F, format: gl.RGBA, type: gl.HALF_FLOAT, float: true },
    r16f: { internal: gl.R16F, format: gl.RED, type: gl.HALF_FLOAT, float: true },
    r32f: { internal: gl.R32F, format: gl.RED, type: gl.FLOAT, float: true },
    rgba32f: { internal: gl.RGBA32F, format: gl.RGBA, type: gl.FLOAT, float: true },
  };
}

/**
 * Render-target formats this context supports: half floats when EXT_color_buffer_float is there
 * (precise masks and blur sums), else RGBA8 (8-bit masks; the blur sums lose precision deep
 * inside the person, where the person covers them anyway).
 */
export function chooseTargetFormats(gl) {
  const floatTargets = !!gl.getExtension('EXT_color_buffer_float');
  return floatTargets ? { mask: 'r16f', sums: 'rgba16f', floatTargets } : { mask: 'rgba8', sums: 'rgba8', floatTargets };
}

export const VERTEX_SHADER = `#version 300 es
in vec2 a_position;
void main() {
  gl_Position = vec4(a_position, 0.0, 1.0);
}`;

/**
 * The kit one pipeline (or one self-test) builds everything with. Everything it creates is
 * tracked; cleanUp() deletes what is still alive, in reverse order of creation.
 */
export function createGLKit(gl) {
  const counts = resourceCounts(gl);
  const formats = formatTable(gl);
  const alive = []; // [kind, object] in creation order

  function track(kind, object) {
    if (!object) throw new Error(`WebGL could not create a ${kind.slice(0, -1)} (is the context lost?)`);
    counts[kind].created++;
    alive.push([kind, object]);
    return object;
  }

  const deleters = {
    textures: (o) => gl.deleteTexture(o),
    framebuffers: (o) => gl.deleteFramebuffer(o),
    buffers: (o) => gl.deleteBuffer(o),
    vertexArrays: (o) => gl.deleteVertexArray(o),
    programs: (o) => gl.deleteProgram(o),
    shaders: (o) => gl.deleteShader(o),
  };

  function release(object) {
    const index = alive.findIndex(([, o]) => o === object);
    if (index < 0) return;
    const [kind] = alive[index];
    alive.splice(index, 1);
    deleters[kind](object);
    counts[kind].deleted++;
  }

  function compile(type, source) {
    const shader = track('shaders', gl.createShader(type));
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
      const log = gl.getShaderInfoLog(shader);
      release(shader);
      throw new Error(`Shader did not compile: ${log}`);
    }
    return shader;
  }

  /**
   * Draw into the whole width × height. The scissor box too: TF.js, when it shares this context,
   * turns the scissor test on and leaves the box at its last output's size.
   */
  function setWriteArea(width, height) {
    gl.viewport(0, 0, width, height);
    gl.scissor(0, 0, width, height);
  }

  // The full-screen quad: two triangles covering clip space, shared by every pass.
  const quadArray = track('vertexArrays', gl.createVertexArray());
  const quadBuffer = track('buffers', gl.createBuffer());
  gl.bindVertexArray(quadArray);
  gl.bindBuffer(gl.ARRAY_BUFFER, quadBuffer);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, -1, 1, 1, -1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  gl.bindVertexArray(null);

  const kit = {
    gl,
    formats,
    targetFormats: chooseTargetFormats(gl),

    /**
     * Link a fragment shader with the quad's vertex shader. Returns {program, uniforms, use, draw}
     * where uniforms maps each name in `uniformNames` to its location.
     */
    createProgram({ fragment, uniforms: uniformNames = [] }) {
      const vertexShader = compile(gl.VERTEX_SHADER, VERTEX_SHADER);
      const fragmentShader = compile(gl.FRAGMENT_SHADER, fragment);
      const program = track('programs', gl.createProgram());
      gl.attachShader(program, vertexShader);
      gl.attachShader(program, fragmentShader);
      gl.bindAttribLocation(program, 0, 'a_position');
      gl.linkProgram(program);
      // The shaders are no longer needed once linked.
      release(vertexShader);
      release(fragmentShader);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
        const log = gl.getProgramInfoLog(program);
        release(program);
        throw new Error(`Shader program did not link: ${log}`);
      }
      const uniforms = Object.fromEntries(uniformNames.map((name) => [name, gl.getUniformLocation(program, name)]));
      return {
        program,
        uniforms,
        use() {
          gl.useProgram(program);
        },
        delete() {
          release(program);
        },
      };
    },

    /** A texture; `filter` 'linear' or 'nearest'; edges clamp. Pass `data` to fill it. */
    createTexture({ width, height, format = 'rgba8', filter = 'linear', data = null }) {
      const spec = formats[format];
      const texture = track('textures', gl.createTexture());
      gl.bindTexture(gl.TEXTURE_2D, texture);
      const mode = filter === 'nearest' ? gl.NEAREST : gl.LINEAR;
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, mode);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, mode);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texImage2D(gl.TEXTURE_2D, 0, spec.internal, width, height, 0, spec.format, spec.type, data);
      return texture;
    },

    /** A texture plus the framebuffer that renders into it: {texture, framebuffer, width, height, format}. */
    createTarget({ width, height, format = 'rgba8', filter = 'linear' }) {
      const texture = kit.createTexture({ width, height, format, filter });
      const framebuffer = track('framebuffers', gl.createFramebuffer());
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      const status = gl.checkFramebufferStatus(gl.FRAMEBUFFER);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      if (status !== gl.FRAMEBUFFER_COMPLETE && !gl.isContextLost()) {
        release(framebuffer);
        release(texture);
        throw new Error(`Cannot render into a ${width}×${height} ${format} texture (status 0x${status.toString(16)})`);
      }
      return { texture, framebuffer, width, height, format };
    },

    deleteTexture: release,
    deleteTarget(target) {
      if (!target) return;
      release(target.framebuffer);
      release(target.texture);
    },

    /** Bind `textures` ({uniformName: texture}) to units 0…n of `program`. */
    bindTextures(program, textures) {
      Object.entries(textures).forEach(([name, texture], unit) => {
        gl.activeTexture(gl.TEXTURE0 + unit);
        gl.bindTexture(gl.TEXTURE_2D, texture);
        gl.uniform1i(program.uniforms[name], unit);
      });
    },

    /** Draw the full-screen quad into `target` (null = the canvas) with the program in use. */
    drawQuad(target, width = target?.width, height = target?.height) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.framebuffer : null);
      setWriteArea(width, height);
      gl.bindVertexArray(quadArray);
      gl.drawArrays(gl.TRIANGLES, 0, 6);
      gl.bindVertexArray(null);
    },

    /** Fill `target` with one colour (premultiplied RGBA, 0–1). */
    clearTarget(target, [r, g, b, a], width = target?.width, height = target?.height) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.framebuffer : null);
      setWriteArea(width, height);
      gl.clearColor(r, g, b, a);
      gl.clear(gl.COLOR_BUFFER_BIT);
    },

    /** Read a target back as RGBA floats 0–1 (row 0 = image top): for tests and measurements. */
    readTarget(target) {
      const { width, height } = target;
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null); // TF.js may share this context and use pack buffers
      gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
      let values;
      if (formats[target.format].float) {
        values = new Float32Array(width * height * 4);
        gl.readPixels(0, 0, width, height, gl.RGBA, gl.FLOAT, values);
      } else {
        const bytes = new Uint8Array(width * height * 4);
        gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
        values = Float32Array.from(bytes, (v) => v / 255);
      }
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      return values;
    },

    /** Delete everything this kit made that is still alive, newest first. */
    cleanUp() {
      while (alive.length) release(alive[alive.length - 1][1]);
    },
  };
  return kit;
}

/** Images uploaded per context (uploadImage calls): a test proves one upload per exported frame. */
const uploadsByContext = new WeakMap();

export function imageUploads(gl) {
  return uploadsByContext.get(gl) ?? 0;
}

/** Upload an image, video frame, canvas or ImageBitmap into `texture` (RGBA8, top row first). */
export function uploadImage(gl, texture, source) {
  uploadsByContext.set(gl, imageUploads(gl) + 1);
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, source);
}

/** Upload a person-probability map {data: Float32Array, width, height} into an R32F texture. */
export function uploadMask(gl, texture, { data, width, height }) {
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, width, height, 0, gl.RED, gl.FLOAT, data);
}

/** The fragment-shader header every stage uses. */
export const FRAGMENT_HEADER = `#version 300 es
precision highp float;
precision highp int;
out vec4 outColor;
`;
