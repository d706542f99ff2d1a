"""The one pipeline: upload bytes -> sniffed type -> limits -> decode -> meta, preview, blurhash."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from .blurhash import encode_blurhash
from .crops import thumbnail as crop_thumbnail
from .errors import (
    DescriptionError,
    InvalidMediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
)
from .focus import Focus, FocusLike, coerce_focus
from .geometry import AspectLike, CropMode, fit_within, image_meta, size_for_budget
from .gif import GifInfo, parse_gif
from .image import decode_preview, display_size, exif_orientation, flatten, open_image, resize
from .profiles import Profile, get_profile
from .sniff import base_type, sniff
from .source import Source, file_size_message, read_source

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
    """

    type: MediaType
    mime: str
    blurhash: str | None
    description: str | None
    focus: Focus | None
    error: str | None = None
    _meta: Mapping[str, Any] = field(default_factory=dict, repr=False)
    _small: Image.Image | None = field(default=None, repr=False, compare=False)

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
    original: Meta
    small: Image.Image


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
    data = read_source(source, limit=prof.max_image_bytes)
    mime = sniff(data)
    if base_type(mime) not in prof.image_types:
        raise UnsupportedMediaError(mime)
    if thumbnail is not None:
        raise UnsupportedMediaError(mime, "Validation failed: Thumbnail must be blank")
    if len(data) >= prof.max_image_bytes:
        raise MediaTooLargeError(file_size_message(prof.max_image_bytes))
    try:
        media = _analyze_image(data, mime, prof)
    except InvalidMediaError as exc:
        if strict:
            raise
        unknown_meta = {"focus": point.as_meta()} if point is not None else {}
        return Analysis("unknown", mime, None, description, point, str(exc), unknown_meta)
    meta: Meta = {}
    if point is not None:
        meta["focus"] = point.as_meta()
    meta["original"] = media.original
    meta["small"] = image_meta(*media.small.size)
    blurhash = encode_blurhash(_blurhash_input(media.small, prof), *prof.blurhash_components)
    return Analysis(media.type, mime, blurhash, description, point, None, meta, media.small)


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
    if gif is not None and gif.frame_count >= profile.gifv_min_frames:
        box = profile.video_small_box
        small_size = fit_within(*stored, box, box, upscale=False)
        small = decode_preview(image, small_size, 1, canvas=stored)
        return _Media("gifv", _gifv_original(gif, len(data), profile), small)
    orientation = 1 if gif is not None else exif_orientation(image)
    upright = display_size(stored, orientation)
    original = image_meta(*size_for_budget(*upright, profile.original_pixels))
    small_size = size_for_budget(*upright, profile.small_pixels)
    canvas = stored if gif is not None else None
    return _Media("image", original, decode_preview(image, small_size, orientation, canvas=canvas))


def _gifv_original(gif: GifInfo, size_bytes: int, profile: Profile) -> Meta:
    """meta.original of an animated GIF, as FFprobe reports the stream's numbers."""
    meta: Meta = {"width": gif.width, "height": gif.height}
    rate = gif.frame_rate(profile.gif_min_delay_cs, profile.gif_default_delay_cs)
    if rate is not None:
        meta["frame_rate"] = f"{rate.numerator}/{rate.denominator}"
    duration_cs = gif.duration_cs(profile.gif_min_delay_cs, profile.gif_default_delay_cs)
    if duration_cs > 0:
        meta["duration"] = duration_cs / 100
        meta["bitrate"] = math.floor(size_bytes * 8 * 100 / duration_cs)
    return meta


def _blurhash_input(small: Image.Image, profile: Profile) -> Image.Image:
    """The preview flattened on the profile's background and fitted into the BlurHash box."""
    box_w, box_h = profile.blurhash_box
    target = fit_within(*small.size, box_w, box_h, upscale=True)
    return resize(flatten(small, profile.background), target)
