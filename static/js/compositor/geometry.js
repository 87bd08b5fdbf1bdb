// Sizes and rectangles for compositing. Pure: no DOM, tested with node.

/**
 * Source rectangle for CSS `object-fit: cover`: the largest centred part of a srcW×srcH image with
 * the destination's aspect ratio, so drawing it into dstW×dstH fills it without distortion.
 */
export function coverRect(srcW, srcH, dstW, dstH) {
  const scale = Math.max(dstW / srcW, dstH / srcH);
  const sw = Math.min(srcW, dstW / scale);
  const sh = Math.min(srcH, dstH / scale);
  return { sx: (srcW - sw) / 2, sy: (srcH - sh) / 2, sw, sh };
}

/** Blur radius for a frame: the slider is in pixels of a 720-pixel-high frame, scaled with the frame. */
export function blurRadiusFor(strength, width, height) {
  return (strength * Math.min(width, height)) / 720;
}

/** Natural pixel size of anything texImage2D/drawImage accepts (not its displayed CSS size). */
export function sourceSize(source) {
  // a VideoFrame (a camera frame handed to the frame path) has only display and coded sizes
  const width = source.videoWidth || source.naturalWidth || source.width || source.displayWidth || 0;
  const height = source.videoHeight || source.naturalHeight || source.height || source.displayHeight || 0;
  return { width, height };
}
