"""Every policy number of the servers attachmeta imitates, one frozen :class:`Profile` each.

The pipeline reads these fields and nothing else: a number that differs between servers (or
between versions of one server) lives here, never as a literal in the code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .errors import ProfileError
from .sniff import base_type, canonical_mime

__all__ = ["GOTOSOCIAL", "MASTODON", "MASTODON_V3", "PROFILES", "Profile", "get_profile"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Profile:
    """A server's media conventions.

    Attributes:
        name: the name ``analyze(profile=...)`` accepts.
        image_types: canonical image MIME types the server accepts.
        max_image_bytes: an image must be smaller than this many bytes.
        max_image_pixels: width*height above this is refused (``None``: no limit).
        max_gif_pixels: width*height above this is refused for GIFs (``None``: no limit).
        max_decode_pixels: a hard ceiling on the pixels attachmeta decodes, whatever the
            server's own rule (Mastodon 3.x had none; ImageMagick's policy bounded it).
        video_types: MIME types of accepted video containers.
        audio_types: MIME types of accepted audio files.
        max_video_bytes: a video or audio file must be smaller than this many bytes.
        max_video_pixels: a video of more pixels (width*height) is refused (``None``: no limit).
        max_video_frame_rate: a video whose frame rate, rounded down, is above this is refused.
        gifv_max_duration: a silent video longer than this (seconds) stays ``video``
            (``None``: any length is ``gifv``).
        gifv_types: only silent videos (and animated GIFs, ``image/gif``) of these MIME types
            are ``gifv`` (``None``: any).
        small_rule: ``"budget"`` sizes the preview by ``small_pixels`` (videos: fitted in
            ``video_small_box``); ``"longest_side"`` bounds its longer side by
            ``small_longest_side``, never enlarging, the other side truncated (GoToSocial).
        small_longest_side: the longer side of a ``"longest_side"`` preview.
        small_aspect: ``meta.small.aspect`` is the preview's own (``"output"``) or the
            original's (``"original"``).
        blurhash_fit: ``"box"`` fits the preview into ``blurhash_box``, up or down;
            ``"width"`` scales it down to ``blurhash_box[0]`` pixels wide.
        original_pixels: pixel budget of the stored original.
        small_pixels: pixel budget of the ``small`` preview.
        video_small_box: a gifv/video preview is fitted in this square, never upscaled.
        blurhash_components: BlurHash (x, y) components.
        blurhash_box: the preview is fitted into this (width, height), up or down, before hashing.
        background: RGB that transparent pixels are flattened onto.
        gifv_min_frames: an animated GIF with at least this many frames is ``gifv``.
        gif_min_delay_cs: a GIF frame delay below this (centiseconds) is replaced by ...
        gif_default_delay_cs: ... this delay, as FFmpeg's GIF demuxer does.
        max_frames: animations with more frames than this are refused before decoding.
        max_description_length: the longest description accepted, in characters.
        image_conversions: (uploaded type, stored type) pairs: an image of the first type is
            stored in the second; any other image keeps its own format (a variant as its base
            type, an APNG as a PNG).
        jpeg_quality: quality (1-100) of the JPEGs attachmeta writes.
        webp_quality: quality (1-100) of the WebPs attachmeta writes.
        frame_preview_format: the MIME type of the stored ``small`` preview of a video, gifv or
            audio file (an image's preview has its original's format).
        video_remux_types: container types whose H.264 video may be copied into the stored MP4
            rather than re-encoded.
        remux_video_codecs: video codecs (FFmpeg names) that are copied, not re-encoded ...
        remux_pix_fmts: ... in these pixel formats ...
        remux_audio_codecs: ... with audio in these codecs (or no audio).
        video_preset: the libx264 preset of every H.264 encode (gifv and video).
        video_bits_per_pixel: the H.264 target bitrate is width*height*``video_bitrate_fps``
            times this, ...
        video_bitrate_fps: ... at this nominal frame rate, capped so that the file stays under
            ``max_video_bytes`` with ``video_audio_bitrate`` left for sound.
        video_audio_bitrate: the AAC bitrate of a re-encoded video (bits per second); also
            added to the target for the encoder's maximum rate.
        video_bufsize_factor: the encoder's rate-control buffer is the target times this.
        mp3_quality: the LAME VBR quality (0 best, 9 smallest) of an audio file stored as MP3.
    """

    name: str
    image_types: frozenset[str]
    max_image_bytes: int
    max_image_pixels: int | None
    max_gif_pixels: int | None
    original_pixels: int
    small_pixels: int
    video_small_box: int
    blurhash_components: tuple[int, int] = (4, 4)
    blurhash_box: tuple[int, int] = (100, 100)
    background: tuple[int, int, int] = (255, 255, 255)
    gifv_min_frames: int = 2
    gif_min_delay_cs: int = 2
    gif_default_delay_cs: int = 10
    max_frames: int = 100_000
    max_description_length: int = 1_500
    max_decode_pixels: int = 33_177_600
    video_types: frozenset[str] = frozenset()
    audio_types: frozenset[str] = frozenset()
    max_video_bytes: int = 40 * MiB
    max_video_pixels: int | None = None
    max_video_frame_rate: int | None = None
    gifv_max_duration: float | None = None
    gifv_types: frozenset[str] | None = None
    small_rule: Literal["budget", "longest_side"] = "budget"
    small_longest_side: int = 512
    small_aspect: Literal["output", "original"] = "output"
    blurhash_fit: Literal["box", "width"] = "box"
    image_conversions: tuple[tuple[str, str], ...] = (
        ("image/heic", "image/jpeg"),
        ("image/heif", "image/jpeg"),
        ("image/avif", "image/jpeg"),
    )
    jpeg_quality: int = 75
    webp_quality: int = 75
    frame_preview_format: str = "image/png"
    video_remux_types: frozenset[str] = frozenset({"video/mp4", "video/ogg"})
    remux_video_codecs: frozenset[str] = frozenset({"h264"})
    remux_pix_fmts: frozenset[str] = frozenset({"yuv420p"})
    remux_audio_codecs: frozenset[str] = frozenset({"aac"})
    video_preset: str = "veryfast"
    video_bits_per_pixel: float = 0.11
    video_bitrate_fps: int = 30
    video_audio_bitrate: int = 192_000
    video_bufsize_factor: int = 5
    mp3_quality: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ProfileError(f"profile name must be a non-empty string, got {self.name!r}")
        for name in (
            "image_types",
            "video_types",
            "audio_types",
            "gifv_types",
            "video_remux_types",
            "remux_video_codecs",
            "remux_pix_fmts",
            "remux_audio_codecs",
        ):
            types = getattr(self, name)
            if name == "gifv_types" and types is None:
                continue
            if not isinstance(types, frozenset) or not all(isinstance(t, str) for t in types):
                raise ProfileError(f"{name} must be a frozenset of MIME type strings")
        for name in (
            "max_image_bytes",
            "original_pixels",
            "small_pixels",
            "video_small_box",
            "gifv_min_frames",
            "max_frames",
            "max_description_length",
            "max_decode_pixels",
            "max_video_bytes",
            "small_longest_side",
            "video_bitrate_fps",
            "video_audio_bitrate",
            "video_bufsize_factor",
        ):
            _check_int(self, name, minimum=1)
        for name in ("jpeg_quality", "webp_quality"):
            _check_int(self, name, minimum=1, maximum=100)
        _check_int(self, "mp3_quality", minimum=0, maximum=9)
        for name in (
            "max_image_pixels",
            "max_gif_pixels",
            "max_video_pixels",
            "max_video_frame_rate",
        ):
            if getattr(self, name) is not None:
                _check_int(self, name, minimum=1)
        for name in ("gif_min_delay_cs", "gif_default_delay_cs"):
            _check_int(self, name, minimum=0)
        for name, allowed in (
            ("small_rule", ("budget", "longest_side")),
            ("small_aspect", ("output", "original")),
            ("blurhash_fit", ("box", "width")),
        ):
            if getattr(self, name) not in allowed:
                raise ProfileError(f"profile field {name} must be one of {allowed}")
        duration = self.gifv_max_duration
        if duration is not None and not (isinstance(duration, int | float) and duration > 0):
            raise ProfileError(
                f"gifv_max_duration must be a positive number or None, got {duration!r}"
            )
        bpp = self.video_bits_per_pixel
        if isinstance(bpp, bool) or not isinstance(bpp, int | float) or not 0 < bpp < 100:
            raise ProfileError(f"video_bits_per_pixel must be a number in (0, 100), got {bpp!r}")
        if not isinstance(self.video_preset, str) or not self.video_preset.isalpha():
            raise ProfileError(
                f"video_preset must be a libx264 preset name, got {self.video_preset!r}"
            )
        _check_conversions(self)
        _check_stored_type(self, "frame_preview_format", self.frame_preview_format)
        _check_ints(self, "blurhash_components", 2, 1, 9)
        _check_ints(self, "blurhash_box", 2, 1, 1 << 16)
        _check_ints(self, "background", 3, 0, 255)

    def media_class(self, mime: str) -> Literal["image", "av"] | None:
        """Whether ``mime`` is an accepted image (``"image"``), video or audio (``"av"``) type.

        Both sides are compared in canonical spelling, and a variant counts as its base type
        (``image/apng`` as ``image/png``).
        """
        wanted = {canonical_mime(mime), base_type(mime)}
        if wanted & _canonical(self.image_types):
            return "image"
        if wanted & _canonical(self.video_types | self.audio_types):
            return "av"
        return None


@lru_cache(maxsize=64)
def _canonical(types: frozenset[str]) -> frozenset[str]:
    """A profile's MIME types in canonical spelling (computed once per set of types)."""
    return frozenset(canonical_mime(t) for t in types)


