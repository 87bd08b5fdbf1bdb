// The person segmenter: loads the TF.js graph model and turns an image, video frame or canvas into a
// person-probability map at the model's input size. Uses the global `tf` (classic scripts
// /vendor/tfjs/tf.min.js and /vendor/tfjs-backend-wasm/tf-backend-wasm.min.js).
//
//   const segmenter = await createSegmenter({backend: 'webgl', onProgress: (f) => …});
//   const {data, width, height} = await segmenter.segment(videoOrImage, {flip: true});
//   segmenter.dispose();
//
// Contract (docs/model-contract.md): input float32 [1, H, W, 3] RGB 0–255, the whole frame stretched
// to H×W with bilinear filtering; output softmax [1, H, W, 2], channel 1 = person.

import { validateSegmenterConfig } from '../settings/config.js';
import { backendFallbackMessage, modelMessages } from '../ui/messages.js';
import { installFastTransposedConv, releasePackedFilters } from './transposedConv.js';

const WASM_PATH = '/vendor/tfjs-backend-wasm/';
const BYTES_PER_ELEMENT = { float32: 4, int32: 4, uint16: 2, float16: 2, uint8: 1, bool: 1 };
let wasmPathSet = false;

function tfGlobal() {
  const tf = globalThis.tf;
  if (!tf) throw new Error('TF.js did not load (/vendor/tfjs/tf.min.js): run `npm install` and reload.');
  return tf;
}

/**
 * Switch TF.js to `wanted`, falling back to the other backends. `tf.setBackend` resolves false
 * (or throws) without changing anything when a backend cannot start, so check `tf.getBackend()`.
 * Returns the backend in use; `onNotice` hears about a fallback.
 */
export async function selectBackend(wanted, onNotice = () => {}, { fresh = false } = {}) {
  const tf = tfGlobal();
  if (!wasmPathSet && tf.wasm?.setWasmPaths) {
    tf.wasm.setWasmPaths(WASM_PATH); // before the WASM backend first initialises
    wasmPathSet = true;
  }
  if (fresh) restartBackend(tf, wanted);
  const order = [wanted, ...['webgl', 'wasm', 'cpu'].filter((b) => b !== wanted)];
  for (const backend of order) {
    if (!tf.findBackendFactory(backend)) continue;
    try {
      const ok = await tf.setBackend(backend);
      await tf.ready();
      if (ok && tf.getBackend() === backend) {
        if (backend !== wanted) onNotice(backendFallbackMessage(wanted, backend));
        return backend;
      }
    } catch (error) {
      console.warn(`TF.js backend ${backend} failed to start:`, error);
    }
  }
  throw new Error('No TF.js backend could start (tried WebGL, WASM and CPU).');
}

/**
 * Throw away a backend instance (e.g. WebGL after its context was lost: TF.js forgets the lost
 * context but the backend object keeps using it) so the next setBackend builds a new one.
 */
function restartBackend(tf, name) {
  const factory = tf.findBackendFactory(name);
  if (!factory) return;
  try {
    tf.removeBackend(name);
  } catch (error) {
    console.warn(`Removing the ${name} backend failed:`, error); // disposing a lost context may throw
  }
  tf.registerBackend(name, factory);
}

function weightBytes(entry) {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const perElement = BYTES_PER_ELEMENT[dtype];
  if (!perElement) return null; // string tensors: size not knowable from the manifest
  return entry.shape.reduce((a, b) => a * b, 1) * perElement;
}

