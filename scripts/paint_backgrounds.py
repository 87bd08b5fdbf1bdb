"""Paint the page's built-in backgrounds: `python scripts/paint_backgrounds.py [--out static/backgrounds] [--only beach]`.

Every picture is drawn procedurally with NumPy and Pillow (gradients, value noise, polygons), so the
project ships no copied photographs. Deterministic: the same seed gives byte-identical JPEGs on the
same Pillow version. Output: 1280×720 JPEG, quality 88.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1280, 720
QUALITY = 88
SUPERSAMPLE = 2  # shapes are drawn at 2× and downscaled: cheap antialiasing
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "static" / "backgrounds"


# ---------------------------------------------------------------- helpers


def hex_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


def vertical_gradient(height: int, width: int, stops: list[tuple[float, str]]) -> np.ndarray:
    """Float RGB image whose colour follows `stops` [(position 0–1, '#rrggbb'), …] from top to bottom."""
    positions = np.array([p for p, _ in stops], dtype=np.float32)
    colors = np.stack([hex_rgb(c) for _, c in stops])
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)
    column = np.stack([np.interp(y, positions, colors[:, k]) for k in range(3)], axis=-1)
    return np.repeat(column[:, None, :], width, axis=1)


def value_noise(height: int, width: int, rng: np.random.Generator, octaves: int = 5, base: int = 4) -> np.ndarray:
    """Fractal value noise in [0, 1]: random grids upsampled bicubically, halved amplitude per octave."""
    total = np.zeros((height, width), np.float32)
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        cells = base * 2**octave
        grid = rng.random((cells + 1, cells + 1), dtype=np.float32)
        layer = Image.fromarray(grid, mode="F").resize((width, height), Image.BICUBIC)
        total += amplitude * np.asarray(layer)
        norm += amplitude
        amplitude *= 0.5
    total /= norm
    return (total - total.min()) / (total.max() - total.min() + 1e-6)


def ridge_line(width: int, rng: np.random.Generator, roughness: float, octaves: int = 6) -> np.ndarray:
    """A 1-D fractal profile in [-1, 1] (sum of random-phase sines), for mountain ridges and waves."""
    x = np.linspace(0, 1, width, dtype=np.float32)
    line = np.zeros(width, np.float32)
    for octave in range(octaves):
        frequency = 1.5 * 2**octave
        phase = rng.uniform(0, 2 * math.pi)
        line += (roughness**octave) * np.sin(2 * math.pi * frequency * x + phase)
    return line / np.abs(line).max()


def radial(height: int, width: int, cx: float, cy: float, radius: float, aspect: float = 1.0) -> np.ndarray:
    """Distance from (cx, cy) in units of `radius` (pixels), x stretched by `aspect`."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.sqrt(((x - cx) / aspect) ** 2 + (y - cy) ** 2) / radius


def blend(base: np.ndarray, color, alpha: np.ndarray) -> np.ndarray:
    """base·(1−α) + colour·α, α broadcast over channels."""
    color = hex_rgb(color) if isinstance(color, str) else np.asarray(color, np.float32)
    a = np.clip(alpha, 0.0, 1.0)[..., None]
    return base * (1 - a) + color * a


