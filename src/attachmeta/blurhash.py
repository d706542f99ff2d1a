"""BlurHash encoding that matches the C reference bit for bit, and a vectorised decoder.

The reference encoder (woltapp's C code, wrapped by blurhash-python and used by Mastodon) sums
``basis * sRGBToLinear(pixel)`` in 32-bit floats, pixel by pixel in row-major order. That sum
is reproduced here in two ways:

* the fast path computes every factor with separable float64 matrix products and a rigorous
  bound on how far the reference's float32 result can be from it; a quantised value is taken
  from the fast path only when the whole interval ``value +- bound`` quantises to one code;
* the exact path repeats the reference's float32 arithmetic (float32 products, sequential
  float32 sums, ``cosf`` and ``powf`` from the C maths library) and settles the few values
  whose interval straddles a rounding boundary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable, Iterable
from functools import lru_cache
from types import MappingProxyType
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from attachmeta.errors import BlurhashError

__all__ = ["decode_blurhash", "encode_blurhash"]

_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_U8 = npt.NDArray[np.uint8]
_Key = tuple[int, int, int]  # (y component, x component, channel)
_ArrayT = TypeVar("_ArrayT", bound=np.ndarray)

_ALPHABET: Final = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)
_DIGITS: Final = MappingProxyType({char: index for index, char in enumerate(_ALPHABET)})

_MAX_DECODE_PIXELS: Final = 1 << 24
_MAX_DECODE_SIDE: Final = 1 << 14  # a row band holds at least one whole row: bound its length
_U: Final = 2.0**-24  # unit roundoff of float32
_FAST_PATH_MAX_PIXELS: Final = 1 << 23  # keeps n * u <= 1/2 in the summation bound
_EXP_TO_SRGB: Final = float(np.float32(1 / 2.4))  # the float the reference passes to powf
# Slack for what the interval test does not model exactly: powf's error (a couple of ulp) and
# the float32 roundings inside the quantisers, in units of the quantised scale.
_DC_MARGIN: Final = 2e-4
_MAX_MARGIN: Final = 2e-5
_AC_MARGIN: Final = 4e-5
_BAND_PIXELS: Final = 1 << 15


# --- base83 -------------------------------------------------------------------------------


def _encode83(value: int, length: int) -> str:
    """Base83 digits of ``value``, most significant first, zero-padded to ``length``."""
    digits = []
    for _ in range(length):
        value, digit = divmod(value, 83)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _decode83(text: str) -> int:
    """The integer that the base83 digits in ``text`` spell (the caller checked the alphabet)."""
    value = 0
    for char in text:
        value = value * 83 + _DIGITS[char]
    return value


# --- the C maths library --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _libm() -> tuple[Callable[[float], float], Callable[[float, float], float]] | None:
    """``cosf`` and ``powf`` from the C maths library the reference links against, if found."""
    for name in (ctypes.util.find_library("m"), "libm.so.6", None):
        try:
            library = ctypes.CDLL(name)
            cosf = library.cosf
            powf = library.powf
        except (OSError, AttributeError, TypeError):
            continue
        cosf.restype = ctypes.c_float
        cosf.argtypes = (ctypes.c_float,)
        powf.restype = ctypes.c_float
        powf.argtypes = (ctypes.c_float, ctypes.c_float)
        return cosf, powf
    return None


def _powf(base: float, exponent: float) -> float:
    """``powf(base, exponent)`` as the C library computes it (float32 arguments and result).

    Args:
        base: a float32 value.
        exponent: a float32 value.
    """
    functions = _libm()
    if functions is not None:
        return functions[1](base, exponent)
    return float(np.float32(math.pow(base, exponent)))


# --- immutable tables, cached ---------------------------------------------------------------


def _frozen(array: _ArrayT) -> _ArrayT:
    """Mark ``array`` read-only so that a cached table cannot be changed by a caller."""
    array.flags.writeable = False
    return array


@lru_cache(maxsize=1)
def _srgb_to_linear32() -> _F32:
    """The reference's ``sRGBToLinear`` for every byte value, as float32."""
    table = np.empty(256, dtype=np.float32)
    exponent = float(np.float32(2.4))
    for value in range(256):
        v = float(np.float32(value) / np.float32(255))
        if v <= 0.04045:
            table[value] = np.float32(v / 12.92)
        else:
            table[value] = _powf(float(np.float32((v + 0.055) / 1.055)), exponent)
    return _frozen(table)


