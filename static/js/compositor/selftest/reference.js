// The math of every GPU pipeline stage as plain JavaScript on Float32Arrays: slow, obvious, and
// the yardstick. `node --test` checks it on hand-written inputs (tests/js/pipeline.test.mjs); the
// browser self-test (selftest.js) runs each GPU stage on a tiny input and compares with it. (The
// frame's stretch to model size has its reference beside it: frame/stretch.js stretchImage.)
//
// Images are RGBA floats 0–1, row-major, 4 values per pixel; masks one value per pixel. Sampling
// follows texture() with LINEAR filtering and CLAMP_TO_EDGE: pixel centres at (i + 0.5) / size.

import { feather, resizeBilinear } from '../maskmath.js';
import { PERSON_BLUR_WEIGHT, gaussianTaps } from '../webgl2/blurBackgroundStage.js';
import { BILATERAL_FALLBACK_WEIGHT } from '../webgl2/upsampleStage.js';

export { feather, resizeBilinear };

/** Bilinear sample of channel `c` of an image with `channels` values per pixel at pixel position (x, y). */
export function sampleBilinear(image, width, height, channels, c, x, y) {
  const px = Math.min(Math.max(x, 0), width - 1);
  const py = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = px - x0;
  const fy = py - y0;
  const at = (xx, yy) => image[(yy * width + xx) * channels + c];
  const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
  const bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
  return top + (bottom - top) * fy;
}

/** Sample at texture coordinates (u, v) in 0–1, as GLSL texture() with LINEAR filtering does. */
export function sampleUV(image, width, height, channels, c, u, v) {
  return sampleBilinear(image, width, height, channels, c, u * width - 0.5, v * height - 0.5);
}

/**
 * Joint bilateral upsampling (Kopf, Cohen, Lischinski, Uyttendaele, SIGGRAPH 2007): each output
 * pixel p averages the low-resolution mask values m(q) of the (2·radius+1)² nearest mask texels,
 * weighted by a spatial Gaussian (distance in mask texels, sigmaSpace) times a range Gaussian on
 * the colour difference between the full-resolution frame at p and the frame shrunk to mask size
 * at q (sigmaColor, RGB 0–1). So the mask edge snaps to the frame's colour edge instead of
 * the blocky/blurry bilinear one. A small bilinear term takes over where no tap's colour matches.
 * mode 'bilinear' returns the plain bilinear upsampling (the baseline).
 */
export function jointBilateralUpsample({
  mask,
  maskWidth,
  maskHeight,
  guideLow,
  guide,
  width,
  height,
  radius = 2,
  sigmaSpace = 1,
  sigmaColor = 0.1,
  mode = 'bilateral',
}) {
  const out = new Float32Array(width * height);
  const space = 1 / (2 * sigmaSpace * sigmaSpace);
  const range = 1 / (2 * sigmaColor * sigmaColor);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = ((x + 0.5) / width) * maskWidth - 0.5;
      const py = ((y + 0.5) / height) * maskHeight - 0.5;
      const bilinear = sampleBilinear(mask, maskWidth, maskHeight, 1, 0, px, py);
      if (mode === 'bilinear') {
        out[y * width + x] = bilinear;
        continue;
      }
      const centre = (y * width + x) * 4;
      const baseX = Math.floor(px + 0.5);
      const baseY = Math.floor(py + 0.5);
      let sumW = BILATERAL_FALLBACK_WEIGHT;
      let sumM = BILATERAL_FALLBACK_WEIGHT * bilinear;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const qx = baseX + dx;
          const qy = baseY + dy;
          if (qx < 0 || qy < 0 || qx >= maskWidth || qy >= maskHeight) continue;
          const distance2 = (qx - px) ** 2 + (qy - py) ** 2;
          const q = (qy * maskWidth + qx) * 4;
          let colour2 = 0;
          for (let c = 0; c < 3; c++) colour2 += (guideLow[q + c] - guide[centre + c]) ** 2;
          const weight = Math.exp(-distance2 * space - colour2 * range);
          sumW += weight;
          sumM += weight * mask[qy * maskWidth + qx];
        }
      }
      out[y * width + x] = sumM / sumW;
    }
  }
  return out;
}

