// The Record button while the camera runs: press to record the swapped result (WebM, with the
// microphone when allowed, silence otherwise), press again to stop and download the clip. The
// elapsed time shows next to it. The camera stopping or ending mid-recording stops the recording
// and still downloads the clip. Without MediaRecorder or a WebM codec the button stays disabled
// and says why.
//
//   const recording = createRecordFlow({button, timer, canvas, status});
//   recording.cameraChanged('on' | 'off');

import { recordingFileName } from '../output/names.js';
import { formatElapsed, recordingProblem, startRecording } from '../output/recorder.js';
import { saveBlob } from '../output/saveFile.js';

export function createRecordFlow({ button, timer, canvas, status, withMicrophone = true }) {
  const problem = recordingProblem({ canvas });
  let recording = null;
  let starting = false;
  let ticker = null;
  let cameraOn = false;

  function show() {
    const on = recording !== null;
    button.textContent = on ? 'Stop recording' : 'Record';
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('recording', on);
    button.disabled = Boolean(problem) || (!cameraOn && !on) || starting;
    button.title = problem ?? (cameraOn ? 'Record the swapped camera as a WebM video' : 'Start the camera to record');
    timer.hidden = !on;
  }

  async function start() {
    if (recording || starting || problem || !cameraOn) return;
    starting = true;
    show();
    try {
      recording = await startRecording({ canvas, withMicrophone, onError: (error) => status.error(error) });
      timer.textContent = '● 0:00';
      ticker = setInterval(() => {
        timer.textContent = `● ${formatElapsed(recording?.elapsedMs ?? 0)}`;
      }, 250);
      status.message(recording.audio === 'microphone' ? 'Recording, with your microphone.' : 'Recording (no microphone: the clip has silence).');
    } catch (error) {
      status.error(error);
    } finally {
      starting = false;
      show();
    }
  }

  async function stop(reason = null) {
    if (!recording) return null;
    const current = recording;
    recording = null;
    clearInterval(ticker);
    show();
    const { blob, durationMs } = await current.stop();
    const name = recordingFileName();
    saveBlob(blob, name);
    status.message(`${reason ? `${reason} ` : ''}Saved ${name} (${formatElapsed(durationMs)}, ${(blob.size / 1e6).toFixed(1)} MB).`);
    return { name, bytes: blob.size, durationMs };
  }

  button.addEventListener('click', () => (recording ? stop() : start()));
  show();

  return {
    problem,
    get recording() {
      return recording !== null;
    },
    start,
    stop,
    /** The camera's state changed ('off' | 'starting' | 'on'): a recording ends with the camera. */
    cameraChanged(state) {
      cameraOn = state === 'on';
      if (!cameraOn && recording) stop('The camera stopped, so the recording ended.');
      show();
    },
  };
}
