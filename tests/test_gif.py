"""Tests for attachmeta.gif: GIF structure read without decoding pixels.

Golden values come from Pillow reading the same bytes (``n_frames``, ``info["duration"]`` per
frame, ``info["loop"]``), or, for hand-built byte sequences, from how they were built.
"""

from __future__ import annotations

import contextlib
import io
import struct
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import GifImagePlugin, Image, UnidentifiedImageError

from attachmeta.errors import InvalidMediaError, MediaTooLargeError
from attachmeta.gif import GifInfo, parse_gif

LIMIT = 100_000
TRAILER = b";"


# --- Pillow-made GIFs and what Pillow reads back ----------------------------------------------


def _pillow_gif(
    count: int,
    size: tuple[int, int] = (16, 12),
    **params: object,
) -> bytes:
    """A GIF of ``count`` flat grey frames, each different from the one before (Pillow merges
    identical consecutive frames)."""
    frames = [Image.new("L", size, (i * 37 + 11) % 256) for i in range(count)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], **params)
    return out.getvalue()


def _pillow_truth(data: bytes) -> tuple[tuple[int, int], int, tuple[int, ...], int | None]:
    """(size, n_frames, delay of each frame in centiseconds, loop) as Pillow reports them."""
    with Image.open(io.BytesIO(data)) as im:
        assert isinstance(im, GifImagePlugin.GifImageFile)
        size = im.size
        n_frames = im.n_frames
        loop = im.info.get("loop")
        delays: list[int] = []
        for index in range(n_frames):
            im.seek(index)
            # Pillow reports the GCE delay times 10, in ms; no key when a frame has no GCE.
            delays.append(im.info.get("duration", 0) // 10)
    return size, n_frames, tuple(delays), loop


def _check_against_pillow(data: bytes) -> GifInfo:
    info = parse_gif(data, max_frames=LIMIT)
    size, n_frames, delays, loop = _pillow_truth(data)
    assert (info.width, info.height) == size
    assert info.frame_count == n_frames
    assert info.delays_cs == delays
    assert info.loop_count == loop
    assert not info.truncated
    return info


def test_static_single_frame() -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "GIF")
    info = _check_against_pillow(out.getvalue())
    assert info == GifInfo(40, 30, 1, (0,), None, False)


@pytest.mark.parametrize("count", [2, 3, 17, 100])
def test_equal_delays_with_loop(count: int) -> None:
    info = _check_against_pillow(_pillow_gif(count, duration=70, loop=0))
    assert info.frame_count == count
    assert info.delays_cs == (7,) * count
    assert info.loop_count == 0


@pytest.mark.parametrize(
    "durations_ms",
    [
        [100, 200],
        [0, 0, 0],  # no Graphic Control Extension is written for a zero duration
        [0, 50, 0, 1000, 20],
        [15, 19, 25, 655350],  # Pillow stores int(ms / 10); 655350 ms is the 16-bit maximum
        list(range(0, 990, 10)),
    ],
)
def test_variable_delays_without_loop(durations_ms: list[int]) -> None:
    info = _check_against_pillow(_pillow_gif(len(durations_ms), duration=durations_ms))
    assert info.loop_count is None
    assert info.delays_cs == tuple(ms // 10 for ms in durations_ms)


@pytest.mark.parametrize("loop", [0, 1, 5, 65535])
def test_loop_count(loop: int) -> None:
    info = _check_against_pillow(_pillow_gif(3, duration=100, loop=loop))
    assert info.loop_count == loop


def test_comment_and_transparency() -> None:
    data = _pillow_gif(
        4, duration=[40, 80, 0, 120], loop=2, comment=b"x" * 600, transparency=0, disposal=2
    )
    assert b"\x21\xfe" in data  # the comment really is in the file
    info = _check_against_pillow(data)
    assert info.delays_cs == (4, 8, 0, 12)


def test_rgb_frames_with_local_colour_tables() -> None:
    rng = np.random.default_rng(7)
    frames = [
        Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8), "RGB") for _ in range(5)
    ]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[30, 40] * 2 + [0])
    info = _check_against_pillow(out.getvalue())
    assert info.frame_count == 5


# --- hand-built GIFs ---------------------------------------------------------------------------