def _check_ints(profile: Profile, name: str, count: int, low: int, high: int) -> None:
    value = getattr(profile, name)
    if not (
        isinstance(value, tuple)
        and len(value) == count
        and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)
    ):
        raise ProfileError(
            f"profile field {name} must be {count} integers in {low}..{high}, got {value!r}"
        )


def _check_int(profile: Profile, name: str, *, minimum: int, maximum: int | None = None) -> None:
    value = getattr(profile, name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bounds = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        raise ProfileError(f"profile field {name} must be an integer {bounds}, got {value!r}")


# The image types attachmeta can store (write) an original or a preview in.
STORED_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _check_stored_type(profile: Profile, name: str, mime: object) -> None:
    if mime not in STORED_IMAGE_TYPES:
        allowed = ", ".join(sorted(STORED_IMAGE_TYPES))
        raise ProfileError(f"{name} must name a stored image type ({allowed}), got {mime!r}")


def _check_conversions(profile: Profile) -> None:
    pairs = profile.image_conversions
    if not isinstance(pairs, tuple) or not all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in pairs
    ):
        raise ProfileError("image_conversions must be a tuple of (MIME type, MIME type) pairs")
    for _, stored in pairs:
        _check_stored_type(profile, "image_conversions", stored)


_VIDEO_TYPES = frozenset({"video/webm", "video/mp4", "video/quicktime", "video/ogg"})

