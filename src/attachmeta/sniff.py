"""Content sniffing: the canonical MIME type of an upload, from its bytes and never its name.

libmagic (through python-magic) gives the first answer. Where it is coarse or differs between
libmagic versions, the header is parsed here instead:

* PNG: a valid ``acTL`` chunk before the first ``IDAT`` makes it ``image/apng``;
* WebP: ``RIFF....WEBP`` is ``image/webp``;
* ISO-BMFF still images (HEIF, HEIC, AVIF): the ``ftyp`` box's brands decide;
* MP3 and other audio behind an ID3v2 tag: the bytes after the tag are sniffed, because a tag
  with cover art can be larger than the head and libmagic needs to see the frame after it.

Only :data:`HEAD_SIZE` bytes are read for libmagic. Every signature libmagic checks for the
types Mastodon accepts sits in the first few hundred bytes (``ftyp`` at 4, the RIFF form type at
8, the EBML DocType, the first Ogg page, the JPEG/GIF/PNG magic at 0); 64 KiB leaves room for
the PNG chunks and WebP chunk headers the refinements read, keeps libmagic's text heuristics
bounded, and costs one small read even for a large video. Structures that can lie past the head
(an ``acTL`` behind a large ``iCCP`` or ``eXIf`` chunk, audio behind a large ID3v2 tag) are
reached by seeking, a few bytes at a time, when the source is seekable.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import BinaryIO, Final, TypeAlias

import magic

from .errors import AttachmetaError
from .source import Source, open_path, read_up_to

__all__ = [
    "BASE_TYPES",
    "CANONICAL_MIME",
    "FALLBACK_MIME",
    "HEAD_SIZE",
    "Source",
    "base_type",
    "canonical_mime",
    "ftyp_brands",
    "ftyp_image_type",
    "is_animated_png",
    "is_animated_webp",
    "is_subtype",
    "ogg_type",
    "sniff",
]

"""What :func:`sniff` accepts: the content itself, a path, or a binary file object."""

HEAD_SIZE: Final = 64 * 1024
"""Bytes read from the start of the content for libmagic and the header parsers."""

FALLBACK_MIME: Final = "application/octet-stream"
"""The answer when libmagic fails or returns something that is not a MIME type."""

CANONICAL_MIME: Final[Mapping[str, str]] = MappingProxyType(
    {
        # JPEG and PNG names used by old browsers and Windows.
        "image/jpg": "image/jpeg",
        "image/pjpeg": "image/jpeg",
        "image/x-png": "image/png",
        "image/vnd.mozilla.apng": "image/apng",
        # libmagic says image/x-ms-bmp for Windows bitmaps.
        "image/x-ms-bmp": "image/bmp",
        "image/x-bmp": "image/bmp",
        # libheif's name for an AVIF sequence; AVIF registers image/avif for both.
        "image/avif-sequence": "image/avif",
        # WAV: libmagic says audio/x-wav; Mastodon accepts all five, audio/wav is canonical.
        "audio/x-wav": "audio/wav",
        "audio/wave": "audio/wav",
        "audio/vnd.wave": "audio/wav",
        "audio/x-pn-wave": "audio/wav",
        "audio/x-flac": "audio/flac",
        "audio/mp3": "audio/mpeg",
        "audio/x-mp3": "audio/mpeg",
        "audio/mpeg3": "audio/mpeg",
        # libmagic names AAC by its framing (ADTS or ADIF).
        "audio/x-aac": "audio/aac",
        "audio/x-hx-aac-adts": "audio/aac",
        "audio/x-hx-aac-adif": "audio/aac",
        # MP4 files with Apple's M4A / M4V brands are MP4 files.
        "audio/x-m4a": "audio/mp4",
        "audio/m4a": "audio/mp4",
        "video/x-m4v": "video/mp4",
        # audio/vorbis names the codec; the file is an Ogg file.
        "audio/vorbis": "audio/ogg",
    }
)
"""Alias -> canonical MIME type. Keys and values are lower case; anything else maps to itself."""

BASE_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Mastodon processes an APNG as a PNG (its first frame), so a PNG profile accepts it.
        "image/apng": "image/png",
    }
)
"""Canonical type -> the type it is a variant of, for profiles that list only the base type."""

# ISO-BMFF brands (ISO/IEC 23008-12 Annex B and the AV1 Image File Format). A major brand in
# _CODED_BRANDS decides on its own; a structural major brand (HEIF without a codec) is refined
# by the first compatible brand found in its lookup table, else it gives its own type.
_STILL_BRANDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "avif": "image/avif",
        "heic": "image/heic",
        "heix": "image/heic",
        "heim": "image/heic",
        "heis": "image/heic",
    }
)
_SEQUENCE_BRANDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "avis": "image/avif",
        "hevc": "image/heic-sequence",
        "hevx": "image/heic-sequence",
        "hevm": "image/heic-sequence",
        "hevs": "image/heic-sequence",
    }
)
_CODED_BRANDS: Final[Mapping[str, str]] = MappingProxyType({**_STILL_BRANDS, **_SEQUENCE_BRANDS})
_STRUCTURAL_BRANDS: Final[Mapping[str, tuple[str, Mapping[str, str]]]] = MappingProxyType(
    {
        "mif1": ("image/heif", _STILL_BRANDS),
        "mif2": ("image/heif", _STILL_BRANDS),
        # AVIF uses image/avif for stills and sequences, so a plain avif brand counts too.
        "msf1": ("image/heif-sequence", {**_SEQUENCE_BRANDS, "avif": "image/avif"}),
    }
)

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_MAX_CHUNKS: Final = 4096  # chunks walked looking for acTL; real files have a handful
_PNG_MAX_LENGTH: Final = 0x7FFF_FFFF  # the PNG spec's limit on a chunk length
_APNG_MAX_FRAMES: Final = 0x8000_0000  # Pillow's bound on acTL num_frames
_WEBP_MAX_CHUNKS: Final = 64
_WEBP_ANIMATION_FLAG: Final = 0x02  # bit in the VP8X flags byte
_ID3_MAX_TAGS: Final = 8  # consecutive ID3v2 tags skipped before giving up
_MAX_BRANDS: Final = 256

# Reads up to n bytes at an offset from the start of the content; fewer at the end.
_ReadAt: TypeAlias = Callable[[int, int], bytes]

# python-magic's Magic object guards its libmagic cookie with a lock, and the module-level
# magic.from_buffer shares one lazily created instance process-wide. One private instance per
# thread needs no lock at all and lets threads sniff in parallel (ctypes releases the GIL).
_local = threading.local()


def canonical_mime(mime: str) -> str:
    """The canonical spelling of a MIME type: lower case, no parameters, aliases resolved.

    A string that is not ``type/subtype`` gives :data:`FALLBACK_MIME`.
    """
    bare = mime.split(";", 1)[0].strip().lower()
    kind, sep, subtype = bare.partition("/")
    if not sep or not kind or not subtype or "/" in subtype or " " in bare:
        return FALLBACK_MIME
    return CANONICAL_MIME.get(bare, bare)


def base_type(mime: str) -> str:
    """The type ``mime`` is a variant of (``image/apng`` -> ``image/png``), else ``mime`` itself.

    Both are canonical (see :func:`canonical_mime`).
    """
    canonical = canonical_mime(mime)
    return BASE_TYPES.get(canonical, canonical)


def is_subtype(mime: str, parent: str) -> bool:
    """Whether ``mime`` is ``parent`` or a variant of it, after canonicalising both."""
    wanted = canonical_mime(parent)
    return canonical_mime(mime) == wanted or base_type(mime) == wanted


def sniff(source: Source) -> str:
    """The canonical MIME type of the content, never looking at a file name.

    Args:
        source: the content (bytes-like), a path (only its head is read), or a binary file
            object (read from its current position, which is restored when it is seekable; a
            non-seekable stream loses the bytes read).

    Returns:
        a canonical MIME type; ``application/x-empty`` for empty content and
        :data:`FALLBACK_MIME` when libmagic fails.

    Raises:
        AttachmetaError: the path or file object cannot be read.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _sniff_reader(_buffer_reader(source))
    if isinstance(source, str | os.PathLike):
        return _sniff_path(source)
    if not hasattr(source, "read"):
        raise AttachmetaError(
            f"source must be a path, bytes or a binary file object, got {type(source).__name__}"
        )
    return _sniff_stream(source)


