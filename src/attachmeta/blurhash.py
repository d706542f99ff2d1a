"""BlurHash encoding that matches the C reference bit for bit, and a vectorised decoder.

The reference encoder (woltapp's C code, wrapped by blurhash-python and used by Mastodon) sums
``basis * sRGBToLinear(pixel)`` in 32-bit floats, pixel by pixel in row-major order. That sum
is reproduced here in stages, each taken only for the values the one before leaves uncertain:

* the fast path computes every factor with separable float64 matrix products and a rigorous
  bound on how far the reference's float32 result can be from it; a quantised value is taken
  from the fast path only when the whole interval ``value +- bound`` quantises to one code
  (compared with cached code thresholds). Small images (a preview fitted into 100x100) take a
  few large matrix products instead of many small NumPy calls: at that size the calls cost
  more than the arithmetic;
* on larger images, a by-binade bound, then for factors with x component 0 an interval built
  from the reference's own rounding errors row by row (far tighter), narrow the interval;
* the exact path repeats the reference's float32 arithmetic (float32 products, sequential
  float32 sums, ``cosf`` and ``powf`` from the C maths library) and settles the few values
  still uncertain.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from types import MappingProxyType
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image, _imaging

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
# Images up to this size take the few-call path of _small_ends (its largest cached matrix has
# (y_count + 1) * height rows and height columns).
_SMALL_MAX_ROWS: Final = 520
_SMALL_MAX_PIXELS: Final = 1 << 14


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
def _row_matrix(width: int, x_count: int) -> _F64:
    """(width, 1 + x_count): a column ``width - x`` (the weights of the in-row partial sums),
    then the x cosines."""
    columns = [width - np.arange(width, dtype=np.float64)]
    columns += [_cos_estimate(width, k) for k in range(x_count)]
    return _frozen(np.stack(columns, axis=1))


@lru_cache(maxsize=128)
def _cos_matrix(size: int, count: int) -> _F64:
    """Columns ``_cos_estimate(size, k)`` for ``k < count``, shape (size, count)."""
    return _frozen(np.stack([_cos_estimate(size, k) for k in range(count)], axis=1))


# --- argument handling ----------------------------------------------------------------------


def _check_components(value: object, name: str) -> int:
    """``value`` as an int in 1..9, else :class:`BlurhashError`.

    Args:
        value: the component count to check.
        name: the argument name, for the message.
    """
    if type(value) is int and 0 < value < 10:
        return value
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise BlurhashError(f"{name} must be an integer from 1 to 9, not {value!r}")
    count = int(value)
    if not 1 <= count <= 9:
        raise BlurhashError(f"{name} must be from 1 to 9, not {count}")
    return count


def _rgb_bytes(image: Image.Image) -> _U8:
    """The pixels of a loaded RGB Pillow image, row-planar: shape (height, 3, width).

    Pillow's raw encoder with rawmode ``RGB;L`` writes each row as its R bytes, then its G
    bytes, then its B bytes. Called directly it costs a fraction of ``np.asarray(image)``
    (whose ``tobytes`` goes through the same encoder with more Python around it); if this
    Pillow lacks it, the pixels come from ``np.asarray`` instead.
    """
    width, height = image.size
    try:
        encoder = _imaging.raw_encoder("RGB", "RGB;L")
        encoder.setimage(image.im, (0, 0, width, height))
        # One call with room for every row: status 1 says it wrote them all.
        _, status, data = encoder.encode(3 * width * height + 65536)
        if status != 1:
            raise ValueError(f"raw encoder status {status}")
        planar: _U8 = np.frombuffer(data, dtype=np.uint8).reshape(height, 3, width)
    except (AttributeError, TypeError, ValueError, OSError):
        planar = np.asarray(image, dtype=np.uint8).transpose(0, 2, 1)
    return planar


def _pixels(image: Image.Image | np.ndarray) -> _U8:
    """The RGB pixels of ``image`` as a uint8 array of shape (height, 3, width): row-planar.

    The result may be a read-only or non-contiguous view.

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
        if type(rgb) is not Image.Image:
            rgb.load()  # an image file's pixels may not be decoded yet
        array = _rgb_bytes(rgb)
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
        return _row_planar(image)
    raise BlurhashError(f"Expected a PIL image or a numpy array, got {type(image).__name__}")


def _row_planar(pixels: _U8) -> _U8:
    """An (H, W, 3) array as an (H, 3, W) view."""
    return pixels.transpose(0, 2, 1)


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


