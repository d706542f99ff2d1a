"""Audio cover colours: Mastodon's ColorExtractor rules on constructed images, the colour
science against published values, and properties on arbitrary images.

Expected colours are worked out from the rules (bins, edge strips, contrast thresholds,
fallbacks) with the plain WCAG luminance formula below, not by asking the module.
"""

from __future__ import annotations

import io
import re

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from attachmeta import colors
from attachmeta.colors import ColorExtractionError, extract_colors
from attachmeta.errors import AttachmetaError

Pixels = npt.NDArray[np.uint8]
HEX = re.compile(r"^#[0-9a-f]{6}$")

# Bin centres (i + 0.5) * 25.6 written by truncation: 12.8 -> 0c, 38.4 -> 26, ..., 243.2 -> f3.
CENTRE_HEX = ["0c", "26", "40", "59", "73", "8c", "a6", "c0", "d9", "f3"]

# A few channel values and the bin libvips puts them in (value / 25.7, truncated).
V0, V1, V2, V3, V6, V7, V8, V9 = 0, 40, 60, 90, 170, 190, 220, 250


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance with color_diff's sRGB threshold (0.04045) and coefficients."""
    lin = [
        ((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92 for c in rgb
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """W3C contrast ratio from :func:`luminance`."""
    la, lb = luminance(a) + 0.05, luminance(b) + 0.05
    return max(la, lb) / min(la, lb)


def centre(*bins: int) -> tuple[float, float, float]:
    """The colour Mastodon gives bin (r, g, b): ``(i + 0.5) * 256 / 10`` per channel."""
    r, g, b = ((i + 0.5) * 256 / 10 for i in bins)
    return (r, g, b)


def hex_of(*bins: int) -> str:
    """The hex Mastodon writes for bin (r, g, b)."""
    return "#" + "".join(CENTRE_HEX[i] for i in bins)


def ring_image(
    border: tuple[int, int, int], rows: list[tuple[tuple[int, int, int], int]]
) -> Pixels:
    """A 100 x 100 image: a 25 px ``border`` ring (exactly the edge strips) around a 50 x 50
    centre painted in horizontal bands of (colour, number of rows), 50 rows in all."""
    pixels = np.empty((100, 100, 3), np.uint8)
    pixels[:] = border
    top = 25
    for colour, count in rows:
        pixels[top : top + count, 25:75] = colour
        top += count
    assert top == 75
    return pixels


def rgb(pixels: Pixels) -> Image.Image:
    return Image.fromarray(pixels, "RGB")


def flat(colour: tuple[int, int, int], size: tuple[int, int] = (100, 100)) -> Image.Image:
    return Image.new("RGB", size, colour)


# Seven dark bins (channels in bins 0 and 1, not all 0): each has contrast < 2 with black.
DARKS = [(r, g, b) for r in (V0, V1) for g in (V0, V1) for b in (V0, V1)][1:]

# Hand-computed results of flat images (see the tests that derive them).
FLAT_BLACK = {"background": "#0c0c0c", "foreground": "#666666", "accent": "#0c0cf3"}
FLAT_DARK_GREY = {"background": "#404040", "foreground": "#bfbfbf", "accent": "#999999"}


# --- the selection rules on images whose palette is known ------------------------------------


def test_accent_candidate_only_then_one_lightened_fallback() -> None:
    # Ten bins: black ring (bin 0,0,0), a red (bin 6,0,0) and eight dark bins.
    pixels = ring_image(
        (V0, V0, V0), [((V6, V0, V0), 10), *[(d, 5) for d in DARKS], ((V2, 0, 0), 5)]
    )
    black = centre(0, 0, 0)
    red = centre(6, 0, 0)
    assert 2.0 <= contrast(black, red) < 3.0  # accent candidate, not a foreground candidate
    for dark in [*DARKS, (V2, 0, 0)]:
        bins = tuple(int(v / 25.7) for v in dark)
        assert contrast(black, centre(*bins)) < 2.0
    # No foreground candidate: one colour from the background, lightness 5 % + 35 = 40 % -> 102.
    assert contrast(black, (102, 102, 102)) > contrast(black, red)
    assert extract_colors(rgb(pixels)) == {
        "background": "#0c0c0c",
        "foreground": "#666666",  # highest contrast
        "accent": "#a60c0c",  # highest saturation (grey has none)
    }


def test_farther_of_two_accent_candidates_wins() -> None:
    # Red (6,0,0) and an olive grey (3,3,2) both have contrast in [2, 3) with black; the red
    # is much farther in CIEDE2000 (about 36 against 25: its chroma is ~70, the olive's ~11).
    olive = (V3, V3, V2)
    pixels = ring_image((V0, V0, V0), [((V6, V0, V0), 10), *[(d, 5) for d in DARKS], (olive, 5)])
    assert 2.0 <= contrast(centre(0, 0, 0), centre(3, 3, 2)) < 3.0
    result = extract_colors(rgb(pixels))
    assert result == {"background": "#0c0c0c", "foreground": "#666666", "accent": "#a60c0c"}


def test_two_candidates_foreground_by_contrast_accent_by_saturation() -> None:
    # White (9,9,9) and red (8,0,0) both pass 3.0 against black: pass one takes one of them,
    # pass two the other, whichever is farther.
    rows = [((V9, V9, V9), 20), ((V8, V0, V0), 10), *[(d, 3) for d in DARKS[:6]], (DARKS[6], 2)]
    pixels = ring_image((V0, V0, V0), rows)
    black = centre(0, 0, 0)
    assert contrast(black, centre(9, 9, 9)) >= 3.0
    assert contrast(black, centre(8, 0, 0)) >= 3.0
    assert extract_colors(rgb(pixels)) == {
        "background": "#0c0c0c",
        "foreground": "#f3f3f3",
        "accent": "#d90c0c",
    }


def test_foreground_and_accent_can_be_the_same_colour() -> None:
    # Only red passes either threshold; the lightened fallback (102 grey, 3.39) has less
    # contrast than the red (3.74) and no saturation, so red is both.
    pixels = ring_image(
        (V0, V0, V0), [((V8, V0, V0), 10), *[(d, 5) for d in DARKS], ((V2, 0, 0), 5)]
    )
    black = centre(0, 0, 0)
    assert contrast(black, (102, 102, 102)) < contrast(black, centre(8, 0, 0))
    assert extract_colors(rgb(pixels)) == {
        "background": "#0c0c0c",
        "foreground": "#d90c0c",
        "accent": "#d90c0c",
    }


def test_light_image_without_candidates_gets_two_darkened_fallbacks() -> None:
    # Nine light bins around a near-white ring: all have contrast < 2 with it.
    light = [
        (V9, V9, V8), (V9, V8, V9), (V8, V9, V9), (V9, V8, V8), (V8, V9, V8),
        (V8, V8, V9), (V8, V8, V8), (V9, V9, V7), (V7, V9, V9),
    ]  # fmt: skip
    pixels = ring_image((V9, V9, V9), [(c, 6) for c in light[:8]] + [(light[8], 2)])
    for colour in light:
        bins = tuple(int(v / 25.7) for v in colour)
        assert contrast(centre(9, 9, 9), centre(*bins)) < 2.0
    # Background lightness round(95.37) = 95 >= 50: darkened to 60 % (153) and 45 % (114.75).
    assert extract_colors(rgb(pixels)) == {
        "background": "#f3f3f3",
        "foreground": "#737373",  # the darker one has more contrast
        "accent": "#999999",  # saturation 0 for both: the first (35 points) wins
    }


def test_background_is_the_edge_palette_not_the_whole_image() -> None:
    x, z = (200, 30, 30), (30, 30, 200)
    pixels = np.empty((100, 100, 3), np.uint8)
    pixels[:] = z  # side strips and centre: Z
    pixels[:25] = x  # top strip: X (2500 px)
    pixels[75:, :60] = x  # bottom strip: X (1500 px) and Z (1000 px)
    # Edge: X 4000 px, Z 3500 px. Whole image: X 4000 px, Z 6000 px.
    edge, whole = colors._palettes(pixels)
    assert edge[0] == centre(7, 1, 1)
    assert whole[0] == centre(1, 1, 7)
    assert extract_colors(rgb(pixels))["background"] == hex_of(7, 1, 1)


def test_edge_strips_of_a_non_square_thumbnail() -> None:
    # 100 x 75: strips of floor(75/4) = 18 rows and 25 columns; the side strips are cut to
    # 2 * 18 = 36 rows (18..53), so rows 54..56 of the sides are not part of the edge image.
    pixels = np.zeros((75, 100, 3), np.uint8)
    pixels[54:57, :25] = (V9, V0, V0)
    pixels[54:57, 75:] = (V9, V0, V0)
    edge = colors._edge_pixels(pixels)
    assert edge.shape == (2 * 18 * 100 + 2 * 36 * 25, 3)
    edge_palette, whole_palette = colors._palettes(pixels)
    assert centre(9, 0, 0) not in edge_palette
    assert whole_palette[1] == centre(9, 0, 0)


# --- flat images: the empty bins of the palette ----------------------------------------------


def test_flat_black_uses_an_empty_bin_and_one_fallback() -> None:
    # The palette is the black bin plus the empty bins at raster positions 9..1, i.e. the
    # blues (0,0,9) .. (0,0,1): libvips' top-10 list starts with the first ten positions.
    palette = colors._palette(np.zeros((100, 100, 3), np.uint8).reshape(-1, 3))
    assert palette == [centre(0, 0, 0)] + [centre(0, 0, b) for b in range(9, 0, -1)]
    black = centre(0, 0, 0)
    qualifying = [c for c in palette[1:] if contrast(black, c) >= 2.0]
    assert qualifying == [centre(0, 0, 9)]  # contrast 2.2; none reaches 3
    assert extract_colors(flat((0, 0, 0))) == FLAT_BLACK


def test_flat_dark_grey_gets_two_lightened_fallbacks() -> None:
    grey = centre(2, 2, 2)  # 60 -> bin 2 -> 64
    for b in range(1, 10):
        assert contrast(grey, centre(0, 0, b)) < 2.0
    # Lightness 25 %: +35 -> 60 % (153), +50 -> 75 % (191.25 -> 191).
    assert extract_colors(flat((60, 60, 60))) == FLAT_DARK_GREY


def test_flat_white_takes_both_colours_from_empty_bins() -> None:
    result = extract_colors(flat((255, 255, 255)))
    assert result["background"] == "#f3f3f3"
    blues = {hex_of(0, 0, b) for b in range(1, 10)}
    assert result["foreground"] in blues
    assert result["accent"] in blues
    assert result["foreground"] != result["accent"]


# --- sizes, modes, transparency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((100, 100), (100, 100)),
        ((1000, 1000), (100, 100)),
        ((300, 200), (100, 67)),
        ((200, 300), (67, 100)),
        ((1, 1), (100, 100)),
        ((3, 2), (100, 67)),
        ((1, 28), (4, 100)),
        ((1, 1000), (1, 100)),
        ((2000, 10), (100, 1)),
    ],
)
def test_thumbnail_size_fits_a_100_box(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert colors._thumbnail_size(*size) == expected


@pytest.mark.parametrize("size", [(1, 1), (1, 10), (10, 1), (3, 2), (1000, 1000), (1234, 567)])
def test_flat_images_of_any_size(size: tuple[int, int]) -> None:
    assert extract_colors(flat((60, 60, 60), size)) == FLAT_DARK_GREY


@pytest.mark.parametrize("size", [(1, 29), (29, 1), (1, 50), (3000, 20)])
def test_too_narrow_images_fail_like_libvips_crop(size: tuple[int, int]) -> None:
    with pytest.raises(ColorExtractionError, match="too narrow") as raised:
        extract_colors(flat((60, 60, 60), size))
    assert isinstance(raised.value, AttachmetaError)


def test_empty_image_is_refused() -> None:
    with pytest.raises(ColorExtractionError):
        extract_colors(Image.new("RGB", (0, 5)))


def test_large_image_is_downscaled_first() -> None:
    pixels = np.zeros((400, 400, 3), np.uint8)
    pixels[100:300, 100:300] = (V9, V9, V9)
    image = rgb(pixels)
    assert colors._thumbnail(image).shape == (100, 100, 3)
    result = extract_colors(image)
    assert result["background"] == "#0c0c0c"
    assert result["foreground"] == "#f3f3f3"
    assert colors._thumbnail(flat((1, 2, 3), (1000, 400))).shape == (40, 100, 3)


def test_transparency_is_dropped_not_flattened() -> None:
    # No resampling (100 px already): the stored colour of transparent pixels counts.
    clear = Image.new("RGBA", (100, 100), (60, 60, 60, 0))
    assert extract_colors(clear) == FLAT_DARK_GREY
    assert extract_colors(Image.new("LA", (100, 100), (60, 0))) == FLAT_DARK_GREY
    # Resampled on both axes: libvips premultiplies, so fully transparent pixels are black.
    assert extract_colors(Image.new("RGBA", (200, 200), (60, 60, 60, 0))) == FLAT_BLACK
    assert extract_colors(Image.new("RGBA", (100, 200), (60, 60, 60, 0))) == FLAT_BLACK
    # Opaque pixels keep their colour either way.
    assert extract_colors(Image.new("RGBA", (200, 200), (60, 60, 60, 255))) == FLAT_DARK_GREY


def test_palette_and_grey_modes_read_like_rgb() -> None:
    rows = [((V9, V9, V9), 20), ((V8, V0, V0), 10), *[(d, 3) for d in DARKS[:6]], (DARKS[6], 2)]
    pixels = ring_image((V0, V0, V0), rows)
    expected = extract_colors(rgb(pixels))
    entries, index = np.unique(pixels.reshape(-1, 3), axis=0, return_inverse=True)
    paletted = Image.fromarray(index.reshape(100, 100).astype(np.uint8), "P")
    paletted.putpalette(entries.astype(np.uint8).tobytes())
    assert extract_colors(paletted) == expected
    paletted.info["transparency"] = 0  # alpha is dropped, so the same colours
    assert extract_colors(paletted) == expected
    assert extract_colors(Image.new("L", (100, 100), 60)) == FLAT_DARK_GREY
    assert extract_colors(Image.new("I;16", (100, 100), 60 * 256 + 255)) == FLAT_DARK_GREY
    assert extract_colors(Image.new("1", (100, 100), 0)) == FLAT_BLACK


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("RGB", (100, 40), (60, 60, 60)).save(buffer, "PNG", exif=exif.tobytes())
    stored = Image.open(io.BytesIO(buffer.getvalue()))
    assert colors._thumbnail(stored).shape == (100, 40, 3)


def test_keys_in_mastodon_order() -> None:
    assert list(extract_colors(flat((10, 200, 30)))) == ["background", "foreground", "accent"]


# --- libvips' top-10 scan ---------------------------------------------------------------------


def test_top_bins_keep_the_first_positions_among_empty_bins() -> None:
    counts = np.zeros(1000, np.intp)
    assert colors._top_bins(counts) == list(range(9, -1, -1))
    counts[444] = 7
    assert colors._top_bins(counts) == [444, *range(9, 0, -1)]


def test_top_bins_order_ties_by_position_descending() -> None:
    counts = np.zeros(1000, np.intp)
    counts[[300, 500, 700]] = 4
    counts[100] = 9
    assert colors._top_bins(counts) == [100, 700, 500, 300, *range(9, 3, -1)]


def test_top_bins_skip_a_later_value_equal_to_the_smallest() -> None:
    # The buffer fills with positions 0..9 (all 5); position 20 (also 5) is not greater than
    # the smallest kept value, so libvips never offers it although its (y, x) is larger.
    counts = np.zeros(1000, np.intp)
    counts[:10] = 5
    counts[20] = 5
    assert colors._top_bins(counts) == list(range(9, -1, -1))


def test_histogram_bins_by_25_7() -> None:
    pixels = np.array([[[25, 26, 255]], [[231, 232, 0]]], np.uint8)
    counts = colors._histogram(pixels)
    # (r, g, b) bins (0, 1, 9) and (8, 9, 0): raster position g * 100 + r * 10 + b.
    assert np.flatnonzero(counts).tolist() == [109, 980]


def test_bin_colours_are_nominal_centres_written_by_truncation() -> None:
    assert colors._bin_colour(0) == (12.8, 12.8, 12.8)
    assert colors._bin_colour(999) == pytest.approx((243.2, 243.2, 243.2))
    assert colors._hex(colors._bin_colour(999)) == "#f3f3f3"
    assert [colors._hex(colors._bin_colour(11 * i))[1:3] for i in range(10)] == CENTRE_HEX


# --- colour science ---------------------------------------------------------------------------

# Sharma, Wu and Dalal (2005), "The CIEDE2000 Color-Difference Formula: Implementation Notes,
# Supplementary Test Data, and Mathematical Observations", Table 1 (pair number: L a b pairs).
SHARMA_PAIRS = [
    (1, (50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    (2, (50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    (3, (50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    (4, (50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    (7, (50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    (8, (50.0, -1.0, 2.0), (50.0, 0.0, 0.0), 2.3669),
    (9, (50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    (11, (50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    (13, (50.0, -0.0010, 2.4900), (50.0, 0.0009, -2.4900), 4.8045),
    (15, (50.0, -0.0010, 2.4900), (50.0, 0.0011, -2.4900), 4.7461),
    (16, (50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    (17, (50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    (21, (50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
    (25, (60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    (33, (6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    (34, (2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("pair", "lab1", "lab2", "expected"), SHARMA_PAIRS)
def test_ciede2000_sharma_pairs(
    pair: int,
    lab1: tuple[float, float, float],
    lab2: tuple[float, float, float],
    expected: float,
) -> None:
    assert round(colors._ciede2000(lab1, lab2), 4) == expected, f"pair {pair}"
    assert colors._ciede2000(lab2, lab1) == pytest.approx(expected, abs=5e-5)


def test_ciede2000_of_a_colour_with_itself_is_zero() -> None:
    assert colors._ciede2000((37.0, 12.0, -5.0), (37.0, 12.0, -5.0)) == 0.0


def test_lab_of_srgb_white_black_and_red() -> None:
    lightness, a, b = colors._rgb_to_lab((255, 255, 255))
    assert lightness == pytest.approx(100.0, abs=1e-9)
    assert abs(a) < 0.01 and abs(b) < 0.02  # the 4-digit matrix is not exactly D65-white
    assert colors._rgb_to_lab((0, 0, 0)) == pytest.approx((0.0, 0.0, 0.0), abs=1e-12)
    # Red is XYZ (41.24, 21.26, 1.93) with color_diff's matrix; all three above 0.008856.
    fx, fy, fz = (41.24 / 95.047) ** (1 / 3), 0.2126 ** (1 / 3), (1.93 / 108.883) ** (1 / 3)
    red = colors._rgb_to_lab((255, 0, 0))
    assert red == pytest.approx((116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)), abs=1e-9)
    assert red == pytest.approx((53.2408, 80.0925, 67.2032), abs=0.02)  # exact-matrix value


def test_contrast_ratio_known_values() -> None:
    assert colors._contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0, abs=1e-9)
    assert colors._contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0, abs=1e-9)
    assert colors._contrast_ratio((12.8, 99.0, 200.0), (12.8, 99.0, 200.0)) == 1.0
    assert colors._contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=5e-3)
    assert colors._contrast_ratio((255, 0, 0), (255, 255, 255)) == pytest.approx(4.0, abs=5e-3)


def test_hsl_conversions() -> None:
    assert colors._rgb_to_hsl((255, 0, 0)) == (0, 100, 50)
    assert colors._rgb_to_hsl((0, 0, 255)) == (240, 100, 50)
    assert colors._rgb_to_hsl((12.8, 12.8, 12.8)) == (0, 0, 5)
    assert colors._rgb_to_hsl((243.2, 243.2, 243.2)) == (0, 0, 95)
    assert colors._hsl_to_rgb(240, 100, 50) == (0, 0, 255)
    assert colors._hsl_to_rgb(120, 100, 25) == (0, 128, 0)  # 127.5 rounds up, as in Ruby
    assert colors._hsl_to_rgb(0, 0, 30) == (77, 77, 77)  # 76.5; Python's round() gives 76
    for colour in [(255, 0, 0), (0, 128, 0), (51, 102, 153), (200, 200, 200)]:
        assert colors._hsl_to_rgb(*colors._rgb_to_hsl(colour)) == pytest.approx(colour, abs=2)


def test_round_half_away_from_zero() -> None:
    assert [colors._round_half_away(v) for v in (2.5, 76.5, -2.5, 0.49999999999999994)] == [
        3,
        77,
        -3,
        0,
    ]


def test_lighten_or_darken() -> None:
    assert colors._lighten_or_darken((12.8, 12.8, 12.8), 35) == (102, 102, 102)
    assert colors._lighten_or_darken((12.8, 12.8, 12.8), 100) == (255, 255, 255)  # capped
    assert colors._lighten_or_darken((243.2, 243.2, 243.2), 35) == (153, 153, 153)
    assert colors._lighten_or_darken((243.2, 243.2, 243.2), 50) == (115, 115, 115)
    assert colors._lighten_or_darken((243.2, 243.2, 243.2), 100) == (0, 0, 0)  # floored


# --- properties -------------------------------------------------------------------------------


def noise_images() -> st.SearchStrategy[Pixels]:
    shapes = st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(3))
    return hnp.arrays(np.uint8, shapes)


@st.composite
def few_colour_images(draw: st.DrawFn) -> Pixels:
    """Images of 1 to 4 colours laid out at random: few bins, so empty bins in the palette."""
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    palette = draw(hnp.arrays(np.uint8, st.tuples(st.integers(1, 4), st.just(3))))
    layout = draw(hnp.arrays(np.uint8, (height, width), elements=st.integers(0, len(palette) - 1)))
    pixels: Pixels = palette[layout]
    return pixels


def check_result(pixels: Pixels) -> None:
    image = rgb(np.ascontiguousarray(pixels))
    if min(colors._thumbnail_size(*image.size)) < 4:
        with pytest.raises(ColorExtractionError):
            extract_colors(image)
        return
    result = extract_colors(image)
    assert list(result) == ["background", "foreground", "accent"]
    assert all(HEX.match(value) for value in result.values())
    edge_palette, palette = colors._palettes(colors._thumbnail(image))
    background = edge_palette[0]
    assert result["background"] == colors._hex(background)
    foreground, accent = colors._choose(background, palette)
    assert (result["foreground"], result["accent"]) == (
        colors._hex(foreground),
        colors._hex(accent),
    )
    fallbacks = [colors._lighten_or_darken(background, amount) for amount in (35, 50)]
    assert foreground in palette + fallbacks
    assert accent in palette + fallbacks
    if colors._contrast_ratio(background, foreground) < 3.0:
        # Only when no palette colour reaches 3.0: the fallback rule applied.
        assert all(colors._contrast_ratio(background, c) < 3.0 for c in palette)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(noise_images())
def test_any_rgb_image_gives_well_formed_colours(pixels: Pixels) -> None:
    check_result(pixels)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(few_colour_images())
def test_few_colour_images_give_well_formed_colours(pixels: Pixels) -> None:
    check_result(pixels)
