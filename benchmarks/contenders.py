"""The contenders: each does the same job (meta + small preview + 4x4 BlurHash) its own way."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import blurhash as blurhash_c  # blurhash-python, the C reference
import numpy as np
from PIL import Image, ImageOps

from attachmeta import MASTODON, analyze, encode_blurhash
from attachmeta.geometry import budget_box, size_for_budget
from attachmeta.gif import parse_gif

Job = Callable[[bytes], object]


def _small_size(image: Image.Image) -> tuple[int, int]:
    return size_for_budget(*image.size, MASTODON.small_pixels)


def attachmeta_analyze(data: bytes) -> object:
    """attachmeta's whole pipeline with the default profile."""
    return analyze(data)


def naive_pillow(data: bytes) -> object:
    """What Python servers do today: full decode, exif_transpose, LANCZOS, BlurHash of that."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    small = upright.resize(_small_size(upright), Image.Resampling.LANCZOS)
    return blurhash_c.encode(small.copy(), 4, 4)


def _load_pyvips() -> ModuleType | None:
    try:
        pyvips = importlib.import_module("pyvips")
    except (ImportError, OSError):
        return None
    pyvips.cache_set_max(0)  # repeats must not be served from libvips' operation cache
    return pyvips


def pyvips_pipeline(data: bytes) -> object:
    """Mastodon's engine: vips thumbnail to the budget box (shrink-on-load), a 100 px copy of
    the preview, and blurhash-python on it."""
    vips = _load_pyvips()
    assert vips is not None
    header = vips.Image.new_from_buffer(data, "", access="sequential")
    box_w, box_h = budget_box(header.width, header.height, MASTODON.small_pixels)
    small = vips.Image.thumbnail_buffer(data, box_w, height=box_h, size="down").copy_memory()
    tiny = small.thumbnail_image(100, height=100).colourspace("srgb")
    rgb = tiny.extract_band(0, n=3) if tiny.bands >= 3 else tiny.bandjoin([tiny, tiny])
    pixels = np.ndarray(
        buffer=rgb.write_to_memory(), dtype=np.uint8, shape=(rgb.height, rgb.width, 3)
    )
    return blurhash_c.encode(Image.fromarray(pixels), 4, 4)


def decode_floor(data: bytes) -> object:
    """The floor: Pillow decoding at the reduced scale the preview needs, nothing else."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft(None, _small_size(image))
        image.load()
        return image.size


def pyvips_available() -> bool:
    """Whether pyvips (with a libvips) can be imported."""
    return _load_pyvips() is not None


PIPELINES: dict[str, Job] = {
    "attachmeta": attachmeta_analyze,
    "naive Pillow": naive_pillow,
    "pyvips (Mastodon)": pyvips_pipeline,
    "decode floor": decode_floor,
}


def gif_blocks(data: bytes) -> object:
    """attachmeta: frame count, duration and frame rate from the GIF's blocks."""
    info = parse_gif(data, max_frames=MASTODON.max_frames)
    return info.frame_count, info.frame_rate(
        MASTODON.gif_min_delay_cs, MASTODON.gif_default_delay_cs
    )


def gif_pillow_walk(data: bytes) -> object:
    """Pillow: seek through every frame, summing the durations."""
    with Image.open(io.BytesIO(data)) as image:
        total = 0
        frames: int = getattr(image, "n_frames", 1)
        for index in range(frames):
            image.seek(index)
            total += int(image.info.get("duration", 0))
        return frames, total


def ffmpeg_subprocesses(data: bytes) -> object:
    """Mastodon's way: ``ffprobe`` for the metadata, one ``ffmpeg`` run for the first frame."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "upload.mp4"
        source.write_bytes(data)
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(source),
            ],
            capture_output=True,
            check=True,
        )
        frame = Path(tmp) / "small.png"
        scale = "scale='min(640,iw)':'min(640,ih)':force_original_aspect_ratio=decrease"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-i",
                str(source),
                "-vf",
                scale,
                "-frames:v",
                "1",
                str(frame),
            ],
            capture_output=True,
            check=True,
        )
        return len(probe.stdout), frame.stat().st_size


def pyav_naive(data: bytes) -> object:
    """PyAV used naively: decode every frame to count them and keep the first as the preview."""
    import av

    with av.open(io.BytesIO(data), "r") as container:
        first: Image.Image | None = None
        count = 0
        for frame in container.decode(video=0):
            if first is None:
                first = Image.fromarray(frame.to_ndarray(format="rgb24"))
            count += 1
        assert first is not None
        first.thumbnail((640, 640))
        return count, blurhash_c.encode(first.resize((100, 56)).convert("RGB"), 4, 4)


def video_contenders() -> dict[str, Job]:
    """attachmeta against ffprobe+ffmpeg when both binaries exist, else against naive PyAV."""
    table: dict[str, Job] = {"attachmeta": attachmeta_analyze}
    if shutil.which("ffmpeg") and shutil.which("ffprobe"):
        table["ffprobe + ffmpeg"] = ffmpeg_subprocesses
    else:
        table["PyAV naive"] = pyav_naive
    return table


GIF_TIMING: dict[str, Job] = {"attachmeta blocks": gif_blocks, "Pillow frame walk": gif_pillow_walk}


def load_pure_blurhash(folder: Path) -> ModuleType | None:
    """The pure-Python ``blurhash`` package from ``folder``, or ``None``.

    It shares its import name with blurhash-python, so it lives in a folder of its own
    (``pip install --target FOLDER blurhash``) and is loaded under another name.
    """
    init = folder / "blurhash" / "__init__.py"
    if not init.is_file():
        return None
    spec = importlib.util.spec_from_file_location(
        "pure_blurhash", init, submodule_search_locations=[str(init.parent)]
    )
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pure_blurhash"] = module  # its relative imports look the package up by name
    spec.loader.exec_module(module)
    return module


def encoders(pure: ModuleType | None) -> dict[str, Callable[[Image.Image], Any]]:
    """BlurHash encoders on an RGB image: ours, the C reference, and the pure-Python package."""
    table: dict[str, Callable[[Image.Image], Any]] = {
        "attachmeta": lambda image: encode_blurhash(image, 4, 4),
        "blurhash-python (C)": lambda image: blurhash_c.encode(image.copy(), 4, 4),
    }
    if pure is not None:
        encode = pure.encode
        table["blurhash (pure Python)"] = lambda image: encode(np.asarray(image).tolist(), 4, 4)
    return table
