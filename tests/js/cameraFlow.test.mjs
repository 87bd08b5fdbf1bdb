import assert from 'node:assert/strict';
import test from 'node:test';

import { createCameraFlow } from '../../static/js/flows/cameraFlow.js';

// The page's side of the camera with a stand-in camera and frame path: what it tells the rest of
// the page (onState: the Record button, the Start/Stop label) when Stop and Start follow quickly.
function fakeStream() {
  const track = { stop() {}, addEventListener() {} };
  return { getVideoTracks: () => [track], getTracks: () => [track] };
}

function flowWithSlowLastFrame() {
  globalThis.navigator = { mediaDevices: { getUserMedia: async () => fakeStream() } };
  globalThis.requestAnimationFrame = () => {}; // no frame loop: only the state changes matter here
  const video = { srcObject: null, play: async () => {} };
  const ui = { video };
  const state = { webcam: 'off', mode: 'idle', models: { live: 'ready' }, settings: {} };
  const stats = { frames: 5 };
  const status = { message() {}, error() {} };
  const lastFrame = {};
  const engine = {
    where: 'main',
    // the frame in flight when Stop is pressed finishes later (a slow model)
    stopFrames: () => new Promise((resolve) => (lastFrame.finish = resolve)),
  };
  const told = [];
  const flow = createCameraFlow({
    ui, state, stats, status, engine, models: {}, showStats() {}, showResult() {},
    onState: (webcamState) => told.push(webcamState),
  });
  return { flow, state, told, lastFrame };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('Stop, then Start before the last frame is done: the page is told on, last', async () => {
  const { flow, state, told, lastFrame } = flowWithSlowLastFrame();
  flow.toggle(); // Start
  await settle();
  assert.equal(state.webcam, 'on');
  flow.toggle(); // Stop: the last frame is still being segmented
  await settle();
  flow.toggle(); // Start again
  await settle();
  assert.equal(state.webcam, 'on');
  lastFrame.finish(); // the earlier Stop's frame is done now
  await settle();
  assert.equal(state.webcam, 'on');
  assert.equal(state.mode, 'webcam');
  assert.equal(told.at(-1), 'on', `told ${told.join(' → ')}`);
});

test('Stop with nothing after it: the page is told off once the last frame is kept', async () => {
  const { flow, state, told, lastFrame } = flowWithSlowLastFrame();
  flow.toggle();
  await settle();
  flow.toggle();
  await settle();
  assert.notEqual(told.at(-1), 'off', 'told off before the last frame was kept');
  lastFrame.finish();
  await settle();
  assert.equal(state.webcam, 'off');
  assert.equal(state.mode, 'photo'); // the last frame stays as a still
  assert.equal(told.at(-1), 'off');
});
