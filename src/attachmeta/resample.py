"""Lanczos resizing split into bands that run on all cores, or alongside a decode.

Pillow resizes in two passes, horizontal then vertical, and releases the GIL while it
works, but each call runs on one core. Rows are independent in the horizontal pass and
columns in the vertical one, so each pass is cut into bands resized by separate calls with
the same source box: every band gets the very coefficients of the whole-image call, and the
pixels are those of Pillow's two passes, bit for bit. An image still being decoded from the
top (:mod:`attachmeta.jpeg`) has its horizontal pass done band by band as its rows arrive.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import pairwise
from typing import cast

from PIL import Image

__all__ = ["REDUCING_GAP", "resize"]

# Pillow's own shortcut (``reducing_gap``): a reduction of more than this many times first
# averages blocks of pixels (Image.reduce), then resamples what is left with Lanczos. Two is
# libvips' default, so Mastodon's previews are made this way; on a 2000x2000 image shrunk to
# 480x480 it halves the time, for a mean difference of 0.3 (of 255) from a plain Lanczos.
REDUCING_GAP = 2.0
# Below this many source pixels per band a thread costs more than it saves.
_MIN_BAND_PIXELS = 1 << 17
_MAX_BANDS = 4
# A streamed image's horizontal pass takes at least this share of its rows per call: each
# call recomputes the filter coefficients, which costs as much as resizing a few dozen rows.
_STREAMED_BANDS = 8
_LANCZOS = Image.Resampling.LANCZOS
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")


def resize(
    image: Image.Image,
    size: tuple[int, int],
    *,
    bands: int | None = None,
    rows: Iterable[int] | None = None,
    reducing_gap: float = REDUCING_GAP,
) -> Image.Image:
    """Resize with Lanczos (up or down); big reductions first shrink by a box filter.

    Transparent images are resized with premultiplied alpha, as Pillow does, so that
    transparent pixels lend no colour to their neighbours.

    Args:
        image: an RGB, RGBA, L, LA or CMYK image.
        size: the target (width, height), each at least 1.
        bands: how many parts each pass is cut into; by default one per core (at most 4),
            fewer for small images. The pixels do not depend on it.
        rows: for an image still being filled from the top, the number of its complete rows
            each time it grows, up to its height (as :meth:`attachmeta.jpeg.StreamedJpeg.run`
            hands them over): the horizontal pass then runs on this thread, a band of rows as
            soon as they are complete, and the last band on every core. The pixels do not
            depend on it.
        reducing_gap: a side reduced more than this many times is first shrunk by the whole
            factor that leaves it at least this many times the target (Pillow's
            ``reducing_gap``); the smaller, the faster and the less exact.

    Raises:
        ValueError: a side of ``size`` is below 1, ``bands`` is below 1, ``reducing_gap`` is
            below 1, the mode is not one of those above, or ``rows`` ends before the image's
            height.
    """
    width, height = size
    if width < 1 or height < 1:
        raise ValueError(f"size must be at least 1x1, got {width}x{height}")
    if image.mode not in _MODES:
        raise ValueError(f"cannot resize mode {image.mode}: expected RGB, RGBA, L, LA or CMYK")
    if not reducing_gap >= 1:
        raise ValueError(f"reducing_gap must be at least 1, got {reducing_gap}")
    source_w, source_h = image.size
    factor_x = int(source_w / width / reducing_gap) or 1
    factor_y = int(source_h / height / reducing_gap) or 1
    if bands is None:
        bands = _default_bands(source_w * source_h)
    elif bands < 1:
        raise ValueError(f"bands must be at least 1, got {bands}")
    if image.size == size:
        if rows is not None:
            for _ in _ready_bands(rows, source_h, 1):
                pass  # the whole image is the result: wait for its last row
        return image
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

    def horizontal_bands(top: int, bottom: int) -> list[Image.Image]:
        # Bands start on multiples of factor_y so that each reduces exactly as the whole.
        units = -(-(bottom - top) // factor_y)
        count = min(bands, units)
        cuts = [top + factor_y * (units * i // count) for i in range(count)] + [bottom]
        return _run([partial(horizontal, *pair) for pair in pairwise(cuts)])

    if rows is None:
        wide = _stack(horizontal_bands(0, source_h), vertical=True)
    else:
        parts: list[Image.Image] = []
        for top, bottom in _ready_bands(rows, source_h, factor_y):
            # The decoder has the other core until the last rows come: those use every core.
            parts += (
                horizontal_bands(top, bottom) if bottom == source_h else [horizontal(top, bottom)]
            )
        wide = _stack(parts, vertical=True)
    resized = wide
    if height != reduced_h or box_h != height:
        count = min(bands, width)
        edges = [width * i // count for i in range(count + 1)]
        columns = _run([partial(vertical, *pair) for pair in pairwise(edges)])
        resized = _stack(columns, vertical=False)
    return resized.convert(image.mode) if premultiplied else resized


def _ready_bands(rows: Iterable[int], height: int, step: int) -> Iterator[tuple[int, int]]:
    """Row bands (top, bottom) of complete rows as ``rows`` reports them: each but the last
    at least ``1 / _STREAMED_BANDS`` of the height and ending on a multiple of ``step``."""
    least = -(-height // _STREAMED_BANDS)
    top = 0
    for ready in rows:
        bottom = height if ready >= height else ready // step * step
        if bottom == height or bottom - top >= least:
            yield top, bottom
            top = bottom
            if top == height:
                return
    raise ValueError(f"the image's rows ended at {top} of {height}")


def _default_bands(pixels: int) -> int:
    """One band per usable core, but none smaller than :data:`_MIN_BAND_PIXELS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(_MAX_BANDS, cores or 1, pixels // _MIN_BAND_PIXELS))


def _run(tasks: Sequence[Callable[[], Image.Image]]) -> list[Image.Image]:
    """The results of ``tasks`` in order, the first run on this thread, the rest on others.

    Tasks whose thread cannot be started (the process is at its thread limit) run on this
    thread too: the pixels do not depend on where a band is resized.
    """
    results: list[Image.Image | None] = [None] * len(tasks)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            results[index] = tasks[index]()
        except BaseException as error:  # raised again on the calling thread
            errors.append(error)

    threads: list[threading.Thread] = []
    for index in range(1, len(tasks)):
        thread = threading.Thread(target=work, args=(index,), name="attachmeta-resize")
        try:
            thread.start()
        except RuntimeError:
            break
        threads.append(thread)
    try:
        for index in (0, *range(1 + len(threads), len(tasks))):
            work(index)
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return cast("list[Image.Image]", results)  # every task returned: none is left at None


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