/** Solve (m + epsilon·I) x = v for a symmetric 3×3 m given as [xx, xy, xz, yy, yz, zz] (adjugate / determinant). */
export function solveSymmetric3([xx, xy, xz, yy, yz, zz], [v0, v1, v2], epsilon = 0) {
  const a = xx + epsilon;
  const d = yy + epsilon;
  const f = zz + epsilon;
  // Cofactors of [[a, xy, xz], [xy, d, yz], [xz, yz, f]] (symmetric, so the adjugate is too).
  const c00 = d * f - yz * yz;
  const c01 = xz * yz - xy * f;
  const c02 = xy * yz - xz * d;
  const c11 = a * f - xz * xz;
  const c12 = xy * xz - a * yz;
  const c22 = a * d - xy * xy;
  const det = a * c00 + xy * c01 + xz * c02;
  return [
    (c00 * v0 + c01 * v1 + c02 * v2) / det,
    (c01 * v0 + c11 * v1 + c12 * v2) / det,
    (c02 * v0 + c12 * v1 + c22 * v2) / det,
  ];
}

/** Mean of `channels` values a pixel over the (2·radius+1)² window around each pixel, cut at the edges. */
export function windowMean(values, width, height, channels, radius) {
  const out = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sums = new Float64Array(channels);
      let count = 0;
      for (let qy = Math.max(y - radius, 0); qy <= Math.min(y + radius, height - 1); qy++) {
        for (let qx = Math.max(x - radius, 0); qx <= Math.min(x + radius, width - 1); qx++) {
          for (let c = 0; c < channels; c++) sums[c] += values[(qy * width + qx) * channels + c];
          count++;
        }
      }
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = sums[c] / count;
    }
  }
  return out;
}

/**
 * Guided filter upsampling (He, Sun, Tang 2013; fast form, He & Sun 2015): in each (2·radius+1)²
 * window of the mask the person value is fitted as a linear function of the colour of the frame
 * shrunk to mask size, m ≈ a·I + b (ridge `epsilon` on the colour covariance). The windows'
 * coefficients are averaged, stretched bilinearly to full size and applied to the full-resolution
 * frame, so the mask's edge lands on the frame's colour edges, with subpixel precision and without
 * the bilateral filter's halo where the colours on both sides are alike. Returns a Float32Array
 * (clipped to 0–1). Coefficients: RGBA per mask texel (a.r, a.g, a.b, b), before and after the mean.
 */
export function guidedUpsample({ mask, maskWidth, maskHeight, guideLow, guide, width, height, radius = 4, epsilon = 1e-3 }) {
  const coefficients = guidedCoefficients({ mask, maskWidth, maskHeight, guideLow, radius, epsilon });
  const mean = windowMean(coefficients, maskWidth, maskHeight, 4, radius);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = ((x + 0.5) / width) * maskWidth - 0.5;
      const py = ((y + 0.5) / height) * maskHeight - 0.5;
      const i = (y * width + x) * 4;
      let value = sampleBilinear(mean, maskWidth, maskHeight, 4, 3, px, py);
      for (let c = 0; c < 3; c++) value += sampleBilinear(mean, maskWidth, maskHeight, 4, c, px, py) * guide[i + c];
      out[y * width + x] = Math.min(Math.max(value, 0), 1);
    }
  }
  return out;
}

