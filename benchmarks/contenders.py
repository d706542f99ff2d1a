"""The contenders: each does the same job (meta + small preview + 4x4 BlurHash) its own way."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from fractions import Fraction
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


# --- renditions: the stored files -----------------------------------------------------------


def attachmeta_render(data: bytes) -> object:
    """attachmeta: analyze, then make the stored original (re-encoded image, or gifv MP4)."""
    return len(analyze(data).render("original").data)


def _cli(args: list[str], data: bytes, suffix: str, out_suffix: str) -> int:
    """Run a command line on ``data`` written to a temporary file; the output's size."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{out_suffix}"
        source.write_bytes(data)
        command = [str(source) if a == "{in}" else str(target) if a == "{out}" else a for a in args]
        subprocess.run(command, capture_output=True, check=True)
        return target.stat().st_size


def ffmpeg_gif_to_mp4(data: bytes) -> object:
    """Mastodon's command: ``ffmpeg`` with its VIDEO_FORMAT options and its bitrate rule."""
    from attachmeta.renditions import target_bitrate

    info = parse_gif(data, max_frames=MASTODON.max_frames)
    seconds = info.duration_cs(MASTODON.gif_min_delay_cs, MASTODON.gif_default_delay_cs) / 100
    bitrate = target_bitrate(info.width, info.height, seconds, MASTODON)
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", "{in}", "-preset", "veryfast"]
    args += ["-movflags", "faststart", "-pix_fmt", "yuv420p"]
    args += ["-vf", "crop=floor(iw/2)*2:floor(ih/2)*2", "-c:v", "h264", "-map_metadata", "-1"]
    args += ["-b:v", str(bitrate), "-maxrate", str(bitrate + 192_000)]
    args += ["-bufsize", str(bitrate * 5), "-y", "{out}"]
    return _cli(args, data, ".gif", ".mp4")


def pyav_naive_gif_to_mp4(data: bytes) -> object:
    """PyAV used naively: decode the GIF with FFmpeg, encode every frame with libx264's
    defaults at 25 fps (frame timing lost), in memory."""
    import av

    out = io.BytesIO()
    with (
        av.open(io.BytesIO(data), "r") as source,
        av.open(out, "w", format="mp4") as target,
    ):
        stream = target.add_stream("libx264", rate=25)
        first = source.streams.video[0]
        stream.width, stream.height = first.width // 2 * 2, first.height // 2 * 2
        stream.pix_fmt = "yuv420p"
        for index, frame in enumerate(source.decode(first)):
            picture = frame.reformat(stream.width, stream.height, "yuv420p")
            picture.pts = index  # one tick per frame: the GIF's own timing is dropped
            picture.time_base = Fraction(1, 25)
            target.mux(stream.encode(picture))
        target.mux(stream.encode(None))
    return len(out.getvalue())


def gif_to_mp4_contenders() -> dict[str, Job]:
    """attachmeta's gifv MP4 against the ``ffmpeg`` command when present, else naive PyAV."""
    table: dict[str, Job] = {"attachmeta": attachmeta_render}
    if shutil.which("ffmpeg"):
        table["ffmpeg (Mastodon)"] = ffmpeg_gif_to_mp4
    else:
        table["PyAV naive"] = pyav_naive_gif_to_mp4
    return table


_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def vips_reencode(data: bytes, fmt: str) -> object:
    """Mastodon's engine from the command line: ``vips thumbnail`` to the original budget box,
    shrinking only, metadata stripped (libvips' default quality)."""
    with Image.open(io.BytesIO(data)) as image:
        box_w, box_h = budget_box(*image.size, MASTODON.original_pixels)
    suffix = _SUFFIXES[fmt]
    args = ["vips", "thumbnail", "{in}", "{out}" + "[strip]", str(box_w)]
    args += ["--height", str(box_h), "--size", "down"]
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
        source.write_bytes(data)
        command = [a.replace("{in}", str(source)).replace("{out}", str(target)) for a in args]
        subprocess.run(command, capture_output=True, check=True)
        return target.stat().st_size


def naive_pillow_reencode(data: bytes, fmt: str) -> object:
    """What Python servers do today: full decode, exif_transpose, thumbnail, save."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
    upright.thumbnail(size_for_budget(*upright.size, MASTODON.original_pixels))
    out = io.BytesIO()
    upright.save(out, fmt, quality=MASTODON.jpeg_quality)
    return len(out.getvalue())


def reencode_contenders(fmt: str) -> dict[str, Job]:
    """attachmeta's stored original against ``vips`` when present, else naive Pillow."""
    table: dict[str, Job] = {"attachmeta": attachmeta_render}
    if shutil.which("vips"):
        table["vips CLI (Mastodon)"] = lambda data: vips_reencode(data, fmt)
    else:
        table["naive Pillow"] = lambda data: naive_pillow_reencode(data, fmt)
    return table
