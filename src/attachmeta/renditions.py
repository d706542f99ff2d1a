"""Renditions: the files a server stores, exactly as ``meta`` describes them.

``Analysis.render("original")`` and ``Analysis.render("small")`` give a :class:`Rendition`.
What each upload becomes (the numbers are :class:`~attachmeta.profiles.Profile` fields):

* A still image is decoded once, upright, at the ``original`` budget size (JPEGs at a reduced
  DCT scale when that is enough) and re-encoded in its own format, or in the one
  ``image_conversions`` names (HEIC, HEIF and AVIF become JPEG); only its ICC profile is kept.
  A GIF whose size does not change is copied block by block: it is the upload byte for byte
  unless it carries comment or application extensions (other than the loop count) or bytes
  after its trailer, which are left out.
* An animated GIF (gifv) becomes an H.264 MP4: yuv420p, even sides, no sound, each frame shown
  for its own delay (FFmpeg's GIF delay rule, in a 1/100 s time base).
* A video is remuxed into MP4 when its streams may be copied (H.264 in yuv420p, AAC or no
  sound, a container type the profile allows); otherwise it is re-encoded to H.264 and AAC,
  upright and with even sides, at the profile's target bitrate. Only the first real video
  stream and the first audio stream are kept: cover art, subtitles, data tracks (GPS
  telemetry) and chapters are dropped.
* An audio file becomes an MP3 (LAME VBR) without tags; its cover art is only in the preview.
* ``small`` is the preview of the :class:`~attachmeta.analyze.Analysis`, encoded: in the
  original's stored format for an image, in ``frame_preview_format`` (PNG) otherwise.

Every MP4 is written by FFmpeg's muxer with ``+bitexact`` (no ``encoder`` tag), then laid out
``ftyp``, ``moov``, ``mdat`` (the ``faststart`` layout, done in memory because FFmpeg's own
second pass needs a named output file) without any ``udta``, ``meta``, ``uuid`` or ``free``
box. x264's version SEI is removed from the video attachmeta encodes. Encoders run on one
thread, so the same input and profile always give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final, Literal

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from .errors import AttachmetaError, InvalidMediaError, map_decoder_errors
from .gif import GifInfo
from .image import (
    _ORIENT,
    MAX_ICC_BYTES,
    _to_srgb,
    decode_resized,
    display_size,
    exif_orientation,
    flatten,
    open_image,
)
from .profiles import STORED_IMAGE_TYPES, Profile
from .sniff import base_type, canonical_mime
from .video import _normalise_rotation, _open, _real_video_stream

__all__ = [
    "MIN_BITRATE",
    "STYLES",
    "RenderPlan",
    "Rendition",
    "RenditionError",
    "can_remux",
    "drop_user_data_sei",
    "even_size",
    "finish_mp4",
    "gifv_delays",
    "render",
    "stored_image_type",
    "strip_gif",
    "target_bitrate",
]

Style = Literal["original", "small"]
STYLES: Final = ("original", "small")

EXTENSIONS: Final[dict[str, str]] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "audio/mpeg": "mp3",
}
_PILLOW_WRITERS: Final[dict[str, str]] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
_BITEXACT: Final = {"fflags": "+bitexact"}  # no "encoder" tag in the container
_GIF_TIME_BASE: Final = Fraction(1, 100)
_MP3_RATES: Final = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
_FF_QP2LAMBDA: Final = 118  # FFmpeg's scale between -q:a and global_quality
_LOOP_APPLICATIONS: Final = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
_MP4_CONTAINERS: Final = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"})
_MP4_DROPPED: Final = frozenset({b"udta", b"meta", b"uuid", b"free", b"skip"})
_START_CODE: Final = re.compile(b"\x00\x00\x01")
MIN_BITRATE: Final = 1000
"""The lowest target: x264 takes its rates in whole kbit/s, and refuses 0."""
_SEI: Final = 6  # H.264 NAL unit type of supplemental enhancement information
_USER_DATA_UNREGISTERED: Final = 5  # SEI payload type of an encoder's free text


class RenditionError(AttachmetaError, ValueError):
    """An unknown rendition style, or a style this result has no file for."""


@dataclass(frozen=True, slots=True)
class Rendition:
    """One stored file.

    Attributes:
        data: the file's bytes.
        mime: its MIME type.
        extension: its usual file name extension, without the dot.
        width: its picture width in pixels (``None`` for audio).
        height: its picture height in pixels (``None`` for audio).
    """

    data: bytes = field(repr=False)
    mime: str
    extension: str
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """What rendering needs besides the upload and the preview, decided by ``analyze``.

    Attributes:
        kind: ``image`` (a still picture, or a GIF kept as an image), ``gif`` (an animated
            GIF stored as MP4), ``video`` (a video or silent video) or ``audio``.
        mime: the upload's (refined) MIME type.
        profile: the profile the upload was analyzed with.
        width: ``meta.original.width`` (``None`` for audio).
        height: ``meta.original.height``.
        orientation: the EXIF orientation to undo (images).
        canvas: a GIF's logical screen (width, height).
        gif: the GIF's block structure (``gif`` plans).
        remux: copy the video's streams rather than re-encode them (``video`` plans).
        source_size: the upload's picture (width, height) as stored, for the bitrate rule.
        duration: the upload's duration in seconds, for the bitrate rule.
    """

    kind: Literal["image", "gif", "video", "audio"]
    mime: str
    profile: Profile
    width: int | None = None
    height: int | None = None
    orientation: int = 1
    canvas: tuple[int, int] | None = None
    gif: GifInfo | None = None
    remux: bool = False
    source_size: tuple[int, int] | None = None
    duration: float | None = None


# --- policy: pure functions shared with analyze ---------------------------------------------


def stored_image_type(mime: str, profile: Profile) -> str:
    """The MIME type an image of type ``mime`` is stored in under ``profile``."""
    wanted = {canonical_mime(mime), base_type(mime)}
    for uploaded, stored in profile.image_conversions:
        if canonical_mime(uploaded) in wanted:
            return stored
    base = base_type(mime)
    return base if base in STORED_IMAGE_TYPES else "image/jpeg"


def gifv_delays(gif: GifInfo, profile: Profile) -> tuple[int, ...]:
    """Each GIF frame's duration in the MP4, in centiseconds: FFmpeg's rule (a delay below
    ``gif_min_delay_cs`` counts as ``gif_default_delay_cs``), and at least 1."""
    low, default = profile.gif_min_delay_cs, profile.gif_default_delay_cs
    return tuple(max(1, delay if delay >= low else default) for delay in gif.delays_cs)


def even_size(width: int, height: int) -> tuple[int, int]:
    """The H.264 4:2:0 picture size: an odd side loses its last pixel (Mastodon's
    ``crop=floor(iw/2)*2:floor(ih/2)*2``); a side of 1 pixel is doubled instead."""
    return _even(width), _even(height)


def _even(side: int) -> int:
    return 2 if side < 2 else side - side % 2


def target_bitrate(width: int, height: int, duration: float | None, profile: Profile) -> int:
    """The H.264 target bitrate (bits/s) of an encode, Mastodon's rule: ``width * height *
    video_bitrate_fps * video_bits_per_pixel``, capped so that ``duration`` seconds (at least
    1) stay under ``max_video_bytes`` with ``video_audio_bitrate`` left for sound; at least
    :data:`MIN_BITRATE`."""
    desired = math.floor(width * height * profile.video_bitrate_fps * profile.video_bits_per_pixel)
    seconds = max(duration or 0.0, 1.0)
    cap = math.floor(profile.max_video_bytes * 8 / seconds) - profile.video_audio_bitrate
    return max(MIN_BITRATE, min(desired, cap))


def can_remux(
    video_codec: str, pix_fmt: str | None, audio_codec: str | None, mime: str, profile: Profile
) -> bool:
    """Whether a video's streams are copied into the stored MP4 rather than re-encoded."""
    return (
        canonical_mime(mime) in {canonical_mime(t) for t in profile.video_remux_types}
        and video_codec in profile.remux_video_codecs
        and pix_fmt in profile.remux_pix_fmts
        and (audio_codec is None or audio_codec in profile.remux_audio_codecs)
    )


