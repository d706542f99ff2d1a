"""Audio cover colours: Mastodon's ``meta.colors`` (background, foreground, accent).

A reimplementation of ``Paperclip::ColorExtractor`` (``lib/paperclip/color_extractor.rb`` in
mastodon/mastodon) on its libvips path, the one Mastodon uses by default since 4.4:

1. ``thumbnail_image(100)``: the picture fitted in a 100 x 100 box (enlarged when smaller),
   then ``colourspace(:srgb).extract_band(0, n: 3)``: any alpha band is dropped, not flattened.
2. ``hist_find_ndim(bins: 10)``: a 10 x 10 x 10 RGB histogram; a channel value ``v`` falls in
   bin ``int(v / 25.7)`` (libvips divides by ``(256 + 1) / bins``).
3. ``bandunfold`` and ``max(size: 10)``: the ten biggest bins, in the order libvips' top-n scan
   leaves them. Empty bins take part: an image with fewer than ten colours gets empty bins in
   its palette, and they are candidates like the others.
4. The background is the first colour of the palette of the edge strips (top and bottom
   quarters, left and right quarters); the candidates are the palette of the whole thumbnail.
5. Accent candidate: the colour farthest (CIEDE2000) from the background with contrast >= 2;
   foreground candidate: the next farthest with contrast >= 3. Missing ones are made from the
   background, 35 then 50 HSL lightness points lighter (or darker when it is light).
6. Of the (two) chosen colours the one of highest contrast is the foreground, the one of
   highest HSL saturation the accent: they can be the same colour.

Colours are bin centres ``(i + 0.5) * 256 / 10``, written as hex by truncation. Colour
difference and luminance follow the ``color_diff`` gem Mastodon calls.
"""

from __future__ import annotations

import bisect
import math
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from .errors import AttachmetaError, map_decoder_errors

__all__ = ["ColorExtractionError", "extract_colors"]

_U8 = npt.NDArray[np.uint8]
_Rgb = tuple[float, float, float]
_Lab = tuple[float, float, float]

# Paperclip::ColorExtractor constants.
THUMBNAIL_SIZE: Final = 100  # downscaled_image: thumbnail_image(100)
BINS: Final = 10  # BINS = 10, hist_find_ndim(bins: BINS)
PALETTE_SIZE: Final = 10  # histogram.max(size: 10)
EDGE_FRACTION: Final = 0.25  # block_edge_dim = (height * 0.25).floor, same for the width
MIN_CONTRAST: Final = 3.0  # MIN_CONTRAST, for the foreground candidate
ACCENT_MIN_CONTRAST: Final = 2.0  # ACCENT_MIN_CONTRAST, for the accent candidate
FALLBACK_LIGHTNESS: Final = (35, 50)  # lighten_or_darken(background, 35 + (i * 15))

# libvips hist_find_ndim: index = value / ((max_val + 1) / bins), max_val = 256 for uchar.
_BIN_SCALE: Final = (256 + 1) / BINS
_BIN_OF: Final = (np.arange(256, dtype=np.float64) / _BIN_SCALE).astype(np.intp)

# color_diff gem: sRGB companding, 4-digit sRGB -> XYZ matrix, D65 white, CIE Lab constants.
_SRGB_LINEAR_LIMIT: Final = 0.04045
_RGB_TO_XYZ: Final = (
    (0.4124, 0.3576, 0.1805),
    (0.2126, 0.7152, 0.0722),
    (0.0193, 0.1192, 0.9505),
)
_WHITE_D65: Final = (95.047, 100.000, 108.883)
_LAB_EPSILON: Final = 0.008856
_LAB_SLOPE: Final = 7.787
_POW25_7: Final = 25.0**7.0

# EXIF orientation -> the transpose that makes the stored pixels upright.
_EXIF_ORIENTATION: Final = 0x0112
_ORIENTATION_FIX: Final = MappingProxyType(
    {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }
)


class ColorExtractionError(AttachmetaError, ValueError):
    """The image cannot go through Mastodon's colour extraction.

    Its 100 px thumbnail has a side under 4 px, so an edge strip is 0 px wide and libvips'
    ``crop`` fails ("bad extract area"); Mastodon turns that into ``Paperclip::Error``.
    """


