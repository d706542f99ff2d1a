"""Focal-point thumbnails: sizes, placement, and refusal of bad arguments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from media import marked
from PIL import Image

from attachmeta import FocusError, GeometryError, crop_box, thumbnail
from attachmeta.crops import MAX_THUMBNAIL_PIXELS

IMAGE = marked(300, 200)


@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.floats(-1, 1),
    st.floats(-1, 1),
    st.sampled_from(["css", "center"]),
)
def test_exact_sizes_come_out_exactly(w: int, h: int, x: float, y: float, mode: str) -> None:
    out = thumbnail(IMAGE, (w, h), focus=(x, y), mode=mode)  # type: ignore[arg-type]
    assert out.size == (w, h) and out.mode == IMAGE.mode


@pytest.mark.parametrize("aspect", ["16:9", "1:1", "4:5", "9:16", "2:1", 1.5])
def test_aspect_gives_the_crop_at_source_resolution(aspect: str | float) -> None:
    box = crop_box(IMAGE.size, aspect, (-1, 1))
    out = thumbnail(IMAGE, aspect, focus=(-1, 1))
    assert out.size == (box[2] - box[0], box[3] - box[1])
    assert out.getpixel((0, 0)) == (255, 0, 0)  # the focus keeps the red top-left corner


def test_source_is_not_modified() -> None:
    before = IMAGE.tobytes()
    thumbnail(IMAGE, (50, 50), focus=(0.5, 0.5))
    assert IMAGE.tobytes() == before


@pytest.mark.parametrize(
    ("size", "error"),
    [
        ((0, 10), GeometryError),
        ((10.5, 10), GeometryError),
        ((2**31, 1), GeometryError),
        ((60_000, 60_000), GeometryError),
        ("wide", GeometryError),
        ((1, 2, 3), GeometryError),
    ],
)
def test_bad_sizes(size: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        thumbnail(IMAGE, size)  # type: ignore[arg-type]


def test_size_limit_and_bad_arguments() -> None:
    side = int(MAX_THUMBNAIL_PIXELS**0.5)
    assert side * side <= MAX_THUMBNAIL_PIXELS
    with pytest.raises(GeometryError, match="over the limit"):
        thumbnail(IMAGE, (side + 1, side + 1))
    with pytest.raises(GeometryError, match=r"PIL\.Image"):
        thumbnail(None, "1:1")  # type: ignore[arg-type]
    with pytest.raises(FocusError):
        thumbnail(IMAGE, "1:1", focus=("a", 0))  # type: ignore[arg-type]
    with pytest.raises(GeometryError):
        thumbnail(IMAGE, "1:1", mode="top")  # type: ignore[arg-type]
    assert isinstance(thumbnail(IMAGE.convert("RGBA"), (10, 10)), Image.Image)
