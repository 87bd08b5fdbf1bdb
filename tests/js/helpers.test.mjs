import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blurRadiusFor, coverRect } from '../../static/js/compositor/geometry.js';
import { capToPixels } from '../../static/js/input/photo.js';
import { createFpsMeter, createRunningMean, formatPhotoTimes, formatStats } from '../../static/js/ui/stats.js';
import { cameraErrorMessage, decodeFailureMessage, fileProblem, modelMessages } from '../../static/js/base/messages.js';
import { modelStatusText, summarizeCard } from '../../static/js/ui/modelcard.js';
import { downloadName } from '../../static/js/ui/download.js';

test('coverRect crops the middle of a too-wide or too-tall image', () => {
  // 1920×1080 into a square: keep the centre 1080×1080
  assert.deepEqual(coverRect(1920, 1080, 500, 500), { sx: 420, sy: 0, sw: 1080, sh: 1080 });
  // 1280×720 into 720×1280 (portrait): keep a 405×720 strip in the middle
  assert.deepEqual(coverRect(1280, 720, 720, 1280), { sx: 437.5, sy: 0, sw: 405, sh: 720 });
  // same aspect ratio: the whole image
  assert.deepEqual(coverRect(1280, 720, 640, 360), { sx: 0, sy: 0, sw: 1280, sh: 720 });
});

test('capToPixels keeps small photos and shrinks huge ones under the cap', () => {
  assert.deepEqual(capToPixels(4000, 3000, 16e6), { width: 4000, height: 3000, scale: 1, capped: false });
  const big = capToPixels(12000, 9000, 16e6);
  assert.equal(big.capped, true);
  assert.ok(big.width * big.height <= 16e6);
  assert.ok(big.width * big.height > 15.9e6);
  assert.ok(Math.abs(big.width / big.height - 4 / 3) < 1e-3);
  assert.throws(() => capToPixels(0, 10, 100), /Invalid image size/);
});

test('blur radius scales with the short side of the frame', () => {
  assert.equal(blurRadiusFor(14, 1280, 720), 14);
  assert.equal(blurRadiusFor(14, 640, 480), 14 * 480 / 720);
  assert.equal(blurRadiusFor(10, 1440, 2160), 20);
});

test('FPS meter over a sliding window; running mean', () => {
  const meter = createFpsMeter(3);
  assert.equal(meter.tick(0), 0);
  assert.equal(meter.tick(100), 10);
  assert.equal(meter.tick(200), 10);
  assert.equal(meter.tick(250), 1000 / 75); // window 100..250: 2 intervals in 150 ms
  const mean = createRunningMean(0.5);
  assert.equal(mean.value, 0);
  assert.equal(mean.add(10), 10);
  assert.equal(mean.add(20), 15);
  assert.equal(formatStats({ fps: 24.84, inferenceMs: 31.22, compositeMs: 4.06 }),
    '24.8 fps · inference 31.2 ms · compositing 4.1 ms');
  assert.equal(formatStats({ fps: 0, inferenceMs: 1, compositeMs: 2 }), 'inference 1.0 ms · compositing 2.0 ms');
});

test('camera errors become plain sentences', () => {
  assert.match(cameraErrorMessage({ name: 'NotAllowedError' }), /denied/);
  assert.match(cameraErrorMessage({ name: 'NotFoundError' }), /No camera/);
  assert.match(cameraErrorMessage({ name: 'NotReadableError' }), /another application/);
  assert.match(cameraErrorMessage(new Error('boom')), /boom/);
});

test('file problems: empty, HEIC, not an image; ordinary photos pass', () => {
  assert.match(fileProblem({ name: 'a.jpg', type: 'image/jpeg', size: 0 }), /a\.jpg is empty/);
  assert.match(fileProblem({ name: 'IMG_1.HEIC', type: '', size: 10 }), /HEIC.*convert it to JPEG or PNG/);
  assert.match(fileProblem({ name: 'x', type: 'image/heif', size: 10 }), /HEIC/);
  assert.match(fileProblem({ name: 'notes.txt', type: 'text/plain', size: 10 }), /not an image \(text\/plain\)/);
  assert.equal(fileProblem({ name: 'me.png', type: 'image/png', size: 10 }), null);
  assert.equal(fileProblem({ name: 'me', type: '', size: 10 }), null);
  assert.match(decodeFailureMessage({ name: 'bad.jpg' }), /bad\.jpg could not be decoded/);
});

