"""Hypothesis strategies for testing upload handlers (needs the ``test`` extra: hypothesis).

Servers can property-test their own media endpoints with the inputs attachmeta is tested with::

    from hypothesis import given
    from attachmeta.testing import encoded_files, mutated_files

    @given(mutated_files())
    def test_upload_never_500s(data: bytes) -> None:
        response = client.post("/api/v1/media", files={"file": data})
        assert response.status_code in (200, 422)
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

from hypothesis import strategies as st
from PIL import Image

__all__ = [
    "AV_ENCODERS",
    "ENCODERS",
    "encode_av",
    "encode_image",
    "encoded_files",
    "focus_strings",
    "images",
    "invalid_focus_strings",
    "mutated_files",
]

IMAGE_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16")


def images(
    *, modes: tuple[str, ...] = IMAGE_MODES, max_side: int = 64
) -> st.SearchStrategy[Image.Image]:
    """Pillow images of any of ``modes`` and of 1 to ``max_side`` pixels a side, with noise.

    Args:
        modes: the Pillow modes to draw from.
        max_side: the largest width or height.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Image.Image:
        mode = draw(st.sampled_from(modes))
        width = draw(st.integers(1, max_side))
        height = draw(st.integers(1, max_side))
        seed = draw(st.integers(0, 2**32 - 1))
        rgb = Image.effect_noise((width, height), 64).point(lambda v: (v + seed) % 256)
        base = Image.merge(
            "RGB",
            (rgb, rgb.rotate(90, expand=False), rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        )
        if mode == "I;16":
            return base.convert("I").point(lambda v: v * 257).convert("I;16")
        if mode in ("LA", "RGBA"):
            image = base.convert(mode[:-1])
            image.putalpha(rgb)
            return image
        return base.convert(mode)

    return build()


def encode_image(image: Image.Image, fmt: str, **params: object) -> bytes:
    """``image`` encoded in the Pillow format ``fmt`` (``HEIF`` through pillow-heif)."""
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _animated(fmt: str, **params: object) -> Callable[[Image.Image], bytes]:
    def encode(image: Image.Image) -> bytes:
        rgb = image.convert("RGB")
        frames = [rgb, rgb.rotate(90), rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
        return encode_image(frames[0], fmt, save_all=True, append_images=frames[1:], **params)

    return encode


def _oriented_jpeg(image: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "attachmeta"
    return encode_image(image.convert("RGB"), "JPEG", exif=exif, quality=80)


# Every accepted image format, each as its own encoder so a failure names the format.
ENCODERS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg": lambda image: encode_image(image.convert("RGB"), "JPEG", quality=80),
    "jpeg-progressive": lambda image: encode_image(image.convert("L"), "JPEG", progressive=True),
    "jpeg-cmyk": lambda image: encode_image(image.convert("CMYK"), "JPEG"),
    "jpeg-exif": _oriented_jpeg,
    "png": lambda image: encode_image(image, "PNG"),
    "png-rgba": lambda image: encode_image(image.convert("RGBA"), "PNG"),
    "png-16bit": lambda image: encode_image(image.convert("I;16"), "PNG"),
    "apng": _animated("PNG", duration=50),
    "gif": lambda image: encode_image(image.convert("P"), "GIF"),
    "gif-animated": _animated("GIF", duration=[20, 0, 70], loop=0),
    "webp": lambda image: encode_image(image.convert("RGB"), "WEBP", quality=70),
    "webp-lossless-alpha": lambda image: encode_image(image.convert("RGBA"), "WEBP", lossless=True),
    "webp-animated": _animated("WEBP", duration=40),
    "avif": lambda image: encode_image(image.convert("RGB"), "AVIF", quality=50),
    "heic": lambda image: encode_image(image.convert("RGB"), "HEIF", quality=50),
}


def encode_av(
    image: Image.Image, fmt: str, video: str | None, audio: str | None, *, frames: int = 3
) -> bytes:
    """A short file in container ``fmt`` with ``image`` as every video frame and/or silence.

    Args:
        image: the picture (its size is rounded down to even sides for the encoder).
        fmt: an FFmpeg muxer name (``mp4``, ``webm``, ``ogg``, ``mp3``, ...).
        video: a video encoder name, or ``None`` for audio only.
        audio: an audio encoder name, or ``None`` for a silent video.
        frames: how many video frames (at 10 per second).
    """
    import av
    import numpy as np
    from av.audio.stream import AudioStream
    from av.video.stream import VideoStream

    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        picture = image.convert("RGB")
        size = max(2, picture.width // 2 * 2), max(2, picture.height // 2 * 2)
        # every stream is set up before the first packet is written
        moving = container.add_stream(video, rate=10) if video is not None else None
        sound = container.add_stream(audio, rate=48_000) if audio is not None else None
        if isinstance(moving, VideoStream):
            moving.width, moving.height = size
            moving.pix_fmt = "yuv420p"
        if isinstance(sound, AudioStream):
            sound.layout = "mono"
        if isinstance(moving, VideoStream):
            pixels = np.asarray(picture.resize(size))
            for _ in range(frames):
                container.mux(moving.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
            container.mux(moving.encode(None))
        if isinstance(sound, AudioStream):
            chunk = sound.codec_context.frame_size or 1024
            for start in range(0, 4800 * frames, chunk):
                frame = av.AudioFrame.from_ndarray(np.zeros((1, chunk), np.int16), "s16", "mono")
                frame.sample_rate, frame.pts = 48_000, start
                container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    return out.getvalue()


# Every accepted video and audio family, built with PyAV (FFmpeg inside its wheel).
AV_ENCODERS: dict[str, Callable[[Image.Image], bytes]] = {
    "mp4": lambda image: encode_av(image, "mp4", "libx264", "aac"),
    "mp4-silent": lambda image: encode_av(image, "mp4", "libx264", None),
    "webm": lambda image: encode_av(image, "webm", "libvpx", "libopus"),
    "ogg-audio": lambda image: encode_av(image, "ogg", None, "libopus"),
    "mp3": lambda image: encode_av(image, "mp3", None, "libmp3lame"),
}


def encoded_files(
    formats: tuple[str, ...] = tuple(ENCODERS), *, max_side: int = 48
) -> st.SearchStrategy[bytes]:
    """Valid files of the accepted image formats (keys of :data:`ENCODERS`).

    Args:
        formats: which encoders to draw from.
        max_side: the largest width or height of the encoded image.
    """
    return st.builds(
        lambda fmt, image: ENCODERS[fmt](image),
        st.sampled_from(formats),
        images(modes=("L", "RGB", "RGBA"), max_side=max_side),
    )


def _fix_png_crcs(data: bytearray) -> None:
    """Recompute every PNG chunk CRC, so a mutation reaches the decoder, not the CRC check."""
    offset = 8
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        end = offset + 8 + length
        if end + 4 > len(data):
            return
        struct.pack_into(">I", data, end, zlib.crc32(data[offset + 4 : end]))
        offset = end + 4


def _inflate_sizes(data: bytearray, width: int, height: int) -> None:
    """Overwrite the declared canvas size of a PNG, GIF or JPEG (the pixels stay as they are)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        struct.pack_into(">II", data, 16, width, height)
        _fix_png_crcs(data)
    elif data.startswith(b"GIF") and len(data) >= 10:
        struct.pack_into("<HH", data, 6, width & 0xFFFF, height & 0xFFFF)
    elif data.startswith(b"\xff\xd8"):
        for marker in (b"\xff\xc0", b"\xff\xc1", b"\xff\xc2"):
            at = data.find(marker)
            if at >= 0 and at + 9 <= len(data):
                struct.pack_into(">HH", data, at + 5, height & 0xFFFF, width & 0xFFFF)
                return


@st.composite
def _mutate(draw: st.DrawFn, base: bytes, donor: bytes) -> bytes:
    data = bytearray(base)
    operation = draw(st.sampled_from(["flip", "truncate", "splice", "inflate", "overwrite"]))
    if operation == "flip":
        for _ in range(draw(st.integers(1, 8))):
            index = draw(st.integers(0, len(data) - 1))
            data[index] ^= 1 << draw(st.integers(0, 7))
        if data.startswith(b"\x89PNG") and draw(st.booleans()):
            _fix_png_crcs(data)
    elif operation == "truncate":
        del data[draw(st.integers(0, len(data) - 1)) :]
    elif operation == "splice":  # the head of one file on the body of another
        cut = draw(st.integers(1, min(len(data), len(donor))))
        data = bytearray(donor[:cut]) + data[cut:]
    elif operation == "inflate":
        side = st.sampled_from([0, 1, 7681, 65535, 100_000, 2**31 - 1])
        _inflate_sizes(data, draw(side), draw(side))
    else:
        start = draw(st.integers(0, len(data) - 1))
        data[start : start + 4] = draw(
            st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff"])
        )
    return bytes(data)


@lru_cache(maxsize=8)
def _seed_files(formats: tuple[str, ...]) -> tuple[bytes, ...]:
    """A fixed pool of small valid files per format, encoded once per process.

    Mutations draw positions from a file's length, so the file must not change between the
    runs Hypothesis replays (some encoders, AVIF's among them, are not deterministic).
    """
    sizes = ((1, 1), (7, 3), (24, 17))
    pool = []
    for fmt in formats:
        for width, height in sizes:
            base = Image.linear_gradient("L").resize((width, height))
            image = Image.merge(
                "RGB", (base, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), base)
            )
            pool.append((ENCODERS | AV_ENCODERS)[fmt](image))
    return tuple(pool)


def mutated_files(
    formats: tuple[str, ...] = tuple(ENCODERS) + tuple(AV_ENCODERS),
) -> st.SearchStrategy[bytes]:
    """Valid files broken the ways fuzzers break them: bit flips, truncation, another format's
    header spliced on, absurd declared sizes, overwritten words.

    Args:
        formats: which encoders the valid files come from.
    """
    index = st.integers(0, len(formats) * 3 - 1)
    pair = st.tuples(index, index).map(
        lambda ij: (_seed_files(formats)[ij[0]], _seed_files(formats)[ij[1]])
    )
    return pair.flatmap(lambda files: _mutate(files[0], files[1]))


_VALID_NUMBER = st.floats(-1, 1, allow_nan=False).map(lambda v: f"{v:.4g}")


def focus_strings() -> st.SearchStrategy[str]:
    """Valid ``focus`` fields: two numbers in [-1, 1], optionally padded with spaces."""
    pad = st.sampled_from(["", " ", "  "])
    return st.builds(
        lambda a, b, p, q: f"{p}{a}{q},{q}{b}{p}", _VALID_NUMBER, _VALID_NUMBER, pad, pad
    )


def invalid_focus_strings() -> st.SearchStrategy[str]:
    """``focus`` fields a strict parser must refuse: out of range, not numbers, wrong count."""
    out_of_range = st.floats(1.0001, 1e6).map(lambda v: f"{v:.6g},0")
    words = st.sampled_from(
        ["", ",", "nan,0", "inf,0", "0x1,0", "1e-1,0", "a,b", "0,0,0", "0;0", "0"]
    )
    return st.one_of(
        out_of_range,
        words,
        st.text(alphabet="0123456789.,-+eE ", max_size=12).filter(_not_strict_valid),
    )


def _not_strict_valid(text: str) -> bool:
    from .errors import FocusError
    from .focus import parse_focus

    try:
        parse_focus(text)
    except FocusError:
        return True
    return False
