"""The pipeline end to end on media built in the test, checked against Mastodon's numbers."""

from __future__ import annotations

import dataclasses
import io
import json
import struct
import zlib
from pathlib import Path

import blurhash as reference
import numpy as np
import pytest
from media import animated_gif, encode, gradient, marked
from PIL import Image, ImageCms

from attachmeta import (
    MASTODON,
    Analysis,
    DescriptionError,
    Focus,
    FocusError,
    InvalidMediaError,
    MediaTooLargeError,
    ProfileError,
    UnsupportedMediaError,
    analyze,
)
from attachmeta.errors import INVALID_FILE_MESSAGE


def reference_hash(image: Image.Image) -> str:
    """blurhash-python's 4x4 hash of ``image`` fitted into 100x100 (Mastodon's recipe)."""
    return str(reference.encode(image.copy(), 4, 4))


def test_jpeg_meta_matches_mastodon() -> None:
    result = analyze(
        encode(gradient(600, 400), "JPEG", quality=90), focus="-0.69,0.42", description="hi"
    )
    assert result.type == "image" and result.mime == "image/jpeg"
    assert result.to_dict() == {
        "type": "image",
        "meta": {
            "focus": {"x": -0.69, "y": 0.42},
            "original": {"width": 600, "height": 400, "size": "600x400", "aspect": 1.5},
            "small": {"width": 588, "height": 392, "size": "588x392", "aspect": 1.5},
        },
        "description": "hi",
        "blurhash": result.blurhash,
    }
    assert list(result.meta) == ["focus", "original", "small"]
    small = result.small
    assert small is not None and small.size == (588, 392) and small.mode == "RGB"
    # the hash is the reference's hash of the preview fitted into 100x100, shrunk by whole
    # blocks first where that leaves twice the size (libvips' and Pillow's thumbnail gap)
    copy = small.resize((100, 67), Image.Resampling.LANCZOS, reducing_gap=2.0)
    assert result.blurhash == reference_hash(copy)
    json.dumps(result.to_dict())


def test_api_document_example_sizes() -> None:
    result = analyze(encode(gradient(640, 480), "PNG"), profile="mastodon-v3")
    assert result.meta["original"] == {
        "width": 640,
        "height": 480,
        "size": "640x480",
        "aspect": 1.3333333333333333,
    }
    assert result.meta["small"] == {
        "width": 461,
        "height": 346,
        "size": "461x346",
        "aspect": 1.3323699421965318,
    }
    assert "focus" not in result.meta


def test_large_image_original_is_capped() -> None:
    # 4000x2500 = 10 MP is over the 8,294,400 px original budget.
    image = Image.new("L", (4000, 2500), 90)
    result = analyze(encode(image, "PNG"))
    assert result.meta["original"]["size"] == "3643x2277"
    assert result.meta["small"]["size"] == "606x379"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_gives_the_displayed_image(orientation: int) -> None:
    upright = marked(60, 40)
    # store the pixels so that applying `orientation` gives `upright` back
    undo = {
        2: [Image.Transpose.FLIP_LEFT_RIGHT],
        3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM],
        5: [Image.Transpose.TRANSPOSE],
        6: [Image.Transpose.ROTATE_90],
        7: [Image.Transpose.TRANSVERSE],
        8: [Image.Transpose.ROTATE_270],
    }
    stored = upright
    for step in undo.get(orientation, []):
        stored = stored.transpose(step)
    exif = Image.Exif()
    exif[0x0112] = orientation
    result = analyze(encode(stored, "JPEG", exif=exif, quality=95))
    assert result.meta["original"]["size"] == "60x40"
    small = result.small
    assert small is not None and small.size == (60, 40)
    r, g, b = small.getpixel((5, 5))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60, "top-left must be red once upright"
    r, g, b = small.getpixel((55, 35))  # type: ignore[misc]
    assert b > 200 and r < 60, "bottom-right must be blue once upright"


def test_preview_carries_no_metadata() -> None:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (1.0, 2.0, 3.0)}  # GPS IFD
    data = encode(gradient(300, 200), "JPEG", exif=exif, comment=b"secret")
    small = analyze(data).small
    assert small is not None
    assert small.info == {} and len(small.getexif()) == 0


