// The sample index of an MP4/MOV file, in the same shape as webmIndex.js: mp4box.js (GPAC,
// BSD-3-Clause, vendored from npm) parses the boxes; only the metadata is kept (createFile()
// discards mdat data), the frames are read later from the file by offset.
//
//   const mp4box = await import('/vendor/mp4box/mp4box.all.mjs');
//   const index = await indexMp4(createBlobSource(file), mp4box);

const FEED_BYTES = 4 * 1024 * 1024;

/** A file this reader cannot index; the message names the problem for the user. */
export class Mp4Error extends Error {}

/** True when the first bytes look like an ISO-BMFF file (MP4, MOV, M4V, 3GP). */
export function looksLikeMp4(head) {
  const type = String.fromCharCode(...head.subarray(4, 8));
  return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(type);
}

/** The codec configuration box (avcC, hvcC, vpcC, av1C) as the bytes WebCodecs wants. */
function videoDescription(entry, { DataStream, Endianness }) {
  const box = entry.avcC ?? entry.hvcC ?? entry.vpcC ?? entry.av1C;
  if (!box) return undefined;
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  box.write(stream);
  return new Uint8Array(stream.buffer, 8); // without the box header
}

/**
 * AAC's AudioSpecificConfig from esds (tag 5 inside tag 4), or undefined. A QuickTime .mov keeps
 * esds one level down, inside the sound entry's 'wave' box (with frma and a second mp4a); missing
 * that made every .mov with AAC export silent. (mp4box's console lines such as "Invalid box type:
 * '©swr'" are about QuickTime metadata boxes it does not know, in udta: harmless.)
 */
export function audioDescription(entry) {
  const wave = entry.boxes?.find((box) => box.type === 'wave');
  const esds = entry.esds ?? wave?.esds ?? wave?.boxes?.find((box) => box.type === 'esds');
  const decoderConfig = esds?.esd?.descs?.find((d) => d.tag === 4) ?? esds?.esd?.descs?.[0];
  const specific = decoderConfig?.descs?.find((d) => d.tag === 5) ?? decoderConfig?.descs?.[0];
  return specific?.data ? new Uint8Array(specific.data) : undefined;
}

function describe(file, track, mp4box) {
  if (!track) return null;
  const trak = file.getTrackById(track.id);
  const entry = trak.mdia.minf.stbl.stsd.entries[0];
  const shift = track.edits?.find((edit) => edit.media_time >= 0)?.media_time ?? 0;
  const samples = (file.getTrackSamplesInfo(track.id) ?? [])
    .filter((sample) => sample.size > 0)
    .map((sample) => ({
      offset: sample.offset,
      size: sample.size,
      timestamp: Math.round(((sample.cts - shift) * 1e6) / sample.timescale),
      duration: Math.round((sample.duration * 1e6) / sample.timescale),
      key: Boolean(sample.is_sync),
    }));
  const encrypted = /^(encv|enca)$/.test(entry.type);
  if (track.type === 'video') {
    return {
      codecId: entry.type,
      codec: track.codec,
      description: videoDescription(entry, mp4box),
      width: track.video.width,
      height: track.video.height,
      supported: !encrypted,
      samples,
    };
  }
  const description = track.codec.startsWith('mp4a') ? audioDescription(entry) : undefined;
  return {
    codecId: entry.type,
    codec: track.codec,
    description,
    sampleRate: track.audio.sample_rate,
    numberOfChannels: track.audio.channel_count,
    // Opus/FLAC in MP4 keep their setup in boxes WebCodecs does not take as they are: not carried.
    supported: !encrypted && (track.codec.startsWith('mp4a') ? Boolean(description) : false),
    samples,
  };
}

/**
 * Index an MP4/MOV source ({size, read(offset, length)}) with the mp4box module. Resolves to
 * {container, durationUs, video, audio}; throws Mp4Error when no movie header is found.
 */
export async function indexMp4(source, mp4box) {
  const file = mp4box.createFile(); // keepMdatData = false: frame bytes are not kept in memory
  let failure = null;
  file.onError = (error) => {
    failure = error;
  };
  let position = 0;
  while (position < source.size && !failure) {
    const bytes = await source.read(position, FEED_BYTES);
    if (bytes.byteLength === 0) break;
    const buffer = mp4box.MP4BoxBuffer.fromArrayBuffer(bytes.slice().buffer, position);
    const next = file.appendBuffer(buffer);
    // mp4box answers where it wants to read next (it skips mdat when it only needs the boxes)
    position = Number.isFinite(next) && next > position ? next : position + bytes.byteLength;
  }
  file.flush();
  if (failure) throw new Mp4Error(`not a valid MP4 file (${failure?.message ?? failure})`);
  const info = file.getInfo();
  if (!info?.tracks?.length) throw new Mp4Error('not a valid MP4 file (no movie header: the file may be cut short)');
  const video = describe(file, info.videoTracks[0], mp4box);
  const audio = describe(file, info.audioTracks[0], mp4box);
  const durationUs = info.timescale ? (info.duration * 1e6) / info.timescale : 0;
  return { container: 'mp4', durationUs, video, audio };
}
