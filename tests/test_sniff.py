"""Tests for attachmeta.sniff: content-based MIME types, header parsers and canonical names."""

from __future__ import annotations

import importlib
import io
import struct
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import magic
import pytest
from conftest import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from attachmeta.errors import AttachmetaError, InvalidMediaError
from attachmeta.sniff import (
    BASE_TYPES,
    CANONICAL_MIME,
    FALLBACK_MIME,
    HEAD_SIZE,
    base_type,
    canonical_mime,
    ftyp_brands,
    ftyp_image_type,
    is_animated_png,
    is_animated_webp,
    is_subtype,
    ogg_type,
    sniff,
)

sniff_module = importlib.import_module("attachmeta.sniff")  # the name `sniff` is the function

# --- inputs built with Pillow ----------------------------------------------------------------


def _frames(mode: str = "RGB") -> list[Image.Image]:
    return [Image.new(mode, (24, 16), colour) for colour in ((220, 30, 30), (30, 200, 40))]


def _save(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _save_animation(fmt: str, mode: str = "RGB", **options: Any) -> bytes:
    first, *rest = _frames(mode)
    return _save(first, fmt, save_all=True, append_images=rest, duration=100, **options)


def _heic() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(_frames()[0]).save(buffer, quality=50)
    return buffer.getvalue()


# name -> (builder, expected canonical type)
BUILDERS: dict[str, tuple[Callable[[], bytes], str]] = {
    "jpeg": (lambda: _save(_frames()[0], "JPEG"), "image/jpeg"),
    "png": (lambda: _save(_frames()[0], "PNG"), "image/png"),
    "apng": (lambda: _save_animation("PNG"), "image/apng"),
    "gif": (lambda: _save(_frames("P")[0], "GIF"), "image/gif"),
    "gif-animated": (lambda: _save_animation("GIF", "P"), "image/gif"),
    "webp": (lambda: _save(_frames()[0], "WEBP"), "image/webp"),
    "webp-lossless": (lambda: _save(_frames()[0], "WEBP", lossless=True), "image/webp"),
    "webp-animated": (lambda: _save_animation("WEBP"), "image/webp"),
    "avif": (lambda: _save(_frames()[0], "AVIF"), "image/avif"),
    "avif-animated": (lambda: _save_animation("AVIF"), "image/avif"),
    "heic": (_heic, "image/heic"),
    "bmp": (lambda: _save(_frames()[0], "BMP"), "image/bmp"),
    "tiff": (lambda: _save(_frames()[0], "TIFF"), "image/tiff"),
}


@cache
def built(name: str) -> bytes:
    """The encoded file for ``name`` (made once per test run)."""
    builder, _ = BUILDERS[name]
    if name.startswith("avif"):
        from PIL import features

        if not features.check("avif"):
            pytest.skip("Pillow built without AVIF")
    return builder()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_built_files_from_bytes(name: str) -> None:
    data = built(name)
    expected = BUILDERS[name][1]
    assert sniff(data) == expected
    assert sniff(bytearray(data)) == expected
    assert sniff(memoryview(data)) == expected


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_built_files_from_path_with_misleading_name(name: str, tmp_path: Path) -> None:
    data = built(name)
    expected = BUILDERS[name][1]
    wrong_suffix = ".gif" if expected != "image/gif" else ".jpg"
    path = tmp_path / f"upload{wrong_suffix}"
    path.write_bytes(data)
    assert sniff(path) == expected
    assert sniff(str(path)) == expected
    bare = tmp_path / "no-extension"
    bare.write_bytes(data)
    assert sniff(bare) == expected


def test_png_named_jpg_is_png(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(built("png"))
    assert sniff(path) == "image/png"


@pytest.mark.parametrize("name", ["jpeg", "apng", "webp-animated"])
def test_file_object_position_is_restored(name: str) -> None:
    data = built(name)
    stream = io.BytesIO(b"prefix" + data + b"trailing")
    stream.seek(6)
    assert sniff(stream) == BUILDERS[name][1]
    assert stream.tell() == 6


def test_real_file_object_position_is_restored(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\0" * 10 + built("gif"))
    with path.open("rb") as stream:
        stream.seek(10)
        assert sniff(stream) == "image/gif"
        assert stream.tell() == 10


class _Trickle(io.RawIOBase):
    """A raw, non-seekable stream that returns at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._pos = 0
        self._step = step

    @property
    def position(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data[self._pos : self._pos + min(self._step, len(buffer))]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def test_non_seekable_stream_with_short_reads() -> None:
    data = built("png") + b"\0" * (2 * HEAD_SIZE)
    stream = _Trickle(data, step=1000)
    assert not stream.seekable()
    assert sniff(stream) == "image/png"  # type: ignore[arg-type]
    assert stream.position == HEAD_SIZE  # the head is consumed, nothing more


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello")
    with path.open("r") as stream, pytest.raises(AttachmetaError, match="binary"):
        sniff(stream)  # type: ignore[arg-type]


# --- errors ----------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(AttachmetaError, match="No such file") as info:
        sniff(tmp_path / "absent.png")
    assert not isinstance(info.value, InvalidMediaError)
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_directory_path(tmp_path: Path) -> None:
    with pytest.raises(AttachmetaError, match="directory"):
        sniff(tmp_path)


def test_path_with_nul_byte() -> None:
    with pytest.raises(AttachmetaError, match="Cannot read"):
        sniff("bad\0name.png")


class _BrokenStream(io.BytesIO):
    def read(self, size: int | None = -1, /) -> bytes:
        raise OSError(5, "Input/output error")


def test_stream_read_error() -> None:
    with pytest.raises(AttachmetaError, match="Input/output error"):
        sniff(_BrokenStream(b"data"))


def test_empty_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    expected = canonical_mime(magic.Magic(mime=True).from_buffer(b""))
    assert expected == "application/x-empty"
    assert sniff(b"") == expected
    assert sniff(empty) == expected
    assert sniff(io.BytesIO()) == expected


class _FailingMagic:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def from_buffer(self, buf: bytes) -> str:
        raise magic.MagicException("boom")


class _UnloadableMagic:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise magic.MagicException("could not find any valid magic files")


@pytest.mark.parametrize("fake", [_FailingMagic, _UnloadableMagic])
def test_libmagic_errors_give_fallback(monkeypatch: pytest.MonkeyPatch, fake: type) -> None:
    monkeypatch.setattr(sniff_module, "_local", threading.local())
    monkeypatch.setattr(magic, "Magic", fake)
    assert sniff(b"just some bytes") == FALLBACK_MIME
    # The header parsers do not need libmagic.
    assert sniff(built("png")) == "image/png"


def test_libmagic_junk_answer_gives_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    class Junk(_FailingMagic):
        def from_buffer(self, buf: bytes) -> str:
            return "cannot open `x' (No such file)"

    monkeypatch.setattr(sniff_module, "_local", threading.local())
    monkeypatch.setattr(magic, "Magic", Junk)
    assert sniff(b"data") == FALLBACK_MIME


def test_threads_sniff_concurrently() -> None:
    names = ["jpeg", "png", "gif", "bmp", "tiff", "webp"] * 8
    inputs = [(built(n), BUILDERS[n][1]) for n in names]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda item: sniff(item[0]), inputs))
    assert results == [expected for _, expected in inputs]


# --- canonical names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("image/jpg", "image/jpeg"),
        ("image/pjpeg", "image/jpeg"),
        ("image/x-png", "image/png"),
        ("image/x-ms-bmp", "image/bmp"),
        ("audio/x-wav", "audio/wav"),
        ("audio/wave", "audio/wav"),
        ("audio/vnd.wave", "audio/wav"),
        ("audio/x-pn-wave", "audio/wav"),
        ("audio/x-flac", "audio/flac"),
        ("audio/x-m4a", "audio/mp4"),
        ("audio/m4a", "audio/mp4"),
        ("audio/mp3", "audio/mpeg"),
        ("audio/x-hx-aac-adts", "audio/aac"),
        ("audio/vorbis", "audio/ogg"),
        ("video/x-m4v", "video/mp4"),
        ("IMAGE/JPEG; charset=binary", "image/jpeg"),
        (" image/X-PNG ", "image/png"),
        ("video/x-ms-asf", "video/x-ms-asf"),
        ("image/heic", "image/heic"),
    ],
)
def test_canonical_mime(alias: str, canonical: str) -> None:
    assert canonical_mime(alias) == canonical


@pytest.mark.parametrize("junk", ["", "image", "/png", "image/", "a/b/c", "data", "x y/z"])
def test_canonical_mime_of_junk(junk: str) -> None:
    assert canonical_mime(junk) == FALLBACK_MIME


def test_canonical_table_is_closed() -> None:
    for alias, canonical in CANONICAL_MIME.items():
        assert alias == alias.lower() and canonical == canonical.lower()
        assert canonical not in CANONICAL_MIME, f"{alias} -> {canonical} is not final"
        assert canonical_mime(canonical) == canonical


@given(st.text(max_size=40))
def test_canonical_mime_is_idempotent(text: str) -> None:
    once = canonical_mime(text)
    assert canonical_mime(once) == once
    assert "/" in once


def test_base_type_and_is_subtype() -> None:
    assert BASE_TYPES["image/apng"] == "image/png"
    assert base_type("image/apng") == "image/png"
    assert base_type("image/vnd.mozilla.apng") == "image/png"
    assert base_type("image/jpeg") == "image/jpeg"
    assert base_type("image/jpg") == "image/jpeg"
    assert is_subtype("image/apng", "image/png")
    assert is_subtype("image/png", "image/png")
    assert is_subtype("image/x-png", "image/png")
    assert is_subtype("image/apng", "image/apng")
    assert not is_subtype("image/png", "image/apng")
    assert not is_subtype("image/heic-sequence", "image/heic")


# --- ISO-BMFF ftyp ---------------------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes, tail: bytes = b"") -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    box = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    return box + struct.pack(">I", 8) + b"free" + tail


@pytest.mark.parametrize(
    ("major", "compatible", "expected"),
    [
        (b"avif", [b"mif1", b"miaf"], "image/avif"),
        (b"avis", [b"msf1", b"avif"], "image/avif"),
        (b"heic", [b"mif1", b"heic"], "image/heic"),
        (b"heix", [b"mif1"], "image/heic"),
        (b"heim", [b"mif1"], "image/heic"),
        (b"heis", [b"mif1"], "image/heic"),
        (b"hevc", [b"msf1"], "image/heic-sequence"),
        (b"hevx", [b"msf1"], "image/heic-sequence"),
        (b"mif1", [b"mif1"], "image/heif"),
        (b"mif1", [b"mif1", b"avif"], "image/avif"),
        (b"mif1", [b"mif1", b"heic"], "image/heic"),
        (b"mif1", [b"miaf", b"heix", b"avif"], "image/heic"),  # first coded brand wins
        (b"mif1", [b"hevc"], "image/heif"),  # a still-image file: sequence brands don't count
        (b"mif2", [], "image/heif"),
        (b"msf1", [b"msf1"], "image/heif-sequence"),
        (b"msf1", [b"hevc"], "image/heic-sequence"),
        (b"msf1", [b"avis"], "image/avif"),
        (b"msf1", [b"heic"], "image/heif-sequence"),
        (b"isom", [b"iso2", b"avc1", b"mp41"], None),
        (b"isom", [b"avif", b"mif1"], None),  # a video brand is left to libmagic
        (b"mp42", [b"isom"], None),
        (b"qt  ", [b"qt  "], None),
        (b"M4V ", [b"M4V "], None),
        (b"3gp5", [b"3gp5"], None),
        (b"crx ", [], None),
    ],
)
def test_ftyp_image_type(major: bytes, compatible: list[bytes], expected: str | None) -> None:
    head = _ftyp(major, *compatible)
    assert ftyp_image_type(head) == expected
    assert ftyp_brands(head) == (major.decode(), tuple(b.decode() for b in compatible))


@pytest.mark.parametrize(
    ("major", "expected"),
    [
        (b"isom", "video/mp4"),
        (b"mp42", "video/mp4"),
        (b"qt  ", "video/quicktime"),
        (b"M4V ", "video/mp4"),
        (b"M4A ", "audio/mp4"),
        (b"3gp5", "video/3gpp"),
    ],
)
def test_video_brands_are_left_to_libmagic(major: bytes, expected: str) -> None:
    assert sniff(_ftyp(major, major, tail=bytes(64))) == expected


def test_ftyp_size_variants() -> None:
    body = b"avif\0\0\0\0mif1miaf"
    large = struct.pack(">IQ", 1, 16 + len(body))[:4] + b"ftyp"
    large += struct.pack(">Q", 16 + len(body)) + body
    assert ftyp_brands(large) == ("avif", ("mif1", "miaf"))
    to_end = struct.pack(">I", 0) + b"ftyp" + body + b"heic"
    assert ftyp_brands(to_end) == ("avif", ("mif1", "miaf", "heic"))
    assert ftyp_brands(struct.pack(">I", 12) + b"ftypavif") is None  # box too small
    assert ftyp_brands(b"\0\0\0\x18ftyp") is None
    assert ftyp_brands(b"\0\0\0\x18moovavif") is None


def test_ftyp_truncated_head() -> None:
    head = _ftyp(b"mif1", b"mif1", b"miaf", b"avif")
    assert ftyp_brands(head[:12]) == ("mif1", ())
    assert ftyp_image_type(head[:12]) == "image/heif"
    assert ftyp_brands(head[:27]) == ("mif1", ("mif1", "miaf"))  # a partial brand is dropped
    assert ftyp_image_type(head[:27]) == "image/heif"
    assert ftyp_image_type(head[:28]) == "image/avif"
    for cut in range(len(head)):
        assert ftyp_image_type(head[:cut]) in {None, "image/heif", "image/avif"}


# --- PNG / APNG ------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _insert_after_ihdr(png: bytes, *chunks: bytes) -> bytes:
    at = 8 + 12 + 13  # signature, IHDR
    return png[:at] + b"".join(chunks) + png[at:]


def _without_chunk(png: bytes, kind: bytes) -> bytes:
    out, offset = bytearray(png[:8]), 8
    while offset < len(png):
        (length,) = struct.unpack_from(">I", png, offset)
        end = offset + 12 + length
        if png[offset + 4 : offset + 8] != kind:
            out += png[offset:end]
        offset = end
    return bytes(out)


def test_is_animated_png() -> None:
    assert is_animated_png(built("apng"))
    assert not is_animated_png(built("png"))
    assert not is_animated_png(built("gif"))
    assert not is_animated_png(b"")


def test_actl_after_idat_is_not_animated() -> None:
    still = built("png")
    iend = still.rindex(b"IEND") - 4
    late = still[:iend] + _chunk(b"acTL", struct.pack(">II", 2, 0)) + still[iend:]
    assert not is_animated_png(late)
    assert sniff(late) == "image/png"


@pytest.mark.parametrize(
    "actl",
    [
        _chunk(b"acTL", struct.pack(">II", 0, 0)),  # zero frames
        _chunk(b"acTL", struct.pack(">II", 0x8000_0001, 0)),  # too many frames
        _chunk(b"acTL", b"\0\0\0\2"),  # too short
    ],
)
def test_invalid_actl_is_a_still_png(actl: bytes) -> None:
    data = _insert_after_ihdr(_without_chunk(built("apng"), b"acTL"), actl)
    assert not is_animated_png(data)
    assert sniff(data) == "image/png"


def test_repeated_actl_is_a_still_png() -> None:
    data = _insert_after_ihdr(built("apng"), _chunk(b"acTL", struct.pack(">II", 2, 0)))
    assert not is_animated_png(data)


def test_actl_beyond_the_head(tmp_path: Path) -> None:
    filler = _chunk(b"tEXt", b"Comment\0" + b"x" * (HEAD_SIZE + 1000))
    data = _insert_after_ihdr(built("apng"), filler)
    assert data.index(b"acTL") > HEAD_SIZE
    assert not is_animated_png(data[:HEAD_SIZE])  # the head alone does not show it
    assert sniff(data) == "image/apng"
    path = tmp_path / "big.png"
    path.write_bytes(data)
    assert sniff(path) == "image/apng"
    stream = io.BytesIO(b"junk" + data)
    stream.seek(4)
    assert sniff(stream) == "image/apng"
    assert stream.tell() == 4
    # A stream that cannot seek only shows its head: documented as a still PNG.
    assert sniff(_Trickle(data)) == "image/png"  # type: ignore[arg-type]


def test_truncated_png() -> None:
    apng = built("apng")
    actl_end = apng.index(b"acTL") + 4 + 8
    assert sniff(apng[:actl_end]) == "image/apng"
    assert sniff(apng[: actl_end - 1]) == "image/png"  # acTL cut short: cannot tell
    assert sniff(apng[:16]) == "image/png"  # signature and IHDR type
    assert sniff(apng[:8]) != "image/png"  # just the signature: left to libmagic
    for cut in range(0, len(apng), 7):
        assert sniff(apng[:cut]) in {
            "image/apng",
            "image/png",
            FALLBACK_MIME,
            "application/x-empty",
        }


# --- WebP ------------------------------------------------------------------------------------


def _riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _webp_chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def test_is_animated_webp() -> None:
    assert is_animated_webp(built("webp-animated"))
    assert not is_animated_webp(built("webp"))
    assert not is_animated_webp(built("webp-lossless"))
    assert not is_animated_webp(built("apng"))
    assert not is_animated_webp(b"")


def test_webp_animation_flag_and_anim_chunk() -> None:
    vp8x_still = _webp_chunk(b"VP8X", bytes([0x10]) + bytes(9))  # alpha flag only
    vp8x_anim = _webp_chunk(b"VP8X", bytes([0x02]) + bytes(9))
    anim = _webp_chunk(b"ANIM", bytes(6))
    iccp = _webp_chunk(b"ICCP", bytes(101))  # odd size: padded
    image = _webp_chunk(b"VP8L", bytes(20))
    assert is_animated_webp(_riff(vp8x_anim))
    assert is_animated_webp(_riff(vp8x_still, iccp, anim))  # flag missing, ANIM present
    assert is_animated_webp(_riff(vp8x_still, _webp_chunk(b"ANMF", bytes(16))))
    assert not is_animated_webp(_riff(vp8x_still, iccp, image, anim))  # after the image data
    assert not is_animated_webp(_riff(vp8x_still))
    assert not is_animated_webp(_riff(vp8x_anim)[:20])  # flags byte cut off


def test_riff_webp_is_webp_whatever_follows() -> None:
    assert sniff(_riff(b"garbage!")) == "image/webp"
    assert sniff(b"RIFF\0\0\0\0WEBP") == "image/webp"
    assert sniff(b"RIFF\0\0\0\0WAVE") != "image/webp"


# --- ID3v2 -----------------------------------------------------------------------------------


def _id3(payload_size: int) -> bytes:
    size = bytes((payload_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + size + bytes(payload_size)


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames.
_MP3_FRAMES = (b"\xff\xfb\x90\x64" + bytes(413)) * 8


def test_mp3_behind_small_id3_tag() -> None:
    assert sniff(_id3(2048) + _MP3_FRAMES) == "audio/mpeg"
    assert sniff(_MP3_FRAMES) == "audio/mpeg"


def test_mp3_behind_id3_tag_larger_than_the_head(tmp_path: Path) -> None:
    data = _id3(HEAD_SIZE * 3) + _MP3_FRAMES
    assert sniff(data) == "audio/mpeg"
    path = tmp_path / "song.bin"
    path.write_bytes(data)
    assert sniff(path) == "audio/mpeg"
    assert sniff(io.BytesIO(data)) == "audio/mpeg"


def test_id3_tag_without_audio_is_left_to_libmagic() -> None:
    data = _id3(100)
    expected = canonical_mime(magic.Magic(mime=True).from_buffer(data))
    assert sniff(data) == expected
    assert sniff(b"ID3\xff\xff\0\0\0\0\0") == canonical_mime(
        magic.Magic(mime=True).from_buffer(b"ID3\xff\xff\0\0\0\0\0")
    )


# --- robustness on arbitrary bytes -----------------------------------------------------------

_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_PREFIXES = st.sampled_from(
    [b"", b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", b"RIFF\0\0\0\0WEBP", b"\0\0\0\x18ftyp", b"ID3"]
)
_IMAGE_TYPES = {
    None,
    "image/avif",
    "image/heic",
    "image/heic-sequence",
    "image/heif",
    "image/heif-sequence",
}


@_FAST
@given(prefix=_PREFIXES, rest=st.binary(max_size=300))
def test_parsers_never_raise(prefix: bytes, rest: bytes) -> None:
    head = prefix + rest
    brands = ftyp_brands(head)
    if brands is not None:
        major, compatible = brands
        assert len(major) == 4 and all(len(b) == 4 for b in compatible)
    assert ftyp_image_type(head) in _IMAGE_TYPES
    assert isinstance(is_animated_png(head), bool)
    assert isinstance(is_animated_webp(head), bool)


@_FAST
@given(prefix=_PREFIXES, rest=st.binary(max_size=300))
def test_sniff_never_raises_on_bytes(prefix: bytes, rest: bytes) -> None:
    mime = sniff(prefix + rest)
    assert canonical_mime(mime) == mime


@_FAST
@given(
    brands=st.lists(
        st.sampled_from([b"avif", b"avis", b"heic", b"hevc", b"mif1", b"msf1", b"isom", b"mp42"]),
        min_size=1,
        max_size=6,
    ),
    cut=st.integers(min_value=0, max_value=64),
)
def test_ftyp_brands_round_trip(brands: list[bytes], cut: int) -> None:
    head = _ftyp(brands[0], *brands[1:])
    parsed = ftyp_brands(head)
    assert parsed == (brands[0].decode(), tuple(b.decode() for b in brands[1:]))
    truncated = ftyp_brands(head[:cut])
    if truncated is not None:
        assert truncated[0] == brands[0].decode()
        assert parsed[1][: len(truncated[1])] == truncated[1]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_truncated_built_files(name: str) -> None:
    data = built(name)
    for cut in sorted({0, 1, 4, 8, 12, 16, 24, 32, 48, 64, 100, len(data) // 2}):
        assert canonical_mime(sniff(data[:cut])) == sniff(data[:cut])


# --- the external corpus ---------------------------------------------------------------------

CORPUS_EXPECTED = {
    # mastodon/
    "4096x4097.png": "image/png",
    "600x400-animated.gif": "image/gif",
    "600x400-animated.png": "image/apng",
    "600x400.avif": "image/avif",
    "600x400.gif": "image/gif",
    "600x400.heic": "image/heic",
    "600x400.jpeg": "image/jpeg",
    "600x400.png": "image/png",
    "600x400.webp": "image/webp",
    "attachment-jpg.123456_abcd": "image/jpeg",
    "attachment.gif": "image/gif",
    "attachment.jpg": "image/jpeg",
    "attachment.webm": "video/webm",
    "avatar-high.gif": "image/gif",
    "avatar.gif": "image/gif",
    "boop.ogg": "audio/ogg",
    "emojo.png": "image/png",
    "mini-static.gif": "image/gif",
    "monochrome.png": "image/png",
    "text.png": "image/png",
    # gotosocial/
    "birdnest-original.mp4": "video/mp4",
    "bunny-original.webm": "video/webm",
    "butt-original.gif": "image/gif",
    "clock-original.gif": "image/gif",
    "cowlick-original.mp4": "video/mp4",
    "gotosocial.avif": "image/avif",
    "gts_pixellated-original.png": "image/png",
    "longer-mp4-original.mp4": "video/mp4",
    "nb-flag-original.webp": "image/webp",
    "ohyou-original.jpg": "image/jpeg",
    "rainbow-original.png": "image/apng",  # a real 14-frame APNG
    "sloth-gear-original.webp": "image/webp",
    "test-jpeg-1x1px-white.jpg": "image/jpeg",
    "test-jpeg-thumbnail.jpeg": "image/jpeg",
    "test-jpeg.jpg": "image/jpeg",
    "test-mp4-original.mp4": "video/mp4",
    "test-opus-original.opus": "audio/ogg",
    "test-png-alphachannel-1x1px.png": "image/png",
    "test-png-alphachannel.png": "image/png",
    "test-png-noalphachannel.png": "image/png",
    "thoughtsofdog-original.jpg": "image/jpeg",
    "welcome-original.jpg": "image/jpeg",
    "you-posted-original.webp": "image/png",  # a PNG with a .webp name
}

_SERVER_FILES = corpus_files("mastodon") + corpus_files("gotosocial")


@pytest.mark.parametrize("path", _SERVER_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_server_files(path: Path) -> None:
    assert path.name in CORPUS_EXPECTED, f"add {path.name} to CORPUS_EXPECTED"
    expected = CORPUS_EXPECTED[path.name]
    assert sniff(path) == expected
    # libmagic agrees, except that it does not tell an APNG from a PNG.
    raw = canonical_mime(magic.Magic(mime=True).from_buffer(path.read_bytes()[:HEAD_SIZE]))
    assert raw == base_type(expected)


def test_corpus_avif_and_heif(corpus: Path) -> None:
    folder = corpus / "pillow" / "avif"
    if not folder.is_dir():
        pytest.skip("pillow/avif not in the corpus")
    for path in sorted(folder.iterdir()):
        if path.suffix in {".avif", ".avifs"}:
            assert sniff(path) == "image/avif", path.name
    assert sniff(folder / "hopper.heif") == "image/heic"  # ftyp heic, compatible mif1 heic


def test_corpus_pillow_files_never_raise(corpus: Path) -> None:
    files = corpus_files("pillow")
    if not files:
        pytest.skip("pillow/ not in the corpus")
    for path in files:
        mime = sniff(path)
        assert canonical_mime(mime) == mime, path.name


def test_ogg_streams_are_told_apart_by_their_first_codec() -> None:
    page = b"OggS\x00\x02" + bytes(20) + b"\x01\x1e"
    assert ogg_type(page + b"\x01vorbis" + bytes(20)) == "audio/ogg"
    assert ogg_type(page + b"OpusHead" + bytes(20)) == "audio/ogg"
    assert ogg_type(page + b"\x80theora" + bytes(20)) == "video/ogg"
    assert ogg_type(page + b"OVP80" + bytes(20)) == "video/ogg"
    assert ogg_type(page + b"unknown!" + bytes(20)) == "application/ogg"
    assert ogg_type(b"OggS") is None and ogg_type(b"RIFF" + bytes(40)) is None


@given(st.binary(max_size=64))
def test_ogg_type_never_raises(data: bytes) -> None:
    assert ogg_type(b"OggS" + data) in (None, "audio/ogg", "video/ogg", "application/ogg")