def ftyp_brands(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The major and compatible brands of an ISO-BMFF ``ftyp`` box at the start of ``head``.

    Brands cut off by the end of ``head`` are left out. ``None`` when there is no ``ftyp`` box
    or its major brand is missing.
    """
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    (size,) = struct.unpack_from(">I", head, 0)
    header = 8
    if size == 1:  # 64-bit size follows the type
        if len(head) < 24:
            return None
        (size,) = struct.unpack_from(">Q", head, 8)
        header = 16
    elif size == 0:  # the box runs to the end of the file
        size = len(head)
    if size < header + 8:  # too small for major brand and minor version
        return None
    end = min(size, len(head))
    if end < header + 4:
        return None
    major = head[header : header + 4].decode("latin-1")
    start = header + 8
    stop = min(end - 3, start + 4 * _MAX_BRANDS)  # whole brands only, at most _MAX_BRANDS
    compatible = tuple(head[i : i + 4].decode("latin-1") for i in range(start, stop, 4))
    return major, compatible


def ftyp_image_type(head: bytes) -> str | None:
    """The image MIME type that an ISO-BMFF ``ftyp`` box's brands declare, else ``None``.

    One of ``image/avif``, ``image/heic``, ``image/heic-sequence``, ``image/heif``,
    ``image/heif-sequence``. A coded major brand (``avif``, ``avis``, ``heic``, ``heix``,
    ``heim``, ``heis``, ``hevc``, ``hevx``, ``hevm``, ``hevs``) decides; a structural one
    (``mif1``, ``mif2``, ``msf1``) takes the first matching compatible coded brand, else is
    ``image/heif`` (``image/heif-sequence`` for ``msf1``). Video and audio brands give ``None``.
    """
    brands = ftyp_brands(head)
    if brands is None:
        return None
    major, compatible = brands
    coded = _CODED_BRANDS.get(major)
    if coded is not None:
        return coded
    structural = _STRUCTURAL_BRANDS.get(major)
    if structural is None:
        return None
    default, refinements = structural
    for brand in compatible:
        refined = refinements.get(brand)
        if refined is not None:
            return refined
    return default


def is_animated_png(head: bytes) -> bool:
    """Whether ``head`` is a PNG (signature and ``IHDR``) with a valid ``acTL`` before ``IDAT``.

    Valid: one ``acTL``, 8 data bytes, 1 to 2**31 frames (what Pillow accepts); otherwise
    decoders show the default image and the file is a still PNG. Chunks past the end of
    ``head`` count as absent.
    """
    return _is_png(head) and _png_has_actl(_buffer_reader(head))


def is_animated_webp(head: bytes) -> bool:
    """Whether ``head`` is a WebP whose ``VP8X`` header sets the animation flag or that has an
    ``ANIM`` or ``ANMF`` chunk before the image data. Chunks past ``head`` count as absent.
    """
    if not _is_webp(head):
        return False
    offset = 12
    for _ in range(_WEBP_MAX_CHUNKS):
        if offset + 8 > len(head):
            return False
        fourcc = head[offset : offset + 4]
        (size,) = struct.unpack_from("<I", head, offset + 4)
        if fourcc == b"VP8X":
            if offset + 8 < len(head) and head[offset + 8] & _WEBP_ANIMATION_FLAG:
                return True
        elif fourcc in (b"ANIM", b"ANMF"):
            return True
        elif fourcc in (b"VP8 ", b"VP8L", b"ALPH"):  # a still image's data
            return False
        offset += 8 + size + (size & 1)
    return False


# --- sources ---------------------------------------------------------------------------------


def _buffer_reader(source: bytes | bytearray | memoryview) -> _ReadAt:
    view = memoryview(source)
    view = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())

    def read_at(offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0:
            return b""
        return bytes(view[offset : offset + size])

    return read_at


def _stream_reader(stream: BinaryIO, start: int, head: bytes) -> _ReadAt:
    """Serve reads from ``head``; seek only for bytes past it."""
    complete = len(head) < HEAD_SIZE  # the head already reached the end of the file

    def read_at(offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0:
            return b""
        if complete or offset + size <= len(head):
            return head[offset : offset + size]
        stream.seek(start + offset)
        return read_up_to(stream, size)

    return read_at


def _sniff_path(path: str | os.PathLike[str]) -> str:
    with open_path(path) as stream:
        head = read_up_to(stream, HEAD_SIZE)
        return _sniff_reader(_stream_reader(stream, 0, head))


def _sniff_stream(stream: BinaryIO) -> str:
    try:
        seekable = stream.seekable()
        start = stream.tell() if seekable else 0
    except (OSError, ValueError, AttributeError) as exc:  # ValueError: a closed file
        raise AttachmetaError(f"Cannot read the file object: {exc}") from exc
    head = read_up_to(stream, HEAD_SIZE)
    if not seekable:
        return _sniff_reader(_buffer_reader(head))
    try:
        return _sniff_reader(_stream_reader(stream, start, head))
    finally:
        stream.seek(start)


# --- sniffing --------------------------------------------------------------------------------


def _libmagic(data: bytes) -> str:
    """libmagic's MIME type for ``data``, canonicalised; :data:`FALLBACK_MIME` on failure."""
    try:
        checker = getattr(_local, "magic", None)
        if checker is None:
            checker = magic.Magic(mime=True)
            _local.magic = checker
        result = checker.from_buffer(data)
    except magic.MagicException:
        return FALLBACK_MIME
    return canonical_mime(result)


def _sniff_reader(read_at: _ReadAt) -> str:
    head = read_at(0, HEAD_SIZE)
    if _is_png(head):
        return "image/apng" if _png_has_actl(read_at) else "image/png"
    if _is_webp(head):
        return "image/webp"
    image = ftyp_image_type(head)
    if image is not None:
        return image
    if head.startswith(b"ID3"):
        behind = _sniff_behind_id3(read_at)
        if behind is not None:
            return behind
    ogg = ogg_type(head)
    if ogg is not None:
        return ogg
    return _libmagic(head)


# The first packet of an Ogg logical stream names its codec (RFC 7845, Vorbis I, Theora 1.0,
# the VP8-in-Ogg mapping). libmagic knows some of these and calls the rest octet-stream.
_OGG_CODECS: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x01vorbis", "audio/ogg"),
    (b"OpusHead", "audio/ogg"),
    (b"\x7fFLAC", "audio/ogg"),
    (b"Speex   ", "audio/ogg"),
    (b"\x80theora", "video/ogg"),
    (b"OVP80", "video/ogg"),
)


