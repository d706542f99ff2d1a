"""Still-image decoding: open by sniffed type, orient, reduce, convert to sRGB, flatten.

Everything here works on one Pillow image and returns a new one; callers decide sizes.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms, ImageFile

from .errors import InvalidMediaError, map_decoder_errors
from .jpeg import JPEG_FORMATS, StreamFailed, stream_jpeg
from .png import decode_png
from .resample import resize

__all__ = [
    "PILLOW_FORMATS",
    "decode_preview",
    "decode_resized",
    "display_size",
    "exif_orientation",
    "flatten",
    "load_pixels",
    "open_image",
]

# The Pillow plugin allowed to read each accepted type: a file is never handed to a decoder
# other than the one its sniffed type names.
PILLOW_FORMATS: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/avif": "AVIF",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
    "image/heic-sequence": "HEIF",
    "image/heif-sequence": "HEIF",
}

# EXIF orientation -> the transposes that make the stored pixels upright.
_ORIENT: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_EXIF_ORIENTATION_TAG = 0x0112
# Real ICC profiles are a few kilobytes (printer profiles reach a few hundred); a bigger one is
# ignored, which also bounds what the transform cache can hold.
MAX_ICC_BYTES = 1 << 20


@lru_cache(maxsize=1)
def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def open_image(data: bytes, mime: str) -> ImageFile.ImageFile:
    """Open ``data`` lazily (header only) with the one Pillow plugin for ``mime``.

    Args:
        data: the file's bytes.
        mime: its sniffed MIME type, a key of :data:`PILLOW_FORMATS`.

    Raises:
        InvalidMediaError: the plugin cannot read the header.
    """
    fmt = PILLOW_FORMATS.get(mime)
    if fmt is None:
        raise InvalidMediaError(f"No image decoder for {mime}")
    if fmt == "HEIF":
        _register_heif()
    Image.init()
    factory, _ = Image.OPEN[fmt]
    # The plugin is called directly rather than through Image.open, which would apply Pillow's
    # own decompression-bomb threshold: the profile's pixel limits are the line of defence.
    with map_decoder_errors():
        return factory(io.BytesIO(data), "")


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1..8) of ``image``; 1 when absent, malformed or out of range.

    Args:
        image: an opened image.
    """
    if image.format == "PNG" and "exif" not in image.info:
        # Pillow would decode the whole PNG looking for a late eXIf chunk, and a decoding
        # error there would be swallowed here instead of reported by the decode proper.
        return 1
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block must not make the image unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def display_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The upright size of an image stored at ``size`` with this EXIF orientation.

    Args:
        size: stored (width, height).
        orientation: EXIF orientation 1..8; 5 to 8 swap the sides.
    """
    width, height = size
    return (height, width) if orientation >= 5 else (width, height)


def decode_preview(
    image: Image.Image,
    size: tuple[int, int],
    orientation: int,
    *,
    canvas: tuple[int, int] | None = None,
) -> Image.Image:
    """Decode ``image`` into an upright sRGB RGB or RGBA image of exactly ``size``.

    The pixels come from :func:`decode_resized`; the colour profile is applied after
    resizing, where it costs least. The result has no metadata.

    Args:
        image: an image from :func:`open_image`, not loaded yet.
        size: the upright target (width, height).
        orientation: the EXIF orientation to undo.
        canvas: crop the decoded pixels to this (width, height) first (a GIF frame can run past
            the logical screen, and only the screen counts).
    """
    stored = display_size(size, orientation)
    with map_decoder_errors():
        icc = image.info.get("icc_profile")
        pixels = decode_resized(image, stored, canvas=canvas)
        usable = isinstance(icc, bytes) and len(icc) <= MAX_ICC_BYTES
        pixels = _to_srgb(pixels, icc if usable else None)
        for step in _ORIENT.get(orientation, ()):
            pixels = pixels.transpose(step)
    pixels.info = {}
    return pixels


def decode_resized(
    image: Image.Image, stored: tuple[int, int], *, canvas: tuple[int, int] | None = None
) -> Image.Image:
    """Decode ``image`` and resize it to ``stored``, in one of RGB, RGBA, L, LA or CMYK.

    JPEGs are decoded at the smallest DCT scale still covering ``stored``, and a large one is
    resized while it is being decoded (:mod:`attachmeta.jpeg`); the pixels are the same as
    those of a decode followed by :func:`~attachmeta.resample.resize`.

    Args:
        image: an image from :func:`open_image`, not loaded yet.
        stored: the target (width, height), before orienting.
        canvas: crop the decoded pixels to this (width, height) first (a GIF frame can run past
            the logical screen, and only the screen counts).
    """
    if image.format in JPEG_FORMATS:
        image.draft(None, stored)
    streamed = stream_jpeg(image) if canvas is None else None
    if streamed is not None:
        try:
            return streamed.run(lambda pixels, rows: resize(pixels, stored, rows=rows))
        except StreamFailed:
            pass  # decoded again the plain way, which says what is wrong in Pillow's terms
    return resize(_normalise_mode(load_pixels(image, stored, canvas=canvas)), stored)


def load_pixels(
    image: Image.Image, stored: tuple[int, int], *, canvas: tuple[int, int] | None = None
) -> Image.Image:
    """Decode ``image``'s pixels, at the smallest JPEG scale still covering ``stored``.

    A large PNG read from memory is decoded on two threads (:mod:`attachmeta.png`).

    Args:
        image: an image from :func:`open_image`, not loaded yet.
        stored: the (width, height) the pixels will be resized to, before orienting.
        canvas: crop the decoded pixels to this (width, height) (a GIF frame can run past
            the logical screen, and only the screen counts).
    """
    if image.format in JPEG_FORMATS:
        image.draft(None, stored)
    fp = getattr(image, "fp", None)
    decoded = None
    if isinstance(image, ImageFile.ImageFile) and isinstance(fp, io.BytesIO):
        decoded = decode_png(image, fp.getvalue())  # the bytes open_image wrapped, not a copy
    if decoded is None:
        image.load()
        decoded = image
    if canvas is not None and decoded.size != canvas:
        decoded = decoded.crop((0, 0, *canvas))
    return decoded


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """``image`` as RGB, its transparent pixels composited over ``background`` (``image``
    itself when it is RGB already).

    Args:
        image: an RGB or RGBA image.
        background: the RGB colour behind transparent pixels.
    """
    if image.mode != "RGBA":
        return image if image.mode == "RGB" else image.convert("RGB")
    base = Image.new("RGB", image.size, background)
    base.paste(image, mask=image.getchannel("A"))
    return base


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to one of RGB, RGBA, L, LA or CMYK, 8 bits per channel."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # Pillow's own conversion clips 16-bit values at 255; scale them instead.
        array = np.asarray(image, dtype=np.float64)
        return Image.fromarray(np.clip(array / 257.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if mode in ("1", "RGBX", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB" if mode != "1" else "L")
    if mode in ("La", "RGBa"):
        return image.convert("RGBA" if mode == "RGBa" else "LA")
    raise InvalidMediaError(f"Unsupported pixel mode {mode}")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to RGB or RGBA in sRGB, through the embedded ICC profile when there is one."""
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image
    converted = _apply_icc(colour, icc) if icc else None
    if converted is None:
        converted = colour.convert("RGB")  # a copy even of RGB: the result owns its pixels
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _apply_icc(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Transform through the embedded profile; ``None`` when the profile is unusable."""
    transform = _icc_transform(icc, image.mode)
    if transform is None:
        return None
    try:
        return ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


@lru_cache(maxsize=16)
def _icc_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A reusable transform from ``icc`` to sRGB; most uploads embed one of a few profiles.

    NOCACHE makes LittleCMS keep no per-call state in the transform, so threads can share it.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(
            source, _srgb_profile(), mode, "RGB", flags=ImageCms.Flags.NOCACHE
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: fall back to the plain conversion
