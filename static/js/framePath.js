// One frame from source to canvas: the segmenter finds the person, the compositor draws the
// result. Photos take the segmenter's photo path (no memory, optional flip test-time
// augmentation); frames of a camera or a video take its video path (temporal smoothing with the
// frames before). Both return {mask, inferenceMs, compositeMs}.
//
//   await renderPhoto({segmenter, compositor: () => current, image, flip: true});
//   await renderVideoFrame({segmenter, compositor: () => current, source: video, timestamp, smoothing: 0.5});
//
// `compositor` is a getter: a background change may replace the compositor while the model runs,
// and the frame goes to the one in place when the mask is ready.

/** A still image (photo, paused frame) with the photo model: nothing carried over from earlier calls. */
export async function renderPhoto({ segmenter, compositor, image, flip = false }) {
  const started = performance.now();
  const mask = await segmenter.segment(image, { flip });
  const inferenceMs = performance.now() - started;
  const compositeMs = compositor().render(image, mask);
  return { mask, inferenceMs, compositeMs };
}

/** One frame of a camera or video at `timestamp` (ms, increasing) with the live model. */
export async function renderVideoFrame({ segmenter, compositor, source, timestamp, smoothing }) {
  const started = performance.now();
  const mask = await segmenter.segmentForVideo(source, timestamp, { smoothing });
  const inferenceMs = performance.now() - started;
  const compositeMs = compositor().render(source, mask);
  return { mask, inferenceMs, compositeMs };
}
