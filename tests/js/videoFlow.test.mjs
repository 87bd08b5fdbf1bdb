import assert from 'node:assert/strict';
import test from 'node:test';

import { createVideoFlow } from '../../static/js/flows/videoFlow.js';

// The page's side of a video file with a stand-in frame path: what the state and the buttons say
// after a good file, then a refused one.
function flowWith(openVideo) {
  const button = () => ({ disabled: true, hidden: true, addEventListener() {} });
  const ui = { exportVideo: button(), cancelExport: button(), videoInput: { disabled: false }, exportPhotoModel: button(),
    exportProgress: { hidden: true, value: 0 }, exportProgressText: { textContent: '' } };
  const state = { mode: 'idle', results: 0 };
  const messages = [];
  const status = { message: (text) => messages.push(text), error: (error) => messages.push(`error: ${error.message}`) };
  const engine = { openVideo, forgetVideo: async () => {} };
  const flow = createVideoFlow({ ui, state, status, engine, clearStage: async () => {}, showResult: () => {} });
  return { flow, ui, state, messages };
}

const GOOD = { name: 'good.mp4', width: 64, height: 48, frames: 10, durationUs: 1e6, audio: null };

test('a video on the stage: mode video, Export video on', async () => {
  const { flow, ui, state } = flowWith(async () => GOOD);
  assert.deepEqual(await flow.choose({ name: 'good.mp4' }), { width: 64, height: 48, frames: 10, audio: false });
  assert.equal(state.mode, 'video');
  assert.equal(ui.exportVideo.disabled, false);
});

test('a refused file after a good one leaves no video mode and Export video off', async () => {
  let refuse = false;
  const { flow, ui, state, messages } = flowWith(async () => {
    if (refuse) throw new Error('huge.mp4 is over the limit');
    return GOOD;
  });
  await flow.choose({ name: 'good.mp4' });
  refuse = true;
  await assert.rejects(flow.choose({ name: 'huge.mp4' }), /over the limit/);
  assert.equal(state.mode, 'idle');
  assert.equal(ui.exportVideo.disabled, true);
  assert.equal(messages.at(-1), 'error: huge.mp4 is over the limit');
});

test('an export with the photo model: the settings choose it, the checkbox waits, the message names it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] }); // saveBlob revokes its URL a minute later
  const saved = [];
  globalThis.document = {
    hidden: false,
    body: { append() {} },
    createElement: () => ({ click() { saved.push(this.download); }, remove() {} }),
  };
  t.after(() => delete globalThis.document);
  const button = () => ({ disabled: true, hidden: true, addEventListener() {} });
  const ui = { exportVideo: button(), cancelExport: button(), videoInput: { disabled: false }, exportPhotoModel: button(),
    exportProgress: { hidden: true, value: 0 }, exportProgressText: { textContent: '' } };
  const state = { mode: 'idle', results: 0, settings: { videoExportModel: 'photo' } };
  const messages = [];
  const shown = [];
  const status = { message: (text) => messages.push(text), error: (error) => messages.push(`error: ${error.message}`) };
  let checkboxDuringExport = null;
  const engine = {
    openVideo: async () => GOOD,
    forgetVideo: async () => {},
    exportVideo: async () => {
      checkboxDuringExport = ui.exportPhotoModel.disabled;
      return { blob: new Blob(['webm']), name: 'good.mp4', frames: 10, model: 'photo', elapsedMs: 4000,
        framesPerSecond: 2.5, codec: 'vp09.00.10.08', audioSkipped: null, hadAudio: false };
    },
  };
  const flow = createVideoFlow({ ui, state, status, engine, clearStage: async () => {}, showResult: (kind) => shown.push(kind) });
  ui.exportPhotoModel.disabled = false;
  await flow.choose({ name: 'good.mp4' });
  assert.equal(shown.at(-1), 'photo', 'the preview came from the photo model');
  const exported = flow.export();
  assert.match(messages.at(-1), /every frame through the photo model/);
  assert.deepEqual(await exported, { frames: 10, framesPerSecond: 2.5, bytes: 4, audioSkipped: null });
  assert.equal(checkboxDuringExport, true, 'the model cannot change mid-export');
  assert.equal(ui.exportPhotoModel.disabled, false);
  assert.match(messages.at(-1), /^Exported 10 frames with the photo model in 4\.0 s/);
  assert.equal(saved.length, 1, 'one download');
});
