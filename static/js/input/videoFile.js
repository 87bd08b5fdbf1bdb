// A video file as a source: checked before any work (size, type, tracks, codec), then indexed
// (demux/webmIndex.js or demux/mp4Index.js) so the export can decode every frame with its own
// timestamp. Nothing is uploaded: the file is read in place, window by window.
//
//   const problem = videoFileProblem(file);            // pure: a message, or null
//   const video = await openVideoFile(file);           // throws UserError with a one-line message
//   video.index.video.samples.length, video.width, video.height, video.durationUs, video.audio

import { createBlobSource } from './demux/byteSource.js';
import { indexMp4, looksLikeMp4 } from './demux/mp4Index.js';
import { indexWebm } from './demux/webmIndex.js';
import { UserError } from '../base/messages.js';

/** The largest video file the page takes (it is read in windows, but the export is held in memory). */
export const MAX_VIDEO_BYTES = 500 * 1024 * 1024;
const MP4BOX_URL = '/vendor/mp4box/mp4box.all.mjs';

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|3gp)$/i;

function megabytes(bytes) {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/**
 * A reason to refuse a video file before reading it, or null. `file` needs name, type, size.
 * `maxBytes` is the stated limit (MAX_VIDEO_BYTES, or the smaller one for backgrounds).
 */
export function videoFileProblem(file, maxBytes = MAX_VIDEO_BYTES) {
  const name = file?.name || 'The video';
  if (!file || file.size === 0) return `${name} is empty (0 bytes).`;
  const type = (file.type || '').toLowerCase();
  if (type && !type.startsWith('video/') && !(type === 'application/octet-stream' && VIDEO_NAME.test(name))) {
    return `${name} is not a video (${type}). Choose an MP4 or WebM file.`;
  }
  if (file.size > maxBytes) {
    return `${name} is ${megabytes(file.size)}: videos up to ${megabytes(maxBytes)} are accepted. Trim or compress it first.`;
  }
  return null;
}

/** True for files that should go to the video path rather than the photo path. */
export function isVideoFile(file) {
  const type = (file?.type || '').toLowerCase();
  return type.startsWith('video/') || (!type && VIDEO_NAME.test(file?.name || ''));
}

function undecodable(name, detail) {
  return new UserError(`${name} could not be read as a video (${detail}). Choose an MP4 (H.264) or WebM (VP8/VP9/AV1) file.`);
}

/** Which container the first bytes announce: 'webm', 'mp4' or null. */
export function sniffContainer(head) {
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  if (head.length >= 8 && looksLikeMp4(head)) return 'mp4';
  return null;
}

async function canDecode(track) {
  if (!track.supported || !track.codec) return false;
  if (typeof VideoDecoder === 'undefined') return false;
  try {
    const { supported } = await VideoDecoder.isConfigSupported({
      codec: track.codec,
      codedWidth: track.width,
      codedHeight: track.height,
      ...(track.description ? { description: track.description } : {}),
    });
    return supported;
  } catch {
    return false;
  }
}

/**
 * Check and index a video file. Resolves to {file, name, source, index, width, height, frameCount,
 * durationUs, frameRate, audio (the audio track or null)}. Throws UserError for a file that is too
 * big, not a video, has no video track, holds no frame, or a codec this browser cannot decode.
 */
export async function openVideoFile(file, { maxBytes = MAX_VIDEO_BYTES } = {}) {
  const name = file?.name || 'The video';
  const problem = videoFileProblem(file, maxBytes);
  if (problem) throw new UserError(problem);
  if (typeof VideoDecoder === 'undefined' || typeof VideoEncoder === 'undefined') {
    throw new UserError('This browser has no WebCodecs (VideoDecoder/VideoEncoder): video files need a recent Chrome, Edge or Firefox.');
  }
  const source = createBlobSource(file);
  const container = sniffContainer(await source.read(0, 16));
  if (!container) throw undecodable(name, 'not MP4 or WebM');
  let index;
  try {
    index = container === 'webm' ? await indexWebm(source) : await indexMp4(source, await import(MP4BOX_URL));
  } catch (error) {
    throw undecodable(name, error.message);
  }
  if (!index.video) throw new UserError(`${name} has no video track (only ${index.audio ? 'sound' : 'other data'}).`);
  const samples = index.video.samples;
  if (samples.length === 0 || !(index.durationUs > 0 || samples.length > 1)) {
    throw new UserError(`${name} holds no video frame (a 0-second clip).`);
  }
  if (!samples[0].key) throw undecodable(name, 'it does not start with a keyframe');
  if (!(await canDecode(index.video))) {
    throw undecodable(name, `this browser cannot decode its ${index.video.codec ?? index.video.codecId} video`);
  }
  const durationUs = index.durationUs > 0 ? index.durationUs : samples.reduce((s, x) => s + x.duration, 0);
  return {
    file,
    name,
    source,
    index,
    width: index.video.width,
    height: index.video.height,
    frameCount: samples.length,
    durationUs,
    frameRate: durationUs > 0 ? (samples.length * 1e6) / durationUs : 30,
    audio: index.audio && index.audio.samples.length ? index.audio : null,
  };
}