def test_transparent_png_is_flattened_on_white_for_the_hash() -> None:
    result = analyze(encode(Image.new("RGBA", (200, 100), (0, 0, 0, 0)), "PNG"))
    small = result.small
    assert small is not None and small.mode == "RGBA"
    assert result.blurhash == reference_hash(Image.new("RGB", (100, 50), (255, 255, 255)))


def test_grey_alpha_and_palette_transparency() -> None:
    la = Image.new("LA", (50, 50), (200, 255))
    la.paste((10, 0), (0, 0, 25, 50))
    small = analyze(encode(la, "PNG")).small
    assert small is not None and small.mode == "RGBA"
    assert small.getpixel((40, 10)) == (200, 200, 200, 255)
    assert small.getpixel((5, 10))[3] == 0  # type: ignore[index]
    pal = Image.new("P", (40, 40), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.paste(0, (0, 0, 20, 40))
    small = analyze(encode(pal, "PNG", transparency=0)).small
    assert (
        small is not None and small.mode == "RGBA" and small.getpixel((30, 5)) == (255, 0, 0, 255)
    )


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    array = np.full((30, 40), 32896, dtype=np.uint16)  # 128 * 257
    image = Image.fromarray(array)
    small = analyze(encode(image, "PNG")).small
    assert small is not None and small.getpixel((10, 10)) == (128, 128, 128)


def test_cmyk_jpeg_gives_rgb() -> None:
    cmyk = Image.new("CMYK", (64, 48), (0, 255, 255, 0))  # process red
    small = analyze(encode(cmyk, "JPEG", quality=95)).small
    assert small is not None and small.mode == "RGB"
    r, g, b = small.getpixel((30, 20))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60


def test_embedded_srgb_profile_is_applied() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = gradient(120, 80)
    plain = analyze(encode(image, "PNG")).small
    tagged = analyze(encode(image, "PNG", icc_profile=icc)).small
    assert plain is not None and tagged is not None
    diff = np.abs(np.asarray(plain, dtype=int) - np.asarray(tagged, dtype=int))
    assert diff.max() <= 2


def test_broken_icc_profile_is_ignored() -> None:
    result = analyze(encode(gradient(50, 50), "PNG", icc_profile=b"not a profile" * 20))
    assert result.type == "image"


@pytest.mark.parametrize(
    ("fmt", "mime", "params"),
    [
        ("WEBP", "image/webp", {"quality": 90}),
        ("AVIF", "image/avif", {"quality": 90}),
        ("HEIF", "image/heic", {"quality": 90}),
        ("GIF", "image/gif", {}),
        ("PNG", "image/png", {}),
    ],
)
def test_every_accepted_format(fmt: str, mime: str, params: dict[str, int]) -> None:
    result = analyze(encode(gradient(600, 400), fmt, **params))
    assert (result.type, result.mime) == ("image", mime)
    assert result.meta["small"]["size"] == "588x392"
    assert result.blurhash is not None and len(result.blurhash) == 36


def test_apng_is_an_image_of_its_first_frame() -> None:
    frames = [Image.new("RGB", (80, 60), c) for c in ((255, 0, 0), (0, 255, 0))]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)
    result = analyze(data)
    assert (result.type, result.mime) == ("image", "image/apng")
    small = result.small
    assert small is not None and small.getpixel((40, 30)) == (255, 0, 0)


def test_animated_gif_is_gifv() -> None:
    data = animated_gif(600, 400, frames=3, duration_ms=100)
    result = analyze(data)
    assert (result.type, result.mime) == ("gifv", "image/gif")
    assert result.meta["original"] == {
        "width": 600,
        "height": 400,
        "frame_rate": "10/1",
        "duration": 0.3,
        "bitrate": 792_000,  # the MP4's H.264 target: 600 * 400 * 30 * 0.11 (Mastodon's rule)
    }
    # a gifv preview is fitted in 640x640 and never upscaled
    assert result.meta["small"]["size"] == "600x400"


def test_gifv_variable_delays_and_ffmpeg_minimum() -> None:
    data = animated_gif(20, 10, frames=3, duration_ms=[0, 70, 30])
    original = analyze(data).meta["original"]
    # 0 cs counts as 10 cs (FFmpeg), so 10 + 7 + 3 = 20 cs for 3 frames = 15/1 fps
    assert original["duration"] == 0.2 and original["frame_rate"] == "15/1"


