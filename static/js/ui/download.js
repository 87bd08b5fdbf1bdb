// Download: the result canvas as a PNG named after what it was made from.

import { saveBlob } from '../output/saveFile.js';

/**
 * The file name for a result made from `sourceName` (a photo's file name; null for the camera):
 * 'holiday.jpg' → 'holiday-greenscreen.png'. Pure: tested with node.
 */
export function downloadName(sourceName) {
  const stem = (sourceName ?? '').replace(/\.[^./\\]*$/, '').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim();
  return `${stem || 'greenscreen'}${stem ? '-greenscreen' : ''}.png`;
}

/** Save `canvas` as a PNG called `name`; resolves false when the browser could not encode it. */
export function downloadCanvas(canvas, name) {
  return new Promise((resolve) => {
    canvas.toBlob((blob) => {
      if (blob) saveBlob(blob, name);
      resolve(Boolean(blob));
    }, 'image/png');
  });
}
