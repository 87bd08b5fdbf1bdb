// Wiring only: connects the page's controls to the two segmenters (segmenter/modelSet.js), the
// compositor, the webcam and the photo inputs. Each of those lives in its own module.
//
// For automation (tests/e2e): window.greenscreen = {ready, segmenter, segmenters, compositor,
// lastMask, stats, state, processPhoto, …} (see `api` at the end).

import { createCompositor, outputContext } from './compositor/index.js';
import { createMainPersonFilter, filteredSegmenter } from './compositor/mainPerson.js';
import { sourceSize } from './compositor/geometry.js';
import { renderPhoto, renderVideoFrame } from './framePath.js';
import {
  BUILT_IN_BACKGROUNDS,
  USER_BACKGROUND_ID,
  forgetUploadedBackground,
  loadBuiltInBackground,
  restoreUploadedBackground,
  useUploadedBackground,
} from './input/backgrounds.js';
import { bindPhotoSources, loadPhoto } from './input/photo.js';
import { releaseVideoBackground, seekVideoBackground } from './input/videoBackground.js';
import { isVideoFile } from './input/videoFile.js';
import { createWebcam } from './input/webcam.js';
import { createRecordFlow } from './recordFlow.js';
import { measureBackends, timeSegmenter } from './segmenter/backendChoice.js';
import { createSegmenter } from './segmenter/index.js';
import { shareWebGLContext } from './segmenter/backend.js';
import { maskOnCPU } from './segmenter/index.js';
import { createModelSet } from './segmenter/modelSet.js';
import { MAX_COMPOSITE_PIXELS } from './settings/config.js';
import { AUTO_BACKEND, loadSettings, saveSettings } from './settings/userSettings.js';
import { bindControls, fillBackgroundOptions, showWebcamState, syncControls } from './ui/controls.js';
import { downloadCanvas, downloadName } from './ui/download.js';
import { findElements } from './ui/elements.js';
import { UserError } from './base/messages.js';
import { modelStatusText } from './ui/modelcard.js';
import { createModelPanel } from './ui/modelPanel.js';
import { createFpsMeter, createRunningMean, formatStats } from './ui/stats.js';
import { createStatusLine } from './ui/status.js';
import { createVideoFlow } from './videoFlow.js';

const ui = findElements(document);
const settings = loadSettings(globalThis.localStorage);
const state = {
  mode: 'idle', // 'idle' | 'photo' | 'webcam' | 'video' (a video file's first frame) | 'exporting'
  backend: null,
  model: 'loading', // the live model, which the page needs to start: 'loading' | 'ready' | 'error'
  models: { live: 'idle', photo: 'idle' }, // each 'idle' | 'loading' | 'ready' | 'error'
  resultModel: null, // which model made the result on screen: 'live' | 'photo' | null
  webcam: 'off',
  error: null, // the message shown in #status when the last action failed
  modelError: null,
  notice: null,
  backendNotice: null, // why the backend differs from the one asked for
  backendChoice: null, // {backend, reason, timings} when the backend was measured at start
  contextLosses: 0,
  photo: null, // {name, width, height, originalWidth, originalHeight, capped}
  settings,
};
const stats = { fps: 0, inferenceMs: 0, compositeMs: 0, frames: 0, numTensors: 0, photo: null };
const fpsMeter = createFpsMeter(30);
const inferenceMean = createRunningMean(0.1);
const compositeMean = createRunningMean(0.1);
const status = createStatusLine(ui, state);
const modelPanel = createModelPanel(ui);
const progress = { live: 0, photo: 0 };
// ?compositor=canvas2d forces the fallback (default: WebGL2 when the browser has it).
const compositorChoice = new URLSearchParams(globalThis.location?.search).get('compositor') ?? 'auto';

let compositor = null;
let userBackground = null; // the uploaded background: an ImageBitmap, or a looping <video>
let rawMask = null; // the model's mask for the still on screen, before "only the main person"
let lastStatsAt = 0;
const liveMainPerson = createMainPersonFilter(); // camera and video frames: keeps its choice between frames
let backgroundClock = 0; // performance.now() when the camera started: a video background's time 0
let backendDecided = null; // resolves to the backend to load once the start-up measurement is done
let lastSource = null; // what the current result was made from (photo bitmap or last camera frame)
let lastMask = null;
let frameInFlight = Promise.resolve();
let videoSession = 0; // bumped when a camera (or video) stops: its frames still in flight are dropped
let reloading = null; // the model reload under way (backend switch, lost context), or null