@lru_cache(maxsize=1)
def _srgb_to_linear64() -> _F64:
    """The float32 table of :func:`_srgb_to_linear32` widened to float64."""
    return _frozen(_srgb_to_linear32().astype(np.float64))


@lru_cache(maxsize=512)
def _cos_arguments(size: int, component: int) -> _F32:
    """The float32 arguments ``(float)(M_PI * component * i / size)`` the reference gives cosf."""
    return _frozen(
        ((math.pi * component) * np.arange(size, dtype=np.float64) / size).astype(np.float32)
    )


@lru_cache(maxsize=512)
def _cos_reference(size: int, component: int) -> _F32:
    """``cosf`` of :func:`_cos_arguments`, from the C library when it can be loaded."""
    if component == 0:
        return _frozen(np.ones(size, dtype=np.float32))
    arguments = _cos_arguments(size, component)
    functions = _libm()
    if functions is None:
        return _frozen(np.cos(arguments.astype(np.float64)).astype(np.float32))
    cosf = functions[0]
    return _frozen(np.array([cosf(x) for x in arguments.tolist()], dtype=np.float32))


@lru_cache(maxsize=512)
def _cos_estimate(size: int, component: int) -> _F64:
    """Correctly rounded float32 cosines of :func:`_cos_arguments` (within 2 ulp of cosf)."""
    if component == 0:
        return _frozen(np.ones(size, dtype=np.float64))
    arguments = _cos_arguments(size, component).astype(np.float64)
    return _frozen(np.cos(arguments).astype(np.float32).astype(np.float64))


@lru_cache(maxsize=128)
def _cos_matrix(size: int, count: int) -> _F64:
    """Columns ``_cos_estimate(size, k)`` for ``k < count``, shape (size, count)."""
    return _frozen(np.stack([_cos_estimate(size, k) for k in range(count)], axis=1))


@lru_cache(maxsize=128)
def _row_matrix(width: int, count: int) -> _F64:
    """The x cosines plus a column ``width - x`` (weights of the in-row partial sums)."""
    columns = [_cos_estimate(width, k) for k in range(count)]
    columns.append(width - np.arange(width, dtype=np.float64))
    return _frozen(np.stack(columns, axis=1))


# --- argument handling ----------------------------------------------------------------------