test('model messages name the file, the folder and the fix', () => {
  assert.match(modelMessages.missing('/model/model.json', 404), /\/model\/model\.json.*404.*python convert\/export_tfjs\.py/);
  const live = modelMessages.missing('/model/live/model.json', 404, 'static/model/live');
  assert.match(live, /\/model\/live\/model\.json answered 404\. No model is installed in static\/model\/live\//);
  assert.match(live, /python convert\/export_tfjs\.py/);
  assert.match(live, /--out static\/model\/live/);
  assert.match(modelMessages.truncated(['/model/group1-shard1of1.bin'], 10, 20), /group1-shard1of1\.bin.*10 bytes.*20/);
});

test('model card summary tolerates partial cards', () => {
  assert.deepEqual(summarizeCard(null), []);
  const rows = summarizeCard({
    name: 'greenscreen',
    preset: 'tiramisu56',
    input_size: [224, 224],
    params: 1_374_000,
    flops: 5_200_000_000,
    total_bytes: 5_400_000,
    conversion: { quantize: 'float16' },
    metrics: {
      portraits_test: { miou: 93.456, n: 264 },
      coco_person_val: 71.2,
      second_person: { kept_percent: 49.72, dropped: 54, both_people_iou: 92.5 },
    },
  });
  assert.deepEqual(rows, [
    ['Model', 'greenscreen (tiramisu56)'],
    ['Input', '224×224'],
    ['Parameters', '1.37 M'],
    ['FLOPs / frame', '5.20 G'],
    ['Download', '5.4 MB'],
    ['Weights', 'float16'],
    ['mIoU portraits_test', '93.5 %'],
    ['mIoU coco_person_val', '71.2 %'],
    ['Second person kept', '49.7 %'],
  ]);
  // The photo model's multi-scale passes show beside its own size.
  assert.deepEqual(summarizeCard({ name: 'photo', input_size: [320, 320], extra_input_sizes: [[256, 256]] }), [
    ['Model', 'photo'],
    ['Input', '320×320 + 256×256'],
  ]);
  assert.deepEqual(summarizeCard({ preset: 'tiramisu56', params: 142_000, metrics: { miou: 80 } }), [
    ['Model', 'tiramisu56'],
    ['Parameters', '142 k'],
    ['mIoU', '80.0 %'],
  ]);
});

test('the model pill: loading, then live ready, then the photo model on demand', () => {
  const idle = { status: 'idle' };
  assert.deepEqual(modelStatusText({ live: { status: 'loading', progress: 0.4 }, photo: idle }), { text: 'downloading 40 %', kind: 'pending' });
  assert.deepEqual(modelStatusText({ live: { status: 'loading', progress: 1 }, photo: idle }), { text: 'starting…', kind: 'pending' });
  const live = { status: 'ready', inputSize: [224, 224] };
  assert.deepEqual(modelStatusText({ live, photo: idle }), { text: 'ready (live 224×224)', kind: 'ok' });
  assert.equal(modelStatusText({ live, photo: { status: 'loading', progress: 0.5 } }).text, 'ready (live 224×224, photo downloading 50 %)');
  assert.equal(modelStatusText({ live, photo: { status: 'ready', inputSize: [320, 320] } }).text, 'ready (live 224×224, photo 320×320)');
  assert.equal(modelStatusText({ live, photo: { status: 'error' } }).text, 'ready (live 224×224, photo not loaded)');
  assert.deepEqual(modelStatusText({ live: { status: 'error' }, photo: idle }), { text: 'not loaded', kind: 'error' });
});

test('downloads are named after the photo', () => {
  assert.equal(downloadName('holiday.jpg'), 'holiday-greenscreen.png');
  assert.equal(downloadName('IMG_2041.HEIC.png'), 'IMG_2041.HEIC-greenscreen.png');
  assert.equal(downloadName('me'), 'me-greenscreen.png');
  assert.equal(downloadName('camera'), 'camera-greenscreen.png');
  assert.equal(downloadName('a/b:c.png'), 'a_b_c-greenscreen.png');
  assert.equal(downloadName(''), 'greenscreen.png');
  assert.equal(downloadName(null), 'greenscreen.png');
  assert.equal(downloadName('.png'), 'greenscreen.png');
});

test("stats: nothing before the first frame; a photo's parts add up to its total", () => {
  assert.equal(formatStats({ fps: 0, inferenceMs: 0, compositeMs: 0, frames: 0 }), '');
  const photo = { totalMs: 15_900, decodeMs: 3_100, modelLoadMs: 0, inferenceMs: 2_500, compositeMs: 10_300 };
  assert.equal(formatPhotoTimes(photo), 'total 15.9 s = reading 3.1 s + finding the person 2.5 s + compositing and display 10.3 s');
  assert.equal(formatStats({ fps: 0, inferenceMs: 2_500, compositeMs: 1, frames: 0, photo }), formatPhotoTimes(photo));
  assert.match(formatPhotoTimes({ ...photo, modelLoadMs: 800 }), /loading the photo model 800 ms/);
  // the whole wait: the start-up it waited for, downscaling and display are parts of it
  const whole = { totalMs: 9_000, waitMs: 4_000, decodeMs: 1_000, downscaleMs: 500, modelLoadMs: 0, inferenceMs: 2_000, compositeMs: 1_400, displayMs: 100 };
  assert.equal(formatPhotoTimes(whole), 'total 9.0 s = waiting for the start-up 4.0 s + reading 1.0 s + downscaling 500 ms + finding the person 2.0 s + compositing 1.4 s + display 100 ms');
});

test('camera stats: the frame interval and where it goes', () => {
  assert.equal(formatStats({ fps: 2.1, intervalMs: 476, inferenceMs: 310, compositeMs: 90, frames: 9 }), '2.1 fps · a frame every 476 ms = model 310 ms + compositing 90 ms + the rest 76 ms');
});
