// The side-by-side benchmark page, driven by bench/browser_bench.py (Playwright). One system per page
// load, from the query string:
//   /bench/index.html?system=ours&backend=webgl|wasm[&model=live|photo][&modelUrl=/model/NAME/model.json]
//                     [&threads=N][&build=single]          our segmenter (createSegmenter, /js/segmenter/index.js);
//                     [&mainPerson=1]                      WASM: N threads (default: the page's measured
//                                                          choice) or TF.js's single-threaded build;
//                                                          mainPerson=1: video frames through the page's
//                                                          "only the main person" filter
//   /bench/index.html?system=mediapipe&model=0|1[&cpu=1]   MediaPipe Selfie Segmentation, general | landscape;
//                                                          cpu=1: its TFLite CPU (XNNPACK) inference instead
//                                                          of the default WebGL one
// Only that system's runtime is loaded, so Resource Timing lists its bytes alone, and window.bench.ready
// resolves at its first mask (timed from navigation start).
//
// Every measurement means the same for both systems: a source goes in and the person mask comes out
// as pixels in JS memory (ours: segment() returns the probability map; MediaPipe: its GPU mask is drawn
// into a 2-D canvas and read back inside onResults, the only place the legacy API guarantees it is valid;
// its alpha channel is the person confidence).

const params = new URLSearchParams(location.search);
const statusLine = document.getElementById('status');
const violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample });
});
performance.setResourceTimingBufferSize(2000);

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = false; // keep the order: the WASM backend script extends the global `tf`
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.append(script);
  });
}

/**
 * Our segmenter exactly as the page builds it (TF.js computing in the WebGL context of a
 * compositor's canvas, as app.js sets it up); masks are float32 person probabilities at model size.
 */
async function loadOurs(backend, model, { modelUrl = null, threads = null, build = 'threaded', mainPerson = false } = {}) {
  await loadScript('/vendor/tfjs/tf.es2017.min.js');
  await loadScript('/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js');
  const { createSegmenter } = await import('/js/segmenter/index.js');
  const { shareWebGLContext } = await import('/js/segmenter/backend.js');
  const { setWasmThreadOptions, describeWasmThreads } = await import('/js/segmenter/wasmThreads.js');
  const { createCompositor, outputContext } = await import('/js/compositor/index.js');
  const { createMainPersonFilter } = await import('/js/compositor/mainPerson.js');
  setWasmThreadOptions({ threads, build }); // read when the WASM backend first starts
  const pageCanvas = document.createElement('canvas'); // the page's #result
  shareWebGLContext(outputContext(pageCanvas));
  const segmenter = await createSegmenter({ backend, model, modelUrl });
  if (segmenter.backend !== backend) throw new Error(`asked for the ${backend} backend, got ${segmenter.backend}`);
  const tf = globalThis.tf;
  const wasm = backend === 'wasm' ? describeWasmThreads(tf) : null;
  if (wasm && threads !== null && build !== 'single' && wasm.threads !== threads) {
    throw new Error(`asked for ${threads} WASM threads, TF.js runs ${wasm.threads}`);
  }
  let videoCompositor = null; // the page's frame path for video frames (videoFrame)
  // As the page's engine does for camera and video frames: one filter that keeps its choice between frames.
  const mainPersonFilter = mainPerson ? createMainPersonFilter() : null;
  return {
    backend: segmenter.backend,
    describe: () => ({
      model: segmenter.model,
      modelUrl: segmenter.modelUrl,
      inputSize: segmenter.inputSize,
      tfjs: tf.version?.tfjs ?? null,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      wasm,
    }),
    async run(source, { flip = false } = {}) {
      const { data, width, height } = await segmenter.segment(source, { flip });
      return { dtype: 'float32', data, width, height };
    },
    /** One frame of a video the way the page exports it: prepared once, then the video path (smoothing). */
    async runVideo(source, timestamp, smoothing) {
      videoCompositor ??= createCompositor({ canvas: pageCanvas, compositor: 'webgl2', background: 'color', mirror: false });
      const frame = videoCompositor.prepare(source, segmenter.inputSize);
      const found = await segmenter.segmentForVideo(frame, timestamp, { smoothing });
      if (!found.data) throw new Error('the video mask stayed on the GPU: run this on WASM');
      const mask = mainPersonFilter ? mainPersonFilter.apply(found) : found;
      return { dtype: 'float32', data: Float32Array.from(mask.data), width: mask.width, height: mask.height };
    },
    async resetVideo() {
      await segmenter.resetVideo();
      mainPersonFilter?.reset(); // a new clip: no earlier choice
    },
    /** TF.js's per-kernel times for `runs` inferences on `sources` (tf.profile: one kernel at a time). */
    async profile(sources, runs) {
      const kernels = [];
      let wallMs = 0;
      for (let i = 0; i < runs; i++) {
        const source = sources[i % sources.length];
        const started = performance.now();
        const found = await tf.profile(async () => {
          await segmenter.segment(source);
        });
        wallMs += performance.now() - started;
        for (const k of found.kernels) {
          kernels.push({ name: k.name, ms: await k.kernelTimeMs, outputShapes: k.outputShapes, run: i });
        }
      }
      return { kernels, runs, wallMs };
    },
    frameWays: () => frameWays(segmenter, createCompositor, pageCanvas),
  };
}

