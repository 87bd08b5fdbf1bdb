// The page side of bench/mask_quality.py, imported into the real page (index.html, window.greenscreen)
// by Playwright: `(await import('/bench/maskQuality.js')).flicker({frames, smoothing})`. Kept here,
// not in Python strings, so it is linted and served like any other module (issue 17).
//
//   setup()                      our WebGL2 pipeline on an offscreen canvas, fed by the page's segmenter
//   flicker({frames, smoothing}) mean |mask(t) - mask(t-1)| on the fake camera, four ways
//   boundary({image})            one portrait through the photo model, upsampled two ways, 1 bit a pixel
// (The video clips are measured on the benchmark page: bench.js's videoFrame, next to MediaPipe.)

let bench = null;

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

export async function flicker({ frames, smoothing }) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  while (video.readyState < 2) await new Promise((r) => setTimeout(r, 20));
  const segmenter = window.greenscreen.segmenter;
  const previous = {};
  const sums = { model: 0, upsampled: 0, smoothed: 0, smoothedUpsampled: 0 };
  let counted = 0;
  for (let i = 0; i < frames; i++) {
    const timestamp = await new Promise((r) => video.requestVideoFrameCallback((now) => r(now)));
    const plain = await segmenter.segment(video);
    const smoothed = await segmenter.segmentForVideo(video, timestamp, { smoothing });
    const upsample = (mask) =>
      bench.render(video, mask, video.videoWidth, video.videoHeight, { upsampling: 'bilateral' }).readMask('upsampled');
    const now = {
      model: plain.data,
      upsampled: upsample(plain),
      smoothed: Float32Array.from(smoothed.data),
      smoothedUpsampled: upsample(smoothed),
    };
    if (i > 0) {
      for (const name of Object.keys(sums)) sums[name] += meanAbsDiff(now[name], previous[name]);
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

export async function boundary({ image }) {
  const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const segmenter = await window.greenscreen.segmenterFor('photo');
  const mask = await segmenter.segment(bitmap, { flip: false });
  const out = { width: bitmap.width, height: bitmap.height };
  for (const upsampling of ['bilateral', 'bilinear']) {
    const pipeline = bench.render(bitmap, mask, bitmap.width, bitmap.height, { upsampling });
    out[upsampling] = packBits(pipeline.readMask('upsampled'));
  }
  bitmap.close();
  return out;
}