/** Fetch one weight file, reporting bytes as they arrive. */
async function fetchShard(url, onBytes) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${modelMessages.missingShard(url, `a network error (${error.message})`)}`);
  }
  if (!response.ok) throw new Error(modelMessages.missingShard(url, response.status));
  if (!response.body?.getReader) {
    const buffer = await response.arrayBuffer();
    onBytes(buffer.byteLength);
    return new Uint8Array(buffer);
  }
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    onBytes(value.byteLength);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Load model.json and its weight shards ourselves (instead of tf.io.http) so that progress counts
 * bytes and every failure names the file: missing model.json, missing shard, truncated shard.
 */
async function fetchModelArtifacts(modelUrl, onProgress) {
  const tf = tfGlobal();
  const absoluteUrl = new URL(modelUrl, globalThis.location?.href);
  let response;
  try {
    response = await fetch(absoluteUrl);
  } catch (error) {
    throw new Error(modelMessages.missing(modelUrl, `a network error (${error.message})`));
  }
  if (!response.ok) throw new Error(modelMessages.missing(modelUrl, response.status));
  let modelJson;
  try {
    modelJson = await response.json();
  } catch (error) {
    throw new Error(modelMessages.unreadable(modelUrl, error.message));
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(modelMessages.unreadable(modelUrl, 'no modelTopology or weightsManifest'));
  }

  const loadWeights = async (manifest) => {
    const groups = manifest.map((group) => {
      const sizes = group.weights.map(weightBytes);
      return {
        urls: group.paths.map((path) => new URL(path, absoluteUrl).href),
        expected: sizes.includes(null) ? null : sizes.reduce((a, b) => a + b, 0),
      };
    });
    const total = groups.reduce((sum, group) => sum + (group.expected ?? 0), 0);
    let received = 0;
    onProgress(0);
    const groupBuffers = [];
    for (const group of groups) {
      const parts = [];
      for (const url of group.urls) {
        parts.push(await fetchShard(url, (n) => {
          received += n;
          if (total > 0) onProgress(Math.min(received / total, 1));
        }));
      }
      const got = parts.reduce((sum, part) => sum + part.byteLength, 0);
      if (group.expected !== null && got !== group.expected) {
        throw new Error(modelMessages.truncated(group.urls.map((u) => new URL(u).pathname), got, group.expected));
      }
      groupBuffers.push(...parts.map((part) => part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength)));
    }
    onProgress(1);
    const specs = manifest.flatMap((group) => group.weights);
    return [specs, tf.io.concatenateArrayBuffers(groupBuffers)];
  };
  return tf.io.getModelArtifactsForJSON(modelJson, loadWeights);
}

function knownSize(value) {
  return Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Create a segmenter. Options: modelUrl, backend ('webgl' | 'wasm'), inputSize ([H, W], only when
 * the model's input shape leaves it open), onProgress(fraction 0–1), onNotice(message),
 * onContextLost() (the GPU dropped the WebGL context: make a new segmenter with freshBackend: true).
 */
export async function createSegmenter({
  onProgress = () => {},
  onNotice = () => {},
  onContextLost = () => {},
  inputSize = null,
  freshBackend = false,
  ...options
} = {}) {
  const config = validateSegmenterConfig(options);
  const tf = tfGlobal();
  const backend = await selectBackend(config.backend, onNotice, { fresh: freshBackend });
  // TF.js's WASM transposed convolution is a plain loop (most of our frame time): run it on XNNPACK.
  if (backend === 'wasm') installFastTransposedConv(tf);

  const artifacts = await fetchModelArtifacts(config.modelUrl, onProgress);
  const model = await tf.loadGraphModel({ load: async () => artifacts });

  const inputShape = model.inputs[0]?.shape ?? [];
  const height = knownSize(inputShape[1]) ?? knownSize(inputSize?.[0]);
  const width = knownSize(inputShape[2]) ?? knownSize(inputSize?.[1]);
  if (!height || !width || (inputShape.length && inputShape[3] !== 3 && inputShape[3] !== -1)) {
    model.dispose();
    throw new Error(modelMessages.badInput(config.modelUrl, inputShape));
  }

  // One pass on zeros: checks the output shape and compiles the WebGL shaders before the first frame.
  const outputShape = tf.tidy(() => firstOutput(model.execute(tf.zeros([1, height, width, 3]))).shape);
  const expected = [1, height, width, 2];
  if (outputShape.join() !== expected.join()) {
    model.dispose();
    throw new Error(modelMessages.badOutput(config.modelUrl, outputShape, expected));
  }

  // The model-size canvas the browser scales every source into (see segment()).
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  // WebGL uploads the canvas as a texture (keep it on the GPU); the CPU backends read its pixels
  // back every frame, which a CPU-backed canvas does without a GPU round trip.
  const readsPixels = backend !== 'webgl';
  const context = canvas.getContext('2d', readsPixels ? { willReadFrequently: true } : undefined);
  const rgb = readsPixels ? new Float32Array(height * width * 3) : null; // reused every frame
  let queue = Promise.resolve();
  let disposed = false;
  let contextLost = false;
  // A GPU reset, a driver update or too many WebGL pages can take the context away at any time.
  const glCanvas = backend === 'webgl' ? tf.backend().gpgpu?.gl?.canvas : null;
  const handleContextLost = () => {
    contextLost = true;
    onContextLost();
  };
  glCanvas?.addEventListener('webglcontextlost', handleContextLost);

  /** Person probability [H, W] for a batch-of-one float input; call inside tf.tidy. */
  const personMap = (input) =>
    firstOutput(model.execute(input)).slice([0, 0, 0, 1], [1, height, width, 1]).reshape([height, width]);

  /** The canvas as float32 [1, H, W, 3] straight from its RGBA bytes (no int32 tensor and cast). */
  function pixelsAsTensor() {
    const rgba = context.getImageData(0, 0, width, height).data;
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = rgba[j];
      rgb[i + 1] = rgba[j + 1];
      rgb[i + 2] = rgba[j + 2];
    }
    return tf.tensor4d(rgb, [1, height, width, 3], 'float32'); // copies rgb into the backend
  }

  async function runSegment(source, { flip = false } = {}) {
    if (disposed) throw new Error('The segmenter was disposed.');
    if (contextLost) throw new Error('The WebGL context was lost; the model must be reloaded.');
    // Stretch the whole frame to the model size with the browser's high-quality scaler: the same
    // resize as the Python side (PIL bilinear), and it reads the source's natural size, not its
    // displayed size (tf.browser.fromPixels on an <img>/<video> would use the displayed one).
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.clearRect(0, 0, width, height);
    context.drawImage(source, 0, 0, width, height);
    const person = tf.tidy(() => {
      const input = readsPixels ? pixelsAsTensor() : tf.browser.fromPixels(canvas).toFloat().expandDims(0);
      const plain = personMap(input);
      if (!flip) return plain;
      // Test-time augmentation: segment the mirrored image too, mirror its map back, average.
      const mirrored = personMap(tf.reverse(input, 2)).reverse(1);
      return plain.add(mirrored).div(2);
    });
    try {
      return { data: await person.data(), width, height };
    } finally {
      person.dispose();
    }
  }

  return {
    backend,
    inputSize: [height, width],
    modelUrl: config.modelUrl,
    /** Segment one source; calls are queued so two never share the scaling canvas at once. */
    segment(source, options) {
      const run = queue.then(() => runSegment(source, options));
      queue = run.catch(() => {});
      return run;
    },
    get contextLost() {
      return contextLost;
    },
    dispose() {
      disposed = true;
      glCanvas?.removeEventListener('webglcontextlost', handleContextLost);
      try {
        model.dispose();
      } catch (error) {
        console.warn('Disposing the model failed:', error); // e.g. its WebGL context is gone
      }
      if (backend === 'wasm') releasePackedFilters();
    },
  };
}

function firstOutput(output) {
  return Array.isArray(output) ? output[0] : output;
}
