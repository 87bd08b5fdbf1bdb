// Settings and the background from the page's side: a control changed → saved, shown in every
// control, and handed to the frame path (a structural change — background kind or picture —
// rebuilds its compositor; the rest only updates it). The uploaded background is decoded here,
// kept in IndexedDB for the next visit, and handed over: a picture as an ImageBitmap (moved to a
// Worker, not copied); a video as its looping <video> on the main thread. A Worker has no <video>:
// it gets the video's current frame and its file, and, while the video is the chosen background,
// every new frame the page's <video> plays (streamVideoFrames; stopped when another is chosen).
//
//   const look = createSettingsFlow({ui, state, status, settings, storage});
//   look.attach(engine);  await look.change({blurStrength: 20});  await look.upload(file);

import {
  BUILT_IN_BACKGROUNDS,
  USER_BACKGROUND_ID,
  forgetUploadedBackground,
  restoreUploadedBackground,
  useUploadedBackground,
} from '../input/backgrounds.js';
import { releaseVideoBackground, streamVideoFrames, videoBackgroundFile } from '../input/videoBackground.js';
import { saveSettings } from '../settings/userSettings.js';
import { fillBackgroundOptions, syncControls } from '../ui/controls.js';

const isVideo = (value) => value instanceof HTMLVideoElement;

export function createSettingsFlow({ ui, state, status, settings, storage }) {
  // the decoded upload (ImageBitmap or <video>), and its frames streaming to a Worker
  const held = { engine: null, userBackground: null, stream: null };

  /** What the frame path gets for the uploaded background (see the header), or null. */
  async function forEngine(background) {
    if (!background) return null;
    if (held.engine?.where !== 'worker') return background;
    if (!isVideo(background)) return createImageBitmap(background); // a copy, moved to the Worker
    return { kind: 'video', still: await createImageBitmap(background), blob: videoBackgroundFile(background) };
  }

  function stopStream() {
    held.stream?.stop();
    held.stream = null;
  }

  /** In a Worker, the video background's frames stream there while it is the chosen background. */
  function streamWhileChosen() {
    const chosen = settings.background === 'image' && settings.backgroundId === USER_BACKGROUND_ID;
    const video = held.engine?.where === 'worker' && chosen && isVideo(held.userBackground) ? held.userBackground : null;
    if (held.stream?.video === video) return;
    stopStream();
    if (video) held.stream = streamVideoFrames(video, (frame) => held.engine.backgroundFrame(frame));
  }

  function showBackgroundOptions() {
    const label = isVideo(held.userBackground) ? 'Your video' : 'Your picture';
    fillBackgroundOptions(ui, BUILT_IN_BACKGROUNDS, held.userBackground ? USER_BACKGROUND_ID : null, label);
  }

  function release(background) {
    if (isVideo(background)) releaseVideoBackground(background);
    else background?.close?.();
  }

  const flow = {
    /** Restore the upload from the last visit; resolves to what the frame path's start() needs. */
    async restore() {
      held.userBackground = await restoreUploadedBackground();
      if (!held.userBackground && settings.backgroundId === USER_BACKGROUND_ID) settings.backgroundId = BUILT_IN_BACKGROUNDS[0].id;
      showBackgroundOptions();
      syncControls(ui, settings);
    },

    async attach(engine) {
      held.engine = engine;
      const given = { settings: { ...settings }, userBackground: await forEngine(held.userBackground) };
      streamWhileChosen(); // frames that come before the engine has started are closed there
      return given;
    },

    /** Change settings; `structural` rebuilds the frame path's compositor. */
    async change(changes, { structural = false, userBackground } = {}) {
      if (structural) status.clear('background'); // "Background picture set" no longer holds
      Object.assign(settings, changes);
      saveSettings(storage, settings);
      syncControls(ui, settings);
      if (userBackground !== undefined) stopStream(); // the old video's frames must not reach the new background
      try {
        await held.engine?.setSettings(changes, { structural, ...(userBackground !== undefined ? { userBackground } : {}) });
      } catch (error) {
        status.error(error);
      }
      streamWhileChosen();
    },

    /** The frame path fell back to the default picture (the chosen one failed). */
    fellBack(changes) {
      Object.assign(settings, changes);
      syncControls(ui, settings);
    },

    async upload(file) {
      try {
        const image = await useUploadedBackground(file);
        const previous = held.userBackground;
        held.userBackground = image;
        showBackgroundOptions();
        const given = await forEngine(image);
        await flow.change({ background: 'image', backgroundId: USER_BACKGROUND_ID }, { structural: true, userBackground: given });
        if (previous !== image && isVideo(previous)) release(previous);
        if (previous !== image && !isVideo(previous) && held.engine?.where === 'worker') release(previous);
        const kind = isVideo(image) ? 'video (looping, muted)' : 'picture';
        status.message(`Background ${kind} set; it is kept in this browser for your next visit.`, 'info', 'background');
      } catch (error) {
        status.error(error);
      }
    },

    async forget() {
      await forgetUploadedBackground().catch(() => {});
      const forgotten = held.userBackground;
      held.userBackground = null;
      showBackgroundOptions();
      const changes = settings.backgroundId === USER_BACKGROUND_ID ? { background: 'image', backgroundId: BUILT_IN_BACKGROUNDS[0].id } : {};
      await flow.change(changes, { structural: true, userBackground: null });
      if (isVideo(forgotten) || held.engine?.where === 'worker') release(forgotten); // after the compositor that drew it is gone
      status.message('Uploaded background forgotten.', 'info', 'background');
    },

    /** {kind: 'video', loop, muted, currentTime, framesStreamed, streaming} or {kind: 'picture'}, or null (automation API). */
    get userBackground() {
      const background = held.userBackground;
      if (isVideo(background)) {
        const { loop, muted, currentTime } = background;
        return { kind: 'video', loop, muted, currentTime, framesStreamed: held.stream?.sent ?? 0, streaming: Boolean(held.stream) };
      }
      return background ? { kind: 'picture' } : null;
    },
  };
  return flow;
}
