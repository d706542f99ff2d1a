"""Pure size arithmetic: pixel budgets, fitting into boxes, ``meta`` sizes and crop boxes."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Literal

import numpy as np

from .errors import FocusError, GeometryError
from .focus import Focus, coerce_focus

__all__ = [
    "CropMode",
    "budget_box",
    "check_size",
    "crop_box",
    "fit_width",
    "fit_within",
    "image_meta",
    "parse_aspect",
    "size_for_budget",
    "size_for_longest_side",
]

CropMode = Literal["css", "center"]
Size = tuple[int, int]
Box = tuple[int, int, int, int]
AspectLike = float | int | str | Sequence[float]


MAX_SIDE = (1 << 31) - 1  # what Pillow and the image formats can address


def check_size(width: object, height: object, what: str = "size") -> Size:
    """``(width, height)`` as ints, each in 1..:data:`MAX_SIDE`.

    Raises:
        GeometryError: they are not integers, or out of range.
    """
    try:
        if isinstance(width, bool) or isinstance(height, bool):
            raise TypeError
        w, h = operator.index(width), operator.index(height)  # type: ignore[arg-type]
    except TypeError:
        raise GeometryError(f"{what} must be two integers, got {width!r}x{height!r}") from None
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise GeometryError(f"{what} must be between 1x1 and {MAX_SIDE}x{MAX_SIDE}, got {w}x{h}")
    return w, h


def image_meta(width: int, height: int) -> dict[str, int | str | float]:
    """The ``meta.original`` / ``meta.small`` object of an image of this size.

    Args:
        width: width in pixels, at least 1.
        height: height in pixels, at least 1.
    """
    width, height = check_size(width, height)
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator/denominator rounded half up, exactly (both positive)."""
    return (2 * numerator + denominator) // (2 * denominator)


def budget_box(width: int, height: int, pixels: int) -> Size:
    """The box Mastodon fits an image of this aspect into to spend ``pixels`` pixels.

    ``round(sqrt(P*w/h)) x round(sqrt(P*h/w))`` in floating point, rounded half away from
    zero, as Mastodon computes it in Ruby.

    Args:
        width: image width.
        height: image height.
        pixels: the pixel budget, at least 1.
    """
    width, height = check_size(width, height)
    if not isinstance(pixels, int) or pixels < 1:
        raise GeometryError(f"pixel budget must be a positive integer, got {pixels!r}")
    box_w = math.floor(math.sqrt(pixels * (width / height)) + 0.5)
    box_h = math.floor(math.sqrt(pixels * (height / width)) + 0.5)
    return max(1, box_w), max(1, box_h)


def fit_within(width: int, height: int, box_width: int, box_height: int, *, upscale: bool) -> Size:
    """The size of the image scaled to fit the box, keeping its aspect ratio.

    The limiting side takes the box's length exactly; the other side is rounded half up and
    never below 1.

    Args:
        width: image width.
        height: image height.
        box_width: box width.
        box_height: box height.
        upscale: also enlarge an image smaller than the box; otherwise it is returned as is.
    """
    width, height = check_size(width, height)
    box_width, box_height = check_size(box_width, box_height, "box")
    if not upscale and width <= box_width and height <= box_height:
        return width, height
    if box_width * height <= box_height * width:  # the width limits
        return box_width, max(1, _round_half_up(height * box_width, width))
    return max(1, _round_half_up(width * box_height, height)), box_height


def size_for_budget(width: int, height: int, pixels: int) -> Size:
    """The size Mastodon stores an image at under a pixel budget; never enlarged.

    Args:
        width: displayed image width.
        height: displayed image height.
        pixels: the budget (for example 230,400 for the ``small`` preview).
    """
    width, height = check_size(width, height)
    box_w, box_h = budget_box(width, height, pixels)
    if width * height <= pixels:
        return width, height
    return fit_within(width, height, box_w, box_h, upscale=False)


def size_for_longest_side(width: int, height: int, side: int) -> Size:
    """GoToSocial's thumbnail size: the longer side becomes ``side``, the other is truncated.

    An image with both sides under ``side`` keeps its size. The aspect ratio is a float32 and
    the shorter side ``int(side / aspect)`` or ``int(side * aspect)``, as GoToSocial computes
    it in Go.

    Args:
        width: image width.
        height: image height.
        side: the longest side allowed.
    """
    width, height = check_size(width, height)
    side = check_size(side, side, "side")[0]
    if width < side and height < side:
        return width, height
    aspect = np.float32(width) / np.float32(height)
    if width > height:
        return side, max(1, int(np.float32(side) / aspect))
    if height > width:
        return max(1, int(np.float32(side) * aspect)), side
    return side, side


