// Wiring only: connects the page's controls to the segmenter, the compositor, the webcam and the
// photo inputs. Each of those lives in its own module.
//
// For automation (tests/e2e): window.greenscreen = {ready, segmenter, stats, lastMask, state, …}.

import { DEFAULT_SEGMENTER_CONFIG, MAX_COMPOSITE_PIXELS } from './settings/config.js';
import {
  BUILT_IN_BACKGROUNDS,
  USER_BACKGROUND_ID,
  forgetUploadedBackground,
  loadBuiltInBackground,
  restoreUploadedBackground,
  useUploadedBackground,
} from './input/backgrounds.js';
import { sourceSize } from './compositor/geometry.js';
import { createTemporalSmoother } from './compositor/maskmath.js';
import { summarizeCard } from './ui/modelcard.js';
import { UserError, bindPhotoSources, loadPhoto } from './input/photo.js';
import { createPreferredCompositor } from './compositor/webgl2/compositor.js';
import { createSegmenter } from './segmenter/index.js';
import { backgroundChoiceValue, loadSettings, parseBackgroundChoice, saveSettings } from './settings/userSettings.js';
import { createFpsMeter, createRunningMean, formatStats } from './ui/stats.js';
import { createWebcam } from './input/webcam.js';

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'),
  statusBackend: $('status-backend'),
  statusModel: $('status-model'),
  statusMessage: $('status-message'),
  result: $('result'),
  dropZone: $('drop-zone'),
  stageHint: $('stage-hint'),
  stats: $('stats'),
  download: $('download'),
  video: $('webcam-video'),
  photoInput: $('photo-input'),
  webcamStart: $('webcam-start'),
  hintWebcam: $('hint-webcam'),
  mirror: $('mirror-toggle'),
  tta: $('tta-toggle'),
  backgroundSelect: $('background-select'),
  backgroundPictures: $('background-pictures'),
  backgroundInput: $('background-input'),
  backgroundForget: $('background-forget'),
  blurField: $('blur-field'),
  blur: $('blur-strength'),
  blurValue: $('blur-value'),
  colorField: $('color-field'),
  color: $('color-picker'),
  feather: $('feather'),
  featherValue: $('feather-value'),
  smoothing: $('smoothing'),
  smoothingValue: $('smoothing-value'),
  backendSelect: $('backend-select'),
  modelProgress: $('model-progress'),
  modelProgressText: $('model-progress-text'),
  modelCard: $('model-card'),
};

const settings = loadSettings(globalThis.localStorage);
const state = {
  mode: 'idle', // 'idle' | 'photo' | 'webcam'
  backend: null,
  model: 'loading', // 'loading' | 'ready' | 'error'
  webcam: 'off',
  error: null, // the message shown in #status when the last action failed
  modelError: null,
  notice: null,
  backendNotice: null, // why the backend differs from the one asked for
  contextLosses: 0,
  photo: null, // {width, height, originalWidth, originalHeight, capped}
  settings,
};
const stats = { fps: 0, inferenceMs: 0, compositeMs: 0, frames: 0, numTensors: 0 };
const fpsMeter = createFpsMeter(30);
const inferenceMean = createRunningMean(0.1);
const compositeMean = createRunningMean(0.1);
const smoother = createTemporalSmoother(); // the Canvas2D path's; the WebGL2 pipeline smooths on the GPU
// ?compositor=canvas2d forces the fallback (default: WebGL2 when the browser has it).
const compositorChoice = new URLSearchParams(globalThis.location?.search).get('compositor') ?? 'auto';

let segmenter = null;
let compositor = null;
let card = null;
let userBackground = null; // ImageBitmap of the uploaded background
let lastSource = null; // what the current result was made from (photo bitmap or last camera frame)
let lastMask = null;
let frameInFlight = Promise.resolve();

// ---------------------------------------------------------------- status line

function setMessage(text, kind = 'info') {
  ui.statusMessage.textContent = text ?? '';
  ui.statusMessage.dataset.kind = kind;
  state.error = kind === 'error' ? text : null;
  state.notice = kind === 'notice' ? text : null;
}

function showError(error) {
  const text = error instanceof Error ? error.message : String(error);
  if (!(error instanceof UserError)) console.error(error);
  setMessage(text, 'error');
}

function setModelStatus(text, kind) {
  ui.statusModel.textContent = `model: ${text}`;
  ui.statusModel.dataset.kind = kind;
}

function setBackendStatus(backend) {
  ui.statusBackend.textContent = `backend: ${backend ?? '—'}`;
  ui.statusBackend.dataset.kind = backend ? 'ok' : 'pending';
}