def extract_colors(image: Image.Image) -> dict[str, str]:
    """Mastodon's ``meta.colors`` of a cover picture.

    Args:
        image: any Pillow image; an EXIF orientation is applied first, as libvips' thumbnail
            does. Transparency is not flattened: alpha is dropped, and when the thumbnail is
            resampled on both axes fully transparent pixels count as black (premultiplied).

    Returns:
        ``{"background": "#rrggbb", "foreground": "#rrggbb", "accent": "#rrggbb"}``.

    Raises:
        ColorExtractionError: the thumbnail has a side under 4 px (aspect ratio over ~28:1).
        InvalidMediaError: the image's pixels cannot be decoded.
    """
    pixels = _thumbnail(image)
    background_palette, palette = _palettes(pixels)
    background = background_palette[0]
    foreground, accent = _choose(background, palette)
    return {
        "background": _hex(background),
        "foreground": _hex(foreground),
        "accent": _hex(accent),
    }


# --- thumbnail --------------------------------------------------------------------------------


def _thumbnail(image: Image.Image) -> _U8:
    """The RGB pixels of the 100 px thumbnail libvips would make, as a (h, w, 3) array.

    The size and the alpha handling follow ``vips_thumbnail``; the resampling is Pillow's
    (Lanczos after an integer box reduce, bicubic to enlarge), close to but not bit-identical
    with libvips' shrink + reduce and affine, so pixels on colour boundaries can differ.
    """
    with map_decoder_errors("image"):
        picture = _upright(_rgb_or_rgba(image))
    width, height = picture.size
    if width < 1 or height < 1:
        raise ColorExtractionError("The image has no pixels")
    hshrink, vshrink = _thumbnail_shrink(width, height)
    size = (_round_size(width / hshrink), _round_size(height / vshrink))
    if min(size) < 1 / EDGE_FRACTION:
        raise ColorExtractionError(
            f"The image is too narrow for colour extraction: its thumbnail would be "
            f"{size[0]}x{size[1]} px, under {int(1 / EDGE_FRACTION)} px on a side"
        )
    # vips_thumbnail premultiplies only when both axes are resampled.
    if picture.mode == "RGBA" and not (hshrink != 1.0 and vshrink != 1.0):
        picture = picture.convert("RGB")
    if size != picture.size:
        enlarging = size[0] >= width and size[1] >= height
        if enlarging:
            picture = picture.resize(size, Image.Resampling.BICUBIC)
        else:
            # vips_resize: integer block shrink up to a gap of 2, then Lanczos 3.
            picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    rgb = np.asarray(picture.convert("RGB"), dtype=np.uint8)
    return rgb


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    """``image`` as 8-bit RGB or RGBA, as ``colourspace(:srgb)`` would see its bands.

    Grey is replicated, palettes are expanded (with alpha when they have transparency),
    16-bit grey keeps its high byte, CMYK and other modes use Pillow's plain conversion. No
    ICC transform: libvips' thumbnail converts profiles only when given an output profile.
    """
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        return image
    if mode in ("LA", "La", "RGBa", "PA"):
        return image.convert("RGBA")
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode.startswith("I;16"):
        grey = np.asarray(image).astype(np.uint16) >> 8
        return Image.fromarray(grey.astype(np.uint8), "L").convert("RGB")
    if mode in ("I", "F"):
        grey = np.clip(np.asarray(image, dtype=np.float64), 0, 255)
        return Image.fromarray(grey.astype(np.uint8), "L").convert("RGB")
    return image.convert("RGB")


def _upright(image: Image.Image) -> Image.Image:
    """``image`` turned by its EXIF orientation (libvips' thumbnail auto-rotates)."""
    try:
        orientation = int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return image
    step = _ORIENTATION_FIX.get(orientation)
    return image if step is None else image.transpose(step)


def _thumbnail_shrink(width: int, height: int) -> tuple[float, float]:
    """Horizontal and vertical shrink factors of ``thumbnail_image(100)`` (no crop).

    The target box is 100 x 100 (height defaults to width); the larger factor wins on both
    axes, up or down (size "both"), and an axis is never shrunk below one pixel.
    """
    hshrink = width / THUMBNAIL_SIZE
    vshrink = height / THUMBNAIL_SIZE
    if hshrink < vshrink:
        hshrink = vshrink
    else:
        vshrink = hshrink
    return min(hshrink, float(width)), min(vshrink, float(height))


def _round_size(value: float) -> int:
    """An output side as libvips rounds it (to nearest, halves up), at least 1."""
    return max(1, math.floor(value + 0.5))


