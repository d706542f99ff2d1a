"""BlurHash: bit-exactness against blurhash-python (the C reference), properties, and errors."""

from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import blurhash as reference
import numpy as np
import numpy.typing as npt
import pytest
from conftest import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from attachmeta import blurhash as bh
from attachmeta.blurhash import decode_blurhash, encode_blurhash
from attachmeta.errors import BlurhashError

Pixels = npt.NDArray[np.uint8]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

# Fixed example counts, so that the number of images compared with the reference is known.
HYPOTHESIS_EXAMPLES = 500
SEEDED_IMAGES = 300
EXACT_PATH_IMAGES = 150


def reference_hash(pixels: Pixels, x: int, y: int) -> str:
    """blurhash-python's hash of RGB pixels (it closes the image it is given: pass a new one)."""
    return str(reference.encode(Image.fromarray(np.ascontiguousarray(pixels)), x, y))


def make_image(kind: str, height: int, width: int, seed: int) -> Pixels:
    """A test image: random noise, flat, low-variance (near boundaries) or a gradient."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    base = rng.integers(0, 256, 3)
    if kind == "flat":
        return np.broadcast_to(base.astype(np.uint8), (height, width, 3)).copy()
    if kind == "low":
        noise = rng.integers(-2, 3, (height, width, 3))
        low: Pixels = np.clip(base[None, None, :] + noise, 0, 255).astype(np.uint8)
        return low
    ys, xs = np.mgrid[0:height, 0:width]
    slope = rng.integers(-6, 7, (2, 3))
    ramp = base[None, None, :] + xs[:, :, None] * slope[0] + ys[:, :, None] * slope[1]
    gradient: Pixels = np.clip(ramp, 0, 255).astype(np.uint8)
    return gradient


KINDS = ("random", "flat", "low", "gradient")


@st.composite
def images(draw: st.DrawFn) -> Pixels:
    """Hypothesis strategy: 1..64 x 1..64 images of every kind, seeded for fast generation."""
    return make_image(
        draw(st.sampled_from(KINDS)),
        draw(st.integers(1, 64)),
        draw(st.integers(1, 64)),
        draw(st.integers(0, 2**32 - 1)),
    )


components = st.integers(1, 9)

# blurhash-python reads pixels with Image.getdata, which Pillow deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:.*getdata:DeprecationWarning")


# --- exactness against the reference --------------------------------------------------------


@settings(
    max_examples=HYPOTHESIS_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(images(), components, components)
def test_matches_reference_on_generated_images(pixels: Pixels, x: int, y: int) -> None:
    assert encode_blurhash(pixels, x, y) == reference_hash(pixels, x, y)


@pytest.mark.parametrize("seed", range(SEEDED_IMAGES))
def test_fast_and_exact_paths_match_reference(seed: int) -> None:
    rng = np.random.default_rng(10_000 + seed)
    height, width = (int(v) for v in rng.integers(1, 65, 2))
    x, y = (int(v) for v in rng.integers(1, 10, 2))
    pixels = make_image(KINDS[seed % 4], height, width, seed)
    expected = reference_hash(pixels, x, y)
    assert encode_blurhash(pixels, x, y) == expected
    assert encode_blurhash(Image.fromarray(pixels), x, y) == expected
    if seed % 2 == 0:
        assert bh._encode_exact(pixels, x, y) == expected


@pytest.mark.parametrize("seed", range(EXACT_PATH_IMAGES))
def test_exact_path_alone_matches_reference(seed: int) -> None:
    """The float32 emulation, forced for every factor, is the reference by itself."""
    rng = np.random.default_rng(20_000 + seed)
    height, width = (int(v) for v in rng.integers(1, 97, 2))
    x, y = (int(v) for v in rng.integers(1, 10, 2))
    pixels = make_image(KINDS[seed % 4], height, width, seed)
    assert bh._encode_exact(pixels, x, y) == reference_hash(pixels, x, y)


def test_exact_path_alone_matches_reference_on_a_large_photo_like_image() -> None:
    rng = np.random.default_rng(7)
    small = rng.integers(0, 256, (8, 12, 3), dtype=np.uint8)
    pixels = np.asarray(Image.fromarray(small).resize((300, 200), Image.Resampling.BICUBIC))
    for x, y in ((4, 4), (4, 3), (9, 9)):
        expected = reference_hash(pixels, x, y)
        assert bh._encode_exact(pixels, x, y) == expected
        assert encode_blurhash(pixels, x, y) == expected


def test_boundary_detection_is_needed_and_settles_the_difference() -> None:
    """Somewhere the float64 shortcut alone rounds differently; the public result does not."""
    candidates = [360, 1048, 2523, 2698, *range(4000)]
    for seed in candidates:
        rng = np.random.default_rng(seed)
        height, width = (int(v) for v in rng.integers(1, 65, 2))
        base = rng.integers(0, 256, 3)
        noise = rng.integers(-2, 3, (height, width, 3))
        pixels = np.clip(base[None, None, :] + noise, 0, 255).astype(np.uint8)
        x, y = (int(v) for v in rng.integers(1, 10, 2))
        expected = reference_hash(pixels, x, y)
        if bh._encode_fast_raw(pixels, x, y) != expected:
            assert encode_blurhash(pixels, x, y) == expected
            assert bh._encode_exact(pixels, x, y) == expected
            return
    pytest.fail("no input found where the raw float64 shortcut differs from the reference")


def test_large_images_use_settled_values_and_match() -> None:
    """Large flat and photo-like images: the reference's float32 drift is settled exactly."""
    rng = np.random.default_rng(3)
    flat = np.full((392, 588, 3), (120, 61, 200), dtype=np.uint8)
    small = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    photo = np.asarray(Image.fromarray(small).resize((588, 392), Image.Resampling.BICUBIC))
    for pixels in (flat, photo):
        for x, y in ((4, 4), (4, 3)):
            assert encode_blurhash(pixels, x, y) == reference_hash(pixels, x, y)


