// A video as the background: a muted <video> that loops, kept in IndexedDB like an uploaded picture
// (input/backgrounds.js) and limited to MAX_VIDEO_BACKGROUND_BYTES so the store stays small.
// The compositors draw a <video> like a picture; the WebGL one uploads its current frame every render.
// A frame path in a Worker has no <video>: the page plays it and streams its frames there.
//
//   const video = await loadVideoBackground(file);   // throws UserError with a one-line message
//   const stream = streamVideoFrames(video, (frame) => engine.backgroundFrame(frame));  // stream.stop()
//   videoBackgroundFile(video);                       // the Blob it plays (a Worker's export decodes it)
//   releaseVideoBackground(video);                    // stops it and frees its object URL

import { UserError } from '../base/messages.js';
import { videoFileProblem } from './videoFile.js';

export const MAX_VIDEO_BACKGROUND_BYTES = 50 * 1024 * 1024;
const LOAD_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 1000 / 30; // without requestVideoFrameCallback: look for a new frame this often
const files = new WeakMap(); // <video> → the Blob it plays

/** True when a stored or chosen background is a video rather than a picture. */
export function isVideoBackground(blob) {
  return (blob?.type || '').toLowerCase().startsWith('video/');
}

/** Wait for the first frame, or an error, or the timeout. */
function firstFrame(video, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('it did not start within 20 s'), LOAD_TIMEOUT_MS);
    function done() {
      clearTimeout(timer);
      video.removeEventListener('loadeddata', onData);
      video.removeEventListener('error', onError);
    }
    function fail(detail) {
      done();
      reject(new UserError(`${name} could not be played as a background (${detail}). Choose an MP4 or WebM video, or a picture.`));
    }
    const onData = () => {
      done();
      if (!video.videoWidth || !video.videoHeight) fail('it has no picture');
      else resolve(video);
    };
    const onError = () => fail(video.error?.message || 'the browser cannot decode it');
    video.addEventListener('loadeddata', onData);
    video.addEventListener('error', onError);
  });
}

/**
 * A looping, muted, playing <video> of `blob` (a File or a stored Blob). Throws UserError when it
 * is too big, not a video, or cannot be decoded.
 */
export async function loadVideoBackground(blob) {
  const name = blob?.name || 'The background video';
  const problem = videoFileProblem(blob, MAX_VIDEO_BACKGROUND_BYTES);
  if (problem) throw new UserError(problem);
  const video = document.createElement('video');
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  video.preload = 'auto';
  video.src = URL.createObjectURL(blob);
  files.set(video, blob);
  try {
    await firstFrame(video, name);
    await video.play().catch(() => {}); // autoplay of a muted video is allowed; a refusal leaves a still
    return video;
  } catch (error) {
    releaseVideoBackground(video);
    throw error;
  }
}

/** The Blob a video background plays (null for anything else). */
export function videoBackgroundFile(video) {
  return files.get(video) ?? null;
}

/** The frame a <video> shows now, as a VideoFrame (an ImageBitmap in a browser without one), or null. */
async function snapshot(video) {
  if (video.readyState < 2) return null;
  try {
    return typeof VideoFrame === 'function' ? new VideoFrame(video) : await createImageBitmap(video);
  } catch {
    return null; // between two frames (a loop's seek back): the next one comes soon
  }
}

/**
 * Hand each new frame of a playing `video` to `send(frame)` (which takes the frame over and
 * resolves once it is delivered) until stop(). One frame in flight: frames that come while the
 * last is on its way are skipped, so a busy receiver never has frames piling up for it.
 * Returns {video, sent, stop()}.
 */
export function streamVideoFrames(video, send) {
  const waiting = { frameCallback: null, timer: null };
  const stream = {
    video,
    sent: 0,
    stopped: false,
    stop() {
      stream.stopped = true;
      if (waiting.frameCallback !== null) video.cancelVideoFrameCallback(waiting.frameCallback);
      clearTimeout(waiting.timer);
    },
  };
  function waitForFrame() {
    if (typeof video.requestVideoFrameCallback === 'function') waiting.frameCallback = video.requestVideoFrameCallback(onFrame);
    else waiting.timer = setTimeout(onFrame, POLL_INTERVAL_MS);
  }
  async function onFrame() {
    waiting.frameCallback = waiting.timer = null;
    if (stream.stopped) return;
    const frame = await snapshot(video);
    if (frame && !stream.stopped) {
      stream.sent++;
      await send(frame).catch(() => frame.close()); // not delivered (a frame handed over is already closed here)
    } else frame?.close();
    if (!stream.stopped) waitForFrame();
  }
  waitForFrame();
  return stream;
}

/** Stop a video background and free its object URL. */
export function releaseVideoBackground(video) {
  if (!(video instanceof HTMLVideoElement)) return;
  video.pause();
  const url = video.src;
  video.removeAttribute('src');
  video.load();
  if (url.startsWith('blob:')) URL.revokeObjectURL(url);
}

/**
 * Show the frame of a video background at `seconds` (looping), paused. An offline export draws
 * each frame at the source's time, not the wall clock's; the camera path uses it too, because
 * measured in headless Chromium a playing `loop` video stalls on its last frame while the model
 * keeps the main thread busy, whereas seeking always lands. Resolves once the frame is there
 * (or after `timeoutMs`, keeping whatever frame it has).
 */
export function seekVideoBackground(video, seconds, { timeoutMs = 2000 } = {}) {
  if (!(video instanceof HTMLVideoElement) || !(video.duration > 0)) return Promise.resolve();
  video.pause();
  const target = seconds % video.duration;
  if (Math.abs(video.currentTime - target) < 1e-3) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      video.removeEventListener('seeked', done);
      resolve();
    }
    video.addEventListener('seeked', done);
    video.currentTime = target;
  });
}