class _Exact:
    """Emulates the reference's float32 sums for chosen factors of one image.

    Args:
        pixels: the image, row-planar (height, 3, width).
    """

    def __init__(self, pixels: _U8) -> None:
        self.pixels = pixels
        self.height, self.width = pixels.shape[0], pixels.shape[2]
        self._planes: dict[int, _F32] = {}

    def plane(self, channel: int) -> _F32:
        """The float32 linear values of one channel, (height, width), computed once."""
        plane = self._planes.get(channel)
        if plane is None:
            plane = _srgb_to_linear32().take(self.pixels[:, channel, :])
            self._planes[channel] = plane
        return plane

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
        result: dict[_Key, np.float32] = {}
        for (j, i), channels in wanted.items():
            scale = self.scale((j, i))
            # The reference's basis, float32 cosf(x) * cosf(y); cosf(0) is exactly 1, so a
            # component with i = 0 or j = 0 has the other cosine alone as its basis.
            cos_y = _cos_reference(self.height, j)[:, None]
            cos_x = _cos_reference(self.width, i)[None, :]
            basis = cos_y if i == 0 else cos_x if j == 0 else cos_y * cos_x
            for c in channels:
                terms = self.plane(c) if (j, i) == (0, 0) else basis * self.plane(c)
                # cumsum is a sequential float32 accumulation: the reference's loop order.
                total = np.cumsum(terms.ravel(), dtype=np.float32)[-1]
                result[(j, i, c)] = np.float32(total * scale)
        return result


