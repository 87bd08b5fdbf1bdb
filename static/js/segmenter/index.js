// The person segmenter: one TF.js graph model (the `live` or the `photo` one, config.js MODELS)
// turning a photo, a video frame or a canvas into a person-probability map at the model's input
// size. Uses the global `tf`.
//
//   const segmenter = await createSegmenter({model: 'photo', backend: 'webgl', onProgress: (f) => …});
//   const mask = await segmenter.segment(image, {flip: true});               // a photo: no memory
//   const mask = await segmenter.segmentForVideo(video, performance.now(), {smoothing: 0.5});
//   // mask = {data: Float32Array person probability, width, height, model: 'photo' | 'live'}
//   segmenter.dispose();
//
// Inputs: any image, video, canvas or bitmap, or better a frame the compositor prepared
// (compositor.prepare(source, segmenter.inputSize): uploaded once, stretched once, frame/prepare.js).
// When TF.js computes in the page's WebGL context (backend.js shareWebGLContext), the video path's
// masks stay on the GPU too: {gpu: {gl, texture}, width, height, model, data (read on demand)},
// valid until the next frame; the texture holds a mask row a texel row, four values a texel.
//
// Like MediaPipe's tasks (segment vs segmentForVideo), only the video path keeps state between
// calls: the last smoothed map, mixed into the next frame (smoothing.js). Photos never inherit a
// camera's state; a timestamp that goes back (a new video, a seek) or resetVideo() starts afresh.
//
// Contract (docs/model-contract.md): input float32 [1, H, W, 3] RGB 0–255, the whole frame stretched
// to H×W with bilinear filtering; output the person probability [1, H, W, 1] (our exports) or a
// softmax [1, H, W, 2] with channel 1 = person.
//
// Multi-scale photos: when the card lists `extra_input_sizes` (the photo model: 256×256 beside its
// 320×320), the photo path also runs model-HxW.json (the same weights: it reads model.json's shards),
// stretches that map bilinearly to H×W and averages it in (greenscreen.predict's extra_models does the
// same in Python). The video path never does: it runs at the model's own size only.

import { createCpuPreparer, createFramePreparer } from '../frame/prepare.js';
import { createGLKit } from '../gl/kit.js';
import { DEFAULT_VIDEO_CONFIG, modelLocation, validateSegmenterConfig, validateVideoConfig } from '../settings/config.js';
import { modelMessages } from '../base/messages.js';
import { selectBackend, sharedWebGLContext, tfGlobal, webglCanvasOf } from './backend.js';
import { installFastConcat } from './fastConcat.js';
import { fetchModelArtifacts, fetchModelCard, loadExtraSizes } from './modelFiles.js';
import { createTemporalState } from './smoothing.js';
import { installFastTransposedConv, releasePackedFilters } from './transposedConv.js';
import { createCanvas } from '../base/canvas.js';

/**
 * A mask that outlives the next frame: a GPU mask (valid until the segmenter's next video frame)
 * read into a Float32Array; a CPU mask as it is. Use it to keep a still after the camera stops.
 */
export function maskOnCPU(mask) {
  if (!mask?.gpu) return mask;
  return { data: Float32Array.from(mask.data), width: mask.width, height: mask.height, model: mask.model };
}

function knownSize(value) {
  return Number.isInteger(value) && value > 0 ? value : null;
}

function firstOutput(output) {
  return Array.isArray(output) ? output[0] : output;
}

/**
 * Person probability [H, W] of a graph for a batch-of-one float input: our exports give it alone
 * ([1, H, W, 1], the softmax folded at export); a graph converted straight from a Keras model gives the
 * softmax ([1, H, W, 2], channel 1 = person). Call inside tf.tidy.
 */
function personMapOf(graph, height, width) {
  return (input) => {
    const output = firstOutput(graph.execute(input));
    const person = output.shape[3] === 1 ? output : output.slice([0, 0, 0, 1], [1, height, width, 1]);
    return person.reshape([height, width]);
  };
}

