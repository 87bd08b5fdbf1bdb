// Photos in: file input, drag-and-drop, paste. Decodes upright (EXIF orientation applied) and caps
// the pixel count so a 100-megapixel photo cannot exhaust memory.

import { UserError, decodeFailureMessage, fileProblem } from '../base/messages.js';

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

async function decodeWithImageElement(blob) {
  if (typeof Image !== 'function') throw new Error('no <img> here (a Worker)');
  const url = URL.createObjectURL(blob);
  try {
    const image = new Image();
    image.src = url;
    await image.decode(); // <img> applies EXIF orientation by default (image-orientation: from-image)
    return await createImageBitmap(image);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Decode an image File/Blob to an upright ImageBitmap. Throws UserError with a one-line message for
 * empty files, HEIC, non-images and undecodable data.
 */
export async function decodeImageFile(file) {
  const problem = fileProblem(file);
  if (problem) throw new UserError(problem);
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    // Older browsers reject the 'from-image' option; some formats only decode through <img>.
  }
  try {
    return await decodeWithImageElement(file);
  } catch {
    throw new UserError(decodeFailureMessage(file));
  }
}

/**
 * Decode a photo and shrink it to at most `maxPixels` (aspect ratio kept). Returns
 * {image: ImageBitmap, width, height, originalWidth, originalHeight, capped, decodeMs, downscaleMs}.
 */
export async function loadPhoto(file, maxPixels) {
  const started = performance.now();
  let image = await decodeImageFile(file);
  const decoded = performance.now();
  const originalWidth = image.width;
  const originalHeight = image.height;
  if (!originalWidth || !originalHeight) throw new UserError(decodeFailureMessage(file));
  const target = capToPixels(originalWidth, originalHeight, maxPixels);
  if (target.capped) {
    const full = image;
    try {
      image = await createImageBitmap(full, {
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
    } catch {
      throw new UserError(
        `${file.name || 'The image'} (${originalWidth}×${originalHeight}) is too large for this browser to resize.`,
      );
    } finally {
      full.close();
    }
  }
  const downscaleMs = performance.now() - decoded;
  const decodeMs = decoded - started;
  return { image, width: image.width, height: image.height, originalWidth, originalHeight, capped: target.capped, decodeMs, downscaleMs };
}

function firstImageFile(fileList) {
  const files = [...(fileList ?? [])];
  return files.find((file) => file.type.startsWith('image/')) ?? files[0] ?? null;
}

/**
 * Call onFile(file) for a photo chosen in `input`, dropped on `dropZone` (or anywhere on the page),
 * or pasted with Ctrl+V. `dropZone` gets the class "dragging" while a file hovers over it.
 */
export function bindPhotoSources({ input, dropZone, onFile }) {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again still fires "change"
    if (file) onFile(file);
  });

  let depth = 0; // dragenter/dragleave fire for every child element
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  window.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth++;
    dropZone.classList.add('dragging');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dropZone.classList.remove('dragging');
  });
  window.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault(); // allow dropping; otherwise the browser opens the file itself
    event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    dropZone.classList.remove('dragging');
    const file = firstImageFile(event.dataTransfer.files);
    if (file) onFile(file);
  });

  document.addEventListener('paste', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type === 'text') return;
    const file = firstImageFile(event.clipboardData?.files);
    if (!file) return;
    event.preventDefault();
    onFile(file);
  });
}
