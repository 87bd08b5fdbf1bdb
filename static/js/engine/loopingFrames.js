// The frame of a looping video at any time of a clock that moves forward (an export's), decoded in
// order: one pass over the file per loop, restarted only when the clock wraps round (or goes back),
// never a seek per frame. The frame shown at t is the last one whose timestamp (from the first
// frame's) is at or before t mod the duration, as a <video> seeked to t shows.
//
//   const loop = createLoopingFrames({frames: () => decodeVideoFrames(track, source), durationUs});
//   const frame = await loop.frameAt(2.25);   // owned by the loop: valid until the next frameAt()/close()
//   await loop.close();

/** `us` folded into [0, durationUs): the time inside the loop (0 for a video without a duration). */
export function loopTime(us, durationUs) {
  if (!(durationUs > 0)) return 0;
  return ((us % durationUs) + durationUs) % durationUs;
}

/**
 * frames() → a fresh async iterator of the video's frames (VideoFrame-like: timestamp in µs,
 * close()), in presentation order; durationUs: one loop. Calls must not overlap (await each).
 */
export function createLoopingFrames({ frames, durationUs }) {
  const held = { iterator: null, current: null, next: null, originUs: 0 };

  async function pull() {
    const { value, done } = await held.iterator.next();
    return done ? null : value;
  }

  async function stop() {
    held.current?.close();
    held.next?.close();
    held.current = held.next = null;
    const iterator = held.iterator;
    held.iterator = null;
    await iterator?.return?.(); // the decoder closes, with any frame it still held
  }

  async function restart() {
    await stop();
    held.iterator = frames();
    held.current = await pull();
    if (!held.current) throw new Error('the background video holds no frame');
    held.originUs = held.current.timestamp;
    held.next = await pull();
  }

  return {
    /** The frame at `seconds` of the clock (looping). */
    async frameAt(seconds) {
      const target = loopTime(seconds * 1e6, durationUs);
      if (!held.current || held.current.timestamp - held.originUs > target) await restart();
      while (held.next && held.next.timestamp - held.originUs <= target) {
        held.current.close();
        held.current = held.next;
        held.next = await pull();
      }
      return held.current;
    },
    close: stop,
  };
}
