// Mask math on Float32Array person-probability maps (row-major, one value per pixel): the
// Canvas2D compositor's hot loop (writeCoverageAlpha) and the plain versions the GPU stages are
// checked against (selftest/reference.js). No `tf`, no DOM: `node --test tests/js/` checks them.

/**
 * Source coordinate and weights for bilinear resampling with half-pixel centres
 * (`align_corners=False`, as PIL's BILINEAR upscale, tf.image.resize and OpenCV INTER_LINEAR):
 * destination pixel i samples the source at (i + 0.5) * src / dst - 0.5, clamped to the edge.
 */
function bilinearTaps(srcSize, dstSize) {
  const lo = new Int32Array(dstSize);
  const hi = new Int32Array(dstSize);
  const frac = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let i = 0; i < dstSize; i++) {
    const position = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), srcSize - 1);
    lo[i] = Math.floor(position);
    hi[i] = Math.min(lo[i] + 1, srcSize - 1);
    frac[i] = position - lo[i];
  }
  return { lo, hi, frac };
}

/** Bilinear upsample (or downsample) of a srcW×srcH map to dstW×dstH. */
export function resizeBilinear(mask, srcW, srcH, dstW, dstH) {
  checkSize(mask, srcW, srcH);
  const out = new Float32Array(dstW * dstH);
  const xs = bilinearTaps(srcW, dstW);
  const ys = bilinearTaps(srcH, dstH);
  for (let y = 0; y < dstH; y++) {
    const top = ys.lo[y] * srcW;
    const bottom = ys.hi[y] * srcW;
    const fy = ys.frac[y];
    for (let x = 0; x < dstW; x++) {
      const x0 = xs.lo[x];
      const x1 = xs.hi[x];
      const fx = xs.frac[x];
      const upper = mask[top + x0] + (mask[top + x1] - mask[top + x0]) * fx;
      const lower = mask[bottom + x0] + (mask[bottom + x1] - mask[bottom + x0]) * fx;
      out[y * dstW + x] = upper + (lower - upper) * fy;
    }
  }
  return out;
}

/**
 * GLSL smoothstep: 0 below edge0, 1 above edge1, 3t²−2t³ in between (a C¹ ramp, the "coverage"
 * feather of MediaPipe/Volcomix). With edge0 === edge1 it is a hard step at that value.
 */
function smoothstep(edge0, edge1, x) {
  if (edge1 <= edge0) return x >= edge1 ? 1 : 0;
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}

/** Feather a map: smoothstep(edge0, edge1, p) for every pixel. */
export function feather(mask, edge0, edge1) {
  const out = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = smoothstep(edge0, edge1, mask[i]);
  return out;
}

/**
 * The compositor's hot loop, fused so a full-resolution frame costs one pass and no temporary map:
 * bilinear upsample of the low-resolution person map to W×H, smoothstep feather, written as the
 * alpha channel of an RGBA Uint8ClampedArray (RGB left as is). Equals feather(resizeBilinear(...)).
 */
export function writeCoverageAlpha(mask, maskW, maskH, rgba, width, height, edge0, edge1) {
  checkSize(mask, maskW, maskH);
  if (rgba.length !== width * height * 4) {
    throw new Error(`RGBA buffer has ${rgba.length} bytes, expected ${width}×${height}×4`);
  }
  const xs = bilinearTaps(maskW, width);
  const ys = bilinearTaps(maskH, height);
  const hard = edge1 <= edge0;
  const inverseSpan = hard ? 0 : 1 / (edge1 - edge0);
  for (let y = 0; y < height; y++) {
    const top = ys.lo[y] * maskW;
    const bottom = ys.hi[y] * maskW;
    const fy = ys.frac[y];
    let offset = y * width * 4 + 3;
    for (let x = 0; x < width; x++, offset += 4) {
      const x0 = xs.lo[x];
      const x1 = xs.hi[x];
      const fx = xs.frac[x];
      const upper = mask[top + x0] + (mask[top + x1] - mask[top + x0]) * fx;
      const lower = mask[bottom + x0] + (mask[bottom + x1] - mask[bottom + x0]) * fx;
      const p = upper + (lower - upper) * fy;
      let coverage;
      if (hard) {
        coverage = p >= edge1 ? 1 : 0;
      } else {
        const t = Math.min(Math.max((p - edge0) * inverseSpan, 0), 1);
        coverage = t * t * (3 - 2 * t);
      }
      rgba[offset] = coverage * 255; // ImageData's Uint8ClampedArray rounds and clamps
    }
  }
  return rgba;
}

function checkSize(mask, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`Invalid mask size ${width}×${height}`);
  }
  if (mask.length !== width * height) {
    throw new Error(`Mask has ${mask.length} values, expected ${width}×${height} = ${width * height}`);
  }
}