/** Wait until `gl`'s work is done: a one-pixel read blocks until the GPU has drawn the frame. */
function finishGPU(gl) {
  if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
}

/**
 * A camera frame from source to composited canvas, two ways, each ending when the GPU is done:
 *   onePath         what the page does: the compositor prepares the frame once (one upload, one
 *                   stretch to model size), the model reads that image, and the result is drawn
 *                   from the same textures (with TF.js in the same WebGL context: no mask copy)
 *   twoPreparations the segmenter prepares the frame itself and the compositor, in a context of
 *                   its own, uploads and shrinks the frame again and takes the mask through the CPU
 *                   (how the page worked before issue 10, less its 2-D canvas resize)
 */
function frameWays(segmenter, createCompositor, pageCanvas) {
  const one = createCompositor({ canvas: pageCanvas, compositor: 'webgl2', background: 'color', mirror: false });
  const two = createCompositor({ canvas: document.createElement('canvas'), compositor: 'webgl2', background: 'color', mirror: false });
  return {
    async onePath(video, timestamp) {
      const frame = one.prepare(video, segmenter.inputSize);
      one.render(frame, await segmenter.segmentForVideo(frame, timestamp));
      finishGPU(one.gl);
    },
    async twoPreparations(video, timestamp) {
      const mask = await segmenter.segmentForVideo(video, timestamp);
      two.render(video, mask);
      finishGPU(two.gl);
    },
    cleanUp() {
      one.cleanUp();
      two.cleanUp();
    },
  };
}

/** MediaPipe's legacy solution; masks are the mask's 8-bit alpha channel at the mask's own size (the photo's). */
async function loadMediaPipe(modelSelection, cpuInference) {
  const folder = '/vendor/selfie_segmentation/';
  await loadScript(`${folder}selfie_segmentation.js`);
  const solution = new globalThis.SelfieSegmentation({ locateFile: (file) => `${folder}${file}` });
  solution.setOptions({ modelSelection, selfieMode: false, useCpuInference: cpuInference });
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let latest = null;
  solution.onResults((results) => {
    const mask = results.segmentationMask;
    canvas.width = mask.width;
    canvas.height = mask.height;
    context.clearRect(0, 0, mask.width, mask.height);
    context.drawImage(mask, 0, 0);
    latest = { rgba: context.getImageData(0, 0, mask.width, mask.height).data, width: mask.width, height: mask.height };
  });
  await solution.initialize();
  return {
    backend: cpuInference ? 'wasm-cpu' : 'wasm+webgl',
    describe: () => ({ modelSelection, cpuInference, version: globalThis.VERSION ?? null }),
    async run(source) {
      latest = null;
      await solution.send({ image: source });
      if (!latest) throw new Error('MediaPipe returned no mask');
      const { rgba, width, height } = latest;
      return { dtype: 'uint8', data: alphaOf(rgba, width * height), width, height };
    },
    /** The last mask as MediaPipe drew it (all four channels), to check which one carries it. */
    lastRgba: () => latest && { data: latest.rgba, width: latest.width, height: latest.height },
  };
}

