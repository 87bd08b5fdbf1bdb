// Checks a video file gets before any work: size limit, type, container sniffing.
import assert from 'node:assert/strict';
import test from 'node:test';

import { MAX_VIDEO_BACKGROUND_BYTES, isVideoBackground } from '../../static/js/input/videoBackground.js';
import { MAX_VIDEO_BYTES, isVideoFile, sniffContainer, videoFileProblem } from '../../static/js/input/videoFile.js';

const file = (name, type, size) => ({ name, type, size });

test('a video over the stated limit is refused by its size alone, naming the limit', () => {
  assert.equal(MAX_VIDEO_BYTES, 500 * 1024 * 1024);
  assert.match(videoFileProblem(file('film.mp4', 'video/mp4', MAX_VIDEO_BYTES + 1)), /film\.mp4 is 500 MB: videos up to 500 MB/);
  assert.equal(videoFileProblem(file('film.mp4', 'video/mp4', MAX_VIDEO_BYTES)), null);
  assert.match(videoFileProblem(file('bg.webm', 'video/webm', 60e6), MAX_VIDEO_BACKGROUND_BYTES), /up to 50 MB/);
});

test('empty files and non-videos are refused with their name', () => {
  assert.match(videoFileProblem(file('clip.mp4', 'video/mp4', 0)), /clip\.mp4 is empty/);
  assert.match(videoFileProblem(file('notes.txt', 'text/plain', 10)), /notes\.txt is not a video \(text\/plain\)/);
  assert.equal(videoFileProblem(file('clip.mov', 'application/octet-stream', 10)), null);
});

test('which files take the video path', () => {
  assert.equal(isVideoFile(file('a.mp4', 'video/mp4', 1)), true);
  assert.equal(isVideoFile(file('a.webm', '', 1)), true);
  assert.equal(isVideoFile(file('a.jpg', 'image/jpeg', 1)), false);
  assert.equal(isVideoBackground({ type: 'video/webm' }), true);
  assert.equal(isVideoBackground({ type: 'image/png' }), false);
});

test('containers are told apart by their first bytes, not their names', () => {
  assert.equal(sniffContainer(Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0)), 'webm');
  const mp4 = new Uint8Array(12);
  mp4.set(new TextEncoder().encode('ftypisom'), 4);
  assert.equal(sniffContainer(mp4), 'mp4');
  assert.equal(sniffContainer(new TextEncoder().encode('these are notes')), null);
});
