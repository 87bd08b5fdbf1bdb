// The source's sound for an exported WebM: decoded with AudioDecoder (AAC, Opus, Vorbis …) and
// encoded to Opus with AudioEncoder, the audio codec WebM carries everywhere. Audio is small next
// to the video (128 kbit/s: 1 MB a minute), so the encoded packets are kept until the muxer
// takes them. When the browser lacks a codec the export goes on silent, and says so.
//
//   const sound = await transcodeAudio(video.audio, video.source, {signal});
//   sound.chunks  // [{data: Uint8Array, timestamp (µs), duration}]; sound.config for the muxer
//   sound.skipped // a reason, when there is no sound to carry

import { abortError } from '../input/videoFrames.js';
import { createResampler } from './resample.js';

const OPUS_RATES = [48000, 24000, 16000, 12000, 8000];
const BITRATE = 128_000;

function decoderConfig(track) {
  return {
    codec: track.codec,
    sampleRate: track.sampleRate,
    numberOfChannels: track.numberOfChannels,
    ...(track.description ? { description: track.description } : {}),
  };
}

/** What stops the sound from being carried, or null: checks both codecs without running them. */
export async function audioProblem(track) {
  if (!track) return 'the video has no sound';
  if (typeof AudioDecoder === 'undefined' || typeof AudioEncoder === 'undefined') return 'this browser has no AudioDecoder/AudioEncoder';
  if (!track.supported || !track.codec) return `its ${track.codecId} sound cannot be read here`;
  try {
    if (!(await AudioDecoder.isConfigSupported(decoderConfig(track))).supported) return `this browser cannot decode ${track.codec} sound`;
    const encoder = encoderConfig(track);
    if (!(await AudioEncoder.isConfigSupported(encoder)).supported) return 'this browser cannot encode Opus sound';
  } catch (error) {
    return `its sound cannot be read (${error.message})`;
  }
  return null;
}

function encoderConfig(track) {
  // Opus takes only a few rates; anything else (44.1 kHz AAC) is resampled here to 48 kHz.
  const sampleRate = OPUS_RATES.includes(track.sampleRate) ? track.sampleRate : 48000;
  return { codec: 'opus', sampleRate, numberOfChannels: Math.min(track.numberOfChannels, 2), bitrate: BITRATE };
}

/**
 * Decode and re-encode `track` (from an index) read from `source`. Resolves to {chunks, config:
 * {sampleRate, numberOfChannels}, skipped: null} or {chunks: [], skipped: reason}.
 */
export async function transcodeAudio(track, source, { signal } = {}) {
  const problem = await audioProblem(track);
  if (problem) return { chunks: [], config: null, skipped: problem };
  const chunks = [];
  let failure = null;
  let description = null; // OpusHead, from the encoder's first packet
  const target = encoderConfig(track);
  const encoder = new AudioEncoder({
    output: (chunk, meta) => {
      if (meta?.decoderConfig?.description && !description) description = new Uint8Array(meta.decoderConfig.description);
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      chunks.push({ data, timestamp: chunk.timestamp, duration: chunk.duration ?? 0 });
    },
    error: (error) => {
      failure = error;
    },
  });
  encoder.configure(target);
  // Every decoded chunk goes through the resampler (Opus rates only) and is re-stamped from the
  // sample count, so laced or oddly stamped sources still give a gapless, monotonic track.
  const resampler = createResampler(track.sampleRate, target.sampleRate);
  let first = null;
  let written = 0; // output samples (per channel) handed to the encoder
  const decoder = new AudioDecoder({
    output: (audio) => {
      try {
        first ??= audio.timestamp;
        const planes = resampler.push(planarChannels(audio, target.numberOfChannels));
        const frames = planes[0].length;
        if (frames > 0) {
          const data = new Float32Array(frames * planes.length);
          planes.forEach((plane, c) => data.set(plane, c * frames));
          encoder.encode(new AudioData({
            format: 'f32-planar',
            sampleRate: target.sampleRate,
            numberOfFrames: frames,
            numberOfChannels: planes.length,
            timestamp: first + Math.round((written * 1e6) / target.sampleRate),
            data,
          }));
          written += frames;
        }
      } catch (error) {
        failure = error;
      } finally {
        audio.close();
      }
    },
    error: (error) => {
      failure = error;
    },
  });
  try {
    decoder.configure(decoderConfig(track));
    for (const sample of track.samples) {
      if (signal?.aborted) throw abortError();
      if (failure) throw failure;
      const data = await source.read(sample.offset, sample.size);
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: sample.timestamp, duration: sample.duration ?? 0, data }));
      if (decoder.decodeQueueSize > 16) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await decoder.flush();
    await encoder.flush();
    if (failure) throw failure;
    return { chunks, config: { sampleRate: target.sampleRate, numberOfChannels: target.numberOfChannels, description }, skipped: null };
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    console.warn('The sound could not be carried over:', error);
    return { chunks: [], config: null, skipped: `its sound could not be converted (${error?.message ?? error})` };
  } finally {
    if (decoder.state !== 'closed') decoder.close();
    if (encoder.state !== 'closed') encoder.close();
  }
}

/** The first `channels` channels of `audio` as Float32Arrays (a mono source fills each channel). */
function planarChannels(audio, channels) {
  const frames = audio.numberOfFrames;
  return Array.from({ length: channels }, (_, c) => {
    const plane = new Float32Array(frames);
    audio.copyTo(plane, { planeIndex: Math.min(c, audio.numberOfChannels - 1), format: 'f32-planar' });
    return plane;
  });
}
