// The WebM sample index: files written by webm-muxer (the muxer the page exports with) and, when
// ffmpeg is installed, by ffmpeg; plus hand-made lacing cases from RFC 9559 10.3.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import { ArrayBufferTarget, Muxer } from '../../node_modules/webm-muxer/build/webm-muxer.mjs';
import { createBytesSource } from '../../static/js/input/demux/byteSource.js';
import { WebmError, indexWebm, parseBlockHeader, readVint } from '../../static/js/input/demux/webmIndex.js';

function muxed({ frames = 10, frameUs = 40_000, audio = false } = {}) {
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: 'V_VP8', width: 64, height: 48, frameRate: 25 },
    ...(audio ? { audio: { codec: 'A_OPUS', sampleRate: 48000, numberOfChannels: 2 } } : {}),
  });
  for (let i = 0; i < frames; i++) {
    if (audio) muxer.addAudioChunkRaw(new Uint8Array(20).fill(200 + (i % 50)), 'key', i * frameUs);
    muxer.addVideoChunkRaw(new Uint8Array(100 + i).fill(i), i % 5 === 0 ? 'key' : 'delta', i * frameUs);
  }
  muxer.finalize();
  return new Uint8Array(muxer.target.buffer);
}

test('indexes every frame of a webm-muxer file with offsets, timestamps and keyframes', async () => {
  const bytes = muxed({ frames: 10 });
  const index = await indexWebm(createBytesSource(bytes));
  assert.equal(index.container, 'webm');
  assert.equal(index.audio, null);
  assert.equal(index.video.codec, 'vp8');
  assert.deepEqual([index.video.width, index.video.height], [64, 48]);
  const { samples } = index.video;
  assert.equal(samples.length, 10);
  samples.forEach((sample, i) => {
    assert.equal(sample.size, 100 + i);
    assert.equal(sample.timestamp, i * 40_000);
    assert.equal(sample.duration, 40_000);
    assert.equal(sample.key, i % 5 === 0);
    assert.ok(bytes.subarray(sample.offset, sample.offset + sample.size).every((b) => b === i), `frame ${i} bytes`);
  });
});

test('finds the audio track next to the video', async () => {
  const index = await indexWebm(createBytesSource(muxed({ frames: 6, audio: true })));
  assert.equal(index.audio.codec, 'opus');
  assert.equal(index.audio.sampleRate, 48000);
  assert.equal(index.audio.numberOfChannels, 2);
  assert.equal(index.audio.samples.length, 6);
  assert.equal(index.video.samples.length, 6);
});

test('a file cut in the middle keeps the whole frames before the cut', async () => {
  const bytes = muxed({ frames: 10 });
  const index = await indexWebm(createBytesSource(bytes.subarray(0, bytes.length - 400)));
  assert.ok(index.video.samples.length >= 5 && index.video.samples.length < 10, `${index.video.samples.length} frames`);
  for (const s of index.video.samples) assert.ok(s.offset + s.size <= bytes.length - 400);
});

test('refuses bytes that are not WebM', async () => {
  await assert.rejects(indexWebm(createBytesSource(new TextEncoder().encode('hello, this is text'))), WebmError);
  await assert.rejects(indexWebm(createBytesSource(new Uint8Array(0))), WebmError);
});

test('vints: lengths, markers and the unknown size', () => {
  assert.deepEqual(readVint(Uint8Array.of(0x81), 0), { value: 1, length: 1, unknown: false });
  assert.deepEqual(readVint(Uint8Array.of(0x40, 0x02), 0), { value: 2, length: 2, unknown: false });
  assert.equal(readVint(Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3), 0, true).value, 0x1a45dfa3);
  assert.equal(readVint(Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0).unknown, true);
  assert.equal(readVint(Uint8Array.of(0x40), 0), null, 'cut short');
});

test('lacing: Xiph, EBML and fixed sizes give the same frames (RFC 9559 10.3)', () => {
  // track 1, timecode 0, flags with the lacing bits, 3 frames of 300, 10 and 5 bytes
  const body = new Uint8Array(315);
  const xiph = Uint8Array.of(0x81, 0, 0, 0x82, 2, 255, 45, 10);
  const parsedXiph = parseBlockHeader(concat(xiph, body), xiph.length + body.length);
  assert.deepEqual(parsedXiph.frames.map((f) => f.size), [300, 10, 5]);
  assert.equal(parsedXiph.frames[0].offset, xiph.length);
  // EBML lacing: first size 300 as a vint (0x41 0x2c), then the difference -290 as a signed vint
  // (2 bytes, bias 8191: 8191 - 290 = 7901 = 0x1edd -> 0x5e 0xdd)
  const ebml = Uint8Array.of(0x81, 0, 0, 0x86, 2, 0x41, 0x2c, 0x5e, 0xdd);
  assert.deepEqual(parseBlockHeader(concat(ebml, body), ebml.length + body.length).frames.map((f) => f.size), [300, 10, 5]);
  const fixed = Uint8Array.of(0x81, 0, 10, 0x84, 2);
  const parsed = parseBlockHeader(concat(fixed, new Uint8Array(30)), fixed.length + 30);
  assert.deepEqual(parsed.frames.map((f) => f.size), [10, 10, 10]);
  assert.equal(parsed.relative, 10);
});

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function ffmpegAvailable() {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('an ffmpeg VP9 + Opus clip: every frame, its timing and the audio', { skip: !ffmpegAvailable() && 'ffmpeg not installed' }, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'webm-index-'));
  const clip = join(folder, 'clip.webm');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=15:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libvpx-vp9', '-g', '10',
    '-c:a', 'libopus', '-shortest', clip,
  ]);
  const index = await indexWebm(createBytesSource(readFileSync(clip)));
  assert.equal(index.video.codec, 'vp09.00.10.08');
  assert.equal(index.video.samples.length, 30);
  assert.deepEqual([index.video.width, index.video.height], [96, 64]);
  assert.ok(Math.abs(index.durationUs - 2e6) < 100_000, `duration ${index.durationUs}`);
  const keys = index.video.samples.filter((s) => s.key).length;
  assert.ok(keys >= 3 && keys <= 4, `${keys} keyframes for -g 10`);
  const gaps = index.video.samples.slice(1).map((s, i) => s.timestamp - index.video.samples[i].timestamp);
  assert.ok(gaps.every((gap) => Math.abs(gap - 66_667) <= 1000), `frame gaps ${gaps}`);
  assert.equal(index.audio.codec, 'opus');
  assert.ok(index.audio.samples.length > 50);
});
