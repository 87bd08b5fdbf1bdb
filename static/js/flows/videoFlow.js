// A video file from the page's side: choose or drop it → the frame path opens it and shows its first
// frame swapped → Export video → the frame path decodes, segments, composites, encodes and muxes
// every frame (engine/videoJob.js) while this shows progress, time left and Cancel → the WebM is
// saved. A cancelled export saves nothing. Export video is only on while a video is on the stage.
//
//   const videos = createVideoFlow({ui, state, status, engine, clearStage, showResult});
//   await videos.choose(file);  await videos.export();  videos.cancel();  videos.forget();

import { UserError } from '../base/messages.js';
import { exportFileName } from '../output/names.js';
import { saveBlob } from '../output/saveFile.js';

function describe(video) {
  const seconds = (video.durationUs / 1e6).toFixed(1);
  const sound = video.audio ? ', with sound' : ', no sound';
  return `${video.name}: ${video.width}×${video.height}, ${video.frames} frames, ${seconds} s${sound}`;
}

function doneMessage(result) {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  const sound = result.audioSkipped ? ` Without sound: ${result.audioSkipped}.` : result.hadAudio ? ' With the original sound.' : '';
  const codec = result.codec.startsWith('vp8') ? 'VP8' : 'VP9';
  const model = result.model ? ` with the ${result.model} model` : '';
  return `Exported ${result.frames} frames${model} in ${seconds} s (${result.framesPerSecond.toFixed(1)} frames/s, ${codec}).${sound}`;
}

/** The model the page's settings choose for videos: 'live' or 'photo'. */
const videoModel = (state) => state.settings?.videoExportModel ?? 'live';

export function createVideoFlow({ ui, state, status, engine, clearStage, showResult }) {
  const held = { video: null, running: null, opening: 0 };

  function showProgress({ fraction, text }) {
    ui.exportProgress.hidden = false;
    ui.exportProgress.value = fraction;
    ui.exportProgressText.textContent = text;
  }

  function setExporting(on) {
    ui.exportVideo.disabled = on || !held.video;
    ui.cancelExport.hidden = !on;
    ui.videoInput.disabled = on;
    ui.exportPhotoModel.disabled = on; // an export keeps the model it started with
    if (!on) {
      ui.exportProgress.hidden = true;
      ui.exportProgressText.textContent = '';
    }
  }

  /** No video on the stage any more (a photo, the camera, or a file that failed). */
  function forget() {
    if (held.running) return;
    held.video = null;
    if (state.mode === 'video') state.mode = 'idle'; // a refused file must not leave 'video' with nothing held
    ui.exportVideo.disabled = true;
    engine.forgetVideo().catch(() => {});
  }

  async function choose(file) {
    const mine = ++held.opening;
    if (held.running) await cancel();
    await clearStage();
    forget(); // the earlier video is gone whatever this one turns out to be
    status.message('Reading the video…');
    try {
      const info = await engine.openVideo(file);
      if (mine !== held.opening) return null;
      held.video = info;
      state.mode = 'video';
      state.results++;
      showResult(videoModel(state));
      ui.exportVideo.disabled = false;
      status.message(`${describe(info)}. Press Export video to swap every frame.`);
      return { width: info.width, height: info.height, frames: info.frames, audio: Boolean(info.audio) };
    } catch (error) {
      status.error(error);
      throw error;
    }
  }

  async function runExport() {
    if (!held.video) {
      status.error(new UserError('Choose a video first (Choose video, or drop one on the page).'));
      return null;
    }
    if (held.running) return held.running;
    const source = held.video;
    held.running = (async () => {
      setExporting(true);
      state.mode = 'exporting';
      status.message(`Exporting ${source.name}: every frame through the ${videoModel(state)} model…`);
      try {
        const result = await engine.exportVideo();
        if (!result) {
          status.message('Export cancelled: nothing was saved.');
          return null;
        }
        saveBlob(result.blob, exportFileName(source.name));
        showResult(result.model); // its last frame stays on screen
        status.message(doneMessage(result), result.audioSkipped && result.hadAudio ? 'notice' : 'info');
        return { frames: result.frames, framesPerSecond: result.framesPerSecond, bytes: result.blob.size, audioSkipped: result.audioSkipped };
      } catch (error) {
        status.error(new UserError(`The export failed: ${error?.message ?? error}`));
        return null;
      } finally {
        held.running = null;
        state.mode = 'video';
        setExporting(false);
      }
    })();
    return held.running;
  }

  async function cancel() {
    if (!held.running) return;
    const running = held.running;
    await engine.cancelExport();
    await running;
  }

  /** The frame path's 'exportProgress' event. */
  function onProgress(progress) {
    const hidden = document.hidden ? ' (the tab is hidden: it goes on, a little slower)' : '';
    showProgress({ ...progress, text: progress.text + hidden });
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
    onProgress,
    get exporting() {
      return held.running !== null;
    },
  };
}
