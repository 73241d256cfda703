"""Draw Trellis's icon: cms/static/cms/img/favicon.svg and favicon.ico from one drawing.

    .venv/bin/python scripts/favicon.py

A lattice in the paper colour on a rounded square of the default theme's
green, with a leaf in a light tint of its rust accent growing through it. The
shapes are listed once, in a 64 × 64 grid; the SVG states them as they are, the
ICO (16, 32 and 48 pixels, for browsers that ask for /favicon.ico) is painted
from them with Pillow, drawn large and scaled down so its edges are smooth.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "cms" / "static" / "cms" / "img"
GRID = 64
CORNER = 14
GREEN = "#1f5f5b"
PAPER = "#fbf8f3"
LEAF = "#e9a27c"
LATTICE_WIDTH = 5
LEAF_EDGE = 2.5
# Each strut of the lattice, from one end to the other.
STRUTS = (
    ((13, 29), (29, 13)),
    ((13, 51), (51, 13)),
    ((35, 51), (51, 35)),
    ((13, 35), (29, 51)),
    ((13, 13), (51, 51)),
    ((35, 13), (51, 29)),
)
# The leaf: two cubic curves, out from the lattice's centre and back to it.
LEAF_START = (32, 32)
LEAF_CURVES = (
    ((38, 21), (47, 19), (53, 20)),
    ((52, 28), (46, 36), (32, 32)),
)
ICO_SIZES = (16, 32, 48)
# The ICO's shapes are painted at this many times their final size, then scaled down.
SUPERSAMPLE = 16


def _number(value: float) -> str:
    return f"{value:g}"


def _point(point) -> str:
    return " ".join(_number(v) for v in point)


def svg() -> str:
    struts = "".join(f"M{_point(a)} {_point(b)}" for a, b in STRUTS)
    curves = "".join("C" + " ".join(_point(p) for p in curve) for curve in LEAF_CURVES)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">\n'
        "  <title>Trellis</title>\n"
        f'  <rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{GREEN}"/>\n'
        f'  <path d="{struts}" fill="none" stroke="{PAPER}" '
        f'stroke-width="{LATTICE_WIDTH}" stroke-linecap="round"/>\n'
        f'  <path d="M{_point(LEAF_START)}{curves}Z" fill="{LEAF}" stroke="{GREEN}" '
        f'stroke-width="{_number(LEAF_EDGE)}" stroke-linejoin="round"/>\n'
        "</svg>\n"
    )


def _bezier(start, curve, steps=64):
    (x0, y0), ((x1, y1), (x2, y2), (x3, y3)) = start, curve
    points = []
    for n in range(1, steps + 1):
        t = n / steps
        u = 1 - t
        points.append(
            (
                u**3 * x0 + 3 * u**2 * t * x1 + 3 * u * t**2 * x2 + t**3 * x3,
                u**3 * y0 + 3 * u**2 * t * y1 + 3 * u * t**2 * y2 + t**3 * y3,
            )
        )
    return points


def paint(size: int) -> Image.Image:
    scale = size * SUPERSAMPLE / GRID
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * scale, fill=GREEN)
    half = LATTICE_WIDTH * scale / 2
    for a, b in STRUTS:
        ends = [(x * scale, y * scale) for x, y in (a, b)]
        draw.line(ends, fill=PAPER, width=round(LATTICE_WIDTH * scale))
        for x, y in ends:
            draw.ellipse((x - half, y - half, x + half, y + half), fill=PAPER)
    outline = [LEAF_START]
    for curve in LEAF_CURVES:
        outline += _bezier(outline[-1], curve)
    outline = [(x * scale, y * scale) for x, y in outline]
    draw.polygon(outline, fill=LEAF)
    draw.line(outline + outline[:1], fill=GREEN, width=round(LEAF_EDGE * scale), joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "favicon.svg").write_text(svg())
    largest = paint(max(ICO_SIZES))
    largest.save(
        OUT / "favicon.ico",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[paint(s) for s in ICO_SIZES if s != max(ICO_SIZES)],
    )
    print(f"Wrote {OUT / 'favicon.svg'} and {OUT / 'favicon.ico'}.")


if __name__ == "__main__":
    main()
