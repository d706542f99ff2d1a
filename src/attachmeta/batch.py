"""Analyze many files: a process pool in input order, folder walking, summaries, JSON lines.

Only plain data crosses process boundaries: each worker returns a :class:`BatchResult` of
strings, numbers and dicts (and, on request, the preview encoded as image bytes).
"""

from __future__ import annotations

import heapq
import inspect
import json
import os
import stat
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from .analyze import Analysis, MediaType, analyze
from .errors import AttachmetaError
from .profiles import Profile, get_profile
from .report import IMAGE_FORMATS, encode_image
from .source import Source, read_up_to

__all__ = [
    "BatchResult",
    "Summary",
    "analyze_many",
    "format_progress",
    "format_summary",
    "iter_media_paths",
    "json_record",
    "progress",
    "scan_to_jsonl",
    "summarize",
]

_T = TypeVar("_T")
_R = TypeVar("_R")

# Jobs in flight per worker: enough that one slow file does not leave the others idle while
# results are yielded in order, few enough that millions of paths still stream.
LOOKAHEAD_PER_WORKER = 16
CRASH_ERROR_TYPE = "BrokenProcessPool"


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one file of a batch: plain, picklable data.

    Attributes:
        source: the path as a string, or the input's index for bytes and file objects.
        type: the Attachment type, or ``None`` when ``analyze`` raised.
        mime: the sniffed MIME type, when known.
        meta: the Attachment ``meta`` (empty when ``analyze`` raised).
        blurhash: the BlurHash, or ``None``.
        error: ``"ErrorClass: message"`` when ``analyze`` raised, the reason for an
            ``unknown`` result, else ``None``.
        error_type: the class name of the exception ``analyze`` raised, else ``None``.
        seconds: the time ``analyze`` took.
        preview: the ``small`` preview encoded as image bytes, when asked for.
    """

    source: str | int
    type: MediaType | None
    mime: str | None
    meta: dict[str, Any]
    blurhash: str | None
    error: str | None
    error_type: str | None
    seconds: float
    preview: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether ``analyze`` returned (``unknown`` results included)."""
        return self.error_type is None


@dataclass(frozen=True)
class _Job:
    """One file to analyze, with the keyword arguments for ``analyze``."""

    label: str | int
    source: Source | AttachmetaError
    options: Mapping[str, Any]
    preview_format: str | None


# --- running one file --------------------------------------------------------------------


def _result_of(
    label: str | int, analysis: Analysis, seconds: float, fmt: str | None
) -> BatchResult:
    """The batch record of an Analysis."""
    small = analysis.small
    preview = encode_image(small, fmt) if fmt is not None and small is not None else None
    return BatchResult(
        source=label,
        type=analysis.type,
        mime=analysis.mime,
        meta=analysis.meta,
        blurhash=analysis.blurhash,
        error=analysis.error,
        error_type=None,
        seconds=seconds,
        preview=preview,
    )


def _failure(label: str | int, exc: BaseException, seconds: float) -> BatchResult:
    """The batch record of an exception."""
    name = type(exc).__name__
    mime = getattr(exc, "mime", None)
    return BatchResult(
        source=label,
        type=None,
        mime=mime if isinstance(mime, str) else None,
        meta={},
        blurhash=None,
        error=f"{name}: {exc}",
        error_type=name,
        seconds=seconds,
    )


def _run_job(job: _Job) -> BatchResult:
    """Analyze one file; any exception becomes an error record."""
    start = time.perf_counter()
    try:
        if isinstance(job.source, AttachmetaError):
            raise job.source
        analysis = analyze(job.source, **job.options)
    except Exception as exc:  # one bad file must not stop the batch
        return _failure(job.label, exc, time.perf_counter() - start)
    return _result_of(job.label, analysis, time.perf_counter() - start, job.preview_format)


