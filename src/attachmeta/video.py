"""Video and audio probing with PyAV: stream facts from the header, the first frame, the cover.

Everything takes the file's bytes and works on a private container opened from them.

Bounded work:

* :func:`probe_media` reads what ``avformat_open_input`` and ``avformat_find_stream_info`` read
  (the header, plus FFmpeg's own bounded stream analysis: at most ``probesize`` bytes and
  ``analyzeduration`` of media, 5 MB and 5 s by default). The duration is the container's; no
  packet loop is run here to measure it.
* :func:`first_frame` demuxes packets of the first real video stream only, at most
  :data:`MAX_FIRST_FRAME_PACKETS`, and stops at the first decoded frame.
* :func:`cover_image` reads the one packet of the attached picture, which FFmpeg queues ahead
  of every other packet.

Rotation: PyAV 18 can write a stream's display matrix (``VideoStream.set_display_rotation``)
but offers no read access to the stream's coded side data, and FFmpeg no longer exports the
``rotate`` metadata tag. :func:`probe_media` therefore reads the matrix where FFmpeg's mov/mp4
demuxer takes it from, the ISO-BMFF ``tkhd`` box of the track (times the ``mvhd`` matrix),
with a bounded box walk over the bytes already in memory. :func:`first_frame` takes it from the
decoded frame (``VideoFrame.rotation``, which FFmpeg fills from the same side data).

Errors: every PyAV exception leaves through :func:`~attachmeta.errors.map_decoder_errors` as an
:class:`~attachmeta.errors.InvalidMediaError` (``av.error.MemoryError`` as a
:class:`~attachmeta.errors.MediaTooLargeError`, as for every ``MemoryError``).

Logging: PyAV installs a no-op FFmpeg log callback when it is imported, so FFmpeg writes nothing
to stderr unless the application opts in (``av.logging.set_level`` or
``av.logging.restore_default_callback``). That is a process-wide choice, so this module leaves
it alone rather than changing it per call.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final, Literal, NoReturn

import av
import av.error
import numpy as np
from av.container import InputContainer
from av.stream import Disposition
from av.video.frame import VideoFrame
from av.video.stream import VideoStream as _AVVideoStream
from PIL import Image

from .errors import InvalidMediaError, map_decoder_errors
from .geometry import MAX_SIDE, fit_within

__all__ = [
    "MAX_FIRST_FRAME_PACKETS",
    "MIME_BY_STREAMS",
    "AudioStream",
    "MediaKind",
    "MediaProbe",
    "VideoStream",
    "cover_image",
    "cover_of",
    "display_size",
    "first_frame",
    "frame_of",
    "frame_rate_text",
    "media_kind",
    "open_media",
    "probe_container",
    "probe_media",
    "refine_mime",
]

MediaKind = Literal["video", "gifv", "audio"]

MAX_FIRST_FRAME_PACKETS: Final = 256
"""Video packets :func:`first_frame` feeds the decoder before giving up."""

MIME_BY_STREAMS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        # sniffed type: (with a real video stream, audio only)
        "video/mp4": ("video/mp4", "audio/mp4"),
        "audio/mp4": ("video/mp4", "audio/mp4"),
        "video/webm": ("video/webm", "audio/webm"),
        "audio/webm": ("video/webm", "audio/webm"),
        "video/ogg": ("video/ogg", "audio/ogg"),
        "audio/ogg": ("video/ogg", "audio/ogg"),
        "application/ogg": ("video/ogg", "audio/ogg"),
        "video/3gpp": ("video/3gpp", "audio/3gpp"),
        "audio/3gpp": ("video/3gpp", "audio/3gpp"),
        "video/3gpp2": ("video/3gpp2", "audio/3gpp2"),
        "audio/3gpp2": ("video/3gpp2", "audio/3gpp2"),
    }
)
"""How :func:`refine_mime` renames a container type after its streams.

