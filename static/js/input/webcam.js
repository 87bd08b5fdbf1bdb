// The webcam: start/stop, and a frame loop where processing never overlaps itself: the next frame is
// requested only after the previous one is fully done, so slow inference drops frames instead of
// queueing them (the pile-up behind high CPU in other virtual-background tools).

import { CAMERA_ENDED_MESSAGE, cameraErrorMessage } from '../base/messages.js';

/**
 * `video`: a <video> element kept in the page (may be visually hidden).
 * `onFrame(video)`: async, processes the current frame. `onError(message)`: the camera failed or
 * stopped; the webcam is already off again. `onStateChange(state)`: 'off' | 'starting' | 'on'.
 */
export function createWebcam({ video, onFrame, onError, onStateChange = () => {} }) {
  let stream = null;
  let state = 'off';
  let generation = 0; // a stop() or a new start() invalidates loops of an earlier one

  function setState(next) {
    state = next;
    onStateChange(next);
  }

  function scheduleNext(callback) {
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback(() => callback());
    } else {
      requestAnimationFrame(() => callback());
    }
  }

  function runLoop(loopGeneration) {
    const step = async () => {
      if (loopGeneration !== generation) return;
      try {
        await onFrame(video);
      } catch (error) {
        if (loopGeneration !== generation) return;
        stop();
        onError(`Processing the camera frame failed: ${error.message}`);
        return;
      }
      if (loopGeneration === generation) scheduleNext(step);
    };
    scheduleNext(step);
  }

  async function start() {
    if (state !== 'off') return;
    const myGeneration = ++generation;
    setState('starting');
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new TypeError('getUserMedia is not available');
      const newStream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
      });
      if (myGeneration !== generation) {
        newStream.getTracks().forEach((track) => track.stop()); // stopped while asking
        return;
      }
      stream = newStream;
      const [track] = stream.getVideoTracks();
      track.addEventListener('ended', () => {
        if (stream !== newStream) return;
        stop();
        onError(CAMERA_ENDED_MESSAGE);
      });
      video.srcObject = stream;
      await video.play();
      setState('on');
      runLoop(myGeneration);
    } catch (error) {
      if (myGeneration !== generation) return;
      stop();
      onError(cameraErrorMessage(error));
    }
  }

  function stop() {
    generation++;
    // Announce 'off' while the <video> still shows the last frame, so listeners can keep a still.
    if (state !== 'off') setState('off');
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
  }

  return {
    start,
    stop,
    get state() {
      return state;
    },
    get stream() {
      return stream;
    },
  };
}
