// The frame path as one object: the two models, the compositor drawing into the result canvas, and
// the result on screen (source, mask, raw mask). Photos (Blobs, decoded and downscaled here), camera
// frames (VideoFrame or ImageBitmap), a video file's export (decode → segment → composite → encode
// → mux) and settings changes all go through it. It never touches the DOM, so the very same object
// runs in a Worker on an OffscreenCanvas (engine/worker.js, the page's default) or on the main
// thread on the page's <canvas> (engine/host.js picks; the status line says which).
//
//   const engine = createFrameEngine({canvas, compositorChoice: 'auto', wasmThreads: null, emit: (name, data) => …});
//   await engine.start({settings});             // compositor ready; no model yet
//   await engine.loadModel('live', 'wasm');
//   const photo = await engine.photo(blob);     // {width, height, …, times: {decodeMs, …}}
//   const timing = await engine.frame(videoFrame, timestamp);   // the frame is closed here
//
// Every method answers with plain data (structured-clone friendly). Events go out through `emit`:
// 'model' (load progress and status), 'notice', 'error', 'measureStep', 'exportProgress', 'recovered',
// 'cameraFrame'.
//
// A video background: on the main thread the page's looping <video>, seeked to the camera's or the
// exported clip's time; in a Worker its frames streamed from the page (backgroundFrame()), and an
// export decodes the file itself at the clip's time (streamedBackground.js).

import { UserError } from '../base/messages.js';
import { createCompositor, outputContext } from '../compositor/index.js';
import { createMainPersonFilter } from '../compositor/mainPerson.js';
import { renderPhoto, renderVideoFrame } from '../framePath.js';
import { BUILT_IN_BACKGROUNDS, USER_BACKGROUND_ID, loadBuiltInBackground } from '../input/backgrounds.js';
import { loadPhoto } from '../input/photo.js';
import { seekVideoBackground } from '../input/videoBackground.js';
import { shareWebGLContext } from '../segmenter/backend.js';
import { measureBackends, timeSegmenter } from '../segmenter/backendChoice.js';
import { filteredSegmenter } from '../segmenter/filtered.js';
import { createSegmenter, maskOnCPU } from '../segmenter/index.js';
import { createModelSet } from '../segmenter/modelSet.js';
import { setWasmThreadOptions, wasmThreadsInfo } from '../segmenter/wasmThreads.js';
import { MAX_COMPOSITE_PIXELS } from '../settings/config.js';
import { createResultHolder } from './resultHolder.js';
import { createStreamedBackground, isStreamedBackground } from './streamedBackground.js';
import { createVideoJob } from './videoJob.js';

/** A looping <video> background: only on the main thread (a Worker gets its frames streamed). */
function isVideoElement(value) {
  return typeof HTMLVideoElement !== 'undefined' && value instanceof HTMLVideoElement;
}

/**
 * How a video background keeps time: {atCameraTime(s), atClipTime(s), endClip()}, or null for a
 * picture. The page's <video> is paused and seeked (see seekVideoBackground for why); a streamed one
 * shows the newest frame the page sent while the camera runs, and decodes the clip's time in an export.
 */
function videoClock(background) {
  if (isStreamedBackground(background)) return background;
  if (!isVideoElement(background)) return null;
  const seek = (seconds) => seekVideoBackground(background, seconds);
  return { atCameraTime: seek, atClipTime: seek, endClip: async () => background.play().catch(() => {}) };
}

