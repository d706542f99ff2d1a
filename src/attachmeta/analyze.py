"""The one pipeline: upload bytes -> sniffed type -> limits -> decode -> meta, preview, blurhash."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from av.container import InputContainer
from PIL import Image

from .blurhash import encode_blurhash
from .colors import extract_colors
from .crops import thumbnail as crop_thumbnail
from .errors import (
    DescriptionError,
    InvalidMediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
)
from .focus import Focus, FocusLike, coerce_focus
from .geometry import (
    MAX_SIDE,
    AspectLike,
    CropMode,
    fit_width,
    fit_within,
    image_meta,
    size_for_budget,
    size_for_longest_side,
)
from .gif import GifInfo, parse_gif
from .image import decode_preview, display_size, exif_orientation, flatten, open_image
from .profiles import Profile, get_profile
from .renditions import (
    STYLES,
    RenderPlan,
    Rendition,
    RenditionError,
    can_remux,
    even_size,
    gifv_delays,
    render,
    target_bitrate,
)
from .resample import resize
from .sniff import base_type, sniff
from .source import Source, file_size_message, read_source
from .video import (
    MediaProbe,
    cover_of,
    frame_of,
    frame_rate_text,
    media_kind,
    open_media,
    probe_container,
    refine_mime,
)

__all__ = ["Analysis", "MediaType", "analyze"]

MediaType = Literal["image", "gifv", "video", "audio", "unknown"]
Meta = dict[str, Any]


@dataclass(frozen=True)
class Analysis:
    """What ``POST /api/v1/media`` reports about an upload.

    Attributes:
        type: ``image``, ``gifv``, ``video``, ``audio`` or ``unknown``.
        mime: the canonical MIME type sniffed from the bytes.
        blurhash: BlurHash of the preview; ``None`` for ``unknown``.
        description: the description as given.
        focus: the parsed focal point, if one was given.
        error: why the file was not understood (only for ``unknown`` results).

    Memory: an Analysis keeps a reference to the upload's bytes (up to the profile's
    ``max_image_bytes`` / ``max_video_bytes``) for :meth:`render`, and each rendition once it
    is made; drop the Analysis once its files are stored.
    """

    type: MediaType
    mime: str
    blurhash: str | None
    description: str | None
    focus: Focus | None
    error: str | None = None
    _meta: Mapping[str, Any] = field(default_factory=dict, repr=False)
    _small: Image.Image | None = field(default=None, repr=False, compare=False)
    _source: bytes = field(default=b"", repr=False, compare=False)
    _plan: RenderPlan | None = field(default=None, repr=False, compare=False)
    _renditions: dict[str, Rendition] = field(default_factory=dict, repr=False, compare=False)

    @property
    def meta(self) -> Meta:
        """``meta`` as Mastodon shapes it: ``focus`` (when given), ``original``, ``small``."""
        return copy.deepcopy(dict(self._meta))

    @property
    def small(self) -> Image.Image | None:
        """A copy of the preview: upright, sRGB (RGB or RGBA), no metadata; ``None`` if unknown."""
        return None if self._small is None else self._small.copy()

    def thumbnail(self, size: AspectLike, *, mode: CropMode = "css") -> Image.Image:
        """A focal-point crop of the preview (see :func:`attachmeta.thumbnail`).

        Args:
            size: an output (width, height), or an aspect such as ``"16:9"``.
            mode: ``"css"`` or ``"center"``.

        Raises:
            InvalidMediaError: the result is ``unknown`` and has no preview.
        """
        if self._small is None:
            raise InvalidMediaError(
                f"No preview to crop: {self.error or 'the file was not understood'}"
            )
        return crop_thumbnail(self._small, size, focus=self.focus, mode=mode)

    def render(self, style: str) -> Rendition:
        """The file a server stores for ``style``, exactly as ``meta[style]`` describes it.

        ``"original"``: the upload re-encoded as the profile stores it (see
        :mod:`attachmeta.renditions`); made once, on the first call. ``"small"``: the preview,
        encoded in the original's image format (PNG for video, gifv and audio).

        Raises:
            RenditionError: ``style`` is not ``"original"`` or ``"small"``, or there is no
                preview (audio without cover art) for ``"small"``.
            InvalidMediaError: the result is ``unknown``, or the upload fails to decode.
        """
        if style not in STYLES:
            raise RenditionError(
                f"Unknown rendition style {style!r}; expected 'original' or 'small'"
            )
        if self._plan is None:
            raise InvalidMediaError(
                f"No file to store: {self.error or 'the file was not understood'}"
            )
        made = self._renditions.get(style)
        if made is None:
            made = render(style, self._source, self._plan, self._small)
            self._renditions[style] = made
        return made

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready Attachment fields ``type``, ``meta``, ``description``, ``blurhash``."""
        return {
            "type": self.type,
            "meta": self.meta,
            "description": self.description,
            "blurhash": self.blurhash,
        }