function setProgress(fraction) {
  ui.modelProgress.value = fraction;
  ui.modelProgressText.textContent = `${Math.round(fraction * 100)} %`;
}

function showStats() {
  stats.numTensors = globalThis.tf?.memory().numTensors ?? 0;
  ui.stats.textContent = formatStats(stats);
}

// ---------------------------------------------------------------- model

async function loadCard() {
  try {
    const response = await fetch(DEFAULT_SEGMENTER_CONFIG.cardUrl);
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}

function showCard(modelCard, segmenterInfo) {
  const rows = summarizeCard(modelCard);
  if (!rows.some(([label]) => label === 'Input') && segmenterInfo) {
    rows.push(['Input', segmenterInfo.inputSize.join('×')]);
  }
  ui.modelCard.replaceChildren(
    ...rows.flatMap(([label, value]) => {
      const term = document.createElement('dt');
      term.textContent = label;
      const detail = document.createElement('dd');
      detail.textContent = value;
      return [term, detail];
    }),
  );
}

async function loadModel(backend, { freshBackend = false } = {}) {
  const previous = segmenter;
  segmenter = null; // the camera loop skips frames until the new one is ready
  await frameInFlight;
  previous?.dispose();
  state.model = 'loading';
  setModelStatus('loading…', 'pending');
  setBackendStatus(null);
  setProgress(0);
  try {
    const loaded = await createSegmenter({
      backend,
      inputSize: card?.input_size ?? null,
      onProgress: (fraction) => {
        setProgress(fraction);
        setModelStatus(fraction < 1 ? `downloading ${Math.round(fraction * 100)} %` : 'starting…', 'pending');
      },
      onNotice: (text) => {
        state.backendNotice = text; // e.g. "WEBGL is not available …, so the model runs on WASM"
        setMessage(text, 'notice');
      },
      onContextLost: recoverFromContextLoss,
      freshBackend,
    });
    segmenter = loaded;
    if (loaded.backend === backend) state.backendNotice = null;
    state.backend = loaded.backend;
    state.model = 'ready';
    state.modelError = null;
    ui.backendSelect.value = loaded.backend === 'cpu' ? backend : loaded.backend;
    setBackendStatus(loaded.backend);
    setModelStatus(`ready (${loaded.inputSize.join('×')})`, 'ok');
    showCard(card, loaded);
    smoother.reset();
    return loaded;
  } catch (error) {
    state.model = 'error';
    state.modelError = error.message;
    state.backend = globalThis.tf?.getBackend() ?? null;
    setBackendStatus(state.backend);
    setModelStatus('not loaded', 'error');
    showError(error);
    throw error;
  }
}

/** The GPU took the WebGL context away: rebuild the backend and reload the model (cached). */
function recoverFromContextLoss() {
  setMessage('The GPU context was lost (a driver reset, or too many GPU pages); restarting the model…', 'notice');
  state.contextLosses++;
  loadModel(settings.backend, { freshBackend: true }).then(
    () => setMessage(`Recovered from a lost GPU context; running on ${state.backend}.`, 'notice'),
    () => {},
  );
}

function requireSegmenter() {
  if (segmenter) return segmenter;
  throw new UserError(
    state.model === 'loading'
      ? 'The model is still loading: try again in a moment.'
      : `The model is not loaded${state.modelError ? `: ${state.modelError}` : '.'}`,
  );
}

// ---------------------------------------------------------------- compositing

function liveSettings() {
  return {
    color: settings.color,
    blurStrength: settings.blurStrength,
    feather: settings.feather,
    mirror: state.mode === 'webcam' && settings.mirror,
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
  const choice = { background: settings.background, backgroundId: settings.backgroundId };
  let backgroundImage;
  try {
    backgroundImage = await backgroundImageFor(choice);
  } catch (error) {
    showError(error);
    // fall back to the default picture so the page keeps working
    Object.assign(settings, { background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id });
    backgroundImage = await loadBuiltInBackground(settings.backgroundId);
    syncControls();
  }
  compositor?.cleanUp();
  compositor = createPreferredCompositor({
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

function showResult() {
  ui.stageHint.hidden = true;
  ui.result.classList.add('has-result');
  ui.download.disabled = false;
}

// ---------------------------------------------------------------- photos

async function processPhoto(file) {
  if (webcam.state !== 'off') {
    webcam.stop();
    await frameInFlight; // a camera frame still in flight must not overwrite the photo's result
  }
  setMessage('Reading the photo…');
  try {
    const photo = await loadPhoto(file, MAX_COMPOSITE_PIXELS);
    const active = requireSegmenter();
    setMessage('Finding the person…');
    const started = performance.now();
    const mask = await active.segment(photo.image, { flip: settings.photoFlipTTA });
    stats.inferenceMs = performance.now() - started;
    stats.fps = 0;
    if (lastSource instanceof ImageBitmap && lastSource !== photo.image) lastSource.close();
    lastSource = photo.image;
    lastMask = mask;
    state.mode = 'photo';
    state.photo = {
      width: photo.width,
      height: photo.height,
      originalWidth: photo.originalWidth,
      originalHeight: photo.originalHeight,
      capped: photo.capped,
    };
    renderStill();
    showResult();
    const megapixels = (MAX_COMPOSITE_PIXELS / 1e6).toFixed(0);
    setMessage(
      photo.capped
        ? `Large photo (${photo.originalWidth}×${photo.originalHeight}): the result is ${photo.width}×${photo.height}, capped at ${megapixels} megapixels to protect memory.`
        : `Photo ${photo.width}×${photo.height} done.`,
      photo.capped ? 'notice' : 'info',
    );
    return state.photo;
  } catch (error) {
    showError(error);
    throw error;
  }
}

// ---------------------------------------------------------------- webcam

async function processFrame(video) {
  const active = segmenter;
  // no model (loading, or reloading after a backend switch) or no picture yet: skip this frame
  if (!active || !compositor || video.readyState < 2 || !video.videoWidth) return;
  const done = (async () => {
    const started = performance.now();
    let raw;
    try {
      raw = await active.segment(video);
    } catch (error) {
      if (active !== segmenter || active.contextLost) return; // reloading: skip this frame
      throw error;
    }
    const inferred = performance.now();
    const gpuSmoothing = compositor.kind === 'webgl2';
    const mask = gpuSmoothing ? raw : { ...raw, data: smoother.apply(raw.data, settings.smoothing) };
    lastSource = video;
    lastMask = mask;
    const compositeMs = compositor.render(video, mask, { smoothing: settings.smoothing });
    stats.frames++;
    stats.fps = fpsMeter.tick(performance.now());
    stats.inferenceMs = inferenceMean.add(inferred - started);
    stats.compositeMs = compositeMean.add(compositeMs);
    if (stats.frames % 10 === 1) showStats();
    if (stats.frames === 1) showResult();
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

const webcam = createWebcam({
  video: ui.video,
  onFrame: processFrame,
  onError: (text) => setMessage(text, 'error'),
  onStateChange: (webcamState) => {
    state.webcam = webcamState;
    const on = webcamState !== 'off';
    ui.webcamStart.textContent = on ? 'Stop camera' : 'Start camera';
    ui.webcamStart.setAttribute('aria-pressed', String(on));
    ui.webcamStart.classList.toggle('active', on);
    ui.hintWebcam.textContent = on ? 'Starting…' : 'Start camera';
    if (webcamState === 'on') {
      state.mode = 'webcam';
      fpsMeter.reset();
      inferenceMean.reset();
      compositeMean.reset();
      smoother.reset();
      compositor?.resetSmoothing?.();
      compositor?.update(liveSettings());
      setMessage('Camera on.');
    } else if (webcamState === 'off' && state.mode === 'webcam') {
      freezeLastFrame();
      state.mode = lastSource ? 'photo' : 'idle';
      stats.fps = 0;
      showStats();
      renderStill();
    }
  },
});

function toggleWebcam() {
  if (webcam.state === 'off') {
    if (!segmenter) {
      showError(new UserError(requireSegmenterMessage()));
      return;
    }
    setMessage('Asking for the camera…');
    webcam.start();
  } else {
    webcam.stop();
    setMessage('Camera off.');
  }
}

function requireSegmenterMessage() {
  try {
    requireSegmenter();
    return '';
  } catch (error) {
    return error.message;
  }
}

// ---------------------------------------------------------------- download

function download() {
  ui.result.toBlob((blob) => {
    if (!blob) {
      showError(new UserError('The result could not be encoded as PNG.'));
      return;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'greenscreen.png';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, 'image/png');
}

// ---------------------------------------------------------------- controls

function fillBackgroundOptions() {
  const options = BUILT_IN_BACKGROUNDS.map(({ id, label }) => new Option(label, `image:${id}`));
  if (userBackground) options.push(new Option('Your picture', `image:${USER_BACKGROUND_ID}`));
  ui.backgroundPictures.replaceChildren(...options);
  ui.backgroundForget.hidden = !userBackground;
}

function syncControls() {
  ui.backgroundSelect.value = backgroundChoiceValue(settings);
  ui.blur.value = settings.blurStrength;
  ui.blurValue.textContent = `${settings.blurStrength}`;
  ui.color.value = settings.color;
  ui.feather.value = settings.feather;
  ui.featherValue.textContent = settings.feather.toFixed(2);
  ui.smoothing.value = settings.smoothing;
  ui.smoothingValue.textContent = settings.smoothing.toFixed(2);
  ui.mirror.checked = settings.mirror;
  ui.tta.checked = settings.photoFlipTTA;
  ui.backendSelect.value = settings.backend;
  ui.blurField.hidden = settings.background !== 'blur';
  ui.colorField.hidden = settings.background !== 'color';
  ui.dropZone.dataset.background = settings.background;
}

function changeSettings(changes, { structural = false } = {}) {
  Object.assign(settings, changes);
  saveSettings(globalThis.localStorage, settings);
  syncControls();
  if (structural) return rebuildCompositor().catch(showError);
  compositor?.update(liveSettings());
  renderStill();
  return Promise.resolve();
}

function bindControls() {
  ui.backgroundSelect.addEventListener('change', () =>
    changeSettings(parseBackgroundChoice(ui.backgroundSelect.value), { structural: true }),
  );
  ui.blur.addEventListener('input', () => changeSettings({ blurStrength: Number(ui.blur.value) }));
  ui.color.addEventListener('input', () => changeSettings({ color: ui.color.value }));
  ui.feather.addEventListener('input', () => changeSettings({ feather: Number(ui.feather.value) }));
  ui.smoothing.addEventListener('input', () => changeSettings({ smoothing: Number(ui.smoothing.value) }));
  ui.mirror.addEventListener('change', () => changeSettings({ mirror: ui.mirror.checked }));
  ui.tta.addEventListener('change', () => changeSettings({ photoFlipTTA: ui.tta.checked }));
  ui.backendSelect.addEventListener('change', () => {
    const backend = ui.backendSelect.value;
    changeSettings({ backend });
    setMessage(`Switching to ${backend}…`);
    loadModel(backend).then(() => setMessage(`Now running on ${state.backend}.`), () => {});
  });
  ui.backgroundInput.addEventListener('change', async () => {
    const file = ui.backgroundInput.files?.[0];
    ui.backgroundInput.value = '';
    if (!file) return;
    try {
      const image = await useUploadedBackground(file);
      userBackground?.close();
      userBackground = image;
      fillBackgroundOptions();
      await changeSettings({ background: 'image', backgroundId: USER_BACKGROUND_ID }, { structural: true });
      setMessage('Background picture set; it is kept in this browser for your next visit.');
    } catch (error) {
      showError(error);
    }
  });
  ui.backgroundForget.addEventListener('click', async () => {
    await forgetUploadedBackground().catch(() => {});
    userBackground?.close();
    userBackground = null;
    fillBackgroundOptions();
    if (settings.backgroundId === USER_BACKGROUND_ID) {
      await changeSettings({ background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id }, { structural: true });
    }
    setMessage('Uploaded background forgotten.');
  });
  ui.webcamStart.addEventListener('click', toggleWebcam);
  ui.hintWebcam.addEventListener('click', toggleWebcam);
  ui.download.addEventListener('click', download);
  bindPhotoSources({
    input: ui.photoInput,
    dropZone: ui.dropZone,
    onFile: (file) => processPhoto(file).catch(() => {}),
  });
}

// ---------------------------------------------------------------- start

async function start() {
  userBackground = await restoreUploadedBackground();
  if (!userBackground && settings.backgroundId === USER_BACKGROUND_ID) settings.backgroundId = BUILT_IN_BACKGROUNDS[0].id;
  fillBackgroundOptions();
  syncControls();
  bindControls();
  const compositorReady = rebuildCompositor();
  card = await loadCard();
  showCard(card, null);
  await loadModel(settings.backend);
  await compositorReady;
  showStats();
  if (state.error || state.mode !== 'idle') return api;
  if (state.backendNotice) setMessage(state.backendNotice, 'notice');
  else setMessage('Ready. Drop a photo or start the camera.');
  return api;
}

const api = {
  ready: null,
  get segmenter() {
    return segmenter;
  },
  get compositor() {
    return compositor;
  },
  get lastMask() {
    return lastMask;
  },
  stats,
  state,
  /** Segment and composite a photo Blob/File, as if dropped on the page; resolves to its size. */
  processPhoto,
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
