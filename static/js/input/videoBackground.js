// A video as the background: a muted <video> that loops, kept in IndexedDB like an uploaded picture
// (input/backgrounds.js) and limited to MAX_VIDEO_BACKGROUND_BYTES so the store stays small.
// The compositors draw a <video> like a picture; the WebGL one uploads its current frame every render.
//
//   const video = await loadVideoBackground(file);   // throws UserError with a one-line message
//   releaseVideoBackground(video);                    // stops it and frees its object URL

import { UserError } from '../base/messages.js';
import { videoFileProblem } from './videoFile.js';

export const MAX_VIDEO_BACKGROUND_BYTES = 50 * 1024 * 1024;
const LOAD_TIMEOUT_MS = 20_000;

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
  try {
    await firstFrame(video, name);
    await video.play().catch(() => {}); // autoplay of a muted video is allowed; a refusal leaves a still
    return video;
  } catch (error) {
    releaseVideoBackground(video);
    throw error;
  }
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