def _corpus_images(paths: list[Path]) -> list[tuple[str, Pixels]]:
    """RGB pixels of the files Pillow opens, shrunk to at most 200 px on the long side."""
    skip = ("crash-", "oom-", "timeout-", "decompression_bomb", "png_decompression_dos")
    loaded = []
    for path in paths:
        if path.name.startswith(skip):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as image:
                    image.seek(0)
                    rgb = image.convert("RGB")
        except Exception:  # not an image Pillow can open: not part of the sample
            continue
        if rgb.width == 0 or rgb.height == 0:
            continue
        rgb.thumbnail((200, 200))
        loaded.append((path.name, np.asarray(rgb)))
    return loaded


def _check_corpus(paths: list[Path]) -> int:
    images_ = _corpus_images(paths)
    for name, pixels in images_:
        for x, y in ((4, 4), (4, 3)):
            assert encode_blurhash(pixels, x, y) == reference_hash(pixels, x, y), name
    return len(images_)


def test_corpus_blurhash_and_mastodon_images_match_reference(corpus: Path) -> None:
    count = _check_corpus(corpus_files("blurhash") + corpus_files("mastodon"))
    print(f"blurhash/ + mastodon/: {count} images x 2 component pairs")
    assert count >= 20


def test_corpus_pillow_sample_matches_reference(corpus: Path) -> None:
    suffixes = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ppm"}
    paths = [p for p in corpus_files("pillow") if p.suffix.lower() in suffixes][::6]
    count = _check_corpus(paths)
    print(f"pillow/ sample: {count} images x 2 component pairs")
    assert count >= 50


# --- input handling -----------------------------------------------------------------------


