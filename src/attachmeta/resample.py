"""Lanczos resizing split into bands that run on all cores.

Pillow resizes in two passes, horizontal then vertical, and releases the GIL while it
works, but each call runs on one core. Rows are independent in the horizontal pass and
columns in the vertical one, so each pass is cut into bands resized by separate calls with
the same source box: every band gets the very coefficients of the whole-image call, and the
pixels are those of Pillow's two passes, bit for bit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import pairwise

from PIL import Image

__all__ = ["resize"]

# Pillow's own shortcut: a reduction of more than this many times first averages blocks of
# pixels (Image.reduce), then resamples what is left with Lanczos.
_REDUCING_GAP = 3.0
# Below this many source pixels per band a thread costs more than it saves.
_MIN_BAND_PIXELS = 1 << 17
_MAX_BANDS = 4
_LANCZOS = Image.Resampling.LANCZOS
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def resize(image: Image.Image, size: tuple[int, int], *, bands: int | None = None) -> Image.Image:
    """Resize with Lanczos (up or down); big reductions first shrink by a box filter.

    Transparent images are resized with premultiplied alpha, as Pillow does, so that
    transparent pixels lend no colour to their neighbours.

    Args:
        image: an RGB, RGBA, L, LA or CMYK image.
        size: the target (width, height), each at least 1.
        bands: how many parts each pass is cut into; by default one per core (at most 4),
            fewer for small images. The pixels do not depend on it.

    Raises:
        ValueError: a side of ``size`` is below 1, ``bands`` is below 1, or the mode is not
            one of those above.
    """
    width, height = size
    if width < 1 or height < 1:
        raise ValueError(f"size must be at least 1x1, got {width}x{height}")
    if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        raise ValueError(f"cannot resize mode {image.mode}: expected RGB, RGBA, L, LA or CMYK")
    if image.size == size:
        return image
    source_w, source_h = image.size
    factor_x = int(source_w / width / _REDUCING_GAP) or 1
    factor_y = int(source_h / height / _REDUCING_GAP) or 1
    if bands is None:
        bands = _default_bands(source_w * source_h)
    elif bands < 1:
        raise ValueError(f"bands must be at least 1, got {bands}")
    premultiplied = _PREMULTIPLIED.get(image.mode)

    # The box Pillow resamples after its reduce step, in reduced pixels (not whole ones when
    # a side is not a multiple of the factor).
    box_w, box_h = source_w / factor_x, source_h / factor_y
    reduced_w, reduced_h = math.ceil(box_w), math.ceil(box_h)

    def horizontal(top: int, bottom: int) -> Image.Image:
        part = image if (top, bottom) == (0, source_h) else image.crop((0, top, source_w, bottom))
        if premultiplied:
            part = part.convert(premultiplied)
        if factor_x > 1 or factor_y > 1:
            part = part.reduce((factor_x, factor_y))
        if width == reduced_w and box_w == width:
            return part
        return part.resize((width, part.height), _LANCZOS, (0, 0, box_w, part.height))

    def vertical(left: int, right: int) -> Image.Image:
        part = wide if (left, right) == (0, width) else wide.crop((left, 0, right, reduced_h))
        return part.resize((right - left, height), _LANCZOS, (0, 0, part.width, box_h))

    # Row bands start on multiples of factor_y so that each reduces exactly as the whole would.
    count = min(bands, reduced_h)
    cuts = [factor_y * (reduced_h * i // count) for i in range(count)] + [source_h]
    wide = _stack(_run([partial(horizontal, *pair) for pair in pairwise(cuts)]), vertical=True)
    resized = wide
    if height != reduced_h or box_h != height:
        count = min(bands, width)
        edges = [width * i // count for i in range(count + 1)]
        columns = _run([partial(vertical, *pair) for pair in pairwise(edges)])
        resized = _stack(columns, vertical=False)
    return resized.convert(image.mode) if premultiplied else resized


def _default_bands(pixels: int) -> int:
    """One band per usable core, but none smaller than :data:`_MIN_BAND_PIXELS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(_MAX_BANDS, cores or 1, pixels // _MIN_BAND_PIXELS))


def _run(tasks: list[Callable[[], Image.Image]]) -> list[Image.Image]:
    """The results of ``tasks`` in order, the first run on this thread, the rest on others."""
    if len(tasks) == 1:
        return [tasks[0]()]
    with ThreadPoolExecutor(len(tasks) - 1, thread_name_prefix="attachmeta-resize") as pool:
        pending = [pool.submit(task) for task in tasks[1:]]
        first = tasks[0]()
        return [first, *(future.result() for future in pending)]


def _stack(parts: list[Image.Image], *, vertical: bool) -> Image.Image:
    """``parts`` pasted one below (or beside) the other."""
    if len(parts) == 1:
        return parts[0]
    width = parts[0].width if vertical else sum(part.width for part in parts)
    height = sum(part.height for part in parts) if vertical else parts[0].height
    whole = Image.new(parts[0].mode, (width, height))
    offset = 0
    for part in parts:
        whole.paste(part, (0, offset) if vertical else (offset, 0))
        offset += part.height if vertical else part.width
    return whole
