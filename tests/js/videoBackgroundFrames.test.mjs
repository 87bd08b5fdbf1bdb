// A video background in the Worker: the looping decode an export follows (engine/loopingFrames.js)
// and the newest-frame holder the page streams into (engine/streamedBackground.js), on fake frames.
import assert from 'node:assert/strict';
import test from 'node:test';

import { createLoopingFrames, loopTime } from '../../static/js/engine/loopingFrames.js';
import { createStreamedBackground, isStreamedBackground } from '../../static/js/engine/streamedBackground.js';

/** A fake decoder: frames every `stepUs` from `originUs`, each recording whether it was closed. */
function fakeVideo({ count, stepUs, originUs = 0 }) {
  const made = [];
  const opened = { times: 0, returned: 0 };
  const frames = () => {
    opened.times++;
    return (async function* decode() {
      try {
        for (let i = 0; i < count; i++) {
          const frame = { index: i, timestamp: originUs + i * stepUs, closed: false, close() { this.closed = true; } };
          made.push(frame);
          yield frame;
        }
      } finally {
        opened.returned++;
      }
    })();
  };
  return { frames, made, opened };
}

const frame = (name) => ({ name, closed: false, close() { this.closed = true; } });

test('loopTime folds a time into one loop', () => {
  assert.equal(loopTime(2_250_000, 2_000_000), 250_000);
  assert.equal(loopTime(1_999_999, 2_000_000), 1_999_999);
  assert.equal(loopTime(4_000_000, 2_000_000), 0);
  assert.equal(loopTime(500, 0), 0); // no duration: its first frame
});

test('the frame at t is the last one at or before t, decoded in order, the passed ones closed', async () => {
  const video = fakeVideo({ count: 4, stepUs: 500_000, originUs: 33_000 }); // 0, 0.5, 1, 1.5 s after the first
  const loop = createLoopingFrames({ frames: video.frames, durationUs: 2_000_000 });
  assert.equal((await loop.frameAt(0)).index, 0);
  assert.equal((await loop.frameAt(0.49)).index, 0);
  assert.equal((await loop.frameAt(0.5)).index, 1);
  assert.equal((await loop.frameAt(1.75)).index, 3);
  assert.equal(video.opened.times, 1, 'one pass while the clock moves forward');
  assert.deepEqual(video.made.filter((f) => f.closed).map((f) => f.index), [0, 1, 2]);
});

test('the clock wrapping round (or going back) starts a new pass from the first frame', async () => {
  const video = fakeVideo({ count: 4, stepUs: 500_000 });
  const loop = createLoopingFrames({ frames: video.frames, durationUs: 2_000_000 });
  assert.equal((await loop.frameAt(1.25)).index, 2);
  assert.equal((await loop.frameAt(2.25)).index, 0); // 2.25 mod 2 = 0.25
  assert.equal(video.opened.times, 2);
  assert.equal(video.opened.returned, 1, 'the first pass was ended (its decoder closed)');
  assert.equal((await loop.frameAt(2.8)).index, 1);
  await loop.close();
  assert.equal(video.opened.returned, 2);
  assert.ok(video.made.every((f) => f.closed), 'every decoded frame is closed after close()');
});

test('a streamed background keeps only the newest frame and closes the rest', async () => {
  const still = { width: 320, height: 240, ...frame('still') };
  const background = createStreamedBackground({ still, blob: null });
  assert.ok(isStreamedBackground(background) && !isStreamedBackground(still));
  assert.equal(background.width, 320);
  assert.equal(background.currentFrame(), still);
  const [a, b] = [frame('a'), frame('b')];
  background.offer(a);
  assert.ok(still.closed);
  background.offer(b);
  assert.ok(a.closed && !b.closed);
  assert.equal(background.currentFrame(), b);
  assert.equal(background.received, 2);
  await background.close();
  assert.ok(b.closed);
  const late = frame('late');
  background.offer(late); // still on its way when the background was replaced
  assert.ok(late.closed);
});

test('an export that cannot decode the background says so once and shows the streamed frame', async () => {
  const problems = [];
  const still = { width: 4, height: 4, ...frame('still') };
  const background = createStreamedBackground({
    still,
    blob: new Blob([new Uint8Array(64)], { type: 'video/webm' }), // node has no VideoDecoder: it cannot be opened
    onProblem: (text) => problems.push(text),
  });
  await background.atClipTime(0.5);
  await background.atClipTime(1.0);
  assert.equal(problems.length, 1, problems);
  assert.match(problems[0], /cannot be decoded for the export/);
  assert.equal(background.currentFrame(), still);
  await background.endClip();
  await background.close();
});