def test_one_frame_gif_is_an_image() -> None:
    result = analyze(encode(Image.new("P", (600, 400), 3), "GIF"))
    assert result.type == "image" and result.meta["small"]["size"] == "588x392"


def test_gif_pixel_limit_message() -> None:
    with pytest.raises(MediaTooLargeError, match=r"^1281x720 GIF files are not supported$"):
        analyze(encode(Image.new("P", (1281, 720)), "GIF"))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose pixel data is a stub."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def test_pixel_limit_is_checked_from_the_header() -> None:
    # the header claims 7681x4321; there are no pixels, so only a header check can say so
    with pytest.raises(MediaTooLargeError, match=r"^7681x4321 images are not supported$"):
        analyze(_png_header_only(7681, 4321))
    # far past Pillow's own decompression-bomb threshold: still our check and our message
    with pytest.raises(MediaTooLargeError, match=r"^100000x100000 images are not supported$"):
        analyze(_png_header_only(100_000, 100_000))
    # exactly at the limit is accepted by the check (and then fails to decode: unknown)
    assert analyze(_png_header_only(7680, 4320)).type == "unknown"


def test_file_size_limit() -> None:
    profile = dataclasses.replace(MASTODON, max_image_bytes=2000)
    noise = np.random.default_rng(7).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "PNG")
    assert len(data) > 2000
    with pytest.raises(MediaTooLargeError, match=r"File file size must be less than 1\.95 KB"):
        analyze(data, profile=profile)
    assert analyze(encode(Image.new("L", (10, 10)), "PNG"), profile=profile).type == "image"


@pytest.mark.parametrize(
    "data", [encode(gradient(20, 20), "BMP"), encode(gradient(20, 20), "TIFF"), b"hello world", b""]
)
def test_unsupported_types(data: bytes) -> None:
    with pytest.raises(UnsupportedMediaError) as info:
        analyze(data)
    assert str(info.value) == INVALID_FILE_MESSAGE


def test_v3_profile_refuses_webp() -> None:
    with pytest.raises(UnsupportedMediaError):
        analyze(encode(gradient(20, 20), "WEBP"), profile="mastodon-v3")


def test_undecodable_file_is_unknown_unless_strict() -> None:
    data = encode(gradient(300, 200), "JPEG")[:400]
    result = analyze(data, focus="0.1,0.2", description="d")
    assert result.type == "unknown" and result.mime == "image/jpeg"
    assert result.to_dict() == {
        "type": "unknown",
        "meta": {"focus": {"x": 0.1, "y": 0.2}},
        "description": "d",
        "blurhash": None,
    }
    assert result.small is None and result.error
    with pytest.raises(InvalidMediaError):
        result.thumbnail("16:9")
    with pytest.raises(InvalidMediaError):
        analyze(data, strict=True)


def test_focus_modes() -> None:
    data = encode(gradient(60, 40), "PNG")
    assert analyze(data, focus="5,abc").meta["focus"] == {"x": 5.0, "y": 0.0}
    with pytest.raises(FocusError):
        analyze(data, focus="5,abc", strict=True)
    assert analyze(data, focus=(0.25, -0.5)).meta["focus"] == {"x": 0.25, "y": -0.5}


def test_description_limit_and_thumbnail_refused() -> None:
    data = encode(gradient(60, 40), "PNG")
    with pytest.raises(DescriptionError, match="maximum is 1500 characters"):
        analyze(data, description="x" * 1501)
    assert analyze(data, description="x" * 1500).description == "x" * 1500
    with pytest.raises(UnsupportedMediaError, match="Thumbnail must be blank"):
        analyze(data, thumbnail=data)


def test_sources(tmp_path: Path) -> None:
    data = encode(gradient(60, 40), "PNG")
    path = tmp_path / "upload.jpg"  # a misleading name is ignored
    path.write_bytes(data)
    stream = io.BytesIO(b"xx" + data)
    stream.seek(2)
    results = [
        analyze(data),
        analyze(path),
        analyze(str(path)),
        analyze(stream),
        analyze(bytearray(data)),
    ]
    assert all(r.to_dict() == results[0].to_dict() and r.mime == "image/png" for r in results)


