// A WebM file written frame by frame: WebCodecs' VideoEncoder (VP8, else VP9) and webm-muxer
// (MIT, vendored from npm like TF.js). Every frame keeps the timestamp it is given, so an offline
// export keeps the source's timing however long each frame took to make.
//
//   const writer = await createWebmWriter({width, height, frameRate, audio: {sampleRate, numberOfChannels}});
//   await writer.addFrame(videoFrame, {keyFrame});   // waits while the encoder is busy
//   writer.addAudio(chunks);   // [{data, timestamp, duration}] Opus packets (audio: {…, description})
//   const blob = await writer.finish();               // video/webm

import { ArrayBufferTarget, Muxer } from '/vendor/webm-muxer/webm-muxer.mjs';

// VP8 first: in software it encodes several times faster than VP9 at the sizes people export.
export const VIDEO_CODECS = Object.freeze([
  { webCodecs: 'vp8', matroska: 'V_VP8' },
  { webCodecs: 'vp09.00.10.08', matroska: 'V_VP9' },
]);
const MAX_ENCODE_QUEUE = 4;

/** About 0.15 bit per pixel per frame, within 0.5–12 Mbit/s: clean edges without a huge file. */
export function videoBitrate(width, height, frameRate) {
  return Math.round(Math.min(12e6, Math.max(0.5e6, width * height * Math.min(frameRate, 60) * 0.15)));
}

/** The first codec this browser can encode at this size, or null. */
export async function pickVideoCodec(width, height) {
  if (typeof VideoEncoder === 'undefined') return null;
  for (const codec of VIDEO_CODECS) {
    try {
      const { supported } = await VideoEncoder.isConfigSupported({ codec: codec.webCodecs, width, height, bitrate: 1e6 });
      if (supported) return codec;
    } catch {
      // try the next one
    }
  }
  return null;
}

export async function createWebmWriter({ width, height, frameRate = 30, audio = null }) {
  const codec = await pickVideoCodec(width, height);
  if (!codec) throw new Error(`This browser cannot encode VP8 or VP9 video at ${width}×${height}.`);
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: codec.matroska, width, height, frameRate: Math.round(frameRate) || 30 },
    ...(audio ? { audio: { codec: 'A_OPUS', sampleRate: audio.sampleRate, numberOfChannels: audio.numberOfChannels } } : {}),
    firstTimestampBehavior: 'permissive', // timestamps are already shifted to start at 0
  });
  let failure = null;
  let lastVideo = -1;
  let wake = null;
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      try {
        muxer.addVideoChunk(chunk, meta);
      } catch (error) {
        failure = error;
      }
    },
    error: (error) => {
      failure = error;
    },
  });
  encoder.addEventListener?.('dequeue', () => {
    wake?.();
    wake = null;
  });
  encoder.configure({
    codec: codec.webCodecs,
    width,
    height,
    bitrate: videoBitrate(width, height, frameRate),
    framerate: frameRate,
    latencyMode: 'quality',
  });

  return {
    codec: codec.webCodecs,
    /** Encode one frame (the caller closes it afterwards); waits while the encoder is busy. */
    async addFrame(frame, { keyFrame = false } = {}) {
      if (failure) throw failure;
      if (frame.timestamp <= lastVideo) throw new Error(`Frame timestamps must increase (${frame.timestamp} after ${lastVideo}).`);
      lastVideo = frame.timestamp;
      encoder.encode(frame, { keyFrame });
      while (encoder.encodeQueueSize > MAX_ENCODE_QUEUE && !failure) {
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50); // a missed 'dequeue' cannot stall the export
        });
      }
    },
    /** Opus packets for the whole clip, in order. */
    addAudio(chunks) {
      if (!audio) return;
      // The first packet carries the codec setup (OpusHead) for the track's CodecPrivate.
      const meta = audio.description
        ? { decoderConfig: { codec: 'opus', sampleRate: audio.sampleRate, numberOfChannels: audio.numberOfChannels, description: audio.description } }
        : undefined;
      chunks.forEach((chunk, i) => muxer.addAudioChunkRaw(chunk.data, 'key', Math.max(0, chunk.timestamp), i === 0 ? meta : undefined));
    },
    /** Flush the encoder and close the file: the WebM as a Blob. */
    async finish() {
      if (failure) throw failure;
      await encoder.flush();
      if (failure) throw failure;
      encoder.close();
      muxer.finalize();
      return new Blob([muxer.target.buffer], { type: 'video/webm' });
    },
    /** Throw everything away (cancel): no file. */
    abort() {
      if (encoder.state !== 'closed') encoder.close();
    },
  };
}
