// Export a whole video file with its background swapped: every frame, decoded in order with its own
// timestamp (input/videoFrames.js), segmented and composited by the caller's `processFrame`, then
// encoded into a WebM with that same timestamp (webmWriter.js), so the result keeps the source's
// timing however long each frame took. The source's sound is carried as Opus when the browser can.
// Not real time: it runs at the model's speed; `signal` cancels it and nothing is downloaded.
//
//   const result = await exportVideo({video, canvas, processFrame, signal, onProgress});
//   result.blob (video/webm), result.frames, result.audioSkipped (a reason, or null)

import { abortError, decodeVideoFrames } from '../input/videoFrames.js';
import { transcodeAudio } from './audioTranscode.js';
import { createRecentRate, exportProgress } from './progress.js';
import { createWebmWriter } from './webmWriter.js';

const KEYFRAME_SECONDS = 2; // a keyframe every 2 s: seeking in the result stays quick

/**
 * `video`: from openVideoFile(). `canvas`: where processFrame draws the result (its pixels become
 * the frame). `processFrame(image, timestampMs, index)`: async, segments and composites `image`
 * (an ImageBitmap at the video's size) into `canvas`. `onProgress({fraction, text, …})`.
 */
export async function exportVideo({ video, canvas, processFrame, signal, onProgress = () => {} }) {
  const started = performance.now();
  const total = video.frameCount;
  onProgress({ ...exportProgress({ done: 0, total, elapsedMs: 0 }), text: 'Preparing the sound…' });
  const sound = await transcodeAudio(video.audio, video.source, { signal });
  if (signal?.aborted) throw abortError();

  // Both tracks start at 0 together: shift by the earliest timestamp of either.
  const firstVideo = video.index.video.samples.reduce((min, s) => Math.min(min, s.timestamp), Infinity);
  const firstAudio = sound.chunks.length ? sound.chunks[0].timestamp : Infinity;
  const origin = Math.min(firstVideo, firstAudio);
  const keyEvery = Math.max(1, Math.round(video.frameRate * KEYFRAME_SECONDS));

  let writer = null;
  let done = 0;
  const recent = createRecentRate();
  recent.add(0, performance.now());
  let last = -1;
  try {
    for await (const frame of decodeVideoFrames(video.index.video, video.source, { signal })) {
      let timestamp = Math.max(0, frame.timestamp - origin);
      if (timestamp <= last) timestamp = last + 1; // equal stamps in a broken file: keep the frame
      last = timestamp;
      const duration = frame.duration ?? undefined;
      let image;
      try {
        image = await createImageBitmap(frame);
      } finally {
        frame.close();
      }
      try {
        await processFrame(image, timestamp / 1000, done);
        if (signal?.aborted) throw abortError();
        // The writer is made on the first frame: its size is the composited frame's size.
        writer ??= await createWebmWriter({
          width: canvas.width,
          height: canvas.height,
          frameRate: video.frameRate,
          audio: sound.config,
        });
        if (done === 0) writer.addAudio(sound.chunks.map((c) => ({ ...c, timestamp: c.timestamp - origin })));
        const result = new VideoFrame(canvas, { timestamp, ...(duration ? { duration } : {}) });
        try {
          await writer.addFrame(result, { keyFrame: done % keyEvery === 0 });
        } finally {
          result.close();
        }
      } finally {
        image.close();
      }
      done++;
      const now = performance.now();
      recent.add(done, now);
      onProgress(exportProgress({ done, total, elapsedMs: now - started, recentFramesPerSecond: recent.rate() }));
    }
    if (signal?.aborted) throw abortError();
    if (!writer) throw new Error('The video gave no frame to export.');
    const blob = await writer.finish();
    const elapsedMs = performance.now() - started;
    return {
      blob,
      frames: done,
      elapsedMs,
      framesPerSecond: (done * 1000) / elapsedMs,
      codec: writer.codec,
      audioSkipped: sound.skipped,
    };
  } catch (error) {
    writer?.abort();
    throw error;
  }
}
