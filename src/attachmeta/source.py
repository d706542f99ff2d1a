"""Reading an upload (a path, bytes or a binary file object), within a byte limit.

Every way of reading a source goes through here, so every way it can fail (a missing path, a
FIFO, a text-mode or closed file, a short read from a raw stream) becomes an
:class:`AttachmetaError` in one place.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, TypeAlias

from .errors import AttachmetaError, MediaTooLargeError

__all__ = ["Source", "file_size_message", "open_path", "read_source", "read_up_to"]

Source: TypeAlias = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO


def file_size_message(limit: int) -> str:
    """Mastodon's (Paperclip's) message for a file at or over ``limit`` bytes."""
    return f"Validation failed: File file size must be less than {_human_size(limit)}"


def _human_size(n: int) -> str:
    # ActiveSupport's number_to_human_size: binary units, three significant digits.
    units = ["Bytes", "KB", "MB", "GB", "TB"]
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{n} Bytes" if unit == 0 else f"{value:.3g} {units[unit]}"


def _unreadable(what: str, exc: BaseException) -> AttachmetaError:
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return AttachmetaError(f"Cannot read {what}: {detail}")


def _path_text(path: object) -> object:
    try:
        return os.fspath(path)  # type: ignore[call-overload]
    except TypeError:
        return path


def open_path(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file for binary reading.

    Args:
        path: the file's path.

    Raises:
        AttachmetaError: it is missing, unreadable, or not a regular file (a directory, or a
            FIFO that would block forever).
    """
    try:
        name = os.fspath(path)
        if not stat.S_ISREG(os.stat(name).st_mode):
            raise AttachmetaError(f"Cannot read {name!r}: not a regular file")
        return open(name, "rb")  # the caller closes it
    except (OSError, ValueError, TypeError) as exc:  # ValueError: a NUL byte in the path
        raise _unreadable(repr(_path_text(path)), exc) from exc


def read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Read until ``size`` bytes or the end of the stream (raw streams return short reads).

    Args:
        stream: a file object opened in binary mode.
        size: the most bytes to read.

    Raises:
        AttachmetaError: the stream fails, is closed, or is not binary.
    """
    parts: list[bytes] = []
    remaining = size
    try:
        while remaining > 0:
            chunk = stream.read(remaining)
            if not chunk:  # b"" at end of file, None from a non-blocking raw stream
                break
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise AttachmetaError("The file object must be opened in binary mode")
            parts.append(bytes(chunk))
            remaining -= len(chunk)
    except (OSError, ValueError) as exc:  # ValueError: a closed file, or a text decoding error
        raise _unreadable("the file object", exc) from exc
    except AttributeError:
        raise AttachmetaError("source must be a path, bytes or a binary file object") from None
    return b"".join(parts)


def read_source(source: Source, *, limit: int) -> bytes:
    """Return the upload's bytes, refusing anything of ``limit`` bytes or more.

    At most ``limit`` bytes are read from a path or stream, so an oversized upload costs no more
    memory than that; bytes-like sources are checked before they are copied.

    Args:
        source: a filesystem path, the bytes themselves, or a binary file object (read from its
            current position).
        limit: files must be smaller than this many bytes.

    Raises:
        MediaTooLargeError: the file has ``limit`` bytes or more.
        AttachmetaError: the source cannot be read, or is of another type.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        if view.nbytes >= limit:
            raise MediaTooLargeError(file_size_message(limit))
        return source if isinstance(source, bytes) else view.tobytes()
    if isinstance(source, str | os.PathLike):
        with open_path(source) as handle:
            data = read_up_to(handle, limit)
    elif hasattr(source, "read"):
        data = read_up_to(source, limit)
    else:
        raise AttachmetaError(
            f"source must be a path, bytes or a binary file object, got {type(source).__name__}"
        )
    if len(data) >= limit:
        raise MediaTooLargeError(file_size_message(limit))
    return data