def _thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) of the thumbnail of a ``width`` x ``height`` image."""
    hshrink, vshrink = _thumbnail_shrink(width, height)
    return _round_size(width / hshrink), _round_size(height / vshrink)


# --- palettes ---------------------------------------------------------------------------------


def _edge_pixels(pixels: _U8) -> _U8:
    """The pixels of ``palettes_from_libvips``' edge image, as an (n, 3) array.

    Top and bottom strips of ``floor(h / 4)`` rows over the full width, plus left and right
    strips of ``floor(w / 4)`` columns from row ``floor(h / 4)``. ``join`` (expand off) cuts
    the side strips to the height of the stacked top and bottom strips, ``2 * floor(h / 4)``
    rows, so up to 3 rows just above the bottom strip are left out.
    """
    height, width = pixels.shape[:2]
    block = math.floor(height * EDGE_FRACTION)
    line = math.floor(width * EDGE_FRACTION)
    rows = min(2 * block, height - 2 * block)
    parts = (
        pixels[:block],
        pixels[height - block :],
        pixels[block : block + rows, :line],
        pixels[block : block + rows, width - line :],
    )
    return np.concatenate([part.reshape(-1, 3) for part in parts])


def _histogram(pixels: _U8) -> npt.NDArray[np.intp]:
    """``hist_find_ndim(bins: 10)`` then ``bandunfold``, read in raster order.

    Entry ``g * 100 + r * 10 + b`` counts the pixels in bin (r, g, b): the unfolded image has
    the count of (r, g, b) at x = r * 10 + b, y = g.
    """
    flat = pixels.reshape(-1, 3)
    r = _BIN_OF[flat[:, 0]]
    g = _BIN_OF[flat[:, 1]]
    b = _BIN_OF[flat[:, 2]]
    return np.bincount(g * BINS * BINS + r * BINS + b, minlength=BINS**3)


def _top_bins(counts: npt.NDArray[np.intp]) -> list[int]:
    """Raster positions of ``vips_max(size: 10)``, biggest first (Mastodon reverses them).

    libvips keeps a list sorted by (value, y, x), filled with the first ten pixels whatever
    their value; after that a pixel enters only when it is strictly greater than the list's
    smallest value, which it then pushes out. The 100 x 10 unfolded histogram is one tile,
    scanned by one thread in raster order.
    """
    kept: list[tuple[int, int]] = []
    for position in range(min(PALETTE_SIZE, counts.size)):
        bisect.insort(kept, (int(counts[position]), position))
    # Later pixels must beat a kept value (>= 0), so only non-empty bins can enter.
    for later in (np.flatnonzero(counts[PALETTE_SIZE:]) + PALETTE_SIZE).tolist():
        value = int(counts[later])
        if value > kept[0][0]:
            bisect.insort(kept, (value, later))
            del kept[0]
    return [position for _, position in reversed(kept)]


def _bin_colour(position: int) -> _Rgb:
    """The colour ``rgb_from_hist_xy`` gives a histogram position: the bins' nominal centres."""
    x, y = position % (BINS * BINS), position // (BINS * BINS)
    r = ((x // BINS) + 0.5) * 256 / BINS
    g = (y + 0.5) * 256 / BINS
    b = ((x % BINS) + 0.5) * 256 / BINS
    return (r, g, b)


def _palette(pixels: _U8) -> list[_Rgb]:
    """``palette_from_image``: the colours of the ten biggest bins of (n, 3) pixels."""
    return [_bin_colour(position) for position in _top_bins(_histogram(pixels))]


def _palettes(pixels: _U8) -> tuple[list[_Rgb], list[_Rgb]]:
    """The edge palette (for the background) and the whole thumbnail's palette."""
    return _palette(_edge_pixels(pixels)), _palette(pixels.reshape(-1, 3))


# --- choice -----------------------------------------------------------------------------------


def _choose(background: _Rgb, palette: list[_Rgb]) -> tuple[_Rgb, _Rgb]:
    """The (foreground, accent) pair ``make`` picks from ``palette`` against ``background``.

    Two passes take the colour farthest from the background (strictly greater CIEDE2000, so
    the first of equals) with contrast >= 2, then with contrast >= 3 among the others; what is
    missing comes from ``_lighten_or_darken``. Ties in the final ``max_by`` keep the first.
    """
    reference = _rgb_to_lab(background)
    picked: list[int] = []
    for threshold in (ACCENT_MIN_CONTRAST, MIN_CONTRAST):
        best: int | None = None
        best_distance = 0.0
        for index, colour in enumerate(palette):
            if index in picked:
                continue
            distance = _ciede2000(reference, _rgb_to_lab(colour))
            if distance > best_distance and _contrast_ratio(background, colour) >= threshold:
                best, best_distance = index, distance
        if best is not None:
            picked.append(best)
    chosen = [palette[index] for index in picked]
    for amount in FALLBACK_LIGHTNESS[: 2 - len(chosen)]:
        chosen.append(_lighten_or_darken(background, amount))
    foreground = max(chosen, key=lambda colour: _contrast_ratio(background, colour))
    accent = max(chosen, key=lambda colour: _rgb_to_hsl(colour)[1])
    return foreground, accent


def _hex(colour: _Rgb) -> str:
    """``format('#%02x%02x%02x', r, g, b)``: Ruby truncates a Float argument to an integer."""
    r, g, b = (int(channel) for channel in colour)
    return f"#{r:02x}{g:02x}{b:02x}"


# --- colour science (color_diff gem, Mastodon's helpers) ------------------------------------


def _rgb_to_xyz(rgb: _Rgb) -> tuple[float, float, float]:
    """CIE XYZ (Y of white = 100) of an sRGB colour with 0-255 channels, as ``color_diff``.

    Channels are linearised with the sRGB curve (threshold 0.04045), scaled by 100, and
    multiplied by the 4-digit sRGB/D65 matrix.
    """
    linear = []
    for channel in rgb:
        c = channel / 255.0
        c = ((c + 0.055) / 1.055) ** 2.4 if c > _SRGB_LINEAR_LIMIT else c / 12.92
        linear.append(c * 100)
    r, g, b = linear
    x, y, z = (row[0] * r + row[1] * g + row[2] * b for row in _RGB_TO_XYZ)
    return (x, y, z)


def _rgb_to_lab(rgb: _Rgb) -> _Lab:
    """CIE L*a*b* of an sRGB colour, D65 white (95.047, 100, 108.883), as ``color_diff``.

    The cube-root branch starts above 0.008856; below it the line ``7.787 t + 16 / 116``.
    """
    f = []
    for value, white in zip(_rgb_to_xyz(rgb), _WHITE_D65, strict=True):
        t = value / white
        f.append(t ** (1 / 3.0) if t > _LAB_EPSILON else (t * _LAB_SLOPE) + (16 / 116.0))
    fx, fy, fz = f
    return ((116 * fy) - 16, 500 * (fx - fy), 200 * (fy - fz))


def _hue_angle(b: float, a: float) -> float:
    """The hue angle atan2(b, a) in degrees, in [0, 360)."""
    angle = math.degrees(math.atan2(b, a))
    return angle + 360 if angle < 0 else angle


def _ciede2000(lab1: _Lab, lab2: _Lab) -> float:
    """CIEDE2000 colour difference with kL = kC = kH = 1 (Sharma, Wu and Dalal, 2005)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c1, c2 = math.sqrt(a1**2 + b1**2), math.sqrt(a2**2 + b2**2)
    mean_chroma = (c1 + c2) / 2.0
    g = 0.5 * (1 - math.sqrt(mean_chroma**7.0 / (mean_chroma**7.0 + _POW25_7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = math.sqrt(a1p**2 + b1**2), math.sqrt(a2p**2 + b2**2)
    h1p, h2p = _hue_angle(b1, a1p), _hue_angle(b2, a2p)

    achromatic = c1 * c2 == 0  # as color_diff tests it; the same as c1p * c2p == 0
    hue_step = h2p - h1p
    if achromatic:
        hue_step = 0.0
    elif hue_step > 180:
        hue_step -= 360
    elif hue_step < -180:
        hue_step += 360
    delta_l = l2 - l1
    delta_c = c2p - c1p
    delta_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(hue_step) / 2.0)

    mean_l = (l1 + l2) / 2.0
    mean_cp = (c1p + c2p) / 2.0
    hue_sum = h1p + h2p
    if achromatic:
        mean_h = hue_sum
    elif abs(h1p - h2p) <= 180:
        mean_h = hue_sum / 2.0
    elif hue_sum < 360:
        mean_h = (hue_sum + 360) / 2.0
    else:
        mean_h = (hue_sum - 360) / 2.0

    t = (
        1
        - 0.17 * math.cos(math.radians(mean_h - 30))
        + 0.24 * math.cos(math.radians(2 * mean_h))
        + 0.32 * math.cos(math.radians(3 * mean_h + 6))
        - 0.20 * math.cos(math.radians(4 * mean_h - 63))
    )
    rotation_angle = 30 * math.exp(-(((mean_h - 275) / 25) ** 2))
    rc = 2 * math.sqrt(mean_cp**7.0 / (mean_cp**7.0 + _POW25_7))
    sl = 1 + (0.015 * (mean_l - 50) ** 2) / math.sqrt(20 + (mean_l - 50) ** 2)
    sc = 1 + 0.045 * mean_cp
    sh = 1 + 0.015 * mean_cp * t
    rt = -rc * math.sin(math.radians(2 * rotation_angle))
    dl, dc, dh = delta_l / sl, delta_c / sc, delta_h / sh
    return math.sqrt(dl**2 + dc**2 + dh**2 + rt * dc * dh)


def _contrast_ratio(rgb1: _Rgb, rgb2: _Rgb) -> float:
    """W3C contrast ratio (L1 + 0.05) / (L2 + 0.05), L the relative luminance Y / 100."""
    lum1 = _rgb_to_xyz(rgb1)[1] * 0.01 + 0.05
    lum2 = _rgb_to_xyz(rgb2)[1] * 0.01 + 0.05
    return lum1 / lum2 if lum1 > lum2 else lum2 / lum1


def _round_half_away(value: float) -> int:
    """Ruby's ``Float#round``: to nearest, halves away from zero (Python rounds to even)."""
    magnitude = abs(value)
    whole = math.floor(magnitude)
    rounded = whole + 1 if magnitude - whole >= 0.5 else whole
    return int(math.copysign(rounded, value))


def _rgb_to_hsl(rgb: _Rgb) -> tuple[int, int, int]:
    """Mastodon's ``rgb_to_hsl``: (hue degrees, saturation %, lightness %), rounded.

    Saturation uses ``d / (2 - max - min)`` from lightness 0.5 up (inclusive).
    """
    r, g, b = (channel / 255.0 for channel in rgb)
    high, low = max(r, g, b), min(r, g, b)
    lightness = (high + low) / 2.0
    hue = saturation = 0.0
    if high != low:
        d = high - low
        saturation = d / (2.0 - high - low) if lightness >= 0.5 else d / (high + low)
        if high == r:
            hue = (g - b) / d + (6.0 if g < b else 0.0)
        elif high == g:
            hue = (b - r) / d + 2.0
        else:
            hue = (r - g) / d + 4.0
        hue /= 6.0
    return (
        _round_half_away(hue * 360),
        _round_half_away(saturation * 100),
        _round_half_away(lightness * 100),
    )


def _hue_to_rgb(p: float, q: float, t: float) -> float:
    """One channel of an HSL colour, ``t`` the hue shifted for that channel (in turns)."""
    if t < 0:
        t += 1
    if t > 1:
        t -= 1
    if t < 1 / 6.0:
        return p + (q - p) * 6 * t
    if t < 1 / 2.0:
        return q
    if t < 2 / 3.0:
        return p + (q - p) * ((2 / 3.0) - t) * 6
    return p


def _hsl_to_rgb(hue: int, saturation: int, lightness: int) -> tuple[int, int, int]:
    """Mastodon's ``hsl_to_rgb``: degrees and percents to 0-255 channels, halves rounded up."""
    h, s, lum = hue / 360.0, saturation / 100.0, lightness / 100.0
    if s == 0:
        channels = (lum, lum, lum)
    else:
        q = lum * (s + 1) if lum < 0.5 else lum + s - lum * s
        p = 2 * lum - q
        channels = (
            _hue_to_rgb(p, q, h + 1 / 3.0),
            _hue_to_rgb(p, q, h),
            _hue_to_rgb(p, q, h - 1 / 3.0),
        )
    r, g, b = (_round_half_away(channel * 255) for channel in channels)
    return (r, g, b)


def _lighten_or_darken(rgb: _Rgb, amount: int) -> _Rgb:
    """Mastodon's ``lighten_or_darken``: HSL lightness moved ``amount`` points away from 50.

    The rounded lightness goes up (capped at 100) when under 50, down (floored at 0) otherwise.
    """
    hue, saturation, lightness = _rgb_to_hsl(rgb)
    moved = min(100, lightness + amount) if lightness < 50 else max(0, lightness - amount)
    r, g, b = _hsl_to_rgb(hue, saturation, moved)
    return (float(r), float(g), float(b))
