"""The contact sheet: panels in a grid, each the image it is labelled as."""

from __future__ import annotations

import io

import numpy as np
import pytest
from media import encode, gradient
from PIL import Image, ImageChops

from attachmeta import InvalidMediaError, analyze, decode_blurhash
from attachmeta.analyze import Analysis
from attachmeta.sheet import (
    CELL,
    COLUMNS,
    LABEL_HEIGHT,
    LAYOUT_ASPECTS,
    MARGIN,
    MARK,
    contact_sheet,
)

SOURCE = encode(gradient(96, 64), "PNG")  # small enough to be shown at its own size


def _origin(index: int, row_height: int) -> tuple[int, int]:
    """Top-left corner of panel ``index``'s image when every row is ``row_height`` tall."""
    row, column = divmod(index, COLUMNS)
    left = MARGIN + column * (CELL + MARGIN)
    top = MARGIN + row * (LABEL_HEIGHT + row_height + MARGIN) + LABEL_HEIGHT
    return left, top


def _panel(sheet: Image.Image, index: int, size: tuple[int, int], row_height: int) -> Image.Image:
    left, top = _origin(index, row_height)
    return sheet.crop((left, top, left + size[0], top + size[1]))


def _same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyze(SOURCE, focus="-0.5,0.5")


def test_sheet_layout_and_panels(analysis: Analysis) -> None:
    sheet = contact_sheet(analysis)
    small = analysis.small
    assert small is not None and analysis.blurhash is not None
    assert sheet.mode == "RGB"
    row_height = small.height  # the tallest panel in each row is the full preview height
    assert sheet.size == (
        MARGIN + COLUMNS * (CELL + MARGIN),
        MARGIN + 2 * (LABEL_HEIGHT + 64 + MARGIN),
    )
    assert _same(_panel(sheet, 1, small.size, row_height), small)
    placeholder = decode_blurhash(analysis.blurhash, *small.size)
    assert _same(_panel(sheet, 2, small.size, row_height), placeholder)
    for offset, aspect in enumerate(LAYOUT_ASPECTS):
        crop = analysis.thumbnail(aspect)
        assert _same(_panel(sheet, 3 + offset, crop.size, row_height), crop), aspect


def test_focus_is_marked(analysis: Analysis) -> None:
    sheet = np.asarray(contact_sheet(analysis)).astype(int)
    left, top = _origin(0, 64)
    fx, fy = left + 24, top + 16  # (-0.5, 0.5) is a quarter in from the left and the top
    near = sheet[fy - 12 : fy + 13, fx - 12 : fx + 13]
    assert (np.abs(near - np.array(MARK)).sum(axis=2) < 30).sum() > 20
    far = sheet[top + 40 : top + 64, left + 60 : left + 96]
    assert not (np.abs(far - np.array(MARK)).sum(axis=2) < 30).any()


def test_labels_are_drawn(analysis: Analysis) -> None:
    sheet = np.asarray(contact_sheet(analysis).convert("L"))
    for index in range(3 + len(LAYOUT_ASPECTS)):
        left, top = _origin(index, 64)
        label = sheet[top - LABEL_HEIGHT : top, left : left + CELL]
        assert (label < 128).any(), index


def test_deterministic_and_from_a_source(analysis: Analysis) -> None:
    first = contact_sheet(analysis)
    assert first.tobytes() == contact_sheet(analysis).tobytes()
    assert contact_sheet(SOURCE, focus="-0.5,0.5").tobytes() == first.tobytes()
    out = io.BytesIO()
    first.save(out, "PNG")
    assert Image.open(io.BytesIO(out.getvalue())).size == first.size


def test_large_previews_are_shrunk_to_the_cell() -> None:
    sheet = contact_sheet(encode(gradient(900, 500), "PNG"), profile="mastodon")
    assert sheet.width == MARGIN + COLUMNS * (CELL + MARGIN)
    assert sheet.height <= MARGIN + 2 * (LABEL_HEIGHT + CELL + MARGIN)


def test_transparent_preview() -> None:
    image = gradient(40, 40, "RGBA")
    image.putalpha(0)
    assert contact_sheet(encode(image, "PNG")).mode == "RGB"


def test_errors(analysis: Analysis) -> None:
    with pytest.raises(ValueError, match="focus"):
        contact_sheet(analysis, focus="0,0")
    unknown = analyze(SOURCE[:-40])
    assert unknown.type == "unknown"
    with pytest.raises(InvalidMediaError):
        contact_sheet(unknown)
