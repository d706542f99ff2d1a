"""Shared fixtures: the external media corpus, read in place and never copied."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

_DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_root() -> Path | None:
    """The corpus folder from ``ATTACHMETA_CORPUS`` or ``../shared/corpus``, if it exists."""
    root = Path(os.environ.get("ATTACHMETA_CORPUS", _DEFAULT_CORPUS))
    return root if root.is_dir() else None


def corpus_files(subdir: str) -> list[Path]:
    """Every regular file below ``corpus/subdir`` (empty when the corpus is absent)."""
    root = corpus_root()
    if root is None or not (root / subdir).is_dir():
        return []
    skip = {"NOTICE", "LICENSE", "README.md"}
    return sorted(p for p in (root / subdir).rglob("*") if p.is_file() and p.name not in skip)


@pytest.fixture
def corpus() -> Path:
    """The corpus folder; the test is skipped when it is absent."""
    root = corpus_root()
    if root is None:
        pytest.skip("media corpus not found (set ATTACHMETA_CORPUS or put it in ../shared/corpus)")
    return root


@pytest.fixture
def no_new_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """attachmeta's own threads cannot start, as in a process at its thread limit."""
    start = threading.Thread.start

    def refuse(thread: threading.Thread) -> None:
        if thread.name.startswith("attachmeta"):
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", refuse)
