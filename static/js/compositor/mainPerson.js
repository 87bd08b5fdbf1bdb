// "Only the main person": keep the person region that holds the most area near the centre and
// treat everyone else (people walking behind you in a call) as background. Works on the model-size
// mask (a few ten thousand values), so it costs well under a millisecond a frame.
//
// Connected components (4-connected, on mask > threshold); each is scored by its area weighted by
// closeness to the centre. The region kept on the last frame stays the main one unless another
// scores clearly more (`stickiness`), so the choice does not flip between two similar people.
// The kept region is grown by `margin` pixels so its soft, below-threshold edge survives.
//
//   const filter = createMainPersonFilter();
//   const kept = filter.apply(mask);   // {data, width, height} like the mask; filter.reset() for a new source

export const DEFAULT_MAIN_PERSON = Object.freeze({
  threshold: 0.5,
  margin: 3, // pixels at model size around the kept region whose probability survives
  stickiness: 1.5, // a new region must score this many times the kept one to take over
  minArea: 0.002, // regions smaller than this share of the frame are noise, not people
});

/**
 * Label the 4-connected regions of `binary` (Uint8Array, 1 = in). Returns {labels (Int32Array,
 * 0 = none, 1..count), count}.
 */
export function labelComponents(binary, width, height) {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < binary.length; start++) {
    if (!binary[start] || labels[start]) continue;
    count++;
    let top = 0;
    stack[top++] = start;
    labels[start] = count;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= binary.length || !binary[j] || labels[j]) continue;
        labels[j] = count;
        stack[top++] = j;
      }
    }
  }
  return { labels, count };
}

/** Weight of pixel (x, y) for "near the centre": 1 in the middle, falling off squared to the corners. */
function centreWeight(x, y, width, height) {
  const dx = (x + 0.5) / width - 0.5;
  const dy = (y + 0.5) / height - 0.5;
  const distance = Math.sqrt(dx * dx + dy * dy) / Math.SQRT1_2; // 0 centre … 1 corner
  return Math.max(0.02, (1 - distance) ** 2);
}

/** Grow a 0/1 map by `radius` pixels (a square max filter, in two separable passes). */
export function dilate(map, width, height, radius) {
  if (radius <= 0) return map.slice();
  const rows = new Uint8Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius) && !on; k++) on = map[y * width + k];
      rows[y * width + x] = on;
    }
  }
  const out = new Uint8Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius) && !on; k++) on = rows[k * width + x];
      out[y * width + x] = on;
    }
  }
  return out;
}

export function createMainPersonFilter(options = {}) {
  const settings = { ...DEFAULT_MAIN_PERSON, ...options };
  let previous = null; // the kept region of the last frame (Uint8Array), at the mask's size
  let previousSize = '';

  function apply({ data, width, height, ...rest }) {
    const size = `${width}x${height}`;
    if (size !== previousSize) previous = null;
    const binary = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) binary[i] = data[i] > settings.threshold ? 1 : 0;
    const { labels, count } = labelComponents(binary, width, height);
    const scores = new Float64Array(count + 1);
    const areas = new Int32Array(count + 1);
    const overlaps = new Int32Array(count + 1);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (!label) continue;
      areas[label]++;
      scores[label] += centreWeight(i % width, Math.floor(i / width), width, height);
      if (previous?.[i]) overlaps[label]++;
    }
    const minArea = settings.minArea * width * height;
    let best = 0;
    let incumbent = 0;
    for (let label = 1; label <= count; label++) {
      if (areas[label] < minArea) continue;
      if (!best || scores[label] > scores[best]) best = label;
      if (overlaps[label] > 0 && (!incumbent || overlaps[label] > overlaps[incumbent])) incumbent = label;
    }
    const chosen = incumbent && scores[best] < settings.stickiness * scores[incumbent] ? incumbent : best;
    const kept = new Uint8Array(data.length);
    if (chosen) for (let i = 0; i < labels.length; i++) kept[i] = labels[i] === chosen ? 1 : 0;
    previous = kept;
    previousSize = size;
    const region = dilate(kept, width, height, settings.margin);
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = region[i] ? data[i] : 0;
    return { ...rest, data: out, width, height, regions: count, keptArea: chosen ? areas[chosen] : 0 };
  }

  return {
    apply,
    /** Forget the kept region (a new photo, video or camera session). */
    reset() {
      previous = null;
      previousSize = '';
    },
  };
}