def ogg_type(head: bytes) -> str | None:
    """``audio/ogg`` or ``video/ogg`` from the codec of an Ogg file's first stream.

    Only the first page is read, so an Ogg whose first stream is audio and a later one video
    reads as audio here; the pipeline decides the type from all the streams.

    Args:
        head: the first bytes of the file.
    """
    if not head.startswith(b"OggS") or len(head) < 27:
        return None
    segments = head[26]
    packet = head[27 + segments : 27 + segments + 16]
    for prefix, mime in _OGG_CODECS:
        if packet.startswith(prefix):
            return mime
    return "application/ogg"


def _is_png(head: bytes) -> bool:
    return head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR"


def _png_has_actl(read_at: _ReadAt) -> bool:
    """Whether exactly one valid ``acTL`` comes before the first ``IDAT``.

    An invalid animation control (short, zero or over 2**31 frames, repeated) makes decoders,
    Pillow included, show the default image as a still PNG.
    """
    offset = len(_PNG_SIGNATURE)
    animated = False
    for _ in range(_PNG_MAX_CHUNKS):
        chunk = read_at(offset, 16)  # length, type, and the 8 data bytes of an acTL
        if len(chunk) < 8:
            break
        length, kind = struct.unpack_from(">I4s", chunk)
        if kind in (b"IDAT", b"IEND") or length > _PNG_MAX_LENGTH:
            break
        if kind == b"acTL":
            if animated or length < 8 or len(chunk) < 16:
                return False
            (frames,) = struct.unpack_from(">I", chunk, 8)
            if not 0 < frames <= _APNG_MAX_FRAMES:
                return False
            animated = True
        offset += 12 + length  # length, type, data, CRC
    return animated


def _is_webp(head: bytes) -> bool:
    return len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP"


def _id3v2_length(header: bytes) -> int | None:
    """Total bytes of the ID3v2 tag starting ``header`` (10+ bytes), or ``None`` if not one."""
    if len(header) < 10 or not header.startswith(b"ID3"):
        return None
    version, revision, flags = header[3], header[4], header[5]
    size_bytes = header[6:10]
    if version == 0xFF or revision == 0xFF or any(b & 0x80 for b in size_bytes):
        return None
    size = 0
    for b in size_bytes:  # "synchsafe": 7 bits a byte
        size = (size << 7) | b
    footer = 10 if version >= 4 and flags & 0x10 else 0
    return 10 + size + footer


def _sniff_behind_id3(read_at: _ReadAt) -> str | None:
    """libmagic's answer for the audio after leading ID3v2 tags, if it is an audio type."""
    offset = 0
    for _ in range(_ID3_MAX_TAGS):
        length = _id3v2_length(read_at(offset, 10))
        if length is None:
            break
        offset += length
    if offset == 0:
        return None
    mime = _libmagic(read_at(offset, HEAD_SIZE))
    return mime if mime.startswith("audio/") else None
