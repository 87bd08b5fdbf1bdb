// Fetching an exported TF.js graph model ourselves (instead of tf.io.http) so that progress counts
// bytes and every failure names the file and the fix: missing model.json, missing or truncated
// shard. Also the model card beside it.

import { modelMessages } from '../base/messages.js';

const BYTES_PER_ELEMENT = { float32: 4, int32: 4, uint16: 2, float16: 2, uint8: 1, bool: 1 };

function weightBytes(entry) {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const perElement = BYTES_PER_ELEMENT[dtype];
  if (!perElement) return null; // string tensors: size not knowable from the manifest
  return entry.shape.reduce((a, b) => a * b, 1) * perElement;
}

/** fetch(url), or an Error whose message (explain(url, why, folder)) says what failed and the fix. */
async function fetchOrExplain(url, explain, folder) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(explain(url, `a network error (${error.message})`, folder));
  }
  if (!response.ok) throw new Error(explain(url, response.status, folder));
  return response;
}

/** Fetch one weight file, reporting bytes as they arrive. */
async function fetchShard(url, onBytes, folder) {
  const response = await fetchOrExplain(url, modelMessages.missingShard, folder);
  if (!response.body?.getReader) {
    const buffer = await response.arrayBuffer();
    onBytes(buffer.byteLength);
    return new Uint8Array(buffer);
  }
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    onBytes(value.byteLength);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * model.json and its shards as tf.io ModelArtifacts. `folder` (e.g. "static/model/live") is where
 * the files live on disk, for the messages; onProgress(fraction 0–1) counts weight bytes. `shards`
 * (a Map, URL → bytes) keeps every shard fetched, so a second graph reading the same shards (an extra
 * input size: loadExtraSizes) fetches none of them again.
 */
export async function fetchModelArtifacts(tf, modelUrl, { onProgress = () => {}, folder = null, shards = new Map() } = {}) {
  const absoluteUrl = new URL(modelUrl, globalThis.location?.href);
  const response = await fetchOrExplain(modelUrl, modelMessages.missing, folder);
  let modelJson;
  try {
    modelJson = await response.json();
  } catch (error) {
    throw new Error(modelMessages.unreadable(modelUrl, error.message, folder));
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(modelMessages.unreadable(modelUrl, 'no modelTopology or weightsManifest', folder));
  }

  const loadWeights = async (manifest) => {
    const groups = manifest.map((group) => {
      const sizes = group.weights.map(weightBytes);
      return {
        urls: group.paths.map((path) => new URL(path, absoluteUrl).href),
        expected: sizes.includes(null) ? null : sizes.reduce((a, b) => a + b, 0),
      };
    });
    const total = groups.reduce((sum, group) => sum + (group.expected ?? 0), 0);
    let received = 0;
    onProgress(0);
    const groupBuffers = [];
    for (const group of groups) {
      const parts = [];
      for (const url of group.urls) {
        const onBytes = (n) => {
          received += n;
          if (total > 0) onProgress(Math.min(received / total, 1));
        };
        if (!shards.has(url)) shards.set(url, await fetchShard(url, onBytes, folder));
        else onBytes(shards.get(url).byteLength);
        parts.push(shards.get(url));
      }
      const got = parts.reduce((sum, part) => sum + part.byteLength, 0);
      if (group.expected !== null && got !== group.expected) {
        throw new Error(modelMessages.truncated(group.urls.map((u) => new URL(u).pathname), got, group.expected, folder));
      }
      groupBuffers.push(...parts.map((part) => part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength)));
    }
    onProgress(1);
    const specs = manifest.flatMap((group) => group.weights);
    return [specs, tf.io.concatenateArrayBuffers(groupBuffers)];
  };
  return tf.io.getModelArtifactsForJSON(modelJson, loadWeights);
}

/** The model card (model-card.json) beside a model, or null when it is missing or unreadable. */
export async function fetchModelCard(cardUrl) {
  try {
    const response = await fetch(cardUrl);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/**
 * The graphs of the card's `extra_input_sizes` beside modelUrl (model-HxW.json: the same weights at
 * another size, reading the main graph's shards from `shards`), each run once on zeros to check its
 * output and compile it: [{model, width, height}]. A card without them gives [].
 */
export async function loadExtraSizes(tf, { modelUrl, card, folder = null, shards = new Map() }) {
  const sizes = Array.isArray(card?.extra_input_sizes) ? card.extra_input_sizes : [];
  const extras = [];
  try {
    for (const size of sizes) {
      const [height, width] = size ?? [];
      if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
        throw new Error(modelMessages.unreadable(modelUrl, `extra_input_sizes holds ${JSON.stringify(size)}`, folder));
      }
      const url = new URL(`model-${height}x${width}.json`, new URL(modelUrl, globalThis.location?.href)).href;
      const artifacts = await fetchModelArtifacts(tf, url, { folder, shards });
      const model = await tf.loadGraphModel({ load: async () => artifacts });
      extras.push({ model, width, height });
      const shape = tf.tidy(() => {
        const output = model.execute(tf.zeros([1, height, width, 3]));
        return (Array.isArray(output) ? output[0] : output).shape;
      });
      if (shape[1] !== height || shape[2] !== width) {
        throw new Error(modelMessages.badOutput(url, shape, [1, height, width, shape[3]], folder));
      }
    }
  } catch (error) {
    for (const extra of extras) extra.model.dispose();
    throw error;
  }
  return extras;
}