def _header(
    width: int = 4, height: int = 4, *, version: bytes = b"GIF89a", gct: bool = True
) -> bytes:
    """Signature, logical screen descriptor and (optionally) a 2-colour global table."""
    flags = 0x80 if gct else 0x00  # table size bits 0: 2 ** (0 + 1) colours
    lsd = struct.pack("<HHBBB", width, height, flags, 0, 0)
    return version + lsd + (b"\x00\x00\x00\xff\xff\xff" if gct else b"")


def _sub_blocks(payload: bytes) -> bytes:
    """``payload`` as data sub-blocks of at most 255 bytes, then the terminator."""
    chunks = [payload[i : i + 255] for i in range(0, len(payload), 255)]
    return b"".join(bytes([len(c)]) + c for c in chunks) + b"\x00"


def _lzw(pixel_count: int, min_code_size: int = 2) -> bytes:
    """A valid LZW stream of ``pixel_count`` pixels of colour 0: each code follows a clear
    code, so the table never grows and every code is ``min_code_size + 1`` bits wide."""
    width = min_code_size + 1
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    codes = [c for _ in range(pixel_count) for c in (clear, 0)] + [end]
    value = sum(code << (i * width) for i, code in enumerate(codes))
    return value.to_bytes((len(codes) * width + 7) // 8, "little")


def _gce(delay_cs: int, *, transparent: int | None = None) -> bytes:
    flags = 0x01 if transparent is not None else 0x00
    return b"\x21\xf9\x04" + struct.pack("<BHB", flags, delay_cs, transparent or 0) + b"\x00"


def _image(x: int = 0, y: int = 0, w: int = 1, h: int = 1, *, lct: bool = False) -> bytes:
    """An image descriptor, optional 4-colour local table, and its LZW data."""
    flags = 0x81 if lct else 0x00
    table = bytes(12) if lct else b""
    return (
        b"\x2c"
        + struct.pack("<HHHHB", x, y, w, h, flags)
        + table
        + b"\x02"
        + _sub_blocks(_lzw(w * h))
    )


def _app(identifier: bytes, *sub_blocks: bytes) -> bytes:
    return (
        b"\x21\xff"
        + bytes([len(identifier)])
        + identifier
        + b"".join(bytes([len(s)]) + s for s in sub_blocks)
        + b"\x00"
    )


def _netscape(loop: int, name: bytes = b"NETSCAPE2.0") -> bytes:
    return _app(name, b"\x01" + struct.pack("<H", loop))


def _comment(text: bytes) -> bytes:
    return b"\x21\xfe" + _sub_blocks(text)


def test_hand_built_helpers_agree_with_pillow() -> None:
    data = (
        _header(5, 3)
        + _netscape(4)
        + _comment(b"hello")
        + _gce(12)
        + _image(0, 0, 5, 3)
        + _image(1, 1, 2, 2, lct=True)
        + _gce(3, transparent=1)
        + _image(4, 2, 1, 1)
        + TRAILER
    )
    info = _check_against_pillow(data)
    assert info == GifInfo(5, 3, 3, (12, 0, 3), 4, False)


def test_gif87a() -> None:
    info = parse_gif(_header(version=b"GIF87a") + _image() + _image() + TRAILER, max_frames=LIMIT)
    assert info == GifInfo(4, 4, 2, (0, 0), None, False)


@pytest.mark.parametrize(
    ("x", "y", "w", "h"),
    [
        (2, 2, 6, 6),  # partly outside the 4x4 canvas
        (100, 200, 3, 2),  # wholly outside
        (60000, 3, 1, 1),  # far outside, near the end of the 16-bit range
    ],
)
def test_frame_outside_canvas_keeps_canvas_size(x: int, y: int, w: int, h: int) -> None:
    data = _header(4, 4) + _gce(5) + _image() + _gce(6) + _image(x, y, w, h) + TRAILER
    info = parse_gif(data, max_frames=LIMIT)
    assert (info.width, info.height) == (4, 4)
    assert info.delays_cs == (5, 6)
    assert not info.truncated
    size, n_frames, delays, _ = _pillow_truth(data)
    with Image.open(io.BytesIO(data)) as im:
        im.seek(1)
        grown = im.size
    assert size == (4, 4) and n_frames == 2 and delays == (5, 6)
    # Pillow grows its size to take in the frame; the canvas is what the header says.
    assert grown == (max(4, x + w), max(4, y + h))


def test_gce_applies_to_next_frame_only_and_last_wins() -> None:
    data = (
        _header()
        + _gce(7)
        + _gce(9)  # the later of two GCEs before one frame wins
        + _image()
        + _image()  # no GCE: 0
        + _gce(4)
        + _comment(b"between")
        + _image()  # a comment between the GCE and its frame does not matter
        + _gce(50)  # after the last frame: applies to nothing
        + TRAILER
    )
    info = _check_against_pillow(data)
    assert info.delays_cs == (9, 0, 4)


def test_unknown_extensions_are_skipped() -> None:
    data = (
        _header()
        + b"\x21\x42"
        + _sub_blocks(b"unknown label" * 40)
        + b"\x21\x01"
        + _sub_blocks(bytes(12) + b"plain text")  # plain text extension
        + _app(b"XMP DataXMP", b"<x/>" * 60, b"<y/>" * 60)
        + _gce(8)
        + _image()
        + b"\x21\x80"
        + _sub_blocks(b"\x2c\x3b" * 100)  # separator and trailer bytes as data
        + _image()
        + TRAILER
    )
    info = _check_against_pillow(data)
    assert info.delays_cs == (8, 0)


def test_zero_length_sub_blocks() -> None:
    data = (
        _header()
        + b"\x21\xfe\x00"  # empty comment
        + b"\x21\xff\x00"  # application extension with no identifier
        + b"\x21\xf9\x00"  # GCE without its block: no delay
        + b"\x21\x00\x00"  # label 0 and no data
        + _image()
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x00"  # no image data at all
        + TRAILER
    )
    info = parse_gif(data, max_frames=LIMIT)
    assert info == GifInfo(4, 4, 2, (0, 0), None, False)


def test_short_and_long_gce_blocks() -> None:
    short = b"\x21\xf9\x03\x00\x21\x00\x00"  # 3 bytes: packed fields and the delay only
    long = b"\x21\xf9\x06\x00\x22\x00\x00\xaa\xbb\x00"  # 6 bytes: extra bytes skipped
    tiny = b"\x21\xf9\x02\x00\x23\x00"  # 2 bytes: no complete delay
    data = _header() + short + _image() + long + _image() + tiny + _image() + TRAILER
    info = parse_gif(data, max_frames=LIMIT)
    assert info.delays_cs == (0x21, 0x22, 0)
    assert not info.truncated


def test_loop_extension_variants() -> None:
    frames = _image() + _image()
    cases: list[tuple[bytes, int | None]] = [
        (_netscape(3), 3),
        (_netscape(7, b"ANIMEXTS1.0"), 7),
        (_app(b"NETSCAPE2.0", b"\x02\x00\x10\x00\x00"), None),  # buffering sub-block, not a loop
        (_app(b"NETSCAPE2.0", b"\x01\x05"), None),  # loop sub-block too short
        (_app(b"NETSCAPE2.1", b"\x01\x05\x00"), None),  # other identifier
        (_netscape(2) + _netscape(9), 2),  # the first one wins
        (_app(b"NETSCAPE2.0", b"\x02\x00\x10\x00\x00") + _netscape(6), 6),
    ]
    for extensions, expected in cases:
        assert (
            parse_gif(_header() + extensions + frames + TRAILER, max_frames=9).loop_count
            == expected
        )
    # A loop extension after the first frame still counts (Pillow only reads it before).
    late = _header() + _image() + _netscape(5) + _image() + TRAILER
    assert parse_gif(late, max_frames=9).loop_count == 5


@pytest.mark.parametrize("label", [0x00, 0x01, 0x2B, 0x3A, 0x47, 0xFF])
def test_unknown_block_label_stops_as_truncated(label: int) -> None:
    data = _header() + _gce(5) + _image() + bytes([label]) + _gce(6) + _image() + TRAILER
    info = parse_gif(data, max_frames=LIMIT)
    assert info == GifInfo(4, 4, 1, (5,), None, True)


def test_no_frames() -> None:
    assert parse_gif(_header() + TRAILER, max_frames=0) == GifInfo(4, 4, 0, (), None, False)
    assert parse_gif(_header(), max_frames=0) == GifInfo(4, 4, 0, (), None, True)
    assert parse_gif(_header(gct=False), max_frames=0).truncated


def test_trailing_bytes_after_trailer_are_ignored() -> None:
    data = _header() + _image() + TRAILER + b"\xff" * 50
    assert parse_gif(data, max_frames=LIMIT) == GifInfo(4, 4, 1, (0,), None, False)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF8",
        b"GIF88a" + bytes(20),
        b"gif89a" + bytes(20),
        b"\x89PNG\r\n\x1a\n" + bytes(20),
        b"GIF89a\x01\x00\x01\x00\x80\x00",  # logical screen descriptor cut short
        b"GIF89a",
    ],
)
def test_not_a_gif(data: bytes) -> None:
    with pytest.raises(InvalidMediaError):
        parse_gif(data, max_frames=LIMIT)


