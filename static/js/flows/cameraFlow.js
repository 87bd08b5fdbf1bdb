// The camera from the page's side: Start/Stop, and frames to the frame path one at a time (a slow
// model drops frames instead of queueing them): streamed to its Worker through a
// MediaStreamTrackProcessor where the browser has one, else each grabbed as a VideoFrame (an
// ImageBitmap where there is none) once the last is drawn. The stats give the
// frame interval and where it goes: the model, compositing, and the rest (waiting for the camera,
// handing frames over).
//
//   const camera = createCameraFlow({ui, state, stats, status, engine, models, showStats, showResult, onState});
//   camera.toggle();  await camera.stop();

import { UserError } from '../base/messages.js';
import { createWebcam } from '../input/webcam.js';
import { createFpsMeter, createRunningMean } from '../ui/stats.js';

const STATS_EVERY_MS = 1000; // a line that changes every frame cannot be read

/** The <video>'s current frame as something the frame path takes (transferable), or null. */
async function grabFrame(video, timestamp) {
  if (video.readyState < 2 || !video.videoWidth) return null; // no picture yet
  if (typeof VideoFrame === 'function') {
    try {
      return new VideoFrame(video, { timestamp: Math.round(timestamp * 1000) });
    } catch {
      // an older browser's VideoFrame cannot wrap a <video>
    }
  }
  return createImageBitmap(video);
}

export function createCameraFlow({ ui, state, stats, status, engine, models, showStats, showResult, onState }) {
  const fpsMeter = createFpsMeter(30);
  const means = { inference: createRunningMean(0.1), composite: createRunningMean(0.1), interval: createRunningMean(0.1) };
  const times = { lastResult: 0, lastStats: 0 };

  const streaming = { on: false }; // frames go to the Worker as a stream, not one call each

  async function onFrame(video) {
    if (streaming.on || state.models.live !== 'ready') return; // streamed, or no model yet: skip
    const timestamp = performance.now();
    const frame = await grabFrame(video, timestamp);
    if (!frame) return;
    onTiming(await engine.frame(frame, timestamp));
  }

  /**
   * In a Worker, where the browser has MediaStreamTrackProcessor, the camera track's frames are
   * streamed there and drawn at the Worker's pace (the processor keeps only the newest): the page's
   * main thread makes no call per frame. Else (or on the main thread) onFrame hands over each one.
   */
  function streamFrames(stream) {
    const [track] = stream?.getVideoTracks() ?? [];
    if (engine.where !== 'worker' || typeof MediaStreamTrackProcessor !== 'function' || !track) return;
    const { readable } = new MediaStreamTrackProcessor({ track, maxBufferSize: 1 });
    streaming.on = true;
    engine.cameraStream(readable).finally(() => {
      streaming.on = false;
    });
  }

  /** A drawn frame's timing (from onFrame, or the Worker's 'cameraFrame' event): the stats. */
  function onTiming(timing) {
    if (!timing || state.webcam !== 'on') return;
    const now = performance.now();
    if (times.lastResult) stats.intervalMs = means.interval.add(now - times.lastResult);
    times.lastResult = now;
    stats.frames++;
    stats.fps = fpsMeter.tick(now);
    stats.inferenceMs = means.inference.add(timing.inferenceMs);
    stats.compositeMs = means.composite.add(timing.compositeMs);
    if (stats.frames === 1 || now - times.lastStats >= STATS_EVERY_MS) {
      times.lastStats = now;
      showStats();
    }
    if (stats.frames === 1 || state.resultModel !== timing.model) showResult(timing.model);
  }

  async function onWebcamState(webcamState) {
    const wasOn = state.webcam === 'on';
    state.webcam = webcamState;
    if (webcamState === 'on') {
      state.mode = 'webcam';
      fpsMeter.reset();
      Object.values(means).forEach((mean) => mean.reset());
      times.lastResult = 0;
      stats.photo = null;
      stats.intervalMs = 0;
      status.message('Camera on.');
      streamFrames(webcam.stream);
    } else if (webcamState === 'off' && wasOn) {
      await engine.stopFrames(); // the last frame stays as a still
      // Started again while the last frame finished (slow inference, a quick Stop then Start): the
      // new start has told everyone already, and a late 'off' would disable Record on a running camera.
      if (state.webcam !== 'off') return;
      state.mode = stats.frames ? 'photo' : 'idle';
      stats.fps = 0;
      stats.intervalMs = 0;
      showStats();
    }
    onState(webcamState);
  }

  const webcam = createWebcam({
    video: ui.video,
    onFrame,
    onError: (text) => status.message(text, 'error'),
    onStateChange: (webcamState) => onWebcamState(webcamState).catch(status.error),
  });

  return {
    webcam,
    onTiming,
    toggle() {
      if (webcam.state !== 'off') {
        webcam.stop();
        status.message('Camera off.');
        return;
      }
      if (state.mode === 'exporting') {
        status.error(new UserError('A video is being exported: cancel it first, or wait until it is done.'));
        return;
      }
      if (state.models.live !== 'ready') {
        const why = state.model === 'error' ? `not loaded: ${state.modelError}` : 'still loading: try again in a moment';
        status.error(new UserError(`The model is ${why}.`));
        return;
      }
      status.message('Asking for the camera…');
      webcam.start();
    },
    /** Stop the camera (if on) and wait until its last frame is kept as the still. */
    async stop() {
      if (webcam.state === 'off') return;
      webcam.stop();
      await engine.stopFrames();
    },
  };
}