@dataclass(frozen=True)
class _Media:
    type: MediaType
    mime: str
    original: Meta
    small: Image.Image | None
    plan: RenderPlan
    colors: dict[str, str] | None = None


def analyze(
    source: Source,
    *,
    focus: FocusLike = None,
    description: str | None = None,
    thumbnail: Source | None = None,
    profile: str | Profile = "mastodon",
    strict: bool = False,
) -> Analysis:
    """Analyze an upload as a server answering ``POST /api/v1/media`` would.

    Args:
        source: the uploaded file: a path, its bytes, or a binary file object.
        focus: the ``focus`` form field (``"x,y"``), a :class:`Focus`, or an (x, y) pair.
        description: the alt text; checked against the profile's length limit.
        thumbnail: a custom thumbnail; only audio and video take one.
        profile: a :class:`Profile` or the name of a built-in one.
        strict: ``False`` (Mastodon's behaviour) reads ``focus`` leniently and turns an
            undecodable file of an accepted type into an ``unknown`` result; ``True`` parses
            ``focus`` strictly and raises instead.

    Raises:
        FocusError: ``strict`` and the focus is malformed.
        DescriptionError: the description is too long.
        UnsupportedMediaError: the type is not accepted, or a thumbnail was given for an image.
        MediaTooLargeError: the file is over the profile's byte or pixel limits.
        InvalidMediaError: ``strict`` and the file cannot be decoded.
        AttachmetaError: the source cannot be read.
    """
    prof = get_profile(profile)
    point = coerce_focus(focus, strict=strict)
    _check_description(description, prof)
    limit = max(prof.max_image_bytes, prof.max_video_bytes)
    data = read_source(source, limit=limit)
    mime = sniff(data)
    media_class = prof.media_class(mime)
    if media_class is None:
        raise UnsupportedMediaError(mime)
    if media_class == "image" and thumbnail is not None:
        raise UnsupportedMediaError(mime, "Validation failed: Thumbnail must be blank")
    byte_limit = prof.max_image_bytes if media_class == "image" else prof.max_video_bytes
    if len(data) >= byte_limit:
        raise MediaTooLargeError(file_size_message(byte_limit))
    # A custom thumbnail is checked before the upload is decoded: its errors are the caller's.
    custom = _thumbnail_preview(thumbnail, prof) if thumbnail is not None else None
    try:
        if media_class == "image":
            media = _analyze_image(data, mime, prof)
        else:
            media = _analyze_av(data, mime, prof, custom)
    except InvalidMediaError as exc:
        if strict:
            raise
        unknown_meta = {"focus": point.as_meta()} if point is not None else {}
        return Analysis("unknown", mime, None, description, point, str(exc), unknown_meta)
    meta: Meta = {}
    if point is not None:
        meta["focus"] = point.as_meta()
    meta["original"] = media.original
    blurhash = None
    if media.small is not None:
        meta["small"] = _small_meta(media.small, media.original, prof)
        blurhash = encode_blurhash(_blurhash_input(media.small, prof), *prof.blurhash_components)
    if media.colors is not None:
        meta["colors"] = media.colors
    return Analysis(
        media.type,
        media.mime,
        blurhash,
        description,
        point,
        None,
        meta,
        media.small,
        data,
        media.plan,
    )


def _check_description(description: str | None, profile: Profile) -> None:
    if description is None:
        return
    if not isinstance(description, str):
        raise DescriptionError(f"description must be a string, got {type(description).__name__}")
    limit = profile.max_description_length
    if len(description) > limit:
        raise DescriptionError(
            f"Validation failed: Description is too long (maximum is {limit} characters)"
        )


def _check_pixels(
    header: tuple[int, int], decoded: tuple[int, int], mime: str, profile: Profile
) -> None:
    """The server's pixel rule on the header size, then the same rule (and the decoding
    ceiling) on what Pillow would allocate: a GIF frame running past the canvas enlarges it."""
    is_gif = base_type(mime) == "image/gif"
    limit = profile.max_gif_pixels if is_gif else profile.max_image_pixels
    ceiling = profile.max_decode_pixels if limit is None else min(limit, profile.max_decode_pixels)
    kind = "GIF files" if is_gif else "images"
    for (width, height), cap in ((header, limit), (decoded, ceiling)):
        if cap is not None and width * height > cap:
            raise MediaTooLargeError(f"{width}x{height} {kind} are not supported")