# Mastodon 3.x's AUDIO_MIME_TYPES; 4.x adds audio/vnd.wave and audio/vorbis.
_MASTODON_3_AUDIO = frozenset(
    {
        "audio/wave",
        "audio/wav",
        "audio/x-wav",
        "audio/x-pn-wave",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp3",
        "audio/webm",
        "audio/flac",
        "audio/aac",
        "audio/m4a",
        "audio/x-m4a",
        "audio/mp4",
        "audio/3gpp",
        "video/x-ms-asf",  # WMA
    }
)

# Mastodon 4.x: app/models/media_attachment.rb and app/models/concerns/attachmentable.rb; the
# stored files follow lib/paperclip/{vips_lazy_thumbnail,transcoder,gif_transcoder}.rb, whose
# numbers are the renditions fields' defaults (see their docstring in the README).
MASTODON = Profile(
    name="mastodon",
    image_types=frozenset(
        {
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/heic",
            "image/heif",
            "image/webp",
            "image/avif",
        }
    ),
    max_image_bytes=16 * MiB,
    max_image_pixels=33_177_600,  # 7680x4320
    max_gif_pixels=921_600,  # 1280x720
    original_pixels=8_294_400,  # 3840x2160
    small_pixels=230_400,  # 640x360
    video_small_box=640,
    video_types=_VIDEO_TYPES,
    audio_types=_MASTODON_3_AUDIO | {"audio/vnd.wave", "audio/vorbis"},
    max_video_bytes=99 * MiB,
    max_video_pixels=8_294_400,  # 3840x2160
    max_video_frame_rate=120,
)

# Mastodon 3.x, the era of the API document (its 640x480 example has a 461x346 preview).
MASTODON_V3 = Profile(
    name="mastodon-v3",
    image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_image_bytes=10 * MiB,
    max_image_pixels=None,
    max_gif_pixels=None,
    original_pixels=1_638_400,  # 1280x1280
    small_pixels=160_000,  # 400x400
    video_small_box=400,
    video_types=_VIDEO_TYPES,
    audio_types=_MASTODON_3_AUDIO,
    max_video_bytes=40 * MiB,
    jpeg_quality=90,  # ImageMagick's -quality 90 (Paperclip convert_options, Mastodon 3.x)
)

# GoToSocial 0.20: internal/media (thumbnail.go: 512 px thumbnails, a 4x3 BlurHash of a 32 px
# wide copy; only MP4 may be gifv) and its default media-local-max-size of 40 MiB.
GOTOSOCIAL = Profile(
    name="gotosocial",
    image_types=frozenset(
        {
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "image/avif",
            "image/heic",
            "image/heif",
        }
    ),
    max_image_bytes=40 * MiB,
    max_image_pixels=None,
    max_gif_pixels=None,
    original_pixels=33_177_600,  # originals are kept as uploaded, up to the decode ceiling
    small_pixels=262_144,  # 512x512, for cover art and custom thumbnails
    video_small_box=512,
    blurhash_components=(4, 3),
    blurhash_box=(32, 32),
    video_types=_VIDEO_TYPES,
    audio_types=frozenset(
        {
            "audio/mpeg",
            "audio/ogg",
            "audio/flac",
            "audio/wav",
            "audio/mp4",
            "audio/webm",
            "audio/aac",
        }
    ),
    max_video_bytes=40 * MiB,
    gifv_max_duration=30.0,
    gifv_types=frozenset({"video/mp4"}),
    small_rule="longest_side",
    small_longest_side=512,
    small_aspect="original",
    blurhash_fit="width",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (MASTODON, MASTODON_V3, GOTOSOCIAL)}


def get_profile(profile: str | Profile) -> Profile:
    """Return ``profile`` itself, or the built-in profile of that name.

    Raises:
        ProfileError: no built-in profile has that name.
    """
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        known = ", ".join(sorted(PROFILES))
        raise ProfileError(f"Unknown profile {profile!r}; expected one of: {known}") from None
