"""Budgets, fitting, meta sizes and crop boxes: golden values and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attachmeta import MASTODON, MASTODON_V3, FocusError, GeometryError, crop_box, image_meta
from attachmeta.geometry import (
    budget_box,
    fit_width,
    fit_within,
    parse_aspect,
    size_for_budget,
    size_for_longest_side,
)

sides = st.integers(min_value=1, max_value=20_000)
budgets = st.integers(min_value=1, max_value=40_000_000)
coords = st.floats(min_value=-1, max_value=1, allow_nan=False)


@pytest.mark.parametrize(
    ("size", "pixels", "expected"),
    [
        ((600, 400), MASTODON.small_pixels, (588, 392)),
        ((640, 480), MASTODON_V3.small_pixels, (461, 346)),
        ((600, 400), MASTODON_V3.small_pixels, (490, 327)),
        ((640, 480), MASTODON.small_pixels, (554, 416)),
        ((300, 200), MASTODON.small_pixels, (300, 200)),
        ((4032, 3024), MASTODON.original_pixels, (3325, 2494)),
    ],
)
def test_documented_sizes(size: tuple[int, int], pixels: int, expected: tuple[int, int]) -> None:
    assert size_for_budget(*size, pixels) == expected


def test_document_example_meta() -> None:
    # The API document's example: 640x480 original, 461x346 small under Mastodon 3.x.
    small = size_for_budget(640, 480, MASTODON_V3.small_pixels)
    assert image_meta(*small) == {
        "width": 461,
        "height": 346,
        "size": "461x346",
        "aspect": 1.3323699421965318,
    }
    assert image_meta(640, 480)["aspect"] == 1.3333333333333333


@given(sides, sides, budgets)
def test_budget_properties(width: int, height: int, pixels: int) -> None:
    w, h = size_for_budget(width, height, pixels)
    assert 1 <= w <= width and 1 <= h <= height  # never 0 px, never upscaled
    if width * height <= pixels:
        assert (w, h) == (width, height)
    else:
        box_w, box_h = budget_box(width, height, pixels)
        assert w <= box_w and h <= box_h
        # the box spends the budget up to its rounding
        assert w * h <= pixels + box_w + box_h + 1
        # aspect within one pixel of the original's
        assert abs(w - h * width / height) <= 1 or abs(h - w * height / width) <= 1


@given(sides, sides, sides, sides, st.booleans())
def test_fit_within_properties(w: int, h: int, bw: int, bh: int, upscale: bool) -> None:
    fw, fh = fit_within(w, h, bw, bh, upscale=upscale)
    assert fw >= 1 and fh >= 1
    if not upscale and w <= bw and h <= bh:
        assert (fw, fh) == (w, h)
    else:
        assert (fw == bw and fh <= bh) or (fh == bh and fw <= bw)
        assert abs(fw * h - fh * w) <= max(w, h)  # same aspect up to one pixel of rounding


@pytest.mark.parametrize("bad", [(0, 5), (5, -1), (1.5, 2), ("3", 4), (True, 4)])
def test_bad_sizes_raise(bad: tuple[object, object]) -> None:
    with pytest.raises(GeometryError):
        image_meta(*bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given_aspect", "value"),
    [("16:9", 16 / 9), ("4/5", 0.8), (2, 2.0), ((9, 16), 9 / 16), (1.5, 1.5)],
)
def test_parse_aspect(given_aspect: object, value: float) -> None:
    assert parse_aspect(given_aspect) == value  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["16", "a:b", "1:0", 0, -1.0, math.inf, math.nan, (1,), True, None])
def test_parse_aspect_rejects(bad: object) -> None:
    with pytest.raises(GeometryError):
        parse_aspect(bad)  # type: ignore[arg-type]


@given(
    sides,
    sides,
    st.floats(min_value=0.05, max_value=20),
    coords,
    coords,
    st.sampled_from(["css", "center"]),
)
def test_crop_box_properties(w: int, h: int, aspect: float, x: float, y: float, mode: str) -> None:
    left, top, right, bottom = crop_box((w, h), aspect, (x, y), mode=mode)  # type: ignore[arg-type]
    assert 0 <= left < right <= w and 0 <= top < bottom <= h
    cw, ch = right - left, bottom - top
    # the largest box of that aspect: one side is the image's
    assert cw == w or ch == h
    # of the requested aspect, to a pixel
    assert abs(cw - ch * aspect) <= 1 or abs(ch - cw / aspect) <= 1 or min(cw, ch) == 1
    # contains the focal point (it always fits), to rounding
    fx, fy = (x + 1) / 2 * w, (1 - y) / 2 * h
    assert left - 0.5 <= fx <= right + 0.5 and top - 0.5 <= fy <= bottom + 0.5


@given(sides, sides, st.floats(min_value=0.05, max_value=20), coords, coords)
def test_css_mode_keeps_relative_place(w: int, h: int, aspect: float, x: float, y: float) -> None:
    left, top, right, bottom = crop_box((w, h), aspect, (x, y))
    px, py = (x + 1) / 2, (1 - y) / 2
    assert abs(left - px * (w - (right - left))) <= 0.5
    assert abs(top - py * (h - (bottom - top))) <= 0.5


def test_crop_box_golden() -> None:
    # 16:9 of a 600x400 image is 600x338; the focus at the top edge puts it at the top.
    assert crop_box((600, 400), "16:9", (0.0, 1.0)) == (0, 0, 600, 338)
    assert crop_box((600, 400), "16:9", (0.0, -1.0)) == (0, 62, 600, 400)
    assert crop_box((600, 400), "16:9") == (0, 31, 600, 369)
    # square crop, focus at x = 0.5 (75% across): css leaves 150 px left of the box...
    assert crop_box((600, 400), 1, (0.5, 0.0)) == (150, 0, 550, 400)
    # ... center mode centres on x = 450 and clamps at the right edge.
    assert crop_box((600, 400), 1, (0.5, 0.0), mode="center") == (200, 0, 600, 400)
    assert crop_box((600, 400), 1, (-0.2, 0.0), mode="center") == (40, 0, 440, 400)


def test_crop_box_rejects_bad_arguments() -> None:
    with pytest.raises(GeometryError):
        crop_box((600, 400), "16:9", mode="middle")  # type: ignore[arg-type]
    with pytest.raises(GeometryError):
        crop_box((600,), "16:9")  # type: ignore[arg-type]
    with pytest.raises(FocusError):
        crop_box((600, 400), "16:9", ("a", 0))  # type: ignore[arg-type]
    with pytest.raises(FocusError):
        crop_box((600, 400), "16:9", (math.nan, 0))


@given(sides, sides)
def test_image_meta_properties(width: int, height: int) -> None:
    meta = image_meta(width, height)
    assert meta == {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": width / height,
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda: image_meta(10**400, 1),
        lambda: image_meta(2**31, 1),
        lambda: crop_box((100, 100), 10**400),
        lambda: crop_box((100, 100), (10**400, 1)),
        lambda: crop_box((10**400, 1), 1.0),
    ],
)
def test_huge_values_are_geometry_errors(call: object) -> None:
    with pytest.raises(GeometryError):
        call()  # type: ignore[operator]


def test_huge_focus_is_clamped_or_refused() -> None:
    with pytest.raises(FocusError):
        crop_box((100, 100), 1.0, (10**400, 0))
    assert crop_box((200, 100), 1.0, (1e300, 0)) == (100, 0, 200, 100)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1920, 1080), (512, 288)),
        ((404, 720), (287, 512)),
        ((600, 400), (512, 341)),
        ((511, 100), (511, 100)),
        ((700, 700), (512, 512)),
    ],
)
def test_gotosocial_thumbnail_sizes(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert size_for_longest_side(*size, 512) == expected


@given(sides, sides, st.integers(1, 4096))
def test_longest_side_properties(width: int, height: int, side: int) -> None:
    w, h = size_for_longest_side(width, height, side)
    assert w >= 1 and h >= 1
    if width < side and height < side:
        assert (w, h) == (width, height)
    else:
        assert max(w, h) == side and min(w, h) <= side
        assert abs(w * height - h * width) <= max(width, height) * 2  # truncation: under 1 px


@given(sides, sides, st.integers(1, 200))
def test_fit_width_properties(width: int, height: int, target: int) -> None:
    w, h = fit_width(width, height, target)
    assert (w, h) == (width, height) if width <= target else (w == target and h >= 1)