def test_image_modes_are_converted_like_the_reference() -> None:
    rng = np.random.default_rng(11)
    rgba = Image.fromarray(rng.integers(0, 256, (20, 30, 4), dtype=np.uint8))
    for image in (rgba, rgba.convert("L"), rgba.convert("P"), rgba.convert("CMYK")):
        assert encode_blurhash(image, 4, 3) == str(reference.encode(image.copy(), 4, 3))


def test_callers_image_is_left_open_and_unchanged() -> None:
    image = Image.new("RGBA", (10, 10), (10, 200, 30, 128))
    before = image.tobytes()
    encode_blurhash(image, 4, 4)
    assert image.tobytes() == before
    assert image.mode == "RGBA"


def test_array_shapes() -> None:
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    rgba = np.concatenate([rgb, rng.integers(0, 256, (17, 23, 1), dtype=np.uint8)], axis=2)
    grey = rgb[:, :, 0]
    expected = reference_hash(rgb, 4, 4)
    assert encode_blurhash(rgba, 4, 4) == expected
    assert encode_blurhash(rgb[:, ::-1][:, ::-1], 4, 4) == expected  # non-contiguous view
    grey_rgb = np.repeat(grey[:, :, None], 3, axis=2)
    assert encode_blurhash(grey, 4, 4) == reference_hash(grey_rgb, 4, 4)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4, 2), dtype=np.uint8),
        np.zeros((4, 4, 5), dtype=np.uint8),
        np.zeros((4,), dtype=np.uint8),
        np.zeros((2, 4, 4, 3), dtype=np.uint8),
        np.zeros((4, 4, 3), dtype=np.float32),
        np.zeros((4, 4, 3), dtype=np.uint16),
        np.zeros((0, 4, 3), dtype=np.uint8),
        np.zeros((4, 0), dtype=np.uint8),
    ],
)
def test_bad_arrays_raise(bad: Pixels) -> None:
    with pytest.raises(BlurhashError):
        encode_blurhash(bad)


def test_bad_array_message_says_what_is_expected() -> None:
    with pytest.raises(BlurhashError, match=r"uint8 array of shape \(H, W\), \(H, W, 3\)"):
        encode_blurhash(np.zeros((4, 4, 2), dtype=np.uint8))


def test_empty_image_and_wrong_type_raise() -> None:
    with pytest.raises(BlurhashError):
        encode_blurhash(Image.new("RGB", (0, 0)))
    with pytest.raises(BlurhashError):
        encode_blurhash([[1, 2, 3]])  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [0, 10, -1, 4.0, True, "4", None])
def test_bad_component_counts_raise(count: object) -> None:
    pixels = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.raises(BlurhashError):
        encode_blurhash(pixels, count, 4)  # type: ignore[arg-type]
    with pytest.raises(BlurhashError):
        encode_blurhash(pixels, 4, count)  # type: ignore[arg-type]