/** The GPU's name (for the per-device backend cache), or '' when the browser hides it. */
function gpuName(gl) {
  if (!gl) return 'no-webgl2';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

export function createFrameEngine({ canvas, compositorChoice = 'auto', wasmThreads = null, emit = () => {} }) {
  // The page's ?threads=N, set before any backend starts here (the thread count is fixed from then on).
  if (wasmThreads !== null) setWasmThreadOptions({ threads: wasmThreads });
  const result = createResultHolder();
  const liveMainPerson = createMainPersonFilter(); // camera and video frames keep their choice between frames
  const models = createModelSet({
    onChange(kind, { status, progress, segmenter, error }) {
      emit('model', { kind, status, progress, error: error?.message ?? null, segmenter: segmenter && describe(segmenter) });
    },
    onNotice: (text) => emit('notice', text),
    onContextLost: () => recoverFromContextLoss(),
  });
  const own = {
    settings: null,
    compositor: null,
    userBackground: null, // an ImageBitmap (a picture), or a video: the page's <video>, or streamed here
    backend: null,
    reloading: null,
    frameInFlight: Promise.resolve(),
    cameraClock: 0, // the first camera frame's timestamp: a video background's time 0
    cameraSession: 0, // bumped when the camera stops: a streamed frame of an older session is dropped
  };
  const video = createVideoJob({
    segmenterFor: (kind) => segmenterFor(kind),
    render: (segmenter, image, timestampMs) => renderLiveFrame(segmenter, image, timestampMs),
    canvas,
    resetFilter: () => liveMainPerson.reset(),
    onProgress: (progress) => emit('exportProgress', progress),
    // a video background follows the exported clip's clock, frame by frame
    beforeFrame: async (timestampMs) => chosenVideoClock()?.atClipTime(timestampMs / 1000),
    modelKind: () => own.settings?.videoExportModel ?? 'live',
  });

  /** The clock of the video background when it is the one chosen, else null. */
  function chosenVideoClock() {
    const { background, backgroundId } = own.settings;
    return background === 'image' && backgroundId === USER_BACKGROUND_ID ? videoClock(own.userBackground) : null;
  }

  /** What the page handed over as its background: a video's {kind: 'video', still, blob} is streamed here. */
  function received(userBackground) {
    if (userBackground?.kind !== 'video') return userBackground;
    return createStreamedBackground({ ...userBackground, onProblem: (text) => emit('notice', text) });
  }

  function describe(segmenter) {
    const { model, backend, inputSize, card } = segmenter;
    return { model, backend, inputSize, card, wasmThreads: backend === 'wasm' ? wasmThreadsInfo() : null };
  }

  function liveSettings(mode) {
    const { color, blurStrength, feather, mirror } = own.settings;
    return { color, blurStrength, feather, mirror: mode === 'camera' && mirror };
  }

  async function backgroundImage() {
    const { background, backgroundId } = own.settings;
    if (background !== 'image') return null;
    if (backgroundId === USER_BACKGROUND_ID) {
      if (!own.userBackground) throw new UserError('No uploaded background: choose one with "Upload your own picture".');
      return own.userBackground;
    }
    return loadBuiltInBackground(backgroundId);
  }

  /** Structural change (background kind or picture): a new compositor; the still is drawn again. */
  async function rebuildCompositor() {
    let image;
    try {
      image = await backgroundImage();
    } catch (error) {
      emit('error', error.message);
      Object.assign(own.settings, { background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id });
      emit('settingsFallback', { background: 'image', backgroundId: own.settings.backgroundId });
      image = await loadBuiltInBackground(own.settings.backgroundId);
    }
    own.compositor?.cleanUp();
    own.compositor = createCompositor({
      compositor: compositorChoice,
      canvas,
      background: own.settings.background,
      backgroundId: own.settings.backgroundId,
      backgroundImage: image,
      ...liveSettings(result.kind),
    });
    renderStill();
  }

  /** Draw the still again (photo, stopped camera, video preview) after a settings change. */
  function renderStill() {
    if (!own.compositor || !result.still) return;
    const mask = result.rawMask && own.settings.mainPerson ? createMainPersonFilter().apply(result.rawMask) : result.rawMask ?? result.mask;
    result.keepMask(mask);
    own.compositor.update(liveSettings('still'));
    own.compositor.render(result.source, mask);
  }

  /**
   * Resolves once the GPU work issued so far is done: compositing times count the GPU's work, not
   * only issuing it. A fence polled between tasks, not a read-back: on the main thread a read-back
   * would freeze the page for as long as the GPU works (11 s for a 12-megapixel photo here).
   */
  async function finishGPU() {
    const gl = own.compositor?.gl;
    if (!gl || gl.isContextLost()) return;
    const fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (!fence) return;
    gl.flush();
    try {
      while (gl.clientWaitSync(fence, 0, 0) === gl.TIMEOUT_EXPIRED) await new Promise((resolve) => setTimeout(resolve, 2));
    } finally {
      gl.deleteSync(fence);
    }
  }

  async function segmenterFor(kind) {
    if (own.reloading) await own.reloading.catch(() => {});
    try {
      return await models.load(kind, own.backend);
    } catch (error) {
      throw new UserError(`The ${kind} model is not loaded: ${error.message}`);
    }
  }

  function reload(backend, { fresh = false } = {}) {
    own.backend = backend;
    own.reloading = (async () => {
      await own.frameInFlight;
      result.keepMask(maskOnCPU(result.mask)); // a mask left on the GPU goes with the old models
      try {
        await models.reload(backend, { fresh });
      } finally {
        own.reloading = null;
      }
    })();
    return own.reloading;
  }

  function recoverFromContextLoss() {
    if (own.reloading) return; // both models hear the same loss: one recovery serves them
    emit('notice', 'The GPU context was lost (a driver reset, or too many GPU pages); restarting the model…');
    reload(own.backend, { fresh: true }).then(
      () => emit('recovered', own.backend),
      () => {},
    );
  }

  /** One frame of a camera or video through a model (main person, smoothing) and the compositor. */
  function renderLiveFrame(segmenter, image, timestampMs) {
    const filtered = filteredSegmenter(segmenter, (mask) => (own.settings.mainPerson ? liveMainPerson.apply(mask) : mask));
    return renderVideoFrame({
      segmenter: filtered,
      compositor: () => own.compositor,
      source: image,
      timestamp: timestampMs,
      smoothing: own.settings.smoothing,
    });
  }

  /** Median time of a few warm inferences of the live model on `backend` (a throwaway segmenter). */
  async function timeLiveModel(backend) {
    const segmenter = await createSegmenter({ model: 'live', backend });
    try {
      if (segmenter.backend !== backend) throw new Error(`${backend} is not available here`);
      return await timeSegmenter(segmenter);
    } finally {
      segmenter.dispose();
    }
  }

  const engine = {
    /** Settings in, the compositor built; resolves to {compositorKind, gpu}. */
    async start({ settings, userBackground = null }) {
      own.settings = { ...settings };
      own.userBackground = received(userBackground);
      // TF.js computes in the WebGL context the compositor draws with: a frame is uploaded once and
      // its mask never leaves the GPU (before the first model loads; no-op for Canvas2D).
      const gl = outputContext(canvas, compositorChoice);
      shareWebGLContext(gl);
      await rebuildCompositor();
      return { compositorKind: own.compositor.kind, gpu: gpuName(gl) };
    },

    /** Load model `kind` on `backend` (kept for the next loads); resolves to its description. */
    async loadModel(kind, backend) {
      own.backend ??= backend;
      return describe(await segmenterFor(kind));
    },

    /** Time the live model on WASM and on WebGL here (one at a time) and pick the faster. */
    measureBackends() {
      return measureBackends({ backends: ['wasm', 'webgl'], timeBackend: timeLiveModel, onStep: (text) => emit('measureStep', text) });
    },

    /** Load every model asked for so far again on `backend`. */
    async reload(backend) {
      await reload(backend);
      return own.backend;
    },

    /** Change settings; `structural` (background kind or picture) rebuilds the compositor. */
    async setSettings(changes, { structural = false, userBackground } = {}) {
      Object.assign(own.settings, changes);
      const replaced = userBackground !== undefined && userBackground !== own.userBackground ? own.userBackground : null;
      if (userBackground !== undefined) own.userBackground = received(userBackground);
      if (structural) await rebuildCompositor();
      if (replaced && !isVideoElement(replaced)) replaced.close?.(); // after the compositor that drew it is gone
      if (structural) return;
      own.compositor?.update(liveSettings(result.kind));
      renderStill();
    },

    /**
     * The newest frame of a video background the page plays (a VideoFrame or ImageBitmap, in a
     * Worker): kept for the compositor, the one before it closed; closed at once when the background
     * is not a streamed video (any more).
     */
    backgroundFrame(frame) {
      if (isStreamedBackground(own.userBackground)) own.userBackground.offer(frame);
      else frame.close();
    },

    /**
     * A photo Blob: decoded and downscaled here, the photo model (flip TTA per settings), the
     * compositor, and the GPU finished. Resolves to its size and the time of each part.
     */
    async photo(blob) {
      await own.frameInFlight;
      const started = performance.now();
      const photo = await loadPhoto(blob, MAX_COMPOSITE_PIXELS);
      const decoded = performance.now();
      const segmenter = await segmenterFor('photo');
      const modelReady = performance.now();
      let rawMask = null;
      const { mask, inferenceMs } = await renderPhoto({
        segmenter: filteredSegmenter(segmenter, (found) => {
          rawMask = found;
          return own.settings.mainPerson ? createMainPersonFilter().apply(found) : found;
        }),
        compositor: () => {
          own.compositor.update(liveSettings('photo')); // a photo is never mirrored
          return own.compositor;
        },
        image: photo.image,
        flip: own.settings.photoFlipTTA,
      });
      await finishGPU();
      const done = performance.now();
      result.set({ kind: 'photo', source: photo.image, mask, rawMask });
      const { image, decodeMs, downscaleMs, ...size } = photo;
      const readMs = decoded - started; // decoding and downscaling, and handing the bitmap over
      return {
        ...size,
        model: mask.model,
        times: {
          decodeMs: readMs - downscaleMs,
          downscaleMs,
          modelLoadMs: modelReady - decoded,
          inferenceMs,
          compositeMs: done - modelReady - inferenceMs,
        },
      };
    },

    /**
     * One camera frame (a VideoFrame or ImageBitmap, closed here once drawn) at `timestamp` ms.
     * Resolves to {inferenceMs, compositeMs, model}, or null when skipped (no model yet, reloading).
     */
    async frame(source, timestamp) {
      const segmenter = own.reloading ? null : models.get('live');
      if (!segmenter || !own.compositor || result.kind === 'exporting') {
        source.close();
        return null;
      }
      if (result.kind !== 'camera') {
        liveMainPerson.reset();
        own.cameraClock = timestamp;
        own.compositor.update(liveSettings('camera'));
      }
      const done = (async () => {
        try {
          // a video background shows the frame for this moment of the camera session
          await chosenVideoClock()?.atCameraTime((timestamp - own.cameraClock) / 1000);
          const timing = await renderLiveFrame(segmenter, source, timestamp);
          // at once: the previous frame's GPU mask is gone, the holder must not point at it
          result.set({ kind: 'camera', source, mask: timing.mask, rawMask: null });
          const issued = performance.now();
          await finishGPU(); // compositing is done when the GPU is, not when its commands are issued
          const compositeMs = timing.compositeMs + (performance.now() - issued);
          return { inferenceMs: timing.inferenceMs, compositeMs, model: timing.mask.model };
        } catch (error) {
          source.close();
          if (own.reloading || segmenter !== models.get('live') || segmenter.contextLost) return null; // skip it
          throw error;
        }
      })();
      own.frameInFlight = done.catch(() => {});
      return done;
    },

    /**
     * A camera's frames as a stream (MediaStreamTrackProcessor's readable, moved here): each is
     * drawn as frame() draws it, and its timing goes out as a 'cameraFrame' event. Resolves when
     * the stream ends (the camera stopped). No frame crosses the page's main thread as a call.
     */
    async cameraStream(readable) {
      const session = ++own.cameraSession;
      const reader = readable.getReader();
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done) return;
        if (session !== own.cameraSession) {
          frame.close(); // the camera was stopped: a frame still buffered must not replace the still
          reader.cancel().catch(() => {});
          return;
        }
        const timing = await engine.frame(frame, frame.timestamp / 1000).catch((error) => {
          emit('error', `Processing the camera frame failed: ${error.message}`);
          return null;
        });
        if (timing) emit('cameraFrame', timing);
      }
    },

    /** The camera stopped: its last frame stays as the still, and the next start begins afresh. */
    async stopFrames() {
      own.cameraSession++;
      await own.frameInFlight;
      await result.freeze();
      models.get('live')?.resetVideo();
      renderStill();
    },

    /** Open a video File: its first frame swapped on screen; resolves to {width, height, frames, …}. */
    async openVideo(file) {
      await own.frameInFlight;
      const opened = await video.open(file);
      result.set({ kind: 'video', source: opened.image, mask: opened.mask, rawMask: null });
      return opened.info;
    },

    /** Export the opened video; resolves to {blob, frames, framesPerSecond, …}, or null if cancelled. */
    async exportVideo() {
      const kindBefore = result.kind;
      result.kind = 'exporting';
      try {
        return await video.export();
      } finally {
        result.kind = kindBefore;
        await videoClock(own.userBackground)?.endClip();
        // the last exported frame stays on screen; a settings change redraws the preview
      }
    },

    cancelExport: () => video.cancel(),

    /** Forget the opened video (a photo or the camera took the stage). */
    forgetVideo: () => video.forget(),

    /** The result as a PNG Blob, or null. */
    async png() {
      if (canvas.convertToBlob) return canvas.convertToBlob({ type: 'image/png' }).catch(() => null);
      return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    },

    /** Run each GPU pipeline stage on tiny inputs against its JS reference (tests/e2e). */
    selfTest: async () => (await import('../compositor/selftest/selftest.js')).runSelfTest(),

    /** What tests look at: tensors, GL objects and uploads, the mask on screen. */
    probe({ withMask = false } = {}) {
      const mask = result.mask;
      return {
        numTensors: globalThis.tf?.memory().numTensors ?? 0,
        backend: own.backend,
        compositorKind: own.compositor?.kind ?? null,
        compositorSettings: own.compositor?.settings ?? null,
        resources: own.compositor?.resources?.() ?? null,
        mask: mask && { width: mask.width, height: mask.height, model: mask.model, ...(withMask ? { data: Float32Array.from(mask.data) } : {}) },
        mode: result.kind,
        backgroundFramesReceived: isStreamedBackground(own.userBackground) ? own.userBackground.received : null,
      };
    },

    /** Only on the main thread (tests that reach inside): the live objects themselves. */
    internals: {
      models,
      get compositor() {
        return own.compositor;
      },
      get lastMask() {
        return result.mask;
      },
      segmenterFor,
    },
  };
  return engine;
}

