"""Still-image decoding: orientation, modes, reduced-scale decoding accuracy, flattening."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from media import encode, gradient, photo
from PIL import Image

from attachmeta.geometry import size_for_budget
from attachmeta.image import decode_preview, display_size, exif_orientation, flatten, open_image
from attachmeta.testing import images


@pytest.mark.parametrize("size", [(4032, 3024), (1728, 1152), (3000, 4000)])
def test_reduced_scale_preview_matches_a_full_decode(size: tuple[int, int]) -> None:
    data = encode(photo(*size), "JPEG", quality=90)
    target = size_for_budget(*size, 230_400)
    fast = decode_preview(open_image(data, "image/jpeg"), target, 1)
    with Image.open(io.BytesIO(data)) as full:
        reference = full.convert("RGB").resize(target, Image.Resampling.LANCZOS)
    error = np.abs(np.asarray(fast, dtype=float) - np.asarray(reference, dtype=float)).mean()
    assert error < 2.0, f"mean absolute error {error:.3f} of 255"


@given(st.integers(1, 5000), st.integers(1, 5000), st.integers(-3, 12))
def test_display_size_swaps_only_for_rotations(width: int, height: int, orientation: int) -> None:
    swapped = display_size((width, height), orientation)
    assert swapped == ((height, width) if orientation >= 5 else (width, height))


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_out_of_range_orientation_is_ignored(value: object) -> None:
    exif = Image.Exif()
    exif[0x0112] = value
    data = encode(gradient(8, 4), "JPEG", exif=exif)
    assert exif_orientation(open_image(data, "image/jpeg")) == 1


@given(images(max_side=24))
def test_every_mode_decodes_to_rgb_or_rgba(image: Image.Image) -> None:
    if image.mode == "CMYK":  # PNG has no CMYK; CMYK JPEGs are covered in test_analyze
        image = image.convert("RGB")
    data = encode(image, "PNG")
    preview = decode_preview(open_image(data, "image/png"), image.size, 1)
    assert preview.mode in ("RGB", "RGBA") and preview.size == image.size and preview.info == {}


def test_flatten_composites_over_the_background() -> None:
    rgba = Image.new("RGBA", (2, 1), (255, 0, 0, 0))
    rgba.putpixel((1, 0), (255, 0, 0, 255))
    flat = flatten(rgba, (0, 0, 255))
    assert (
        flat.mode == "RGB"
        and flat.getpixel((0, 0)) == (0, 0, 255)
        and flat.getpixel((1, 0)) == (255, 0, 0)
    )
    assert flatten(Image.new("RGB", (1, 1), (1, 2, 3)), (0, 0, 0)).getpixel((0, 0)) == (1, 2, 3)


def test_a_preview_at_the_upload_size_is_a_new_image_without_exif() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    data = encode(gradient(80, 60), "JPEG", exif=exif)
    preview = decode_preview(open_image(data, "image/jpeg"), (80, 60), 1)
    assert type(preview) is Image.Image  # not the opened file, which still holds the upload
    assert dict(preview.getexif()) == {} and preview.info == {}
