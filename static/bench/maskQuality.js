// The page side of bench/mask_quality.py, imported into the real page (index.html, window.greenscreen)
// by Playwright: `(await import('/bench/maskQuality.js')).flicker({frames, smoothing})`. Kept here,
// not in Python strings, so it is linted and served like any other module (issue 17).
//
//   setup()                      our WebGL2 pipeline on an offscreen canvas, fed by the page's segmenter
//   (guided: the guided filter's settings, {guidedRadius, guidedEpsilon}, the page's when left out)
//   flicker({frames, smoothing, guided}) mean |mask(t) - mask(t-1)| on the fake camera: the model's map and
//                                each edge-aware upsampling of it, with and without temporal smoothing
//   boundary({image, guided})    one portrait through the photo model, upsampled each way (1 bit a
//                                pixel), and each way's compositing time
// (The video clips are measured on the benchmark page: bench.js's videoFrame, next to MediaPipe.)

let bench = null;

/** The pipeline's mask upsamplings (static/js/compositor/webgl2/upsampleStage.js UPSAMPLING_MODES). */
const UPSAMPLINGS = ['guided', 'bilateral', 'bilinear'];
const EDGE_AWARE = ['guided', 'bilateral'];
const TIMED_RENDERS = 5; // after one warm-up: the median is the compositing time

function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** 1 bit per pixel (p >= 0.5), base64, row 0 = top. */
function packBits(values) {
  const bytes = new Uint8Array(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) if (values[i] >= 0.5) bytes[i >> 3] |= 1 << (i & 7);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Build the pipeline holder once the page is ready; returns the live model's input size. */
export async function setup() {
  await window.greenscreen.ready;
  const { buildPipeline } = await import('/js/compositor/webgl2/buildPipeline.js');
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2', { preserveDrawingBuffer: true });
  if (!gl) throw new Error('no WebGL2 in this browser');
  let pipeline = null;
  let key = '';
  bench = {
    gl,
    render(source, mask, width, height, settings) {
      const next = `${width}x${height}/${mask.width}x${mask.height}`;
      if (next !== key) {
        pipeline?.cleanUp();
        canvas.width = width;
        canvas.height = height;
        pipeline = buildPipeline({
          gl, frameSize: { width, height }, maskSize: { width: mask.width, height: mask.height },
          background: 'none', feather: 0, ...settings,
        });
        key = next;
      }
      pipeline.update(settings);
      pipeline.render({ source, mask });
      return pipeline;
    },
  };
  return window.greenscreen.segmenter.inputSize;
}

export async function flicker({ frames, smoothing, guided = {} }) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  while (video.readyState < 2) await new Promise((r) => setTimeout(r, 20));
  const segmenter = window.greenscreen.segmenter;
  const previous = {};
  const keys = ['model', 'smoothed', ...EDGE_AWARE.flatMap((mode) => [`upsampled.${mode}`, `smoothedUpsampled.${mode}`])];
  const sums = Object.fromEntries(keys.map((key) => [key, 0]));
  let counted = 0;
  for (let i = 0; i < frames; i++) {
    const timestamp = await new Promise((r) => video.requestVideoFrameCallback((now) => r(now)));
    const plain = await segmenter.segment(video);
    const smoothed = await segmenter.segmentForVideo(video, timestamp, { smoothing });
    const upsample = (mask, upsampling) =>
      bench.render(video, mask, video.videoWidth, video.videoHeight, { ...guided, upsampling }).readMask('upsampled');
    const now = { model: plain.data, smoothed: Float32Array.from(smoothed.data) };
    for (const mode of EDGE_AWARE) {
      now[`upsampled.${mode}`] = upsample(plain, mode);
      now[`smoothedUpsampled.${mode}`] = upsample(smoothed, mode);
    }
    if (i > 0) {
      for (const name of keys) sums[name] += meanAbsDiff(now[name], previous[name]);
      counted++;
    }
    Object.assign(previous, now);
  }
  stream.getTracks().forEach((t) => t.stop());
  return {
    pairs: counted,
    size: [video.videoWidth, video.videoHeight],
    ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counted])),
  };
}

export async function boundary({ image, guided = {} }) {
  const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const segmenter = await window.greenscreen.segmenterFor('photo');
  const mask = await segmenter.segment(bitmap, { flip: false });
  const out = { width: bitmap.width, height: bitmap.height, ms: {}, modeInUse: {} };
  const pixel = new Uint8Array(4);
  for (const upsampling of UPSAMPLINGS) {
    const pipeline = bench.render(bitmap, mask, bitmap.width, bitmap.height, { ...guided, upsampling });
    out[upsampling] = packBits(pipeline.readMask('upsampled'));
    out.modeInUse[upsampling] = pipeline.upsamplingInUse;
    const times = [];
    for (let i = 0; i < TIMED_RENDERS; i++) {
      const started = performance.now();
      pipeline.render({ source: bitmap, mask });
      bench.gl.readPixels(0, 0, 1, 1, bench.gl.RGBA, bench.gl.UNSIGNED_BYTE, pixel); // waits for the GPU
      times.push(performance.now() - started);
    }
    out.ms[upsampling] = times.sort((a, b) => a - b)[TIMED_RENDERS >> 1];
  }
  bitmap.close();
  return out;
}
