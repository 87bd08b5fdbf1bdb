// The page's two segmenters (config.js MODELS): `live` for camera and video frames, loaded first,
// and `photo`, loaded when the first photo arrives (never before: it is the bigger download).
// A backend switch or a lost WebGL context reloads whatever has been asked for, live first.
//
//   const models = createModelSet({onChange});
//   await models.load('live', 'webgl');
//   const photo = await models.load('photo', 'webgl');   // waits for a load already under way
//   models.get('live');                                   // the ready segmenter, or null
//   await models.reload('wasm');
//
// onChange(kind, {status: 'loading' | 'ready' | 'error', progress, segmenter, error}) reports every step.

import { MODEL_KINDS } from '../settings/config.js';
import { createSegmenter } from './index.js';

export function createModelSet({ onChange = () => {}, onNotice = () => {}, onContextLost = () => {} } = {}) {
  const entries = new Map(); // kind → {segmenter, loading: Promise, error}
  let generation = 0; // a reload makes loads of an older generation throw their result away

  function report(kind, status, extra = {}) {
    onChange(kind, { status, segmenter: entries.get(kind)?.segmenter ?? null, ...extra });
  }

  function start(kind, backend, fresh) {
    const mine = generation;
    const entry = { segmenter: null, loading: null, error: null };
    entries.set(kind, entry);
    report(kind, 'loading', { progress: 0 });
    entry.loading = createSegmenter({
      model: kind,
      backend,
      freshBackend: fresh,
      onProgress: (progress) => report(kind, 'loading', { progress }),
      onNotice,
      onContextLost,
    }).then(
      (segmenter) => {
        if (mine !== generation) {
          segmenter.dispose(); // a reload started meanwhile: this one is already stale
          throw new Error(`The ${kind} model was reloaded meanwhile.`);
        }
        entry.segmenter = segmenter;
        report(kind, 'ready');
        return segmenter;
      },
      (error) => {
        if (mine === generation) {
          entry.error = error;
          report(kind, 'error', { error });
        }
        throw error;
      },
    );
    return entry.loading;
  }

  return {
    /** The segmenter for `kind`, loading it on `backend` unless it is loaded or loading. */
    load(kind, backend) {
      if (!MODEL_KINDS.includes(kind)) throw new Error(`Unknown model "${kind}" (known: ${MODEL_KINDS.join(', ')})`);
      const entry = entries.get(kind);
      if (entry && !entry.error) return entry.loading;
      return start(kind, backend, false);
    },

    /** The ready segmenter for `kind`, or null (not asked for, loading, failed, reloading). */
    get(kind) {
      return entries.get(kind)?.segmenter ?? null;
    },

    /** 'idle' (never asked for), 'loading', 'ready' or 'error'. */
    status(kind) {
      const entry = entries.get(kind);
      if (!entry) return 'idle';
      return entry.error ? 'error' : entry.segmenter ? 'ready' : 'loading';
    },

    /**
     * Dispose everything and load the kinds asked for so far again on `backend`, live first.
     * `fresh`: rebuild the backend itself (after a lost WebGL context). Resolves when all are
     * loaded; rejects with the first failure (each kind's own is reported through onChange).
     */
    async reload(backend, { fresh = false } = {}) {
      generation++;
      const old = new Map(entries);
      entries.clear(); // get() answers null from now on: callers skip frames until the new ones are ready
      await Promise.allSettled([...old.values()].map((entry) => entry.loading));
      for (const entry of old.values()) entry.segmenter?.dispose();
      const kinds = MODEL_KINDS.filter((kind) => old.has(kind));
      let first = true;
      for (const kind of kinds) {
        await start(kind, backend, fresh && first); // one backend restart serves both models
        first = false;
      }
    },

    dispose() {
      generation++;
      for (const entry of entries.values()) entry.segmenter?.dispose();
      entries.clear();
    },
  };
}
