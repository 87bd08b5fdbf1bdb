// Record the live result: MediaRecorder on the result canvas's stream, plus the microphone when the
// user allows it (silence otherwise, so every clip has a sound track). The clip is a WebM Blob.
//
//   const problem = recordingProblem();           // null, or why the Record button is disabled
//   const recording = await startRecording({canvas, withMicrophone: true});
//   recording.elapsedMs; const {blob, audio} = await recording.stop();
//
// A camera that ends mid-recording changes nothing here: the canvas keeps its last frame, and the
// caller stops the recording, which still gives a complete, playable file.

export const RECORDING_TYPES = Object.freeze([
  'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp9,opus',
  'video/webm',
]);
const FRAME_RATE = 30;
const TIMESLICE_MS = 1000; // hand over data every second: a crash loses at most a second

/** The first WebM type this browser records, or null. `recorder`: MediaRecorder (injectable). */
export function recordingType(recorder = globalThis.MediaRecorder) {
  if (typeof recorder?.isTypeSupported !== 'function') return null;
  return RECORDING_TYPES.find((type) => recorder.isTypeSupported(type)) ?? null;
}

/** Why recording cannot work in this browser, or null. */
export function recordingProblem({ recorder = globalThis.MediaRecorder, canvas = null } = {}) {
  if (typeof recorder !== 'function') return 'Recording needs MediaRecorder, which this browser does not have.';
  if (!recordingType(recorder)) return 'This browser cannot record WebM video (no VP8/VP9 encoder for MediaRecorder).';
  if (canvas && typeof canvas.captureStream !== 'function') return 'This browser cannot capture a canvas as a video stream.';
  return null;
}

/** A silent audio track (an AudioContext destination with nothing playing into it). */
function silentTrack() {
  const AudioContextClass = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!AudioContextClass) return { track: null, close: () => {} };
  const context = new AudioContextClass();
  const destination = context.createMediaStreamDestination();
  return { track: destination.stream.getAudioTracks()[0] ?? null, close: () => context.close().catch(() => {}) };
}

async function microphoneTrack() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    return stream.getAudioTracks()[0] ?? null;
  } catch {
    return null; // denied or no microphone: the clip gets silence
  }
}

/**
 * Start recording `canvas`. Resolves to {type, audio: 'microphone' | 'silence' | 'none',
 * elapsedMs (getter), stop() → Promise<{blob, durationMs, audio}>}.
 */
export async function startRecording({ canvas, withMicrophone = true, onError = () => {} }) {
  const problem = recordingProblem({ canvas });
  if (problem) throw new Error(problem);
  const type = recordingType();
  const video = canvas.captureStream(FRAME_RATE);
  const microphone = withMicrophone ? await microphoneTrack() : null;
  const silence = microphone ? null : silentTrack();
  const audioTrack = microphone ?? silence?.track ?? null;
  const audio = microphone ? 'microphone' : audioTrack ? 'silence' : 'none';
  const stream = new MediaStream([...video.getVideoTracks(), ...(audioTrack ? [audioTrack] : [])]);
  const recorder = new MediaRecorder(stream, { mimeType: type });
  const parts = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) parts.push(event.data);
  };
  recorder.onerror = (event) => onError(event.error ?? new Error('The recording failed.'));
  const started = performance.now();
  recorder.start(TIMESLICE_MS);

  let stopping = null;
  function release() {
    stream.getTracks().forEach((track) => track.stop());
    silence?.close();
  }

  return {
    type,
    audio,
    get elapsedMs() {
      return performance.now() - started;
    },
    get state() {
      return recorder.state;
    },
    stop() {
      stopping ??= new Promise((resolve) => {
        const durationMs = performance.now() - started;
        recorder.onstop = () => {
          release();
          resolve({ blob: new Blob(parts, { type: 'video/webm' }), durationMs, audio });
        };
        if (recorder.state === 'inactive') recorder.onstop();
        else recorder.stop();
      });
      return stopping;
    },
  };
}

/** "0:07", "12:03": the elapsed time shown while recording. */
export function formatElapsed(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
