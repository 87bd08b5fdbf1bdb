// The one result on screen: what it was made from (`source`), the mask drawn (`mask`) and the
// model's mask before "only the main person" (`rawMask`, kept for photos so toggling the option
// redraws without the model), and what made it (`kind`: 'photo' | 'camera' | 'video' | 'still'
// (a stopped camera's last frame) | 'exporting' | null). Sources it replaces are closed here.

import { maskOnCPU } from '../segmenter/index.js';

function release(source) {
  if (typeof source?.close === 'function') source.close(); // ImageBitmap, VideoFrame
}

export function createResultHolder() {
  const held = { kind: null, source: null, mask: null, rawMask: null };
  return {
    get kind() {
      return held.kind;
    },
    set kind(kind) {
      held.kind = kind;
    },
    get source() {
      return held.source;
    },
    get mask() {
      return held.mask;
    },
    get rawMask() {
      return held.rawMask;
    },
    /** A still to draw again after a settings change (not a running camera, not mid-export). */
    get still() {
      return held.kind !== 'camera' && held.kind !== 'exporting' && held.source !== null && held.mask !== null;
    },
    set({ kind, source, mask, rawMask = null }) {
      if (held.source !== source) release(held.source);
      Object.assign(held, { kind, source, mask, rawMask });
    },
    keepMask(mask) {
      held.mask = mask;
    },
    /** Keep a camera's last frame as a still: its pixels as an ImageBitmap, its mask on the CPU. */
    async freeze() {
      if (held.kind !== 'camera') return;
      const frame = held.source;
      held.mask = maskOnCPU(held.mask); // a mask left on the GPU lasts only until the next frame
      held.source = frame ? await createImageBitmap(frame) : null;
      release(frame);
      held.kind = held.source ? 'still' : null;
    },
  };
}
