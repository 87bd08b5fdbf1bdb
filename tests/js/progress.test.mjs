import assert from 'node:assert/strict';
import test from 'node:test';

import { createRecentRate, exportProgress, formatDuration } from '../../static/js/output/progress.js';
import { formatElapsed, recordingProblem, recordingType } from '../../static/js/output/recorder.js';
import { exportFileName, recordingFileName } from '../../static/js/output/names.js';

test('durations in words', () => {
  assert.equal(formatDuration(12_400), '12 s');
  assert.equal(formatDuration(185_000), '3 min 05 s');
  assert.equal(formatDuration(3_720_000), '1 h 02 min');
  assert.equal(formatElapsed(7_900), '0:07');
  assert.equal(formatElapsed(723_000), '12:03');
});

test('export progress: speed and time left once a few frames show it', () => {
  const early = exportProgress({ done: 1, total: 100, elapsedMs: 500 });
  assert.equal(early.remainingMs, null);
  assert.match(early.text, /estimating/);
  const later = exportProgress({ done: 50, total: 100, elapsedMs: 10_000 });
  assert.equal(later.fraction, 0.5);
  assert.equal(later.framesPerSecond, 5);
  assert.equal(later.remainingMs, 10_000);
  assert.match(later.text, /frame 50 of 100 \(50 %\) · 5\.0 frames\/s · about 10 s left/);
});

test('export time left follows the recent rate when the speed falls', () => {
  // 1.1 frames/s for the first 60 frames, then 0.7: the whole-job mean would promise too little
  const recent = createRecentRate(10_000);
  let now = 0;
  let done = 0;
  recent.add(0, 0);
  for (; done < 60; ) recent.add(++done, (now += 1000 / 1.1));
  for (; done < 80; ) recent.add(++done, (now += 1000 / 0.7));
  assert.ok(Math.abs(recent.rate() - 0.7) < 0.01, `recent rate ${recent.rate()}`);
  const progress = exportProgress({ done, total: 125, elapsedMs: now, recentFramesPerSecond: recent.rate() });
  assert.ok(Math.abs(progress.remainingMs - (45 * 1000) / 0.7) < 1000, `${progress.remainingMs}`);
  assert.ok(progress.framesPerSecond > 0.9); // the whole job's mean is still reported as such
  assert.match(progress.text, /0\.7 frames\/s · about 1 min 04 s left/);
});

test('recording is refused with a reason when MediaRecorder or WebM is missing', () => {
  assert.match(recordingProblem({ recorder: undefined }), /MediaRecorder/);
  const noWebm = Object.assign(function MediaRecorder() {}, { isTypeSupported: () => false });
  assert.match(recordingProblem({ recorder: noWebm }), /cannot record WebM/);
  const vp9Only = Object.assign(function MediaRecorder() {}, { isTypeSupported: (t) => t.includes('vp9') });
  assert.equal(recordingType(vp9Only), 'video/webm;codecs=vp9,opus');
  assert.equal(recordingProblem({ recorder: vp9Only }), null);
});

test('export file names end in .webm', () => {
  assert.equal(exportFileName('holiday.mp4'), 'holiday-greenscreen.webm');
  assert.equal(exportFileName(''), 'video-greenscreen.webm');
  assert.equal(recordingFileName(new Date(2026, 10, 30, 22, 41, 5)), 'greenscreen-2026-11-30-22-41-05.webm');
});
