// A video background inside the frame path's Worker, which has no <video>. The page plays the video
// and streams its frames here (input/videoBackground.js streamVideoFrames): the compositor draws the
// newest, and the one it replaces is closed at once. An export follows the clip's clock instead, as
// the main thread does by seeking its <video>: here the file itself (a Blob) is decoded with the
// export's own demuxer and decoder, in order (loopingFrames.js). Not a seek on the page per frame:
// that is a round trip through the page's media pipeline for every exported frame, and a seek may
// land late; decoding in order costs one decode per background frame and lands on the exact frame.
//
//   const background = createStreamedBackground({still, blob, onProblem});
//   background.offer(videoFrame);           // from the page; the older frame is closed
//   background.currentFrame();              // what the compositor draws now (compositor/: moving)
//   await background.atCameraTime(seconds); // nothing: the page streams the video as it plays
//   await background.atClipTime(seconds);   // during an export: the frame at `seconds` (looping)
//   await background.endClip();             // back to the streamed frames
//   await background.close();

import { decodeVideoFrames } from '../input/videoFrames.js';
import { openVideoFile } from '../input/videoFile.js';
import { MAX_VIDEO_BACKGROUND_BYTES } from '../input/videoBackground.js';
import { createLoopingFrames } from './loopingFrames.js';

const streamed = new WeakSet();

/** True for a background made here (not a picture, not a page's <video>). */
export function isStreamedBackground(value) {
  return streamed.has(value);
}

/**
 * still: the video's frame when it was chosen (an ImageBitmap, drawn until the first streamed
 * frame); blob: its file, decoded for an export; onProblem(message): the export cannot decode it
 * (it then keeps the streamed frame).
 */
export function createStreamedBackground({ still, blob, onProblem = () => {} }) {
  const held = { newest: still, clip: null, clipFrame: null, clipFailed: false, closed: false, received: 0 };
  const size = { width: still.width, height: still.height }; // every frame of the video has it

  async function openClip() {
    const video = await openVideoFile(blob, { maxBytes: MAX_VIDEO_BACKGROUND_BYTES });
    return createLoopingFrames({ frames: () => decodeVideoFrames(video.index.video, video.source), durationUs: video.durationUs });
  }

  const background = {
    width: size.width, // for the compositor's sourceSize()
    height: size.height,

    currentFrame() {
      return held.clipFrame ?? held.newest;
    },

    /** A frame streamed from the page: it replaces (and closes) the one before. */
    offer(frame) {
      if (held.closed) {
        frame.close();
        return;
      }
      held.received++;
      held.newest.close();
      held.newest = frame;
    },

    /** The camera runs: nothing to seek, the page streams the video as it plays. */
    async atCameraTime() {},

    /** Show the frame at `seconds` of an export's clock; resolves once it is decoded. */
    async atClipTime(seconds) {
      if (held.closed || held.clipFailed) return;
      try {
        held.clip ??= openClip();
        held.clipFrame = await (await held.clip).frameAt(seconds);
      } catch (error) {
        held.clipFailed = true; // said once; the export goes on with the streamed frame
        held.clipFrame = null;
        onProblem(`The background video cannot be decoded for the export (${error.message}): it shows its current frame.`);
      }
    },

    /** The export is over: its decoder closes, the streamed frames show again. */
    async endClip() {
      const clip = held.clip;
      Object.assign(held, { clip: null, clipFrame: null, clipFailed: false });
      await (await clip?.catch(() => null))?.close();
    },

    async close() {
      held.closed = true;
      held.newest.close();
      await background.endClip();
    },

    /** What tests look at: frames taken from the page so far. */
    get received() {
      return held.received;
    },
  };
  streamed.add(background);
  return background;
}
