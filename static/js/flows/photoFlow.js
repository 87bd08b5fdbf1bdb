// A photo from the page's side: chosen, dropped or pasted → handed to the frame path as the Blob it
// is (decoded, downscaled, segmented and composited there) → the stats line gives the whole wait,
// from choosing the file to its pixels on screen, in parts that add up. A photo chosen during
// start-up is taken at once and says what it waits for.
//
//   const photos = createPhotoFlow({state, stats, status, engine, models, showStats, showResult, clearStage});
//   await photos.process(file, chosenAt);

import { UserError } from '../base/messages.js';
import { MAX_COMPOSITE_PIXELS } from '../settings/config.js';
import { formatMs } from '../ui/stats.js';

/** Resolves once what was drawn last is on screen (or after 100 ms in a hidden tab). */
export function nextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0)); // after the frame that shows it
    setTimeout(resolve, 100);
  });
}

function doneMessage(photo) {
  if (!photo.capped) return { text: `Photo ${photo.width}×${photo.height} done.`, kind: 'info' };
  const megapixels = (MAX_COMPOSITE_PIXELS / 1e6).toFixed(0);
  return {
    text: `Large photo (${photo.originalWidth}×${photo.originalHeight}): the result is ${photo.width}×${photo.height}, capped at ${megapixels} megapixels to protect memory.`,
    kind: 'notice',
  };
}

export function createPhotoFlow({ state, stats, status, engine, models, showStats, showResult, clearStage }) {
  const latest = { chosen: 0 };

  async function process(file, chosenAt = performance.now()) {
    if (state.mode === 'exporting') {
      status.error(new UserError('A video is being exported: cancel it first, or wait until it is done.'));
      throw new UserError('busy exporting');
    }
    const mine = ++latest.chosen;
    const name = file.name || 'the pasted photo';
    try {
      await models.whenLiveReady((why) => status.message(`Your photo ${name} is taken; it waits for ${why}…`));
      const started = performance.now();
      await clearStage(); // the camera stops, a video is forgotten
      if (state.models.photo !== 'ready') status.message(`Reading ${name} and loading the photo model…`);
      else status.message(`Finding the person in ${name}…`);
      const stopWatching = models.watchPhotoModel((fraction) =>
        status.message(`Your photo waits for the photo model: ${Math.round(fraction * 100)} % downloaded…`),
      );
      let photo;
      try {
        photo = await engine.photo(file);
      } finally {
        stopWatching();
      }
      await nextPaint();
      const totalMs = performance.now() - chosenAt;
      const waitMs = started - chosenAt;
      const { decodeMs, downscaleMs, modelLoadMs, inferenceMs, compositeMs } = photo.times;
      const displayMs = Math.max(0, totalMs - waitMs - decodeMs - downscaleMs - modelLoadMs - inferenceMs - compositeMs);
      stats.photo = { totalMs, waitMs, decodeMs, downscaleMs, modelLoadMs, inferenceMs, compositeMs, displayMs };
      Object.assign(stats, { inferenceMs, compositeMs, fps: 0, intervalMs: 0 });
      if (mine !== latest.chosen) return null; // a newer photo is on its way: its message wins
      state.mode = 'photo';
      state.photo = {
        name: file.name || null,
        width: photo.width,
        height: photo.height,
        originalWidth: photo.originalWidth,
        originalHeight: photo.originalHeight,
        capped: photo.capped,
      };
      state.results++;
      showStats();
      showResult(photo.model);
      const done = doneMessage(photo);
      status.message(`${done.text} ${waitMs >= 1000 ? `(It waited ${formatMs(waitMs)} for the start-up.)` : ''}`.trim(), done.kind);
      return state.photo;
    } catch (error) {
      status.error(error);
      throw error;
    }
  }

  return { process };
}