# --- the entry point --------------------------------------------------------------------------


def render(style: str, data: bytes, plan: RenderPlan, small: Image.Image | None) -> Rendition:
    """The stored file of ``style`` for an analyzed upload.

    Args:
        style: ``"original"`` or ``"small"``.
        data: the upload's bytes.
        plan: what ``analyze`` decided.
        small: the preview (``None`` when the result has none).

    Raises:
        RenditionError: the style is unknown, or there is no preview to store.
        InvalidMediaError: the upload cannot be decoded or encoded.
        MediaTooLargeError: decoding it needs too much memory.
    """
    if style not in STYLES:
        raise RenditionError(f"Unknown rendition style {style!r}; expected 'original' or 'small'")
    with map_decoder_errors():
        if style == "small":
            if small is None:
                raise RenditionError("This result has no small preview (audio without cover art)")
            return _small(small, plan)
        if plan.kind == "image":
            return _image_original(data, plan)
        if plan.kind == "gif":
            return _gif_to_mp4(data, plan)
        if plan.kind == "video":
            return _video_original(data, plan)
        return _audio_original(data, plan.profile)


# --- still images -----------------------------------------------------------------------------


def _small(small: Image.Image, plan: RenderPlan) -> Rendition:
    """The preview, encoded as the profile stores it."""
    profile = plan.profile
    if plan.kind == "image":
        mime = stored_image_type(plan.mime, profile)
    else:
        mime = profile.frame_preview_format
    return _picture(encode_picture(small, mime, profile), mime, small.size)


