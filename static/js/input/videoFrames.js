// Every frame of an indexed video track, decoded with WebCodecs' VideoDecoder, in presentation
// order and with its own timestamp. Backpressure: a sample is fed only when the consumer has taken
// the frames already decoded, so a slow consumer (the model) never piles frames up in memory.
//
//   for await (const frame of decodeVideoFrames(video.index.video, video.source, {signal})) {
//     … use frame (a VideoFrame) …; frame.close();
//   }

const MAX_DECODE_QUEUE = 3;

/** An AbortError like the platform's, for a cancelled export. */
export function abortError() {
  return new DOMException('The export was cancelled.', 'AbortError');
}

/**
 * Async generator of VideoFrames for `track` ({codec, description, width, height, samples}) read
 * from `source` ({read(offset, length)}). The caller closes each frame; frames it did not take
 * (cancel, error) are closed here. Throws the decoder's error, or an AbortError on `signal`.
 */
export async function* decodeVideoFrames(track, source, { signal } = {}) {
  const ready = [];
  let failure = null;
  let wake = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const decoder = new VideoDecoder({
    output: (frame) => {
      ready.push(frame);
      notify();
    },
    error: (error) => {
      failure = error;
      notify();
    },
  });
  const until = () => new Promise((resolve) => {
    wake = resolve;
  });
  decoder.addEventListener?.('dequeue', notify);
  try {
    decoder.configure({
      codec: track.codec,
      codedWidth: track.width,
      codedHeight: track.height,
      ...(track.description ? { description: track.description } : {}),
    });
    for (const sample of track.samples) {
      if (signal?.aborted) throw abortError();
      if (failure) throw failure;
      const data = await source.read(sample.offset, sample.size);
      decoder.decode(new EncodedVideoChunk({
        type: sample.key ? 'key' : 'delta',
        timestamp: sample.timestamp,
        duration: sample.duration,
        data,
      }));
      while (ready.length) yield ready.shift();
      while (decoder.decodeQueueSize > MAX_DECODE_QUEUE && !failure && !ready.length) await until();
      while (ready.length) yield ready.shift();
    }
    if (failure) throw failure;
    await decoder.flush(); // frames held back for reordering (B-frames) come out now
    while (ready.length) {
      if (signal?.aborted) throw abortError();
      yield ready.shift();
    }
    if (failure) throw failure;
  } finally {
    for (const frame of ready.splice(0)) frame.close();
    if (decoder.state !== 'closed') decoder.close();
  }
}
