// Background stage for 'color' and 'none': fill the background target with one premultiplied
// colour (transparent for 'none', so the PNG keeps only the person).

/** '#1f8a4c' → [r, g, b] in 0–1. */
export function parseHexColor(hex) {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255].map((v) => v / 255);
}

/** createFillBackgroundStage({kit, color}) → color null = transparent. */
export function createFillBackgroundStage({ kit, color = null }) {
  let rgba = color ? [...parseHexColor(color), 1] : [0, 0, 0, 0];
  const transparent = !color;
  return {
    followsFrame: false,
    render({ target }) {
      kit.clearTarget(target, rgba);
    },
    update({ color: next } = {}) {
      if (next && !transparent) rgba = [...parseHexColor(next), 1];
    },
    cleanUp() {},
  };
}