def _picture(data: bytes, mime: str, size: tuple[int, int]) -> Rendition:
    return Rendition(data, mime, EXTENSIONS[mime], size[0], size[1])


def _image_original(data: bytes, plan: RenderPlan) -> Rendition:
    """A still image upright at the original budget size, in its stored format."""
    assert plan.width is not None and plan.height is not None
    size = (plan.width, plan.height)
    mime = stored_image_type(plan.mime, plan.profile)
    if mime == "image/gif" and plan.canvas == size:
        return _picture(strip_gif(data), mime, size)
    image = open_image(data, plan.mime)
    if plan.canvas is None:
        # Read the EXIF as analyze did before decoding the preview: for a PNG that loads the
        # pixels, and Pillow then keeps what a damaged stream gave rather than failing again.
        exif_orientation(image)
    pixels, icc = decode_original(image, size, plan.orientation, canvas=plan.canvas)
    return _picture(encode_picture(pixels, mime, plan.profile, icc=icc), mime, size)


def decode_original(
    image: Image.Image,
    size: tuple[int, int],
    orientation: int,
    *,
    canvas: tuple[int, int] | None = None,
) -> tuple[Image.Image, bytes | None]:
    """Decode ``image`` upright at exactly ``size``, in its own colour space.

    Returns the pixels (L, LA, RGB or RGBA, no metadata) and the embedded ICC profile to keep
    with them (``None`` when there is none or it is over
    :data:`~attachmeta.image.MAX_ICC_BYTES`). CMYK is converted to sRGB and loses its profile.
    """
    stored = display_size(size, orientation)
    icc = image.info.get("icc_profile")
    pixels = decode_resized(image, stored, canvas=canvas)
    usable = icc if isinstance(icc, bytes) and 0 < len(icc) <= MAX_ICC_BYTES else None
    if pixels.mode == "CMYK":
        pixels, usable = _to_srgb(pixels, usable), None
    for step in _ORIENT.get(orientation, ()):
        pixels = pixels.transpose(step)
    return pixels, usable


