// Random access to the bytes of a File/Blob without reading it whole: the demuxers and the frame
// readers ask for (offset, length) ranges, which are served from one cached window, so walking a
// file front to back costs one Blob read per window instead of one per sample.

export const DEFAULT_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * `blob`: anything with size and slice(start, end).arrayBuffer() (a File, a Blob).
 * Returns {size, read(offset, length) → Promise<Uint8Array>}; reads past the end are cut short.
 */
export function createBlobSource(blob, { windowBytes = DEFAULT_WINDOW_BYTES } = {}) {
  let windowStart = 0;
  let window = new Uint8Array(0);
  return {
    size: blob.size,
    async read(offset, length) {
      const end = Math.min(offset + length, blob.size);
      if (offset < 0 || offset > end) throw new RangeError(`Cannot read ${length} bytes at ${offset} of ${blob.size}`);
      if (offset < windowStart || end > windowStart + window.byteLength) {
        // A range bigger than a window (a large keyframe) gets a window of its own size.
        const windowEnd = Math.min(blob.size, Math.max(end, offset + windowBytes));
        window = new Uint8Array(await blob.slice(offset, windowEnd).arrayBuffer());
        windowStart = offset;
      }
      return window.subarray(offset - windowStart, end - windowStart);
    },
  };
}

/** The same interface over bytes already in memory (tests, small files). */
export function createBytesSource(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    size: view.byteLength,
    async read(offset, length) {
      return view.subarray(offset, Math.min(offset + length, view.byteLength));
    },
  };
}
