"""Reading an upload (a path, bytes or a binary file object) into memory, within a byte limit."""

from __future__ import annotations

import os
from typing import BinaryIO

from .errors import AttachmetaError, MediaTooLargeError

__all__ = ["Source", "file_size_message", "read_source"]

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO


def file_size_message(limit: int) -> str:
    """Mastodon's (Paperclip's) message for a file at or over ``limit`` bytes."""
    return f"Validation failed: File file size must be less than {_human_size(limit)}"


def _human_size(n: int) -> str:
    # ActiveSupport's number_to_human_size: binary units, up to 3 significant digits.
    units = ["Bytes", "KB", "MB", "GB", "TB"]
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{n} Bytes"
    text = f"{value:.3g}"
    return f"{text} {units[unit]}"


def read_source(source: Source, *, limit: int) -> bytes:
    """Return the upload's bytes, refusing anything of ``limit`` bytes or more.

    Only ``limit`` bytes are ever read, so an oversized upload costs no more memory than that.

    Args:
        source: a filesystem path, the bytes themselves, or a binary file object (read from its
            current position).
        limit: files must be smaller than this many bytes.

    Raises:
        MediaTooLargeError: the file has ``limit`` bytes or more.
        AttachmetaError: the path cannot be read, or ``source`` is of another type.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                data = handle.read(limit)
        except OSError as exc:
            raise AttachmetaError(
                f"Cannot read {os.fspath(source)!r}: {exc.strerror or exc}"
            ) from exc
        if len(data) == limit:
            raise MediaTooLargeError(file_size_message(limit))
    elif hasattr(source, "read"):
        try:
            chunk = source.read(limit)
        except OSError as exc:
            raise AttachmetaError(f"Cannot read the upload: {exc}") from exc
        if not isinstance(chunk, bytes | bytearray):
            raise AttachmetaError("The file object must be opened in binary mode")
        data = bytes(chunk)
    else:
        raise AttachmetaError(
            f"source must be a path, bytes or a binary file object, got {type(source).__name__}"
        )
    if len(data) >= limit:
        raise MediaTooLargeError(file_size_message(limit))
    return data