def _crashed(job: _Job, exc: BaseException) -> BatchResult:
    """The record of a file whose worker process died (a crash in a decoder)."""
    message = f"{CRASH_ERROR_TYPE}: the worker process died while analyzing this file"
    return BatchResult(job.label, None, None, {}, None, message, CRASH_ERROR_TYPE, 0.0)


# --- preparing jobs ----------------------------------------------------------------------


def _label(source: Source, index: int) -> str | int:
    """A path as a string; anything else by its index in the input."""
    if isinstance(source, str | os.PathLike):
        return str(os.fspath(source))
    return index


def _portable(source: Source, limit: int) -> Source | AttachmetaError:
    """The source as something picklable: paths and bytes as they are, streams read."""
    if isinstance(source, str | bytes):
        return source
    if isinstance(source, os.PathLike):
        return str(os.fspath(source))
    if isinstance(source, bytearray | memoryview):
        return bytes(source)
    try:
        return read_up_to(source, limit)
    except AttachmetaError as exc:
        return exc


def _jobs(
    sources: Iterable[Source],
    options: Mapping[str, Any],
    preview_format: str | None,
    limit: int | None,
) -> Iterator[_Job]:
    """One job per source; with a ``limit``, sources are made picklable (streams are read)."""
    for index, source in enumerate(sources):
        portable = source if limit is None else _portable(source, limit)
        yield _Job(_label(source, index), portable, options, preview_format)


def _check_options(options: Mapping[str, Any]) -> None:
    """Raise TypeError now, not once per file, for keyword arguments ``analyze`` lacks."""
    inspect.signature(analyze).bind(b"", **options)


# --- the ordered process pool ------------------------------------------------------------