def test_result_is_immutable() -> None:
    result = analyze(encode(gradient(60, 40), "PNG"))
    result.meta["original"]["width"] = 1
    assert result.meta["original"]["width"] == 60
    small = result.small
    assert small is not None
    small.paste((0, 0, 0), (0, 0, 60, 40))
    assert result.small is not None and result.small.getpixel((0, 0)) != (0, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.type = "video"  # type: ignore[misc]
    assert isinstance(result, Analysis)


@pytest.mark.parametrize("size", [(1, 1), (1, 3000), (3000, 1), (2, 20000)])
def test_extreme_sizes_never_give_empty_previews(size: tuple[int, int]) -> None:
    result = analyze(encode(Image.new("L", size, 77), "PNG"))
    small = result.small
    assert small is not None and min(small.size) >= 1
    assert result.meta["small"]["width"] * result.meta["small"]["height"] <= MASTODON.small_pixels


def test_thumbnail_crops_around_focus() -> None:
    result = analyze(encode(marked(600, 400), "PNG"), focus="-1,1")
    crop = result.thumbnail("1:1")
    assert crop.size == (392, 392)
    assert crop.getpixel((5, 5)) == (255, 0, 0)
    assert result.thumbnail((100, 50)).size == (100, 50)


def _gif_with_screen(width: int, height: int, frame: Image.Image) -> bytes:
    """A GIF of ``frame`` whose logical screen (header) says ``width`` x ``height``."""
    data = bytearray(encode(frame, "GIF"))
    struct.pack_into("<HH", data, 6, width, height)
    return bytes(data)


def test_every_profile_has_a_decoding_ceiling() -> None:
    # Mastodon 3.x had no pixel rule; the decode ceiling still refuses a 50000x50000 canvas
    bomb = _gif_with_screen(50_000, 50_000, Image.new("P", (1, 1)))
    with pytest.raises(MediaTooLargeError, match="50000x50000"):
        analyze(bomb, profile="mastodon-v3")


def test_gif_frame_larger_than_its_screen_is_bounded() -> None:
    # a 1x1 screen whose frame is 1000x1000: Pillow would allocate the frame's extent
    data = _gif_with_screen(1, 1, Image.new("P", (1000, 1000)))
    with pytest.raises(MediaTooLargeError, match="1000x1000 GIF files are not supported"):
        analyze(data)


@pytest.mark.parametrize(("fmt", "params"), [("AVIF", {"quality": 60}), ("HEIF", {"quality": 60})])
def test_corrupt_avif_and_heic_are_ours(fmt: str, params: dict[str, int]) -> None:
    data = encode(gradient(64, 48), fmt, **params)
    rng = np.random.default_rng(5)
    for _ in range(60):
        mutated = bytearray(data)
        for index in rng.integers(0, len(data), 3):
            mutated[index] ^= int(rng.integers(1, 256))
        try:
            result = analyze(bytes(mutated))
        except (UnsupportedMediaError, InvalidMediaError, MediaTooLargeError):
            continue
        assert result.type in ("image", "unknown")


@pytest.mark.parametrize(
    "focus", [5, 0.5, ("a", "b"), (1, 2, 3), {"x": 1}, b"0,0", (None, None, None), (10**400, 0)]
)
def test_bad_focus_values_are_focus_errors(focus: object) -> None:
    with pytest.raises(FocusError):
        analyze(encode(gradient(20, 20), "PNG"), focus=focus)  # type: ignore[arg-type]


def test_strict_checks_focus_objects_and_pairs() -> None:
    data = encode(gradient(20, 20), "PNG")
    with pytest.raises(FocusError, match="outside"):
        analyze(data, focus=Focus(float("nan"), 0.0), strict=True)
    with pytest.raises(FocusError, match="outside"):
        analyze(data, focus=(2, 0), strict=True)
    with pytest.raises(FocusError):
        analyze(data, focus=(True, False))
    assert analyze(data, focus=(2, 0)).meta["focus"] == {"x": 2.0, "y": 0.0}
    assert analyze(data, focus=Focus(None, 0.5)).meta["focus"] == {"x": None, "y": 0.5}


def test_invalid_custom_profiles_are_refused() -> None:
    for change in ({"image_types": None}, {"max_frames": -1}, {"blurhash_components": (0, 4)}):
        with pytest.raises(ProfileError):
            dataclasses.replace(MASTODON, **change)
    with pytest.raises(ProfileError, match="Unknown profile"):
        analyze(b"", profile="mastodon-9")
