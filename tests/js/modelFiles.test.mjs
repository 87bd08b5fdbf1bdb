// Fetching graph models: a second graph that reads the first one's shards (the photo model's extra
// input size, model-HxW.json) fetches none of them again; a bad extra size is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

import { fetchModelArtifacts, loadExtraSizes } from '../../static/js/segmenter/modelFiles.js';

const BASE = 'http://example.test/model/photo/';

/** A graph model JSON whose manifest holds one float32 weight per shard path given. */
function graphJson(groups) {
  return {
    format: 'graph-model',
    modelTopology: { node: [] },
    weightsManifest: groups.map(({ paths, names }) => ({
      paths,
      weights: names.map((name) => ({ name, shape: [2], dtype: 'float32' })),
    })),
  };
}

/** globalThis.fetch serving `files` (name -> JSON object or Float32Array); returns the URLs asked for. */
function serve(files) {
  const asked = [];
  globalThis.fetch = async (url) => {
    const name = String(url).slice(BASE.length);
    asked.push(name);
    if (!(name in files)) return new Response('missing', { status: 404 });
    const body = files[name] instanceof Float32Array ? files[name].buffer : JSON.stringify(files[name]);
    return new Response(body, { status: 200 });
  };
  return asked;
}

test('a graph reading the same shards takes them from the shared map, not the network', async () => {
  const asked = serve({
    'model.json': graphJson([{ paths: ['group1-shard1of1.bin'], names: ['w'] }]),
    'model-256x256.json': graphJson([
      { paths: ['group1-shard1of1.bin'], names: ['w'] },
      { paths: ['size-256x256.bin'], names: ['w@256x256'] },
    ]),
    'group1-shard1of1.bin': new Float32Array([1, 2]),
    'size-256x256.bin': new Float32Array([3, 4]),
  });
  const shards = new Map();
  const progress = [];
  const main = await fetchModelArtifacts(tf, `${BASE}model.json`, { shards, onProgress: (f) => progress.push(f) });
  const extra = await fetchModelArtifacts(tf, `${BASE}model-256x256.json`, { shards });
  assert.deepEqual(asked, ['model.json', 'group1-shard1of1.bin', 'model-256x256.json', 'size-256x256.bin']);
  assert.equal(progress.at(-1), 1);
  assert.deepEqual(Array.from(new Float32Array(main.weightData)), [1, 2]);
  assert.deepEqual(Array.from(new Float32Array(extra.weightData)), [1, 2, 3, 4]);
  assert.deepEqual(extra.weightSpecs.map((spec) => spec.name), ['w', 'w@256x256']);
});

test('no extra sizes on the card: nothing to load', async () => {
  const asked = serve({});
  assert.deepEqual(await loadExtraSizes(tf, { modelUrl: `${BASE}model.json`, card: { input_size: [192, 192] } }), []);
  assert.deepEqual(await loadExtraSizes(tf, { modelUrl: `${BASE}model.json`, card: null }), []);
  assert.deepEqual(asked, []);
});

test('a bad extra size or a missing extra graph is an error that names the file', async () => {
  serve({});
  await assert.rejects(
    loadExtraSizes(tf, { modelUrl: `${BASE}model.json`, card: { extra_input_sizes: [[256]] }, folder: 'static/model/photo' }),
    /extra_input_sizes holds \[256\]/,
  );
  await assert.rejects(
    loadExtraSizes(tf, { modelUrl: `${BASE}model.json`, card: { extra_input_sizes: [[256, 256]] }, folder: 'static/model/photo' }),
    /model-256x256\.json/,
  );
});
