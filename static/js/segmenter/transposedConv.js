// A faster transposed convolution (Conv2DBackpropInput) for the TF.js WASM backend.
//
// TF.js 4.22's WASM backend runs Conv2DBackpropInput as a plain C++ loop, not through XNNPACK:
// profiled on our tiramisu_lite at 224×224, its 4 upsampling layers took ~185 of ~290 ms per frame.
// A stride-s transposed convolution is exactly s×s small ordinary convolutions ("sub-pixel"
// decomposition), one per output phase. Packing the s×s phases as output channels of ONE
// convolution lets XNNPACK run it; a transpose then interleaves them into the output rows and
// columns (what DepthToSpace does, but TF.js's WASM DepthToSpace is itself a slow generic loop:
// 81 ms vs 4 ms for the transpose at 112×112×120, measured).
//
//   import { installFastTransposedConv } from './transposedConv.js';
//   installFastTransposedConv(tf);      // before running a model on the 'wasm' backend
//
// The plan and filter packing are pure (no `tf`), so node --test checks them; the kernel itself
// is checked against TF.js's own kernel in tests/js/transposedConv.test.mjs.

/**
 * How to compute a transposed convolution as one stride-1 convolution plus DepthToSpace.
 * Forward convolution (x → dy): dy[i] = Σ_t x[s·i + t − padBefore] · w[t]; so every x[n] with
 * n = s·m + r collects dy[m + o] · w[t] for the taps t with r + padBefore − t = s·o.
 * Returns null when this layout does not apply (the caller keeps TF.js's own kernel).
 */
export function subPixelPlan({ dyShape, xShape, filterShape, strides, padTop, padLeft }) {
  if (dyShape.length !== 4 || xShape.length !== 4 || filterShape.length !== 4) return null;
  const [sh, sw] = strides;
  const [kh, kw, outChannels, inChannels] = filterShape;
  if (!(sh >= 1 && sw >= 1) || (sh === 1 && sw === 1)) return null; // stride 1: nothing to gain
  if (dyShape[3] !== inChannels || xShape[3] !== outChannels || dyShape[0] !== xShape[0]) return null;
  const height = axisPlan(dyShape[1], xShape[1], kh, sh, padTop);
  const width = axisPlan(dyShape[2], xShape[2], kw, sw, padLeft);
  if (!height || !width) return null;
  return { height, width, inChannels, outChannels, strides: [sh, sw] };
}

/** One spatial axis: the window of dy offsets every output phase needs and the padding it takes. */
function axisPlan(dySize, xSize, kernel, stride, padBefore) {
  let minOffset = Infinity;
  let maxOffset = -Infinity;
  for (let phase = 0; phase < stride; phase++) {
    for (let tap = 0; tap < kernel; tap++) {
      const shift = phase + padBefore - tap;
      if (shift % stride !== 0) continue;
      minOffset = Math.min(minOffset, shift / stride);
      maxOffset = Math.max(maxOffset, shift / stride);
    }
  }
  if (!Number.isFinite(minOffset)) return null; // a phase with no tap at all
  const window = maxOffset - minOffset + 1;
  const positions = Math.ceil(xSize / stride); // per phase; the last block may overhang x
  const before = -minOffset;
  const after = positions - 1 + window - dySize - before;
  if (before < 0 || after < 0) return null; // would need cropping: leave it to TF.js
  return { window, minOffset, stride, kernel, padBefore, positions, pad: [before, after], size: xSize };
}

/**
 * The packed filter [windowH, windowW, inChannels, sh·sw·outChannels] from TF's transposed-conv
 * filter w[kh, kw, outChannels, inChannels]: output channel (rh·sw + rw)·outChannels + c of the
 * stride-1 convolution is phase (rh, rw) of x's channel c (DepthToSpace's channel order).
 */
export function packSubPixelFilter(values, plan) {
  const { height, width, inChannels, outChannels } = plan;
  const [sh, sw] = plan.strides;
  const kw = width.kernel;
  const packedOut = sh * sw * outChannels;
  const packed = new Float32Array(height.window * width.window * inChannels * packedOut);
  for (let jh = 0; jh < height.window; jh++) {
    for (let rh = 0; rh < sh; rh++) {
      const th = rh + height.padBefore - sh * (jh + height.minOffset);
      if (th < 0 || th >= height.kernel) continue;
      for (let jw = 0; jw < width.window; jw++) {
        for (let rw = 0; rw < sw; rw++) {
          const tw = rw + width.padBefore - sw * (jw + width.minOffset);
          if (tw < 0 || tw >= kw) continue;
          const phase = (rh * sw + rw) * outChannels;
          for (let c = 0; c < outChannels; c++) {
            const source = ((th * kw + tw) * outChannels + c) * inChannels;
            for (let d = 0; d < inChannels; d++) {
              packed[((jh * width.window + jw) * inChannels + d) * packedOut + phase + c] = values[source + d];
            }
          }
        }
      }
    }
  }
  return packed;
}

