import assert from 'node:assert/strict';
import test from 'node:test';

import { createVideoFlow } from '../../static/js/flows/videoFlow.js';

// The page's side of a video file with a stand-in frame path: what the state and the buttons say
// after a good file, then a refused one.
function flowWith(openVideo) {
  const button = () => ({ disabled: true, hidden: true, addEventListener() {} });
  const ui = { exportVideo: button(), cancelExport: button(), videoInput: { disabled: false },
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
