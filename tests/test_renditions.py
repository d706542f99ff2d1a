"""Renditions: the stored files are what ``meta`` says, carry no metadata, and are reproducible."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import struct
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from avmedia import SAMPLE_RATE, build, mp3_with_png_cover, silence
from conftest import corpus_root
from media import animated_gif, encode, gradient, marked
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from attachmeta import (
    GOTOSOCIAL,
    MASTODON,
    MASTODON_V3,
    Analysis,
    AttachmetaError,
    InvalidMediaError,
    MediaTooLargeError,
    ProfileError,
    analyze,
)
from attachmeta.geometry import size_for_budget
from attachmeta.gif import parse_gif
from attachmeta.profiles import Profile
from attachmeta.renditions import (
    MIN_BITRATE,
    RenditionError,
    drop_user_data_sei,
    even_size,
    finish_mp4,
    gifv_delays,
    strip_gif,
    target_bitrate,
)
from attachmeta.video import probe_media

ROOT = Path(__file__).resolve().parents[1]

# --- what a clean file looks like ---------------------------------------------------------------

SECRETS = (b"SECRET", b"48.8577", b"+48.85", b"2024-01-02", b"2024:01:02", b"ISO6709")
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description>SECRET-XMP</rdf:Description></rdf:RDF></x:xmpmeta>'
)
LOCATION = {
    "location": "+48.8577+002.2950/",
    "com.apple.quicktime.location.ISO6709": "+48.8577+002.2950+010.000/",
    "creation_time": "2024-01-02T03:04:05Z",
    "title": "SECRET-TITLE",
    "comment": "SECRET-COMMENT",
    "encoder": "SECRET-ENCODER",
}


def _jpeg_markers(data: bytes) -> Iterator[int]:
    """The markers of a JPEG's segments up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    pos = 2
    while pos + 4 <= len(data):
        marker = data[pos + 1]
        yield marker
        if marker == 0xDA:
            return
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]


def _png_chunks(data: bytes) -> Iterator[bytes]:
    pos = 8
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        yield kind
        pos += 12 + size


def _riff_chunks(data: bytes) -> Iterator[bytes]:
    pos = 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        yield kind
        pos += 8 + size + (size & 1)


def _gif_extensions(data: bytes) -> Iterator[bytes]:
    """Each extension's label byte and, for application extensions, its identifier."""
    data += bytes(1024)  # a truncated file reads as zeros past its end
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while pos < len(data) - 1024 and data[pos] in (0x21, 0x2C):
        if data[pos] == 0x21:
            label = data[pos + 1]
            yield bytes([label]) + (data[pos + 3 : pos + 14] if label == 0xFF else b"")
            pos += 2
        else:
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        while pos < len(data) and data[pos]:
            pos += data[pos] + 1
        pos += 1


_MP4_PARENTS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta", b"ilst"}


