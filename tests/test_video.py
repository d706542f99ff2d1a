"""Tests for attachmeta.video: media made here with PyAV, the shared corpus, hostile bytes.

Golden values come from how each file was built: its frame count and rate, its picture size,
its sample aspect ratio and its display matrix (written with ``set_display_rotation``), and a
red marker painted in the top-left corner of the upright picture.
"""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np
import pytest
from avmedia import (
    BLUE,
    FRAMES,
    RATE,
    RED,
    SAMPLE_RATE,
    build,
    mp3_with_jpeg_cover,
    mp3_with_png_cover,
)
from conftest import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from attachmeta.errors import InvalidMediaError, MediaTooLargeError, map_decoder_errors
from attachmeta.sniff import sniff
from attachmeta.video import (
    AudioStream,
    MediaProbe,
    VideoStream,
    cover_image,
    display_size,
    first_frame,
    frame_rate_text,
    media_kind,
    probe_media,
    refine_mime,
)

# --- files built here: kind, MIME, sizes, rates, duration -------------------------------------


BUILT: list[tuple[str, Callable[[], bytes], str, str | None, str]] = [
    # name, builder, libmagic's type, kind, refined type
    ("h264_aac.mp4", lambda: build("mp4", "libx264", "aac"), "video/mp4", "video", "video/mp4"),
    ("h264.mp4", lambda: build("mp4", "libx264", None), "video/mp4", "gifv", "video/mp4"),
    (
        "vp9_opus.webm",
        lambda: build("webm", "libvpx-vp9", "libopus"),
        "video/webm",
        "video",
        "video/webm",
    ),
    ("vp9.webm", lambda: build("webm", "libvpx-vp9", None), "video/webm", "gifv", "video/webm"),
    ("opus.webm", lambda: build("webm", None, "libopus"), "video/webm", "audio", "audio/webm"),
    ("aac.mp4", lambda: build("mp4", None, "aac"), "video/mp4", "audio", "audio/mp4"),
    ("aac.m4a", lambda: build("ipod", None, "aac"), "audio/mp4", "audio", "audio/mp4"),
    (
        "opus_vp8.ogg",  # Opus first, so libmagic sees an Opus Ogg
        lambda: build("ogg", "libvpx", "libopus", audio_first=True),
        "audio/ogg",
        "video",
        "video/ogg",
    ),
    ("opus.ogg", lambda: build("ogg", None, "libopus"), "audio/ogg", "audio", "audio/ogg"),
    (
        "h264_aac.mov",
        lambda: build("mov", "libx264", "aac"),
        "video/quicktime",
        "video",
        "video/quicktime",
    ),
    (
        "h264.mov",
        lambda: build("mov", "libx264", None),
        "video/quicktime",
        "gifv",
        "video/quicktime",
    ),
    ("mp3", lambda: build("mp3", None, "libmp3lame"), "audio/mpeg", "audio", "audio/mpeg"),
]


@pytest.mark.parametrize(
    ("make", "sniffed", "kind", "mime"),
    [case[1:] for case in BUILT],
    ids=[case[0] for case in BUILT],
)
def test_built_media(make: Callable[[], bytes], sniffed: str, kind: str | None, mime: str) -> None:
    data = make()
    probe = probe_media(data)
    assert media_kind(probe) == kind
    assert sniff(data) == sniffed  # libmagic names the container, not the streams
    assert refine_mime(sniffed, probe) == mime
    assert probe.duration is not None
    assert abs(probe.duration - FRAMES / RATE) <= 1 / RATE
    assert probe.bit_rate is not None and probe.bit_rate > 0
    assert not probe.cover
    if kind == "audio":
        assert probe.video is None
        assert frame_rate_text(probe) is None
        assert probe.audio is not None and probe.audio.channels == 1
        return
    assert probe.video is not None
    assert frame_rate_text(probe) == f"{RATE}/1"
    assert (probe.video.display_width, probe.video.display_height) == (64, 48)
    assert probe.video.rotation == 0
    assert probe.video.pix_fmt == "yuv420p"
    picture = first_frame(data, box=400)
    assert picture.mode == "RGB" and picture.size == (64, 48)
    _assert_marker_top_left(picture)