function showStats() {
  stats.numTensors = globalThis.tf?.memory().numTensors ?? 0;
  ui.stats.textContent = formatStats(stats);
}

// ---------------------------------------------------------------- models

function showModelStatus() {
  const describe = (kind) => ({
    status: models.status(kind),
    inputSize: models.get(kind)?.inputSize,
    progress: progress[kind],
  });
  const { text, kind } = modelStatusText({ live: describe('live'), photo: describe('photo') });
  status.model(text, kind);
  const shown = state.resultModel ?? 'live';
  modelPanel.show(shown, models.get(shown), { producedResult: state.resultModel !== null });
}

const models = createModelSet({
  onChange(kind, { status: modelStatus, progress: fraction, segmenter, error }) {
    state.models[kind] = modelStatus;
    if (fraction !== undefined) {
      progress[kind] = fraction;
      modelPanel.progress(fraction);
    }
    if (kind === 'live') {
      state.model = modelStatus;
      state.modelError = error?.message ?? null;
    }
    if (segmenter) {
      state.backend = segmenter.backend;
      if (segmenter.backend === wantedBackend()) state.backendNotice = null;
      if (settings.backend !== AUTO_BACKEND) ui.backendSelect.value = segmenter.backend === 'cpu' ? settings.backend : segmenter.backend;
    } else if (modelStatus === 'error') {
      state.backend = globalThis.tf?.getBackend() ?? null;
    }
    status.backend(kind === 'live' && modelStatus === 'loading' ? null : state.backend);
    if (error) status.error(error);
    showModelStatus();
  },
  onNotice(text) {
    state.backendNotice = text; // e.g. "WEBGL is not available …, so the model runs on WASM"
    status.message(text, 'notice');
  },
  onContextLost: recoverFromContextLoss,
});

/** Load both models again (the ones asked for so far) once no frame uses the old ones. */
function reloadModels(backend, { fresh = false } = {}) {
  reloading = (async () => {
    await frameInFlight;
    lastMask = maskOnCPU(lastMask); // a mask left on the GPU goes with the old models
    try {
      await models.reload(backend, { fresh });
    } finally {
      reloading = null;
    }
  })();
  return reloading;
}

/** The GPU took the WebGL context away: rebuild the backend and reload the models (cached). */
function recoverFromContextLoss() {
  if (reloading) return; // both models hear the same loss: one recovery serves them
  status.message('The GPU context was lost (a driver reset, or too many GPU pages); restarting the model…', 'notice');
  state.contextLosses++;
  reloadModels(wantedBackend(), { fresh: true }).then(
    () => status.message(`Recovered from a lost GPU context; running on ${state.backend}.`, 'notice'),
    () => {},
  );
}

/** The ready segmenter for `kind`, loading the photo model on first use; throws a UserError. */
async function segmenterFor(kind) {
  if (reloading) await reloading.catch(() => {});
  if (kind === 'photo' && models.status('photo') !== 'ready') status.message('Loading the photo model…');
  try {
    const backend = state.backend ?? (await backendDecided);
    return await models.load(kind, backend);
  } catch (error) {
    throw new UserError(`The ${kind} model is not loaded: ${error.message}`);
  }
}

// ---------------------------------------------------------------- compositing

function liveSettings(mode = state.mode) {
  return {
    color: settings.color,
    blurStrength: settings.blurStrength,
    feather: settings.feather,
    mirror: mode === 'webcam' && settings.mirror,
  };
}

async function backgroundImageFor(choice) {
  if (choice.background !== 'image') return null;
  if (choice.backgroundId === USER_BACKGROUND_ID) {
    if (!userBackground) throw new UserError('No uploaded background: choose one with "Upload your own picture".');
    return userBackground;
  }
  return loadBuiltInBackground(choice.backgroundId);
}

/** Structural change (background kind or picture): build a new compositor. */
async function rebuildCompositor() {
  let backgroundImage;
  try {
    backgroundImage = await backgroundImageFor(settings);
  } catch (error) {
    status.error(error);
    // fall back to the default picture so the page keeps working
    Object.assign(settings, { background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id });
    backgroundImage = await loadBuiltInBackground(settings.backgroundId);
    syncControls(ui, settings);
  }
  compositor?.cleanUp();
  compositor = createCompositor({
    compositor: compositorChoice,
    canvas: ui.result,
    background: settings.background,
    backgroundId: settings.backgroundId,
    backgroundImage,
    ...liveSettings(),
  });
  renderStill();
}

