"""Builders for test media: every input the tests need, made with Pillow in memory."""

from __future__ import annotations

import numpy as np
from PIL import Image

from attachmeta.testing import encode_image as encode

__all__ = ["animated_gif", "encode", "gradient", "marked", "photo"]


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A smooth colour gradient (not flat, so BlurHash AC terms are non-zero)."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            (255 * x // max(1, width - 1), 255 * y // max(1, height - 1), 128)
            for y in range(height)
            for x in range(width)
        ]
    )
    return image.convert(mode)


def photo(width: int, height: int, seed: int = 11) -> Image.Image:
    """Smooth shapes plus noise, like a photo: a flat image would hide resampling errors, and
    its JPEG entropy data is photo-like."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            128 + 100 * np.sin(x / 37) * np.cos(y / 23),
            128 + 90 * np.cos((x + y) / 51),
            120 + 60 * np.sin(y / 17),
        ],
        axis=-1,
    )
    base += rng.normal(0, 8, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def marked(width: int, height: int) -> Image.Image:
    """Grey image with a red top-left quarter and a blue bottom-right quarter."""
    image = Image.new("RGB", (width, height), (128, 128, 128))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    image.paste((0, 0, 255), (width // 2, height // 2, width, height))
    return image


def animated_gif(width: int, height: int, frames: int, duration_ms: int | list[int]) -> bytes:
    """A looping GIF whose frames are different flat colours."""
    images = [Image.new("P", (width, height), i % 256) for i in range(frames)]
    palette = [c for i in range(256) for c in ((i * 53) % 256, (i * 97) % 256, (i * 31) % 256)]
    for image in images:
        image.putpalette(palette)
    return encode(
        images[0], "GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0
    )
