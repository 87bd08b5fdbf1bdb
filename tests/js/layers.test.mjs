// Imports follow the layers: a module never imports from a layer above its own. base/ is the
// bottom; input/, segmenter/, frame/, gl/, compositor/, output/ and settings/ are below ui/ and the
// flows; only the top (app.js, flows/, automation) may import ui/.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../static/js');
const LOW_LAYERS = ['base', 'settings', 'gl', 'frame', 'input', 'segmenter', 'compositor', 'output'];

function modules(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

function importsOf(path) {
  const text = readFileSync(path, 'utf8');
  const found = [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  found.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]));
  return found.filter((spec) => spec.startsWith('.')).map((spec) => relative(ROOT, resolve(dirname(path), spec)));
}

test('base/ imports nothing of ours', () => {
  for (const path of modules(join(ROOT, 'base'))) assert.deepEqual(importsOf(path), [], relative(ROOT, path));
});

test('the lower layers never import ui/, the flows or the wiring', () => {
  const problems = [];
  for (const layer of LOW_LAYERS) {
    for (const path of modules(join(ROOT, layer))) {
      for (const target of importsOf(path)) {
        const top = target.split('/')[0];
        if (!LOW_LAYERS.includes(top)) {
          problems.push(`${relative(ROOT, path)} imports ${target}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('only the frame path and segmenter/ call the video path (segmentForVideo)', () => {
  const callers = modules(ROOT)
    .filter((path) => readFileSync(path, 'utf8').includes('segmentForVideo'))
    .map((path) => relative(ROOT, path))
    .filter((path) => path !== 'framePath.js' && !path.startsWith('segmenter/'));
  assert.deepEqual(callers, []);
});

test('app.js is wiring: short, and no module-level let', () => {
  const text = readFileSync(join(ROOT, 'app.js'), 'utf8');
  assert.ok(text.split('\n').length <= 160, `app.js has ${text.split('\n').length} lines`);
  assert.deepEqual(text.match(/^let /gm), null);
});
