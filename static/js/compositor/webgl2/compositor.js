// The WebGL2 compositor: the same face as the Canvas2D one (../canvas2d.js) — prepare(source,
// modelSize), render(frame or source, mask), update(live), cleanUp(), settings — built on
// buildPipeline. It (re)builds the pipeline when the frame or mask size changes, and survives a lost
// WebGL context: frames are skipped while it is lost, and on restore a fresh pipeline redraws the
// last still (a captureStream() goes on).
//
//   const compositor = createGLCompositor({canvas, background: 'blur'});
//   const frame = compositor.prepare(video, segmenter.inputSize);   // one upload, one stretch
//   compositor.render(frame, mask);   // the mask the segmenter made from `frame` (framePath.js)

import { buildPipeline } from './buildPipeline.js';
import { imageUploads, liveResources, resourceCounts } from '../../gl/kit.js';
import { checkLiveKeys, validatePipelineSettings } from './settings.js';
import { sourceSize } from '../geometry.js';

const CONTEXT_ATTRIBUTES = Object.freeze({
  alpha: true, // background 'none' makes a transparent PNG
  premultipliedAlpha: true, // the composite stage writes premultiplied colour
  preserveDrawingBuffer: true, // Download (toBlob) and drawImage read the canvas after the frame
  antialias: false,
  depth: false,
  stencil: false,
});

/** The canvas's WebGL2 context, or null when there is none (no WebGL2, or a 2D canvas already). */
export function webgl2ContextOf(canvas) {
  try {
    return canvas.getContext('webgl2', CONTEXT_ATTRIBUTES);
  } catch {
    return null;
  }
}

/**
 * Create a WebGL2 compositor drawing into `canvas`; throws when the canvas has no WebGL2.
 * Options as the Canvas2D compositor's (../canvas2d.js) plus DEFAULT_PIPELINE_SETTINGS.
 */
export function createGLCompositor({ canvas, backgroundImage = null, ...options }) {
  const gl = webgl2ContextOf(canvas);
  if (!gl) throw new Error('WebGL2 is not available for this canvas');
  let settings = validatePipelineSettings(options);
  if (settings.background === 'image' && !backgroundImage) {
    throw new Error('createGLCompositor: background "image" needs a backgroundImage');
  }
  let pipeline = null;
  let pipelineKey = '';
  let contextLost = gl.isContextLost();
  let last = null; // the last still's {source, mask}, redrawn after a context restore
  let cleanedUp = false;
  let losses = 0;

  function dropPipeline() {
    pipeline?.cleanUp(); // on a lost context the deletes are no-ops, but the counts stay honest
    pipeline = null;
    pipelineKey = '';
  }

  const onLost = (event) => {
    event.preventDefault(); // tells the browser we want the context back
    contextLost = true;
    losses++;
    dropPipeline();
  };
  const onRestored = () => {
    contextLost = false;
    if (!last || cleanedUp) return;
    try {
      compositor.render(last.source, last.mask);
    } catch (error) {
      console.warn('Redrawing after a restored WebGL context failed:', error); // the next frame retries
    }
  };
  canvas.addEventListener('webglcontextlost', onLost);
  canvas.addEventListener('webglcontextrestored', onRestored);

  /** The pipeline for this frame and mask size (built when they change), or null while lost. */
  function pipelineFor(source, maskSize) {
    // isContextLost() turns true before the 'webglcontextlost' event is delivered
    if (contextLost || gl.isContextLost()) return null;
    const { width, height } = sourceSize(source);
    if (!width || !height) return null; // a video before its first frame
    const limit = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    if (width > limit || height > limit) {
      throw new Error(`The picture is ${width}×${height}; this GPU handles at most ${limit} pixels a side.`);
    }
    const key = `${width}x${height}/${maskSize.width}x${maskSize.height}`;
    if (key !== pipelineKey) {
      dropPipeline();
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      pipeline = buildPipeline({ gl, frameSize: { width, height }, maskSize, backgroundImage, ...settings });
      pipelineKey = key;
    }
    return pipeline;
  }

  const compositor = {
    kind: 'webgl2',
    gl,

    /**
     * Get `source` ready for the segmenter and for render(): uploaded once, stretched once to
     * modelSize [H, W] (frame/prepare.js). Returns the prepared frame, or, while the context is
     * lost, {source, width, height, model: null} for the segmenter to prepare itself.
     */
    prepare(source, [height, width]) {
      if (cleanedUp) throw new Error('This compositor was cleaned up');
      const found = pipelineFor(source, { width, height });
      return found ? found.prepare(source) : { source, ...sourceSize(source), model: null };
    },

    /**
     * Composite one frame: a frame from prepare() or any source at its natural size, and `mask`
     * ({data: Float32Array} or, left on the GPU by TF.js in this context, {gpu}; width, height at
     * model size). Returns milliseconds spent issuing the GPU work.
     */
    render(frameOrSource, mask) {
      if (cleanedUp) throw new Error('This compositor was cleaned up');
      const frame = frameOrSource?.model !== undefined ? frameOrSource : null;
      const source = frame ? frame.source : frameOrSource;
      // Only a mask on the CPU outlives the next frame: that is the still a restore redraws.
      last = mask.gpu ? null : { source, mask };
      const started = performance.now();
      const found = pipelineFor(source, { width: mask.width, height: mask.height });
      if (!found) return 0;
      found.render({ frame, source, mask });
      return performance.now() - started;
    },

    /** Change live settings (colour, blur strength, feather, threshold, mirror, light wrap, …). */
    update(live) {
      checkLiveKeys(live);
      settings = validatePipelineSettings({ ...settings, ...live });
      pipeline?.update(live);
    },

    get settings() {
      return { ...settings };
    },

    /** The mask upsampling the last frame ran ('guided' runs 'bilateral' without float targets), null before it. */
    get upsamplingInUse() {
      return pipeline?.upsamplingInUse ?? null;
    },

    get contextLost() {
      return contextLost;
    },

    get contextLosses() {
      return losses;
    },

    /** The pipeline's target formats ({mask, sums, floatTargets}), null before the first frame. */
    get targetFormats() {
      return pipeline?.targetFormats ?? null;
    },

    /** The last frame's full-resolution mask (see buildPipeline readMask), or null. */
    readMask(which) {
      return pipeline && !contextLost ? pipeline.readMask(which) : null;
    },

    /** GL objects alive and counted on this canvas's context (all pipelines so far); images uploaded. */
    resources() {
      return { live: liveResources(gl), counts: structuredClone(resourceCounts(gl)), uploads: imageUploads(gl) };
    },

    cleanUp() {
      cleanedUp = true;
      last = null;
      canvas.removeEventListener('webglcontextlost', onLost);
      canvas.removeEventListener('webglcontextrestored', onRestored);
      dropPipeline();
    },
  };
  return compositor;
}