def _check_components(value: object, name: str) -> int:
    """``value`` as an int in 1..9, else :class:`BlurhashError`.

    Args:
        value: the component count to check.
        name: the argument name, for the message.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise BlurhashError(f"{name} must be an integer from 1 to 9, not {value!r}")
    count = int(value)
    if not 1 <= count <= 9:
        raise BlurhashError(f"{name} must be from 1 to 9, not {count}")
    return count


def _pixels(image: Image.Image | np.ndarray) -> _U8:
    """The RGB pixels of ``image`` as a uint8 array of shape (height, width, 3).

    Args:
        image: a Pillow image of any mode, or a uint8 array (H, W), (H, W, 3) or (H, W, 4).
    """
    if isinstance(image, Image.Image):
        rgb = image
        if image.mode != "RGB":
            try:
                rgb = image.convert("RGB")
            except (ValueError, OSError) as exc:
                raise BlurhashError(f"Cannot convert a {image.mode} image to RGB") from exc
        width, height = rgb.size
        if width <= 0 or height <= 0:
            raise BlurhashError(f"Cannot encode an empty image ({width}x{height})")
        array: _U8 = np.asarray(rgb, dtype=np.uint8)
        if rgb is not image:
            rgb.close()
        return array
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise BlurhashError(
                f"Expected a uint8 array of shape (H, W), (H, W, 3) or (H, W, 4), "
                f"got dtype {image.dtype}"
            )
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        elif image.ndim == 3 and image.shape[2] in (3, 4):
            image = image[:, :, :3]
        else:
            raise BlurhashError(
                f"Expected a uint8 array of shape (H, W), (H, W, 3) or (H, W, 4), "
                f"got shape {image.shape}"
            )
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise BlurhashError(f"Cannot encode an empty image ({image.shape[1]}x{image.shape[0]})")
        return image
    raise BlurhashError(f"Expected a PIL image or a numpy array, got {type(image).__name__}")


# --- the reference's quantisers, exactly ------------------------------------------------------


def _dc_code_exact(value: np.float32) -> int:
    """The reference's ``linearTosRGB`` of a float32 DC factor.

    Args:
        value: the float32 DC factor of one channel.
    """
    v = float(min(max(value, np.float32(0)), np.float32(1)))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * _powf(v, _EXP_TO_SRGB) - 0.055) * 255 + 0.5)


def _max_code_exact(maximum: np.float32) -> int:
    """The reference's quantised maximum AC magnitude (0..82).

    Args:
        maximum: the largest float32 AC magnitude.
    """
    scaled = maximum * np.float32(166) - np.float32(0.5)
    return int(min(max(math.floor(scaled), 0), 82))


def _max_value(code: int) -> np.float32:
    """The float32 ``maximumValue`` the reference divides AC factors by.

    Args:
        code: the quantised maximum (0..82).
    """
    return (np.float32(code) + np.float32(1)) / np.float32(166)


def _ac_code_exact(value: np.float32, maximum: np.float32) -> int:
    """The reference's 0..18 code for one float32 AC factor of one channel.

    Args:
        value: the float32 AC factor.
        maximum: the float32 ``maximumValue``.
    """
    ratio = value / maximum
    root = np.float32(math.copysign(_powf(abs(float(ratio)), 0.5), float(ratio)))
    code = math.floor(root * np.float32(9) + np.float32(9.5))
    return int(min(max(code, 0), 18))


@lru_cache(maxsize=1)
def _digit_pairs() -> tuple[str, ...]:
    """Every two-digit base83 string, indexed by its value (0..6888)."""
    return tuple(_encode83(value, 2) for value in range(83 * 83))


def _assemble(x_count: int, y_count: int, max_code: int, dc: list[int], ac: list[int]) -> str:
    """The hash string from its quantised parts (AC codes already packed per component)."""
    pairs = _digit_pairs()
    dc_value = (dc[0] << 16) + (dc[1] << 8) + dc[2]
    high, low = divmod(dc_value, 83 * 83)
    parts = [
        _ALPHABET[(x_count - 1) + (y_count - 1) * 9],
        _ALPHABET[max_code],
        pairs[high],
        pairs[low],
    ]
    parts.extend(pairs[code] for code in ac)
    return "".join(parts)


def _ac_keys(x_count: int, y_count: int) -> list[tuple[int, int]]:
    """The AC components (y, x) in the reference's order (row-major, DC excluded)."""
    return [(j, i) for j in range(y_count) for i in range(x_count) if (j, i) != (0, 0)]


def _quantise_exact(factors: dict[_Key, np.float32], x_count: int, y_count: int) -> str:
    """The hash from exact float32 factors, with the reference's quantisers."""
    dc = [_dc_code_exact(factors[(0, 0, c)]) for c in range(3)]
    components = _ac_keys(x_count, y_count)
    if components:
        largest = max(abs(factors[(j, i, c)]) for j, i in components for c in range(3))
        max_code = _max_code_exact(np.float32(largest))
    else:
        max_code = 0
    maximum = _max_value(max_code) if components else np.float32(1)
    ac = [
        sum(
            _ac_code_exact(factors[(j, i, c)], maximum) * weight
            for c, weight in enumerate((361, 19, 1))
        )
        for j, i in components
    ]
    return _assemble(x_count, y_count, max_code, dc, ac)


# --- exact float32 emulation of the reference's sums ----------------------------------------