def encode_picture(
    image: Image.Image, mime: str, profile: Profile, *, icc: bytes | None = None
) -> bytes:
    """``image`` written as ``mime`` with the profile's quality; nothing but ``icc`` (when it
    fits the written colour model) is stored besides the pixels."""
    pixels = _writable(image, mime, profile.background)
    if pixels is image:
        pixels = image.copy()
    pixels.info = {}  # Pillow writes some info keys (comments, EXIF) unless they are gone
    params: dict[str, Any] = {}
    if mime == "image/jpeg":
        params["quality"] = profile.jpeg_quality
    elif mime == "image/webp":
        params["quality"] = profile.webp_quality
    if icc is not None and _icc_fits(icc, pixels.mode):
        params["icc_profile"] = icc
    out = io.BytesIO()
    pixels.save(out, _PILLOW_WRITERS[mime], **params)
    return out.getvalue()


def _writable(image: Image.Image, mime: str, background: tuple[int, int, int]) -> Image.Image:
    """``image`` in a mode the format stores: JPEG flattens transparency on ``background``,
    WebP has no grey modes."""
    mode = image.mode
    if mime == "image/jpeg":
        if mode in ("RGB", "L"):
            return image
        if mode in ("RGBA", "LA", "PA", "P"):
            return flatten(image.convert("RGBA"), background)
        return image.convert("RGB")
    if mime == "image/webp":
        return image if mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in mode else "RGB")
    if mime == "image/png" and mode not in ("RGB", "RGBA", "L", "LA"):
        return image.convert("RGBA" if "A" in mode else "RGB")
    return image


def _icc_fits(icc: bytes, mode: str) -> bool:
    """Whether the profile's colour space (header bytes 16-19) is the one of ``mode``."""
    space = icc[16:20]
    return space == b"GRAY" if mode in ("L", "LA") else space == b"RGB " and mode in ("RGB", "RGBA")


def strip_gif(data: bytes) -> bytes:
    """The GIF without comment and application extensions (the loop count kept) and without
    anything after its trailer; the upload itself when it has none of these.

    Blocks are copied as they are (no pixel is decoded); a block cut off by the end of the
    data is copied as far as it goes.
    """
    end = len(data)
    pos = 13  # signature + logical screen descriptor
    if end >= pos and data[10] & 0x80:
        pos += 3 << ((data[10] & 0x07) + 1)
    kept = [data[:pos]]
    while pos < end:
        label = data[pos]
        if label == 0x3B:
            kept.append(data[pos : pos + 1])
            break
        if label == 0x21:
            block_end = _after_sub_blocks(data, pos + 2)
            if _keep_extension(data, pos):
                kept.append(data[pos:block_end])
        elif label == 0x2C:
            start = pos + 10
            if start <= end and data[start - 1] & 0x80:
                start += 3 << ((data[start - 1] & 0x07) + 1)
            block_end = _after_sub_blocks(data, start + 1)  # + 1: the LZW code size byte
            kept.append(data[pos:block_end])
        else:
            break
        pos = block_end
    stripped = b"".join(kept)
    return data if stripped == data else stripped


def _after_sub_blocks(data: bytes, pos: int) -> int:
    """The offset after the data sub-blocks starting at ``pos`` (at most the end)."""
    end = len(data)
    while pos < end:
        size = data[pos]
        pos += size + 1
        if size == 0:
            return pos
    return end


def _keep_extension(data: bytes, pos: int) -> bool:
    """Graphic control and plain text extensions stay, and the loop-count application block."""
    label = data[pos + 1] if pos + 1 < len(data) else None
    if label in (0xF9, 0x01):
        return True
    return label == 0xFF and data[pos + 3 : pos + 14] in _LOOP_APPLICATIONS


# --- GIF to MP4 -------------------------------------------------------------------------------


