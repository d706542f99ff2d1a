"""Timing, peak-memory and reporting for ``python -m benchmarks``."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from PIL import Image

from . import contenders
from .inputs import Input, h264_clip, make_inputs, source_photo

OURS = "attachmeta"


@dataclass(frozen=True)
class Row:
    """One contender on one input: median and quartiles in milliseconds, ratio to ours."""

    section: str
    input: str
    contender: str
    median_ms: float
    q1_ms: float
    q3_ms: float
    runs: int
    ratio: float | None = None


def time_round_robin(
    jobs: Mapping[str, Callable[[], object]], repeats: int, *, warm: bool = True
) -> dict[str, list[float]]:
    """Run every job ``repeats`` times, interleaved so the machine's noise hits all alike."""
    for job in jobs.values() if warm else ():
        job()  # warm caches, lazy imports and plugin registration
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, job in jobs.items():
            start = time.perf_counter()
            job()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def _rows(section: str, input_name: str, times: dict[str, list[float]], ours: str) -> list[Row]:
    rows = []
    base = statistics.median(times[ours]) if ours in times else None
    for name, samples in times.items():
        median = statistics.median(samples)
        q1, _, q3 = statistics.quantiles(samples, n=4) if len(samples) > 1 else (median, 0, median)
        ratio = median / base if base else None
        rows.append(Row(section, input_name, name, median, q1, q3, len(samples), ratio))
    return rows


Jobs = dict[str, Callable[[], object]]


def bench_pipelines(inputs: Sequence[Input], repeats: int) -> list[Row]:
    """The whole job on every input, for every pipeline that can read it."""
    has_vips = contenders.pyvips_available()
    rows: list[Row] = []
    for item in inputs:
        jobs: Jobs = {
            name: partial(job, item.data)
            for name, job in contenders.PIPELINES.items()
            if has_vips or not name.startswith("pyvips")
        }
        rows += _rows("pipeline", item.name, time_round_robin(jobs, repeats), OURS)
    return rows


def bench_gif(inputs: Sequence[Input], repeats: int) -> list[Row]:
    """Frame count and timing of the animated GIF: block parsing against Pillow's frame walk."""
    rows: list[Row] = []
    for item in inputs:
        if item.fmt != "GIF":
            continue
        jobs: Jobs = {name: partial(job, item.data) for name, job in contenders.GIF_TIMING.items()}
        rows += _rows("gif frames", item.name, time_round_robin(jobs, repeats), "attachmeta blocks")
    return rows


def bench_video(clip: Input, repeats: int) -> list[Row]:
    """The video clip: attachmeta against the subprocess or naive-decoding way."""
    jobs: Jobs = {
        name: partial(job, clip.data) for name, job in contenders.video_contenders().items()
    }
    return _rows("video", clip.name, time_round_robin(jobs, repeats), OURS)


def bench_renditions(inputs: Sequence[Input], repeats: int) -> list[Row]:
    """The stored original: gifv MP4 against ffmpeg, image re-encodes against vips (the
    command lines Mastodon runs), or naive PyAV / Pillow when those are not installed."""
    rows: list[Row] = []
    for item in inputs:
        if item.fmt == "GIF":
            table, section = contenders.gif_to_mp4_contenders(), "gif to mp4"
        else:
            table, section = contenders.reencode_contenders(item.fmt), "image re-encode"
        jobs: Jobs = {name: partial(job, item.data) for name, job in table.items()}
        rows += _rows(section, item.name, time_round_robin(jobs, repeats), OURS)
    return rows


def bench_encoders(photo: Image.Image, repeats: int, pure_folder: Path, quick: bool) -> list[Row]:
    """BlurHash encoders on 100x67 and 588x392 RGB images made from the photo.

    The pure-Python encoder is timed in a loop of its own, after the others: it runs a
    hundred to a thousand times longer, and that much interpreted code leaves the caches cold
    for whatever runs next (a 0.1 ms encoder run right after it takes twice as long).
    """
    pure = contenders.load_pure_blurhash(pure_folder)
    slow = "blurhash (pure Python)"
    rows: list[Row] = []
    for size in ((100, 67), (588, 392)):
        image = photo.resize(size, Image.Resampling.LANCZOS)
        jobs: Jobs = {name: partial(enc, image) for name, enc in contenders.encoders(pure).items()}
        apart = {slow: jobs.pop(slow)} if slow in jobs else {}
        times = time_round_robin(jobs, repeats)
        if apart:
            # a second or more per call on the larger image: one run, not a dozen
            runs = 1 if quick or size[0] > 100 else 3
            times |= time_round_robin(apart, runs, warm=False)
        rows += _rows("blurhash encode", f"{size[0]}x{size[1]}", times, OURS)
    return rows