/** Re-composite the photo (or frozen camera frame) after a settings change; no new inference. */
function renderStill() {
  if (state.mode === 'webcam' || state.mode === 'exporting' || !lastSource || !lastMask || !compositor) return;
  if (rawMask) lastMask = settings.mainPerson ? createMainPersonFilter().apply(rawMask) : rawMask;
  compositor.update(liveSettings());
  compositor.render(lastSource, lastMask);
}

function showResult(modelKind) {
  ui.stageHint.hidden = true;
  ui.result.classList.add('has-result');
  ui.download.disabled = false;
  if (state.resultModel !== modelKind) {
    state.resultModel = modelKind;
    showModelStatus();
  }
}

// ---------------------------------------------------------------- photos

async function processPhoto(file) {
  if (videoFlow.exporting) {
    status.error(new UserError('A video is being exported: cancel it first, or wait until it is done.'));
    throw new UserError('busy exporting');
  }
  const started = performance.now(); // the user's wait starts now: every step below counts
  if (webcam.state !== 'off') {
    webcam.stop();
    await frameInFlight; // a camera frame still in flight must not overwrite the photo's result
  }
  status.message('Reading the photo…');
  try {
    const photo = await loadPhoto(file, MAX_COMPOSITE_PIXELS);
    const decoded = performance.now();
    const plain = await segmenterFor('photo');
    const modelReady = performance.now();
    status.message('Finding the person…');
    const { mask, inferenceMs, compositeMs } = await renderPhoto({
      segmenter: withMainPerson(plain, createMainPersonFilter(), { keepRaw: true }),
      compositor: () => {
        compositor.update(liveSettings('photo')); // a photo is never mirrored
        return compositor;
      },
      image: photo.image,
      flip: settings.photoFlipTTA,
    });
    await nextPaint(); // the GPU work issued by render() is done once the frame is on screen
    stats.photo = {
      totalMs: performance.now() - started,
      decodeMs: decoded - started,
      modelLoadMs: modelReady - decoded,
      inferenceMs,
      compositeMs: performance.now() - modelReady - inferenceMs, // issuing and finishing the GPU work
    };
    Object.assign(stats, { inferenceMs, compositeMs, fps: 0 });
    if (lastSource instanceof ImageBitmap && lastSource !== photo.image) lastSource.close();
    lastSource = photo.image;
    lastMask = mask;
    state.mode = 'photo';
    videoFlow.forget(); // Export video now would export a video no longer on screen
    state.photo = {
      name: file.name || null,
      width: photo.width,
      height: photo.height,
      originalWidth: photo.originalWidth,
      originalHeight: photo.originalHeight,
      capped: photo.capped,
    };
    showStats();
    showResult(mask.model);
    const megapixels = (MAX_COMPOSITE_PIXELS / 1e6).toFixed(0);
    status.message(
      photo.capped
        ? `Large photo (${photo.originalWidth}×${photo.originalHeight}): the result is ${photo.width}×${photo.height}, capped at ${megapixels} megapixels to protect memory.`
        : `Photo ${photo.width}×${photo.height} done.`,
      photo.capped ? 'notice' : 'info',
    );
    return state.photo;
  } catch (error) {
    status.error(error);
    throw error;
  }
}

// ---------------------------------------------------------------- webcam

/**
 * One frame of a playing <video> (the camera's, or another video's) at `timestamp` ms: live model,
 * smoothing with the frames before, composited. Frames are skipped while no model is ready.
 */