def fit_width(width: int, height: int, target: int) -> Size:
    """The size of an image scaled down to ``target`` pixels wide, height rounded, never up.

    Args:
        width: image width.
        height: image height.
        target: the width to scale down to.
    """
    width, height = check_size(width, height)
    if width <= target:
        return width, height
    return target, max(1, math.floor(target * height / width + 0.5))


def parse_aspect(aspect_or_size: AspectLike) -> float:
    """A positive finite aspect ratio from ``1.5``, ``"16:9"``, ``"16/9"`` or ``(16, 9)``.

    Args:
        aspect_or_size: a ratio, a ``"W:H"`` string, or a (width, height) pair.

    Raises:
        GeometryError: it is none of those, or not positive and finite.
    """
    if isinstance(aspect_or_size, str):
        for sep in (":", "/", "x"):
            if sep in aspect_or_size:
                w_text, _, h_text = aspect_or_size.partition(sep)
                try:
                    value = float(w_text) / float(h_text)
                except (ValueError, ZeroDivisionError, OverflowError):
                    break
                return _positive_aspect(value, aspect_or_size)
        raise GeometryError(f'aspect {aspect_or_size!r} is not of the form "W:H"')
    if isinstance(aspect_or_size, bool):
        raise GeometryError(
            f'aspect must be a number, a "W:H" string or a pair, got {aspect_or_size!r}'
        )
    try:
        if isinstance(aspect_or_size, int | float):
            return _positive_aspect(float(aspect_or_size), aspect_or_size)
        w, h = aspect_or_size
        value = float(w) / float(h)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise GeometryError(
            f'aspect must be a number, a "W:H" string or a (width, height) pair, '
            f"got {aspect_or_size!r}"
        ) from None
    return _positive_aspect(value, aspect_or_size)


def _positive_aspect(value: float, given: object) -> float:
    if not (math.isfinite(value) and value > 0):
        raise GeometryError(f"aspect {given!r} must be positive and finite")
    return value


def _focus_fractions(focus: Focus | tuple[float, float] | None) -> tuple[float, float]:
    if isinstance(focus, str):
        raise FocusError(f"focus must be a Focus or an (x, y) pair, got {focus!r}")
    point = coerce_focus(focus, strict=False)
    return (0.5, 0.5) if point is None else point.fractions()


def crop_box(
    size: tuple[int, int],
    aspect_or_size: AspectLike,
    focus: Focus | tuple[float, float] | None = None,
    *,
    mode: CropMode = "css",
) -> Box:
    """The largest box of the target aspect inside an image, placed by the focal point.

    Args:
        size: (width, height) of the image.
        aspect_or_size: the target aspect: a ratio, ``"16:9"``, or a (width, height) pair.
        focus: the focal point; ``None`` is the centre. Coordinates outside [-1, 1] are clamped.
        mode: ``"css"`` places the box as CSS ``object-fit: cover`` with Mastodon's
            ``object-position`` does: left = px*(W-cw), top = py*(H-ch), with px = (x+1)/2 and
            py = (1-y)/2, so the focal point keeps its relative place. ``"center"`` centres the
            box on the focal point and clamps it to the image (jquery-focuspoint's rule).

    Returns:
        (left, top, right, bottom) in pixels, as Pillow's ``crop`` takes it.

    Raises:
        GeometryError: a bad size, aspect or mode.
        FocusError: a focus that is not a Focus or a pair of numbers, or has a NaN coordinate.
    """
    try:
        width, height = size
    except (TypeError, ValueError):
        raise GeometryError(f"size must be a (width, height) pair, got {size!r}") from None
    width, height = check_size(width, height)
    aspect = parse_aspect(aspect_or_size)
    px, py = _focus_fractions(focus)
    if width > height * aspect:
        crop_h = height
        crop_w = min(width, max(1, math.floor(height * aspect + 0.5)))
    else:
        crop_w = width
        crop_h = min(height, max(1, math.floor(width / aspect + 0.5)))
    if mode == "css":
        left = math.floor(px * (width - crop_w) + 0.5)
        top = math.floor(py * (height - crop_h) + 0.5)
    elif mode == "center":
        left = _clamp(math.floor(px * width - crop_w / 2 + 0.5), 0, width - crop_w)
        top = _clamp(math.floor(py * height - crop_h / 2 + 0.5), 0, height - crop_h)
    else:
        raise GeometryError(f'crop mode must be "css" or "center", got {mode!r}')
    return left, top, left + crop_w, top + crop_h


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
