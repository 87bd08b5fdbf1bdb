// A scratch canvas wherever the code runs: a <canvas> on the page, an OffscreenCanvas in a Worker
// (which has no document). Both draw, read back and feed WebGL the same way.

/** A `width`×`height` canvas: HTMLCanvasElement when there is a document, else OffscreenCanvas. */
export function createCanvas(width = 1, height = 1) {
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }
  return new OffscreenCanvas(width, height);
}
