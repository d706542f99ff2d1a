"""Two-thread PNG decoding: Pillow's pixels exactly, or ``None`` and the plain decode."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from attachmeta import analyze
from attachmeta import png as png_module
from attachmeta.image import load_pixels, open_image
from attachmeta.png import decode_png

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def _png(
    width: int,
    height: int,
    *,
    depth: int = 8,
    colour: int = 2,
    seed: int = 0,
    idat_size: int = 8192,
    interlace: int = 0,
    level: int = 6,
    before_end: bytes = b"",
) -> bytes:
    """A PNG written here byte by byte: random samples, every row with a random filter type,
    the zlib stream cut into IDAT chunks of ``idat_size`` bytes."""
    rng = np.random.default_rng(seed)
    row_bytes = (width * depth * CHANNELS.get(colour, 1) + 7) // 8
    rows = rng.integers(0, 256, (height, row_bytes), dtype=np.uint8)
    filters = rng.integers(0, 5, (height, 1), dtype=np.uint8)
    stream = zlib.compress(np.hstack([filters, rows]).tobytes(), level)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header)]
    if colour == 3:
        parts.append(_chunk(b"PLTE", bytes(range(256)) * 3))
    for start in range(0, len(stream), idat_size):
        parts.append(_chunk(b"IDAT", stream[start : start + idat_size]))
    return b"".join(parts) + before_end + _chunk(b"IEND", b"")


def _plain(data: bytes) -> Image.Image:
    image = open_image(data, "image/png")
    image.load()
    return image


def _fast(data: bytes) -> Image.Image | None:
    return decode_png(open_image(data, "image/png"), data)


@pytest.fixture
def no_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let small test images take the two-thread path."""
    monkeypatch.setattr(png_module, "MIN_RAW_BYTES", 0)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 120),
    colour_depth=st.sampled_from(
        [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (4, 8), (4, 16), (6, 8), (6, 16)]
    ),
    idat_size=st.integers(1, 70_000),
    seed=st.integers(0, 2**16),
)
def test_pixels_are_pillows(
    width: int, height: int, colour_depth: tuple[int, int], idat_size: int, seed: int
) -> None:
    colour, depth = colour_depth
    data = _png(width, height, depth=depth, colour=colour, seed=seed, idat_size=idat_size)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(png_module, "MIN_RAW_BYTES", 0)
        fast = _fast(data)
    plain = _plain(data)
    assert fast is not None
    assert (fast.mode, fast.size) == (plain.mode, plain.size)
    assert fast.tobytes() == plain.tobytes()


def test_a_large_photo_decodes_alike_without_lowering_the_threshold() -> None:
    rng = np.random.default_rng(4)
    y, x = np.mgrid[0:1100, 0:1100]
    rgba = np.dstack([x % 256, y % 256, (x + y) % 256, x * 255 // 1100]).astype(np.int16)
    rgba += rng.integers(-9, 9, rgba.shape, dtype=np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(rgba, 0, 255).astype(np.uint8), "RGBA").save(buffer, "PNG")
    data = buffer.getvalue()
    fast = _fast(data)
    assert fast is not None
    assert fast.tobytes() == _plain(data).tobytes()
    assert fast.info == _plain(data).info


@pytest.mark.usefixtures("no_threshold")
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_png(40, 30, colour=3), id="palette"),
        pytest.param(_png(40, 30, interlace=1), id="interlaced"),
        pytest.param(_png(40, 30, before_end=_chunk(b"tEXt", b"k\x00v")), id="chunk-after-data"),
        pytest.param(_png(40, 30)[:-40], id="truncated"),
        pytest.param(b"GIF89a" + _png(40, 30)[6:], id="not-png"),
    ],
)
def test_unusual_files_are_left_to_the_plain_decode(data: bytes) -> None:
    image = Image.open(io.BytesIO(data)) if data.startswith(b"\x89PNG") else None
    if image is None:
        assert png_module._layout(data) is None
    else:
        assert decode_png(image, data) is None


def test_animated_png_is_left_to_the_plain_decode(no_threshold: None) -> None:
    frames = [Image.new("RGB", (30, 20), (i * 40, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    assert decode_png(open_image(data, "image/apng"), data) is None


def test_small_images_are_left_to_the_plain_decode() -> None:
    data = _png(64, 64)
    assert _fast(data) is None


def _corrupt_stream(data: bytes) -> bytes:
    """The PNG with its deflate stream broken a third of the way in (chunk CRCs kept right)."""
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    payload = bytearray(data[start : start + length])
    payload[len(payload) // 3 :] = b"\xff" * (len(payload) - len(payload) // 3)
    crc = struct.pack(">I", zlib.crc32(b"IDAT" + bytes(payload)))
    return data[: start - 4] + b"IDAT" + bytes(payload) + crc + data[start + length + 4 :]


@pytest.mark.usefixtures("no_threshold")
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2] + b"\x00" * 4, id="data-ends-early"),
        pytest.param(_corrupt_stream, id="bad-deflate"),
    ],
)
def test_damaged_data_gives_none_and_the_same_error_as_before(
    damage: Callable[[bytes], bytes],
) -> None:
    data = _png(200, 150, idat_size=1 << 20)
    broken = damage(data)
    before = threading.active_count()
    assert _fast(broken) is None
    assert threading.active_count() == before
    with pytest.raises((OSError, SyntaxError, zlib.error)):
        _plain(broken)
    plain_result = analyze(broken)
    assert plain_result.type == "unknown"


def test_reader_stopping_early_stops_the_inflating_thread(no_threshold: None) -> None:
    data = _png(400, 400, level=0)  # the stored stream is much longer than one queue's worth
    layout = png_module._layout(data)
    assert layout is not None
    stream = png_module._StoredStream(layout)
    assert stream.read(10)
    stream.close()
    assert not any(thread.name == "attachmeta-png" for thread in threading.enumerate())


def test_analyze_gives_the_same_result_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _png(900, 700, colour=6, seed=9)
    monkeypatch.setattr(png_module, "MIN_RAW_BYTES", 0)
    fast = analyze(data)
    monkeypatch.setattr(png_module, "MIN_RAW_BYTES", 1 << 62)
    plain = analyze(data)
    assert fast.to_dict() == plain.to_dict()
    assert fast.small is not None and plain.small is not None
    assert fast.small.tobytes() == plain.small.tobytes()


def test_load_pixels_uses_the_two_thread_path(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _png(300, 200, colour=2, seed=2)
    monkeypatch.setattr(png_module, "MIN_RAW_BYTES", 0)
    image = open_image(data, "image/png")
    pixels = load_pixels(image, image.size)
    assert pixels is not image  # decoded into a new image; the opened one stays unloaded
    assert pixels.tobytes() == _plain(data).tobytes()


def test_without_a_thread_the_plain_decode_runs(no_threshold: None, no_new_threads: None) -> None:
    data = _png(300, 200, colour=6, seed=4)
    assert decode_png(open_image(data, "image/png"), data) is None
    image = open_image(data, "image/png")
    assert load_pixels(image, image.size).tobytes() == _plain(data).tobytes()
