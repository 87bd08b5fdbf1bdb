// Wiring only: connects the page's controls to the two segmenters (segmenter/modelSet.js), the
// compositor, the webcam and the photo inputs. Each of those lives in its own module.
//
// For automation (tests/e2e): window.greenscreen = {ready, segmenter, segmenters, compositor,
// lastMask, stats, state, processPhoto, …} (see `api` at the end).

import { createCompositor } from './compositor/index.js';
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
import { createWebcam } from './input/webcam.js';
import { createModelSet } from './segmenter/modelSet.js';
import { MAX_COMPOSITE_PIXELS } from './settings/config.js';
import { loadSettings, saveSettings } from './settings/userSettings.js';
import { bindControls, fillBackgroundOptions, showWebcamState, syncControls } from './ui/controls.js';
import { downloadCanvas, downloadName } from './ui/download.js';
import { findElements } from './ui/elements.js';
import { UserError } from './ui/messages.js';
import { modelStatusText } from './ui/modelcard.js';
import { createModelPanel } from './ui/modelPanel.js';
import { createFpsMeter, createRunningMean, formatStats } from './ui/stats.js';
import { createStatusLine } from './ui/status.js';

const ui = findElements(document);
const settings = loadSettings(globalThis.localStorage);
const state = {
  mode: 'idle', // 'idle' | 'photo' | 'webcam'
  backend: null,
  model: 'loading', // the live model, which the page needs to start: 'loading' | 'ready' | 'error'
  models: { live: 'idle', photo: 'idle' }, // each 'idle' | 'loading' | 'ready' | 'error'
  resultModel: null, // which model made the result on screen: 'live' | 'photo' | null
  webcam: 'off',
  error: null, // the message shown in #status when the last action failed
  modelError: null,
  notice: null,
  backendNotice: null, // why the backend differs from the one asked for
  contextLosses: 0,
  photo: null, // {name, width, height, originalWidth, originalHeight, capped}
  settings,
};
const stats = { fps: 0, inferenceMs: 0, compositeMs: 0, frames: 0, numTensors: 0 };
const fpsMeter = createFpsMeter(30);
const inferenceMean = createRunningMean(0.1);
const compositeMean = createRunningMean(0.1);
const status = createStatusLine(ui, state);
const modelPanel = createModelPanel(ui);
const progress = { live: 0, photo: 0 };
// ?compositor=canvas2d forces the fallback (default: WebGL2 when the browser has it).
const compositorChoice = new URLSearchParams(globalThis.location?.search).get('compositor') ?? 'auto';

let compositor = null;
let userBackground = null; // ImageBitmap of the uploaded background
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
      if (segmenter.backend === settings.backend) state.backendNotice = null;
      ui.backendSelect.value = segmenter.backend === 'cpu' ? settings.backend : segmenter.backend;
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
  reloadModels(settings.backend, { fresh: true }).then(
    () => status.message(`Recovered from a lost GPU context; running on ${state.backend}.`, 'notice'),
    () => {},
  );
}