@pytest.mark.parametrize(("width", "height"), [(0, 4), (4, 0), (0, 0)])
def test_empty_logical_screen(width: int, height: int) -> None:
    with pytest.raises(InvalidMediaError, match="empty"):
        parse_gif(_header(width, height) + _image() + TRAILER, max_frames=LIMIT)


def test_truncated_global_colour_table() -> None:
    data = b"GIF89a" + struct.pack("<HHBBB", 4, 4, 0x87, 0, 0) + bytes(700)  # needs 768
    assert parse_gif(data, max_frames=LIMIT) == GifInfo(4, 4, 0, (), None, True)


def test_frame_counts_once_its_descriptor_is_complete() -> None:
    prefix = _header() + _gce(5)
    data = prefix + _image(w=3, h=3, lct=True) + TRAILER
    descriptor_end = len(prefix) + 10
    assert parse_gif(data[: descriptor_end - 1], max_frames=LIMIT).frame_count == 0
    for cut in range(descriptor_end, len(data)):  # table, code size or image data cut off
        info = parse_gif(data[:cut], max_frames=LIMIT)
        assert info == GifInfo(4, 4, 1, (5,), None, True)
    assert parse_gif(data, max_frames=LIMIT) == GifInfo(4, 4, 1, (5,), None, False)


