// node tests/parity_scripts/parity.mjs MODEL_DIR INPUT.npy OUTPUT.npy [GRAPH.json]
//
// Runs an exported TF.js graph model in Node on the pure-JS 'cpu' backend (tfjs-node does not
// install here) and writes its output, so tests/test_convert.py can compare it with Keras.
// Input: float32 .npy [N,H,W,3]; output: float32 .npy of the model's single output. GRAPH.json
// (default model.json) names another graph in the folder, e.g. an extra input size's model-HxW.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A tf.io handler that reads model.json and its weight shards straight from disk. */
function fileHandler(modelDir, graphName = 'model.json') {
  return {
    async load() {
      const modelJSON = JSON.parse(readFileSync(join(modelDir, graphName), 'utf8'));
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(modelDir, p))));
        const joined = Buffer.concat(shards);
        return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)];
      });
    },
  };
}

/** Reads a little-endian float32 C-order .npy file (format 1.0-3.0). */
export function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path} is not a .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${path}: expected float32 ('<f4'), header ${header}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not supported`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  return { shape, data };
}

/** Writes a float32 C-order .npy file (format 1.0, header padded to 64 bytes). */
export function writeNpy(path, shape, data) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

async function main([modelDir, inputPath, outputPath, graphName]) {
  if (!modelDir || !inputPath || !outputPath) {
    console.error('usage: node tests/parity_scripts/parity.mjs MODEL_DIR INPUT.npy OUTPUT.npy');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  if (tf.getBackend() !== 'cpu') throw new Error(`backend is ${tf.getBackend()}, wanted cpu`);
  const model = await tf.loadGraphModel(fileHandler(modelDir, graphName));
  const input = readNpy(inputPath);
  const output = tf.tidy(() => model.execute(tf.tensor(input.data, input.shape, 'float32')));
  writeNpy(outputPath, output.shape, await output.data());
  console.log(JSON.stringify({ backend: tf.getBackend(), input: input.shape, output: output.shape }));
  output.dispose();
  model.dispose();
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`parity: ${err.message}`);
  process.exit(1);
});