def _gif_to_mp4(data: bytes, plan: RenderPlan) -> Rendition:
    """An animated GIF as an H.264 MP4 whose frames keep the GIF's delays."""
    gif, profile = plan.gif, plan.profile
    assert gif is not None and plan.width is not None and plan.height is not None
    size = (plan.width, plan.height)
    delays = gifv_delays(gif, profile)
    bitrate = target_bitrate(gif.width, gif.height, sum(delays) / 100, profile)
    out = io.BytesIO()
    with av.open(out, "w", format="mp4", container_options=_BITEXACT) as container:
        stream = _h264_stream(container, size, bitrate, _GIF_TIME_BASE, profile)
        durations: dict[int, int] = {}
        pts = 0
        for pixels, delay in zip(_gif_frames(data, gif, size, profile), delays, strict=True):
            frame = VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = pts, _GIF_TIME_BASE
            durations[pts] = delay
            _mux(container, stream.encode(frame), durations)
            pts += delay
        _mux(container, stream.encode(None), durations)
    return Rendition(finish_mp4(out.getvalue()), "video/mp4", "mp4", *size)


def _gif_frames(
    data: bytes, gif: GifInfo, size: tuple[int, int], profile: Profile
) -> Iterator[np.ndarray]:
    """Each of the GIF's ``frame_count`` frames as RGB pixels of ``size``: composed as Pillow
    shows them, cut to the logical screen, flattened on the profile's background. A frame
    Pillow cannot read repeats the one before, so the timeline stays the GIF's."""
    image = open_image(data, "image/gif")
    last: np.ndarray | None = None
    for index in range(gif.frame_count):
        try:
            image.seek(index)
            rgb = flatten(image.convert("RGBA"), profile.background)
            last = _fit_pixels(np.asarray(rgb), (gif.width, gif.height), size)
        except (EOFError, OSError, ValueError):
            if last is None:
                raise
        assert last is not None
        yield last