/** The guided filter's per-window fit (a.r, a.g, a.b, b) at mask size, before the window mean. */
export function guidedCoefficients({ mask, maskWidth, maskHeight, guideLow, radius = 4, epsilon = 1e-3 }) {
  const out = new Float32Array(maskWidth * maskHeight * 4);
  for (let y = 0; y < maskHeight; y++) {
    for (let x = 0; x < maskWidth; x++) {
      // Sums over the window: colour (3), mask, colour × mask (3), colour products (6).
      const sum = new Float64Array(13);
      let count = 0;
      for (let qy = Math.max(y - radius, 0); qy <= Math.min(y + radius, maskHeight - 1); qy++) {
        for (let qx = Math.max(x - radius, 0); qx <= Math.min(x + radius, maskWidth - 1); qx++) {
          const q = qy * maskWidth + qx;
          const [r, g, b] = [guideLow[q * 4], guideLow[q * 4 + 1], guideLow[q * 4 + 2]];
          const m = mask[q];
          const terms = [r, g, b, m, r * m, g * m, b * m, r * r, r * g, r * b, g * g, g * b, b * b];
          for (let k = 0; k < 13; k++) sum[k] += terms[k];
          count++;
        }
      }
      const mean = Array.from(sum, (s) => s / count);
      const [mr, mg, mb, mm] = mean;
      const covariance = [
        mean[7] - mr * mr, mean[8] - mr * mg, mean[9] - mr * mb,
        mean[10] - mg * mg, mean[11] - mg * mb, mean[12] - mb * mb,
      ];
      const crossCovariance = [mean[4] - mr * mm, mean[5] - mg * mm, mean[6] - mb * mm];
      const a = solveSymmetric3(covariance, crossCovariance, epsilon);
      out.set([a[0], a[1], a[2], mm - a[0] * mr - a[1] * mg - a[2] * mb], (y * maskWidth + x) * 4);
    }
  }
  return out;
}

/**
 * Person-weighted separable Gaussian blur (normalised convolution, Knutsson & Westin 1993):
 * blur(I·w) / blur(w) with w = 1 − coverage·(1 − PERSON_BLUR_WEIGHT), so the blurred background
 * near the person is made of background pixels only (no halo of the person's colours).
 * Horizontal pass from the full-resolution frame to outW×outH, vertical pass, then the division.
 * Returns RGBA (alpha 1) at outW×outH; sigma is in output pixels.
 */
export function personWeightedBlur({ rgba, coverage, width, height, outWidth = width, outHeight = height, sigma }) {
  const { radius, weights } = gaussianTaps(sigma);
  const horizontal = new Float32Array(outWidth * outHeight * 4);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const sums = [0, 0, 0, 0];
      for (let k = -radius; k <= radius; k++) {
        const u = (x + 0.5 + k) / outWidth;
        const v = (y + 0.5) / outHeight;
        const w = weights[k + radius] * (1 - sampleUV(coverage, width, height, 1, 0, u, v) * (1 - PERSON_BLUR_WEIGHT));
        for (let c = 0; c < 3; c++) sums[c] += w * sampleUV(rgba, width, height, 4, c, u, v);
        sums[3] += w;
      }
      horizontal.set(sums, (y * outWidth + x) * 4);
    }
  }
  const out = new Float32Array(outWidth * outHeight * 4);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const sums = [0, 0, 0, 0];
      for (let k = -radius; k <= radius; k++) {
        const yy = Math.min(Math.max(y + k, 0), outHeight - 1); // clamp to edge
        for (let c = 0; c < 4; c++) sums[c] += weights[k + radius] * horizontal[(yy * outWidth + x) * 4 + c];
      }
      const i = (y * outWidth + x) * 4;
      for (let c = 0; c < 3; c++) out[i + c] = sums[c] / Math.max(sums[3], 1e-6);
      out[i + 3] = 1;
    }
  }
  return out;
}

/** Screen blend: brightens, never exceeds 1 (1 − (1 − a)(1 − b)). */
export function screen(a, b) {
  return 1 - (1 - a) * (1 - b);
}

/**
 * Composite stage: light wrapping, then person over background. The wrap (after the compositing
 * trick of film VFX) screens `lightWrap` × background light onto the person where the coverage
 * is partial (4c(1 − c): the feathered edge, nothing deep inside or outside), so the cut-out
 * picks up the new scene's light instead of looking pasted on. `background` is premultiplied
 * RGBA (transparent = all zero); the output is premultiplied RGBA.
 */
export function composite({ frame, coverage, background, lightWrap = 0 }) {
  const out = new Float32Array(frame.length);
  for (let p = 0; p < coverage.length; p++) {
    const i = p * 4;
    const c = coverage[p];
    const wrap = lightWrap * 4 * c * (1 - c);
    for (let k = 0; k < 3; k++) {
      const person = screen(frame[i + k], wrap * background[i + k]);
      out[i + k] = person * c + background[i + k] * (1 - c);
    }
    out[i + 3] = c + background[i + 3] * (1 - c);
  }
  return out;
}