/** The ready segmenter for `kind`, loading the photo model on first use; throws a UserError. */
async function segmenterFor(kind) {
  if (reloading) await reloading.catch(() => {});
  if (kind === 'photo' && models.status('photo') !== 'ready') status.message('Loading the photo model…');
  try {
    return await models.load(kind, state.backend ?? settings.backend);
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
  if (state.mode === 'webcam' || !lastSource || !lastMask || !compositor) return;
  compositor.update(liveSettings());
  stats.compositeMs = compositor.render(lastSource, lastMask);
  showStats();
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
  if (webcam.state !== 'off') {
    webcam.stop();
    await frameInFlight; // a camera frame still in flight must not overwrite the photo's result
  }
  status.message('Reading the photo…');
  try {
    const photo = await loadPhoto(file, MAX_COMPOSITE_PIXELS);
    const segmenter = await segmenterFor('photo');
    status.message('Finding the person…');
    const { mask, inferenceMs, compositeMs } = await renderPhoto({
      segmenter,
      compositor: () => {
        compositor.update(liveSettings('photo')); // a photo is never mirrored
        return compositor;
      },
      image: photo.image,
      flip: settings.photoFlipTTA,
    });
    Object.assign(stats, { inferenceMs, compositeMs, fps: 0 });
    if (lastSource instanceof ImageBitmap && lastSource !== photo.image) lastSource.close();
    lastSource = photo.image;
    lastMask = mask;
    state.mode = 'photo';
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
      result = await renderVideoFrame({
        segmenter,
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
    if (stats.frames % 10 === 1) showStats();
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
}

function onWebcamState(webcamState) {
  state.webcam = webcamState;
  showWebcamState(ui, webcamState);
  if (webcamState === 'on') {
    state.mode = 'webcam';
    fpsMeter.reset();
    inferenceMean.reset();
    compositeMean.reset();
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
  if (!models.get('live')) {
    const why = state.model === 'loading' ? 'still loading: try again in a moment' : `not loaded: ${state.modelError}`;
    status.error(new UserError(`The model is ${why}.`));
    return;
  }
  status.message('Asking for the camera…');
  webcam.start();
}

// ---------------------------------------------------------------- controls

function changeSettings(changes, { structural = false } = {}) {
  Object.assign(settings, changes);
  saveSettings(globalThis.localStorage, settings);
  syncControls(ui, settings);
  if (structural) return rebuildCompositor().catch(status.error);
  compositor?.update(liveSettings());
  renderStill();
  return Promise.resolve();
}

function showBackgroundOptions() {
  fillBackgroundOptions(ui, BUILT_IN_BACKGROUNDS, userBackground ? USER_BACKGROUND_ID : null);
}

const handlers = {
  change: changeSettings,
  backend(backend) {
    changeSettings({ backend });
    status.message(`Switching to ${backend}…`);
    reloadModels(backend).then(() => status.message(`Now running on ${state.backend}.`), () => {});
  },
  async uploadBackground(file) {
    try {
      const image = await useUploadedBackground(file);
      userBackground?.close();
      userBackground = image;
      showBackgroundOptions();
      await changeSettings({ background: 'image', backgroundId: USER_BACKGROUND_ID }, { structural: true });
      status.message('Background picture set; it is kept in this browser for your next visit.');
    } catch (error) {
      status.error(error);
    }
  },
  async forgetBackground() {
    await forgetUploadedBackground().catch(() => {});
    userBackground?.close();
    userBackground = null;
    showBackgroundOptions();
    if (settings.backgroundId === USER_BACKGROUND_ID) {
      await changeSettings({ background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id }, { structural: true });
    }
    status.message('Uploaded background forgotten.');
  },
  toggleWebcam,
  async download() {
    const name = downloadName(state.mode === 'photo' && lastSource instanceof ImageBitmap ? state.photo?.name : 'camera');
    if (!(await downloadCanvas(ui.result, name))) status.error(new UserError('The result could not be encoded as PNG.'));
  },
};

// ---------------------------------------------------------------- start

async function start() {
  userBackground = await restoreUploadedBackground();
  if (!userBackground && settings.backgroundId === USER_BACKGROUND_ID) settings.backgroundId = BUILT_IN_BACKGROUNDS[0].id;
  showBackgroundOptions();
  syncControls(ui, settings);
  bindControls(ui, handlers);
  bindPhotoSources({ input: ui.photoInput, dropZone: ui.dropZone, onFile: (file) => processPhoto(file).catch(() => {}) });
  const compositorReady = rebuildCompositor();
  await models.load('live', settings.backend); // the photo model waits for the first photo
  await compositorReady;
  showStats();
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
};
api.ready = start();
api.ready.catch(() => {}); // failures are shown in #status; awaiting `ready` still sees them
window.greenscreen = api;
