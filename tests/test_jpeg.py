"""Streamed JPEG decoding: Pillow's pixels, rows handed on only once complete, plain fallback."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from media import photo
from PIL import Image

from attachmeta import AttachmetaError, analyze
from attachmeta import jpeg as jpeg_module
from attachmeta.image import decode_preview, decode_resized, open_image
from attachmeta.jpeg import StreamedJpeg, StreamFailed, stream_jpeg
from attachmeta.resample import resize
from attachmeta.testing import mutated_files


def _jpeg(width: int, height: int, **params: object) -> bytes:
    out = io.BytesIO()
    photo(width, height).save(out, "JPEG", **{"quality": 90, **params})
    return out.getvalue()


def _opened(data: bytes, target: tuple[int, int] | None = None) -> Image.Image:
    image = open_image(data, "image/jpeg")
    if target is not None:
        image.draft(None, target)
    return image


def _plain_decode(data: bytes, target: tuple[int, int] | None = None) -> Image.Image:
    image = _opened(data, target)
    image.load()
    return image


def _streamed(data: bytes, target: tuple[int, int] | None = None) -> StreamedJpeg:
    streamed = stream_jpeg(_opened(data, target))
    assert streamed is not None
    return streamed


def _drain(pixels: Image.Image, rows: Iterator[int]) -> Image.Image:
    for _ in rows:
        pass
    return pixels.copy()


@pytest.mark.parametrize(
    ("size", "params", "target"),
    [
        ((2400, 1800), {}, (1200, 900)),  # drafted at 1/2
        ((2400, 1800), {"subsampling": 0}, (1100, 800)),  # 4:4:4
        ((2400, 1800), {"subsampling": 1}, (1000, 700)),  # 4:2:2
        ((2403, 1801), {"optimize": True}, (900, 600)),  # sides not a multiple of the MCU
        ((2000, 1400), {"restart_marker_rows": 1}, (700, 500)),
        ((4032, 3024), {}, (554, 416)),  # a phone photo drafted at 1/4 for the preview
        ((1728, 1152), {"quality": 75}, (588, 392)),
    ],
)
def test_streamed_pixels_are_pillows(
    size: tuple[int, int], params: dict[str, Any], target: tuple[int, int]
) -> None:
    data = _jpeg(*size, **params)
    expected = _plain_decode(data, target)
    assert _streamed(data, target).run(_drain).tobytes() == expected.tobytes()
    resized = decode_resized(_opened(data), target)
    assert resized.mode == "RGB"
    assert resized.tobytes() == resize(expected, target).tobytes()


def test_rows_are_complete_when_counted() -> None:
    data = _jpeg(3000, 2200)
    snapshots: list[tuple[int, bytes]] = []

    def record(pixels: Image.Image, rows: Iterator[int]) -> Image.Image:
        for count in rows:
            snapshots.append((count, pixels.crop((0, 0, pixels.width, count)).tobytes()))
        return pixels.copy()

    final = _streamed(data, (1500, 1100)).run(record)
    counts = [count for count, _ in snapshots]
    assert counts == sorted(set(counts)) and counts[-1] == final.height
    assert len(counts) > 4, "the rows came all at once: nothing overlapped the decode"
    for count, rows in snapshots:
        assert rows == final.crop((0, 0, final.width, count)).tobytes()


def test_small_full_scale_progressive_grey_and_cmyk_jpegs_are_not_streamed() -> None:
    big = photo(1600, 1200)
    half = (800, 600)
    cases = {
        "small": (_jpeg(800, 600), (400, 300)),
        "full scale": (_jpeg(1600, 1200), (1000, 750)),
        "progressive": (_jpeg(1600, 1200, progressive=True), half),
        "grey": (_encode(big.convert("L")), half),
        "cmyk": (_encode(big.convert("CMYK")), half),
    }
    for name, (data, target) in cases.items():
        assert stream_jpeg(_opened(data, target)) is None, name
    assert stream_jpeg(_opened(_jpeg(1600, 1200), half)) is not None
    assert stream_jpeg(_opened(_jpeg(1600, 1200))) is None  # not drafted
    png = io.BytesIO()
    big.save(png, "PNG")
    assert stream_jpeg(open_image(png.getvalue(), "image/png")) is None
    with Image.open(io.BufferedReader(io.BytesIO(_jpeg(1600, 1200)))) as from_a_file:
        from_a_file.draft(None, half)
        assert stream_jpeg(from_a_file) is None  # only bytes in memory are streamed


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("keep", [0.05, 0.4, 0.9, 0.999])
def test_a_truncated_file_fails_as_the_plain_decode_does(
    keep: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _jpeg(2400, 1800)
    cut = data[: int(len(data) * keep)]
    with pytest.raises(StreamFailed, match="truncated"):
        _streamed(cut, (1200, 900)).run(_drain)
    with pytest.raises(AttachmetaError) as streamed:
        decode_preview(open_image(cut, "image/jpeg"), (1200, 900), 1)
    monkeypatch.setattr(jpeg_module, "MIN_STREAMED_PIXELS", 1 << 62)
    with pytest.raises(AttachmetaError) as plain:
        decode_preview(open_image(cut, "image/jpeg"), (1200, 900), 1)
    assert type(streamed.value) is type(plain.value)
    assert str(streamed.value) == str(plain.value)


def test_a_failing_consumer_stops_the_decode_and_leaves_no_thread() -> None:
    data = _jpeg(3200, 2400)
    seen: list[int] = []

    def fail(pixels: Image.Image, rows: Iterator[int]) -> None:
        seen.append(next(rows))
        raise RuntimeError("consumer gave up")

    with pytest.raises(RuntimeError, match="consumer gave up"):
        _streamed(data, (1600, 1200)).run(fail)
    assert seen and seen[0] < 1200
    assert not any(thread.name == "attachmeta-jpeg" for thread in threading.enumerate())


def test_analyze_gives_the_same_result_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _jpeg(2000, 1500)
    before = threading.active_count()
    fast = analyze(data)
    assert threading.active_count() == before
    monkeypatch.setattr(jpeg_module, "MIN_STREAMED_PIXELS", 1 << 62)
    plain = analyze(data)
    assert fast.to_dict() == plain.to_dict()
    assert fast.small is not None and plain.small is not None
    assert fast.small.tobytes() == plain.small.tobytes()
    assert fast.render("original").data == plain.render("original").data


def _outcome(data: bytes, target: tuple[int, int]) -> tuple[str, bytes]:
    try:
        preview = decode_preview(open_image(data, "image/jpeg"), target, 1)
    except AttachmetaError as error:
        return type(error).__name__, str(error).encode()
    return preview.mode, preview.tobytes()


@settings(
    max_examples=800,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(mutated_files(formats=("jpeg",)))
def test_damaged_jpegs_give_what_the_plain_decode_gives(data: bytes) -> None:
    if not data.startswith(b"\xff\xd8\xff"):
        return  # not sniffed as a JPEG: never reaches the decoder
    try:
        opened = open_image(data, "image/jpeg")
    except AttachmetaError:
        return  # refused at the header, before any decoding
    width, height = opened.size
    if width * height > 1 << 22:
        return  # analyze refuses it by its pixel limit before decoding
    target = (max(1, width // 4), max(1, height // 4))  # drafted at 1/4: streamable
    opened.draft(None, target)
    original = jpeg_module.MIN_STREAMED_PIXELS
    try:
        jpeg_module.MIN_STREAMED_PIXELS = 1 << 62
        plain = _outcome(data, target)
        jpeg_module.MIN_STREAMED_PIXELS = 0
        event("streamed" if stream_jpeg(opened) is not None else "not streamable")
        streamed = _outcome(data, target)
    finally:
        jpeg_module.MIN_STREAMED_PIXELS = original
    assert streamed == plain


def test_without_threads_the_work_is_done_on_the_calling_thread(no_new_threads: None) -> None:
    data = _jpeg(2400, 1800)
    with pytest.raises(StreamFailed, match="can't start new thread"):
        _streamed(data, (1200, 900)).run(_drain)
    expected = resize(_plain_decode(data, (1000, 750)), (1000, 750))
    assert decode_resized(_opened(data), (1000, 750)).tobytes() == expected.tobytes()
    result = analyze(data)
    assert result.type == "image" and result.small is not None


def test_mpo_photos_are_decoded_as_their_first_picture() -> None:
    first, second = photo(2400, 1800), photo(600, 450, seed=3)
    mpo, jpeg = io.BytesIO(), io.BytesIO()
    first.save(mpo, "MPO", save_all=True, append_images=[second], quality=90)
    first.save(jpeg, "JPEG", quality=90)
    opened = _opened(mpo.getvalue(), (600, 450))
    assert opened.format == "MPO" and opened.size == (600, 450)  # drafted like a JPEG
    assert stream_jpeg(opened) is not None
    from_mpo, from_jpeg = analyze(mpo.getvalue()), analyze(jpeg.getvalue())
    assert from_mpo.to_dict() == from_jpeg.to_dict()
    assert from_mpo.small is not None and from_jpeg.small is not None
    assert from_mpo.small.tobytes() == from_jpeg.small.tobytes()


@given(
    height=st.integers(1, 200),
    written=st.data(),
)
def test_rows_counted_are_never_more_than_those_written(
    height: int, written: st.DataObject
) -> None:
    done = written.draw(st.integers(0, height), label="rows written")
    alike = written.draw(st.sets(st.integers(0, max(0, done - 1)), max_size=5), label="marker rows")
    known = written.draw(st.integers(0, done), label="count known before")
    image = Image.new("RGB", (3, height), (10, 20, 30))
    image.paste(jpeg_module._MARKER, (2, done, 3, height))  # rows not written yet
    for row in alike if done else ():
        image.putpixel((2, row), jpeg_module._MARKER)  # written pixels of the marker colour
    count = jpeg_module._rows_written(image.im, 2, known, height)
    assert known <= count <= done
    if not alike:
        assert count == done
