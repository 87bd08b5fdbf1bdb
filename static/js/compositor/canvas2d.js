// Canvas2D compositing at the source's full resolution: person (source × feathered mask) over a
// background (image, person-weighted blur, solid colour, or nothing = transparent).
//
//   const compositor = createCanvas2DCompositor({canvas, background: 'blur'});   // structural settings
//   compositor.render(videoOrImage, mask);                                       // mask from segmenter
//   compositor.update({blurStrength: 20, feather: 0.1});                  // live settings
//   compositor.cleanUp();
//
// Structural settings (canvas, background kind, background image) make a new compositor; live ones
// (colour, blur strength, feather, threshold, mirror) only change the next render.

import { coverageEdges, validateCompositorConfig } from '../settings/config.js';
import { blurRadiusFor, coverRect, sourceSize } from './geometry.js';
import { writeCoverageAlpha } from './maskmath.js';
import { createCanvas } from '../base/canvas.js';

const LIVE_KEYS = ['color', 'blurStrength', 'feather', 'threshold', 'mirror'];
// Safari before 18 has no CanvasRenderingContext2D.filter: blur by down- and up-scaling instead.
const HAS_CANVAS_FILTER =
  typeof CanvasRenderingContext2D !== 'undefined' && 'filter' in CanvasRenderingContext2D.prototype;
// The blurred background is computed on a smaller copy where the blur radius is about this many
// pixels: blurring is a low-pass filter, so the upscale loses nothing visible and saves most work.
const WORKING_BLUR_RADIUS = 6;

const makeCanvas = createCanvas;

function resize(canvas, width, height) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

/** Draw with an optional horizontal mirror about the vertical centre line of the target. */
function drawMaybeMirrored(context, image, x, y, width, height, mirror) {
  context.save();
  if (mirror) context.setTransform(-1, 0, 0, 1, context.canvas.width, 0);
  context.drawImage(image, x, y, width, height);
  context.restore();
}

/**
 * Draw `image` into the inner (w×h) part of a canvas padded by `pad` on every side, and repeat its
 * outermost rows and columns into the padding (clamp-to-edge), so a blur near the border does not
 * fade into transparency. The pieces do not overlap, so 'source-over' and 'destination-out' work;
 * 'copy' would not (every piece would erase the others).
 */
function drawClampedPadded(context, image, imageW, imageH, pad, w, h, mirror) {
  context.save();
  if (mirror) context.setTransform(-1, 0, 0, 1, context.canvas.width, 0);
  context.drawImage(image, pad, pad, w, h);
  if (pad > 0) {
    const [iw, ih] = [imageW, imageH];
    // edges: one source row/column stretched over the padding
    context.drawImage(image, 0, 0, 1, ih, 0, pad, pad, h);
    context.drawImage(image, iw - 1, 0, 1, ih, pad + w, pad, pad, h);
    context.drawImage(image, 0, 0, iw, 1, pad, 0, w, pad);
    context.drawImage(image, 0, ih - 1, iw, 1, pad, pad + h, w, pad);
    // corners: one source pixel each
    context.drawImage(image, 0, 0, 1, 1, 0, 0, pad, pad);
    context.drawImage(image, iw - 1, 0, 1, 1, pad + w, 0, pad, pad);
    context.drawImage(image, 0, ih - 1, 1, 1, 0, pad + h, pad, pad);
    context.drawImage(image, iw - 1, ih - 1, 1, 1, pad + w, pad + h, pad, pad);
  }
  context.restore();
}

/**
 * Draw `image` blurred with a Gaussian of standard deviation `radius` (canvas filter), or, without
 * canvas filters, a box-like blur from a downscale to 1/radius and a smooth upscale.
 */
