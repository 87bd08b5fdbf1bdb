// The MP4 sample index (mp4box.js underneath): an ffmpeg H.264 + AAC clip with B-frames.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import * as mp4box from '../../node_modules/mp4box/dist/mp4box.all.mjs';
import { createBytesSource } from '../../static/js/input/demux/byteSource.js';
import { Mp4Error, audioDescription, indexMp4, looksLikeMp4 } from '../../static/js/input/demux/mp4Index.js';

mp4box.Log.setLogLevel(mp4box.Log.error);

function ffmpegAvailable() {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('an ffmpeg H.264 + AAC clip with B-frames: every frame in presentation time, decoder setup', { skip: !ffmpegAvailable() && 'ffmpeg not installed' }, async () => {
  const clip = join(mkdtempSync(join(tmpdir(), 'mp4-index-')), 'clip.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=15:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libx264', '-bf', '2', '-g', '10',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip,
  ]);
  const bytes = readFileSync(clip);
  assert.ok(looksLikeMp4(bytes.subarray(0, 12)));
  const index = await indexMp4(createBytesSource(bytes), mp4box);
  assert.equal(index.container, 'mp4');
  assert.match(index.video.codec, /^avc1\./);
  assert.ok(index.video.description.length > 10, 'avcC for the decoder');
  assert.deepEqual([index.video.width, index.video.height], [96, 64]);
  const { samples } = index.video;
  assert.equal(samples.length, 30);
  // decode order differs from presentation order (B-frames); presentation times are the 15 fps grid from 0
  const times = samples.map((s) => s.timestamp).sort((a, b) => a - b);
  times.forEach((t, i) => assert.ok(Math.abs(t - (i * 1e6) / 15) <= 1, `frame ${i} at ${t} µs`));
  assert.notDeepEqual(samples.map((s) => s.timestamp), times, 'B-frames reorder');
  assert.equal(samples[0].key, true);
  for (const s of samples) assert.ok(s.offset + s.size <= bytes.length);
  assert.equal(index.audio.codec, 'mp4a.40.2');
  assert.equal(index.audio.supported, true);
  assert.ok(index.audio.samples.length > 40);
});

test('a QuickTime .mov with AAC: its decoder setup is found inside the wave box', { skip: !ffmpegAvailable() && 'ffmpeg not installed' }, async () => {
  const clip = join(mkdtempSync(join(tmpdir(), 'mov-index-')), 'clip.mov');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=15:duration=1',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-f', 'mov', clip,
  ]);
  const index = await indexMp4(createBytesSource(readFileSync(clip)), mp4box);
  assert.equal(index.audio.codec, 'mp4a.40.2');
  assert.equal(index.audio.supported, true, 'the AAC sound of a .mov must be carried');
  assert.ok(index.audio.description.length >= 2, 'AudioSpecificConfig for the decoder');
});

test('esds straight in the sound entry (MP4) or in its wave box (MOV)', () => {
  const esds = { esd: { descs: [{ tag: 4, descs: [{ tag: 5, data: [18, 8] }] }] } };
  assert.deepEqual([...audioDescription({ esds })], [18, 8]);
  assert.deepEqual([...audioDescription({ boxes: [{ type: 'wave', boxes: [{ type: 'frma' }, { type: 'esds', ...esds }] }] })], [18, 8]);
  assert.equal(audioDescription({ boxes: [] }), undefined);
});

test('bytes without a movie header are refused', async () => {
  const fake = new Uint8Array(64);
  fake.set(new TextEncoder().encode('ftyp'), 4);
  await assert.rejects(indexMp4(createBytesSource(fake), mp4box), Mp4Error);
  assert.equal(looksLikeMp4(new TextEncoder().encode('just some text here')), false);
});