async function processFrame(video, timestamp = performance.now()) {
  const segmenter = reloading ? null : models.get('live');
  // no model (loading, or reloading after a backend switch) or no picture yet: skip this frame
  if (!segmenter || !compositor || video.readyState < 2 || !video.videoWidth) return;
  const session = videoSession;
  const done = (async () => {
    let result;
    try {
      // a video background shows the frame for this moment of the camera session
      if (backgroundIsVideo()) await seekVideoBackground(userBackground, (timestamp - backgroundClock) / 1000);
      result = await renderVideoFrame({
        segmenter: withMainPerson(segmenter, liveMainPerson),
        compositor: () => compositor,
        source: video,
        timestamp,
        smoothing: settings.smoothing,
      });
    } catch (error) {
      if (reloading || segmenter !== models.get('live') || segmenter.contextLost) return; // skip this frame
      throw error;
    }
    if (session !== videoSession) return; // stopped while the model ran: the still is already kept
    lastSource = video;
    lastMask = result.mask;
    stats.frames++;
    stats.fps = fpsMeter.tick(performance.now());
    stats.inferenceMs = inferenceMean.add(result.inferenceMs);
    stats.compositeMs = compositeMean.add(result.compositeMs);
    const now = performance.now();
    if (stats.frames === 1 || now - lastStatsAt >= 1000) {
      lastStatsAt = now; // once a second: a line that changes every frame cannot be read
      showStats();
    }
    if (stats.frames === 1 || state.resultModel !== result.mask.model) showResult(result.mask.model);
  })();
  frameInFlight = done.catch(() => {});
  await done;
}

/** Keep the last camera frame as a still, so settings and Download keep working after Stop. */
function freezeLastFrame() {
  if (!(lastSource instanceof HTMLVideoElement)) return;
  const { width, height } = sourceSize(lastSource);
  if (!width || !height) {
    lastSource = null;
    return;
  }
  const still = document.createElement('canvas');
  still.width = width;
  still.height = height;
  still.getContext('2d').drawImage(lastSource, 0, 0);
  lastSource = still;
  lastMask = maskOnCPU(lastMask); // a mask left on the GPU lasts only until the next frame
}

function onWebcamState(webcamState) {
  state.webcam = webcamState;
  recordFlow.cameraChanged(webcamState); // a recording ends with the camera, and is still saved
  showWebcamState(ui, webcamState);
  if (webcamState === 'on') {
    state.mode = 'webcam';
    fpsMeter.reset();
    inferenceMean.reset();
    compositeMean.reset();
    liveMainPerson.reset();
    backgroundClock = performance.now();
    stats.photo = null;
    videoFlow.forget();
    compositor?.update(liveSettings());
    status.message('Camera on.');
  } else if (webcamState === 'off' && state.mode === 'webcam') {
    videoSession++;
    freezeLastFrame();
    state.mode = lastSource ? 'photo' : 'idle';
    stats.fps = 0;
    showStats();
    renderStill();
    // The next camera start begins without the old frames' state (and holds no tensor meanwhile).
    models.get('live')?.resetVideo();
  }
}

const webcam = createWebcam({
  video: ui.video,
  onFrame: processFrame,
  onError: (text) => status.message(text, 'error'),
  onStateChange: onWebcamState,
});

function toggleWebcam() {
  if (webcam.state !== 'off') {
    webcam.stop();
    status.message('Camera off.');
    return;
  }
  if (videoFlow.exporting) {
    status.error(new UserError('A video is being exported: cancel it first, or wait until it is done.'));
    return;
  }
  if (!models.get('live')) {
    const why = state.model === 'loading' ? 'still loading: try again in a moment' : `not loaded: ${state.modelError}`;
    status.error(new UserError(`The model is ${why}.`));
    return;
  }
  status.message('Asking for the camera…');
  webcam.start();
}

// ---------------------------------------------------------------- video files, recording, main person

/**
 * Masks of `segmenter` with "only the main person" applied when it is on. A photo's raw mask is
 * kept (`keepRaw`) so toggling the option redraws it; a video frame's mask is only valid until
 * the next frame (segmentForVideo), so none is kept.
 */
function withMainPerson(segmenter, filter, { keepRaw = false } = {}) {
  return filteredSegmenter(segmenter, (mask) => {
    rawMask = keepRaw ? mask : null;
    return settings.mainPerson ? filter.apply(mask) : mask;
  });
}

/** Resolves once the frame drawn last is on screen (or after 100 ms in a hidden tab). */
function nextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => resolve());
    setTimeout(resolve, 100);
  });
}