def _band_rows(width: int) -> int:
    """How many image rows to process at once so that temporaries stay cache-sized."""
    return max(1, _BAND_PIXELS // width)


def _planar_indices(block: _U8) -> npt.NDArray[np.intp]:
    """Byte values of an (h, w, 3) block as table indices, planar (3, h, w) and contiguous."""
    return block.transpose(2, 0, 1).astype(np.intp, order="C")


class _Exact:
    """Emulates the reference's float32 sums for chosen factors of one image."""

    def __init__(self, pixels: _U8) -> None:
        self.pixels = pixels
        self.height, self.width = pixels.shape[:2]
        self._linear: _F32 | None = None

    def linear(self) -> _F32:
        """The float32 linear values, planar (3, height, width), computed once."""
        if self._linear is None:
            table = _srgb_to_linear32()
            linear = np.empty((3, self.height, self.width), dtype=np.float32)
            band = _band_rows(self.width)
            for start in range(0, self.height, band):
                block = self.pixels[start : start + band]
                linear[:, start : start + band] = table.take(_planar_indices(block))
            self._linear = linear
        return self._linear

    def scale(self, component: tuple[int, int]) -> np.float32:
        """The reference's float32 ``normalisation / (width * height)``.

        Args:
            component: the (y, x) component.
        """
        normalisation = np.float32(1) if component == (0, 0) else np.float32(2)
        return normalisation / np.float32(self.height * self.width)

    def factors(self, keys: Iterable[_Key]) -> dict[_Key, np.float32]:
        """The reference's float32 factors for ``keys``, bit for bit.

        Args:
            keys: the (y component, x component, channel) triples wanted.
        """
        wanted: dict[tuple[int, int], list[int]] = {}
        for j, i, c in keys:
            channels = wanted.setdefault((j, i), [])
            if c not in channels:
                channels.append(c)
        linear = self.linear()
        result: dict[_Key, np.float32] = {}
        for (j, i), channels in wanted.items():
            scale = self.scale((j, i))
            basis = None
            if (j, i) != (0, 0):
                # float32 cosf(y) * cosf(x), exactly as the reference's basis.
                basis = np.multiply.outer(
                    _cos_reference(self.height, j), _cos_reference(self.width, i)
                )
            for c in channels:
                terms = linear[c] if basis is None else basis * linear[c]
                # cumsum is a sequential float32 accumulation: the reference's loop order.
                total = np.cumsum(terms.ravel(), dtype=np.float32)[-1]
                result[(j, i, c)] = np.float32(total * scale)
        return result


def _encode_exact(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash by float32 emulation of the reference alone (no float64 shortcut)."""
    exact = _Exact(pixels)
    keys = [(j, i, c) for j in range(y_count) for i in range(x_count) for c in range(3)]
    return _quantise_exact(exact.factors(keys), x_count, y_count)


# --- float64 fast path with a rigorous error bound ------------------------------------------


class _Estimate:
    """Float64 factors of one image and a bound on their distance to the reference's.

    Attributes:
        values: the factors, shape (3, y_count, x_count), indexed [channel, y, x].
        bounds: for each factor, a bound on |reference's float32 factor - value|.
    """

    def __init__(self, pixels: _U8, x_count: int, y_count: int) -> None:
        height, width = pixels.shape[:2]
        n = height * width
        table = _srgb_to_linear64()
        matrix = _row_matrix(width, x_count)
        rows = np.empty((3, height, x_count + 1), dtype=np.float64)
        band = _band_rows(width)
        for start in range(0, height, band):
            block = table.take(_planar_indices(pixels[start : start + band]))
            product = block.reshape(-1, width) @ matrix
            rows[:, start : start + band] = product.reshape(3, -1, x_count + 1)
        row_dots = rows[:, :, :x_count]  # D[c, y, i] = sum_x cx_i[x] * l[c, y, x]
        row_tails = rows[:, :, x_count]  # sum_x (width - x) * l[c, y, x]
        cos_y = _cos_matrix(height, y_count)  # (height, y_count)
        weighted = cos_y[None, :, :, None] * row_dots[:, :, None, :]  # (3, H, yc, xc)
        row_ends = np.cumsum(weighted, axis=1)
        sums = row_ends[:, -1]
        norms = np.full((y_count, x_count), 2.0)
        norms[0, 0] = 1.0
        scale = norms / n

        # The bound. The reference rounds each basis product and each term (2u), uses cosf
        # values within 2 ulp of the correctly rounded ones used here (10u over both factors)
        # and adds the terms in order, each addition erring by at most u times the partial
        # sum. Partial sums at (row r, column x) are R_r + cy_r * Q_r(x), with R_r the exact
        # sum of the rows before r, so their absolute values add up to at most
        # width * sum_r |R_r| + sum_r |cy_r| * sum_x (width - x) * l[r, x].
        abs_cos_y = np.abs(cos_y)
        # Sum over pixels of |basis * l| (|cx| <= 1): the scale of the products' errors.
        magnitude = np.einsum("yj,cy->cj", abs_cos_y, row_dots[:, :, 0])[:, :, None]
        before = np.abs(row_ends[:, :-1]).sum(axis=1)  # sum_r |R_r| for r = 1..H-1
        within = np.einsum("yj,cy->cj", abs_cos_y, row_tails)[:, :, None]
        partial = width * before + within
        product_error = 16 * _U * magnitude
        summation_error = _U * (partial + n * product_error) / (1 - n * _U)
        float64_error = 4 * (height + width + 2) * 2.0**-53 * (magnitude + partial)
        sum_error = (product_error + summation_error + float64_error) * (1 + 1e-6)
        # A second bound on the additions' errors, by binade: an addition in row r errs by at
        # most half an ulp of the largest value it can see there, which is at most
        # |R_r| + |cy_r| * (row sum) + sum_error. Up to twice as tight where R_r dominates.
        starts = np.abs(np.concatenate((np.zeros_like(row_ends[:, :1]), row_ends[:, :-1]), 1))
        spans = abs_cos_y[None, :, :, None] * row_dots[:, :, None, None, 0]
        _, exponents = np.frexp(starts + spans + sum_error[:, None] * (1 + 1e-6))
        half_ulps = np.ldexp(1.0, exponents - 25)  # 2^(floor(log2 M) - 24) for M > 0
        by_binade = width * half_ulps.sum(axis=1) * (1 + 1e-6)
        summation_error = np.minimum(summation_error, by_binade)
        sum_error = (product_error + summation_error + float64_error) * (1 + 1e-6)
        bound = scale * (sum_error * (1 + 4 * _U) + np.abs(sums) * 4 * _U)

        self.values: _F64 = sums * scale
        self.bounds: _F64 = bound * (1 + 1e-6) + np.abs(sums) * scale * 1e-12 + 1e-300


def _dc_scaled(value: float) -> float:
    """``linearTosRGB`` of a float64 value, before the truncation to an integer."""
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return v * 12.92 * 255 + 0.5
    return (1.055 * math.pow(v, _EXP_TO_SRGB) - 0.055) * 255 + 0.5


def _ac_scaled(values: _F64, maximum: float) -> _F64:
    """``signPow(value / maximum, 0.5) * 9 + 9.5`` in float64."""
    scaled: _F64 = np.sign(values) * np.sqrt(np.abs(values) / maximum) * 9 + 9.5
    return scaled


def _ac_components(x_count: int, y_count: int) -> tuple[list[int], list[int]]:
    """Row and column indices of the AC components in the reference's order."""
    pairs = _ac_keys(x_count, y_count)
    return [j for j, _ in pairs], [i for _, i in pairs]


def _pack_ac(codes: npt.NDArray[np.int64]) -> list[int]:
    """Per-component 0..6858 values from per-channel codes of shape (3, components)."""
    return [int(v) for v in codes[0] * 361 + codes[1] * 19 + codes[2]]


def _encode_fast_raw(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash quantised straight from the float64 estimate (no boundary detection).

    Only for tests: it shows where the float64 shortcut alone would disagree with the reference.
    """
    values = _Estimate(pixels, x_count, y_count).values
    dc = [math.floor(_dc_scaled(float(value))) for value in values[:, 0, 0]]
    rows, cols = _ac_components(x_count, y_count)
    if not rows:
        return _assemble(x_count, y_count, 0, dc, [])
    ac_values = values[:, rows, cols]
    largest = float(np.max(np.abs(ac_values)))
    max_code = int(min(max(math.floor(largest * 166 - 0.5), 0), 82))
    scaled = _ac_scaled(ac_values, float(_max_value(max_code)))
    codes = np.clip(np.floor(scaled), 0, 18).astype(np.int64)
    return _assemble(x_count, y_count, max_code, dc, _pack_ac(codes))


def _encode_fast(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash from the float64 estimate, settling near-boundary values by exact emulation."""
    height, width = pixels.shape[:2]
    if height * width > _FAST_PATH_MAX_PIXELS:
        return _encode_exact(pixels, x_count, y_count)
    estimate = _Estimate(pixels, x_count, y_count)
    values, bounds = estimate.values, estimate.bounds
    exact = _Exact(pixels)
    settled: dict[_Key, np.float32] = {}

    def settle(keys: Iterable[_Key]) -> None:
        missing = [key for key in keys if key not in settled]
        if missing:
            settled.update(exact.factors(missing))

    # DC: safe when both ends of value +- bound give the same code.
    dc_pairs = list(zip(values[:, 0, 0].tolist(), bounds[:, 0, 0].tolist(), strict=True))
    dc_low = [math.floor(_dc_scaled(v - b) - _DC_MARGIN) for v, b in dc_pairs]
    dc_high = [math.floor(_dc_scaled(v + b) + _DC_MARGIN) for v, b in dc_pairs]
    settle((0, 0, c) for c in range(3) if dc_low[c] != dc_high[c])
    dc = [
        _dc_code_exact(settled[(0, 0, c)]) if (0, 0, c) in settled else dc_low[c] for c in range(3)
    ]
    rows, cols = _ac_components(x_count, y_count)
    if not rows:
        return _assemble(x_count, y_count, 0, dc, [])

    # The largest AC magnitude lies between the largest lower end and the largest upper end.
    ac_values, ac_bounds = values[:, rows, cols], bounds[:, rows, cols]  # (3, components)
    tops = np.abs(ac_values) + ac_bounds
    lowest = float(np.max(np.abs(ac_values) - ac_bounds))
    max_low = min(max(math.floor(lowest * 166 - 0.5 - _MAX_MARGIN), 0), 82)
    max_high = min(max(math.floor(float(np.max(tops)) * 166 - 0.5 + _MAX_MARGIN), 0), 82)
    if max_low == max_high:
        max_code = max_low
    else:
        channel, index = np.nonzero(tops >= lowest)
        candidates = [(rows[k], cols[k], int(c)) for c, k in zip(channel, index, strict=True)]
        settle(candidates)
        max_code = _max_code_exact(max(abs(settled[key]) for key in candidates))
    maximum = _max_value(max_code)

    low = np.clip(np.floor(_ac_scaled(ac_values - ac_bounds, float(maximum)) - _AC_MARGIN), 0, 18)
    high = np.clip(np.floor(_ac_scaled(ac_values + ac_bounds, float(maximum)) + _AC_MARGIN), 0, 18)
    codes = low.astype(np.int64)
    channel, index = np.nonzero(low != high)
    settle((rows[k], cols[k], int(c)) for c, k in zip(channel, index, strict=True))
    for (j, i, c), value in settled.items():
        if (j, i) != (0, 0):
            codes[c, _ac_position(j, i, x_count)] = _ac_code_exact(value, maximum)
    return _assemble(x_count, y_count, max_code, dc, _pack_ac(codes))


def _ac_position(j: int, i: int, x_count: int) -> int:
    """Index of AC component (j, i) in the reference's order (the DC is position -1)."""
    return j * x_count + i - 1


def encode_blurhash(
    image: Image.Image | np.ndarray, x_components: int = 4, y_components: int = 4
) -> str:
    """The BlurHash of ``image``, identical to the C reference's (blurhash-python's ``encode``).

    Args:
        image: a Pillow image of any mode (converted with ``convert("RGB")``; not closed), or a
            uint8 array of shape (H, W, 3), (H, W, 4) (fourth channel ignored) or (H, W) grey.
        x_components: horizontal component count, 1 to 9.
        y_components: vertical component count, 1 to 9.
    """
    x_count = _check_components(x_components, "x_components")
    y_count = _check_components(y_components, "y_components")
    return _encode_fast(_pixels(image), x_count, y_count)


# --- decoding --------------------------------------------------------------------------------


def _check_size(value: object, name: str) -> int:
    """``value`` as a positive int, else :class:`BlurhashError`.

    Args:
        value: the width or height to check.
        name: the argument name, for the message.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise BlurhashError(f"{name} must be a positive integer, not {value!r}")
    size = int(value)
    if size <= 0:
        raise BlurhashError(f"{name} must be a positive integer, not {size}")
    return size


def _parse(blurhash: str) -> tuple[int, int, int, _F64]:
    """Components counts, the max code and the linear colours (y, x, 3) of a hash.

    Args:
        blurhash: the hash string to validate and unpack.
    """
    if not isinstance(blurhash, str):
        raise BlurhashError(f"A BlurHash must be a string, not {type(blurhash).__name__}")
    if len(blurhash) < 6:
        raise BlurhashError(f"A BlurHash has at least 6 characters, got {len(blurhash)}")
    bad = sorted({char for char in blurhash if char not in _DIGITS})
    if bad:
        raise BlurhashError(f"The BlurHash has characters outside base83: {''.join(bad)!r}")
    size_flag = _DIGITS[blurhash[0]]
    y_count, x_count = divmod(size_flag, 9)
    x_count += 1
    y_count += 1
    expected = 4 + 2 * x_count * y_count
    if len(blurhash) != expected:
        raise BlurhashError(
            f"A {x_count}x{y_count} BlurHash has {expected} characters, got {len(blurhash)}"
        )
    max_code = _DIGITS[blurhash[1]]
    table = _srgb_to_linear64()
    dc = _decode83(blurhash[2:6])
    if dc >= 1 << 24:
        raise BlurhashError("The BlurHash's DC value is over 24 bits")
    colours = np.empty((y_count, x_count, 3), dtype=np.float64)
    colours[0, 0] = table[[dc >> 16, (dc >> 8) & 255, dc & 255]]
    for index in range(1, x_count * y_count):
        value = _decode83(blurhash[4 + 2 * index : 6 + 2 * index])
        if value >= 19**3:
            raise BlurhashError(f"The BlurHash has an AC value out of range at {4 + 2 * index}")
        quant = np.array([value // 361, value // 19 % 19, value % 19], dtype=np.float64)
        colours[divmod(index, x_count)] = quant
    return x_count, y_count, max_code, colours


def _linear_to_bytes(linear: _F64) -> _U8:
    """``linearTosRGB`` on an array of linear values, as bytes."""
    v = np.clip(linear, 0.0, 1.0)
    low = v * (12.92 * 255) + 0.5
    high = (1.055 * np.power(v, _EXP_TO_SRGB) - 0.055) * 255 + 0.5
    return np.where(v <= 0.0031308, low, high).astype(np.uint8)


def decode_blurhash(hash: str, width: int, height: int, punch: float = 1.0) -> Image.Image:
    """Render a BlurHash as an RGB image of ``width`` x ``height`` pixels.

    Args:
        hash: the BlurHash string (validated: length, base83 alphabet).
        width: output width in pixels, a positive integer.
        height: output height in pixels, a positive integer (each side at most 2**14, and
            width * height at most 2**24).
        punch: contrast factor applied to the AC components, finite and > 0.
    """
    x_count, y_count, max_code, colours = _parse(hash)
    width = _check_size(width, "width")
    height = _check_size(height, "height")
    if width * height > _MAX_DECODE_PIXELS or max(width, height) > _MAX_DECODE_SIDE:
        raise BlurhashError(
            f"{width}x{height} is over the limit ({_MAX_DECODE_SIDE} px a side, "
            f"{_MAX_DECODE_PIXELS} pixels)"
        )
    if isinstance(punch, bool) or not isinstance(punch, int | float | np.integer | np.floating):
        raise BlurhashError(f"punch must be a number, not {punch!r}")
    punch_value = float(punch)
    if not (math.isfinite(punch_value) and punch_value > 0):
        raise BlurhashError(f"punch must be finite and greater than 0, not {punch!r}")

    maximum = (max_code + 1) / 166 * punch_value
    ac = colours.copy()
    quant = (ac - 9) / 9
    ac = np.sign(quant) * quant * quant * maximum
    ac[0, 0] = colours[0, 0]
    cos_x = np.cos(np.pi * np.outer(np.arange(width), np.arange(x_count)) / width)
    cos_y = np.cos(np.pi * np.outer(np.arange(height), np.arange(y_count)) / height)
    # (height, x_count, 3) partial products, then one row band at a time to bound memory.
    per_row = np.einsum("yj,jic->yic", cos_y, ac)
    out = np.empty((height, width, 3), dtype=np.uint8)
    band = max(1, _BAND_PIXELS // width)
    for start in range(0, height, band):
        linear = np.einsum("yic,xi->yxc", per_row[start : start + band], cos_x)
        out[start : start + band] = _linear_to_bytes(linear)
    return Image.fromarray(out)