def add_grain(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """A little film grain hides gradient banding in the JPEG."""
    return image + rng.normal(0.0, strength, image.shape[:2])[..., None].astype(np.float32)


def to_image(image: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(image + 0.5, 0, 255).astype(np.uint8), "RGB")


def shape_layer(draw_shapes, scale: int = SUPERSAMPLE) -> np.ndarray:
    """Coverage (0–1) of shapes drawn by `draw_shapes(draw, scale)` on a supersampled canvas."""
    layer = Image.new("L", (WIDTH * scale, HEIGHT * scale), 0)
    draw_shapes(ImageDraw.Draw(layer), scale)
    layer = layer.resize((WIDTH, HEIGHT), Image.LANCZOS)
    return np.asarray(layer, np.float32) / 255.0


# ---------------------------------------------------------------- beach


def _palm(draw: ImageDraw.ImageDraw, s: int, rng: np.random.Generator) -> None:
    """A leaning palm: a tapering curved trunk and drooping fronds made of leaflets."""
    base = np.array([150.0, 760.0])
    top = np.array([300.0, 150.0])
    control = np.array([120.0, 380.0])
    steps = 60
    t = np.linspace(0, 1, steps)[:, None]
    trunk = (1 - t) ** 2 * base + 2 * (1 - t) * t * control + t**2 * top
    widths = np.linspace(30, 13, steps)
    for (x, y), w in zip(trunk, widths):
        draw.ellipse([(x - w / 2) * s, (y - w / 2) * s, (x + w / 2) * s, (y + w / 2) * s], fill=255)
    crown = top + np.array([0.0, 6.0])
    # (direction in degrees, 0 = right, -90 = up; length; droop): fronds spread out and hang down
    fronds = [(-150, 230, 0.55), (-115, 170, 0.35), (-75, 170, 0.35), (-35, 240, 0.5), (-5, 260, 0.75),
              (25, 220, 0.95), (170, 250, 0.8), (200, 230, 0.5), (145, 200, 1.0), (60, 170, 1.1)]
    for angle, length, droop in fronds:
        length *= rng.uniform(0.92, 1.08)
        a = math.radians(angle)
        direction = np.array([math.cos(a), math.sin(a)])
        k = np.linspace(0, 1, 24)[:, None]
        # gravity bends every frond down more towards its tip
        points = crown + direction * length * k + np.array([0.0, 1.0]) * droop * length * k**2
        draw.line([tuple(p * s) for p in points], fill=255, width=int(4 * s))
        for i in range(1, len(points) - 1):
            p = points[i]
            tangent = points[i + 1] - points[i - 1]
            tangent /= np.linalg.norm(tangent) + 1e-6
            normal = np.array([-tangent[1], tangent[0]])
            along = i / (len(points) - 1)
            leaflet = 70 * math.sin(math.pi * min(along * 1.15, 1.0)) ** 0.7 + 6
            for side in (-1, 1):
                # leaflets sweep towards the tip and hang: a thin curved blade per side
                tip = p + (normal * side * 0.75 + tangent * 0.55) * leaflet + np.array([0.0, leaflet * 0.5])
                mid = (p + tip) / 2 + normal * side * 4
                draw.polygon(
                    [tuple(p * s), tuple((mid + tangent * 2.5) * s), tuple(tip * s), tuple((p + tangent * 6) * s)],
                    fill=255,
                )
    for offset in ([-10, 14], [8, 20], [-2, 26]):  # coconuts
        c = crown + np.array(offset)
        draw.ellipse([(c[0] - 10) * s, (c[1] - 10) * s, (c[0] + 10) * s, (c[1] + 10) * s], fill=255)


def paint_beach(rng: np.random.Generator) -> Image.Image:
    """Maldives: deep sky, soft clouds, sun, turquoise lagoon with waves, white sand, a palm."""
    h, w = HEIGHT, WIDTH
    horizon = int(h * 0.47)
    shore = int(h * 0.74)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)

    image = vertical_gradient(h, w, [(0.0, "#1c64c4"), (0.25, "#3a8ee0"), (0.47, "#b9e6f6"), (1.0, "#b9e6f6")])

    # clouds: thresholded fractal noise, squashed horizontally, fading towards the horizon
    clouds = value_noise(h, w, rng, octaves=6, base=3)
    clouds = np.asarray(Image.fromarray(clouds, "F").resize((w, h // 3), Image.BICUBIC).resize((w, h), Image.BICUBIC))
    cloud_alpha = np.clip((clouds - 0.5) * 2.8, 0, 1) * np.clip((horizon - y) / (h * 0.18), 0, 1) ** 0.8
    image = blend(image, "#ffffff", cloud_alpha * 0.85 * (y < horizon))

    # sun and glow
    sun_x, sun_y = w * 0.74, h * 0.17
    d = radial(h, w, sun_x, sun_y, 1.0)
    image = blend(image, "#fff6d8", np.exp(-((d / 210) ** 2)) * 0.55 * (y < horizon))
    image = blend(image, "#fffdf2", np.clip(46 - d, 0, 1.5) / 1.5)

    # sea: deep blue at the horizon to turquoise in the lagoon
    sea_t = np.clip((y - horizon) / (shore - horizon), 0, 1)
    sea = vertical_gradient(h, w, [(0.0, "#0d5fa6"), (0.3, "#1190b8"), (0.65, "#1fc7c4"), (1.0, "#7fe8d6")])
    sea_rows = (sea_t * (h - 1)).astype(int)
    sea = sea[sea_rows, np.arange(w)[None, :]]
    # waves: thin bright streaks whose spacing grows towards the viewer (perspective)
    depth = 1.0 / (0.03 + sea_t)
    wobble = value_noise(h, w, rng, octaves=4, base=6)
    wave = np.sin(depth * 3.2 + wobble * 6.0 + x / w * 5.0)
    streaks = np.clip((wave - 0.82) * 5.5, 0, 1) * (0.25 + 0.5 * sea_t)
    sea = blend(sea, "#e8fbff", streaks * 0.55)
    # sun glitter on the water below the sun
    glitter_band = np.exp(-(((x - sun_x) / (60 + 260 * sea_t)) ** 2)) * (1 - sea_t) ** 0.6
    sparkle = (rng.random((h, w)) > 0.985).astype(np.float32)
    sparkle = np.asarray(Image.fromarray(sparkle * 255).convert("L").filter(ImageFilter.GaussianBlur(0.8)), np.float32) / 255
    sea = blend(sea, "#ffffff", np.clip(sparkle * 3.0 * glitter_band + glitter_band * 0.18, 0, 1))
    is_sea = (y >= horizon) & (y < shore + 30)
    image = np.where(is_sea[..., None], sea, image)

    # a low island on the horizon
    island = shape_layer(lambda d, s: d.ellipse([880 * s, (horizon - 14) * s, 1060 * s, (horizon + 10) * s], fill=255))
    island *= (y <= horizon + 1)
    image = blend(image, "#2f6b55", island * 0.9)

    # shoreline: a wavy edge, a foam line, darker wet sand, dry sand with grain
    edge = shore + 10 * ridge_line(w, rng, 0.55, octaves=5)[None, :] + 6 * np.sin(x / 90.0)
    sand = vertical_gradient(h, w, [(0.0, "#e8d2a6"), (0.74, "#e8d2a6"), (1.0, "#f6e7c6")])
    sand_texture = value_noise(h, w, rng, octaves=6, base=20)
    sand = sand * (0.94 + 0.1 * sand_texture[..., None])
    wet = np.clip(1 - (y - edge) / 26, 0, 1) * (y >= edge)
    sand = blend(sand, "#b99e74", wet * 0.55)
    land = np.clip(y - edge + 1, 0, 1)
    image = image * (1 - land[..., None]) + sand * land[..., None]
    foam = np.exp(-(((y - edge + 3) / 3.5) ** 2)) + 0.5 * np.exp(-(((y - edge + 16) / 2.5) ** 2)) * (wobble > 0.45)
    image = blend(image, "#ffffff", foam * 0.9)

    # palm silhouette
    palm = shape_layer(lambda d, s: _palm(d, s, rng))
    image = blend(image, "#16301f", palm * 0.96)

    image = add_grain(image, rng, 1.6)
    return to_image(image)


# ---------------------------------------------------------------- sunset mountains


def paint_mountains(rng: np.random.Generator) -> Image.Image:
    """Sunset over layered mountain ridges with haze between them."""
    h, w = HEIGHT, WIDTH
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = vertical_gradient(
        h, w, [(0.0, "#231a48"), (0.28, "#5b2a6e"), (0.5, "#c2456f"), (0.66, "#f3884a"), (0.78, "#ffd08a"), (1.0, "#ffe3aa")]
    )
    sun_x, sun_y = w * 0.58, h * 0.62
    d = radial(h, w, sun_x, sun_y, 1.0)
    image = blend(image, "#ffd59a", np.exp(-((d / 330) ** 2)) * 0.55)
    image = blend(image, "#fff1c9", np.clip(70 - d, 0, 2) / 2)
    # thin streaky clouds lit from below
    streak = value_noise(h, w, rng, octaves=5, base=3)
    streak = np.asarray(Image.fromarray(streak, "F").resize((w, h // 10), Image.BICUBIC).resize((w, h), Image.BICUBIC))
    cloud = np.clip((streak - 0.58) * 3.0, 0, 1) * np.exp(-(((y - h * 0.33) / (h * 0.16)) ** 2))
    image = blend(image, "#ff9f7a", cloud * 0.55)

    layers = [
        (0.56, 70, "#b05a86", 0.6, 0.62),
        (0.63, 90, "#84407a", 0.58, 0.78),
        (0.72, 95, "#5a2c63", 0.55, 0.9),
        (0.82, 110, "#3a1d49", 0.5, 1.0),
        (0.93, 80, "#1f1230", 0.45, 1.0),
    ]
    for base, amplitude, color, roughness, opacity in layers:
        profile = h * base - amplitude * (0.6 + 0.4 * ridge_line(w, rng, roughness))
        mask = np.clip(y - profile[None, :] + 0.5, 0, 1)
        # haze: each ridge fades into the glow near its foot
        haze = np.clip((y - profile[None, :]) / 140.0, 0, 1)
        layer = blend(np.broadcast_to(hex_rgb(color), (h, w, 3)).copy(), "#ffb38a", (1 - haze) * 0.0 + 0.12 * (1 - base))
        image = image * (1 - mask[..., None] * opacity) + layer * mask[..., None] * opacity
        image = blend(image, "#f6a88f", np.exp(-(((y - profile[None, :] - 60) / 40) ** 2)) * 0.12 * mask)
    image = add_grain(image, rng, 1.8)
    return to_image(image)


# ---------------------------------------------------------------- office with bokeh


def paint_office(rng: np.random.Generator) -> Image.Image:
    """A defocused modern office: window light, shelves, plants, desk, warm bokeh lights."""
    h, w = HEIGHT, WIDTH
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = vertical_gradient(h, w, [(0.0, "#d9d4cc"), (0.62, "#c9c1b5"), (0.64, "#8c7a66"), (1.0, "#6d5d4d")])
    # big window on the right: bright, cool, with mullions
    window = shape_layer(lambda d, s: d.rectangle([760 * s, 40 * s, 1240 * s, 420 * s], fill=255))
    image = blend(image, "#f4f8fb", window * 0.95)
    mullions = shape_layer(
        lambda d, s: [d.rectangle([(760 + 120 * i - 6) * s, 40 * s, (760 + 120 * i + 6) * s, 420 * s], fill=255) for i in range(1, 4)]
        + [d.rectangle([760 * s, 226 * s, 1240 * s, 238 * s], fill=255)]
    )
    image = blend(image, "#9aa3a8", mullions * 0.9)
    # city outside: soft blue-grey blocks
    towers = shape_layer(
        lambda d, s: [
            d.rectangle([(770 + 60 * i) * s, (250 - 90 * rng.random()) * s, (810 + 60 * i) * s, 420 * s], fill=255)
            for i in range(8)
        ]
    )
    image = blend(image, "#b8c6d1", towers * window * 0.6)
    # shelves with books, a plant, a desk, a lamp
    def furniture(d: ImageDraw.ImageDraw, s: int) -> None:
        d.rectangle([80 * s, 120 * s, 420 * s, 132 * s], fill=255)
        d.rectangle([80 * s, 250 * s, 420 * s, 262 * s], fill=255)
        d.rectangle([0, 470 * s, 1280 * s, 500 * s], fill=255)  # desk top
        d.rectangle([100 * s, 500 * s, 120 * s, 720 * s], fill=255)
        d.rectangle([1150 * s, 500 * s, 1170 * s, 720 * s], fill=255)

    image = blend(image, "#4a3a2c", shape_layer(furniture) * 0.9)
    colors = ["#7b3f2f", "#2f4f6b", "#c09a4a", "#3d6b4f", "#8a8074", "#6b2f4a"]
    for shelf_y in (120, 250):
        position = 92
        while position < 400:
            width = rng.integers(14, 30)
            height = rng.integers(60, 100)
            book = shape_layer(lambda d, s: d.rectangle([position * s, (shelf_y - height) * s, (position + width) * s, shelf_y * s], fill=255))
            image = blend(image, colors[rng.integers(len(colors))], book * 0.9)
            position += width + rng.integers(2, 8)
    plant = shape_layer(
        lambda d, s: [
            d.ellipse([(560 + 70 * math.cos(a)) * s - 60 * s, (330 + 50 * math.sin(a)) * s - 40 * s,
                       (560 + 70 * math.cos(a)) * s + 60 * s, (330 + 50 * math.sin(a)) * s + 40 * s], fill=255)
            for a in np.linspace(0, 2 * math.pi, 9)
        ]
    )
    image = blend(image, "#3f6e45", plant * 0.92)
    pot = shape_layer(lambda d, s: d.polygon([(520 * s, 400 * s), (600 * s, 400 * s), (590 * s, 470 * s), (530 * s, 470 * s)], fill=255))
    image = blend(image, "#e9e4dc", pot)
    # defocus the whole room like a portrait lens would
    room = to_image(image).filter(ImageFilter.GaussianBlur(14))
    image = np.asarray(room, np.float32)
    # bokeh: soft-edged discs, brighter rim, added like light
    palette = ["#ffcf8a", "#ffe2b8", "#ffb36b", "#bfe3ff"]
    for _ in range(26):
        cx, cy = rng.uniform(0, w), rng.uniform(h * 0.02, h * 0.6)
        radius = rng.uniform(12, 60)
        color = hex_rgb(palette[rng.integers(len(palette))])
        d = radial(h, w, cx, cy, radius)
        disc = np.clip((1 - d) * radius / 3.0, 0, 1) * (0.5 + 0.5 * np.clip(d, 0, 1) ** 4)
        image = image + disc[..., None] * color * rng.uniform(0.10, 0.28)
    vignette = radial(h, w, w / 2, h / 2, w * 0.75)
    image = image * (1 - 0.25 * np.clip(vignette, 0, 1) ** 2)[..., None]
    image = add_grain(image, rng, 1.5)
    return to_image(image)


# ---------------------------------------------------------------- abstract gradient


def paint_gradient(rng: np.random.Generator) -> Image.Image:
    """A soft mesh gradient: coloured light blobs over a deep base, with gentle flowing bands."""
    h, w = HEIGHT, WIDTH
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.broadcast_to(hex_rgb("#141432"), (h, w, 3)).astype(np.float32).copy()
    blobs = [
        (0.15, 0.2, 0.55, "#4f46e5"),
        (0.85, 0.15, 0.5, "#06b6d4"),
        (0.7, 0.85, 0.6, "#ec4899"),
        (0.25, 0.9, 0.5, "#f59e0b"),
        (0.5, 0.5, 0.35, "#8b5cf6"),
    ]
    for bx, by, size, color in blobs:
        d = radial(h, w, bx * w, by * h, size * w * 0.5, aspect=1.2)
        image = blend(image, color, np.exp(-(d**2)) * 0.85)
    # flowing translucent bands
    for k in range(3):
        line = h * (0.3 + 0.22 * k) + 90 * ridge_line(w, rng, 0.35, octaves=3)[None, :]
        band = np.exp(-(((y - line) / (60 + 30 * k)) ** 2))
        image = blend(image, "#ffffff", band * 0.07)
    image = add_grain(image, rng, 2.2)
    return to_image(image)


PAINTERS = {
    "beach": paint_beach,
    "mountains": paint_mountains,
    "office": paint_office,
    "gradient": paint_gradient,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Paint the built-in backgrounds procedurally (no copied images).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default static/backgrounds)")
    parser.add_argument("--only", choices=sorted(PAINTERS), action="append", help="paint only this one (repeatable)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: cannot create {args.out}: {error.strerror}", file=sys.stderr)
        return 1
    for offset, name in enumerate(sorted(PAINTERS)):
        if args.only and name not in args.only:
            continue
        rng = np.random.default_rng(args.seed + offset)
        image = PAINTERS[name](rng)
        path = args.out / f"{name}.jpg"
        image.save(path, "JPEG", quality=QUALITY, optimize=True, progressive=True)
        print(f"{path}  {image.width}×{image.height}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
