"""Builders for video and audio test media, written with PyAV in memory.

Every picture has a red top-left and a blue bottom-right quarter once upright, so a test can
tell where the first frame ends up after rotation and scaling.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from functools import cache
from typing import Any

import av
import numpy as np
from PIL import Image

RATE = 10  # video frames per second
FRAMES = 5
SAMPLE_RATE = 48_000
RED = (255, 0, 0)
BLUE = (0, 0, 255)


# --- builders ---------------------------------------------------------------------------------


def _upright(width: int, height: int, index: int) -> np.ndarray:
    """Grey picture (a shade per frame) with a red top-left and a blue bottom-right quarter."""
    pixels = np.full((height, width, 3), (96 + 20 * index) % 256, np.uint8)
    pixels[: height // 2, : width // 2] = RED
    pixels[height // 2 :, width // 2 :] = BLUE
    return pixels


def _stored(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """The stored picture that a clockwise turn by ``rotation`` makes upright."""
    return np.ascontiguousarray(np.rot90(pixels, k=rotation // 90))  # rot90 turns anticlockwise


def silence(stream: av.audio.AudioStream, seconds: float) -> list[av.Packet[Any]]:
    """Encoded silence; PyAV resamples the s16 mono frames to the encoder's format."""
    size = stream.codec_context.frame_size or 1024
    packets: list[av.Packet[Any]] = []
    for pts in range(0, round(seconds * SAMPLE_RATE), size):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, size), np.int16), "s16", "mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = pts
        packets += stream.encode(frame)
    return packets + stream.encode(None)


@cache
def build(
    fmt: str,
    video: str | None,
    audio: str | None,
    *,
    size: tuple[int, int] = (64, 48),
    frames: int = FRAMES,
    sar: Fraction | None = None,
    rotation: int = 0,
    audio_first: bool = False,
    options: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A file in container ``fmt`` with a ``video`` and/or ``audio`` encoder's stream.

    ``size`` is the stored size; ``rotation`` (clockwise) is written as the display matrix and
    the frames are stored turned the other way, so the upright picture has its marker top-left.
    """
    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=dict(options)) as container:
        audio_stream = None
        if audio is not None and audio_first:
            audio_stream = _add_audio(container, audio)
        video_stream = None if video is None else _add_video(container, video, size, sar, rotation)
        if audio is not None and not audio_first:
            audio_stream = _add_audio(container, audio)
        if video_stream is not None:
            width, height = size
            upright = (height, width) if rotation in (90, 270) else (width, height)
            for index in range(frames):
                pixels = _stored(_upright(*upright, index), rotation)
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                container.mux(video_stream.encode(frame))
            container.mux(video_stream.encode(None))
        if audio_stream is not None:
            container.mux(silence(audio_stream, frames / RATE))
    return out.getvalue()


def _add_video(
    container: av.container.OutputContainer,
    codec: str,
    size: tuple[int, int],
    sar: Fraction | None,
    rotation: int,
) -> av.video.stream.VideoStream:
    stream = container.add_stream(codec, rate=RATE)
    assert isinstance(stream, av.video.stream.VideoStream)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    if sar is not None:
        stream.codec_context.sample_aspect_ratio = sar
    if rotation:
        stream.set_display_rotation(-rotation)  # PyAV's angle is anticlockwise
    return stream


def _add_audio(container: av.container.OutputContainer, codec: str) -> av.audio.AudioStream:
    stream = container.add_stream(codec, rate=SAMPLE_RATE)
    assert isinstance(stream, av.audio.AudioStream)
    stream.layout = "mono"
    return stream


@cache
def mp3_with_png_cover() -> bytes:
    """An MP3 whose ID3v2 tag has an APIC frame, written by FFmpeg's muxer from a PNG stream
    flagged ``attached_pic``."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        audio = container.add_stream("libmp3lame", rate=SAMPLE_RATE)
        audio.layout = "mono"
        cover = container.add_stream("png")
        cover.width, cover.height, cover.pix_fmt = 40, 30, "rgb24"
        cover.disposition = av.stream.Disposition.attached_pic
        picture = np.zeros((30, 40, 3), np.uint8)
        picture[:, :, 1] = 200
        container.mux(cover.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(cover.encode(None))
        container.mux(silence(audio, 0.5))
    return out.getvalue()


def _synchsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


@cache
def mp3_with_jpeg_cover() -> bytes:
    """An ID3v2.3 tag with an APIC frame (a 24x16 JPEG), built byte by byte, before an MP3
    written without a tag."""
    jpeg = io.BytesIO()
    Image.new("RGB", (24, 16), (0, 0, 255)).save(jpeg, "JPEG")
    body = b"\x00" + b"image/jpeg\x00" + b"\x03" + b"\x00" + jpeg.getvalue()
    frame = b"APIC" + struct.pack(">I", len(body)) + b"\x00\x00" + body
    tag = b"ID3\x03\x00\x00" + _synchsafe(len(frame)) + frame
    return tag + build("mp3", None, "libmp3lame", options=(("id3v2_version", "0"),))
