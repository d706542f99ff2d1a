"""The benchmark inputs, made at run time from a real photo (or a generated one)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

_PHOTO = "pillow/xmp_test.jpg"  # a 2000x1072 photo from Pillow's test images


@dataclass(frozen=True)
class Input:
    """One benchmark input: a name, its encoded bytes and its Pillow format."""

    name: str
    data: bytes
    fmt: str


def _corpus_photo() -> Image.Image | None:
    root = Path(
        os.environ.get(
            "ATTACHMETA_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"
        )
    )
    path = root / _PHOTO
    if not path.is_file():
        return None
    with Image.open(path) as image:
        return image.convert("RGB")


def _generated_photo() -> Image.Image:
    """A photo-like stand-in: smooth gradients, shapes and sensor noise."""
    rng = np.random.default_rng(2024)
    h, w = 1072, 2000
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [
            128 + 100 * np.sin(x / 170) * np.cos(y / 90),
            128 + 90 * np.cos((x + y) / 230),
            128 + 80 * np.sin(y / 60 + x / 400),
        ],
        axis=-1,
    )
    base += rng.normal(0, 6, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def source_photo() -> tuple[Image.Image, str]:
    """The photo the inputs are made from, and where it came from."""
    photo = _corpus_photo()
    return (photo, f"corpus {_PHOTO}") if photo is not None else (_generated_photo(), "generated")


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _animated_gif(photo: Image.Image, frames: int) -> bytes:
    base = photo.resize((480, 270), Image.Resampling.LANCZOS)
    images = [base.rotate(i * 360 / frames).quantize(64) for i in range(frames)]
    return _encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=40, loop=0)


def h264_clip(photo: Image.Image, *, quick: bool) -> Input:
    """A 10 s 1080p H.264 + AAC MP4 of the photo panning (2 s at 360p with ``quick``)."""
    import av
    import numpy as np

    seconds, (width, height) = (2, (640, 360)) if quick else (10, (1920, 1080))
    rate = 25
    big = np.asarray(photo.resize((width * 2, height), Image.Resampling.BICUBIC))
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        audio = container.add_stream("aac", rate=48_000)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio.layout = "mono"
        for index in range(seconds * rate):
            x = index * width // (seconds * rate)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(big[:, x : x + width]), format="rgb24"
            )
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for start in range(0, seconds * 48_000, 1024):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.int16), "s16", "mono")
            sound.sample_rate, sound.pts = 48_000, start
            container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
    name = "h264-360p-2s" if quick else "h264-1080p-10s"
    return Input(name, out.getvalue(), "MP4")


def make_inputs(photo: Image.Image, *, quick: bool) -> list[Input]:
    """The inputs of the issue: 12 MP and 2 MP JPEGs, an RGBA PNG, an animated GIF, a WebP.

    Args:
        photo: the source photo.
        quick: make smaller inputs so the whole run takes seconds.
    """
    scale = 4 if quick else 1
    big = photo.resize((4032 // scale, 3024 // scale), Image.Resampling.BICUBIC)
    two_mp = photo.resize((1728 // scale, 1152 // scale), Image.Resampling.BICUBIC)
    rgba = photo.resize((2000 // scale, 2000 // scale), Image.Resampling.BICUBIC).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    webp = photo.resize((1000 // scale, 1000 // scale), Image.Resampling.BICUBIC)
    return [
        Input(
            "jpeg-12mp" if not quick else "jpeg-12mp/4", _encode(big, "JPEG", quality=90), "JPEG"
        ),
        Input(
            "jpeg-2mp" if not quick else "jpeg-2mp/4", _encode(two_mp, "JPEG", quality=90), "JPEG"
        ),
        Input("png-rgba" if not quick else "png-rgba/4", _encode(rgba, "PNG"), "PNG"),
        Input(
            "gif-100f" if not quick else "gif-10f",
            _animated_gif(photo, 10 if quick else 100),
            "GIF",
        ),
        Input("webp" if not quick else "webp/4", _encode(webp, "WEBP", quality=85), "WEBP"),
    ]