/**
 * Create a segmenter. Options: model ('live' | 'photo'), modelUrl (another folder's model.json),
 * backend ('webgl' | 'wasm'), onProgress(fraction 0–1), onNotice(message), onContextLost() (the
 * GPU dropped the WebGL context: make a new segmenter with freshBackend: true).
 * The result also carries `card` (model-card.json beside the model, or null) and `inputSize` [H, W].
 */
export async function createSegmenter({
  onProgress = () => {},
  onNotice = () => {},
  onContextLost = () => {},
  freshBackend = false,
  ...options
} = {}) {
  const config = validateSegmenterConfig(options);
  const { modelUrl, cardUrl, folder } = modelLocation(config);
  const tf = tfGlobal();
  const backend = await selectBackend(config.backend, onNotice, { fresh: freshBackend });
  // TF.js's WASM transposed convolution is a plain loop (most of our frame time): run it on XNNPACK;
  // its Concat copies pixel by pixel in JavaScript: copy rows inside the heap instead.
  if (backend === 'wasm') {
    installFastTransposedConv(tf);
    installFastConcat(tf);
  }

  const shards = new Map(); // shard URL -> bytes: the extra-size graphs read the main graph's shards
  const [artifacts, card] = await Promise.all([
    fetchModelArtifacts(tf, modelUrl, { onProgress, folder, shards }),
    fetchModelCard(cardUrl),
  ]);
  const model = await tf.loadGraphModel({ load: async () => artifacts });

  // The input size comes from the graph, or from the card when the graph leaves it open.
  const inputShape = model.inputs[0]?.shape ?? [];
  const height = knownSize(inputShape[1]) ?? knownSize(card?.input_size?.[0]);
  const width = knownSize(inputShape[2]) ?? knownSize(card?.input_size?.[1]);
  if (!height || !width || (inputShape.length && inputShape[3] !== 3 && inputShape[3] !== -1)) {
    model.dispose();
    throw new Error(modelMessages.badInput(modelUrl, inputShape, folder));
  }

  // One pass on zeros: checks the output shape and compiles the WebGL shaders before the first frame.
  const outputShape = tf.tidy(() => firstOutput(model.execute(tf.zeros([1, height, width, 3]))).shape);
  // Our exports give the person probability alone ([1, H, W, 1], the softmax folded at export); a graph
  // converted straight from a Keras model gives the softmax ([1, H, W, 2], channel 1 = person).
  const outputChannels = outputShape[3];
  const expected = [1, height, width, outputChannels === 1 ? 1 : 2];
  if (outputShape.join() !== expected.join()) {
    model.dispose();
    throw new Error(modelMessages.badOutput(modelUrl, outputShape, expected, folder));
  }

  const modelSize = { width, height };
  // The photo path's other sizes ({model, width, height, personMap}), each checked like the main graph.
  const extras = await loadExtraSizes(tf, { modelUrl, card, folder, shards }).catch((error) => {
    model.dispose();
    throw error;
  });
  for (const extra of extras) extra.personMap = personMapOf(extra.model, extra.height, extra.width);
  shards.clear(); // every graph has its weights now
  const tfGl = backend === 'webgl' ? tf.backend().gpgpu?.gl ?? null : null;
  // TF.js computes in the page's own WebGL context: video masks can stay there for the compositor
  // (laid out a mask row a texel row, four values a texel: the width must divide by 4).
  const masksStayOnGPU = tfGl !== null && tfGl === sharedWebGLContext(tf) && width % 4 === 0;
  const rgbBySize = new Map(); // 'WxH' -> Float32Array, reused for inputs read back as pixels
  const ownPreparers = new Map(); // 'WxH' -> a preparer for sources nobody prepared at that size
  let ownKit = null;
  let queue = Promise.resolve();
  let disposed = false;
  let contextLost = false;
  const video = createTemporalState(tf); // the video path's last smoothed map
  let videoGPUMask = null; // the texture TF.js left the last video mask in (tensorRef to release)
  // A GPU reset, a driver update or too many WebGL pages can take the context away at any time.
  const glCanvas = webglCanvasOf(tf, backend);
  const handleContextLost = () => {
    contextLost = true;
    onContextLost();
  };
  glCanvas?.addEventListener('webglcontextlost', handleContextLost);

  /** Person probability [H, W] for a batch-of-one float input; call inside tf.tidy. */
  const personMap = personMapOf(model, height, width);

  /** Prepare a source nobody prepared at `size`: in TF.js's own GL context on WebGL, else in a small one of our own. */
  function prepareHere(source, size) {
    const key = `${size.width}x${size.height}`;
    if (!ownPreparers.has(key)) {
      const gl = ownKit?.gl ?? tfGl ?? createCanvas().getContext('webgl2');
      if (gl && !ownKit) ownKit = createGLKit(gl);
      ownPreparers.set(key, gl ? createFramePreparer({ kit: ownKit, modelSize: size })
        : createCpuPreparer({ modelSize: size })); // no WebGL2 at all
    }
    return ownPreparers.get(key).prepare(source);
  }

  /** size-RGBA bytes as float32 [1, H, W, 3] 0–255 (no int32 tensor and cast). */
  function pixelsAsTensor(rgba, size) {
    const key = `${size.width}x${size.height}`;
    if (!rgbBySize.has(key)) rgbBySize.set(key, new Float32Array(size.height * size.width * 3));
    const rgb = rgbBySize.get(key);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = rgba[j];
      rgb[i + 1] = rgba[j + 1];
      rgb[i + 2] = rgba[j + 2];
    }
    return tf.tensor4d(rgb, [1, size.height, size.width, 3], 'float32'); // copies rgb into the backend
  }

  /**
   * A graph's input, float32 [1, H, W, 3] 0–255 at `size` (the model's own by default), from a frame
   * prepared for that size (by the compositor: frame/prepare.js) or from any source, which is prepared
   * here. A prepared frame in TF.js's own context is read as a texture (no copy through the CPU). Call
   * inside tf.tidy.
   */
  function inputTensor(input, size = modelSize) {
    const given = input?.model !== undefined ? input : null;
    const ready = given?.model?.width === size.width && given.model.height === size.height;
    const { model: prepared } = ready ? given : prepareHere(given ? given.source : input, size);
    if (prepared.gl !== null && prepared.gl === tfGl) {
      const texture = { texture: prepared.texture, width: size.width, height: size.height, channels: 'RGB' };
      return tf.tensor(texture, [size.height, size.width, 3], 'float32').mul(255).expandDims(0);
    }
    return pixelsAsTensor(prepared.read(), size);
  }

  function releaseVideoGPUMask() {
    videoGPUMask?.tensorRef.dispose();
    videoGPUMask = null;
  }

  /**
   * A video mask that stays on the GPU: TF.js's texture of `smoothed`, a mask row a texel row (four
   * values a texel), valid until the next frame, like MediaPipe's masks. `data` reads it back on demand.
   */
  function gpuMask(smoothed) {
    releaseVideoGPUMask();
    videoGPUMask = smoothed.dataToGPU({ customTexShape: [height, width / 4] });
    let data = null;
    return {
      width,
      height,
      model: config.model,
      gpu: { gl: tfGl, texture: videoGPUMask.texture },
      get data() {
        if (!data) {
          if (smoothed.isDisposed) throw new Error('This video mask was replaced by a newer frame: copy mask.data before the next one.');
          data = smoothed.dataSync();
        }
        return data;
      },
    };
  }

  function checkUsable() {
    if (disposed) throw new Error('The segmenter was disposed.');
    if (contextLost) throw new Error('The WebGL context was lost; the model must be reloaded.');
  }

  async function readMask(person) {
    return { data: await person.data(), width, height, model: config.model };
  }

  /** One graph's map for a photo, with its mirrored pass when `flip`. Call inside tf.tidy. */
  function photoMap(map, input, flip) {
    const plain = map(input);
    if (!flip) return plain;
    // Test-time augmentation: segment the mirrored image too, mirror its map back, average.
    const mirrored = map(tf.reverse(input, 2)).reverse(1);
    return plain.add(mirrored).div(2);
  }

  async function runPhoto(source, { flip = false } = {}) {
    checkUsable();
    const person = tf.tidy(() => {
      let sum = photoMap(personMap, inputTensor(source), flip);
      for (const extra of extras) {
        const map = photoMap(extra.personMap, inputTensor(source, extra), flip);
        // Back to the model's size (half-pixel centres: PIL's bilinear upscaling, as in Python).
        sum = sum.add(tf.image.resizeBilinear(map.expandDims(2), [height, width], false, true).squeeze([2]));
      }
      return extras.length ? sum.div(1 + extras.length) : sum;
    });
    try {
      return await readMask(person);
    } finally {
      person.dispose();
      releaseExtraPreparers();
    }
  }

  /**
   * The extra sizes' preparers hold the whole photo in a texture of their own (48 MB for 12 MP) in the
   * page's GL context: let them go once the photo's mask is read; the next photo makes them again.
   */
  function releaseExtraPreparers() {
    for (const extra of extras) {
      const key = `${extra.width}x${extra.height}`;
      ownPreparers.get(key)?.cleanUp();
      ownPreparers.delete(key);
    }
    if (ownKit && ownPreparers.size === 0) {
      ownKit.cleanUp();
      if (ownKit.gl !== tfGl) ownKit.gl.getExtension('WEBGL_lose_context')?.loseContext(); // our own small context
      ownKit = null;
    }
  }

  async function runVideo(source, timestamp, options) {
    checkUsable();
    const { smoothing } = validateVideoConfig(options);
    const current = tf.tidy(() => personMap(inputTensor(source)));
    const smoothed = video.next(current, timestamp, smoothing); // kept as the next frame's previous
    return masksStayOnGPU ? gpuMask(smoothed) : readMask(smoothed);
  }

  /** Calls are queued: two never share the scaling canvas, and the video state changes in order. */
  function enqueue(run) {
    const result = queue.then(run);
    queue = result.catch(() => {});
    return result;
  }

  return {
    model: config.model,
    backend,
    inputSize: [height, width],
    /** Every input size the photo path runs ([H, W] first, then the card's extra sizes). */
    photoSizes: [[height, width], ...extras.map((extra) => [extra.height, extra.width])],
    modelUrl,
    card,
    /** A photo or any single image: no state from earlier calls; `flip` adds the mirrored pass. */
    segment(source, options) {
      return enqueue(() => runPhoto(source, options));
    },
    /** One frame of a video at `timestamp` (ms, increasing); options as DEFAULT_VIDEO_CONFIG. */
    segmentForVideo(source, timestamp, options = DEFAULT_VIDEO_CONFIG) {
      return enqueue(() => runVideo(source, timestamp, options));
    },
    /** Forget the video state (the camera stopped); resolves once the frames before it are done. */
    resetVideo() {
      return enqueue(() => {
        releaseVideoGPUMask();
        video.reset();
      });
    },
    get contextLost() {
      return contextLost;
    },
    dispose() {
      disposed = true;
      glCanvas?.removeEventListener('webglcontextlost', handleContextLost);
      try {
        releaseVideoGPUMask();
        video.dispose();
        for (const preparer of ownPreparers.values()) preparer.cleanUp();
        ownKit?.cleanUp();
        if (ownKit && ownKit.gl !== tfGl) ownKit.gl.getExtension('WEBGL_lose_context')?.loseContext(); // our own small context
      } catch (error) {
        console.warn('Releasing the video state failed:', error); // e.g. its WebGL context is gone
      }
      try {
        model.dispose();
        for (const extra of extras) extra.model.dispose();
      } catch (error) {
        console.warn('Disposing the model failed:', error); // e.g. its WebGL context is gone
      }
      if (backend === 'wasm') releasePackedFilters();
    },
  };
}