# --- properties of the hash -----------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True)
@given(images(), components, components)
def test_hash_shape(pixels: Pixels, x: int, y: int) -> None:
    text = encode_blurhash(pixels, x, y)
    assert len(text) == 4 + 2 * x * y  # size flag, max, 4 DC digits, 2 per AC component
    assert set(text) <= set(ALPHABET)
    size_flag = ALPHABET.index(text[0])
    assert (size_flag % 9 + 1, size_flag // 9 + 1) == (x, y)
    assert decode_blurhash(text, 5, 3).size == (5, 3)


def test_base83_round_trip() -> None:
    for value in (0, 1, 82, 83, 6888, 83**4 - 1, 123456):
        for length in (1, 2, 4):
            if value < 83**length:
                digits = bh._encode83(value, length)
                assert len(digits) == length
                assert bh._decode83(digits) == value


# --- decoding -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, derandomize=True)
@given(images(), components, components, st.integers(1, 40), st.integers(1, 40))
def test_decode_matches_reference_within_one(
    pixels: Pixels, x: int, y: int, width: int, height: int
) -> None:
    text = encode_blurhash(pixels, x, y)
    ours = np.asarray(decode_blurhash(text, width, height), dtype=np.int16)
    theirs = np.asarray(reference.decode(text, width, height), dtype=np.int16)
    assert ours.shape == (height, width, 3)
    assert np.abs(ours - theirs).max() <= 1


def test_decode_with_punch_matches_reference_within_one() -> None:
    text = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
    for punch in (1, 2, 3):
        ours = np.asarray(decode_blurhash(text, 32, 24, punch), dtype=np.int16)
        theirs = np.asarray(reference.decode(text, 32, 24, punch), dtype=np.int16)
        assert np.abs(ours - theirs).max() <= 1
    softer = np.asarray(decode_blurhash(text, 32, 24, 0.5), dtype=np.float64)
    normal = np.asarray(decode_blurhash(text, 32, 24, 1.0), dtype=np.float64)
    assert softer.std() < normal.std()


@pytest.mark.parametrize("value", range(0, 256, 5))
def test_dc_decodes_to_the_average_colour(value: int) -> None:
    colour = (value, 255 - value, (value * 7) % 256)
    text = encode_blurhash(np.full((6, 9, 3), colour, dtype=np.uint8), 1, 1)
    decoded = np.asarray(decode_blurhash(text, 4, 4))
    assert (decoded == colour).all()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(images(), components, components)
def test_dc_part_is_the_average_colour(pixels: Pixels, x: int, y: int) -> None:
    """Characters 2..5 alone (as a 1x1 hash) decode to the image's mean linear colour."""
    text = encode_blurhash(pixels, x, y)
    flat = np.asarray(decode_blurhash("00" + text[2:6], 3, 2), dtype=np.float64)
    assert (flat == flat[0, 0]).all()
    table = bh._srgb_to_linear64()
    mean_linear = table[pixels].reshape(-1, 3).mean(axis=0)
    expected = [math.floor(bh._dc_scaled(float(v))) for v in mean_linear]
    assert np.abs(flat[0, 0] - expected).max() <= 1
    # and decoding the full hash keeps that average (in linear light) within rounding
    full = np.asarray(decode_blurhash(text, pixels.shape[1], pixels.shape[0]))
    decoded_mean = table[full].reshape(-1, 3).mean(axis=0)
    if x * y == 1:
        assert np.allclose(decoded_mean, table[flat[0, 0].astype(np.uint8)], atol=1e-9)


def test_decode_of_one_component_hash_is_flat_dc_colour() -> None:
    text = encode_blurhash(np.full((5, 5, 3), (12, 130, 250), dtype=np.uint8), 1, 1)
    image = decode_blurhash(text, 7, 3)
    assert image.mode == "RGB"
    assert (np.asarray(image) == (12, 130, 250)).all()


BAD_HASHES = [
    "",
    "00000",
    "LEHV6nWB2yk8pyo0adR*.7kCMdn",  # one short
    "LEHV6nWB2yk8pyo0adR*.7kCMdnjj",  # one long
    "LEHV6nWB2yk8pyo0adR*.7kCMdn ",  # space is not base83
    "LEHV6nWB2yk8pyo0adR*.7kCMdn\u00e9",
    "00~~~~",  # DC over 24 bits
    "10000000~~",  # AC value over 18*361+18*19+18
]


@pytest.mark.parametrize("text", BAD_HASHES)
def test_malformed_hashes_raise(text: str) -> None:
    with pytest.raises(BlurhashError):
        decode_blurhash(text, 4, 4)


SIZE_CASES: list[tuple[object, object]] = [
    (0, 4),
    (4, 0),
    (-1, 4),
    (4, -3),
    (4.0, 4),
    (True, 4),
    (2**13, 2**12),
    (2**25, 1),
]


@pytest.mark.parametrize(("width", "height"), SIZE_CASES)
def test_bad_sizes_raise(width: object, height: object) -> None:
    with pytest.raises(BlurhashError):
        decode_blurhash("00000000", width, height)  # type: ignore[arg-type]


@pytest.mark.parametrize("punch", [0, -1.0, math.inf, math.nan, "1"])
def test_bad_punch_raises(punch: object) -> None:
    with pytest.raises(BlurhashError):
        decode_blurhash("00000000", 4, 4, punch)  # type: ignore[arg-type]


def test_non_string_hash_raises() -> None:
    with pytest.raises(BlurhashError):
        decode_blurhash(b"00000000", 4, 4)  # type: ignore[arg-type]


# --- helpers exercised directly ---------------------------------------------------------------


def test_linear_table_matches_the_references_decoder() -> None:
    """Every sRGB byte value survives a 1x1 decode by the reference: the tables agree."""
    table = bh._srgb_to_linear32()
    assert table.dtype == np.float32
    assert table[0] == 0 and table[255] == 1
    assert (np.diff(table) > 0).all()
    for value in range(256):
        assert bh._dc_code_exact(table[value]) == value


def test_cached_tables_are_read_only() -> None:
    getters: list[Callable[[], npt.NDArray[np.generic]]] = [
        bh._srgb_to_linear32,
        bh._srgb_to_linear64,
        lambda: bh._cos_reference(17, 3),
        lambda: bh._cos_estimate(17, 3),
    ]
    for getter in getters:
        with pytest.raises(ValueError):
            getter()[0] = 0


@pytest.mark.parametrize("size", [(1 << 24, 1), (1, 1 << 15), (5000, 5000)])
def test_decode_refuses_sizes_that_would_need_gigabytes(size: tuple[int, int]) -> None:
    with pytest.raises(BlurhashError, match="over the limit"):
        decode_blurhash("LEHV6nWB2yk8pyo0adR*.7kCMdnj", *size)


# --- the fast path's parts ----------------------------------------------------------------------


def test_thresholds_are_the_quantisers_code_boundaries() -> None:
    """bisect on the cached thresholds gives the float64 quantisers' codes, margins included."""
    rng = np.random.default_rng(21)
    low, high = bh._dc_thresholds()
    for x in rng.uniform(-0.1, 1.1, 20_000).tolist():
        assert bisect_right(low, x) == math.floor(bh._dc_scaled(x) - bh._DC_MARGIN)
        assert bisect_right(high, x) == min(math.floor(bh._dc_scaled(x) + bh._DC_MARGIN), 255)
    for t in low + high:  # each threshold sits on its boundary, to float64 rounding
        s = bh._dc_scaled(t)
        assert (
            min(
                abs(s - bh._DC_MARGIN - round(s - bh._DC_MARGIN)),
                abs(s + bh._DC_MARGIN - round(s + bh._DC_MARGIN)),
            )
            < 1e-12
        )
    doubled_low, doubled_high = bh._dc_thresholds_doubled()
    assert doubled_low == tuple(2 * t for t in low) and doubled_high == tuple(2 * t for t in high)
    for code in (0, 1, 7, 40, 82):
        maximum = float(bh._max_value(code))
        low, high = bh._ac_thresholds(code)
        for x in rng.uniform(-1.2 * maximum, 1.2 * maximum, 5_000).tolist():
            scaled = bh._ac_scaled(x, maximum)
            assert bisect_right(low, x) == min(max(math.floor(scaled - bh._AC_MARGIN), 0), 18)
            assert bisect_right(high, x) == min(max(math.floor(scaled + bh._AC_MARGIN), 0), 18)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1e-9, 1e-6, 1e-4, 1e-3, 3e-2]),
)
def test_quick_quantiser_agrees_with_the_general_one(
    x: int, y: int, seed: int, size: float
) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 0.05, 3 * x * y)
    values[:3] = rng.uniform(0, 2, 3)  # the DC, doubled
    bounds = rng.uniform(0, size, 3 * x * y)
    lows, highs = (values - bounds).tolist(), (values + bounds).tolist()
    general = bh._quantise(lows, highs, x, y, {})
    quick = bh._quantise_certain(lows, highs, x, y)
    assert quick == (general if isinstance(general, str) else None)


