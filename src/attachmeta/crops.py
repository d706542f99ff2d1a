"""Focal-point thumbnails: the crop an app shows, cut out server-side and resized."""

from __future__ import annotations

from PIL import Image

from .errors import GeometryError
from .focus import Focus
from .geometry import AspectLike, CropMode, check_size, crop_box

# The largest thumbnail made on request: 7680x4320, Mastodon's largest accepted image.
MAX_THUMBNAIL_PIXELS = 33_177_600

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
        GeometryError: a bad image, size or mode, or an output over
            :data:`MAX_THUMBNAIL_PIXELS`.
        FocusError: a bad focus.
    """
    if not isinstance(image, Image.Image):
        raise GeometryError(f"image must be a PIL.Image.Image, got {type(image).__name__}")
    box = crop_box(image.size, size, focus, mode=mode)
    if isinstance(size, str | int | float):
        return image.crop(box)
    try:
        width, height = size
    except (TypeError, ValueError):
        raise GeometryError(f"size must be (width, height) or an aspect, got {size!r}") from None
    width, height = check_size(width, height, "thumbnail size")
    if width * height > MAX_THUMBNAIL_PIXELS:
        raise GeometryError(
            f"thumbnail size {width}x{height} is over the limit of {MAX_THUMBNAIL_PIXELS} pixels"
        )
    return image.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
