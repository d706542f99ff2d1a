"""A contact sheet: the preview with its focal point, the crops apps show, and the placeholder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from .analyze import Analysis, analyze
from .blurhash import decode_blurhash
from .errors import InvalidMediaError
from .focus import Focus, FocusLike
from .geometry import fit_within
from .profiles import Profile
from .source import Source

__all__ = ["LAYOUT_ASPECTS", "contact_sheet"]

# The crops common app layouts show: wide cards, square grids, portrait feeds, stories, banners.
LAYOUT_ASPECTS: tuple[str, ...] = ("16:9", "1:1", "4:5", "9:16", "2:1")
COLUMNS = 4
CELL = 320  # each image is shrunk to fit a CELL x CELL square (never enlarged)
MARGIN = 16
LABEL_HEIGHT = 16
BACKGROUND = (255, 255, 255)
TRANSPARENT_ON = (236, 236, 236)  # what transparent pixels are shown on
INK = (34, 34, 34)
MARK = (255, 0, 128)


@dataclass(frozen=True)
class _Panel:
    """One labelled image of the sheet."""

    label: str
    image: Image.Image


def _rgb(image: Image.Image) -> Image.Image:
    """``image`` as RGB, transparent pixels on light grey."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    base = Image.new("RGBA", rgba.size, (*TRANSPARENT_ON, 255))
    return Image.alpha_composite(base, rgba).convert("RGB")


def _focus_pixel(size: tuple[int, int], focus: Focus | None) -> tuple[float, float]:
    """Where the focal point falls on an image of ``size`` (the centre without one)."""
    fx, fy = (0.5, 0.5) if focus is None else focus.fractions()
    return fx * size[0], fy * size[1]


def _marked(image: Image.Image, focus: Focus | None) -> Image.Image:
    """A copy of ``image`` with a circle and crosshair at the focal point."""
    out = _rgb(image).copy()
    x, y = _focus_pixel(out.size, focus)
    radius = max(4, min(out.size) // 12)
    draw = ImageDraw.Draw(out)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=MARK, width=2)
    draw.line((x - 2 * radius, y, x + 2 * radius, y), fill=MARK, width=1)
    draw.line((x, y - 2 * radius, x, y + 2 * radius), fill=MARK, width=1)
    return out


def _focus_text(focus: Focus) -> str:
    """``x,y`` as the API takes it; a missing coordinate counts as 0."""
    return f"{focus.x or 0.0:g},{focus.y or 0.0:g}"


def _size(image: Image.Image) -> str:
    return f"{image.width}x{image.height}"


def _panels(analysis: Analysis) -> list[_Panel]:
    """The sheet's images, in reading order."""
    small = analysis.small
    if small is None or analysis.blurhash is None:
        raise InvalidMediaError(f"No preview to show: {analysis.error or 'no preview'}")
    where = "centre" if analysis.focus is None else _focus_text(analysis.focus)
    panels = [
        _Panel(f"focus {where} {_size(small)}", _marked(small, analysis.focus)),
        _Panel(f"small {_size(small)}", _rgb(small)),
        _Panel(f"blurhash {_size(small)}", decode_blurhash(analysis.blurhash, *small.size)),
    ]
    for aspect in LAYOUT_ASPECTS:
        crop = analysis.thumbnail(aspect, mode="css")
        panels.append(_Panel(f"{aspect} {_size(crop)}", _rgb(crop)))
    return panels


def _fitted(image: Image.Image) -> Image.Image:
    """``image`` shrunk to fit the cell, never enlarged."""
    size = fit_within(image.width, image.height, CELL, CELL, upscale=False)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def _row_heights(panels: Sequence[Image.Image]) -> list[int]:
    """The height of each grid row's images."""
    rows = [panels[i : i + COLUMNS] for i in range(0, len(panels), COLUMNS)]
    return [max(image.height for image in row) for row in rows]


def _layout(panels: Sequence[_Panel]) -> Image.Image:
    """The panels in a grid of :data:`COLUMNS` columns, labels above images."""
    font = ImageFont.load_default()
    images = [_fitted(panel.image) for panel in panels]
    heights = _row_heights(images)
    columns = min(COLUMNS, len(images))
    width = MARGIN + columns * (CELL + MARGIN)
    height = MARGIN + sum(LABEL_HEIGHT + h + MARGIN for h in heights)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    top = MARGIN
    for row, row_height in enumerate(heights):
        for column in range(columns):
            index = row * COLUMNS + column
            if index >= len(images):
                break
            left = MARGIN + column * (CELL + MARGIN)
            draw.text((left, top), panels[index].label, fill=INK, font=font)
            sheet.paste(images[index], (left, top + LABEL_HEIGHT))
        top += LABEL_HEIGHT + row_height + MARGIN
    return sheet


def contact_sheet(
    analysis_or_source: Analysis | Source,
    *,
    focus: FocusLike = None,
    profile: str | Profile = "mastodon",
) -> Image.Image:
    """An RGB image of what an upload looks like in apps.

    Panels, each labelled with its name and pixel size: the ``small`` preview with the focal
    point marked, the preview itself, the decoded BlurHash at the preview's size, and the
    preview's focal-point crops (CSS placement) for :data:`LAYOUT_ASPECTS`. Images larger
    than 320x320 are shrunk to fit their cell. The same input always gives the same pixels.

    Args:
        analysis_or_source: an :class:`Analysis`, or a file to analyze.
        focus: the focal point to analyze a file with; must be ``None`` with an Analysis.
        profile: the profile to analyze a file with.

    Raises:
        ValueError: a focus was given with an Analysis.
        InvalidMediaError: the upload has no preview (an ``unknown`` result).
        AttachmetaError: analyzing the file failed.
    """
    if isinstance(analysis_or_source, Analysis):
        if focus is not None:
            raise ValueError("focus applies when analyzing a file; the Analysis has its own")
        analysis = analysis_or_source
    else:
        analysis = analyze(analysis_or_source, focus=focus, profile=profile)
    return _layout(_panels(analysis))