/**
 * The person confidence is the mask's alpha channel. MediaPipe's canvas is premultiplied, so the
 * un-premultiplied red that getImageData returns is 255 wherever alpha > 0: a much looser mask
 * (measured on portraits/test: alpha 95.9 mIoU, red 94.5 on the same 10 photos).
 */
function alphaOf(rgba, pixels) {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = rgba[i * 4 + 3];
  return out;
}

/** A photo-sized stand-in for the first mask (content does not change the work done). */
function syntheticPhoto() {
  const canvas = document.createElement('canvas');
  canvas.width = 384;
  canvas.height = 512;
  const g = canvas.getContext('2d');
  g.fillStyle = '#7aa7c7';
  g.fillRect(0, 0, 384, 512);
  g.fillStyle = '#c89b7b';
  g.beginPath();
  g.ellipse(192, 200, 80, 100, 0, 0, 2 * Math.PI);
  g.fill();
  g.fillStyle = '#333';
  g.fillRect(72, 320, 240, 192);
  return canvas;
}

/** A canvas holding `bitmap` (MediaPipe's legacy API takes images, videos and canvases). */
function onCanvas(bitmap) {
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  return canvas;
}

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const images = new Map();
let nextImage = 0;
let system = null;

async function start() {
  const which = params.get('system');
  if (which === 'ours') {
    const backend = params.get('backend') ?? 'webgl';
    if (!['webgl', 'wasm'].includes(backend)) throw new Error(`unknown backend ${backend}`);
    const threads = params.has('threads') ? Number(params.get('threads')) : null;
    system = await loadOurs(backend, params.get('model') ?? 'live', {
      modelUrl: params.get('modelUrl'),
      threads,
      build: params.get('build') ?? 'threaded',
      mainPerson: params.get('mainPerson') === '1',
    });
  } else if (which === 'mediapipe') {
    const model = Number(params.get('model') ?? '0');
    if (![0, 1].includes(model)) throw new Error(`unknown MediaPipe model ${model}`);
    system = await loadMediaPipe(model, params.get('cpu') === '1');
  } else {
    throw new Error(`unknown system ${which} (use ?system=ours&backend=webgl or ?system=mediapipe&model=0)`);
  }
  await system.run(syntheticPhoto());
  const firstMaskMs = performance.now(); // performance.now() counts from navigation start
  statusLine.textContent = `ready: ${which} (${system.backend})`;
  return { firstMaskMs, backend: system.backend, ...system.describe() };
}

function glRenderer() {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
}

const ready = start();
ready.catch((error) => {
  statusLine.textContent = `error: ${error.message}`;
});

