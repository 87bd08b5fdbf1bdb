// "Only the main person" on hand-written masks: who is kept, who becomes background, and that the
// choice holds still from frame to frame.
import assert from 'node:assert/strict';
import test from 'node:test';

import { createMainPersonFilter, dilate, labelComponents } from '../../static/js/compositor/mainPerson.js';

const W = 40;
const H = 30;

/** A mask with rectangles of person probability `p`: [x0, y0, x1, y1, p]. */
function mask(...boxes) {
  const data = new Float32Array(W * H);
  for (const [x0, y0, x1, y1, p = 0.95] of boxes) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = p;
  }
  return { data, width: W, height: H };
}

const at = (m, x, y) => m.data[y * W + x];

test('labels 4-connected regions; diagonal touching is two regions', () => {
  const binary = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
  const { labels, count } = labelComponents(binary, 4, 3);
  assert.equal(count, 3);
  assert.equal(labels[0], labels[1]);
  assert.notEqual(labels[1], labels[6]);
});

test('dilation grows a region by the radius and no further', () => {
  const map = new Uint8Array(25);
  map[12] = 1; // centre of 5x5
  const grown = dilate(map, 5, 5, 1);
  assert.equal(grown.reduce((a, b) => a + b, 0), 9);
  assert.equal(grown[0], 0);
});

test('the person in the middle is kept, the one at the edge becomes background', () => {
  const filter = createMainPersonFilter({ margin: 1 });
  const kept = filter.apply(mask([14, 5, 26, 30], [0, 10, 6, 30])); // centre person, edge person
  assert.equal(kept.regions, 2);
  assert.equal(at(kept, 20, 15), Math.fround(0.95));
  assert.equal(at(kept, 2, 20), 0, 'the person at the edge is background');
});

test('the soft edge next to the kept person survives, soft pixels elsewhere do not', () => {
  const filter = createMainPersonFilter({ margin: 2 });
  const kept = filter.apply(mask([14, 5, 26, 30], [12, 5, 14, 30, 0.3], [0, 0, 3, 3, 0.3]));
  assert.ok(Math.abs(at(kept, 13, 10) - 0.3) < 1e-6, 'the feathered edge of the main person');
  assert.equal(at(kept, 1, 1), 0);
});

test('a bigger person far off-centre does not beat a person in the middle', () => {
  const filter = createMainPersonFilter();
  const kept = filter.apply(mask([16, 10, 24, 30], [0, 0, 12, 30])); // 160 px centre vs 360 px at the edge
  assert.ok(at(kept, 20, 20) > 0.5);
  assert.equal(at(kept, 5, 5), 0);
});

test('the kept person stays kept while another one is only slightly more central', () => {
  const filter = createMainPersonFilter();
  // frame 1: A (left of centre) is clearly the main person; B is small at the right
  let kept = filter.apply(mask([12, 5, 20, 30], [32, 20, 36, 30]));
  assert.ok(at(kept, 15, 20) > 0.5);
  // frame 2: B has walked in and is as big as A and a bit nearer the centre: A stays
  kept = filter.apply(mask([11, 5, 19, 30], [21, 5, 29, 30]));
  assert.ok(at(kept, 14, 20) > 0.5, 'A still kept');
  assert.equal(at(kept, 25, 20), 0, 'B still background');
  // after reset (a new video), the more central one wins
  filter.reset();
  kept = filter.apply(mask([11, 5, 19, 30], [20, 5, 28, 30]));
  assert.ok(at(kept, 24, 20) > 0.5);
});

test('an empty mask stays empty; specks below the minimum area are not people', () => {
  const filter = createMainPersonFilter();
  assert.equal(filter.apply(mask()).data.some((v) => v > 0), false);
  assert.equal(filter.apply(mask([20, 15, 21, 16])).keptArea, 0);
});
