// A faster channel concatenation (Concat on the last axis) for the TF.js WASM backend.
//
// Every layer of a Tiramisu reads the concatenation of the maps before it. TF.js 4.22's WASM backend
// runs Concat in JavaScript with one subarray() + set() per pixel and input: at 96×96 with three
// inputs that is ~28,000 tiny typed-array views and copies, and the live model's 14 Concats took a
// fifth of its kernel time (bench/README, --profile). The same bytes come from one memmove per row and
// input inside the heap (copyWithin), with no view made per row.
//
//   import { installFastConcat } from './fastConcat.js';
//   installFastConcat(tf);      // before running a model on the 'wasm' backend
//
// concatLastAxis is pure (typed arrays in, typed array out), so node --test checks it against TF.js's
// own kernel (tests/js/fastConcat.test.mjs).

/**
 * Interleave `parts` (Float32Arrays holding `rows` rows of widths[i] values each) into `out`
 * (rows × Σ widths): out's row r is part 0's row r, then part 1's, and so on.
 * When all of them are views of one buffer (the WASM heap), each row is one native copyWithin on a
 * view of the whole buffer (a memmove, nothing allocated); otherwise a plain loop.
 */
export function concatLastAxis(parts, widths, rows, out) {
  const total = widths.reduce((sum, width) => sum + width, 0);
  const shared = parts.every((part) => part.buffer === out.buffer);
  const heap = shared ? new Float32Array(out.buffer) : null;
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const width = widths[i];
    if (heap) {
      let read = part.byteOffset / 4;
      for (let row = 0, write = out.byteOffset / 4 + offset; row < rows; row++, write += total, read += width) {
        heap.copyWithin(write, read, read + width);
      }
    } else {
      let read = 0;
      for (let row = 0, write = offset; row < rows; row++, write += total) {
        for (let k = 0; k < width; k++) out[write + k] = part[read++];
      }
    }
    offset += width;
  }
  return out;
}

/**
 * Register the faster Concat for `backendName` (TF.js's own kernel still runs whatever this does not
 * handle: other axes, other dtypes, empty inputs). Safe to call more than once; returns whether it is installed.
 */
export function installFastConcat(tf, backendName = 'wasm') {
  const original = tf.getKernel?.('Concat', backendName);
  if (!original || original.kernelFunc.fastConcat) return Boolean(original);

  const kernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const shapes = inputs.map((input) => input.shape);
    const rank = shapes[0].length;
    const asked = Array.isArray(attrs.axis) ? attrs.axis[0] : attrs.axis;
    const axis = asked < 0 ? asked + rank : asked;
    const handled = rank >= 2 && axis === rank - 1 && inputs.length > 1
      && inputs.every((input) => input.dtype === 'float32' && input.shape.length === rank && !input.shape.includes(0))
      && shapes.every((shape) => shape.slice(0, -1).every((size, d) => size === shapes[0][d]));
    if (!handled) return original.kernelFunc(args);
    const widths = shapes.map((shape) => shape[rank - 1]);
    const rows = shapes[0].slice(0, -1).reduce((product, size) => product * size, 1);
    const out = backend.makeOutput([...shapes[0].slice(0, -1), widths.reduce((a, b) => a + b, 0)], 'float32');
    concatLastAxis(inputs.map((input) => backend.typedArrayFromHeap(input)), widths, rows, backend.typedArrayFromHeap(out));
    return out;
  };
  kernelFunc.fastConcat = true;
  tf.unregisterKernel('Concat', backendName);
  tf.registerKernel({ ...original, kernelFunc });
  return true;
}
