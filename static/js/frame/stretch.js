// The one resize rule of the model contract (docs/model-contract.md): the whole frame stretched to
// the model's H×W with bilinear filtering, exactly as the Python side does it
// (greenscreen.predict.resize_image: PIL's Image.resize with BILINEAR). PIL's "bilinear" is a
// triangle filter whose support grows with the shrink factor, so a big frame is averaged, not
// sampled at 4 points (no aliasing); a horizontal pass, then a vertical one, each rounded to 8 bits.
//
// stretchCoefficients() is the rule; stretchImage() applies it on the CPU bit for bit as PIL does
// (tests/test_stretch_parity.py compares it with Python); the GPU frame preparation
// (stretchStage.js) computes the same weights in its shaders.

/** PIL's BILINEAR filter: a triangle of half-width 1 (in source pixels once scaled). */
function triangle(x) {
  const distance = Math.abs(x);
  return distance < 1 ? 1 - distance : 0;
}

/**
 * Resampling weights from inSize to outSize pixels along one axis: output pixel i averages
 * source pixels first[i] … first[i] + count[i] − 1 with weights[i·taps + k] (summing to 1).
 * (PIL's precompute_coeffs, BILINEAR, whole-image box.)
 */
export function stretchCoefficients(inSize, outSize) {
  if (!(Number.isInteger(inSize) && Number.isInteger(outSize) && inSize > 0 && outSize > 0)) {
    throw new Error(`Invalid stretch ${inSize} → ${outSize} pixels`);
  }
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1); // shrinking widens the filter; growing keeps it at 1
  const support = filterScale; // the triangle's support (1) times the filter scale
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let k = 0; k < hi - lo; k++) {
      const weight = triangle((k + lo - center + 0.5) / filterScale);
      weights[i * taps + k] = weight;
      total += weight;
    }
    if (total !== 0) for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { first, count, weights, taps, scale, filterScale };
}

// PIL's 8-bit passes: weights in fixed point with 22 fraction bits, rounded at the end.
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function fixedPoint(weights) {
  return Int32Array.from(weights, (w) => (w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE)));
}

function clip8(sum) {
  return Math.min(Math.max(Math.floor(sum / ONE), 0), 255);
}

/**
 * One pass along an axis, in place of PIL's ImagingResample{Horizontal,Vertical}_8bpc: output pixel
 * i of every line j reads source pixels first[i]…; strides say how far one pixel, line and tap are.
 */
function resamplePass(source, target, outSize, otherSize, channels, coefficients, strideOut, strideOther, strideIn) {
  const { first, count, taps } = coefficients;
  const k = fixedPoint(coefficients.weights);
  for (let i = 0; i < outSize; i++) {
    for (let j = 0; j < otherSize; j++) {
      for (let c = 0; c < channels; c++) {
        let sum = HALF;
        for (let t = 0; t < count[i]; t++) {
          sum += source[(first[i] + t) * strideIn + j * strideOther + c] * k[i * taps + t];
        }
        target[i * strideOut + j * strideOther + c] = clip8(sum);
      }
    }
  }
}

/**
 * Stretch an 8-bit image {data, width, height, channels} (row-major, `channels` bytes a pixel)
 * to outWidth × outHeight, bit for bit as PIL's Image.resize(BILINEAR) on an RGB(A) image.
 * Returns {data: Uint8ClampedArray, width, height, channels}.
 */
export function stretchImage({ data, width, height, channels }, outWidth, outHeight) {
  let image = { data, width, height };
  if (outWidth !== width) {
    // horizontal pass: along x (stride `channels`), rows unchanged
    const out = new Uint8ClampedArray(outWidth * height * channels);
    const rowIn = width * channels;
    const rowOut = outWidth * channels;
    const coefficients = stretchCoefficients(width, outWidth);
    for (let y = 0; y < height; y++) {
      resamplePass(
        data.subarray(y * rowIn, (y + 1) * rowIn), out.subarray(y * rowOut, (y + 1) * rowOut),
        outWidth, 1, channels, coefficients, channels, 0, channels,
      );
    }
    image = { data: out, width: outWidth, height };
  }
  if (outHeight !== height) {
    // vertical pass: along y (stride one row), every column
    const row = image.width * channels;
    const out = new Uint8ClampedArray(image.width * outHeight * channels);
    resamplePass(image.data, out, outHeight, image.width, channels, stretchCoefficients(height, outHeight), row, channels, row);
    image = { data: out, width: image.width, height: outHeight };
  }
  return { data: Uint8ClampedArray.from(image.data), width: outWidth, height: outHeight, channels };
}
