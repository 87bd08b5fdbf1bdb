// Summary of /model/model-card.json for the page. Pure: tested with node. The card is written by
// convert/export_tfjs.py; every field is optional here so an older or partial card still shows.

function formatCount(n) {
  if (typeof n !== 'number') return null;
  for (const [size, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (n >= size) return `${(n / size).toPrecision(3)} ${unit}`;
  }
  return String(n);
}

function formatBytes(n) {
  if (typeof n !== 'number') return null;
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

/** The headline number of one metrics entry: a number, or an object with miou/iou. */
function headlineMetric(value) {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object') {
    for (const key of ['miou', 'mean_iou', 'iou', 'dataset_iou']) {
      if (typeof value[key] === 'number') return value[key];
    }
  }
  return null;
}

function metricRows(metrics) {
  if (!metrics || typeof metrics !== 'object') return [];
  const rows = [];
  const flat = headlineMetric(metrics);
  if (flat !== null) return [['mIoU', `${flat.toFixed(1)} %`]];
  for (const [setName, value] of Object.entries(metrics)) {
    const number = headlineMetric(value);
    if (number !== null) rows.push([`mIoU ${setName}`, `${number.toFixed(1)} %`]);
  }
  // greenscreen.second_person: a person pasted beside each test portrait's, and how much of them the mask keeps.
  const kept = metrics.second_person?.kept_percent;
  if (typeof kept === 'number') rows.push(['Second person kept', `${kept.toFixed(1)} %`]);
  return rows;
}

/** [label, text] rows describing the model, in display order; unknown fields are skipped. */
export function summarizeCard(card) {
  if (!card || typeof card !== 'object') return [];
  const rows = [];
  const name = card.name ?? card.preset;
  if (name) rows.push(['Model', card.preset && card.name && card.preset !== card.name ? `${card.name} (${card.preset})` : String(name)]);
  const size = card.input_size;
  const extra = (Array.isArray(card.extra_input_sizes) ? card.extra_input_sizes : [])
    .map((other) => ` + ${other[0]}×${other[1]}`).join('');
  if (Array.isArray(size) && size.length === 2) rows.push(['Input', `${size[0]}×${size[1]}${extra}`]);
  const params = formatCount(card.params);
  if (params) rows.push(['Parameters', params]);
  const flops = formatCount(card.flops);
  if (flops) rows.push(['FLOPs / frame', flops]);
  const bytes = formatBytes(card.conversion?.total_bytes ?? card.total_bytes ?? card.size_bytes);
  if (bytes) rows.push(['Download', bytes]);
  const quantize = card.conversion?.quantize;
  if (typeof quantize === 'string') rows.push(['Weights', quantize === 'none' ? 'float32' : quantize]);
  rows.push(...metricRows(card.metrics));
  return rows;
}

function loadingText(progress) {
  return progress < 1 ? `downloading ${Math.round(progress * 100)} %` : 'starting…';
}

/**
 * The model pill for both models: {live, photo}, each {status: 'idle' | 'loading' | 'ready' |
 * 'error', inputSize: [H, W], progress: 0–1} → {text, kind}, e.g. 'ready (live 224×224, photo
 * downloading 40 %)'. The page is ready once the live model is.
 */
export function modelStatusText({ live, photo }) {
  if (live.status === 'error') return { text: 'not loaded', kind: 'error' };
  if (live.status !== 'ready') return { text: loadingText(live.progress ?? 0), kind: 'pending' };
  const parts = [`live ${live.inputSize.join('×')}`];
  if (photo.status === 'ready') parts.push(`photo ${photo.inputSize.join('×')}`);
  else if (photo.status === 'loading') parts.push(`photo ${loadingText(photo.progress ?? 0)}`);
  else if (photo.status === 'error') parts.push('photo not loaded');
  return { text: `ready (${parts.join(', ')})`, kind: 'ok' };
}
