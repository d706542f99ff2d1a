"""Focal-point thumbnails: the crop an app shows, cut out server-side and resized."""

from __future__ import annotations

from PIL import Image

from .errors import GeometryError
from .focus import Focus
from .geometry import AspectLike, CropMode, crop_box

__all__ = ["thumbnail"]


def thumbnail(
    image: Image.Image,
    size: AspectLike,
    *,
    focus: Focus | tuple[float, float] | None = None,
    mode: CropMode = "css",
) -> Image.Image:
    """The largest region of ``size``'s aspect around the focal point, as a new image.

    Args:
        image: the upright source image; it is not modified.
        size: an output (width, height) in pixels, to which the region is resized with Lanczos;
            or an aspect (``"16:9"``, ``1.5``), to return the region at the source's resolution.
        focus: the focal point; ``None`` is the centre.
        mode: ``"css"`` or ``"center"``, as in :func:`attachmeta.crop_box`.

    Raises:
        GeometryError: a bad size, focus or mode.
    """
    box = crop_box(image.size, size, focus, mode=mode)
    if isinstance(size, str | int | float):
        return image.crop(box)
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise GeometryError(f"size must be (width, height) or an aspect, got {size!r}") from None
    if width < 1 or height < 1 or (width, height) != tuple(size):
        raise GeometryError(f"size must be two positive integers, got {size!r}")
    return image.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
