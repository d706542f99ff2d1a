"""The pipeline on video, gifv and audio built with PyAV: type, refined MIME, meta, limits."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from avmedia import build, mp3_with_jpeg_cover, mp3_with_png_cover
from media import animated_gif, encode, gradient, marked

from attachmeta import (
    MASTODON,
    InvalidMediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
    analyze,
)


def _assert_red_top_left(result_small: object) -> None:
    from PIL import Image

    assert isinstance(result_small, Image.Image)
    r, g, b = result_small.convert("RGB").getpixel((2, 2))  # type: ignore[misc]
    assert r > 180 and g < 80 and b < 80, (r, g, b)


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (build("mp4", "libx264", "aac"), "video", "video/mp4"),
        (build("mp4", "libx264", None), "gifv", "video/mp4"),
        (build("webm", "libvpx-vp9", "libopus"), "video", "video/webm"),
        (build("webm", None, "libopus"), "audio", "audio/webm"),
        (build("mp4", None, "aac"), "audio", "audio/mp4"),
        (build("ipod", None, "aac"), "audio", "audio/mp4"),
        (build("ogg", "libvpx", "libopus", audio_first=True), "video", "video/ogg"),
        (build("mov", "libx264", "aac"), "video", "video/quicktime"),
        (build("mp3", None, "libmp3lame"), "audio", "audio/mpeg"),
    ],
    ids=[
        "h264-aac.mp4",
        "h264.mp4",
        "vp9-opus.webm",
        "opus.webm",
        "aac.mp4",
        "m4a",
        "ogv",
        "mov",
        "mp3",
    ],
)
def test_type_and_refined_mime(data: bytes, kind: str, mime: str) -> None:
    result = analyze(data)
    assert (result.type, result.mime) == (kind, mime)
    original = result.meta["original"]
    if kind == "audio":
        assert set(original) <= {"duration", "bitrate"} and "duration" in original
        assert result.blurhash is None and "small" not in result.meta
    else:
        assert list(original) == ["width", "height", "frame_rate", "duration", "bitrate"]
        assert (original["width"], original["height"], original["frame_rate"]) == (64, 48, "10/1")
        assert abs(original["duration"] - 0.5) <= 0.1
        assert result.meta["small"]["size"] == "64x48"  # never upscaled into the 640 box
        _assert_red_top_left(result.small)


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_video_swaps_sides_and_stands_upright(rotation: int) -> None:
    result = analyze(build("mp4", "libx264", "aac", rotation=rotation))
    original = result.meta["original"]
    assert (original["width"], original["height"]) == (48, 64)
    assert result.meta["small"]["size"] == "48x64"
    _assert_red_top_left(result.small)


def test_anamorphic_preview_has_the_display_aspect() -> None:
    result = analyze(build("mp4", "libx264", None, size=(32, 48), sar=Fraction(2, 1)))
    assert (result.meta["original"]["width"], result.meta["original"]["height"]) == (32, 48)
    assert result.meta["small"]["size"] == "64x48"


def test_one_frame_video_without_an_average_rate() -> None:
    result = analyze(build("ogg", "libvpx", None, frames=1))
    assert result.type == "gifv" and result.mime == "video/ogg"
    assert result.meta["original"].get("frame_rate") in (None, "10/1")  # the base rate, if any


def test_video_preview_is_fitted_in_640() -> None:
    result = analyze(build("mp4", "libx264", None, size=(1280, 720), frames=2))
    assert result.meta["small"]["size"] == "640x360"
    assert result.meta["original"]["width"] == 1280


def test_video_limits() -> None:
    data = build("mp4", "libx264", "aac")
    with pytest.raises(MediaTooLargeError, match=r"^64x48 videos are not supported$"):
        analyze(data, profile=dataclasses.replace(MASTODON, max_video_pixels=1000))
    with pytest.raises(MediaTooLargeError, match=r"^10fps videos are not supported$"):
        analyze(data, profile=dataclasses.replace(MASTODON, max_video_frame_rate=9))
    with pytest.raises(MediaTooLargeError, match="less than"):
        analyze(data, profile=dataclasses.replace(MASTODON, max_video_bytes=len(data)))
    # the video limit (99 MiB), not the image one, applies to videos
    assert analyze(data, profile=dataclasses.replace(MASTODON, max_image_bytes=100)).type == "video"


def test_gifv_rule_is_a_profile_field() -> None:
    silent = build("mp4", "libx264", None)
    short = dataclasses.replace(MASTODON, gifv_max_duration=0.1)
    assert analyze(silent, profile=short).type == "video"
    only_webm = dataclasses.replace(MASTODON, gifv_types=frozenset({"video/webm"}))
    assert analyze(silent, profile=only_webm).type == "video"
    assert analyze(silent).type == "gifv"


@pytest.mark.parametrize("make", [mp3_with_png_cover, mp3_with_jpeg_cover])
def test_audio_cover_becomes_the_preview_with_colours(make: object) -> None:
    result = analyze(make())  # type: ignore[operator]
    assert result.type == "audio" and result.mime == "audio/mpeg"
    assert result.small is not None and result.blurhash is not None
    assert set(result.meta) == {"original", "small", "colors"}
    assert set(result.meta["colors"]) == {"background", "foreground", "accent"}


def test_custom_thumbnail_for_video_and_audio() -> None:
    thumb = encode(marked(1280, 720), "JPEG", quality=95)
    video = analyze(build("mp4", "libx264", "aac"), thumbnail=thumb)
    assert video.meta["small"]["size"] == "640x360"  # the thumbnail, in the 230,400 px budget
    assert "colors" in video.meta
    _assert_red_top_left(video.small)
    audio = analyze(build("mp3", None, "libmp3lame"), thumbnail=thumb)
    assert audio.meta["small"]["size"] == "640x360" and audio.blurhash is not None


def test_bad_custom_thumbnails_are_refused() -> None:
    data = build("mp4", "libx264", "aac")
    with pytest.raises(UnsupportedMediaError, match="Thumbnail content type is invalid"):
        analyze(data, thumbnail=b"not an image")
    with pytest.raises(UnsupportedMediaError, match="Thumbnail must be blank"):
        analyze(encode(gradient(20, 20), "PNG"), thumbnail=encode(gradient(20, 20), "PNG"))
    with pytest.raises(InvalidMediaError):
        analyze(data, thumbnail=encode(gradient(200, 200), "JPEG")[:300])


def test_truncated_video_is_unknown_unless_strict() -> None:
    data = build("mp4", "libx264", "aac")[:200]
    result = analyze(data, focus="0.5,0.5")
    assert result.type == "unknown" and result.meta == {"focus": {"x": 0.5, "y": 0.5}}
    with pytest.raises(InvalidMediaError):
        analyze(data, strict=True)


def test_still_avif_is_never_probed_as_video() -> None:
    result = analyze(encode(gradient(64, 48), "AVIF"))
    assert (result.type, result.mime) == ("image", "image/avif")


def test_gotosocial_profile() -> None:
    image = analyze(encode(gradient(1920, 1080), "JPEG"), profile="gotosocial")
    assert image.meta["original"]["size"] == "1920x1080"  # kept as uploaded
    assert image.meta["small"] == {
        "width": 512,
        "height": 288,
        "size": "512x288",
        "aspect": 1920 / 1080,
    }
    assert image.blurhash is not None and len(image.blurhash) == 2 + 4 + 2 * (4 * 3 - 1)
    portrait = analyze(encode(gradient(404, 720), "PNG"), profile="gotosocial")
    assert portrait.meta["small"]["size"] == "287x512"
    assert portrait.meta["small"]["aspect"] == 404 / 720  # the original's, not 287/512
    # only an MP4 without sound, at most 30 s, is gifv; a silent WebM stays a video
    assert analyze(build("mp4", "libx264", None), profile="gotosocial").type == "gifv"
    assert analyze(build("webm", "libvpx-vp9", None), profile="gotosocial").type == "video"
    gif = analyze(animated_gif(40, 30, frames=3, duration_ms=50), profile="gotosocial")
    assert gif.type == "image"
    video = analyze(
        build("mp4", "libx264", "aac", size=(1280, 720), frames=2), profile="gotosocial"
    )
    assert video.meta["small"]["size"] == "512x288"
