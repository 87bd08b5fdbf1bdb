// Sizes of the things the pipeline draws. No GL here.

/** Natural pixel size of anything texImage2D/drawImage accepts (not its displayed CSS size). */
export function sourceSize(source) {
  const width = source.videoWidth || source.naturalWidth || source.width || 0;
  const height = source.videoHeight || source.naturalHeight || source.height || 0;
  return { width, height };
}
