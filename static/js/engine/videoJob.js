// A video file in the frame path: open it (its first frame swapped, as the preview), then export
// every frame — WebCodecs decode → the chosen model (the live one, or the slower photo one) → the
// compositor → VP8/VP9 encode → WebM mux (output/videoExport.js) — wherever the engine runs. One
// export at a time; cancel() ends it and nothing is kept.

import { UserError } from '../base/messages.js';
import { openVideoFile } from '../input/videoFile.js';
import { decodeVideoFrames } from '../input/videoFrames.js';
import { exportVideo } from '../output/videoExport.js';
import { maskOnCPU } from '../segmenter/index.js';
import { VIDEO_EXPORT_MODELS } from '../settings/userSettings.js';

/** The first frame of `video` as an ImageBitmap (the decoder is closed again right after). */
async function firstFrame(video) {
  const frames = decodeVideoFrames(video.index.video, video.source);
  try {
    const { value: frame } = await frames.next();
    if (!frame) throw new UserError(`${video.name} holds no frame this browser can decode.`);
    try {
      return await createImageBitmap(frame);
    } finally {
      frame.close();
    }
  } finally {
    await frames.return();
  }
}

/**
 * segmenterFor(kind) → the ready segmenter; render(segmenter, image, timestampMs) → {mask, …}
 * draws one frame into `canvas`; resetFilter() forgets the main-person choice; onProgress(progress)
 * hears the export's progress; beforeFrame(timestampMs) readies anything timed (a video background);
 * modelKind() → which of VIDEO_EXPORT_MODELS the preview and the export use (read when each starts).
 */
export function createVideoJob({ segmenterFor, render, canvas, resetFilter, onProgress, beforeFrame = async () => {}, modelKind = () => 'live' }) {
  let video = null;
  let running = null; // AbortController while exporting

  async function chosenSegmenter() {
    const kind = modelKind();
    if (!VIDEO_EXPORT_MODELS.includes(kind)) throw new UserError(`A video cannot be exported with the ${kind} model (${VIDEO_EXPORT_MODELS.join(' or ')}).`);
    return segmenterFor(kind);
  }

  return {
    /** Open `file`; resolves to {image, mask, info} (the earlier video is forgotten first). */
    async open(file) {
      video = null;
      const opened = await openVideoFile(file);
      const image = await firstFrame(opened);
      const segmenter = await chosenSegmenter().catch((error) => {
        image.close();
        throw error;
      });
      await segmenter.resetVideo();
      resetFilter();
      try {
        // a video-path mask is only valid until the next call: keep a copy as the still's mask
        const mask = maskOnCPU((await render(segmenter, image, 0)).mask);
        video = opened;
        const info = {
          name: opened.name,
          width: opened.width,
          height: opened.height,
          frames: opened.frameCount,
          durationUs: opened.durationUs,
          audio: opened.audio ? { codec: opened.audio.codec ?? null } : null,
        };
        return { image, mask, info };
      } catch (error) {
        image.close();
        throw error;
      } finally {
        await segmenter.resetVideo();
      }
    },

    async export() {
      if (!video) throw new UserError('Choose a video first (Choose video, or drop one on the page).');
      if (running) throw new UserError('A video is being exported already.');
      running = new AbortController();
      let segmenter;
      try {
        segmenter = await chosenSegmenter();
      } catch (error) {
        running = null;
        throw error;
      }
      try {
        await segmenter.resetVideo();
        resetFilter();
        const done = await exportVideo({
          video,
          canvas,
          signal: running.signal,
          onProgress,
          processFrame: async (image, timestampMs) => {
            await beforeFrame(timestampMs);
            await render(segmenter, image, timestampMs);
          },
        });
        return {
          blob: done.blob,
          name: video.name,
          frames: done.frames,
          model: segmenter.model,
          elapsedMs: done.elapsedMs,
          framesPerSecond: done.framesPerSecond,
          codec: done.codec,
          audioSkipped: done.audioSkipped,
          hadAudio: Boolean(video.audio),
        };
      } catch (error) {
        if (error?.name === 'AbortError') return null;
        throw error;
      } finally {
        running = null;
        await segmenter.resetVideo();
      }
    },

    cancel() {
      running?.abort();
    },

    forget() {
      if (!running) video = null;
    },
  };
}
