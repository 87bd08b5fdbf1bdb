// The sample index of a WebM/Matroska file: where each video and audio frame lies in the file, its
// timestamp and whether it is a keyframe, plus what a WebCodecs decoder needs to be configured.
// Only the index is built here (block headers are read, frame bytes are skipped), so a long clip
// costs a few kilobytes of memory; the frames are read later, one by one, by the decoders.
//
// Matroska/EBML as specified in RFC 9559 (sections 4 EBML, 10 Block structure, 10.3 lacing).
// Reads what browsers, ffmpeg and MediaRecorder write: unknown-size Segment and Clusters,
// SimpleBlock and BlockGroup, Xiph/EBML/fixed lacing. Compressed or encrypted tracks are refused.
//
//   const index = await indexWebm(createBlobSource(file));
//   index.video.samples[0]   // {offset, size, timestamp (µs), duration (µs), key}

const ID = Object.freeze({
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  ContentEncodings: 0x6d80,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  ReferenceBlock: 0xfb,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Tags: 0x1254c367,
  Attachments: 0x1941a469,
});

// An element with one of these IDs ends an unknown-size Cluster: it is the Segment's next child.
const SEGMENT_CHILDREN = new Set([
  ID.SeekHead, ID.Info, ID.Tracks, ID.Cluster, ID.Cues, ID.Chapters, ID.Tags, ID.Attachments,
]);
const TRACK_VIDEO = 1;
const TRACK_AUDIO = 2;
const MAX_HEADER_ELEMENT_BYTES = 16 * 1024 * 1024; // Info/Tracks are small; more means a broken file
const BLOCK_HEADER_BYTES = 64 * 1024; // enough for the lace sizes of any real block

/** A file this reader cannot index; the message names the problem for the user. */
export class WebmError extends Error {}

/**
 * Read an EBML variable-length integer at `at`. IDs keep their length marker (keepMarker);
 * sizes drop it, and a size of all ones means "unknown" (live recordings).
 * Returns {value, length, unknown} or null when the bytes run out.
 */