def _mp4_boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int]]:
    """Every box (type, payload offset) at any depth, ``meta`` and ``udta`` included."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 16 if size == 1 else 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        size = size or end - pos
        yield kind, pos + header
        if kind in _MP4_PARENTS or kind == b"meta":
            yield from _mp4_boxes(data, pos + header + (4 if kind == b"meta" else 0), pos + size)
        pos += size


def assert_clean(data: bytes, mime: str, *, copied_sound: bool = False) -> None:
    """No EXIF, GPS, XMP, IPTC, comment, tag or location in the file's structure or bytes.

    ``copied_sound``: the MP4's AAC stream was copied, with the version string FFmpeg's
    encoder put in the uploader's first audio frame.
    """
    for secret in SECRETS:
        assert secret not in data, secret
    if mime == "image/jpeg":
        assert set(_jpeg_markers(data)) & {0xE1, 0xED, 0xFE} == set()
        assert all(m not in range(0xE3, 0xF0) or m == 0xEE for m in _jpeg_markers(data))
    elif mime == "image/png":
        assert set(_png_chunks(data)) & {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"} == set()
    elif mime == "image/webp":
        assert set(_riff_chunks(data)) & {b"EXIF", b"XMP "} == set()
    elif mime == "image/gif":
        assert all(ext in (b"\xf9", b"\x01", b"\xffNETSCAPE2.0") for ext in _gif_extensions(data))
    elif mime == "video/mp4":
        kinds = [kind for kind, _ in _mp4_boxes(data)]
        assert kinds[:3] == [b"ftyp", b"moov", b"mvhd"]  # faststart: the index before the media
        forbidden = {b"udta", b"meta", b"\xa9xyz", b"\xa9too", b"loci", b"uuid", b"keys", b"ilst"}
        assert forbidden & set(kinds) == set()
        for kind, offset in _mp4_boxes(data):
            if kind in (b"mvhd", b"tkhd", b"mdhd"):  # creation and modification times
                assert data[offset + 4 : offset + 12] == bytes(8), kind
        for tool in (b"Lavf", b"x264", *(() if copied_sound else (b"Lavc",))):
            assert tool not in data, tool
    elif mime == "audio/mpeg":
        assert data[:3] != b"ID3" and data[-128:-125] != b"TAG" and b"APIC" not in data


# --- what a consistent file looks like ------------------------------------------------------


def assert_consistent(result: Analysis, profile: Profile = MASTODON) -> list[str]:
    """Each rendition reopens with the meta's size (and aspect, rate and duration); returns
    the styles checked."""
    styles = ["original"] + (["small"] if result.small is not None else [])
    for style in styles:
        made = result.render(style)
        meta = result.meta[style]
        assert made.extension and made.mime
        if made.mime.startswith("image/"):
            with Image.open(io.BytesIO(made.data)) as image:
                assert Image.MIME[image.format] == made.mime  # type: ignore[index]
                assert image.size == (meta["width"], meta["height"]) == (made.width, made.height)
            if style == "original" or profile.small_aspect == "output":
                assert meta["aspect"] == meta["width"] / meta["height"]
        elif made.mime == "video/mp4":
            _assert_mp4_matches(made.data, meta)
        else:
            assert made.mime == "audio/mpeg" and made.width is None
            probe = probe_media(made.data)
            assert probe.audio is not None and probe.video is None
            assert probe.duration is not None and abs(probe.duration - meta["duration"]) < 0.1
    return styles


def _assert_mp4_matches(data: bytes, meta: dict[str, Any]) -> None:
    probe = probe_media(data)
    video = probe.video
    assert video is not None and video.codec == "h264" and video.pix_fmt == "yuv420p"
    size = (video.coded_width, video.coded_height)
    upright = size[::-1] if video.rotation in (90, 270) else size
    assert upright == (meta["width"], meta["height"])
    if "frame_rate" not in meta:
        return
    rate = Fraction(meta["frame_rate"])
    one_frame = 1 / rate
    assert probe.duration is not None and abs(probe.duration - meta["duration"]) <= one_frame
    actual = video.avg_frame_rate
    assert actual is not None
    assert abs(actual * meta["duration"] - rate * meta["duration"]) <= 1  # within one frame


# --- media with metadata ------------------------------------------------------------------------


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF"
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return exif


def _iptc_segment() -> bytes:
    record = b"\x1c\x02\x78" + struct.pack(">H", 11) + b"SECRET-IPTC"
    body = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


@cache
def _srgb_icc() -> bytes:
    """An sRGB profile with its creation date (header bytes 24-35) zeroed: LittleCMS stamps
    the current time, which would make the inputs themselves differ between runs."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return icc[:24] + bytes(12) + icc[36:]


def photo_jpeg(orientation: int = 1, size: tuple[int, int] = (60, 40)) -> bytes:
    """A JPEG with EXIF (GPS, orientation), XMP, a comment, IPTC and an ICC profile."""
    data = encode(
        marked(*size),
        "JPEG",
        exif=_exif(orientation),
        xmp=XMP,
        comment=b"SECRET-COMMENT",
        icc_profile=_srgb_icc(),
    )
    return data[:2] + _iptc_segment() + data[2:]