def test_small_path_gives_the_estimates_intervals() -> None:
    """The few-product path computes the same values and bounds as the general estimate."""
    rng = np.random.default_rng(22)
    for _ in range(120):
        height, width = (int(v) for v in rng.integers(1, 80, 2))
        x, y = (int(v) for v in rng.integers(1, 10, 2))
        pixels = bh._row_planar(make_image(KINDS[int(rng.integers(4))], height, width, 1))
        lows, highs = (np.array(v) for v in bh._small_ends(pixels, x, y))
        estimate = bh._Estimate(pixels, x, y)
        expected_lows, expected_highs = (
            np.array(v) for v in bh._ends(estimate.values, estimate.bounds)
        )
        scale = np.abs(expected_lows) + np.abs(expected_highs) + 1e-300
        assert (np.abs(lows - expected_lows) <= 1e-9 * scale).all()
        assert (np.abs(highs - expected_highs) <= 1e-9 * scale).all()


def _photo_like(height: int, width: int, seed: int) -> Pixels:
    rng = np.random.default_rng(seed)
    small = rng.integers(
        0, 256, (int(rng.integers(2, 12)), int(rng.integers(2, 12)), 3), dtype=np.uint8
    )
    resized = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(resized)


@pytest.mark.parametrize("seed", range(12))
def test_tightened_intervals_hold_the_reference_factors(seed: int) -> None:
    """The interval from the reference's own roundings contains the exact float32 factor."""
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(60, 420)), int(rng.integers(60, 620))
    kind = seed % 4
    if kind == 0:
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif kind == 1:
        image = make_image("low", height, width, seed)
    else:
        image = _photo_like(height, width, seed)
    pixels = bh._row_planar(image)
    y_count = int(rng.integers(1, 10))
    estimate = bh._Estimate(pixels, 4, y_count)
    keys = [(j, 0, c) for j in range(y_count) for c in range(3)]
    values, bounds = estimate.values.copy(), estimate.bounds.copy()
    estimate.refine(keys, bounds)
    refined = bounds.copy()
    estimate.tighten(pixels, keys, values, bounds)
    exact = bh._Exact(pixels).factors(keys)
    for j, i, c in keys:
        assert abs(float(exact[(j, i, c)]) - values[c, j, i]) <= bounds[c, j, i]
        assert bounds[c, j, i] <= refined[c, j, i]