def _isolated(
    func: Callable[[_T], _R], item: _T, on_crash: Callable[[_T, BaseException], _R]
) -> _R:
    """Run one item in a fresh single-worker pool, so a crash is pinned on it."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(func, item).result()
        except BrokenProcessPool as exc:
            return on_crash(item, exc)


def _submit(pool: ProcessPoolExecutor, func: Callable[[_T], _R], item: _T) -> Future[_R]:
    """``pool.submit``; a pool already broken gives a future holding that error."""
    try:
        return pool.submit(func, item)
    except BrokenProcessPool as exc:
        future: Future[_R] = Future()
        future.set_exception(exc)
        return future


def _map_ordered(
    func: Callable[[_T], _R],
    items: Iterable[_T],
    workers: int,
    on_crash: Callable[[_T, BaseException], _R],
) -> Generator[_R, None, None]:
    """``map(func, items)`` over a process pool, in order, with bounded look-ahead.

    When a worker process dies, the pool is replaced: the oldest pending item is rerun alone
    (a second death is reported through ``on_crash``) and the others are resubmitted.
    """
    window = LOOKAHEAD_PER_WORKER * workers
    pending: deque[tuple[_T, Future[_R]]] = deque()
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        for item in items:
            pending.append((item, _submit(pool, func, item)))
            while len(pending) >= window:
                result, pool = _next_result(func, pending, pool, workers, on_crash)
                yield result
        while pending:
            result, pool = _next_result(func, pending, pool, workers, on_crash)
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _next_result(
    func: Callable[[_T], _R],
    pending: deque[tuple[_T, Future[_R]]],
    pool: ProcessPoolExecutor,
    workers: int,
    on_crash: Callable[[_T, BaseException], _R],
) -> tuple[_R, ProcessPoolExecutor]:
    """The oldest pending result, and the pool to go on with (a new one after a crash)."""
    item, future = pending.popleft()
    try:
        return future.result(), pool
    except BrokenProcessPool:
        pool.shutdown(wait=True, cancel_futures=True)
        result = _isolated(func, item, on_crash)
        pool = ProcessPoolExecutor(max_workers=workers)
        for index, (other, _) in enumerate(pending):
            pending[index] = (other, _submit(pool, func, other))
        return result, pool


def _worker_count(workers: int | None) -> int:
    """``workers``, or the CPU count for ``None``; at least 1."""
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise ValueError(f"workers must be an integer from 1 to 1024 or None, got {workers!r}")
    return workers


def analyze_many(
    sources: Iterable[Source],
    *,
    workers: int | None = None,
    profile: str | Profile = "mastodon",
    previews: str | None = None,
    **kwargs: Any,
) -> Generator[BatchResult, None, None]:
    """Analyze files over a process pool, yielding one :class:`BatchResult` each, in order.

    At most ``4 * workers`` files are in flight, so ``sources`` may be a long lazy stream.
    Any exception for one file (and a worker process dying) becomes an error record.
    Closing the generator early stops the pool.

    Args:
        sources: paths, bytes, or binary file objects (file objects are read in this
            process; paths are opened by the workers).
        workers: worker processes; ``None`` is ``os.cpu_count()``; ``1`` runs in this
            process without a pool.
        profile: a :class:`Profile` or the name of a built-in one.
        previews: also return the ``small`` preview encoded in this format (``"webp"`` or
            ``"png"``) as :attr:`BatchResult.preview`, for reports.
        **kwargs: passed to :func:`attachmeta.analyze` (``focus``, ``description``,
            ``strict``).

    Raises:
        ProfileError: the profile is unknown or invalid.
        TypeError: a keyword argument ``analyze`` does not take.
        ValueError: ``workers`` is not a positive integer, or an unknown preview format.
    """
    count = _worker_count(workers)
    prof = get_profile(profile)
    options = {"profile": profile, **kwargs}
    _check_options(options)
    if previews is not None and previews not in IMAGE_FORMATS:
        raise ValueError(f"previews must be one of {sorted(IMAGE_FORMATS)}, got {previews!r}")
    if count == 1:
        return (_run_job(job) for job in _jobs(sources, options, previews, None))
    jobs = _jobs(sources, options, previews, prof.max_image_bytes)
    return _map_ordered(_run_job, jobs, count, _crashed)


# --- folders -------------------------------------------------------------------------------


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _dir_key(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a directory, following symlinks; ``None`` if it cannot be read."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Files below ``folder``, depth first in name order, each directory entered once."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        yield folder  # an unreadable folder: analyze reports why
        return
    for entry in entries:
        if _is_hidden(entry.name):
            continue
        path = Path(entry.path)
        key = _dir_key(path) if entry.is_dir() else None
        if key is None:
            if entry.is_file():
                yield path
        elif key not in seen:
            seen.add(key)
            yield from _walk(path, seen)


def iter_media_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """The files to scan: each given file as is, each folder walked recursively.

    Folders are walked depth first with entries in name order; hidden files and folders
    (names starting with ``.``) are skipped; symlinks are followed, but each directory is
    entered at most once, so links cannot loop. A given path that is not a folder (even a
    missing one) is yielded, so that the batch reports it.
    """
    seen: set[tuple[int, int]] = set()
    for path in paths:
        key = _dir_key(Path(path))
        if key is None:
            yield Path(path)
        elif key not in seen:
            seen.add(key)
            yield from _walk(Path(path), seen)


# --- summaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Counts over a batch.

    Attributes:
        total: files processed.
        by_type: analysed files per Attachment type.
        by_error: failed files per exception class name.
        slowest: the slowest files, slowest first, as (source, seconds).
        seconds: analysis time summed over all files (not wall-clock time).
    """

    total: int
    by_type: dict[str, int]
    by_error: dict[str, int]
    slowest: tuple[tuple[str | int, float], ...]
    seconds: float

    @property
    def failed(self) -> int:
        """Files for which ``analyze`` raised."""
        return sum(self.by_error.values())


