// Streaming sample-rate conversion for the export's sound: Opus takes 48 kHz, phones record AAC at
// 44.1 kHz, and Chrome's AudioEncoder does not convert. Linear interpolation between neighbouring
// samples, carried across chunk boundaries so the joins are seamless. Pure: node tests check it.
//
//   const resampler = createResampler(44100, 48000);
//   const planes = resampler.push([left, right]);   // Float32Array per channel, any length

export function createResampler(fromRate, toRate) {
  const step = fromRate / toRate; // input samples per output sample
  let nextTime = 0; // input position (in samples since the start) of the next output sample
  let consumed = 0; // how many input samples the earlier chunks held
  let last = null; // the earlier chunk's last sample per channel (to bridge the join)

  return {
    /** Resample one chunk of planar channels (equal lengths); returns the output planes. */
    push(planes) {
      const length = planes[0]?.length ?? 0;
      const end = consumed + length; // input samples known so far
      const count = nextTime <= end - 1 ? Math.floor((end - 1 - nextTime) / step) + 1 : 0;
      const out = planes.map(() => new Float32Array(count));
      const sample = (c, k) => (k >= consumed ? planes[c][k - consumed] : last[c]);
      for (let n = 0; n < count; n++) {
        const index = Math.floor(nextTime);
        const fraction = nextTime - index;
        for (let c = 0; c < planes.length; c++) {
          const a = sample(c, index);
          out[c][n] = fraction > 0 ? a + (sample(c, index + 1) - a) * fraction : a;
        }
        nextTime += step;
      }
      if (length) last = planes.map((plane) => plane[length - 1]);
      consumed = end;
      return out;
    },
  };
}