@pytest.mark.parametrize("seed", range(8))
def test_large_images_match_reference_through_every_settling_stage(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    height, width = int(rng.integers(129, 400)), int(rng.integers(100, 600))
    pixels = (
        _photo_like(height, width, seed) if seed % 2 else make_image("low", height, width, seed)
    )
    for x, y in ((4, 4), (4, 3), (3, 5)):
        assert encode_blurhash(pixels, x, y) == reference_hash(pixels, x, y)


def test_pillow_pixels_fast_and_fallback_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(23)
    array = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    image = Image.fromarray(array)
    expected = array.transpose(0, 2, 1)
    assert np.array_equal(bh._rgb_bytes(image), expected)

    monkeypatch.setattr(bh, "_imaging", SimpleNamespace())  # a Pillow without raw_encoder
    assert np.array_equal(bh._rgb_bytes(image), expected)
    assert encode_blurhash(image, 4, 3) == reference_hash(array, 4, 3)


def test_lazily_loaded_image_file_is_decoded_first(tmp_path: Path) -> None:
    rng = np.random.default_rng(24)
    array = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    path = tmp_path / "image.png"
    Image.fromarray(array).save(path)
    with Image.open(path) as image:
        assert encode_blurhash(image, 4, 4) == reference_hash(array, 4, 4)
