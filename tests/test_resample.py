"""Banded Lanczos resizing: the same pixels as Pillow's two passes, whatever the bands."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from attachmeta.resample import REDUCING_GAP, resize

LANCZOS = Image.Resampling.LANCZOS
MODES = ["RGB", "RGBA", "L", "LA", "CMYK"]


def _noise(width: int, height: int, mode: str, seed: int) -> Image.Image:
    """Full-range noise: Lanczos overshoots and clips on it, so any change of pass order,
    coefficient or rounding shows in the pixels."""
    rng = np.random.default_rng(seed)
    shape = (height, width, len(mode)) if len(mode) > 1 else (height, width)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


def _pillow_two_passes(
    image: Image.Image, size: tuple[int, int], gap: float = REDUCING_GAP
) -> Image.Image:
    """Pillow's own steps written out: premultiply, reduce by whole blocks when the gap is
    over ``gap``, then one horizontal and one vertical Lanczos call over the whole image."""
    if image.size == size:
        return image
    width, height = size
    source_w, source_h = image.size
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(image.mode)
    work = image.convert(premultiplied) if premultiplied else image
    factor_x = int(source_w / width / gap) or 1
    factor_y = int(source_h / height / gap) or 1
    if factor_x > 1 or factor_y > 1:
        work = work.reduce((factor_x, factor_y))
    box_w, box_h = source_w / factor_x, source_h / factor_y
    if (width, box_w) != (work.width, work.width):
        work = work.resize((width, work.height), LANCZOS, (0, 0, box_w, work.height))
    if (height, box_h) != (work.height, work.height):
        work = work.resize((width, height), LANCZOS, (0, 0, width, box_h))
    return work.convert(image.mode) if premultiplied else work


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    width=st.integers(1, 400),
    height=st.integers(1, 400),
    target_w=st.integers(1, 450),
    target_h=st.integers(1, 450),
    mode=st.sampled_from(MODES),
    bands=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_banded_equals_pillow_two_passes(
    width: int, height: int, target_w: int, target_h: int, mode: str, bands: int, seed: int
) -> None:
    image = _noise(width, height, mode, seed)
    banded = resize(image, (target_w, target_h), bands=bands)
    expected = _pillow_two_passes(image, (target_w, target_h))
    assert banded.mode == mode
    assert banded.size == (target_w, target_h)
    assert banded.tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    ("source", "target", "mode"),
    [
        ((1008, 756), (554, 416), "RGB"),  # a 12 MP JPEG drafted at 1/4, to Mastodon's preview
        ((864, 576), (588, 392), "RGB"),
        ((2000, 2000), (480, 480), "RGBA"),
        ((4000, 3000), (400, 300), "RGB"),  # reduced by blocks of 5x5 first
        ((2001, 1333), (97, 65), "L"),  # blocks of 10x10 with partial ones at the edges
    ],
)
def test_proportional_resize_is_pillows_single_call(
    source: tuple[int, int], target: tuple[int, int], mode: str
) -> None:
    # Scaling both sides alike, Pillow's single call runs the same two passes.
    image = _noise(*source, mode, seed=3)
    expected = image.resize(target, LANCZOS, reducing_gap=REDUCING_GAP)
    for bands in (1, 2, 4):
        assert resize(image, target, bands=bands).tobytes() == expected.tobytes()


def test_default_bands_use_threads_and_leave_none_behind() -> None:
    image = _noise(1200, 900, "RGB", seed=5)
    before = threading.active_count()
    assert resize(image, (600, 450)).tobytes() == _pillow_two_passes(image, (600, 450)).tobytes()
    assert threading.active_count() == before


def test_bands_whose_thread_cannot_start_run_here(no_new_threads: None) -> None:
    image = _noise(800, 600, "RGB", seed=6)
    expected = _pillow_two_passes(image, (300, 200))
    assert resize(image, (300, 200), bands=4).tobytes() == expected.tobytes()


def test_same_size_is_returned_as_is() -> None:
    image = _noise(30, 20, "RGB", seed=1)
    assert resize(image, (30, 20)) is image


@pytest.mark.parametrize(
    ("size", "bands", "mode", "message"),
    [
        ((0, 10), None, "RGB", "at least 1x1"),
        ((10, -1), None, "RGB", "at least 1x1"),
        ((10, 10), 0, "RGB", "bands must be at least 1"),
        ((10, 10), None, "P", "expected RGB, RGBA, L, LA or CMYK"),
        ((10, 10), None, "I;16", "expected RGB, RGBA, L, LA or CMYK"),
    ],
)
def test_bad_arguments_are_refused(
    size: tuple[int, int], bands: int | None, mode: str, message: str
) -> None:
    image = Image.new(mode, (20, 20))
    with pytest.raises(ValueError, match=message):
        resize(image, size, bands=bands)


@pytest.mark.parametrize("gap", [0.5, 0.0, -2.0, float("nan")])
def test_a_reducing_gap_below_one_is_refused(gap: float) -> None:
    with pytest.raises(ValueError, match="reducing_gap must be at least 1"):
        resize(Image.new("RGB", (20, 20)), (5, 5), reducing_gap=gap)


@pytest.mark.parametrize("gap", [1.0, 1.5, 2.0, 3.0, 8.0])
def test_reducing_gap_is_pillows(gap: float) -> None:
    image = _noise(997, 601, "RGB", seed=4)
    for target in ((100, 60), (333, 201), (997, 100)):
        expected = image.resize(target, LANCZOS, reducing_gap=gap)
        assert resize(image, target, reducing_gap=gap).tobytes() == expected.tobytes()


def _arrivals(height: int, cuts: list[int]) -> list[int]:
    """Counts of complete rows as a decoder might report them: growing, repeated, jumping
    past the height, ending at it."""
    counts = sorted(min(height + 3, max(0, c)) for c in cuts)
    return [*counts, height]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    target_w=st.integers(1, 320),
    target_h=st.integers(1, 320),
    mode=st.sampled_from(MODES),
    cuts=st.lists(st.integers(-5, 320), max_size=12),
    gap=st.sampled_from([1.0, 2.0, 3.0]),
    seed=st.integers(0, 2**16),
    stream=st.booleans(),
)
def test_streamed_rows_give_the_same_pixels(
    width: int,
    height: int,
    target_w: int,
    target_h: int,
    mode: str,
    cuts: list[int],
    gap: float,
    seed: int,
    stream: bool,
) -> None:
    image = _noise(width, height, mode, seed)
    size = (target_w, target_h)
    rows = _arrivals(height, cuts) if stream else None
    streamed = resize(image, size, rows=rows, reducing_gap=gap)
    expected = _pillow_two_passes(image, size, gap)
    assert streamed.mode == mode and streamed.size == size
    assert streamed.tobytes() == expected.tobytes()


def test_streamed_rows_are_used_as_they_come() -> None:
    image = _noise(400, 300, "RGB", seed=8)
    seen: list[int] = []
    taken: list[int] = []

    def counts() -> Iterator[int]:
        for count in (40, 90, 150, 220, 300):
            seen.append(count)
            yield count

    original = image.crop

    def crop(box: tuple[float, float, float, float] | None = None) -> Image.Image:
        assert box is not None
        taken.append(int(box[3]))
        assert box[3] <= seen[-1], "a band was read before its rows were complete"
        return original(box)

    image.crop = crop  # type: ignore[method-assign]
    resize(image, (200, 150), rows=counts())
    assert taken[:4] == [40, 90, 150, 220]  # each band as soon as its rows were reported


def test_streamed_rows_ending_early_are_an_error() -> None:
    image = _noise(50, 40, "RGB", seed=2)
    with pytest.raises(ValueError, match="rows ended at 30 of 40"):
        resize(image, (20, 10), rows=[10, 30])
    with pytest.raises(ValueError, match="rows ended at 0 of 40"):
        resize(image, (50, 40), rows=[])
