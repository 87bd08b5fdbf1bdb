// Download: the result canvas as a PNG named after what it was made from.

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
      if (!blob) {
        resolve(false);
        return;
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      resolve(true);
    }, 'image/png');
  });
}