_MEMORY_CHILD = """
import json, resource, sys
from pathlib import Path
from benchmarks import contenders
job = contenders.PIPELINES[sys.argv[2]]
data = Path(sys.argv[1]).read_bytes()
contenders.pyvips_available()
status = Path("/proc/self/status")

def kb(field):
    if not status.exists():
        return None
    line = next(l for l in status.read_text().splitlines() if l.startswith(field))
    return int(line.split()[1])

try:  # Linux: reset the high-water mark to the current size, so imports do not count
    Path("/proc/self/clear_refs").write_text("5")
    baseline = kb("VmRSS")
except OSError:
    baseline = None
if baseline is None:  # elsewhere getrusage's peak so far is the baseline
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
job(data)
peak = kb("VmHWM") if Path("/proc/self/clear_refs").exists() else None
if peak is None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kb": baseline, "peak_kb": peak}))
"""


def peak_memory(item: Input) -> dict[str, float]:
    """Peak RSS above the interpreter's baseline (MB) of each pipeline, each in a fresh process."""
    result: dict[str, float] = {}
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(item.data)
        for name in contenders.PIPELINES:
            if name.startswith("pyvips") and not contenders.pyvips_available():
                continue
            proc = subprocess.run(
                [sys.executable, "-c", _MEMORY_CHILD, str(path), name],
                capture_output=True,
                text=True,
                cwd=root,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"memory run of {name} failed: {proc.stderr.strip()[-500:]}")
            numbers = json.loads(proc.stdout)
            result[name] = (numbers["peak_kb"] - numbers["baseline_kb"]) / 1024
    return result


def format_table(rows: Sequence[Row]) -> str:
    """A plain-text table: section, input, contender, median, quartiles, ratio to ours."""
    header = _line("section", "input", "contender", "median ms", "q1..q3 ms", "x ours")
    lines = [header, "-" * len(header)]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        spread = f"{row.q1_ms:.2f}..{row.q3_ms:.2f}"
        lines.append(
            _line(row.section, row.input, row.contender, f"{row.median_ms:.2f}", spread, ratio)
        )
    return "\n".join(lines)


def _line(section: str, name: str, contender: str, median: str, spread: str, ratio: str) -> str:
    return f"{section:<16} {name:<12} {contender:<24} {median:>10} {spread:>17} {ratio:>8}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small inputs, few runs: seconds, not minutes"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers here")
    parser.add_argument("--repeats", type=int, help="runs per contender (default 15, quick 3)")
    parser.add_argument(
        "--pure-blurhash",
        type=Path,
        default=Path(".bench/pure-blurhash"),
        metavar="DIR",
        help="folder with the pure-Python 'blurhash' package (pip install --target DIR blurhash)",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)
    photo, origin = source_photo()
    inputs = make_inputs(photo, quick=args.quick)
    print(
        f"inputs from: {origin}; {repeats} runs each; Python {platform.python_version()}; "
        f"pyvips: {'yes' if contenders.pyvips_available() else 'not installed'}"
    )
    rows = bench_pipelines(inputs, repeats) + bench_gif(inputs, repeats)
    rows += bench_video(h264_clip(photo, quick=args.quick), max(2, repeats // 3))
    rows += bench_renditions(inputs, max(2, repeats // 3))
    rows += bench_encoders(photo, repeats, args.pure_blurhash, args.quick)
    print(format_table(rows))
    memory = peak_memory(inputs[0])
    print(f"\npeak RSS above baseline on {inputs[0].name} (MB, fresh process each):")
    for name, megabytes in memory.items():
        print(f"  {name:<24} {megabytes:8.1f}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"source": origin, "rows": [asdict(r) for r in rows], "peak_rss_mb": memory},
                indent=2,
            )
        )
    return 0
