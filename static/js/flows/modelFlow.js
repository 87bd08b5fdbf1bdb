// The models from the page's side: which backend (the user's choice, or the faster one measured by
// the frame path off the main thread and kept per browser and device), the live model loaded at
// start and the photo model on the first photo, the status pills and the Model panel, and what a
// photo chosen meanwhile is waiting for.
//
//   const models = createModelFlow({ui, state, status, modelPanel, settings, storage, device});
//   models.attach(engine);  await models.start();
//   await models.whenLiveReady((why) => status.message(`Your photo waits for ${why}`));

import { UserError } from '../base/messages.js';
import { describeBackendChoice, readBackendChoice, saveBackendChoice } from '../settings/backendCache.js';
import { AUTO_BACKEND } from '../settings/userSettings.js';
import { modelStatusText } from '../ui/modelcard.js';

export function createModelFlow({ ui, state, status, modelPanel, settings, storage }) {
  const found = { engine: null, device: null, descriptions: { live: null, photo: null }, progress: { live: 0, photo: 0 }, switches: 0 };
  const waiting = { why: 'the frame path to start', listeners: new Set(), live: null };
  waiting.live = new Promise((resolve, reject) => Object.assign(waiting, { resolveLive: resolve, rejectLive: reject }));
  waiting.live.catch(() => {});

  /** Say what start-up is doing; a photo waiting for it hears the same words. */
  function waitFor(why) {
    waiting.why = why;
    for (const listener of waiting.listeners) listener(why);
  }

  function showModelStatus() {
    const describe = (kind) => ({
      status: state.models[kind],
      inputSize: found.descriptions[kind]?.inputSize,
      progress: found.progress[kind],
    });
    const { text, kind } = modelStatusText({ live: describe('live'), photo: describe('photo') });
    status.model(text, kind);
    const shown = state.resultModel ?? 'live';
    modelPanel.show(shown, found.descriptions[shown], { producedResult: state.resultModel !== null });
  }

  /** The user's backend, or the measured one (kept per device; measured in the frame path). */
  async function decideBackend({ measureAgain = false } = {}) {
    if (settings.backend !== AUTO_BACKEND) {
      ui.backendReason.textContent = 'Your choice (kept for your next visit).';
      return settings.backend;
    }
    const cached = measureAgain ? null : readBackendChoice(storage, found.device);
    if (cached) {
      state.backendChoice = cached;
      ui.backendReason.textContent = describeBackendChoice(cached, { cached: true });
      return cached.backend;
    }
    waitFor('the measurement of which backend runs the model faster (WASM or WebGL)');
    status.message('Measuring which backend runs the model faster…');
    const choice = await found.engine.measureBackends();
    saveBackendChoice(storage, found.device, choice);
    state.backendChoice = choice;
    ui.backendReason.textContent = describeBackendChoice(choice, { cached: false });
    status.message(`Running on ${choice.backend.toUpperCase()}, the faster here: ${choice.reason}.`);
    return choice.backend;
  }

  const flow = {
    /** The frame path is open: `device` names this browser and GPU for the backend cache. */
    attach(engine, device) {
      found.engine = engine;
      found.device = device;
    },

    /** Decide the backend, then load the live model; rejects (and says why) when it cannot. */
    async start() {
      try {
        const backend = await decideBackend();
        waitFor('the live model to load');
        state.backend = backend;
        await found.engine.loadModel('live', backend);
        waiting.resolveLive();
      } catch (error) {
        waiting.rejectLive(error);
        throw error;
      }
    },

    /** Resolves once the live model is ready; `onWait(why)` hears what it waits for meanwhile. */
    async whenLiveReady(onWait = () => {}) {
      if (state.models.live !== 'ready') {
        onWait(waiting.why);
        waiting.listeners.add(onWait);
      }
      try {
        await waiting.live;
      } catch (error) {
        throw new UserError(`The model is not loaded: ${error.message}`);
      } finally {
        waiting.listeners.delete(onWait);
      }
    },

    /** The frame path's 'model' event: a model's status, progress or description changed. */
    onModelEvent({ kind, status: modelStatus, progress, error, segmenter }) {
      state.models[kind] = modelStatus;
      if (progress !== undefined) {
        found.progress[kind] = progress;
        modelPanel.progress(progress);
        if (kind === 'photo' && waiting.photo) waiting.photo(progress);
      }
      if (segmenter) {
        found.descriptions[kind] = segmenter;
        state.backend = segmenter.backend;
        if (settings.backend !== AUTO_BACKEND) ui.backendSelect.value = segmenter.backend;
      }
      if (kind === 'live') {
        state.model = modelStatus;
        state.modelError = error;
        if (modelStatus === 'loading') waitFor(`the live model to load (${Math.round((progress ?? 0) * 100)} %)`);
      }
      status.backend(kind === 'live' && modelStatus === 'loading' ? null : state.backend, found.descriptions.live?.wasmThreads);
      if (error) status.error(new UserError(error));
      showModelStatus();
    },

    /** While a photo waits for the photo model, `onProgress(fraction)` hears its download. */
    watchPhotoModel(onProgress) {
      waiting.photo = onProgress;
      return () => {
        waiting.photo = null;
      };
    },

    showModelStatus,

    describe: (kind) => found.descriptions[kind],

    /** The backend <select> changed: measure (auto) or switch, then reload the models. */
    async changeBackend(backend, { measureAgain = false } = {}) {
      const mine = ++found.switches;
      try {
        if (backend !== AUTO_BACKEND) {
          state.backendChoice = null;
          ui.backendReason.textContent = 'Your choice (kept for your next visit).';
          status.message(`Switching to ${backend}…`);
        }
        const chosen = await decideBackend({ measureAgain });
        await found.engine.reload(chosen);
        if (mine !== found.switches) return; // another switch came meanwhile: it speaks
        state.backend = chosen;
        status.message(`Now running on ${chosen}.`);
      } catch (error) {
        if (mine === found.switches) status.error(error); // a superseded reload's failure is no news
      }
    },
  };
  return flow;
}