@pytest.mark.parametrize("maker", ["pillow", "hand"])
def test_truncated_at_every_offset(maker: str) -> None:
    if maker == "pillow":
        data = _pillow_gif(4, duration=[30, 0, 50, 70], loop=0, comment=b"c" * 300)
    else:
        data = (
            _header(5, 3)
            + _netscape(4)
            + _gce(12)
            + _image(0, 0, 5, 3)
            + _comment(b"x" * 260)
            + _image(1, 1, 2, 2, lct=True)
            + _gce(3, transparent=1)
            + _image(4, 2, 1, 1)
            + TRAILER
        )
    full = _check_against_pillow(data)
    previous = 0
    for cut in range(len(data)):
        try:
            info = parse_gif(data[:cut], max_frames=LIMIT)
        except InvalidMediaError:
            assert cut < 13  # only the signature and logical screen descriptor are required
            continue
        assert info.truncated
        assert (info.width, info.height) == (full.width, full.height)
        assert previous <= info.frame_count <= full.frame_count
        assert info.delays_cs == full.delays_cs[: info.frame_count]
        assert info.loop_count in (None, full.loop_count)
        previous = info.frame_count
    assert previous == full.frame_count  # every frame is counted before the trailer is lost


def test_memoryview_and_bytearray_inputs() -> None:
    data = _pillow_gif(3, duration=[10, 20, 30], loop=1)
    expected = parse_gif(data, max_frames=LIMIT)
    assert parse_gif(memoryview(data), max_frames=LIMIT) == expected
    assert parse_gif(bytearray(data), max_frames=LIMIT) == expected
    assert parse_gif(memoryview(data)[: len(data) - 1], max_frames=LIMIT).truncated
    doubled = bytes(b for byte in data for b in (byte, 0))
    assert parse_gif(memoryview(doubled)[::2], max_frames=LIMIT) == expected  # not contiguous
    words = np.frombuffer(data + bytes(-len(data) % 4), dtype=np.uint32)
    assert parse_gif(words.data, max_frames=LIMIT).frame_count == 3  # not byte items


def test_max_frames() -> None:
    data = _header() + _image() * 5 + TRAILER
    assert parse_gif(data, max_frames=5).frame_count == 5
    with pytest.raises(MediaTooLargeError, match=r"\b4 frames"):
        parse_gif(data, max_frames=4)
    with pytest.raises(MediaTooLargeError, match=r"\b0 frames"):
        parse_gif(data, max_frames=0)
    with pytest.raises(ValueError):
        parse_gif(data, max_frames=-1)


# --- duration and frame rate -------------------------------------------------------------------


