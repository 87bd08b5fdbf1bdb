// node tests/parity_scripts/stretch.mjs IN.rgb WIDTH HEIGHT OUT_WIDTH OUT_HEIGHT OUT.rgb
//
// Stretches a raw 8-bit RGB image with the page's resize rule (static/js/frame/stretch.js) and
// writes the raw result, so tests/test_stretch_parity.py can compare it with the Python side.
import { readFileSync, writeFileSync } from 'node:fs';
import { stretchImage } from '../../static/js/frame/stretch.js';

const [input, width, height, outWidth, outHeight, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: node tests/parity_scripts/stretch.mjs IN.rgb WIDTH HEIGHT OUT_WIDTH OUT_HEIGHT OUT.rgb');
  process.exit(2);
}
const data = new Uint8ClampedArray(readFileSync(input));
const image = { data, width: Number(width), height: Number(height), channels: 3 };
if (data.length !== image.width * image.height * 3) {
  console.error(`stretch: ${input} holds ${data.length} bytes, not ${width}×${height}×3`);
  process.exit(1);
}
const result = stretchImage(image, Number(outWidth), Number(outHeight));
writeFileSync(output, result.data);