libmagic names MP4, WebM, Ogg and 3GPP files by the container, so an audio-only MP4 or WebM is
``video/...`` and an Ogg whose first stream is audio is ``audio/ogg`` even when it holds video.
Every other type (``video/quicktime``, ``audio/mpeg``, ``audio/wav``, ``audio/flac``,
``audio/aac``, ``video/x-matroska``, ...) is kept as sniffed.
"""

_IMAGE_DEMUXERS: Final = frozenset({"image2", "image2pipe"})
_ISO_BMFF_DEMUXER: Final = "mov"  # one of the names in "mov,mp4,m4a,3gp,3g2,mj2"
_MAX_BOXES: Final = 4096  # boxes walked per level of the ISO-BMFF tree
# Pillow plugins for the codecs an attached picture is stored with.
_COVER_FORMATS: Final[dict[str, str]] = {
    "mjpeg": "JPEG",
    "png": "PNG",
    "bmp": "BMP",
    "gif": "GIF",
    "webp": "WEBP",
}
_TRANSPOSE_CLOCKWISE: Final[dict[int, Image.Transpose]] = {
    90: Image.Transpose.ROTATE_270,  # Pillow's ROTATE_* turn counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True, slots=True)
class VideoStream:
    """The first real video stream, as the container header describes it.

    Attributes:
        codec: FFmpeg's codec name (``h264``, ``vp9``, ``av1``; ffprobe's ``codec_name``).
        pix_fmt: the pixel format (ffprobe's ``pix_fmt``), ``None`` when unknown.
        coded_width: the stream width in pixels, as stored.
        coded_height: the stream height in pixels, as stored.
        sample_aspect_ratio: the pixel aspect ratio; ``None`` when unknown or unset.
        rotation: degrees, clockwise, to turn the stored picture upright: 0, 90, 180 or 270
            (ffmpeg's autorotate angle; the old ``rotate`` tag).
        display_width: the upright width: the coded width times the SAR, rounded half up,
            then swapped with the height for 90 and 270.
        display_height: the upright height.
        avg_frame_rate: the average frame rate (ffprobe's ``avg_frame_rate``); ``None`` for 0/0.
        base_frame_rate: the base frame rate (ffprobe's ``r_frame_rate``); ``None`` for 0/0.
        frame_count: the frame count the header declares, ``None`` when it declares none.
    """

    codec: str
    pix_fmt: str | None
    coded_width: int
    coded_height: int
    sample_aspect_ratio: Fraction | None
    rotation: int
    display_width: int
    display_height: int
    avg_frame_rate: Fraction | None
    base_frame_rate: Fraction | None
    frame_count: int | None


@dataclass(frozen=True, slots=True)
class AudioStream:
    """The first audio stream.

    Attributes:
        codec: FFmpeg's codec name (``aac``, ``opus``, ``mp3``; ffprobe's ``codec_name``).
        sample_rate: samples per second.
        channels: the channel count.
    """

    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class MediaProbe:
    """What the container header of a video or audio file says.

    Attributes:
        format_name: FFmpeg's demuxer name (``mov,mp4,m4a,3gp,3g2,mj2``, ``matroska,webm``).
        duration: the container duration in seconds, ``None`` when unknown.
        bit_rate: the container bit rate in bits per second, ``None`` when unknown.
        video: the first video stream that is neither an attached picture (cover art) nor a
            still image, else ``None``.
        audio: the first audio stream, else ``None``.
        cover: whether the file has an attached picture.
    """

    format_name: str
    duration: float | None
    bit_rate: int | None
    video: VideoStream | None
    audio: AudioStream | None
    cover: bool


def probe_media(data: bytes) -> MediaProbe:
    """Read the container header and stream parameters of ``data``; nothing is decoded here.

    Raises:
        InvalidMediaError: FFmpeg cannot open the file, or its first real video stream or its
            first audio stream has no decoder or no size.
    """
    with open_media(data) as container:
        return probe_container(container, data)


@contextmanager
def open_media(data: bytes) -> Iterator[InputContainer]:
    """``data`` opened once for :func:`probe_container`, :func:`frame_of` and :func:`cover_of`
    (FFmpeg's stream analysis, which decodes a few frames, then runs only once).

    Raises:
        InvalidMediaError: FFmpeg cannot open the file.
    """
    with map_decoder_errors(), _open(data) as container:
        yield container


def probe_container(container: InputContainer, data: bytes) -> MediaProbe:
    """:func:`probe_media` on an opened container; ``data`` is its bytes (for rotation)."""
    with map_decoder_errors():
        format_name = container.format.name
        cover = any(_is_attached_picture(s) for s in container.streams.video)
        stream = _real_video_stream(container)
        video = None if stream is None else _video_facts(stream, data, format_name)
        audio = None
        if container.streams.audio:
            first = container.streams.audio[0]
            codec = _codec_name(first, "audio")
            audio = AudioStream(
                codec=codec, sample_rate=int(first.sample_rate), channels=int(first.channels)
            )
        duration = container.duration
        bit_rate = container.bit_rate
        return MediaProbe(
            format_name=format_name,
            duration=None if duration is None else duration / av.time_base,
            bit_rate=bit_rate if bit_rate and bit_rate > 0 else None,
            video=video,
            audio=audio,
            cover=cover,
        )


def frame_rate_text(probe: MediaProbe, *, fallback_to_base: bool = False) -> str | None:
    """The video frame rate as Mastodon's ``meta.original.frame_rate``: ``"num/den"``.

    Mastodon's ``VideoMetadataExtractor`` takes ffprobe's ``avg_frame_rate`` as a Ruby
    ``Rational`` (lowest terms; ``"25/1"``) and leaves it out when it is ``0/0``; it keeps
    ``r_frame_rate`` separately (for its variable-frame-rate check) and does not fall back to it.

    Args:
        probe: the file's probe.
        fallback_to_base: use the base rate (``r_frame_rate``) when the average is unknown.

    Returns:
        ``None`` without a video stream or without a known rate.
    """
    if probe.video is None:
        return None
    rate = probe.video.avg_frame_rate
    if rate is None and fallback_to_base:
        rate = probe.video.base_frame_rate
    if rate is None or rate <= 0:
        return None
    return f"{rate.numerator}/{rate.denominator}"


def media_kind(probe: MediaProbe) -> MediaKind | None:
    """Mastodon's attachment type from the streams.

    A real video stream with audio is ``"video"``, without audio ``"gifv"``; audio alone (an
    attached cover picture does not count as video) is ``"audio"``; neither is ``None``.
    """
    if probe.video is not None:
        return "video" if probe.audio is not None else "gifv"
    if probe.audio is not None:
        return "audio"
    return None


def refine_mime(sniffed: str, probe: MediaProbe) -> str:
    """The MIME type from the streams rather than from the container alone.

    ============================================  =================  ==============
    sniffed                                        real video stream  audio only
    ============================================  =================  ==============
    video/mp4, audio/mp4                           video/mp4          audio/mp4
    video/webm, audio/webm                         video/webm         audio/webm
    video/ogg, audio/ogg, application/ogg          video/ogg          audio/ogg
    video/3gpp, audio/3gpp                         video/3gpp         audio/3gpp
    video/3gpp2, audio/3gpp2                       video/3gpp2        audio/3gpp2
    anything else (video/quicktime, audio/mpeg,    unchanged          unchanged
    audio/wav, audio/flac, audio/aac, ...)
    ============================================  =================  ==============

    A file with neither a video nor an audio stream keeps the sniffed type.

    Args:
        sniffed: the canonical sniffed type (see :func:`attachmeta.sniff.sniff`).
        probe: the file's probe.
    """
    names = MIME_BY_STREAMS.get(sniffed)
    if names is None:
        return sniffed
    if probe.video is not None:
        return names[0]
    if probe.audio is not None:
        return names[1]
    return sniffed


def display_size(
    width: int, height: int, *, sample_aspect_ratio: Fraction | None, rotation: int
) -> tuple[int, int]:
    """The upright (width, height) of a picture stored at ``width`` x ``height``.

    The SAR scales the width (``round(width * sar)``, half up, as ffmpeg's ``scale=iw*sar:ih``
    does, at least 1 and at most :data:`~attachmeta.geometry.MAX_SIDE`); a rotation of 90 or 270
    degrees swaps the sides.
    """
    if sample_aspect_ratio is not None and sample_aspect_ratio > 0:
        num, den = sample_aspect_ratio.numerator, sample_aspect_ratio.denominator
        width = min(MAX_SIDE, max(1, (2 * width * num + den) // (2 * den)))
    return (height, width) if rotation in (90, 270) else (width, height)


def first_frame(
    data: bytes, *, box: int, max_packets: int = MAX_FIRST_FRAME_PACKETS
) -> Image.Image:
    """The first frame of the first real video stream: upright, at display aspect, in ``box``.

    Only packets of that stream are demuxed, at most ``max_packets``, and decoding stops at
    the first frame. The frame is converted to RGB, stretched to the SAR, turned upright by the
    frame's display matrix, and fitted within ``box`` x ``box`` (Lanczos, never enlarged) in
    one resampling step.

    Args:
        data: the file's bytes.
        box: the side of the square the result must fit in, at least 1.
        max_packets: the bound on video packets read.

    Raises:
        InvalidMediaError: there is no video stream, or no frame decodes within the bound.
        GeometryError: ``box`` is not a positive integer.
    """
    with open_media(data) as container:
        return frame_of(container, box=box, max_packets=max_packets)


def frame_of(
    container: InputContainer, *, box: int, max_packets: int = MAX_FIRST_FRAME_PACKETS
) -> Image.Image:
    """:func:`first_frame` on an opened container."""
    with map_decoder_errors("video"):
        stream = _real_video_stream(container)
        if stream is None:
            raise InvalidMediaError("The file has no video stream")
        _codec_name(stream, "video")
        frame = _decode_first_frame(container, stream, max_packets)
        sar = stream.sample_aspect_ratio
        rotation = _normalise_rotation(-frame.rotation)  # frame.rotation is counter-clockwise
        picture = _rgb_image(frame)
    return _upright(picture, sar, rotation, box)


def cover_image(data: bytes) -> Image.Image | None:
    """The attached picture (cover art) of ``data``, decoded; ``None`` when there is none.

    The picture's packet holds an encoded image: JPEG, PNG, BMP, GIF and WebP are opened by
    Pillow (restricted to that one plugin), anything else is decoded by FFmpeg. The result is
    RGB, or RGBA when the picture has transparency; EXIF orientation is not applied.

    Raises:
        InvalidMediaError: the file cannot be opened or the picture cannot be decoded.
    """
    with open_media(data) as container:
        return cover_of(container)


def cover_of(container: InputContainer) -> Image.Image | None:
    """:func:`cover_image` on an opened container."""
    with map_decoder_errors("cover"):
        stream = next((s for s in container.streams.video if _is_attached_picture(s)), None)
        if stream is None:
            return None
        codec = _codec_name(stream, "cover")
        packet = _attached_packet(container, stream)
        fmt = _COVER_FORMATS.get(codec)
        if fmt is not None:
            picture: Image.Image = Image.open(io.BytesIO(bytes(packet)), formats=[fmt])
            picture.load()
        else:
            frames = stream.decode(packet) or stream.decode(None)
            if not frames:
                raise InvalidMediaError("The cover could not be decoded")
            picture = _rgb_image(frames[0])
    has_alpha = picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    with map_decoder_errors("cover"):
        return picture.convert("RGBA" if has_alpha else "RGB")


# --- containers and streams ------------------------------------------------------------------


def _refuse_nested_open(url: str, flags: int, options: object) -> NoReturn:
    """``io_open`` for the container: a demuxer may not open other files or URLs (HLS, concat,
    external references), whatever the file asks for."""
    raise PermissionError(f"A media file may not open other resources ({url!r})")


def _open(data: bytes) -> InputContainer:
    """Open ``data`` for reading; bad UTF-8 in tags is replaced rather than fatal."""
    return av.open(io.BytesIO(data), "r", metadata_errors="replace", io_open=_refuse_nested_open)


def _attached_packet(container: InputContainer, stream: av.stream.Stream) -> av.Packet[Any]:
    """The attached picture's packet: FFmpeg queues one per attached-picture stream ahead of
    every other packet, so only the first few packets are looked at."""
    for index, packet in enumerate(container.demux()):
        if index > len(container.streams):
            break
        if packet.stream_index == stream.index and packet.size:
            return packet
    raise InvalidMediaError("The cover could not be decoded: it has no picture data")


def _is_attached_picture(stream: av.stream.Stream) -> bool:
    return bool(stream.disposition & Disposition.attached_pic)


def _real_video_stream(container: InputContainer) -> _AVVideoStream | None:
    """The first video stream that is not cover art and not a still image.

    Streams of FFmpeg's single-image demuxers (``png_pipe``, ``image2``...) and streams flagged
    ``still_image`` are still pictures; animations (GIF, APNG) count as video.
    """
    name = container.format.name
    if name in _IMAGE_DEMUXERS or name.endswith("_pipe"):
        return None
    for stream in container.streams.video:
        if stream.disposition & (Disposition.attached_pic | Disposition.still_image):
            continue
        return stream
    return None


def _codec_name(stream: av.stream.Stream, what: str) -> str:
    """FFmpeg's codec name for the stream (not the decoder's: ``mp3``, not ``mp3float``)."""
    context = stream.codec_context
    if context is None:
        raise InvalidMediaError(f"The {what} stream has no decoder")
    return context.codec.canonical_name


def _video_facts(stream: _AVVideoStream, data: bytes, format_name: str) -> VideoStream:
    codec = _codec_name(stream, "video")
    width, height = int(stream.width), int(stream.height)
    if width <= 0 or height <= 0:
        raise InvalidMediaError("The video stream has no picture size")
    sar = stream.sample_aspect_ratio
    if sar is not None and sar <= 0:
        sar = None
    rotation = 0
    if _ISO_BMFF_DEMUXER in format_name.split(","):
        rotation = _iso_bmff_rotation(data, stream.id)
    display_width, display_height = display_size(
        width, height, sample_aspect_ratio=sar, rotation=rotation
    )
    frames = stream.frames
    return VideoStream(
        codec=codec,
        pix_fmt=stream.pix_fmt,
        coded_width=width,
        coded_height=height,
        sample_aspect_ratio=sar,
        rotation=rotation,
        display_width=display_width,
        display_height=display_height,
        avg_frame_rate=_positive(stream.average_rate),
        base_frame_rate=_positive(stream.base_rate),
        frame_count=frames if frames > 0 else None,
    )


def _positive(rate: Fraction | None) -> Fraction | None:
    return rate if rate is not None and rate > 0 else None


# --- the first frame -------------------------------------------------------------------------


def _decode_first_frame(
    container: InputContainer, stream: _AVVideoStream, max_packets: int
) -> VideoFrame:
    """Feed the stream's packets to its decoder until a frame comes out, at most ``max_packets``.

    A packet the decoder rejects is skipped, as ffmpeg does; a demuxing error ends the reading.
    PyAV's demuxer ends with an empty packet that drains the decoder; when reading stops before
    that, the decoder is drained here, which reads nothing more.
    """
    failure: Exception | None = None
    count = 0
    drained = False
    packets = container.demux(stream)
    while count < max_packets:
        try:
            packet = next(packets)
        except StopIteration:
            drained = True
            break
        except av.error.FFmpegError as exc:  # the container is damaged from here on
            failure = exc
            break
        if packet.size:
            count += 1
        try:
            frames = stream.decode(packet)
        except MemoryError:
            raise
        except av.error.FFmpegError as exc:  # a damaged packet: try the next one
            failure = exc
            continue
        if frames:
            return frames[0]
    if not drained:
        try:
            frames = stream.decode(None)
        except MemoryError:
            raise
        except av.error.FFmpegError as exc:
            failure = failure or exc
            frames = []
        if frames:
            return frames[0]
    detail = f" ({failure})" if failure is not None else ""
    raise InvalidMediaError(
        f"The video could not be decoded: no frame in its first {count} packets{detail}"
    )


def _rgb_image(frame: VideoFrame) -> Image.Image:
    """The frame converted to 8-bit RGB by swscale, as a Pillow image."""
    return Image.fromarray(np.ascontiguousarray(frame.to_ndarray(format="rgb24")))


def _upright(picture: Image.Image, sar: Fraction | None, rotation: int, box: int) -> Image.Image:
    """Stretch ``picture`` to its SAR, fit it in ``box``, and turn it upright."""
    stored_w, stored_h = picture.size
    upright_w, upright_h = display_size(
        stored_w, stored_h, sample_aspect_ratio=sar, rotation=rotation
    )
    target_w, target_h = fit_within(upright_w, upright_h, box, box, upscale=False)
    if rotation in (90, 270):
        target_w, target_h = target_h, target_w
    with map_decoder_errors("video"):
        rgb = picture.convert("RGB")
        if rgb.size != (target_w, target_h):
            rgb = rgb.resize((target_w, target_h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        step = _TRANSPOSE_CLOCKWISE.get(rotation)
        if step is not None:
            rgb = rgb.transpose(step)
    rgb.info = {}
    return rgb


def _normalise_rotation(degrees: float) -> int:
    """The nearest of 0, 90, 180, 270 to an angle in degrees (clockwise)."""
    if not math.isfinite(degrees):
        return 0
    return round(degrees / 90) % 4 * 90


# --- ISO-BMFF display matrix -----------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of the boxes in ``data[start:end]``; a box running past
    ``end`` is cut there and ends the walk."""
    offset = start
    for _ in range(_MAX_BOXES):
        if offset + 8 > end:
            return
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header:
            return
        box_end = min(offset + size, end)
        yield kind, offset + header, box_end
        if box_end == end:
            return
        offset = box_end


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


def _matrix(data: bytes, offset: int, end: int) -> tuple[int, ...] | None:
    """The nine signed 32-bit values of a box's display matrix at ``offset``."""
    if offset + 36 > end:
        return None
    return struct.unpack_from(">9i", data, offset)


def _iso_bmff_rotation(data: bytes, track_id: int) -> int:
    """The clockwise rotation of track ``track_id`` from its ``tkhd`` and the ``mvhd`` matrix.

    FFmpeg's mov demuxer multiplies the track matrix by the movie matrix (16.16, 16.16 and 2.30
    fixed point in the columns) and reads the angle with ``av_display_rotation_get``; the same
    is done here. 0 when the boxes are missing or malformed.
    """
    moov = _child(data, 0, len(data), b"moov")
    if moov is None:
        return 0
    movie: tuple[int, ...] = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _child(data, *moov, b"mvhd")
    if mvhd is not None:
        start, end = mvhd
        if start < end:
            offset = start + (48 if data[start] == 1 else 36)
            movie = _matrix(data, offset, end) or movie
    for kind, start, end in _boxes(data, *moov):
        if kind != b"trak":
            continue
        tkhd = _child(data, start, end, b"tkhd")
        if tkhd is None or tkhd[0] >= tkhd[1]:
            continue
        head, head_end = tkhd
        version = data[head]
        id_offset = head + (20 if version == 1 else 12)
        matrix_offset = head + (60 if version == 1 else 40)
        if id_offset + 4 > head_end:
            continue
        (tid,) = struct.unpack_from(">I", data, id_offset)
        if tid != track_id:
            continue
        track = _matrix(data, matrix_offset, head_end)
        return 0 if track is None else _rotation_of(_multiply(track, movie))
    return 0


def _multiply(track: tuple[int, ...], movie: tuple[int, ...]) -> tuple[int, ...]:
    shifts = (16, 16, 30)
    return tuple(
        sum((track[3 * i + e] * movie[3 * e + j]) >> shifts[e] for e in range(3))
        for i in range(3)
        for j in range(3)
    )


def _rotation_of(matrix: tuple[int, ...]) -> int:
    """The clockwise rotation of a display matrix, to the nearest quarter turn.

    ``av_display_rotation_get`` gives the counter-clockwise angle
    ``-atan2(b / |(b, d)|, a / |(a, c)|)``; its negation is the clockwise one.
    """
    a, b, c, d = (v / 65536 for v in (matrix[0], matrix[1], matrix[3], matrix[4]))
    scale_x, scale_y = math.hypot(a, c), math.hypot(b, d)
    if scale_x == 0 or scale_y == 0:
        return 0
    return _normalise_rotation(math.degrees(math.atan2(b / scale_y, a / scale_x)))