def _assert_marker_top_left(picture: Image.Image) -> None:
    width, height = picture.size
    pixels = np.asarray(picture, dtype=np.int16)
    top_left = pixels[height // 8, width // 8]
    bottom_right = pixels[height - 1 - height // 8, width - 1 - width // 8]
    assert np.abs(top_left - RED).max() < 40, top_left
    assert np.abs(bottom_right - BLUE).max() < 40, bottom_right


def test_codec_and_audio_fields() -> None:
    probe = probe_media(build("mp4", "libx264", "aac"))
    assert probe.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert probe.video is not None and probe.audio is not None
    assert probe.video.codec == "h264"
    assert probe.video.frame_count == FRAMES
    assert (probe.video.coded_width, probe.video.coded_height) == (64, 48)
    assert probe.audio == AudioStream(codec="aac", sample_rate=SAMPLE_RATE, channels=1)
    mp3 = probe_media(build("mp3", None, "libmp3lame"))
    assert mp3.audio is not None and mp3.audio.codec == "mp3"  # not the decoder's "mp3float"


@pytest.mark.parametrize("rotation", [90, 180, 270])
@pytest.mark.parametrize("fmt", ["mp4", "mov"])
def test_rotated_video(fmt: str, rotation: int) -> None:
    data = build(fmt, "libx264", None, size=(64, 48), rotation=rotation)
    probe = probe_media(data)
    assert probe.video is not None
    assert probe.video.rotation == rotation
    assert (probe.video.coded_width, probe.video.coded_height) == (64, 48)
    upright = (48, 64) if rotation in (90, 270) else (64, 48)
    assert (probe.video.display_width, probe.video.display_height) == upright
    picture = first_frame(data, box=400)
    assert picture.size == upright
    _assert_marker_top_left(picture)
    small = first_frame(data, box=32)
    assert max(small.size) == 32
    _assert_marker_top_left(small)


def test_anamorphic_video() -> None:
    data = build("mp4", "libx264", None, size=(32, 48), sar=Fraction(2, 1))
    probe = probe_media(data)
    assert probe.video is not None
    assert probe.video.sample_aspect_ratio == 2
    assert (probe.video.coded_width, probe.video.coded_height) == (32, 48)
    assert (probe.video.display_width, probe.video.display_height) == (64, 48)
    picture = first_frame(data, box=400)
    assert picture.size == (64, 48)
    _assert_marker_top_left(picture)


def test_anamorphic_and_rotated() -> None:
    data = build("mp4", "libx264", None, size=(32, 48), sar=Fraction(2, 1), rotation=90)
    probe = probe_media(data)
    assert probe.video is not None and probe.video.rotation == 90
    # SAR first (32 -> 64 wide), then the quarter turn swaps the sides.
    assert (probe.video.display_width, probe.video.display_height) == (48, 64)
    picture = first_frame(data, box=400)
    assert picture.size == (48, 64)
    _assert_marker_top_left(picture)


def test_first_frame_fits_box_without_upscaling() -> None:
    data = build("mp4", "libx264", "aac")
    assert first_frame(data, box=32).size == (32, 24)
    assert first_frame(data, box=64).size == (64, 48)
    assert first_frame(data, box=4000).size == (64, 48)


def test_one_frame_ogg_has_no_average_rate() -> None:
    data = build("ogg", "libvpx", None, frames=1)
    probe = probe_media(data)
    assert probe.video is not None
    assert probe.video.avg_frame_rate is None  # ffprobe: avg_frame_rate=0/0
    assert probe.video.base_frame_rate == RATE
    assert frame_rate_text(probe) is None  # Mastodon leaves frame_rate out
    assert frame_rate_text(probe, fallback_to_base=True) == f"{RATE}/1"
    assert media_kind(probe) == "gifv"
    assert first_frame(data, box=400).size == (64, 48)


def test_one_frame_mp4() -> None:
    probe = probe_media(build("mp4", "libx264", None, frames=1))
    assert probe.video is not None and probe.video.frame_count == 1
    assert frame_rate_text(probe) == f"{RATE}/1"


@pytest.mark.parametrize(
    ("make", "size", "colour"),
    [(mp3_with_png_cover, (40, 30), (0, 200, 0)), (mp3_with_jpeg_cover, (24, 16), (0, 0, 255))],
    ids=["muxer-png", "hand-built-jpeg"],
)
def test_mp3_cover(
    make: Callable[[], bytes], size: tuple[int, int], colour: tuple[int, int, int]
) -> None:
    data = make()
    probe = probe_media(data)
    assert probe.cover
    assert probe.video is None  # cover art is not video
    assert media_kind(probe) == "audio"
    assert refine_mime(sniff(data), probe) == "audio/mpeg"
    assert probe.duration is not None and probe.bit_rate is not None
    picture = cover_image(data)
    assert picture is not None and picture.mode == "RGB" and picture.size == size
    assert np.abs(np.asarray(picture, np.int16)[size[1] // 2, size[0] // 2] - colour).max() < 8
    with pytest.raises(InvalidMediaError, match="no video stream"):
        first_frame(data, box=100)


def test_no_cover() -> None:
    assert cover_image(build("mp4", "libx264", "aac")) is None


# --- pure functions ---------------------------------------------------------------------------


def _probe(video: bool, audio: bool, avg: Fraction | None = None) -> MediaProbe:
    stream = VideoStream(
        codec="h264",
        pix_fmt="yuv420p",
        coded_width=4,
        coded_height=2,
        sample_aspect_ratio=None,
        rotation=0,
        display_width=4,
        display_height=2,
        avg_frame_rate=avg,
        base_frame_rate=Fraction(30),
        frame_count=None,
    )
    return MediaProbe(
        format_name="x",
        duration=1.0,
        bit_rate=None,
        video=stream if video else None,
        audio=AudioStream("aac", 44_100, 2) if audio else None,
        cover=False,
    )


@pytest.mark.parametrize(
    ("sniffed", "video", "audio", "expected"),
    [
        ("video/mp4", False, True, "audio/mp4"),
        ("video/mp4", True, False, "video/mp4"),
        ("audio/mp4", True, True, "video/mp4"),
        ("video/webm", False, True, "audio/webm"),
        ("audio/webm", True, False, "video/webm"),
        ("audio/ogg", True, True, "video/ogg"),
        ("video/ogg", False, True, "audio/ogg"),
        ("application/ogg", False, True, "audio/ogg"),
        ("video/3gpp", False, True, "audio/3gpp"),
        ("video/quicktime", False, True, "video/quicktime"),
        ("audio/mpeg", False, True, "audio/mpeg"),
        ("audio/wav", False, True, "audio/wav"),
        ("video/x-matroska", False, True, "video/x-matroska"),
        ("video/mp4", False, False, "video/mp4"),
    ],
)
def test_refine_mime_table(sniffed: str, video: bool, audio: bool, expected: str) -> None:
    assert refine_mime(sniffed, _probe(video, audio)) == expected


def test_media_kind_table() -> None:
    assert media_kind(_probe(True, True)) == "video"
    assert media_kind(_probe(True, False)) == "gifv"
    assert media_kind(_probe(False, True)) == "audio"
    assert media_kind(_probe(False, False)) is None


def test_frame_rate_text_lowest_terms() -> None:
    assert frame_rate_text(_probe(True, False, Fraction(30000, 1001))) == "30000/1001"
    assert frame_rate_text(_probe(True, False, Fraction(60, 2))) == "30/1"
    assert frame_rate_text(_probe(False, True)) is None


@pytest.mark.parametrize(
    ("size", "sar", "rotation", "expected"),
    [
        ((720, 576), Fraction(16, 15), 0, (768, 576)),
        ((720, 480), Fraction(8, 9), 0, (640, 480)),
        ((3, 2), Fraction(1, 2), 0, (2, 2)),  # 1.5 rounds half up
        ((1, 5), Fraction(1, 4), 0, (1, 5)),  # never below 1
        ((64, 48), None, 90, (48, 64)),
        ((64, 48), None, 180, (64, 48)),
        ((32, 48), Fraction(2), 270, (48, 64)),
    ],
)
def test_display_size(
    size: tuple[int, int], sar: Fraction | None, rotation: int, expected: tuple[int, int]
) -> None:
    assert display_size(*size, sample_aspect_ratio=sar, rotation=rotation) == expected


# --- errors, logging, bounds ------------------------------------------------------------------


def test_pyav_errors_are_mapped() -> None:
    for error in (av.error.PatchWelcomeError, av.error.UndefinedError, av.error.ExternalError):
        with pytest.raises(InvalidMediaError), map_decoder_errors():
            raise error(1, "boom")


def test_first_frame_is_bounded() -> None:
    """Every video packet is garbage: the decoder gives up after ``max_packets`` of them."""
    out = io.BytesIO()
    rng = random.Random(1)
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libvpx-vp9", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(40):
            packet = av.Packet(bytes(rng.randrange(256) for _ in range(50)))
            packet.stream = stream
            packet.pts = packet.dts = index
            packet.time_base = Fraction(1, RATE)
            packet.is_keyframe = True
            container.mux(packet)
    data = out.getvalue()
    probe = probe_media(data)  # the header is fine
    assert probe.video is not None and media_kind(probe) == "gifv"
    with pytest.raises(InvalidMediaError, match="no frame in its first 5 packets"):
        first_frame(data, box=100, max_packets=5)
    with pytest.raises(InvalidMediaError, match="no frame"):
        first_frame(data, box=100)


def test_no_nested_opens(tmp_path: Path) -> None:
    """Playlists and concat lists must not make FFmpeg open other files."""
    target = tmp_path / "inner.mp4"
    target.write_bytes(build("mp4", "libx264", None))
    playlists = [
        f"ffconcat version 1.0\nfile '{target}'\n".encode(),
        f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://{target}\n#EXT-X-ENDLIST\n".encode(),
    ]
    for playlist in playlists:
        with pytest.raises(InvalidMediaError):
            probe_media(playlist)


def _only_invalid(data: bytes) -> None:
    """Run every entry point; anything but success or InvalidMediaError (MediaTooLargeError
    when FFmpeg runs out of memory for a corrupt header) fails the test."""
    for call in (
        lambda: probe_media(data),
        lambda: first_frame(data, box=64, max_packets=32),
        lambda: cover_image(data),
    ):
        with contextlib.suppress(InvalidMediaError, MediaTooLargeError):
            call()


HOSTILE_SOURCES = [
    ("mp4", lambda: build("mp4", "libx264", "aac")),
    ("webm", lambda: build("webm", "libvpx-vp9", "libopus")),
    ("ogg", lambda: build("ogg", "libvpx", "libopus", audio_first=True)),
    ("mov-rotated", lambda: build("mov", "libx264", None, rotation=90)),
    ("mp3-cover", mp3_with_png_cover),
    ("mp3-jpeg", mp3_with_jpeg_cover),
]


@pytest.mark.parametrize(("name", "make"), HOSTILE_SOURCES, ids=[n for n, _ in HOSTILE_SOURCES])
def test_truncated(name: str, make: Callable[[], bytes], capfd: pytest.CaptureFixture[str]) -> None:
    data = make()
    for end in sorted({0, 1, 4, 12, 64, 200, len(data) // 3, len(data) // 2, len(data) - 16}):
        _only_invalid(data[:end])
    for end in (0, 4, 64):
        with pytest.raises(InvalidMediaError):
            probe_media(data[:end])
    assert capfd.readouterr().err == ""  # FFmpeg's log stays off stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from([make for _, make in HOSTILE_SOURCES]),
    keep=st.integers(min_value=8, max_value=4096),
    tail=st.binary(min_size=0, max_size=2048),
)
def test_garbage_after_header(source: Callable[[], bytes], keep: int, tail: bytes) -> None:
    data = source()
    _only_invalid(data[:keep] + tail)


@settings(max_examples=30, deadline=None)
@given(
    source=st.sampled_from([make for _, make in HOSTILE_SOURCES]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    flips=st.integers(min_value=1, max_value=64),
)
def test_corrupted_bytes(source: Callable[[], bytes], seed: int, flips: int) -> None:
    data = source()
    damaged = bytearray(data)
    rng = random.Random(seed)
    for _ in range(flips):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    _only_invalid(bytes(damaged))


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, b"ID3" + b"\x00" * 32, bytes(range(256))])
def test_not_media(data: bytes) -> None:
    with pytest.raises(InvalidMediaError):
        probe_media(data)
    with pytest.raises(InvalidMediaError):
        first_frame(data, box=10)
    with pytest.raises(InvalidMediaError):
        cover_image(data)


# --- the shared corpus ------------------------------------------------------------------------


def _corpus_media() -> list[Path]:
    files = corpus_files("mastodon") + corpus_files("gotosocial")
    return [p for p in files if sniff(p).split("/")[0] in ("video", "audio")]


@pytest.mark.parametrize("path", _corpus_media(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_media(path: Path) -> None:
    data = path.read_bytes()
    probe = probe_media(data)
    kind = media_kind(probe)
    assert kind is not None
    mime = refine_mime(sniff(data), probe)
    assert mime.split("/")[0] == ("audio" if kind == "audio" else "video")
    assert probe.duration is not None and probe.duration > 0
    if probe.video is not None:
        picture = first_frame(data, box=400)
        width, height = probe.video.display_width, probe.video.display_height
        assert max(picture.size) <= 400
        assert abs(picture.size[0] / picture.size[1] - width / height) < 0.02
    if probe.cover:
        cover = cover_image(data)
        assert cover is not None and cover.width > 0