def summarize(results: Iterable[BatchResult], *, slowest: int = 5) -> Summary:
    """Count results by type and by error, and keep the ``slowest`` slowest files."""
    by_type: Counter[str] = Counter()
    by_error: Counter[str] = Counter()
    heap: list[tuple[float, int, str | int]] = []
    total, seconds = 0, 0.0
    for result in results:
        if result.error_type is not None:
            by_error[result.error_type] += 1
        elif result.type is not None:
            by_type[result.type] += 1
        entry = (result.seconds, -total, result.source)
        if len(heap) < slowest:
            heapq.heappush(heap, entry)
        elif slowest > 0:
            heapq.heappushpop(heap, entry)
        total += 1
        seconds += result.seconds
    ranked = sorted(heap, reverse=True)
    return Summary(
        total,
        dict(by_type.most_common()),
        dict(by_error.most_common()),
        tuple((source, secs) for secs, _, source in ranked),
        seconds,
    )


def _table(heading: tuple[str, str], rows: Iterable[tuple[str, str]]) -> list[str]:
    """Two left/right-aligned columns under a heading."""
    body = [heading, *rows]
    left = max(len(a) for a, _ in body)
    right = max(len(b) for _, b in body)
    return [f"{a:<{left}}  {b:>{right}}" for a, b in body]


def format_summary(summary: Summary) -> str:
    """A plain-text report of a :class:`Summary`: totals, types, errors, slowest files."""
    lines = _table(
        ("files", str(summary.total)),
        [("failed", str(summary.failed)), ("seconds", f"{summary.seconds:.2f}")],
    )
    if summary.by_type:
        lines += ["", *_table(("type", "files"), [(k, str(v)) for k, v in summary.by_type.items()])]
    if summary.by_error:
        rows = [(k, str(v)) for k, v in summary.by_error.items()]
        lines += ["", *_table(("error", "files"), rows)]
    if summary.slowest:
        rows = [(str(source), f"{secs:.3f}") for source, secs in summary.slowest]
        lines += ["", *_table(("slowest", "seconds"), rows)]
    return "\n".join(lines) + "\n"


# --- JSON lines ----------------------------------------------------------------------------


def json_record(result: BatchResult) -> dict[str, Any]:
    """The JSON-lines record of a result: path, type, mime, meta, blurhash, error."""
    return {
        "path": result.source,
        "type": result.type,
        "mime": result.mime,
        "meta": result.meta,
        "blurhash": result.blurhash,
        "error": result.error,
    }


def scan_to_jsonl(results: Iterable[BatchResult], out: TextIO) -> int:
    """Write one JSON line per result to ``out``; returns how many were written."""
    count = 0
    for result in results:
        out.write(json.dumps(json_record(result), ensure_ascii=False) + "\n")
        count += 1
    return count


# --- progress ------------------------------------------------------------------------------


def format_progress(done: int, total: int | None, seconds: float, *, width: int = 30) -> str:
    """One progress line such as ``[####      ] 120/500 files 34.1/s`` (no bar without total)."""
    rate = done / seconds if seconds > 0 else 0.0
    if total is None:
        return f"{done} files {rate:.1f}/s"
    filled = min(width, width * done // total) if total > 0 else width
    return f"[{'#' * filled}{' ' * (width - filled)}] {done}/{total} files {rate:.1f}/s"


def progress(
    items: Iterable[_T],
    *,
    total: int | None = None,
    stream: TextIO | None = None,
    interval: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[_T]:
    """Pass ``items`` through, drawing a progress line on ``stream`` (default stderr).

    Nothing is drawn unless ``stream.isatty()``, so piped output stays clean. The line is
    redrawn (``\\r``) at most every ``interval`` seconds and ends with a newline.
    """
    out = sys.stderr if stream is None else stream
    if not out.isatty():
        yield from items
        return
    start = last = clock()
    done = 0
    try:
        for item in items:
            yield item
            done += 1
            now = clock()
            if now - last >= interval:
                out.write("\r" + format_progress(done, total, now - start))
                out.flush()
                last = now
    finally:
        out.write("\r" + format_progress(done, total, clock() - start) + "\n")
        out.flush()