const videoFlow = createVideoFlow({
  ui,
  status,
  segmenterFor,
  compositor: () => compositor,
  smoothing: () => settings.smoothing,
  maskFilter: (mask) => {
    rawMask = null;
    return settings.mainPerson ? liveMainPerson.apply(mask) : mask;
  },
  resetFilter: () => liveMainPerson.reset(),
  async beforeStart() {
    if (webcam.state !== 'off') {
      webcam.stop();
      await frameInFlight;
    }
  },
  onStill(image, mask) {
    if (lastSource instanceof ImageBitmap && lastSource !== image) lastSource.close();
    lastSource = image;
    lastMask = mask;
    stats.photo = null;
    showResult(mask.model);
  },
  onModeChange(mode) {
    state.mode = mode;
  },
  // A video background follows the exported video's clock, frame by frame, then plays on again.
  async beforeExportFrame(timestampMs) {
    if (backgroundIsVideo()) await seekVideoBackground(userBackground, timestampMs / 1000);
  },
  afterExport() {
    if (userBackground instanceof HTMLVideoElement) userBackground.play().catch(() => {});
  },
});

/** True when the background in use is an uploaded video. */
function backgroundIsVideo() {
  return userBackground instanceof HTMLVideoElement && settings.background === 'image' && settings.backgroundId === USER_BACKGROUND_ID;
}

const recordFlow = createRecordFlow({ button: ui.record, timer: ui.recordTimer, canvas: ui.result, status });
Object.defineProperty(state, 'recording', { get: () => recordFlow.recording, enumerable: true });