def _fit_pixels(pixels: np.ndarray, canvas: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """``pixels`` cut to ``canvas``, then to ``size`` (cropped, or edge-padded where larger)."""
    width, height = size
    cut = pixels[: min(canvas[1], height), : min(canvas[0], width)]
    pad = ((0, height - cut.shape[0]), (0, width - cut.shape[1]), (0, 0))
    if pad[0][1] or pad[1][1]:
        cut = np.pad(cut, pad, mode="edge")
    return np.ascontiguousarray(cut)


# --- video ------------------------------------------------------------------------------------


def _video_original(data: bytes, plan: RenderPlan) -> Rendition:
    """A video remuxed or re-encoded into MP4."""
    assert plan.width is not None and plan.height is not None
    mp4 = _remux(data) if plan.remux else _reencode(data, plan)
    return Rendition(finish_mp4(mp4), "video/mp4", "mp4", plan.width, plan.height)


def _remux(data: bytes) -> bytes:
    """The first real video stream and the first audio stream copied into an MP4: no
    metadata is carried over (the display matrix stays, it is part of the picture)."""
    out = io.BytesIO()
    with _open(data) as source, av.open(out, "w", format="mp4", container_options=_BITEXACT) as mp4:
        video = _real_video_stream(source)
        if video is None:
            raise InvalidMediaError("The file has no video stream")
        inputs: list[Any] = [video, *source.streams.audio[:1]]
        outputs = {s.index: mp4.add_stream_from_template(s) for s in inputs}
        length_size = _nal_length_size(video.codec_context.extradata)
        for packet in source.demux(inputs):
            if packet.dts is None:  # the demuxer's flushing packet
                continue
            if packet.stream_index == video.index:
                packet = _without_sei(packet, length_size)
            packet.stream = outputs[packet.stream_index]
            mp4.mux(packet)
    return out.getvalue()


def _nal_length_size(extradata: bytes | None) -> int | None:
    """The NAL length prefix size an ``avcC`` record declares; ``None`` for Annex B."""
    if extradata and extradata[0] == 1 and len(extradata) > 4:
        return (extradata[4] & 0x03) + 1
    return None


def _reencode(data: bytes, plan: RenderPlan) -> bytes:
    """The video re-encoded to H.264 (upright, even sides, its own frame timing) and its sound
    to AAC, in an MP4."""
    assert plan.width is not None and plan.height is not None and plan.source_size is not None
    profile = plan.profile
    size = (plan.width, plan.height)
    bitrate = target_bitrate(*plan.source_size, plan.duration, profile)
    out = io.BytesIO()
    with _open(data) as source, av.open(out, "w", format="mp4", container_options=_BITEXACT) as mp4:
        video = _real_video_stream(source)
        if video is None:
            raise InvalidMediaError("The file has no video stream")
        time_base = video.time_base or Fraction(1, 90_000)
        encoder = _h264_stream(mp4, size, bitrate, time_base, profile)
        audio = source.streams.audio[0] if source.streams.audio else None
        sound = _aac_stream(mp4, audio, profile) if audio is not None else None
        _transcode(
            source.decode(*[s for s in (video, audio) if s is not None]), mp4, encoder, sound
        )
    return out.getvalue()


def _transcode(
    frames: Iterable[Any],
    mp4: OutputContainer,
    encoder: VideoStream,
    sound: AudioStream | None,
) -> None:
    """Encode decoded frames: video upright and fitted to the encoder's size, its timestamps
    moved to start at 0 (frames out of order dropped); sound from 0, gapless."""
    size = (encoder.width, encoder.height)
    durations: dict[int, int] = {}
    first: int | None = None
    previous = -1
    for frame in frames:
        if isinstance(frame, VideoFrame):
            if frame.pts is None:
                continue
            first = frame.pts if first is None else first
            pts = frame.pts - first
            if pts <= previous:
                continue
            previous = pts
            durations[pts] = int(frame.duration or 0)
            picture = VideoFrame.from_ndarray(_upright_pixels(frame, size), format="rgb24")
            picture.pts, picture.time_base = pts, encoder.codec_context.time_base
            _mux(mp4, encoder.encode(picture), durations)
        elif sound is not None:
            frame.pts = None
            mp4.mux(sound.encode(frame))
    _mux(mp4, encoder.encode(None), durations)
    if sound is not None:
        mp4.mux(sound.encode(None))


def _upright_pixels(frame: VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """The frame as RGB, turned upright by its display matrix, cut or padded to ``size``."""
    pixels = frame.to_ndarray(format="rgb24")
    clockwise = _normalise_rotation(-frame.rotation)
    if clockwise:
        pixels = np.rot90(pixels, k=-clockwise // 90)
    height, width = pixels.shape[:2]
    return _fit_pixels(pixels, (width, height), size)


def _h264_stream(
    container: OutputContainer,
    size: tuple[int, int],
    bitrate: int,
    time_base: Fraction,
    profile: Profile,
) -> VideoStream:
    """A libx264 stream at Mastodon's rate control: the target bitrate, a maximum rate of the
    target plus the audio allowance, a buffer of ``video_bufsize_factor`` times the target."""
    options = {
        "preset": profile.video_preset,
        # No B-frames: with frames of different durations, their reordered decode times would
        # give the MP4 sample table another total duration than the presentation's.
        "bf": "0",
        "maxrate": str(bitrate + profile.video_audio_bitrate),
        "bufsize": str(bitrate * profile.video_bufsize_factor),
    }
    stream = container.add_stream("libx264", options=options)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.time_base = time_base
    context = stream.codec_context
    context.time_base = time_base
    context.bit_rate = bitrate
    context.thread_count = 1  # x264's output depends on its thread count
    return stream


def _aac_stream(container: OutputContainer, source: Any, profile: Profile) -> AudioStream:
    """An AAC stream at ``video_audio_bitrate``, mono or stereo, at the source's rate."""
    stream = container.add_stream("aac", rate=int(source.sample_rate) or 48_000)
    stream.layout = "stereo" if int(source.channels) >= 2 else "mono"
    stream.codec_context.bit_rate = profile.video_audio_bitrate
    stream.codec_context.flags |= av.codec.context.Flags.bitexact  # no "Lavc" in the first frame
    return stream


def _mux(
    container: OutputContainer, packets: Iterable[av.Packet[Any]], durations: dict[int, int]
) -> None:
    """Mux encoder packets, each with its frame's duration and without x264's text SEI."""
    for packet in packets:
        if packet.pts is not None:
            packet.duration = durations.pop(packet.pts, 0)
        container.mux(_without_sei(packet))


def _without_sei(packet: av.Packet[Any], length_size: int | None = None) -> av.Packet[Any]:
    """The packet without its user-data SEI units (see :func:`drop_user_data_sei`)."""
    payload = bytes(packet)
    kept = drop_user_data_sei(payload, length_size)
    if kept == payload:
        return packet
    clean = av.Packet(kept)
    clean.pts, clean.dts, clean.duration = packet.pts, packet.dts, packet.duration
    clean.time_base = packet.time_base
    clean.is_keyframe = packet.is_keyframe
    clean.stream = packet.stream
    return clean


def drop_user_data_sei(payload: bytes, length_size: int | None = None) -> bytes:
    """H.264 data without the SEI units that hold only user-data-unregistered messages (free
    text an encoder writes about itself: x264 its version and options); every other unit is
    kept byte for byte.

    Args:
        payload: an access unit, in Annex B form (start codes) when ``length_size`` is
            ``None``, else with each unit prefixed by its length in ``length_size`` bytes (MP4).
    """
    units = _annex_b_units(payload) if length_size is None else _sized_units(payload, length_size)
    if units is None:
        return payload
    kept = [whole for whole, nal in units if not _user_data_sei(nal)]
    return payload if len(kept) == len(units) else b"".join(kept)


def _annex_b_units(payload: bytes) -> list[tuple[bytes, bytes]] | None:
    """(unit with its start code, unit) pairs; ``None`` without a start code."""
    starts = [m.start() for m in _START_CODE.finditer(payload)]
    if not starts or starts[0] > 1:
        return None
    ends = [*starts[1:], len(payload)]
    first = [(payload[: ends[0]], payload[starts[0] + 3 : ends[0]])]
    rest = [(payload[s:e], payload[s + 3 : e]) for s, e in zip(starts[1:], ends[1:], strict=True)]
    return first + rest


def _sized_units(payload: bytes, length_size: int) -> list[tuple[bytes, bytes]] | None:
    """(unit with its length prefix, unit) pairs; ``None`` when the lengths do not add up."""
    units = []
    pos = 0
    while pos < len(payload):
        size = int.from_bytes(payload[pos : pos + length_size], "big")
        end = pos + length_size + size
        if size == 0 or end > len(payload):
            return None
        units.append((payload[pos:end], payload[pos + length_size : end]))
        pos = end
    return units


def _user_data_sei(nal: bytes) -> bool:
    """Whether ``nal`` (trailing zero bytes allowed) is an SEI unit of user-data-unregistered
    messages only (payload type 5); a unit that does not parse is kept."""
    if not nal or nal[0] & 0x1F != _SEI:
        return False
    rbsp = nal[1:].rstrip(b"\x00").replace(b"\x00\x00\x03", b"\x00\x00")
    pos, last = 0, len(rbsp) - 1  # the last byte holds the RBSP trailing bits
    count = 0
    while pos < last:
        kind, pos = _sei_number(rbsp, pos)
        size, pos = _sei_number(rbsp, pos)
        if kind != _USER_DATA_UNREGISTERED or pos + size > last:
            return False
        pos += size
        count += 1
    return count > 0 and pos == last


def _sei_number(rbsp: bytes, pos: int) -> tuple[int, int]:
    """An SEI payload type or size (0xFF bytes add 255 each) and the offset after it."""
    value = 0
    while pos < len(rbsp) and rbsp[pos] == 0xFF:
        value += 255
        pos += 1
    return (value + rbsp[pos], pos + 1) if pos < len(rbsp) else (-1, pos)


# --- audio ------------------------------------------------------------------------------------


def _audio_original(data: bytes, profile: Profile) -> Rendition:
    """The first audio stream as a tagless MP3 (LAME VBR at ``mp3_quality``)."""
    out = io.BytesIO()
    with (
        _open(data) as source,
        av.open(
            out, "w", format="mp3", options={"id3v2_version": "0"}, container_options=_BITEXACT
        ) as mp3,
    ):
        if not source.streams.audio:
            raise InvalidMediaError("The file has no audio stream")
        audio = source.streams.audio[0]
        rate = int(audio.sample_rate)
        stream = mp3.add_stream("libmp3lame", rate=rate if rate in _MP3_RATES else 48_000)
        stream.layout = "stereo" if int(audio.channels) >= 2 else "mono"
        context = stream.codec_context
        context.flags |= av.codec.context.Flags.qscale
        context.global_quality = profile.mp3_quality * _FF_QP2LAMBDA
        for frame in source.decode(audio):
            frame.pts = None
            mp3.mux(stream.encode(frame))
        mp3.mux(stream.encode(None))
    return Rendition(out.getvalue(), "audio/mpeg", "mp3", None, None)


# --- MP4 layout -------------------------------------------------------------------------------


def finish_mp4(data: bytes) -> bytes:
    """An MP4 from FFmpeg's muxer laid out ``ftyp``, ``moov``, ``mdat`` (faststart), without
    ``udta``, ``meta``, ``uuid``, ``free`` or ``skip`` boxes at any level of ``moov``.

    Raises:
        InvalidMediaError: the data is not one ``ftyp``, one ``moov`` and one ``mdat``.
    """
    boxes = [(kind, start, end) for kind, start, _, end in _mp4_boxes(data, 0, len(data))]
    top = {kind: (start, end) for kind, start, end in boxes}
    kinds = [kind for kind, _, _ in boxes if kind not in _MP4_DROPPED]
    if sorted(kinds) != [b"ftyp", b"mdat", b"moov"]:
        raise InvalidMediaError("The MP4 could not be written")
    ftyp = data[slice(*top[b"ftyp"])]
    mdat_start, mdat_end = top[b"mdat"]
    moov_start, moov_end = top[b"moov"]
    size = len(_rebuilt(data, moov_start, moov_end, 0))
    shift = len(ftyp) + size - mdat_start
    return ftyp + _rebuilt(data, moov_start, moov_end, shift) + data[mdat_start:mdat_end]


def _mp4_boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) of each box in ``data[start:end]``."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1 and offset + 16 <= end:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise InvalidMediaError("The MP4 could not be written: a box runs past its parent")
        yield kind, offset, offset + header, offset + size
        offset += size


def _rebuilt(data: bytes, start: int, end: int, shift: int) -> bytes:
    """The box at ``data[start:end]`` rebuilt without dropped boxes, its chunk offsets moved
    by ``shift`` bytes."""
    (kind,) = struct.unpack_from(">4s", data, start + 4)
    payload_start = start + (16 if struct.unpack_from(">I", data, start)[0] == 1 else 8)
    if kind in _MP4_CONTAINERS:
        children = [
            _rebuilt(data, child_start, child_end, shift)
            for child, child_start, _, child_end in _mp4_boxes(data, payload_start, end)
            if child not in _MP4_DROPPED
        ]
        payload = b"".join(children)
    elif kind in (b"stco", b"co64"):
        payload = _shift_offsets(data[payload_start:end], shift, wide=kind == b"co64")
    else:
        payload = data[payload_start:end]
    return struct.pack(">I4s", len(payload) + 8, kind) + payload


def _shift_offsets(payload: bytes, shift: int, *, wide: bool) -> bytes:
    """An ``stco`` (32-bit) or ``co64`` payload with every chunk offset moved by ``shift``."""
    (count,) = struct.unpack_from(">I", payload, 4)
    code = ">Q" if wide else ">I"
    step = 8 if wide else 4
    entries = [struct.unpack_from(code, payload, 8 + i * step)[0] + shift for i in range(count)]
    return payload[:8] + b"".join(struct.pack(code, value) for value in entries)
