// A segmenter whose masks go through a filter first (e.g. "only the main person",
// compositor/mainPerson.js); everything else (backend, inputSize, resetVideo, contextLost …) is
// the segmenter's own.

/** `segmenter` with every mask passed through `filter(mask)`, for photos and video frames alike. */
export function filteredSegmenter(segmenter, filter) {
  return Object.assign(Object.create(segmenter), {
    segment: async (...args) => filter(await segmenter.segment(...args)),
    segmentForVideo: async (...args) => filter(await segmenter.segmentForVideo(...args)),
  });
}
