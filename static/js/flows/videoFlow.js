// A video file as the source, end to end: choose or drop it → its first frame swapped on screen →
// Export video → every frame through the live model's video path (temporal smoothing) and the
// compositor → a WebM download with the original sound when the browser can carry it.
// Progress, time left and Cancel while it runs; a cancelled export downloads nothing.
//
//   const flow = createVideoFlow({ui, status, segmenterFor, compositor: () => current, …});
//   await flow.choose(file);  await flow.export();  flow.cancel();

import { filteredSegmenter } from './compositor/mainPerson.js';
import { renderVideoFrame } from './framePath.js';
import { openVideoFile } from './input/videoFile.js';
import { decodeVideoFrames } from './input/videoFrames.js';
import { exportFileName } from './output/names.js';
import { saveBlob } from './output/saveFile.js';
import { exportVideo } from './output/videoExport.js';
import { UserError } from './base/messages.js';
import { maskOnCPU } from './segmenter/index.js';

function describe(video) {
  const seconds = (video.durationUs / 1e6).toFixed(1);
  const sound = video.audio ? ', with sound' : ', no sound';
  return `${video.name}: ${video.width}×${video.height}, ${video.frameCount} frames, ${seconds} s${sound}`;
}

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
 * ui: {videoInput, exportVideo, cancelExport, exportProgress, exportProgressText, result}.
 * status: the status line. segmenterFor(kind) → the ready segmenter. compositor() → the current
 * compositor. smoothing() → the temporal smoothing setting. maskFilter(mask) → the mask to draw
 * (e.g. only the main person). beforeStart() stops other sources. onStill(image, mask) keeps the
 * preview as the page's result; onModeChange('video' | 'exporting') tells the page what runs.
 * beforeExportFrame(timestampMs) readies anything timed (a video background) for that frame;
 * afterExport() undoes it.
 */
export function createVideoFlow({
  ui,
  status,
  segmenterFor,
  compositor,
  smoothing = () => 0.5,
  maskFilter = (mask) => mask,
  resetFilter = () => {},
  beforeStart = async () => {},
  onStill = () => {},
  onModeChange = () => {},
  beforeExportFrame = async () => {},
  afterExport = () => {},
}) {
  let video = null; // the opened file
  let running = null; // {controller, done} while exporting
  let opening = 0;

  function showProgress({ fraction, text }) {
    ui.exportProgress.hidden = false;
    ui.exportProgress.value = fraction;
    ui.exportProgressText.textContent = text;
  }

  function setExporting(on) {
    ui.exportVideo.disabled = on || !video;
    ui.cancelExport.hidden = !on;
    ui.videoInput.disabled = on;
    if (!on) {
      ui.exportProgress.hidden = true;
      ui.exportProgressText.textContent = '';
    }
  }

  /** No video any more (a photo or the camera took the stage, or a file failed): nothing to export. */
  function forget() {
    video = null;
    if (!running) ui.exportVideo.disabled = true;
  }

  /** One frame through the frame path (framePath.js: prepared once for the model and the compositor). */
  function renderFrame(segmenter, image, timestampMs) {
    return renderVideoFrame({
      segmenter: filteredSegmenter(segmenter, maskFilter),
      compositor,
      source: image,
      timestamp: timestampMs,
      smoothing: smoothing(),
    });
  }

  async function choose(file) {
    const mine = ++opening;
    if (running) await cancel();
    await beforeStart();
    forget(); // the earlier video is gone from the stage whatever this one turns out to be
    status.message('Reading the video…');
    try {
      const opened = await openVideoFile(file);
      const image = await firstFrame(opened);
      const segmenter = await segmenterFor('live');
      await segmenter.resetVideo();
      resetFilter();
      // a video-path mask is only valid until the next call: keep a copy as the still's mask
      const mask = maskOnCPU((await renderFrame(segmenter, image, 0)).mask);
      await segmenter.resetVideo();
      if (mine !== opening) {
        image.close();
        return null;
      }
      video = opened;
      onStill(image, mask);
      onModeChange('video');
      ui.exportVideo.disabled = false;
      status.message(`${describe(opened)}. Press Export video to swap every frame.`);
      return { width: opened.width, height: opened.height, frames: opened.frameCount, audio: Boolean(opened.audio) };
    } catch (error) {
      status.error(error);
      throw error;
    }
  }

  async function runExport() {
    if (!video) {
      status.error(new UserError('Choose a video first (Choose video, or drop one on the page).'));
      return null;
    }
    if (running) return running.done;
    const controller = new AbortController();
    const source = video;
    const done = (async () => {
      setExporting(true);
      onModeChange('exporting');
      status.message(`Exporting ${source.name}: every frame through the model…`);
      const hidden = () => (document.hidden ? ' (the tab is hidden: it goes on, a little slower)' : '');
      try {
        const segmenter = await segmenterFor('live');
        await segmenter.resetVideo();
        resetFilter();
        const result = await exportVideo({
          video: source,
          canvas: ui.result,
          signal: controller.signal,
          onProgress: (progress) => showProgress({ ...progress, text: progress.text + hidden() }),
          processFrame: async (image, timestampMs) => {
            await beforeExportFrame(timestampMs);
            await renderFrame(segmenter, image, timestampMs);
          },
        });
        await segmenter.resetVideo();
        saveBlob(result.blob, exportFileName(source.name));
        const seconds = (result.elapsedMs / 1000).toFixed(1);
        const sound = result.audioSkipped ? ` Without sound: ${result.audioSkipped}.` : ' With the original sound.';
        status.message(
          `Exported ${result.frames} frames in ${seconds} s (${result.framesPerSecond.toFixed(1)} frames/s, ${result.codec.startsWith('vp8') ? 'VP8' : 'VP9'}).${sound}`,
          result.audioSkipped && source.audio ? 'notice' : 'info',
        );
        return { frames: result.frames, framesPerSecond: result.framesPerSecond, bytes: result.blob.size, audioSkipped: result.audioSkipped };
      } catch (error) {
        (await segmenterFor('live').catch(() => null))?.resetVideo();
        if (error?.name === 'AbortError') {
          status.message('Export cancelled: nothing was saved.');
          return null;
        }
        status.error(new UserError(`The export failed: ${error?.message ?? error}`));
        console.error(error);
        return null;
      } finally {
        running = null;
        afterExport();
        setExporting(false);
        onModeChange('video');
      }
    })();
    running = { controller, done };
    return done;
  }

  async function cancel() {
    if (!running) return;
    const { controller, done } = running;
    controller.abort();
    await done;
  }

  ui.exportVideo.disabled = true;
  ui.cancelExport.hidden = true;
  ui.exportProgress.hidden = true;
  ui.exportVideo.addEventListener('click', () => runExport());
  ui.cancelExport.addEventListener('click', () => cancel());

  return {
    choose,
    export: runExport,
    cancel,
    forget,
    get exporting() {
      return running !== null;
    },
    get video() {
      return video ? { name: video.name, width: video.width, height: video.height, frames: video.frameCount } : null;
    },
  };
}