/** The backend to load: the user's choice, or the measured faster one ('webgl' until measured). */
function wantedBackend() {
  return settings.backend === AUTO_BACKEND ? (state.backendChoice?.backend ?? 'webgl') : settings.backend;
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

/** The backend to start on: measured when the setting is 'auto', else the user's own choice. */
async function decideBackend() {
  if (settings.backend !== AUTO_BACKEND) {
    ui.backendReason.textContent = 'Your choice (kept for your next visit).';
    return settings.backend;
  }
  status.message('Measuring which backend runs the model faster…');
  const choice = await measureBackends({
    backends: ['wasm', 'webgl'],
    timeBackend: timeLiveModel,
    onStep: (text) => {
      ui.backendReason.textContent = text;
    },
  });
  state.backendChoice = choice;
  ui.backendReason.textContent = `Measured: ${choice.reason}.`;
  status.message(`Running on ${choice.backend.toUpperCase()}, the faster here: ${choice.reason}.`);
  return choice.backend;
}

// ---------------------------------------------------------------- controls

function changeSettings(changes, { structural = false } = {}) {
  if (structural) status.clear('background'); // "Background picture set" no longer holds
  Object.assign(settings, changes);
  saveSettings(globalThis.localStorage, settings);
  syncControls(ui, settings);
  if (structural) return rebuildCompositor().catch(status.error);
  compositor?.update(liveSettings());
  renderStill();
  return Promise.resolve();
}

/** Free an uploaded background: close a picture, stop a video. */
function releaseBackground(background) {
  if (background instanceof HTMLVideoElement) releaseVideoBackground(background);
  else background?.close?.();
}

function showBackgroundOptions() {
  const label = userBackground instanceof HTMLVideoElement ? 'Your video' : 'Your picture';
  fillBackgroundOptions(ui, BUILT_IN_BACKGROUNDS, userBackground ? USER_BACKGROUND_ID : null, label);
}

const handlers = {
  change: changeSettings,
  backend(backend) {
    changeSettings({ backend });
    if (backend === AUTO_BACKEND) {
      backendDecided = decideBackend();
      backendDecided.then((measured) => reloadModels(measured)).catch(status.error);
      return;
    }
    state.backendChoice = null;
    ui.backendReason.textContent = 'Your choice (kept for your next visit).';
    status.message(`Switching to ${backend}…`);
    reloadModels(backend).then(() => status.message(`Now running on ${state.backend}.`), () => {});
  },
  async uploadBackground(file) {
    try {
      const image = await useUploadedBackground(file);
      releaseBackground(userBackground);
      userBackground = image;
      showBackgroundOptions();
      await changeSettings({ background: 'image', backgroundId: USER_BACKGROUND_ID }, { structural: true });
      const kind = image instanceof HTMLVideoElement ? 'video (looping, muted)' : 'picture';
      status.message(`Background ${kind} set; it is kept in this browser for your next visit.`, 'info', 'background');
    } catch (error) {
      status.error(error);
    }
  },
  async forgetBackground() {
    await forgetUploadedBackground().catch(() => {});
    const forgotten = userBackground;
    userBackground = null;
    showBackgroundOptions();
    if (settings.backgroundId === USER_BACKGROUND_ID) {
      await changeSettings({ background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id }, { structural: true });
    }
    releaseBackground(forgotten); // after the compositor that drew it is gone
    status.message('Uploaded background forgotten.', 'info', 'background');
  },
  toggleWebcam,
  chooseVideo: (file) => videoFlow.choose(file).catch(() => {}),
  async download() {
    const name = downloadName(state.mode === 'photo' && lastSource instanceof ImageBitmap ? state.photo?.name : 'camera');
    if (!(await downloadCanvas(ui.result, name))) status.error(new UserError('The result could not be encoded as PNG.'));
  },
};

// ---------------------------------------------------------------- start

async function start() {
  // TF.js computes in the WebGL context the compositor draws with: a frame is uploaded once and
  // its mask never leaves the GPU (before the first model loads; no-op for the Canvas2D compositor).
  shareWebGLContext(outputContext(ui.result, compositorChoice));
  userBackground = await restoreUploadedBackground();
  if (!userBackground && settings.backgroundId === USER_BACKGROUND_ID) settings.backgroundId = BUILT_IN_BACKGROUNDS[0].id;
  showBackgroundOptions();
  syncControls(ui, settings);
  bindControls(ui, handlers);
  bindPhotoSources({
    input: ui.photoInput,
    dropZone: ui.dropZone,
    // a dropped or pasted video goes to the video path, a picture to the photo path
    onFile: (file) => (isVideoFile(file) ? handlers.chooseVideo(file) : processPhoto(file).catch(() => {})),
  });
  const compositorReady = rebuildCompositor();
  backendDecided = decideBackend(); // the page answers meanwhile: a photo dropped now waits for it
  await models.load('live', await backendDecided); // the photo model waits for the first photo
  await compositorReady;
  if (state.error || state.mode !== 'idle') return api;
  if (state.backendNotice) status.message(state.backendNotice, 'notice');
  else status.message('Ready. Drop a photo or start the camera.');
  return api;
}

const api = {
  ready: null,
  /** The live segmenter (camera and video frames), or null while it loads. */
  get segmenter() {
    return models.get('live');
  },
  /** Both segmenters: {live, photo}, each null until loaded (photo: after the first photo). */
  get segmenters() {
    return { live: models.get('live'), photo: models.get('photo') };
  },
  get compositor() {
    return compositor;
  },
  get lastMask() {
    return lastMask;
  },
  stats,
  state,
  /** The ready segmenter for 'live' or 'photo', loading it first when needed. */
  segmenterFor,
  /** Segment and composite a photo Blob/File, as if dropped on the page; resolves to its size. */
  processPhoto,
  /** One camera or video frame through the live model and the compositor (what the webcam loop does). */
  processFrame,
  /** 'webgl2' (the GPU pipeline) or 'canvas2d' (the fallback). */
  get compositorKind() {
    return compositor?.kind ?? null;
  },
  /** Run each GPU pipeline stage on tiny inputs against its JS reference (tests/e2e). */
  pipelineSelfTest: async () => (await import('./compositor/selftest/selftest.js')).runSelfTest(),
  /** The result canvas as a MediaStream (e.g. to hand to a video call); 30 fps by default. */
  captureStream: (fps = 30) => ui.result.captureStream(fps),
  startWebcam: () => webcam.start(),
  stopWebcam: () => webcam.stop(),
  /** Open a video File as the source (as if chosen in #video-input); resolves to its size, or rejects. */
  processVideo: (file) => videoFlow.choose(file),
  /** Export the chosen video (as #export-video does); resolves when the download is handed over. */
  exportVideo: () => videoFlow.export(),
  cancelExport: () => videoFlow.cancel(),
  /** The uploaded background: {kind: 'video', loop, muted, currentTime} or {kind: 'picture'}, or null. */
  get userBackground() {
    if (userBackground instanceof HTMLVideoElement) {
      const { loop, muted, currentTime } = userBackground;
      return { kind: 'video', loop, muted, currentTime };
    }
    return userBackground ? { kind: 'picture' } : null;
  },
  /** Use a picture or video File as the background (as "Upload a picture or video" does). */
  uploadBackground: (file) => handlers.uploadBackground(file),
  get exporting() {
    return videoFlow.exporting;
  },
};
api.ready = start();
api.ready.catch(() => {}); // failures are shown in #status; awaiting `ready` still sees them
window.greenscreen = api;
