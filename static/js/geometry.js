// Sizes and rectangles. Pure: no DOM, tested with node.

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

/**
 * Largest size with the same aspect ratio and at most maxPixels pixels (never upscaled).
 * Returns {width, height, scale, capped}.
 */
export function capToPixels(width, height, maxPixels) {
  if (!(width > 0 && height > 0)) throw new Error(`Invalid image size ${width}×${height}`);
  if (width * height <= maxPixels) return { width, height, scale: 1, capped: false };
  const scale = Math.sqrt(maxPixels / (width * height));
  // floor keeps the product under the cap; max(1, …) keeps extreme panoramas drawable
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
    scale,
    capped: true,
  };
}

/** Blur radius for a frame: the slider is in pixels of a 720-pixel-high frame, scaled with the frame. */
export function blurRadiusFor(strength, width, height) {
  return (strength * Math.min(width, height)) / 720;
}