window.bench = {
  ready,
  violations,
  glRenderer,

  /** Decode an encoded photo (base64) into an <img>; returns its id. */
  async addImage(base64, mime) {
    const url = URL.createObjectURL(new Blob([fromBase64(base64)], { type: mime }));
    const image = new Image();
    image.src = url;
    await image.decode();
    const id = nextImage++;
    images.set(id, { image, url });
    return { id, width: image.naturalWidth, height: image.naturalHeight };
  },

  dropImage(id) {
    const entry = images.get(id);
    if (entry) URL.revokeObjectURL(entry.url);
    images.delete(id);
  },

  /** The mask for one stored photo, as base64 bytes (float32 or uint8, row-major H×W). */
  async segmentImage(id, flip = false) {
    const started = performance.now();
    const mask = await system.run(images.get(id).image, { flip });
    const ms = performance.now() - started;
    const bytes = new Uint8Array(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength);
    return { dtype: mask.dtype, width: mask.width, height: mask.height, data: toBase64(bytes), ms };
  },

  /** Milliseconds per frame for `count` frames cycling over the stored photos, after `warmup` frames. */
  async timeFrames(ids, count, warmup) {
    const times = [];
    for (let i = 0; i < warmup + count; i++) {
      const image = images.get(ids[i % ids.length]).image;
      const started = performance.now();
      await system.run(image);
      if (i >= warmup) times.push(performance.now() - started);
    }
    return times;
  },

  /** Frames per second on the (fake) 640×480 camera: grab the current frame, segment, repeat. */
  async webcam(seconds, warmup) {
    const video = document.getElementById('camera');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    video.srcObject = stream;
    await video.play();
    while (video.readyState < 2 || !video.videoWidth) await new Promise((r) => setTimeout(r, 20));
    try {
      for (let i = 0; i < warmup; i++) await system.run(video);
      let frames = 0;
      const started = performance.now();
      while (performance.now() - started < seconds * 1000) {
        await system.run(video);
        frames++;
      }
      const elapsed = (performance.now() - started) / 1000;
      return { frames, seconds: elapsed, fps: frames / elapsed, width: video.videoWidth, height: video.videoHeight };
    } finally {
      stream.getTracks().forEach((track) => track.stop());
    }
  },

  /**
   * Ours only: milliseconds per camera frame from source to composited canvas, the page's one frame
   * path against two preparations (see frameWays), alternating frame by frame over the same camera
   * after `warmup` frames of each; null for MediaPipe.
   */
  async framePath(frames, warmup) {
    if (!system.frameWays) return null;
    const video = document.getElementById('camera');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    video.srcObject = stream;
    await video.play();
    while (video.readyState < 2 || !video.videoWidth) await new Promise((r) => setTimeout(r, 20));
    const ways = system.frameWays();
    const times = { onePath: [], twoPreparations: [] };
    try {
      for (let i = 0; i < 2 * (warmup + frames); i++) {
        const way = i % 2 === 0 ? 'onePath' : 'twoPreparations';
        const started = performance.now();
        await ways[way](video, started);
        if (i >= 2 * warmup) times[way].push(performance.now() - started);
      }
      return { ...times, width: video.videoWidth, height: video.videoHeight };
    } finally {
      ways.cleanUp();
      stream.getTracks().forEach((track) => track.stop());
    }
  },

  /** Ours only: per-kernel times over `runs` inferences cycling over the stored photos (tf.profile). */
  async profile(ids, runs) {
    if (!system.profile) return null;
    return system.profile(ids.map((id) => images.get(id).image), runs);
  },

  /**
   * One decoded video frame (base64 PNG/JPEG) through the system's video path: ours prepares it
   * as the page does and applies temporal smoothing (`smoothing`); MediaPipe takes it as a frame.
   * The mask comes back like segmentImage's. `reset` starts a new clip.
   */
  async videoFrame(base64, mime, timestamp, smoothing, reset = false) {
    const bitmap = await createImageBitmap(new Blob([fromBase64(base64)], { type: mime }));
    try {
      if (reset) await system.resetVideo?.();
      const started = performance.now();
      const mask = system.runVideo ? await system.runVideo(bitmap, timestamp, smoothing) : await system.run(onCanvas(bitmap));
      const ms = performance.now() - started;
      const bytes = new Uint8Array(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength);
      return { dtype: mask.dtype, width: mask.width, height: mask.height, data: toBase64(bytes), ms };
    } finally {
      bitmap.close();
    }
  },

  /** MediaPipe only: the last mask's RGBA pixels as base64 (null for ours). */
  lastRgba() {
    const found = system.lastRgba?.();
    return found ? { ...found, data: toBase64(found.data) } : null;
  },

  /** Resource Timing for everything this page fetched (same origin, so sizes are visible). */
  resources() {
    return performance.getEntriesByType('resource').map((entry) => ({
      url: entry.name,
      initiator: entry.initiatorType,
      encodedBodySize: entry.encodedBodySize,
      transferSize: entry.transferSize,
      decodedBodySize: entry.decodedBodySize,
    }));
  },
};