def test_duration_uses_ffmpeg_rule() -> None:
    info = GifInfo(1, 1, 6, (0, 1, 2, 3, 10, 65535), None, False)
    # FFmpeg's defaults: a delay below 2 cs counts as 10 cs.
    assert info.duration_cs(2, 10) == 10 + 10 + 2 + 3 + 10 + 65535
    assert info.duration_cs(0, 10) == 0 + 1 + 2 + 3 + 10 + 65535
    assert info.duration_cs(11, 5) == 5 * 5 + 65535
    assert info.duration_cs(65536, 7) == 6 * 7
    with pytest.raises(ValueError):
        info.duration_cs(-1, 10)
    with pytest.raises(ValueError):
        info.duration_cs(2, -10)


def test_frame_rate_is_exact_and_reduced() -> None:
    assert GifInfo(1, 1, 3, (10, 10, 10), 0, False).frame_rate(2, 10) == 10
    rate = GifInfo(1, 1, 3, (7, 7, 7), 0, False).frame_rate(2, 10)
    assert rate == Fraction(100, 7) and (rate.numerator, rate.denominator) == (100, 7)
    assert GifInfo(1, 1, 2, (0, 1), 0, False).frame_rate(2, 10) == 10  # both count as 10
    assert GifInfo(1, 1, 2, (3, 4), 0, False).frame_rate(2, 10) == Fraction(200, 7)
    assert GifInfo(1, 1, 1, (0,), None, False).frame_rate(2, 0) is None
    assert GifInfo(1, 1, 0, (), None, False).frame_rate(2, 10) is None


def test_duration_of_pillow_gif() -> None:
    info = _check_against_pillow(_pillow_gif(4, duration=[0, 10, 40, 500]))
    assert info.delays_cs == (0, 1, 4, 50)
    assert info.duration_cs(2, 10) == 10 + 10 + 4 + 50
    assert info.frame_rate(2, 10) == Fraction(400, 74)


# --- size and speed ----------------------------------------------------------------------------


def _best_time(data: bytes, *, max_frames: int, repeat: int = 3) -> tuple[float, GifInfo]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        info = parse_gif(data, max_frames=max_frames)
        best = min(best, time.perf_counter() - start)
    return best, info


def test_100_frames_480x270_is_fast() -> None:
    rng = np.random.default_rng(1)
    frames = [
        Image.fromarray(rng.integers(0, 16, (270, 480), dtype=np.uint8) * 17, "L")
        for _ in range(100)
    ]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    data = out.getvalue()
    assert len(data) > 5_000_000  # noisy frames: some 300 data sub-blocks each
    seconds, info = _best_time(data, max_frames=LIMIT)
    assert info.frame_count == 100 and info.delays_cs == (4,) * 100
    assert info.frame_rate(2, 10) == 25
    assert seconds < 0.1, f"{seconds * 1000:.1f} ms for 100 frames"  # 1 ms a frame at most


def _many_frames(count: int) -> bytes:
    frame = _gce(3) + _image()
    return _header(1, 1) + _netscape(0) + frame * count + TRAILER


def test_hand_built_many_frames_agree_with_pillow() -> None:
    _check_against_pillow(_many_frames(30))


def test_10000_frames_are_fast_and_limited() -> None:
    data = _many_frames(10_000)
    seconds, info = _best_time(data, max_frames=10_000)
    assert info.frame_count == 10_000 and not info.truncated
    assert info.duration_cs(2, 10) == 30_000
    assert info.frame_rate(2, 10) == Fraction(100, 3)
    assert seconds < 0.25, f"{seconds * 1000:.1f} ms for 10,000 frames"
    with pytest.raises(MediaTooLargeError, match="9999"):
        parse_gif(data, max_frames=9_999)


def test_worst_case_block_density_is_linear() -> None:
    # The most blocks per byte: 3-byte empty extensions and 2-byte sub-blocks (~50 ns a byte).
    header = _header(1, 1)
    for body in (b"\x21\xfe\x00" * 350_000, b"\x21\xfe" + b"\x01x" * 500_000 + b"\x00"):
        seconds, info = _best_time(header + body + TRAILER, max_frames=LIMIT, repeat=1)
        assert info.frame_count == 0 and not info.truncated
        assert seconds < 0.5, f"{seconds * 1000:.1f} ms for {len(body)} bytes"


# --- hostile input -----------------------------------------------------------------------------

