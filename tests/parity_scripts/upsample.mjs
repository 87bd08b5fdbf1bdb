// node tests/parity_scripts/upsample.mjs IN.json OUT.f32
//
// The page's mask upsampling (jointBilateralUpsample or guidedUpsample, the references the GPU stage
// is held to) on the inputs IN.json describes: {mode: 'bilateral' | 'guided', mask, maskWidth,
// maskHeight, guideLow, guide, width, height, and the mode's settings (radius, sigmaSpace, sigmaColor;
// radius, epsilon)}, where mask, guideLow and guide name raw float32 files (guides RGB 0–1, three
// values a pixel). Writes the upsampled map as raw float32, so tests/test_upsample_parity.py can
// compare it with greenscreen.upsample.
import { readFileSync, writeFileSync } from 'node:fs';
import { guidedUpsample, jointBilateralUpsample } from '../../static/js/compositor/selftest/reference.js';

const [input, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: node tests/parity_scripts/upsample.mjs IN.json OUT.f32');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(input, 'utf8'));
const floats = (path) => {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};
/** RGB (three floats a pixel) to the reference's RGBA layout. */
const rgba = (rgb) => {
  const out = new Float32Array((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) out.set([rgb[i], rgb[i + 1], rgb[i + 2], 1], j);
  return out;
};
const upsample = { bilateral: jointBilateralUpsample, guided: guidedUpsample }[spec.mode];
if (!upsample) {
  console.error(`unknown mode ${JSON.stringify(spec.mode)} (bilateral, guided)`);
  process.exit(2);
}
const result = upsample({
  ...spec,
  mask: floats(spec.mask),
  guideLow: rgba(floats(spec.guideLow)),
  guide: rgba(floats(spec.guide)),
});
writeFileSync(output, Buffer.from(result.buffer));
