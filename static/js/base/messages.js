// User-facing messages for things that go wrong. Pure: tested with node. The lowest layer (base/):
// input/, segmenter/ and ui/ all import it, and it imports nothing.

/** An error whose message is meant for the user as is (no stack trace in the console). */
export class UserError extends Error {}

/** One line for a getUserMedia failure (a DOMException or anything thrown). */
export function cameraErrorMessage(error) {
  const name = error?.name ?? '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow the camera for this site in the browser settings, then press Start camera again. Photos still work.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Plug one in and press Start camera again, or use a photo.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'The camera could not be started: another application may be using it. Close it and try again.';
    case 'TypeError':
      return 'This browser does not offer camera access on this page (it needs https or localhost).';
    default:
      return `The camera could not be started: ${error?.message || name || String(error)}`;
  }
}

export const CAMERA_ENDED_MESSAGE =
  'The camera stopped (unplugged, or taken by another application). Press Start camera to try again.';

const HEIC_TYPES = ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'];

/**
 * A reason to refuse a file before decoding it, or null if it is worth trying.
 * `file` needs name, type and size (a File, or a plain object in tests).
 */
export function fileProblem(file) {
  const name = file?.name || 'the pasted image';
  if (!file || file.size === 0) return `${name} is empty (0 bytes).`;
  const type = (file.type || '').toLowerCase();
  if (HEIC_TYPES.includes(type) || /\.(heic|heif)$/i.test(file.name || '')) {
    return `${name} is a HEIC/HEIF photo, which Chrome cannot decode: convert it to JPEG or PNG first.`;
  }
  if (type && !type.startsWith('image/')) {
    return `${name} is not an image (${type}). Choose a JPEG, PNG or WebP photo.`;
  }
  return null;
}

/** One line when the browser failed to decode a file that looked like an image. */
export function decodeFailureMessage(file) {
  const name = file?.name || 'The pasted image';
  return `${name} could not be decoded: it is corrupt or not an image format this browser reads (JPEG, PNG, WebP, GIF, BMP).`;
}

/** The fix for a missing or broken model: re-export it (the converter writes both static/model/photo and live). */
function fixModel(folder) {
  const name = folder?.split('/').pop();
  return name
    ? `run \`python convert/export_tfjs.py\` (or \`--model models/${name}.keras --out ${folder}\`) to (re)create it`
    : 'run `python convert/export_tfjs.py` to (re)create it';
}

/**
 * Model loading failures, each naming the file and the fix. `folder` is the model's folder on the
 * server (static/model/live or static/model/photo), or null when unknown.
 */
export const modelMessages = {
  missing: (url, status, folder = null) =>
    `Model not found: ${url} answered ${status}. No model is installed${folder ? ` in ${folder}/` : ''}; ${fixModel(folder)}.`,
  unreadable: (url, detail, folder = null) => `Model file ${url} is not valid model JSON (${detail}); ${fixModel(folder)}.`,
  missingShard: (url, status, folder = null) =>
    `Model weights ${url} answered ${status}: the shard is missing; ${fixModel(folder)}.`,
  truncated: (urls, got, expected, folder = null) =>
    `Model weights ${urls.join(', ')} hold ${got} bytes but model.json expects ${expected}: a shard is truncated or from another export; ${fixModel(folder)}.`,
  badOutput: (url, shape, expected, folder = null) =>
    `Model ${url} outputs shape [${shape.join(', ')}], expected [${expected.join(', ')}] (the person probability, or a softmax with channel 1 = person); ${fixModel(folder)} from a greenscreen Keras model.`,
  badInput: (url, shape, folder = null) =>
    `Model ${url} takes input shape [${shape.join(', ')}], expected [1, H, W, 3] with H and W known; ${fixModel(folder)}.`,
};

export function backendFallbackMessage(wanted, used) {
  return `${wanted.toUpperCase()} is not available in this browser, so the model runs on ${used.toUpperCase()} (slower).`;
}
