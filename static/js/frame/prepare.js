// Frame preparation, once per frame: the frame goes to the GPU once (a texture) and is stretched
// once to the model's input size (stretchStage.js, the contract's resize rule). That small image
// feeds both the model — as a texture TF.js reads directly when it shares this GL context, else as
// pixels read back once — and the compositor's edge-aware upsampling, as the colours its mask
// texels stand for. (Volcomix's webgl2Pipeline + resizingStage do the same for TFLite.)
//
//   const preparer = createFramePreparer({kit, modelSize: {width: 224, height: 224}});
//   const frame = preparer.prepare(video);
//   // frame = {source, width, height, texture, model: {gl, texture, width, height, read()}}
//   preparer.holds(frame);      // are its textures still this frame's? (the next prepare replaces them)
//   preparer.cleanUp();
//
// Without WebGL2 at all, createCpuPreparer does the same stretch in JavaScript (stretch.js).

import { sourceSize } from '../compositor/geometry.js';
import { uploadImage } from '../gl/kit.js';
import { stretchImage } from './stretch.js';
import { createStretchStage } from './stretchStage.js';
import { createCanvas } from '../base/canvas.js';

/** A prepared frame's model-size pixels as RGBA bytes (Uint8Array, row 0 = top). */
function readTarget(gl, target, into) {
  gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null); // TF.js may share this context and use pack buffers
  gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
  gl.readPixels(0, 0, target.width, target.height, gl.RGBA, gl.UNSIGNED_BYTE, into);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  return into;
}

/**
 * A prepared frame: `source` at `size`, its full-size `texture` (or null), and its model-size image
 * (`modelTexture` in `gl`, or null), whose bytes read() gives while isLatest(frame) holds.
 */
function preparedFrame({ source, size, texture = null, gl = null, modelTexture = null, modelSize, isLatest, bytes }) {
  const frame = {
    source,
    width: size.width,
    height: size.height,
    texture,
    model: {
      gl,
      texture: modelTexture,
      width: modelSize.width,
      height: modelSize.height,
      /** The model-size RGBA bytes (valid until the next prepare). */
      read() {
        if (!isLatest(frame)) throw new Error('This prepared frame was replaced by a newer one: prepare it again.');
        return bytes();
      },
    },
  };
  return frame;
}

/** createFramePreparer({kit, modelSize: {width, height}}) → {prepare(source), holds(frame), modelSize, cleanUp()} */
export function createFramePreparer({ kit, modelSize }) {
  const { gl } = kit;
  const stage = createStretchStage({ kit });
  const model = kit.createTarget({ ...modelSize, filter: 'nearest' });
  const pixels = new Uint8Array(modelSize.width * modelSize.height * 4);
  let frameTexture = null;
  let between = null; // the horizontal pass's result: model width × frame height
  let frameSize = { width: 0, height: 0 };
  let current = null;
  let currentRead = false;

  function fitFrame(width, height) {
    if (frameSize.width === width && frameSize.height === height) return;
    kit.deleteTarget(between);
    kit.deleteTexture(frameTexture);
    frameTexture = kit.createTexture({ width, height });
    between = kit.createTarget({ width: modelSize.width, height, filter: 'nearest' });
    frameSize = { width, height };
  }

  return {
    modelSize: { ...modelSize },

    /** Upload `source` (at its natural size) and stretch it to modelSize. */
    prepare(source) {
      const { width, height } = sourceSize(source);
      if (!width || !height) throw new Error('The frame has no pixels yet (a video before its first frame).');
      fitFrame(width, height);
      uploadImage(gl, frameTexture, source);
      stage.render({ source: frameTexture, sourceSize: frameSize, between, target: model });
      current = preparedFrame({
        source,
        size: frameSize,
        texture: frameTexture,
        gl,
        modelTexture: model.texture,
        modelSize,
        isLatest: (frame) => frame === current,
        bytes() {
          if (!currentRead) readTarget(gl, model, pixels); // read back once per frame
          currentRead = true;
          return pixels;
        },
      });
      currentRead = false;
      return current;
    },

    holds(frame) {
      return frame !== null && frame === current;
    },

    cleanUp() {
      current = null;
      kit.deleteTarget(between);
      kit.deleteTexture(frameTexture);
      kit.deleteTarget(model);
      stage.cleanUp();
    },
  };
}

/**
 * The same preparation on the CPU, for a browser without WebGL2: the frame drawn at its natural
 * size on a 2D canvas, read back and stretched by stretchImage (bit for bit the Python resize).
 */
export function createCpuPreparer({ modelSize }) {
  const canvas = createCanvas();
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let current = null;
  return {
    modelSize: { ...modelSize },
    prepare(source) {
      const { width, height } = sourceSize(source);
      if (!width || !height) throw new Error('The frame has no pixels yet (a video before its first frame).');
      canvas.width = width;
      canvas.height = height;
      context.drawImage(source, 0, 0);
      const { data } = context.getImageData(0, 0, width, height);
      const stretched = stretchImage({ data, width, height, channels: 4 }, modelSize.width, modelSize.height);
      current = preparedFrame({
        source,
        size: { width, height },
        modelSize,
        isLatest: (frame) => frame === current,
        bytes: () => stretched.data,
      });
      return current;
    },
    holds(frame) {
      return frame !== null && frame === current;
    },
    cleanUp() {
      current = null;
      canvas.width = 0;
      canvas.height = 0;
    },
  };
}
