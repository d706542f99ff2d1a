"""Hostile and broken uploads: a closed error surface, bounded work, nothing leaks, threads."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from media import animated_gif, encode, gradient
from PIL import Image

from attachmeta import Analysis, AttachmetaError, MediaTooLargeError, analyze
from attachmeta.testing import encoded_files, mutated_files

FUZZ_CASES = 4000


@settings(
    max_examples=FUZZ_CASES,
    derandomize=True,  # the same cases on every CI run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(mutated_files())
def test_mutated_files_give_a_result_or_our_error(data: bytes) -> None:
    for strict in (False, True):
        try:
            result = analyze(data, strict=strict)
        except AttachmetaError as error:
            assert str(error)
            continue
        assert isinstance(result, Analysis)
        if result.type == "unknown":
            assert result.small is None and result.blurhash is None
        elif result.type != "audio":  # audio without cover art has no preview
            assert result.small is not None and result.blurhash is not None


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(encoded_files())
def test_valid_files_of_every_format_analyze(data: bytes) -> None:
    result = analyze(data)
    assert result.type in ("image", "gifv") and result.blurhash is not None


def _gif_blocks(frames: int, palette_bits: int = 0) -> bytes:
    """A hand-built GIF of 1x1 frames (the LZW data of one pixel of index 0)."""
    colours = 2 << palette_bits
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80 | palette_bits, 0, 0)
    palette = bytes(3 * colours)
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frame = b"\x21\xf9\x04\x00\x02\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    frame += b"\x02\x02\x44\x01\x00"
    return header + palette + loop + frame * frames + b"\x3b"


def test_ten_thousand_frame_gif_is_quick() -> None:
    data = _gif_blocks(10_000)
    start = time.perf_counter()
    result = analyze(data)
    elapsed = time.perf_counter() - start
    assert result.type == "gifv" and result.meta["original"]["duration"] == 200.0
    assert elapsed < 2.0, f"{elapsed:.2f} s"  # a hang guard, far above the ~0.05 s it takes


def test_frame_limit_is_checked_before_decoding() -> None:
    import dataclasses

    from attachmeta import MASTODON

    profile = dataclasses.replace(MASTODON, max_frames=100)
    with pytest.raises(MediaTooLargeError, match="frames"):
        analyze(_gif_blocks(101), profile=profile)


def test_huge_palette_and_canvas_headers_are_refused_early() -> None:
    data = bytearray(_gif_blocks(2, palette_bits=7))
    struct.pack_into("<HH", data, 6, 65535, 65535)
    start = time.perf_counter()
    with pytest.raises(MediaTooLargeError, match="65535x65535 GIF files are not supported"):
        analyze(bytes(data))
    assert time.perf_counter() - start < 2.0


def test_truncated_file_with_an_intact_header_is_unknown() -> None:
    # The documented choice: the header alone is not an image; the file is "unknown" (or an
    # InvalidMediaError with strict=True), with the reason in Analysis.error.
    data = encode(gradient(400, 300), "PNG")
    result = analyze(data[: len(data) // 2])
    assert result.type == "unknown" and result.error and "truncated" in result.error


def test_preview_has_no_metadata_whatever_the_upload_carries() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>52,31N'
    xmp += b"</exif:GPSLatitude></rdf:RDF></x:xmpmeta>"
    sources = [
        encode(gradient(80, 60), "JPEG", exif=exif, xmp=xmp, comment=b"secret"),
        encode(gradient(80, 60), "PNG", exif=exif),  # an eXIf chunk
        encode(gradient(80, 60), "WEBP", exif=exif, xmp=xmp),
    ]
    for data in sources:
        small = analyze(data).small
        assert small is not None and small.info == {} and len(small.getexif()) == 0
        saved = io.BytesIO()
        small.save(saved, "PNG")
        assert b"Maker" not in saved.getvalue() and b"GPS" not in saved.getvalue()
        assert b"xmpmeta" not in saved.getvalue() and b"secret" not in saved.getvalue()


def test_concurrent_calls_match_sequential_ones() -> None:
    inputs = [
        encode(gradient(300 + i * 7, 200 + i * 3), fmt)
        for i, fmt in enumerate(["JPEG", "PNG", "WEBP", "GIF", "AVIF"] * 4)
    ]
    inputs.append(animated_gif(64, 48, frames=5, duration_ms=40))

    def run(data: bytes) -> tuple[object, bytes]:
        result = analyze(data, focus="0.1,-0.2")
        small = result.small
        return result.to_dict(), small.tobytes() if small is not None else b""

    sequential = [run(data) for data in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(run, inputs)) == sequential


_WARNING_CHILD = """
import io, sys
from PIL import Image
import attachmeta
jpeg = io.BytesIO()
bad_exif = b"Exif\\x00\\x00MM\\x00\\x2a\\x00\\x00\\x00\\x08\\x00\\x05"
Image.new("RGB", (20, 20)).save(jpeg, "JPEG", exif=bad_exif)
result = attachmeta.analyze(jpeg.getvalue())
gif = io.BytesIO()
Image.new("P", (2000, 2000)).save(gif, "GIF")
try:
    attachmeta.analyze(gif.getvalue())
except attachmeta.AttachmetaError:
    pass
print(result.type)
"""


@pytest.mark.parametrize(("flags", "quiet"), [([], True), (["-W", "error"], False)])
def test_dependency_warnings_stay_quiet_unless_asked(flags: list[str], quiet: bool) -> None:
    proc = subprocess.run(
        [sys.executable, *flags, "-c", _WARNING_CHILD], capture_output=True, text=True, check=False
    )
    if quiet:
        assert proc.returncode == 0 and proc.stderr == "" and proc.stdout.strip() == "image"
    else:  # the caller asked for warnings as errors: Pillow's EXIF warning reaches them
        assert proc.returncode != 0 or proc.stderr != ""
