// One frame from source to canvas, in one pass over the GPU: the compositor uploads the frame once
// and stretches it once to the model's size (compositor.prepare, frame/prepare.js); the segmenter
// reads that small image (as a texture when TF.js shares the page's WebGL context) and finds the
// person; the compositor draws the result with the same frame texture and that small image as the
// edge-aware upsampling's guide. Photos take the segmenter's photo path (no memory, optional flip
// test-time augmentation); frames of a camera or a video its video path (temporal smoothing with
// the frames before). Both return {mask, inferenceMs (prepare + model), compositeMs}.
//
//   await renderPhoto({segmenter, compositor: () => current, image, flip: true});
//   await renderVideoFrame({segmenter, compositor: () => current, source: video, timestamp, smoothing: 0.5});
//
// `compositor` is a getter: a background change may replace the compositor while the model runs,
// and the frame goes to the one in place when the mask is ready (it prepares the frame again).

/** A still image (photo, paused frame) with the photo model: nothing carried over from earlier calls. */
export async function renderPhoto({ segmenter, compositor, image, flip = false }) {
  const started = performance.now();
  const frame = compositor().prepare(image, segmenter.inputSize);
  const mask = await segmenter.segment(frame, { flip });
  const inferenceMs = performance.now() - started;
  const compositeMs = compositor().render(frame, mask);
  return { mask, inferenceMs, compositeMs };
}

/** One frame of a camera or video at `timestamp` (ms, increasing): the live model, or the photo model for an export that asks for it. */
export async function renderVideoFrame({ segmenter, compositor, source, timestamp, smoothing }) {
  const started = performance.now();
  const frame = compositor().prepare(source, segmenter.inputSize);
  const mask = await segmenter.segmentForVideo(frame, timestamp, { smoothing });
  const inferenceMs = performance.now() - started;
  const compositeMs = compositor().render(frame, mask);
  return { mask, inferenceMs, compositeMs };
}
