"""Batches: ordered process-pool results, error records, folder walking, summaries, progress."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from media import animated_gif, encode, gradient
from PIL import Image

from attachmeta import ProfileError, analyze
from attachmeta.batch import (
    LOOKAHEAD_PER_WORKER,
    BatchResult,
    Summary,
    _crashed,
    _Job,
    _map_ordered,
    analyze_many,
    format_progress,
    format_summary,
    iter_media_paths,
    json_record,
    progress,
    scan_to_jsonl,
    summarize,
)
from attachmeta.source import Source

PNG = encode(gradient(40, 30), "PNG")
GIF = animated_gif(16, 16, 3, 50)
TEXT = b"hello, this is not an image\n"
BROKEN_PNG = PNG[:-40]


def _timeless(result: BatchResult) -> BatchResult:
    return dataclasses.replace(result, seconds=0.0)


def _mixed(tmp_path: Path) -> list[Source]:
    good = tmp_path / "good.png"
    good.write_bytes(PNG)
    return [good, PNG, TEXT, str(tmp_path / "missing.png"), GIF, BROKEN_PNG, io.BytesIO(PNG)]


# --- analyze_many ---------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_results_in_order_with_error_records(tmp_path: Path, workers: int) -> None:
    sources = _mixed(tmp_path)
    results = list(analyze_many(sources, workers=workers))
    labels = [str(tmp_path / "good.png"), 1, 2, str(tmp_path / "missing.png"), 4, 5, 6]
    assert [r.source for r in results] == labels
    good, data, text, missing, gif, broken, stream = results
    assert good.type == data.type == stream.type == "image"
    assert good.meta == analyze(PNG).meta and good.blurhash == analyze(PNG).blurhash
    assert gif.type == "gifv"
    assert text.type is None and text.error_type == "UnsupportedMediaError"
    assert text.error == (
        "UnsupportedMediaError: Validation failed: File content type is invalid, File is invalid"
    )
    assert text.mime == "text/plain" and text.meta == {} and text.blurhash is None
    assert missing.error_type == "AttachmetaError" and missing.error is not None
    assert missing.error.startswith("AttachmetaError: Cannot read")
    assert broken.ok and broken.error == analyze(BROKEN_PNG).error
    assert all(r.seconds >= 0 for r in results)


def test_pool_and_in_process_agree(tmp_path: Path) -> None:
    one = [_timeless(r) for r in analyze_many(_mixed(tmp_path), workers=1)]
    two = [_timeless(r) for r in analyze_many(_mixed(tmp_path), workers=2)]
    assert one == two


def test_kwargs_reach_analyze() -> None:
    [result] = analyze_many([PNG], workers=2, focus="0.5,-0.25", profile="mastodon-v3")
    assert result.meta["focus"] == {"x": 0.5, "y": -0.25}
    assert result.meta == analyze(PNG, focus="0.5,-0.25", profile="mastodon-v3").meta
    [strict] = analyze_many([BROKEN_PNG], workers=1, strict=True)
    assert strict.type is None and strict.error_type == "InvalidMediaError"
    [lenient] = analyze_many([BROKEN_PNG], workers=2)
    assert lenient.type == "unknown" and lenient.error_type is None


def test_previews_are_encoded_images() -> None:
    [result] = analyze_many([PNG], workers=2, previews="png")
    assert result.preview is not None
    with Image.open(io.BytesIO(result.preview)) as image:
        assert image.format == "PNG"
        assert image.size == (result.meta["small"]["width"], result.meta["small"]["height"])
    [plain] = analyze_many([PNG], workers=1)
    assert plain.preview is None


def test_bad_arguments_raise_at_once() -> None:
    with pytest.raises(TypeError):
        analyze_many([PNG], workers=1, colour="red")
    with pytest.raises(ProfileError):
        analyze_many([PNG], profile="nope")
    for workers in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="workers"):
            analyze_many([PNG], workers=workers)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="previews"):
        analyze_many([PNG], previews="gif")


def test_lookahead_is_bounded() -> None:
    pulled = 0

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield PNG

    results = analyze_many(endless(), workers=2)
    first = list(itertools.islice(results, 3))
    assert len(first) == 3 and all(r.type == "image" for r in first)
    assert pulled <= LOOKAHEAD_PER_WORKER * 2 + 3
    results.close()

    pulled = 0
    serial = analyze_many(endless(), workers=1)
    next(serial)
    assert pulled == 1


def _maybe_die(item: tuple[int, bool]) -> int:
    value, die = item
    if die:
        os._exit(1)
    return value * 10


def _crash_marker(item: tuple[int, bool], exc: BaseException) -> int:
    return -item[0]


@pytest.mark.parametrize("deaths", [{3}, {0, 1, 7}, {9}])
def test_a_dying_worker_is_reported_and_the_batch_goes_on(deaths: set[int]) -> None:
    items = [(i, i in deaths) for i in range(10)]
    results = list(_map_ordered(_maybe_die, items, 2, _crash_marker))
    assert results == [-i if i in deaths else i * 10 for i in range(10)]


def test_crash_record() -> None:
    record = _crashed(_Job("a.png", "a.png", {}, None), RuntimeError())
    assert (record.source, record.type, record.error_type) == ("a.png", None, "BrokenProcessPool")
    assert record.error == "BrokenProcessPool: the worker process died while analyzing this file"


# --- folders -------------------------------------------------------------------------------


def test_iter_media_paths(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "b" / "deep").mkdir(parents=True)
    (root / ".hidden").mkdir()
    for name in ("z.png", "a.jpg", ".secret.png", "b/x.gif", "b/deep/y.webp", ".hidden/h.png"):
        (root / name).write_bytes(b"x")
    (root / "b" / "loop").symlink_to(root, target_is_directory=True)
    (root / "b" / "link.png").symlink_to(root / "z.png")
    (root / "dangling.png").symlink_to(root / "nowhere")
    direct = tmp_path / ".direct.png"
    direct.write_bytes(b"x")
    missing = tmp_path / "missing.png"
    found = list(iter_media_paths([root, direct, missing, root]))
    relative = [p.relative_to(root).as_posix() for p in found[:-2]]
    assert relative == ["a.jpg", "b/deep/y.webp", "b/link.png", "b/x.gif", "z.png"]
    assert found[-2:] == [direct, missing]


def test_iter_media_paths_is_lazy(tmp_path: Path) -> None:
    paths = iter_media_paths(tmp_path / str(i) for i in itertools.count())
    assert list(itertools.islice(paths, 2)) == [tmp_path / "0", tmp_path / "1"]


# --- summaries and JSON lines --------------------------------------------------------------


def _result(source: str, kind: str | None, seconds: float, error: str | None = None) -> BatchResult:
    return BatchResult(
        source=source,
        type=kind,  # type: ignore[arg-type]
        mime=None,
        meta={},
        blurhash=None,
        error=None if error is None else f"{error}: boom",
        error_type=error,
        seconds=seconds,
    )


def test_summarize_and_format() -> None:
    results = [
        _result("a", "image", 0.5),
        _result("b", "image", 2.0),
        _result("c", "gifv", 1.0),
        _result("d", None, 0.1, "UnsupportedMediaError"),
        _result("e", "unknown", 3.0),
        _result("f", None, 0.2, "UnsupportedMediaError"),
        _result("g", None, 0.3, "MediaTooLargeError"),
    ]
    summary = summarize(iter(results), slowest=3)
    assert summary == Summary(
        total=7,
        by_type={"image": 2, "gifv": 1, "unknown": 1},
        by_error={"UnsupportedMediaError": 2, "MediaTooLargeError": 1},
        slowest=(("e", 3.0), ("b", 2.0), ("c", 1.0)),
        seconds=pytest.approx(7.1),  # type: ignore[arg-type]
    )
    assert summary.failed == 3
    text = format_summary(summary)
    assert text.splitlines()[:3] == ["files       7", "failed      3", "seconds  7.10"]
    assert "UnsupportedMediaError      2" in text
    assert "e          3.000" in text
    assert summarize([], slowest=0) == Summary(0, {}, {}, (), 0.0)


@given(st.lists(st.floats(0, 100), max_size=30), st.integers(0, 6))
def test_slowest_are_the_largest(times: list[float], count: int) -> None:
    summary = summarize((_result(str(i), "image", t) for i, t in enumerate(times)), slowest=count)
    assert [s for _, s in summary.slowest] == sorted(times, reverse=True)[:count]
    assert summary.total == len(times) == summary.by_type.get("image", 0)


def test_scan_to_jsonl(tmp_path: Path) -> None:
    results = list(analyze_many([PNG, TEXT], workers=1))
    out = io.StringIO()
    assert scan_to_jsonl(results, out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [list(line) for line in lines] == [
        ["path", "type", "mime", "meta", "blurhash", "error"]
    ] * 2
    assert lines[0] == json_record(results[0]) | {"meta": json.loads(json.dumps(results[0].meta))}
    assert lines[1]["path"] == 1 and lines[1]["error"].startswith("UnsupportedMediaError: ")


# --- progress ------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_format_progress() -> None:
    line = format_progress(120, 500, 120 / 34.1)
    assert line == "[#######                       ] 120/500 files 34.1/s"
    assert format_progress(0, 0, 0.0) == f"[{'#' * 30}] 0/0 files 0.0/s"
    assert format_progress(7, None, 2.0) == "7 files 3.5/s"


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.floats(0, 1e6))
def test_progress_bar_width(done: int, total: int, seconds: float) -> None:
    bar = format_progress(done, max(done, total), seconds, width=20).split("]")[0]
    assert len(bar) == 21 and set(bar[1:]) <= {"#", " "}


def test_progress_draws_only_on_a_terminal() -> None:
    piped = io.StringIO()
    assert list(progress(range(5), total=5, stream=piped)) == [0, 1, 2, 3, 4]
    assert piped.getvalue() == ""

    ticks = iter(float(t) for t in range(100))
    terminal = _Terminal()
    assert list(progress("abc", total=3, stream=terminal, clock=lambda: next(ticks))) == list("abc")
    text = terminal.getvalue()
    assert text.startswith("\r[") and text.endswith("] 3/3 files 0.8/s\n")
    assert text.count("\r") == 4


# --- the corpus, and the Dask example ------------------------------------------------------


def test_corpus_batch_in_parallel(corpus: Path) -> None:
    files = [p for p in sorted((corpus / "pillow").glob("*")) if p.suffix in {".png", ".gif"}]
    files = files[:40]
    if not files:
        pytest.skip("no PNG or GIF files in the corpus")
    serial = [_timeless(r) for r in analyze_many(files, workers=1)]
    pooled = [_timeless(r) for r in analyze_many(files, workers=2)]
    assert serial == pooled
    assert summarize(pooled).total == len(files)


def test_dask_example(tmp_path: Path) -> None:
    pytest.importorskip("dask.bag", reason="dask is not installed (the example needs it)")
    path = Path(__file__).resolve().parents[1] / "examples" / "dask_backfill.py"
    spec = importlib.util.spec_from_file_location("dask_backfill", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "a.png").write_bytes(PNG)
    (folder / "b.txt").write_bytes(TEXT)
    written = module.backfill(folder, tmp_path / "out", scheduler="sync")
    lines = [json.loads(line) for f in written for line in Path(f).read_text().splitlines()]
    assert [(Path(line["path"]).name, line["type"]) for line in lines] == [
        ("a.png", "image"),
        ("b.txt", None),
    ]
