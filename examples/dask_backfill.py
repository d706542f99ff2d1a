"""Backfill Attachment metadata for a folder of media with a Dask bag.

Walks FOLDER (hidden files and folders skipped), runs ``attachmeta.analyze`` on every file
in a Dask bag and writes one JSON line per file (path, type, mime, meta, blurhash, error)
to OUT_DIR/part-N.jsonl, one file per partition::

    pip install ".[dask]"   # or: pip install "dask[bag]" .
    python examples/dask_backfill.py FOLDER OUT_DIR [--partitions N] [--profile NAME]

Dask's multiprocessing scheduler runs the partitions in parallel. To run on a cluster,
create a ``dask.distributed.Client`` before ``main`` and pass ``--scheduler distributed``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dask.bag as db

from attachmeta import AttachmetaError, analyze
from attachmeta.batch import iter_media_paths


def record(path: str, profile: str = "mastodon") -> str:
    """The JSON line of one file; a file ``analyze`` rejects gives its error."""
    line: dict[str, Any] = {"path": path}
    try:
        result = analyze(path, profile=profile)
    except AttachmetaError as exc:
        mime = getattr(exc, "mime", None)
        line |= {"type": None, "mime": mime, "meta": {}, "blurhash": None}
        line["error"] = f"{type(exc).__name__}: {exc}"
    else:
        line |= {"type": result.type, "mime": result.mime, "meta": result.meta}
        line |= {"blurhash": result.blurhash, "error": result.error}
    return json.dumps(line, ensure_ascii=False)


def backfill(
    folder: Path,
    out: Path,
    *,
    partitions: int | None = None,
    profile: str = "mastodon",
    scheduler: str = "processes",
) -> list[str]:
    """Analyze every file below ``folder`` into ``out``/part-N.jsonl; returns the files written."""
    paths = [str(path) for path in iter_media_paths([folder])]
    if not paths:
        return []
    out.mkdir(parents=True, exist_ok=True)
    count = partitions or min(len(paths), 64)
    bag = db.from_sequence(paths, npartitions=count)  # type: ignore[no-untyped-call,unused-ignore]
    written: list[str] = bag.map(record, profile=profile).to_textfiles(
        str(out / "part-*.jsonl"), last_endline=True, scheduler=scheduler
    )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the backfill and report the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path, help="folder for the part-N.jsonl files")
    parser.add_argument("--partitions", type=int, help="number of partitions (tasks)")
    parser.add_argument("--profile", default="mastodon")
    parser.add_argument("--scheduler", default="processes", help="processes, threads, sync, ...")
    args = parser.parse_args(argv)
    written = backfill(
        args.folder,
        args.out,
        partitions=args.partitions,
        profile=args.profile,
        scheduler=args.scheduler,
    )
    print(f"wrote {len(written)} JSON-lines files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