def _encode_exact(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash by float32 emulation of the reference alone (no float64 shortcut).

    Args:
        pixels: the image, (height, width, 3).
        x_count: horizontal component count.
        y_count: vertical component count.
    """
    return _encode_exact_planar(_row_planar(pixels), x_count, y_count)


def _encode_exact_planar(pixels: _U8, x_count: int, y_count: int) -> str:
    """:func:`_encode_exact` of a row-planar (height, 3, width) image."""
    exact = _Exact(pixels)
    keys = [(j, i, c) for j in range(y_count) for i in range(x_count) for c in range(3)]
    return _quantise_exact(exact.factors(keys), x_count, y_count)


# --- float64 fast path with a rigorous error bound ------------------------------------------

_WIDEN: Final = 1 + 1e-6  # slack for the float64 roundings made while computing the bounds


class _Plan:
    """What the estimate needs that depends only on the image size and the component counts.

    Attributes:
        row_matrix: (width, 1 + x_count): a column ``width - x`` (the weights of the in-row
            partial sums), then the x cosines.
        cos_y: the y cosines, shaped (height, 1, y_count, 1) to broadcast over the row dots.
        abs_cos_y_t: ``|cos_y|`` transposed, (y_count, height).
        weights: ``[beta, alpha]``: the error bound before scaling is
            ``alpha * magnitude + beta * (width * before + within)`` (see :class:`_Estimate`).
        scale: the reference's ``normalisation / (width * height)`` per (y, x) component.
        final_scale: ``scale * (1 + 4u) * widen``, applied to the sum's widened error bound.
        bound_scale: ``final_scale * widen``, applied to the sum's error bound.
        value_scale: ``scale * (4u * widen + 1e-12)``, applied to ``|sum|``.
    """

    def __init__(self, height: int, width: int, x_count: int, y_count: int) -> None:
        n = height * width
        self.height, self.width, self.n = height, width, n
        self.band = _band_rows(width)
        self.row_matrix = _row_matrix(width, x_count)
        cos_y = _cos_matrix(height, y_count)
        self.cos_y: _F64 = cos_y[:, None, :, None]
        self.abs_cos_y: _F64 = _frozen(np.abs(cos_y))
        self.abs_cos_y_t: _F64 = _frozen(np.ascontiguousarray(self.abs_cos_y.T))
        self.float64_rate = 4 * (height + width + 2) * 2.0**-53
        self.sum_rate = _U / (1 - n * _U)
        alpha = 16 * _U + self.sum_rate * n * 16 * _U + self.float64_rate
        beta = self.sum_rate + self.float64_rate
        self.weights: _F64 = _frozen(np.array([beta, alpha]))
        self.beta_width = beta * width
        norms = np.full((y_count, x_count), 2.0)
        norms[0, 0] = 1.0
        self.scale: _F64 = _frozen(norms / n)
        self.final_scale: _F64 = _frozen(self.scale * (1 + 4 * _U) * _WIDEN)
        self.bound_scale: _F64 = _frozen(self.final_scale * _WIDEN)
        self.value_scale: _F64 = _frozen(self.scale * (4 * _U * _WIDEN + 1e-12))


@lru_cache(maxsize=64)
def _plan(height: int, width: int, x_count: int, y_count: int) -> _Plan:
    """The cached :class:`_Plan` of one image size and component counts."""
    return _Plan(height, width, x_count, y_count)


def _row_products(pixels: _U8, matrix: _F64, band: int) -> _F64:
    """``linear @ matrix`` for every row and channel, shape (height, 3, columns), in float64.

    The byte values (row-planar, (height, 3, width)) are looked up in the float64 copy of the
    reference's float32 table, so the linear values are exactly the reference's.
    """
    height, width = pixels.shape[0], pixels.shape[2]
    table = _srgb_to_linear64()
    columns = matrix.shape[1]
    if height <= band:
        product: _F64 = (table.take(pixels).reshape(-1, width) @ matrix).reshape(height, 3, -1)
        return product
    rows = np.empty((height, 3, columns), dtype=np.float64)
    for start in range(0, height, band):
        block = pixels[start : start + band]
        linear = table.take(block.astype(np.intp))
        rows[start : start + band] = (linear.reshape(-1, width) @ matrix).reshape(-1, 3, columns)
    return rows


class _Estimate:
    """Float64 factors of one image and a bound on their distance to the reference's.

    The estimate uses correctly rounded float32 cosines (``cosf`` is within 2 ulp of them) and
    the reference's exact linear values, with separable float64 products: row dots
    ``D[c, y, i] = sum_x cx_i[x] * l[c, y, x]``, then ``sum_y cy_j[y] * D[c, y, i]``.

    The bound. The reference rounds each basis product and each term (2u), uses cosf values
    within 2 ulp of the correctly rounded ones used here (10u over both factors) and adds the
    terms in order, each addition erring by at most u times the partial sum. Partial sums at
    (row r, column x) are ``R_r + cy_r * Q_r(x)``, with ``R_r`` the exact sum of the rows
    before r, so their absolute values add up to at most ``partial = width * before + within``
    with ``before = sum_r |R_r|`` and ``within = sum_r |cy_r| * sum_x (width - x) * l[r, x]``.
    With ``magnitude = sum_r |cy_r| * sum_x l[r, x]`` (a bound on the sum of ``|basis * l|``):

    * product error ``pe = 16u * magnitude``;
    * summation error ``se = u * (partial + n * pe) / (1 - n u)``;
    * float64 error of this estimate ``fe = 4 (height + width + 2) 2^-53 (magnitude + partial)``;

    so ``pe + se + fe = alpha * magnitude + beta * partial`` with the constants of
    :class:`_Plan`. The final float32 ``sum * scale`` adds ``4u`` relative error (the scale's
    rounding and the product's). Every bound is widened by ``1 + 1e-6`` (twice) and by
    ``1e-12 |value| + 1e-300`` for the float64 roundings made in computing it; all its terms
    are non-negative, so those roundings are relative and far below that slack.

    :meth:`refine` gives a second bound on the additions' errors, by binade, for chosen values
    only (it costs more and is needed only near a rounding boundary).

    Attributes:
        values: the factors, shape (3, y_count, x_count), indexed [channel, y, x].
        bounds: for each factor, a bound on |reference's float32 factor - value|.
    """

    def __init__(self, pixels: _U8, x_count: int, y_count: int) -> None:
        height, width = pixels.shape[0], pixels.shape[2]
        plan = _plan(height, width, x_count, y_count)
        rows = _row_products(pixels, plan.row_matrix, plan.band)  # (H, 3, 1 + x_count)
        # R_r: running sums over rows of cy_j[y] * D[c, y, i], shape (H, 3, y_count, x_count)
        ends = rows[:, :, None, 1:] * plan.cos_y
        np.cumsum(ends, axis=0, out=ends)
        sums = ends[-1]
        before = np.abs(ends[:-1]).sum(axis=0)  # sum_r |R_r| for r = 1..H-1
        # (3, y_count, 2): within and magnitude, as |cy_j| contracted with the row columns
        # sum_x (width - x) * l and sum_x l (cx_0 is exactly 1).
        tails = np.einsum("yj,yck->cjk", plan.abs_cos_y, rows[:, :, :2])
        error = (tails @ plan.weights)[:, :, None] + plan.beta_width * before
        abs_sums = np.abs(sums)
        self.values: _F64 = sums * plan.scale
        self.bounds: _F64 = plan.bound_scale * error + plan.value_scale * abs_sums + 1e-300
        self._plan = plan
        self._rows = rows
        self._ends = ends
        self._tails = tails
        self._before = before
        self._abs_sums = abs_sums
        self.sum_errors: dict[_Key, float] = {}

    def refine(self, keys: list[_Key], bounds: _F64) -> None:
        """Tighten ``bounds[c, j, i]`` of ``keys`` with the by-binade bound.

        An addition in row r errs by at most half an ulp of the largest value it can see there,
        which is at most ``|R_r| + |cy_r| * (row sum) + sum_error``: up to twice as tight as the
        first bound where ``R_r`` dominates. The smaller of the two summation bounds is used.
        The bounds on the sums (before scaling) are kept for :meth:`tighten`.

        Args:
            keys: (y component, x component, channel) triples.
            bounds: the bounds to update, shaped like :attr:`bounds`.
        """
        plan = self._plan
        width, n = plan.width, plan.n
        js = np.array([j for j, _, _ in keys])
        xs = np.array([i for _, i, _ in keys])
        cs = np.array([c for _, _, c in keys])
        within = self._tails[cs, js, 0]
        magnitude = self._tails[cs, js, 1]
        partial = width * self._before[cs, js, xs] + within
        product_error = 16 * _U * magnitude
        summation_error = plan.sum_rate * (partial + n * product_error)
        float64_error = plan.float64_rate * (magnitude + partial)
        sum_error = (product_error + summation_error + float64_error) * _WIDEN
        starts = np.zeros((len(keys), plan.height))
        starts[:, 1:] = np.abs(self._ends[:-1, cs, js, xs]).T
        spans = (plan.abs_cos_y[:, js] * self._rows[:, cs, 1]).T
        _, exponents = np.frexp(starts + spans + (sum_error * _WIDEN)[:, None])
        half_ulps = np.ldexp(1.0, exponents - 25)  # 2^(floor(log2 M) - 24) for M > 0
        by_binade = width * half_ulps.sum(axis=1) * _WIDEN
        summation_error = np.minimum(summation_error, by_binade)
        sum_error = (product_error + summation_error + float64_error) * _WIDEN
        bounds[cs, js, xs] = (
            plan.final_scale[js, xs] * sum_error
            + plan.value_scale[js, xs] * self._abs_sums[cs, js, xs]
            + 1e-300
        )
        self.sum_errors.update(zip(keys, sum_error.tolist(), strict=True))

    def tighten(self, pixels: _U8, keys: list[_Key], values: _F64, bounds: _F64) -> None:
        """Replace ``values`` and ``bounds`` of ``keys`` (all with x component 0, refined) by an
        interval from the reference's own rounding errors, far tighter on large images.

        With x component 0 the reference's basis is ``cosf(y)`` alone (``cosf(0)`` is 1), so
        the terms of row y are ``t = float32(cy_y * l[v])``, one per byte value v: a table of
        (height, 256), weighted by each row's byte counts. The reference's running sum at the
        start of row y is within ``sum_error`` (of :meth:`refine`) of ``R_y``; within the row
        it moves by at most ``A = sum |t| <= |cy_y| * (row sum) * (1 + 2^-22)`` plus the
        roundings, each at most ``u`` of a value below
        ``M = (|R_y| + sum_error + A) / (1 - width u)``.

        * If that whole range lies in one binade ``[2^e, 2^(e+1))`` (one sign), every partial
          sum of the row is a multiple of ``q = 2^(e - 23)`` and each addition rounds to that
          grid: it adds exactly ``q * round(t / q)``, unless ``t / q`` is a tie, where it adds
          that or ``q`` less or more. The row adds ``q * sum(round(t / q))``, give or take
          ``q`` per tie.
        * Otherwise the row adds ``sum t = cy_y * (row sum)`` give or take ``2^-22 A`` (the
          terms' roundings and float64's) and ``width`` half-ulps of ``M`` (the additions').

        The sum is the total of the rows; its float64 roundings are added to the interval,
        and the factor's bound follows from it as in :class:`_Estimate`.

        Args:
            pixels: the image, row-planar (height, 3, width).
            keys: (y component, 0, channel) triples, already passed to :meth:`refine`.
            values: the values to update, shaped like :attr:`values`.
            bounds: the bounds to update, shaped like :attr:`bounds`.
        """
        plan = self._plan
        height, width = plan.height, plan.width
        offsets = 256 * np.arange(height, dtype=np.intp)[:, None]
        counts: dict[int, _F64] = {}
        linear = _srgb_to_linear32()
        for key in keys:
            j, i, c = key
            count = counts.get(c)
            if count is None:
                index = np.add(pixels[:, c, :], offsets, dtype=np.intp)
                histogram = np.bincount(index.ravel(), minlength=256 * height)
                count = histogram.reshape(height, 256).astype(np.float64)
                counts[c] = count
            cos_y = _cos_reference(height, j)
            cos_y64 = cos_y.astype(np.float64)
            row_sums = self._rows[:, c, 1]  # float64 sums of the row's exact linear values
            spans = np.abs(cos_y64) * row_sums * (1 + 2.0**-22)
            starts = np.zeros(height)
            starts[1:] = np.abs(self._ends[:-1, c, j, i])
            slack = self.sum_errors[key]
            largest = (starts + slack + spans) / (1 - width * _U)
            reach = slack + spans + width * _U * largest
            _, low_exponents = np.frexp(starts - reach)
            _, exponents = np.frexp(starts + reach)
            safe = (starts - reach > 2.0**-100) & (low_exponents == exponents)
            grid = np.where(safe, np.ldexp(1.0, exponents - 24), 1.0)  # 2^(e - 23), e the binade
            # The reference's float32 terms divided by the grid (a power of two at least
            # 2^-123, the quotients below 2^24 in safe rows), their roundings to integers, the
            # tie test and the float64 integer sums are all exact.
            scaled = cos_y[:, None] * linear[None, :]
            scaled *= (1 / grid).astype(np.float32)[:, None]
            rounded = np.rint(scaled)
            scaled -= rounded
            np.abs(scaled, out=scaled)
            tied = scaled == 0.5
            ties = np.einsum("yv,yv->y", count, tied) if tied.any() else np.zeros(height)
            whole = np.einsum("yv,yv->y", count, rounded.astype(np.float64))
            _, top_exponents = np.frexp(largest)
            half_ulps = np.maximum(np.ldexp(1.0, top_exponents - 25), 2.0**-149)
            adds = np.where(safe, grid * whole, cos_y64 * row_sums)
            radii = np.where(safe, grid * ties, width * half_ulps + spans * 2.0**-22)
            total = float(adds.sum())
            radius = float(radii.sum()) + (height + 1) * 2.0**-52 * float(np.abs(adds).sum())
            values[c, j, i] = total * plan.scale[j, i]
            bounds[c, j, i] = (
                plan.final_scale[j, i] * radius * _WIDEN
                + plan.value_scale[j, i] * abs(total)
                + 1e-300
            )


@lru_cache(maxsize=32)
def _running_left(height: int, y_count: int) -> _F64:
    """(y_count * height + y_count, height): for each j the rows ``cy_j[y] if y <= r`` (r in
    0..height-1, giving the running sums over rows), then the rows ``|cy_j|``."""
    cos_y = _cos_matrix(height, y_count)
    left = np.empty((y_count * height + y_count, height))
    below = np.greater_equal.outer(np.arange(height), np.arange(height))  # y <= r
    running = left[: y_count * height].reshape(y_count, height, height)
    np.multiply(below, cos_y.T[:, None, :], out=running)
    np.abs(cos_y.T, out=left[y_count * height :])
    return _frozen(left)


class _SmallPlan:
    """Matrices that give a small image's ``value -+ bound`` with a few matrix products.

    The bounds are those of :class:`_Estimate`, as if every component's normalisation were 2
    (so the DC's value and bound come out doubled: every term scales with it). With ``s`` the
    non-DC ``bound_scale`` of :class:`_Plan`:

    * ``rows = (linear.reshape(3 * height, width) @ row_matrix).reshape(height, -1)`` (linear
      row-planar), column ``c * (1 + x_count) + k``: for k = 0 the row sums weighted by
      ``width - x``, for k = 1 + i the row dots with the x cosine i (k = 1: the row sums);
    * ``z = left @ rows``, ``left`` of :func:`_running_left`: every running sum ``R_r`` (the
      last one is the sum), then ``within`` (k = 0) and ``magnitude`` (k = 1) against ``|cy_j|``
      (non-negative, like every term in them); ``@ mix`` turns these into ``s * (beta *
      within + alpha * magnitude)`` in every column of the channel;
    * ``ends_left @ [z; |z|; z[-y_count:] @ mix]`` gives ``value - bound`` and then ``value +
      bound``: the value is ``2 / n`` times the sum; the bound is ``s * beta * width * before +
      value_scale * |value|`` (from ``|z|``) plus that column.

    The coefficients add one float64 rounding each, and the sums of ``ends_left``, whose terms
    are at most ``|value|`` and the bound's, err by at most ``(height + 3) 2^-53`` of those:
    far inside the float64 error term's slack and the ``1e-12 |value|`` and ``1e-6`` relative
    slack of the bound.
    """

    def __init__(self, height: int, width: int, x_count: int, y_count: int) -> None:
        plan = _plan(height, width, x_count, y_count)
        n = plan.n
        stride = x_count + 1
        beta, alpha = plan.weights.tolist()
        bound_scale = 2 / n * (1 + 4 * _U) * _WIDEN * _WIDEN  # plan.bound_scale off the DC
        value_scale = 2 / n * (4 * _U * _WIDEN + 1e-12)  # plan.value_scale off the DC
        self.row_matrix = plan.row_matrix
        self.left = _running_left(height, y_count)
        mix = np.zeros((3 * stride, 3 * stride))
        for column in range(3 * stride):
            channel = column - column % stride
            mix[channel, column] = bound_scale * beta  # within
            mix[channel + 1, column] = bound_scale * alpha  # magnitude
        self.mix: _F64 = _frozen(mix)
        count = y_count * height + y_count
        ends_left = np.zeros((2 * y_count, 2 * count + y_count))
        for j in range(y_count):
            start = count + j * height  # in |z|
            bound = ends_left[y_count + j]
            bound[start : start + height - 1] = bound_scale * beta * width
            bound[start + height - 1] = value_scale
            bound[2 * count + j] = 1.0
            ends_left[j] = -bound
            ends_left[j::y_count, j * height + height - 1] = 2 / n  # the value, from z
        self.ends_left: _F64 = _frozen(ends_left)
        # Positions in the flattened (2, y_count, 3, 1 + x_count) product, in reference order.
        order = [
            j * 3 * stride + c * stride + 1 + i
            for j in range(y_count)
            for i in range(x_count)
            for c in range(3)
        ]
        self.lows = operator.itemgetter(*order)
        self.highs = operator.itemgetter(*(y_count * 3 * stride + k for k in order))


@lru_cache(maxsize=32)
def _small_plan(height: int, width: int, x_count: int, y_count: int) -> _SmallPlan:
    """The cached :class:`_SmallPlan` of one image size and component counts."""
    return _SmallPlan(height, width, x_count, y_count)


def _small_ends(pixels: _U8, x_count: int, y_count: int) -> tuple[Sequence[float], Sequence[float]]:
    """``value - bound`` and ``value + bound`` of a small image, in :func:`_quantise`'s form.

    Few and mostly identical NumPy calls: for an image this small, their count costs more
    than their arithmetic.
    """
    height, width = pixels.shape[0], pixels.shape[2]
    plan = _small_plan(height, width, x_count, y_count)
    linear = _srgb_to_linear64().take(pixels).reshape(3 * height, width)
    rows = np.dot(linear, plan.row_matrix).reshape(height, -1)
    count = plan.left.shape[0]
    stacked = np.empty((2 * count + y_count, rows.shape[1]))  # z, |z|, z[-y_count:] @ mix
    z = np.dot(plan.left, rows, out=stacked[:count])
    np.abs(z, out=stacked[count : 2 * count])
    np.dot(z[count - y_count :], plan.mix, out=stacked[2 * count :])
    flat = np.dot(plan.ends_left, stacked).reshape(-1).tolist()
    return plan.lows(flat), plan.highs(flat)


def _dc_scaled(value: float) -> float:
    """``linearTosRGB`` of a float64 value, before the truncation to an integer."""
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return v * 12.92 * 255 + 0.5
    return (1.055 * math.pow(v, _EXP_TO_SRGB) - 0.055) * 255 + 0.5


def _ac_scaled(value: float, maximum: float) -> float:
    """``signPow(value / maximum, 0.5) * 9 + 9.5`` in float64."""
    return math.copysign(math.sqrt(abs(value) / maximum), value) * 9 + 9.5


def _ac_unscaled(scaled: float, maximum: float) -> float:
    """The inverse of :func:`_ac_scaled`: the value whose scaled code position is ``scaled``."""
    root = (scaled - 9.5) / 9
    return math.copysign(root * root * maximum, root)


@lru_cache(maxsize=83)
def _ac_thresholds(max_code: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Value thresholds of the AC codes for one quantised maximum, with the quantiser's margin.

    For ``x`` and ``k`` in 1..18, ``_ac_scaled(x) - margin >= k`` exactly when ``x >= low[k-1]``
    and ``_ac_scaled(x) + margin >= k`` exactly when ``x >= high[k-1]`` (``_ac_scaled`` is
    continuous and increasing), so ``bisect_right(low, x)`` is ``floor(_ac_scaled(x) - margin)``
    clipped to 0..18, and likewise for ``high``. The float64 roundings in the thresholds move
    them by about 1e-15 in code units, far inside the margin's slack.

    Args:
        max_code: the quantised maximum (0..82).
    """
    maximum = float(_max_value(max_code))
    low = tuple(_ac_unscaled(k + _AC_MARGIN, maximum) for k in range(1, 19))
    high = tuple(_ac_unscaled(k - _AC_MARGIN, maximum) for k in range(1, 19))
    return low, high


def _dc_unscaled(scaled: float) -> float:
    """The inverse of :func:`_dc_scaled` on [0, 1], for ``scaled`` an integer +- a margin.

    ``_dc_scaled`` is increasing on each piece and jumps down only at 0.0031308, by about 6e-6
    just below 10.8148: between two integers, far from them and the margins around them, so
    ``{v : _dc_scaled(v) >= y}`` is ``[_dc_unscaled(y), inf)`` for every ``y`` this is called
    with.
    """
    srgb = (scaled - 0.5) / 255
    linear = srgb / 12.92
    if linear <= 0.0031308:
        return linear
    return math.pow((srgb + 0.055) / 1.055, 1 / _EXP_TO_SRGB)


@lru_cache(maxsize=1)
def _dc_thresholds() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Value thresholds of the DC codes, with the quantiser's margin, as in :func:`_ac_thresholds`.

    ``bisect_right(low, x)`` is ``floor(_dc_scaled(x) - margin)`` and ``bisect_right(high, x)``
    is ``floor(_dc_scaled(x) + margin)`` (both 0..255: ``_dc_scaled`` clamps to [0, 1]).
    """
    low = tuple(_dc_unscaled(k + _DC_MARGIN) for k in range(1, 256))
    high = tuple(_dc_unscaled(k - _DC_MARGIN) for k in range(1, 256))
    return low, high


@lru_cache(maxsize=1)
def _dc_thresholds_doubled() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """:func:`_dc_thresholds` times 2 (exactly), for doubled DC values."""
    low, high = _dc_thresholds()
    return tuple(2 * t for t in low), tuple(2 * t for t in high)


def _encode_fast_raw(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash quantised straight from the float64 estimate (no boundary detection).

    Only for tests: it shows where the float64 shortcut alone would disagree with the reference.

    Args:
        pixels: the image, (height, width, 3).
        x_count: horizontal component count.
        y_count: vertical component count.
    """
    values = _Estimate(_row_planar(pixels), x_count, y_count).values
    dc = [math.floor(_dc_scaled(float(value))) for value in values[:, 0, 0]]
    if x_count * y_count == 1:
        return _assemble(x_count, y_count, 0, dc, [])
    ac_values = values.transpose(1, 2, 0).reshape(-1, 3)[1:].tolist()
    largest = max(abs(v) for triple in ac_values for v in triple)
    max_code = int(min(max(math.floor(largest * 166 - 0.5), 0), 82))
    maximum = float(_max_value(max_code))
    ac = [
        sum(
            min(max(math.floor(_ac_scaled(v, maximum)), 0), 18) * weight
            for v, weight in zip(triple, (361, 19, 1), strict=True)
        )
        for triple in ac_values
    ]
    return _assemble(x_count, y_count, max_code, dc, ac)


def _quantise_certain(
    lows: Sequence[float], highs: Sequence[float], x_count: int, y_count: int
) -> str | None:
    """:func:`_quantise` for the usual case, in fewer steps: the hash if no code is uncertain.

    Args:
        lows: ``value - bound``, as for :func:`_quantise`.
        highs: ``value + bound``, likewise.
        x_count: horizontal component count.
        y_count: vertical component count.
    """
    dc_lows, dc_highs = _dc_thresholds_doubled()
    dc = list(map(bisect_right, repeat(dc_lows), lows[:3]))
    if dc != list(map(bisect_right, repeat(dc_highs), highs[:3])):
        return None
    pairs = _digit_pairs()
    dc_value = (dc[0] << 16) + (dc[1] << 8) + dc[2]
    size_flag = _ALPHABET[(x_count - 1) + (y_count - 1) * 9]
    if x_count * y_count == 1:
        return size_flag + "0" + pairs[dc_value // 6889] + pairs[dc_value % 6889]
    ac_lows, ac_highs = lows[3:], highs[3:]
    lowest = max(max(ac_lows), -min(ac_highs))
    max_code = min(max(math.floor(lowest * 166 - 0.5 - _MAX_MARGIN), 0), 82)
    top = max(max(ac_highs), -min(ac_lows))
    if max_code != min(max(math.floor(top * 166 - 0.5 + _MAX_MARGIN), 0), 82):
        return None
    low_thresholds, high_thresholds = _ac_thresholds(max_code)
    codes = list(map(bisect_right, repeat(low_thresholds), ac_lows))
    if codes != list(map(bisect_right, repeat(high_thresholds), ac_highs)):
        return None
    reds = map(operator.mul, codes[::3], repeat(361))
    greens = map(operator.mul, codes[1::3], repeat(19))
    packed = map(operator.add, map(operator.add, reds, greens), codes[2::3])
    head = size_flag + _ALPHABET[max_code] + pairs[dc_value // 6889] + pairs[dc_value % 6889]
    return head + "".join(map(pairs.__getitem__, packed))


def _quantise(
    lows: Sequence[float],
    highs: Sequence[float],
    x_count: int,
    y_count: int,
    settled: dict[_Key, np.float32],
) -> str | list[_Key]:
    """The hash if every quantised value is certain, else the keys that are not (yet).

    The reference's factor lies between ``value - bound`` and ``value + bound``. Its code is
    certain when both ends (widened by the quantiser's margin) give the same code, or else when
    it is settled (exact float32).

    Args:
        lows: ``value - bound`` for every factor, flat in the reference's order: index
            ``(y * x_count + x) * 3 + channel``; the first three (the DC) doubled, like the
            others, which the normalisation 2 doubles.
        highs: ``value + bound``, in the same order and scale.
        x_count: horizontal component count.
        y_count: vertical component count.
        settled: the reference's exact factors known so far.
    """
    undecided: list[_Key] = []
    dc_lows, dc_highs = _dc_thresholds_doubled()
    dc: list[int] = []
    for c in range(3):
        code = bisect_right(dc_lows, lows[c])
        if code != bisect_right(dc_highs, highs[c]):
            exact = settled.get((0, 0, c))
            if exact is None:
                undecided.append((0, 0, c))
            else:
                code = _dc_code_exact(exact)
        dc.append(code)
    if x_count * y_count == 1:
        return undecided or _assemble(x_count, y_count, 0, dc, [])

    # The largest AC magnitude lies between the largest lower end of |value| and the largest
    # upper end: max(|v| - b) = max(max(v - b), -min(v + b)), max(|v| + b) likewise.
    ac_lows, ac_highs = lows[3:], highs[3:]
    lowest = max(max(ac_lows), -min(ac_highs))
    top = max(max(ac_highs), -min(ac_lows))
    max_code = min(max(math.floor(lowest * 166 - 0.5 - _MAX_MARGIN), 0), 82)
    if max_code != min(max(math.floor(top * 166 - 0.5 + _MAX_MARGIN), 0), 82):
        candidates = [
            _ac_key(index, x_count)
            for index, (low, high) in enumerate(zip(ac_lows, ac_highs, strict=True))
            if max(high, -low) >= lowest
        ]
        missing = [key for key in candidates if key not in settled]
        if missing:
            return undecided + missing
        max_code = _max_code_exact(np.float32(max(abs(settled[key]) for key in candidates)))

    low_thresholds, high_thresholds = _ac_thresholds(max_code)
    codes = list(map(bisect_right, repeat(low_thresholds), ac_lows))
    uppers = list(map(bisect_right, repeat(high_thresholds), ac_highs))
    if codes != uppers:
        for index, (code, upper) in enumerate(zip(codes, uppers, strict=True)):
            if code != upper:
                key = _ac_key(index, x_count)
                exact = settled.get(key)
                if exact is None:
                    undecided.append(key)
                else:
                    codes[index] = _ac_code_exact(exact, _max_value(max_code))
    if undecided:
        return undecided
    ac = [
        r * 361 + g * 19 + b for r, g, b in zip(codes[::3], codes[1::3], codes[2::3], strict=True)
    ]
    return _assemble(x_count, y_count, max_code, dc, ac)


def _ac_key(index: int, x_count: int) -> _Key:
    """The (y, x, channel) key of the AC value at ``index`` of the flat AC list."""
    component, channel = divmod(index, 3)
    j, i = divmod(component + 1, x_count)
    return j, i, channel


def _ends(values: _F64, bounds: _F64) -> tuple[list[float], list[float]]:
    """``values -+ bounds`` of :class:`_Estimate` arrays, in :func:`_quantise`'s order and scale.

    Each end errs by at most an ulp of ``|value| + bound``, inside the bound's relative slack.
    """
    value_list: list[float] = values.transpose(1, 2, 0).ravel().tolist()
    bound_list: list[float] = bounds.transpose(1, 2, 0).ravel().tolist()
    for c in range(3):
        value_list[c] *= 2
        bound_list[c] *= 2
    lows = list(map(operator.sub, value_list, bound_list))
    highs = list(map(operator.add, value_list, bound_list))
    return lows, highs


def _encode_fast(pixels: _U8, x_count: int, y_count: int) -> str:
    """The hash from the float64 estimate, settling near-boundary values by exact emulation.

    On a small image, values whose code the first bound leaves uncertain are computed exactly
    (float32 emulation of the reference: cheap at that size). On a larger one they first get
    the by-binade bound, then (x component 0) the interval of :meth:`_Estimate.tighten`;
    only those still uncertain are computed exactly.

    Args:
        pixels: the image, row-planar (height, 3, width).
        x_count: horizontal component count.
        y_count: vertical component count.
    """
    height, width = pixels.shape[0], pixels.shape[2]
    n = height * width
    if n > _FAST_PATH_MAX_PIXELS:
        return _encode_exact_planar(pixels, x_count, y_count)
    estimate: _Estimate | None = None
    if (y_count + 1) * height <= _SMALL_MAX_ROWS and n <= _SMALL_MAX_PIXELS:
        lows, highs = _small_ends(pixels, x_count, y_count)
    else:
        estimate = _Estimate(pixels, x_count, y_count)
        lows, highs = _ends(estimate.values, estimate.bounds)
    certain = _quantise_certain(lows, highs, x_count, y_count)
    if certain is not None:
        return certain
    settled: dict[_Key, np.float32] = {}
    result = _quantise(lows, highs, x_count, y_count, settled)
    if isinstance(result, str):
        return result
    if estimate is None:  # a small image: exact sums cost less than the refinement
        small = _Exact(pixels)
        while not isinstance(result, str):
            settled.update(small.factors(result))
            result = _quantise(lows, highs, x_count, y_count, settled)
        return result
    refined: set[_Key] = set()
    tightened: set[_Key] = set()
    values, bounds = estimate.values.copy(), estimate.bounds.copy()
    exact: _Exact | None = None
    while not isinstance(result, str):
        fresh = [key for key in result if key not in refined]
        loose = [key for key in result if key[1] == 0 and key not in tightened]
        if fresh:
            refined.update(fresh)
            estimate.refine(fresh, bounds)
        elif loose:
            tightened.update(loose)
            estimate.tighten(pixels, loose, values, bounds)
        else:
            if exact is None:
                exact = _Exact(pixels)
            settled.update(exact.factors(result))
        result = _quantise(*_ends(values, bounds), x_count, y_count, settled)
    return result


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
