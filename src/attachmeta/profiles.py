"""Every policy number of the servers attachmeta imitates, one frozen :class:`Profile` each.

The pipeline reads these fields and nothing else: a number that differs between servers (or
between versions of one server) lives here, never as a literal in the code path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AttachmetaError

__all__ = ["MASTODON", "MASTODON_V3", "PROFILES", "Profile", "get_profile"]

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


# Mastodon 4.x: app/models/media_attachment.rb and app/models/concerns/attachmentable.rb.
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
)

PROFILES: dict[str, Profile] = {p.name: p for p in (MASTODON, MASTODON_V3)}


def get_profile(profile: str | Profile) -> Profile:
    """Return ``profile`` itself, or the built-in profile of that name.

    Raises:
        AttachmetaError: no built-in profile has that name.
    """
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        known = ", ".join(sorted(PROFILES))
        raise AttachmetaError(f"Unknown profile {profile!r}; expected one of: {known}") from None