def photo_png(mode: str = "RGBA") -> bytes:
    info = PngInfo()
    info.add_text("Comment", "SECRET-TEXT")
    info.add_text("Location", "SECRET-ZTXT", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return encode(
        gradient(50, 30, mode), "PNG", pnginfo=info, exif=_exif(), icc_profile=_srgb_icc()
    )


def photo(fmt: str) -> bytes:
    """A photo in ``fmt`` carrying EXIF with GPS and XMP."""
    if fmt == "JPEG":
        return photo_jpeg()
    if fmt == "PNG":
        return photo_png()
    return encode(gradient(50, 30), fmt, exif=_exif().tobytes(), xmp=XMP)


def gif_with_comment() -> bytes:
    """A static GIF with a comment, an XMP application block and bytes after the trailer."""
    data = encode(Image.new("P", (30, 20), 3), "GIF", comment=b"SECRET-COMMENT")
    xmp = b"\x21\xff\x0bXMP DataXMP" + bytes([len(XMP[:200])]) + XMP[:200] + b"\x00"
    return data[:-1] + xmp + b";" + b"SECRET-TRAILING"


def video_with_location(fmt: str, codec: str, audio: str | None) -> bytes:
    """A video whose container and stream carry location, creation time and text tags."""
    out = io.BytesIO()
    options = {"movflags": "use_metadata_tags"} if fmt == "mov" else {}
    with av.open(out, "w", format=fmt, options=options) as container:
        container.metadata.update(LOCATION)
        video = container.add_stream(codec, rate=10)
        assert isinstance(video, av.video.stream.VideoStream)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.metadata.update({"location": LOCATION["location"], "title": "SECRET-STREAM"})
        sound = container.add_stream(audio, rate=SAMPLE_RATE) if audio else None
        if isinstance(sound, av.audio.stream.AudioStream):
            sound.layout = "mono"
        for index in range(6):
            pixels = np.full((48, 64, 3), 40 * index, np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(video.encode(None))
        if isinstance(sound, av.audio.stream.AudioStream):
            container.mux(silence(sound, 0.5))
    return out.getvalue()


def mp3_with_tags() -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        container.metadata.update({"title": "SECRET-TITLE", "artist": "SECRET-ARTIST"})
        sound = container.add_stream("libmp3lame", rate=SAMPLE_RATE)
        assert isinstance(sound, av.audio.stream.AudioStream)
        sound.layout = "mono"
        container.mux(silence(sound, 1.0))
    return out.getvalue()


# --- the API ------------------------------------------------------------------------------------


def test_styles_and_errors() -> None:
    result = analyze(encode(gradient(40, 30), "PNG"))
    with pytest.raises(RenditionError, match="Unknown rendition style 'large'") as caught:
        result.render("large")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttachmetaError)
    unknown = analyze(encode(gradient(40, 30), "PNG")[:60])
    assert unknown.type == "unknown"
    with pytest.raises(InvalidMediaError, match="No file to store"):
        unknown.render("original")
    silent = analyze(build("mp3", None, "libmp3lame"))
    assert silent.type == "audio" and silent.small is None
    with pytest.raises(RenditionError, match="no small preview"):
        silent.render("small")


def test_original_is_made_once_and_the_bytes_stay_out_of_repr_and_eq() -> None:
    data = photo_jpeg()
    first, second = analyze(data), analyze(data)
    made = first.render("original")
    assert first.render("original") is made
    assert first == second and "SECRET" not in repr(first) and "data" not in repr(made)


def test_formats_of_mastodon() -> None:
    cases = [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
    cases += [("HEIF", "image/jpeg"), ("AVIF", "image/jpeg")]
    for fmt, stored in cases:
        result = analyze(photo(fmt))
        assert_consistent(result)
        for style in ("original", "small"):
            made = result.render(style)
            assert made.mime == stored, (fmt, style)
            assert_clean(made.data, made.mime)


def test_upright_at_the_budget_with_the_icc_profile_only() -> None:
    result = analyze(photo_jpeg(orientation=6, size=(2000, 1500)), profile=MASTODON_V3)
    made = result.render("original")
    assert (made.width, made.height) == size_for_budget(1500, 2000, MASTODON_V3.original_pixels)
    assert_consistent(result, MASTODON_V3)
    small = result.small
    assert small is not None
    with Image.open(io.BytesIO(made.data)) as image:
        assert image.info.get("icc_profile") == _srgb_icc()
        assert not image.getexif() and "comment" not in image.info
        shrunk = np.asarray(image.convert("RGB").resize(small.size), np.int16)
    assert np.abs(shrunk - np.asarray(small, np.int16)).mean() < 8  # upright like the preview


@pytest.mark.parametrize("mode", ["L", "LA", "P", "I;16", "CMYK", "RGBA"])
def test_every_pixel_mode_is_stored(mode: str) -> None:
    fmt = "JPEG" if mode in ("L", "CMYK") else "PNG"
    result = analyze(encode(gradient(33, 17, mode), fmt))
    assert_consistent(result)
    with Image.open(io.BytesIO(result.render("original").data)) as image:
        assert image.mode in ("L", "LA", "RGB", "RGBA")


def test_clean_static_gif_is_kept_byte_for_byte_and_metadata_blocks_go() -> None:
    clean = encode(Image.new("P", (30, 20), 3), "GIF")
    assert analyze(clean).render("original").data == clean
    assert strip_gif(clean) is clean
    dirty = gif_with_comment()
    made = analyze(dirty).render("original")
    assert made.mime == "image/gif" and made.data != dirty
    assert_clean(made.data, "image/gif")
    assert_clean(analyze(dirty).render("small").data, "image/gif")
    with Image.open(io.BytesIO(made.data)) as ours, Image.open(io.BytesIO(dirty)) as theirs:
        assert ours.tobytes() == theirs.tobytes()


def test_privacy_of_every_photo_format() -> None:
    for data in (photo_jpeg(6), photo_png("RGB"), photo("WEBP"), photo("HEIF"), gif_with_comment()):
        result = analyze(data)
        for style in ("original", "small"):
            made = result.render(style)
            assert_clean(made.data, made.mime)


# --- gifv -------------------------------------------------------------------------------------


def _mp4_frames(data: bytes) -> list[Fraction]:
    """The presentation time (seconds) of every decoded frame."""
    with av.open(io.BytesIO(data), "r") as container:
        return [Fraction(f.pts or 0) * (f.time_base or 0) for f in container.decode(video=0)]


def test_gifv_mp4_keeps_every_delay() -> None:
    data = animated_gif(33, 17, frames=6, duration_ms=[100, 20, 500, 40, 10, 30])
    result = analyze(data)
    gif = parse_gif(data, max_frames=100)
    delays = gifv_delays(gif, MASTODON)
    assert delays == (10, 2, 50, 4, 10, 3)  # 1 cs is below FFmpeg's 2 cs minimum: 10
    original = result.meta["original"]
    assert (original["width"], original["height"]) == (32, 16) == even_size(33, 17)
    assert original["duration"] == 0.79 and original["frame_rate"] == "600/79"
    assert original["bitrate"] == target_bitrate(33, 17, 0.79, MASTODON) == 1851  # 33*17*30*0.11
    made = result.render("original")
    assert (made.mime, made.extension) == ("video/mp4", "mp4")
    starts = [Fraction(sum(delays[:i]), 100) for i in range(len(delays))]
    assert _mp4_frames(made.data) == starts
    assert_consistent(result)
    assert_clean(made.data, made.mime)
    probe = probe_media(made.data)
    assert probe.audio is None and probe.duration == 0.79


def test_gifv_meta_describes_the_mp4() -> None:
    data = animated_gif(600, 400, frames=3, duration_ms=100)
    original = analyze(data).meta["original"]
    assert original == {
        "width": 600,
        "height": 400,
        "frame_rate": "10/1",
        "duration": 0.3,
        "bitrate": 792_000,  # Mastodon's target: 600 * 400 * 30 * 0.11
    }


def test_one_pixel_wide_and_transparent_gifs() -> None:
    thin = analyze(animated_gif(1, 9, frames=2, duration_ms=50))
    assert (thin.meta["original"]["width"], thin.meta["original"]["height"]) == (2, 8)
    assert_consistent(thin)
    frames = [Image.new("RGBA", (20, 10), (0, 0, 0, 0)), Image.new("RGBA", (20, 10), (0, 0, 255))]
    clear = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    with av.open(io.BytesIO(analyze(clear).render("original").data), "r") as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert first.min() > 230  # transparent pixels are on the profile's white background


# --- video and audio --------------------------------------------------------------------------


def _video_packets(data: bytes) -> list[bytes]:
    with av.open(io.BytesIO(data), "r") as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_h264_mp4_is_remuxed_without_its_encoder_text() -> None:
    data = build("mp4", "libx264", "aac")
    result = analyze(data)
    made = result.render("original")
    assert_consistent(result)
    ours, theirs = _video_packets(made.data), _video_packets(data)
    assert len(ours) == len(theirs) and ours[1:] == theirs[1:]  # copied, not re-encoded
    assert b"x264" in theirs[0] and ours[0] == drop_user_data_sei(theirs[0], 4)
    assert_clean(made.data, made.mime, copied_sound=True)


@pytest.mark.parametrize(
    ("fmt", "codec", "audio", "remux"),
    [
        ("mp4", "libx264", "aac", True),
        ("mov", "libx264", "aac", False),  # Mastodon re-encodes every QuickTime file
        ("webm", "libvpx-vp9", "libopus", False),
        ("mp4", "libx264", None, True),
    ],
)
def test_video_metadata_is_dropped(fmt: str, codec: str, audio: str | None, remux: bool) -> None:
    data = video_with_location(fmt, codec, audio)
    assert b"SECRET-TITLE" in data
    result = analyze(data)
    made = result.render("original")
    assert_consistent(result)
    assert_clean(made.data, made.mime, copied_sound=remux)
    assert (_video_packets(made.data)[1:] == _video_packets(data)[1:]) is remux
    streams = probe_media(made.data)
    assert (streams.audio is None) is (audio is None)
    assert streams.audio is None or streams.audio.codec == "aac"


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_videos_stay_upright(rotation: int) -> None:
    remuxed = analyze(build("mp4", "libx264", "aac", rotation=rotation))  # keeps its matrix
    turned = analyze(
        build("mp4", "mpeg4", None, rotation=rotation, size=(66, 50))
    )  # encoded upright
    for result, size in ((remuxed, (48, 64)), (turned, (50, 66))):
        assert (result.meta["original"]["width"], result.meta["original"]["height"]) == size
        assert_consistent(result)
    assert probe_media(turned.render("original").data).video.rotation == 0  # type: ignore[union-attr]


def test_odd_video_is_cropped_to_even_sides() -> None:
    result = analyze(build("webm", "libvpx-vp9", "libopus", size=(63, 47)))
    assert (result.meta["original"]["width"], result.meta["original"]["height"]) == (62, 46)
    assert_consistent(result)


def test_audio_is_a_tagless_mp3_and_its_cover_only_the_preview() -> None:
    for data in (mp3_with_tags(), mp3_with_png_cover(), build("ogg", None, "libopus")):
        result = analyze(data)
        made = result.render("original")
        assert (made.mime, made.extension) == ("audio/mpeg", "mp3")
        assert_consistent(result)
        assert_clean(made.data, made.mime)
        assert probe_media(made.data).cover is False
    cover = analyze(mp3_with_png_cover()).render("small")
    assert (cover.mime, cover.width, cover.height) == ("image/png", 40, 30)


def test_video_preview_is_a_png() -> None:
    made = analyze(build("webm", "libvpx-vp9", None)).render("small")
    assert (made.mime, made.width, made.height) == ("image/png", 64, 48)


# --- determinism --------------------------------------------------------------------------------


def _determinism_inputs() -> dict[str, bytes]:
    return {
        "jpeg": photo_jpeg(6),
        "png": photo_png(),
        "webp": photo("WEBP"),
        "heic": photo("HEIF"),
        "gifv": animated_gif(40, 30, frames=5, duration_ms=[40, 80, 120, 40, 200]),
        "remux": build("mp4", "libx264", "aac"),
        "reencode": build("webm", "libvpx-vp9", "libopus", size=(63, 47)),
        "mp3": build("ogg", None, "libopus"),
    }


def _digests() -> dict[str, str]:
    return {
        f"{name}/{style}": hashlib.sha256(analyze(data).render(style).data).hexdigest()
        for name, data in _determinism_inputs().items()
        for style in ("original", "small")
        if name != "mp3" or style == "original"
    }


def test_renditions_are_byte_identical_across_runs_and_processes() -> None:
    here = _digests()
    assert here == _digests()
    code = (
        "import json, sys; sys.path[:0] = [sys.argv[1]]; import test_renditions as t; "
        "print(json.dumps(t._digests()))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "tests")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "tests",
        env={"PYTHONHASHSEED": "7", "PATH": ""},
    )
    assert json.loads(proc.stdout) == here


# --- pure functions and the profile ----------------------------------------------------------


def test_finish_mp4_puts_the_index_first_and_moves_the_chunk_offsets() -> None:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:  # FFmpeg's own layout: mdat, then moov
        container.metadata["title"] = "SECRET-TITLE"
        stream = container.add_stream("mpeg4", rate=10)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height = 32, 16
        for index in range(3):
            pixels = np.full((16, 32, 3), 80 * index, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode(None))
    raw = out.getvalue()
    finished = finish_mp4(raw)
    assert [k for k, _ in _mp4_boxes(raw) if k in (b"moov", b"mdat")] == [b"mdat", b"moov"]
    assert_clean(finished.replace(b"Lavc", b"xxxx").replace(b"Lavf", b"xxxx"), "video/mp4")
    assert _video_packets(finished) == _video_packets(raw)
    with pytest.raises(InvalidMediaError):
        finish_mp4(raw[:100])


def test_target_bitrate_follows_mastodon() -> None:
    assert target_bitrate(1920, 1080, 10.0, MASTODON) == 6_842_880
    assert target_bitrate(1920, 1080, 3600.0, MASTODON) == 99 * 1024 * 1024 * 8 // 3600 - 192_000
    assert target_bitrate(1, 1, 0.1, MASTODON) == MIN_BITRATE


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("jpeg_quality", 0),
        ("webp_quality", 101),
        ("mp3_quality", 10),
        ("video_bits_per_pixel", 0),
        ("video_audio_bitrate", True),
        ("image_conversions", (("image/heic", "image/bmp"),)),
        ("frame_preview_format", "image/tiff"),
        ("remux_video_codecs", ["h264"]),
        ("video_preset", "very fast"),
    ],
)
def test_new_profile_fields_are_checked(field: str, value: object) -> None:
    with pytest.raises(ProfileError, match=field):
        change: dict[str, Any] = {field: value}
        dataclasses.replace(MASTODON, **change)


