// Wiring only: the page's controls, the frame path (engine/host.js: in a Worker, or on the main
// thread where the browser cannot) and the flows that connect them — models (flows/modelFlow.js),
// settings and background, photo, camera, video export and recording, each in flows/. The
// automation API (window.greenscreen) is automation.js.

import { createAutomationApi } from './automation.js';
import { UserError } from './base/messages.js';
import { openFrameEngine } from './engine/host.js';
import { createCameraFlow } from './flows/cameraFlow.js';
import { createModelFlow } from './flows/modelFlow.js';
import { createPhotoFlow } from './flows/photoFlow.js';
import { createRecordFlow } from './flows/recordFlow.js';
import { createSettingsFlow } from './flows/settingsFlow.js';
import { createVideoFlow } from './flows/videoFlow.js';
import { bindPhotoSources } from './input/photo.js';
import { isVideoFile } from './input/videoFile.js';
import { saveBlob } from './output/saveFile.js';
import { parseThreadsParam } from './segmenter/wasmThreads.js';
import { deviceKey } from './settings/backendCache.js';
import { AUTO_BACKEND, loadSettings } from './settings/userSettings.js';
import { bindControls, showWebcamState } from './ui/controls.js';
import { downloadName } from './ui/download.js';
import { findElements } from './ui/elements.js';
import { createModelPanel } from './ui/modelPanel.js';
import { formatStats } from './ui/stats.js';
import { createStatusLine } from './ui/status.js';

const ui = findElements(document);
const storage = globalThis.localStorage;
const settings = loadSettings(storage);
const params = new URLSearchParams(globalThis.location?.search);
const threadsAsked = parseThreadsParam(params.get('threads'));
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
  backendChoice: null, // {backend, reason, timings} when the backend was measured
  contextLosses: 0,
  photo: null, // {name, width, height, originalWidth, originalHeight, capped}
  results: 0, // results shown so far (photos, video previews)
  framePath: null, // 'worker' | 'main'
  compositorKind: null,
  settings,
};
const stats = { fps: 0, inferenceMs: 0, compositeMs: 0, intervalMs: 0, frames: 0, photo: null };
const status = createStatusLine(ui, state);
const models = createModelFlow({ ui, state, status, modelPanel: createModelPanel(ui), settings, storage });
const look = createSettingsFlow({ ui, state, status, settings, storage });
const wired = { engine: null, flows: null }; // filled once by start()
// The placeholder canvas still gives captureStream() when a Worker draws it.
const record = createRecordFlow({ button: ui.record, timer: ui.recordTimer, canvas: ui.result, status });
Object.defineProperty(state, 'recording', { get: () => record.recording, enumerable: true });

const showStats = () => (ui.stats.textContent = formatStats(stats));

function showResult(modelKind) {
  ui.stageHint.hidden = true;
  ui.result.classList.add('has-result');
  ui.download.disabled = false;
  if (state.resultModel !== modelKind) {
    state.resultModel = modelKind;
    models.showModelStatus();
  }
}

const events = {
  model: (data) => models.onModelEvent(data),
  notice: (text) => status.message((state.backendNotice = text), 'notice'),
  error: (text) => status.error(new UserError(text)),
  measureStep: (text) => (ui.backendReason.textContent = text),
  exportProgress: (progress) => wired.flows?.video.onProgress(progress),
  cameraFrame: (timing) => wired.flows?.camera.onTiming(timing),
  recovered: (backend) => status.message(`Recovered from a lost GPU context; running on ${backend} (${++state.contextLosses} so far).`, 'notice'),
  settingsFallback: (changes) => look.fellBack(changes),
};

function createFlows(engine) {
  const common = { ui, state, stats, status, engine, models, showStats, showResult };
  const camera = createCameraFlow({
    ...common,
    onState(webcamState) {
      record.cameraChanged(webcamState); // a recording ends with the camera, and is still saved
      showWebcamState(ui, webcamState);
      if (webcamState === 'on') video.forget();
    },
  });
  const clearStage = () => camera.stop();
  const video = createVideoFlow({ ...common, clearStage });
  const photo = createPhotoFlow({ ...common, clearStage: async () => (await clearStage(), video.forget()) });
  const measureAgain = () => look.change({ backend: AUTO_BACKEND }).then(() => models.changeBackend(AUTO_BACKEND, { measureAgain: true }));
  return { photo, camera, video, record, settings: look, measureAgain };
}

async function start(flowsReady) {
  if (threadsAsked.problem) status.message((state.backendNotice = threadsAsked.problem), 'notice');
  await look.restore();
  const engine = await openFrameEngine({
    canvas: ui.result,
    compositorChoice: params.get('compositor') ?? 'auto', // ?compositor=canvas2d forces the fallback
    where: params.get('framepath') ?? 'auto',
    wasmThreads: threadsAsked.threads, // ?threads=N: WASM threads instead of the measured default
    onEvent: (name, data) => events[name]?.(data),
  });
  wired.engine = engine;
  state.framePath = engine.where;
  ui.statusWhere.textContent = engine.where === 'worker' ? 'frame path: worker' : `frame path: main thread (${engine.why})`;
  const { compositorKind, gpu } = await engine.start(await look.attach(engine));
  state.compositorKind = compositorKind;
  models.attach(engine, deviceKey({ userAgent: navigator.userAgent, gpu, cores: navigator.hardwareConcurrency }));
  const flows = (wired.flows = createFlows(engine));
  bindControls(ui, {
    change: (changes, options) => look.change(changes, options),
    backend: (backend) => look.change({ backend }).then(() => models.changeBackend(backend)),
    measureAgain: flows.measureAgain,
    uploadBackground: (file) => look.upload(file),
    forgetBackground: () => look.forget(),
    toggleWebcam: () => flows.camera.toggle(),
    chooseVideo: (file) => flows.video.choose(file).catch(() => {}),
    async download() {
      const blob = await engine.png();
      if (!blob) return status.error(new UserError('The result could not be encoded as PNG.'));
      saveBlob(blob, downloadName(state.mode === 'photo' ? state.photo?.name : 'camera'));
    },
  });
  flowsReady(flows);
  await models.start(); // the photo model waits for the first photo
  if (state.error || state.mode !== 'idle') return;
  status.message(state.backendNotice ?? 'Ready. Drop a photo or start the camera.', state.backendNotice ? 'notice' : 'info');
}

const flowsReady = new Promise((resolve, reject) => {
  const ready = start(resolve).catch((error) => {
    status.error(error);
    reject(error);
    throw error;
  });
  bindPhotoSources({
    input: ui.photoInput,
    dropZone: ui.dropZone,
    // a dropped or pasted video goes to the video path, a picture to the photo path
    onFile(file) {
      const chosenAt = performance.now(); // the user's wait starts now
      if (!wired.flows) status.message(`Your photo ${file.name || ''} is taken; it waits for the frame path to start…`);
      const handled = flowsReady.then((flows) => (isVideoFile(file) ? flows.video.choose(file) : flows.photo.process(file, chosenAt)));
      handled.catch(() => {}); // shown in #status
    },
  });
  window.greenscreen = createAutomationApi({ ready, state, stats, engine: () => wired.engine, flows: () => wired.flows });
  ready.catch(() => {}); // failures are shown in #status; awaiting `ready` still sees them
});