export function readVint(bytes, at, keepMarker = false) {
  const first = bytes[at];
  if (first === undefined || first === 0) return first === 0 ? invalid(at) : null;
  let length = 1;
  let marker = 0x80;
  while (!(first & marker)) {
    length++;
    marker >>= 1;
  }
  if (at + length > bytes.length) return null;
  let value = keepMarker ? first : first & (marker - 1);
  let allOnes = (first & (marker - 1)) === marker - 1;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    if (bytes[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function invalid(at) {
  throw new WebmError(`not a valid WebM file (bad element header at byte ${at})`);
}

function readUint(bytes) {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

function readFloat(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength === 4) return view.getFloat32(0);
  if (bytes.byteLength === 8) return view.getFloat64(0);
  return 0;
}

function readString(bytes) {
  return new TextDecoder().decode(bytes).replace(/\0+$/, '');
}

/** The children of a master element held in memory, as [{id, data}]. */
function children(bytes) {
  const found = [];
  let at = 0;
  while (at < bytes.length) {
    const id = readVint(bytes, at, true);
    if (!id) break;
    const size = readVint(bytes, at + id.length);
    if (!size) break;
    const start = at + id.length + size.length;
    const end = size.unknown ? bytes.length : Math.min(bytes.length, start + size.value);
    found.push({ id: id.value, data: bytes.subarray(start, end) });
    at = end;
  }
  return found;
}

function child(list, id) {
  return list.find((entry) => entry.id === id)?.data;
}

/** Element header at `position` of the source: {id, size (null when unknown), dataStart}. */
async function elementAt(source, position) {
  const bytes = await source.read(position, 12);
  const id = readVint(bytes, 0, true);
  const size = id && readVint(bytes, id.length);
  if (!id || !size) return null; // the file ends here
  return { id: id.value, size: size.unknown ? null : size.value, dataStart: position + id.length + size.length };
}

function parseTrack(entry) {
  const fields = children(entry);
  const number = readUint(child(fields, ID.TrackNumber) ?? []);
  const type = readUint(child(fields, ID.TrackType) ?? []);
  const codecId = readString(child(fields, ID.CodecID) ?? []);
  const codecPrivate = child(fields, ID.CodecPrivate);
  const defaultDuration = child(fields, ID.DefaultDuration);
  const track = {
    number,
    type,
    codecId,
    codecPrivate: codecPrivate ? codecPrivate.slice() : null,
    defaultDurationNs: defaultDuration ? readUint(defaultDuration) : null,
    encoded: child(fields, ID.ContentEncodings) !== undefined,
  };
  const video = child(fields, ID.Video);
  if (video) {
    const v = children(video);
    track.width = readUint(child(v, ID.PixelWidth) ?? []);
    track.height = readUint(child(v, ID.PixelHeight) ?? []);
  }
  const audio = child(fields, ID.Audio);
  if (audio) {
    const a = children(audio);
    track.sampleRate = readFloat(child(a, ID.SamplingFrequency) ?? new Uint8Array(0)) || 8000;
    track.numberOfChannels = readUint(child(a, ID.Channels) ?? []) || 1;
  }
  return track;
}

/**
 * The frames inside one (Simple)Block: [{offset, size}] relative to the block's data, plus its
 * track number, timecode (relative to the cluster) and flags. RFC 9559 10.1 and 10.3.
 */
export function parseBlockHeader(bytes, blockSize) {
  const track = readVint(bytes, 0);
  if (!track || bytes.length < track.length + 3) throw new WebmError('not a valid WebM file (a block is cut short)');
  let at = track.length;
  const relative = ((bytes[at] << 8) | bytes[at + 1]) << 16 >> 16; // signed 16 bit
  const flags = bytes[at + 2];
  at += 3;
  const lacing = (flags & 0x06) >> 1; // 0 none, 1 Xiph, 2 fixed, 3 EBML
  const sizes = [];
  if (lacing !== 0) {
    const count = bytes[at++] + 1;
    if (lacing === 1) {
      for (let i = 0; i < count - 1; i++) {
        let size = 0;
        let byte;
        do {
          byte = bytes[at++];
          size += byte;
        } while (byte === 255);
        sizes.push(size);
      }
    } else if (lacing === 3) {
      const first = readVint(bytes, at);
      sizes.push(first.value);
      at += first.length;
      for (let i = 1; i < count - 1; i++) {
        const raw = readVint(bytes, at);
        const bias = 2 ** (7 * raw.length - 1) - 1; // signed: the value stored with a bias
        sizes.push(sizes[i - 1] + raw.value - bias);
        at += raw.length;
      }
    } else {
      const each = Math.floor((blockSize - at) / count);
      for (let i = 0; i < count - 1; i++) sizes.push(each);
    }
    sizes.push(blockSize - at - sizes.reduce((a, b) => a + b, 0));
  } else {
    sizes.push(blockSize - at);
  }
  if (sizes.some((size) => !(size > 0))) throw new WebmError('not a valid WebM file (bad lace sizes in a block)');
  const frames = [];
  for (const size of sizes) {
    frames.push({ offset: at, size });
    at += size;
  }
  return { track: track.value, relative, key: Boolean(flags & 0x80), frames };
}

/** WebCodecs codec string and description for a Matroska track, or null when not decodable here. */
export function webCodecsConfig(track) {
  const description = track.codecPrivate ?? undefined;
  switch (track.codecId) {
    case 'V_VP8':
      return { codec: 'vp8' };
    case 'V_VP9':
      return { codec: 'vp09.00.10.08' };
    case 'V_AV1':
      return { codec: 'av01.0.08M.08' };
    case 'V_MPEG4/ISO/AVC': {
      if (!description || description.length < 4) return null;
      const hex = [...description.subarray(1, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
      return { codec: `avc1.${hex}`, description };
    }
    case 'A_OPUS':
      return { codec: 'opus', description };
    case 'A_VORBIS':
      return { codec: 'vorbis', description };
    case 'A_AAC':
      return { codec: 'mp4a.40.2', description };
    default:
      return null;
  }
}

/** Give every sample a duration: the gap to the next one in presentation order. */
export function fillDurations(samples, fallbackUs) {
  const order = samples.map((_, i) => i).sort((a, b) => samples[a].timestamp - samples[b].timestamp);
  const gaps = [];
  for (let k = 0; k < order.length; k++) {
    const sample = samples[order[k]];
    const next = samples[order[k + 1]];
    if (next && next.timestamp > sample.timestamp) {
      sample.duration = next.timestamp - sample.timestamp;
      gaps.push(sample.duration);
    } else {
      sample.duration = null;
    }
  }
  gaps.sort((a, b) => a - b);
  const typical = gaps.length ? gaps[gaps.length >> 1] : fallbackUs;
  for (const sample of samples) if (!sample.duration) sample.duration = typical || 0;
  return samples;
}

function describeTrack(track, samples) {
  if (!track) return null;
  const config = webCodecsConfig(track);
  const common = { codecId: track.codecId, samples, supported: Boolean(config) && !track.encoded };
  if (track.type === TRACK_VIDEO) {
    fillDurations(samples, track.defaultDurationNs ? track.defaultDurationNs / 1000 : 0);
    return { ...common, ...config, width: track.width, height: track.height };
  }
  return { ...common, ...config, sampleRate: track.sampleRate, numberOfChannels: track.numberOfChannels };
}

/**
 * Index a WebM/Matroska source ({size, read(offset, length)}, see byteSource.js). Resolves to
 * {container, durationUs, video, audio}; video/audio are null when the file has no such track.
 * Throws WebmError when the bytes are not WebM/Matroska.
 */
export async function indexWebm(source) {
  const head = await elementAt(source, 0);
  if (!head || head.id !== ID.EBML || head.size === null || head.size > 4096) {
    throw new WebmError('not a WebM file (no EBML header)');
  }
  const docType = readString(child(children(await source.read(head.dataStart, head.size)), ID.DocType) ?? []);
  if (docType !== 'webm' && docType !== 'matroska') throw new WebmError(`not a WebM file (document type "${docType}")`);

  const segment = await elementAt(source, head.dataStart + head.size);
  if (!segment || segment.id !== ID.Segment) throw new WebmError('not a valid WebM file (no Segment)');
  const segmentEnd = segment.size === null ? source.size : Math.min(source.size, segment.dataStart + segment.size);

  let timecodeScale = 1_000_000; // nanoseconds per timecode unit (the default: milliseconds)
  let durationUnits = null;
  const tracks = new Map();
  const samplesByTrack = new Map();

  const readMaster = async (element) => {
    if (element.size === null || element.size > MAX_HEADER_ELEMENT_BYTES) {
      throw new WebmError('not a valid WebM file (a header element has no usable size)');
    }
    return children(await source.read(element.dataStart, element.size));
  };

  const addBlock = async (position, size, clusterTime, simple, forcedKey) => {
    if (position + size > source.size) return; // cut off by the end of the file: drop it
    const header = parseBlockHeader(await source.read(position, Math.min(size, BLOCK_HEADER_BYTES)), size);
    const track = tracks.get(header.track);
    const samples = samplesByTrack.get(header.track);
    if (!track || !samples) return;
    const base = ((clusterTime + header.relative) * timecodeScale) / 1000;
    const step = track.defaultDurationNs ? track.defaultDurationNs / 1000 : 0;
    header.frames.forEach((frame, i) => {
      samples.push({
        offset: position + frame.offset,
        size: frame.size,
        timestamp: Math.round(base + i * step),
        duration: null,
        key: simple ? header.key : forcedKey,
      });
    });
  };

  const readCluster = async (cluster) => {
    const end = cluster.size === null ? segmentEnd : Math.min(segmentEnd, cluster.dataStart + cluster.size);
    let clusterTime = 0;
    let position = cluster.dataStart;
    while (position < end) {
      const element = await elementAt(source, position);
      if (!element) return end;
      if (cluster.size === null && SEGMENT_CHILDREN.has(element.id)) return position; // the next cluster
      if (element.size === null) throw new WebmError('not a valid WebM file (unknown size inside a cluster)');
      if (element.id === ID.Timecode) {
        clusterTime = readUint(await source.read(element.dataStart, element.size));
      } else if (element.id === ID.SimpleBlock) {
        await addBlock(element.dataStart, element.size, clusterTime, true, false);
      } else if (element.id === ID.BlockGroup) {
        // A Block is a keyframe unless its group references another block (RFC 9559 10.2).
        let block = null;
        let key = true;
        const groupEnd = element.dataStart + element.size;
        for (let at = element.dataStart; at < groupEnd; ) {
          const inner = await elementAt(source, at);
          if (!inner || inner.size === null) break;
          if (inner.id === ID.Block) block = inner;
          if (inner.id === ID.ReferenceBlock) key = false;
          at = inner.dataStart + inner.size;
        }
        if (block) await addBlock(block.dataStart, block.size, clusterTime, false, key);
      }
      position = element.dataStart + element.size;
    }
    return end;
  };

  let position = segment.dataStart;
  while (position < segmentEnd) {
    const element = await elementAt(source, position);
    if (!element) break;
    if (element.id === ID.Cluster) {
      if (tracks.size === 0) throw new WebmError('not a valid WebM file (frames before the track list)');
      position = await readCluster(element);
      continue;
    }
    if (element.size === null) throw new WebmError('not a valid WebM file (an element of unknown size)');
    if (element.id === ID.Info) {
      const info = await readMaster(element);
      const scale = child(info, ID.TimecodeScale);
      if (scale) timecodeScale = readUint(scale) || timecodeScale;
      const duration = child(info, ID.Duration);
      if (duration) durationUnits = readFloat(duration);
    } else if (element.id === ID.Tracks) {
      for (const entry of (await readMaster(element)).filter((item) => item.id === ID.TrackEntry)) {
        const track = parseTrack(entry.data);
        tracks.set(track.number, track);
        samplesByTrack.set(track.number, []);
      }
    }
    position = element.dataStart + element.size;
  }

  const first = (type) => [...tracks.values()].find((track) => track.type === type);
  const videoTrack = first(TRACK_VIDEO);
  const audioTrack = first(TRACK_AUDIO);
  const video = describeTrack(videoTrack, videoTrack ? samplesByTrack.get(videoTrack.number) : []);
  const audio = describeTrack(audioTrack, audioTrack ? samplesByTrack.get(audioTrack.number) : []);
  const lastEnd = (video?.samples ?? []).reduce((end, s) => Math.max(end, s.timestamp + s.duration), 0);
  const durationUs = durationUnits !== null ? (durationUnits * timecodeScale) / 1000 : lastEnd;
  return { container: 'webm', durationUs, video, audio };
}