_VALID_HEADERS = st.sampled_from(
    [_header(), _header(gct=False), _header(640, 480, version=b"GIF87a")]
)
_BLOCKS = st.one_of(
    st.builds(_gce, st.integers(0, 65535)),
    st.builds(
        _image,
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 5),
        st.integers(0, 5),
        lct=st.booleans(),
    ),
    st.builds(_netscape, st.integers(0, 65535)),
    st.builds(_comment, st.binary(max_size=300)),
    st.binary(max_size=8),
    st.just(TRAILER),
)


def _check_invariants(data: bytes, max_frames: int) -> None:
    try:
        info = parse_gif(data, max_frames=max_frames)
    except MediaTooLargeError:
        return
    assert info.width > 0 and info.height > 0
    assert info.frame_count == len(info.delays_cs) <= max_frames
    assert all(0 <= d <= 65535 for d in info.delays_cs)
    assert info.loop_count is None or 0 <= info.loop_count <= 65535
    assert info.duration_cs(2, 10) >= 10 * sum(1 for d in info.delays_cs if d < 2)


@settings(max_examples=300, deadline=200, suppress_health_check=[HealthCheck.too_slow])
@given(header=_VALID_HEADERS, tail=st.binary(max_size=2000), max_frames=st.integers(0, 50))
def test_arbitrary_bytes_after_header(header: bytes, tail: bytes, max_frames: int) -> None:
    _check_invariants(header + tail, max_frames)


@settings(max_examples=300, deadline=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=_VALID_HEADERS,
    blocks=st.lists(_BLOCKS, max_size=30),
    cut=st.integers(0, 10_000),
    max_frames=st.integers(0, 40),
)
def test_arbitrary_block_sequences(
    header: bytes, blocks: list[bytes], cut: int, max_frames: int
) -> None:
    data = header + b"".join(blocks)
    _check_invariants(data[: max(13, len(data) - cut)], max_frames)


@settings(max_examples=200, deadline=200)
@given(data=st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_invalid_media(data: bytes) -> None:
    with contextlib.suppress(InvalidMediaError):
        _check_invariants(data, 10)


# --- corpus ------------------------------------------------------------------------------------

_CORPUS_GIFS = [
    path
    for subdir in ("mastodon", "gotosocial", "pillow")
    for path in corpus_files(subdir)
    if path.suffix.lower() == ".gif"
]

# Files where our answer differs from Pillow's, with what each side says and why.
_CORPUS_EXCEPTIONS: dict[str, tuple[GifInfo | None, int | type[Exception]]] = {
    # Two GIF files concatenated without the first one's trailer: at the second "GIF89a"
    # we meet block label 0x47 and stop (truncated); Pillow skips unknown bytes one at a
    # time until it meets 0x21/0x2C inside the second file, and counts 2 frames.
    "test_extents_transparency.gif": (GifInfo(100, 100, 1, (0,), None, True), 2),
    # A 32x32 canvas whose only frame claims 65535 pixels of width, then the file ends:
    # Pillow refuses the frame extent as a decompression bomb; we report canvas and frame.
    "decompression_bomb.gif": (GifInfo(32, 32, 1, (0,), None, True), Image.DecompressionBombError),
    # A 100x100 canvas whose second frame reaches far outside it: the same refusal.
    "decompression_bomb_extents.gif": (
        GifInfo(100, 100, 2, (0, 0), None, False),
        Image.DecompressionBombError,
    ),
    # A logical screen 0 pixels wide: we raise InvalidMediaError (FFmpeg refuses it too);
    # Pillow does not recognise it as a GIF.
    "zero_width.gif": (None, UnidentifiedImageError),
}


@pytest.mark.parametrize("path", _CORPUS_GIFS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_gif(corpus: Path, path: Path) -> None:
    data = path.read_bytes()
    if path.name in _CORPUS_EXCEPTIONS:
        expected, pillow_says = _CORPUS_EXCEPTIONS[path.name]
        if expected is None:
            with pytest.raises(InvalidMediaError):
                parse_gif(data, max_frames=LIMIT)
        else:
            assert parse_gif(data, max_frames=LIMIT) == expected
        if isinstance(pillow_says, int):
            assert _pillow_truth(data)[1] == pillow_says
        else:
            with pytest.raises(pillow_says):
                _pillow_truth(data)
        return
    start = time.perf_counter()
    info = parse_gif(data, max_frames=LIMIT)
    assert time.perf_counter() - start < 0.05
    size, n_frames, delays, loop = _pillow_truth(data)
    assert info.frame_count == n_frames
    assert info.delays_cs == delays
    assert (info.width, info.height) == size
    assert info.loop_count == loop
    assert not info.truncated
