"""A built-in sample scene, so the CLI's ``demo`` needs no input file."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

__all__ = ["DEMO_FOCUS", "demo_jpeg", "demo_scene"]

# The sun in the scene: right of centre and high up, in focus coordinates.
DEMO_FOCUS = "0.5,0.5"


def demo_scene(width: int = 1600, height: int = 900) -> Image.Image:
    """A landscape: sky gradient, hills, and a sun at :data:`DEMO_FOCUS`.

    Args:
        width: image width in pixels.
        height: image height in pixels.
    """
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)], fill=(int(40 + 150 * t), int(90 + 120 * t), int(200 - 60 * t))
        )
    sun_x, sun_y, radius = width * 3 // 4, height // 4, max(2, height // 10)
    draw.ellipse(
        [sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius], fill=(255, 210, 60)
    )
    for i, colour in enumerate([(40, 120, 60), (30, 95, 45), (20, 70, 35)]):
        top = height * (55 + 12 * i) // 100
        points = [
            (x, top + int((height // 12) * ((x * (i + 2)) % width) / width))
            for x in range(0, width + 1, max(1, width // 16))
        ]
        draw.polygon([(0, height), *points, (width, height)], fill=colour)
    return image


def demo_jpeg(width: int = 1600, height: int = 900) -> bytes:
    """The scene encoded as a quality-90 JPEG, as a phone would upload it.

    Args:
        width: image width in pixels.
        height: image height in pixels.
    """
    out = io.BytesIO()
    demo_scene(width, height).save(out, "JPEG", quality=90)
    return out.getvalue()
