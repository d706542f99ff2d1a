"""Reading uploads: every way a source can be odd gives our error, never a dependency's."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from media import encode, gradient

from attachmeta import AttachmetaError, MediaTooLargeError, analyze, sniff
from attachmeta.source import read_source

DATA = encode(gradient(40, 30), "PNG")


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(DATA)
    with open(path, encoding="latin-1") as handle, pytest.raises(AttachmetaError, match="binary"):
        analyze(handle)  # type: ignore[arg-type]
    with open(path, encoding="utf-8") as handle, pytest.raises(AttachmetaError):
        sniff(handle)  # type: ignore[arg-type]


def test_closed_file_and_failing_reads() -> None:
    closed = io.BytesIO(DATA)
    closed.close()
    with pytest.raises(AttachmetaError, match="Cannot read"):
        analyze(closed)
    with pytest.raises(AttachmetaError, match="Cannot read"):
        sniff(closed)

    class Failing(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: object) -> int:
            raise ValueError("boom")

    with pytest.raises(AttachmetaError, match="boom"):
        analyze(Failing())  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 5, 1.5, object(), ["a"]])
def test_wrong_source_types(bad: object) -> None:
    with pytest.raises(AttachmetaError, match="source must be"):
        analyze(bad)  # type: ignore[arg-type]
    with pytest.raises(AttachmetaError, match="source must be"):
        sniff(bad)  # type: ignore[arg-type]


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(AttachmetaError, match="embedded null"):
        analyze("a\0b.png")
    with pytest.raises(AttachmetaError, match="not a regular file"):
        analyze(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(AttachmetaError, match="not a regular file"):
        analyze(fifo)  # must not block waiting for a writer
    with pytest.raises(AttachmetaError, match="No such file"):
        sniff(tmp_path / "absent.png")


def test_raw_pipe_is_read_to_the_end() -> None:
    read_fd, write_fd = os.pipe()

    def writer() -> None:
        with open(write_fd, "wb", buffering=0) as out:
            for start in range(0, len(DATA), 100):
                out.write(DATA[start : start + 100])

    thread = threading.Thread(target=writer)
    thread.start()
    with open(read_fd, "rb", buffering=0) as stream:
        result = analyze(stream)
    thread.join()
    assert result.type == "image" and result.meta["original"]["size"] == "40x30"


def test_oversized_memoryview_is_refused_before_copying() -> None:
    big = memoryview(bytearray(2048))
    with pytest.raises(MediaTooLargeError):
        read_source(big, limit=1024)
    assert read_source(memoryview(b"abc"), limit=1024) == b"abc"