function drawBlurred(context, image, radius, scratch) {
  const { width, height } = context.canvas;
  if (HAS_CANVAS_FILTER) {
    context.filter = `blur(${radius.toFixed(2)}px)`;
    context.drawImage(image, 0, 0, width, height);
    context.filter = 'none';
    return;
  }
  const factor = Math.max(1, radius);
  resize(scratch, Math.max(1, Math.round(width / factor)), Math.max(1, Math.round(height / factor)));
  const small = scratch.getContext('2d');
  small.imageSmoothingQuality = 'high';
  small.globalCompositeOperation = 'copy';
  small.drawImage(image, 0, 0, scratch.width, scratch.height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(scratch, 0, 0, width, height);
}

/**
 * Create a compositor drawing into `canvas`. `background`: 'image' (needs `backgroundImage`, drawn
 * cover-fit), 'blur', 'color' or 'none'. Other settings as in DEFAULT_COMPOSITOR_CONFIG.
 */
export function createCanvas2DCompositor({ canvas, backgroundImage = null, ...settings }) {
  if (!canvas?.getContext) throw new Error('createCanvas2DCompositor needs a canvas');
  let config = validateCompositorConfig(settings);
  if (config.background === 'image' && !backgroundImage) {
    throw new Error('createCanvas2DCompositor: background "image" needs a backgroundImage');
  }
  const output = canvas.getContext('2d');
  const maskCanvas = makeCanvas(1, 1);
  const maskContext = maskCanvas.getContext('2d');
  const personCanvas = makeCanvas(1, 1);
  const personContext = personCanvas.getContext('2d');
  const holesCanvas = makeCanvas(1, 1); // background-only copy for the person-weighted blur
  const blurCanvas = makeCanvas(1, 1);
  const scratchCanvas = makeCanvas(1, 1);
  let maskImage = null;

  function ensureSize(width, height) {
    resize(canvas, width, height);
    resize(maskCanvas, width, height);
    resize(personCanvas, width, height);
    if (!maskImage || maskImage.width !== width || maskImage.height !== height) {
      maskImage = maskContext.createImageData(width, height); // RGB 0, alpha = coverage
    }
  }

  /**
   * Person-weighted blur (normalised convolution): blur(I·(1−m)) / blur(1−m). Canvas pixels are
   * premultiplied, so blurring the background-only layer (person cut out) and letting the browser
   * un-premultiply divides by the blurred alpha for free: person colours never bleed into the
   * background. Holes the small radius cannot fill (deep inside a large person) take a wider pass,
   * then a plain blur of the whole frame underneath.
   */
  function drawPersonWeightedBlur(source, width, height) {
    const radius = blurRadiusFor(config.blurStrength, width, height);
    if (radius < 0.5) {
      drawMaybeMirrored(output, source, 0, 0, width, height, config.mirror);
      return;
    }
    const scale = Math.min(1, WORKING_BLUR_RADIUS / radius);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const r = radius * scale;
    const pad = Math.ceil(r * 2.5 * 2.5);
    resize(holesCanvas, w + 2 * pad, h + 2 * pad);
    resize(blurCanvas, w + 2 * pad, h + 2 * pad);
    const { width: sourceW, height: sourceH } = sourceSize(source);

    const holes = holesCanvas.getContext('2d');
    const blurred = blurCanvas.getContext('2d');
    // 1. the plain blur of the whole frame: the last resort deep inside the person
    holes.globalCompositeOperation = 'source-over'; // not 'copy': each edge strip would erase the rest
    holes.clearRect(0, 0, holesCanvas.width, holesCanvas.height);
    drawClampedPadded(holes, source, sourceW, sourceH, pad, w, h, config.mirror);
    blurred.globalCompositeOperation = 'copy';
    drawBlurred(blurred, holesCanvas, r * 1.5, scratchCanvas);
    // 2. the background-only layer: the frame with the person cut out (alpha = 1 − coverage)
    holes.globalCompositeOperation = 'destination-out';
    drawClampedPadded(holes, maskCanvas, width, height, pad, w, h, config.mirror);
    // 3. normalised blurs of it on top: a wide pass reaches into the person, then the chosen
    //    radius twice (alpha 1 − (1 − a)² covers more)
    blurred.globalCompositeOperation = 'source-over';
    drawBlurred(blurred, holesCanvas, r * 2.5, scratchCanvas);
    drawBlurred(blurred, holesCanvas, r, scratchCanvas);
    drawBlurred(blurred, holesCanvas, r, scratchCanvas);
    output.imageSmoothingEnabled = true;
    output.imageSmoothingQuality = 'high';
    output.drawImage(blurCanvas, pad, pad, w, h, 0, 0, width, height);
  }

  function drawBackground(source, width, height) {
    output.globalCompositeOperation = 'copy';
    switch (config.background) {
      case 'none':
        output.clearRect(0, 0, width, height);
        break;
      case 'color':
        output.fillStyle = config.color;
        output.fillRect(0, 0, width, height);
        break;
      case 'image': {
        const picture = backgroundImage.currentFrame?.() ?? backgroundImage; // a video streamed into the Worker: its frame now
        const { width: bw, height: bh } = sourceSize(picture);
        const { sx, sy, sw, sh } = coverRect(bw, bh, width, height);
        output.imageSmoothingEnabled = true;
        output.imageSmoothingQuality = 'high';
        output.drawImage(picture, sx, sy, sw, sh, 0, 0, width, height);
        break;
      }
      case 'blur':
        drawPersonWeightedBlur(source, width, height);
        break;
    }
    output.globalCompositeOperation = 'source-over';
  }

  return {
    /** Nothing to get ready on the GPU here: the segmenter prepares the frame itself (model null). */
    prepare(source) {
      return { source, ...sourceSize(source), model: null };
    },

    /**
     * Composite one frame: a frame from prepare(), or a source (img, video, canvas, ImageBitmap) at
     * its natural size; `mask` {data: Float32Array person probability, width, height} at any size.
     * Returns milliseconds spent.
     */
    render(frameOrSource, mask) {
      const source = frameOrSource?.model !== undefined ? frameOrSource.source : frameOrSource;
      const started = performance.now();
      const { width, height } = sourceSize(source);
      if (!width || !height) return 0; // a video before its first frame
      ensureSize(width, height);
      const [edge0, edge1] = coverageEdges(config);
      // Upsample + feather in one pass at full resolution: crisper edges than feathering the
      // low-resolution map and letting the GPU stretch it.
      writeCoverageAlpha(mask.data, mask.width, mask.height, maskImage.data, width, height, edge0, edge1);
      maskContext.putImageData(maskImage, 0, 0);

      personContext.globalCompositeOperation = 'copy';
      drawMaybeMirrored(personContext, source, 0, 0, width, height, config.mirror);
      personContext.globalCompositeOperation = 'destination-in';
      drawMaybeMirrored(personContext, maskCanvas, 0, 0, width, height, config.mirror);

      drawBackground(source, width, height);
      output.drawImage(personCanvas, 0, 0);
      return performance.now() - started;
    },

    /** Change live settings (colour, blurStrength, feather, threshold, mirror); validated. */
    update(live) {
      for (const key of Object.keys(live)) {
        if (!LIVE_KEYS.includes(key)) throw new Error(`"${key}" is not a live setting: create a new compositor`);
      }
      config = validateCompositorConfig({ ...config, ...live });
    },

    get settings() {
      return { ...config };
    },

    /** Free the layer canvases (their pixel memory goes once they are 0×0). */
    cleanUp() {
      for (const layer of [maskCanvas, personCanvas, holesCanvas, blurCanvas, scratchCanvas]) resize(layer, 0, 0);
      maskImage = null;
    },
  };
}