def test_profiles_render_with_their_own_numbers() -> None:
    data = photo("HEIF")
    assert analyze(data, profile=GOTOSOCIAL).render("original").mime == "image/jpeg"
    pairs = (("image/heic", "image/png"), ("image/heif", "image/png"))
    keep = dataclasses.replace(MASTODON, image_conversions=pairs)
    assert analyze(data, profile=keep).render("original").mime == "image/png"
    big = encode(gradient(64, 48), "JPEG")
    sizes = [len(analyze(big, profile=p).render("original").data) for p in (MASTODON, MASTODON_V3)]
    assert sizes[0] < sizes[1]  # quality 75 (libvips' default) against ImageMagick's 90


# --- the corpus -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")  # decoders' notes on the corpus's odd files
def test_corpus_renditions_match_meta() -> None:
    root = corpus_root()
    if root is None:
        pytest.skip("media corpus not found (set ATTACHMETA_CORPUS or put it in ../shared/corpus)")
    skip = {"NOTICE", "LICENSE", "README.md"}
    counts: dict[str, int] = {}
    gifv_checked = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in skip):
        try:
            result = analyze(path)
        except AttachmetaError:
            counts["not accepted"] = counts.get("not accepted", 0) + 1
            continue
        if result.type == "unknown":
            counts["unknown"] = counts.get("unknown", 0) + 1
            continue
        try:
            styles = assert_consistent(result)
        except MediaTooLargeError:  # a later GIF frame reaching past every limit
            counts["too large to render"] = counts.get("too large to render", 0) + 1
            continue
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from error
        for style in styles:
            made = result.render(style)
            copied = result.type == "video" and result.mime == "video/mp4"
            assert_clean(made.data, made.mime, copied_sound=copied)
        counts[result.type] = counts.get(result.type, 0) + len(styles)
        if result.type == "gifv" and result.mime == "image/gif":
            _assert_gifv_timing(path.read_bytes(), result.render("original").data)
            gifv_checked += 1
    print(f"\ncorpus renditions checked: {counts}; gifv timings: {gifv_checked}")
    assert counts.get("image", 0) > 500 and gifv_checked >= 20


def _assert_gifv_timing(gif_data: bytes, mp4: bytes) -> None:
    gif = parse_gif(gif_data, max_frames=100_000)
    expected = sum(gifv_delays(gif, MASTODON)) / 100
    with av.open(io.BytesIO(mp4), "r") as container:
        frames = list(container.decode(video=0))
    assert abs(len(frames) - gif.frame_count) <= 1
    last = frames[-1]
    assert last.pts is not None and last.time_base is not None
    total = float((last.pts + (last.duration or 0)) * last.time_base)
    assert abs(total - expected) <= 0.05 * expected