def _analyze_image(data: bytes, mime: str, profile: Profile) -> _Media:
    gif = parse_gif(data, max_frames=profile.max_frames) if base_type(mime) == "image/gif" else None
    image = open_image(data, mime)
    stored = (gif.width, gif.height) if gif is not None else image.size
    _check_pixels(stored, image.size, mime, profile)
    animated = gif is not None and gif.frame_count >= profile.gifv_min_frames
    if gif is not None and animated and _gifv_type_allowed(mime, profile):
        small = decode_preview(image, _frame_size(stored, profile), 1, canvas=stored)
        original = _gifv_original(gif, profile)
        size = (original["width"], original["height"])
        plan = RenderPlan("gif", mime, profile, *size, gif=gif, canvas=stored)
        return _Media("gifv", mime, original, small, plan)
    orientation = 1 if gif is not None else exif_orientation(image)
    upright = display_size(stored, orientation)
    size = size_for_budget(*upright, profile.original_pixels)
    canvas = stored if gif is not None else None
    small = _budget_preview(image, upright, orientation, profile, canvas=canvas)
    plan = RenderPlan("image", mime, profile, *size, orientation=orientation, canvas=canvas)
    return _Media("image", mime, image_meta(*size), small, plan)


def _budget_preview(
    image: Image.Image,
    upright: tuple[int, int],
    orientation: int,
    profile: Profile,
    *,
    canvas: tuple[int, int] | None = None,
) -> Image.Image:
    """The ``small`` preview of a still image, sized by the profile's rule."""
    return decode_preview(image, _small_size(upright, profile), orientation, canvas=canvas)


def _small_size(size: tuple[int, int], profile: Profile) -> tuple[int, int]:
    """The preview size of a still image (or cover art) of this upright size."""
    if profile.small_rule == "longest_side":
        return size_for_longest_side(*size, profile.small_longest_side)
    return size_for_budget(*size, profile.small_pixels)


def _frame_size(size: tuple[int, int], profile: Profile) -> tuple[int, int]:
    """The preview size of a video frame (or a gifv's first frame) of this display size."""
    if profile.small_rule == "longest_side":
        return size_for_longest_side(*size, profile.small_longest_side)
    box = profile.video_small_box
    return fit_within(*size, box, box, upscale=False)


def _small_meta(small: Image.Image, original: Meta, profile: Profile) -> Meta:
    """meta.small; its ``aspect`` is the original's when the profile says so."""
    meta = image_meta(*small.size)
    if profile.small_aspect == "original" and "width" in original and "height" in original:
        meta["aspect"] = original["width"] / original["height"]
    return meta


def _thumbnail_preview(thumbnail: Source, profile: Profile) -> Image.Image:
    """The preview made from a custom thumbnail (or cover art): a still image in the ``small``
    pixel budget, as Mastodon processes its ``thumbnail`` attachment."""
    data = read_source(thumbnail, limit=profile.max_image_bytes)
    mime = sniff(data)
    if profile.media_class(mime) != "image":
        raise UnsupportedMediaError(mime, "Validation failed: Thumbnail content type is invalid")
    image = open_image(data, mime)
    _check_pixels(image.size, image.size, mime, profile)
    orientation = exif_orientation(image)
    return _budget_preview(image, display_size(image.size, orientation), orientation, profile)


def _analyze_av(data: bytes, mime: str, profile: Profile, custom: Image.Image | None) -> _Media:
    """Video, gifv and audio: the type from the streams, the numbers from the header."""
    with open_media(data) as container:  # opened once: FFmpeg's stream analysis is not free
        return _analyze_container(container, data, mime, profile, custom)