// Packed filters per (backend, filter tensor, plan): model weights are constant, so each layer's
// filter is packed once; XNNPACK then also keeps its operator (it caches per filter tensor).
const packedFilters = new Map();

/**
 * Replace the WASM backend's Conv2DBackpropInput with the sub-pixel version (layouts it cannot
 * handle still go to TF.js's own kernel). Safe to call more than once; returns whether it is installed.
 */
export function installFastTransposedConv(tf, backendName = 'wasm') {
  const original = tf.getKernel?.('Conv2DBackpropInput', backendName);
  if (!original || original.kernelFunc.fastTransposedConv) return Boolean(original);
  const conv2d = tf.getKernel('Conv2D', backendName)?.kernelFunc;
  const transpose = tf.getKernel('Transpose', backendName)?.kernelFunc;
  const reshape = tf.getKernel('Reshape', backendName)?.kernelFunc;
  const slice = tf.getKernel('Slice', backendName)?.kernelFunc;
  if (!conv2d || !transpose || !reshape || !slice) return false;

  const kernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const plan = planFor(tf, dy, filter, attrs);
    if (!plan) return original.kernelFunc(args);
    const packed = packedFilterFor(backend, filter, plan);
    const { height, width } = plan;
    const phases = conv2d({
      backend,
      inputs: { x: dy, filter: packed },
      attrs: {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [[0, 0], height.pad, width.pad, [0, 0]],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      },
    });
    // [B, M, N, sh, sw, C] -> [B, M, sh, N, sw, C], which is [B, M·sh, N·sw, C] in memory.
    const [sh, sw] = plan.strides;
    const [batch, rows, columns] = phases.shape;
    const channels = plan.outChannels;
    const phaseView = { dataId: phases.dataId, shape: [batch, rows, columns, sh, sw, channels], dtype: 'float32' };
    const interleaved = transpose({ backend, inputs: { x: phaseView }, attrs: { perm: [0, 1, 3, 2, 4, 5] } });
    backend.disposeData(phases.dataId);
    const blocks = reshape({ backend, inputs: { x: interleaved }, attrs: { shape: [batch, rows * sh, columns * sw, channels] } });
    backend.disposeData(interleaved.dataId); // reshape shares the data and holds its own reference
    if (rows * sh === height.size && columns * sw === width.size) return blocks;
    const out = slice({ backend, inputs: { x: blocks }, attrs: { begin: [0, 0, 0, 0], size: [batch, height.size, width.size, channels] } });
    backend.disposeData(blocks.dataId);
    return out;
  };
  kernelFunc.fastTransposedConv = true;
  tf.unregisterKernel('Conv2DBackpropInput', backendName);
  tf.registerKernel({ ...original, kernelFunc, setupFunc: original.setupFunc });
  return true;
}

function planFor(tf, dy, filter, attrs) {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat && dataFormat !== 'NHWC') return null;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const [sh, sw] = Array.isArray(strides) ? strides : [strides, strides];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, [sh, sw], 1, pad, dimRoundingMode, false, 'channelsLast');
  return subPixelPlan({
    dyShape: dy.shape,
    xShape: info.inShape,
    filterShape: filter.shape,
    strides: [sh, sw],
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
}

function packedFilterFor(backend, filter, plan) {
  const key = `${plan.strides}|${plan.height.padBefore},${plan.width.padBefore}|${plan.height.pad},${plan.width.pad}`;
  let perFilter = packedFilters.get(filter.dataId);
  if (!perFilter) {
    perFilter = new Map();
    packedFilters.set(filter.dataId, perFilter);
  }
  let entry = perFilter.get(key);
  if (!entry || entry.backend !== backend) {
    const values = packSubPixelFilter(backend.readSync(filter.dataId), plan);
    const { height, width, inChannels, outChannels } = plan;
    const shape = [height.window, width.window, inChannels, plan.strides[0] * plan.strides[1] * outChannels];
    entry = { backend, info: backend.makeOutput(shape, 'float32', undefined, values) }; // WASM backend API
    perFilter.set(key, entry);
  }
  return entry.info;
}

/** Free the packed filters (call when the model that owns the filters is disposed). */
export function releasePackedFilters() {
  for (const perFilter of packedFilters.values()) {
    for (const { backend, info } of perFilter.values()) {
      try {
        backend.disposeData(info.dataId, true);
      } catch (error) {
        console.warn('Releasing a packed transposed-conv filter failed:', error); // backend already gone
      }
    }
  }
  packedFilters.clear();
}