def _analyze_container(
    container: InputContainer, data: bytes, mime: str, profile: Profile, custom: Image.Image | None
) -> _Media:
    probe = probe_container(container, data)
    kind = media_kind(probe)
    refined = refine_mime(mime, probe)
    if kind is None or profile.media_class(refined) is None:
        raise UnsupportedMediaError(refined, "Video has no video stream")
    colors = None
    if probe.video is not None and kind != "audio":
        video, audio = probe.video, probe.audio
        remux = can_remux(
            video.codec, video.pix_fmt, None if audio is None else audio.codec, refined, profile
        )
        original = _video_original(probe, profile, even=not remux)
        plan = RenderPlan(
            "video",
            refined,
            profile,
            original["width"],
            original["height"],
            remux=remux,
            source_size=(video.coded_width, video.coded_height),
            duration=probe.duration,
        )
        if kind == "gifv" and not _may_be_gifv(probe, refined, profile):
            kind = "video"
        small: Image.Image | None = custom
        if small is None and profile.small_rule == "budget":
            small = frame_of(container, box=profile.video_small_box)
        elif small is None:  # the frame at its display size, then the profile's own rounding
            frame = frame_of(container, box=MAX_SIDE)
            small = resize(frame, _frame_size(frame.size, profile))
    else:
        original = _audio_original(probe)
        plan = RenderPlan("audio", refined, profile, duration=probe.duration)
        small = custom
        cover = cover_of(container) if probe.cover and custom is None else None
        if cover is not None:
            small = resize(cover, _small_size(cover.size, profile))
    if small is not None and (custom is not None or kind == "audio"):
        colors = extract_colors(small)
    return _Media(kind, refined, original, small, plan, colors)


def _video_original(probe: MediaProbe, profile: Profile, *, even: bool) -> Meta:
    """meta.original of a video, checked against the profile's size and frame-rate limits.

    ``width`` and ``height`` are the stored MP4's: upright, and cropped to even sides when the
    video is re-encoded (``even``). ``frame_rate``, ``duration`` and ``bitrate`` are the
    upload's, as Mastodon 4.x reports them (it keeps the upload's FFprobe result).
    """
    video = probe.video
    assert video is not None
    width, height = video.coded_width, video.coded_height
    if video.rotation in (90, 270):
        width, height = height, width
    if profile.max_video_pixels is not None and width * height > profile.max_video_pixels:
        raise MediaTooLargeError(f"{width}x{height} videos are not supported")
    rate = video.avg_frame_rate or video.base_frame_rate
    limit = profile.max_video_frame_rate
    if rate is not None and limit is not None and math.floor(rate) > limit:
        raise MediaTooLargeError(f"{math.floor(rate)}fps videos are not supported")
    if even:
        width, height = even_size(width, height)
    meta: Meta = {"width": width, "height": height}
    frame_rate = frame_rate_text(probe, fallback_to_base=True)
    if frame_rate is not None:
        meta["frame_rate"] = frame_rate
    return meta | _audio_original(probe)


def _audio_original(probe: MediaProbe) -> Meta:
    """meta.original's ``duration`` and ``bitrate`` from the container, when known."""
    meta: Meta = {}
    if probe.duration is not None:
        meta["duration"] = probe.duration
    if probe.bit_rate is not None:
        meta["bitrate"] = probe.bit_rate
    return meta


def _gifv_type_allowed(mime: str, profile: Profile) -> bool:
    return profile.gifv_types is None or mime in profile.gifv_types


def _may_be_gifv(probe: MediaProbe, mime: str, profile: Profile) -> bool:
    """Whether a silent video meets the profile's gifv rule (container, duration)."""
    if not _gifv_type_allowed(mime, profile):
        return False
    limit = profile.gifv_max_duration
    return limit is None or (probe.duration is not None and probe.duration <= limit)


def _gifv_original(gif: GifInfo, profile: Profile) -> Meta:
    """meta.original of an animated GIF: the MP4 it is stored as, computed from the GIF's
    blocks without encoding it.

    ``width`` and ``height`` are the canvas cropped to even sides; ``frame_rate`` (frames
    over duration, in lowest terms) and ``duration`` follow the frame delays the MP4 keeps
    (:func:`~attachmeta.renditions.gifv_delays`), which is what FFprobe reads back from it.
    ``bitrate`` is the H.264 target the MP4 is encoded at (Mastodon's rule,
    :func:`~attachmeta.renditions.target_bitrate`): the file's own average is only known
    after encoding, and x264's rate control lands below or above the target depending on
    the picture.
    """
    width, height = even_size(gif.width, gif.height)
    duration_cs = sum(gifv_delays(gif, profile))
    rate = Fraction(gif.frame_count * 100, duration_cs)
    duration = duration_cs / 100
    return {
        "width": width,
        "height": height,
        "frame_rate": f"{rate.numerator}/{rate.denominator}",
        "duration": duration,
        "bitrate": target_bitrate(gif.width, gif.height, duration, profile),
    }


def _blurhash_input(small: Image.Image, profile: Profile) -> Image.Image:
    """The preview flattened on the profile's background and sized for hashing."""
    box_w, box_h = profile.blurhash_box
    if profile.blurhash_fit == "width":
        target = fit_width(*small.size, box_w)
    else:
        target = fit_within(*small.size, box_w, box_h, upscale=True)
    return resize(flatten(small, profile.background), target)
