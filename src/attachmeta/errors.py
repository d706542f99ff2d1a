"""The exception tree: every failure attachmeta reports is an :class:`AttachmetaError`.

Dependencies (Pillow, libmagic, NumPy) raise their own exceptions; :func:`map_decoder_errors`
is the one boundary where those are turned into this tree.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

try:  # PyAV (video and audio) is optional for image-only use
    from av.error import FFmpegError as _FFmpegError
except ImportError:  # pragma: no cover - PyAV is installed wherever video is handled
    _AV_ERRORS: tuple[type[BaseException], ...] = ()
else:
    _AV_ERRORS = (_FFmpegError,)

__all__ = [
    "INVALID_FILE_MESSAGE",
    "AttachmetaError",
    "BlurhashError",
    "DescriptionError",
    "FocusError",
    "GeometryError",
    "InvalidMediaError",
    "MediaTooLargeError",
    "ProfileError",
    "UnsupportedMediaError",
    "map_decoder_errors",
]

INVALID_FILE_MESSAGE = "Validation failed: File content type is invalid, File is invalid"


class AttachmetaError(Exception):
    """Base of every error attachmeta raises; ``str(error)`` is the message for the API client."""

    @property
    def message(self) -> str:
        """The client-facing message (the same as ``str(error)``)."""
        return str(self)


class FocusError(AttachmetaError, ValueError):
    """The focus string is not two numbers in [-1, 1]; the message names the offending part."""


class ProfileError(AttachmetaError, ValueError):
    """A profile name is unknown, or a profile field is out of range."""


class GeometryError(AttachmetaError, ValueError):
    """A size, aspect ratio or crop argument is out of range or of the wrong kind."""


class DescriptionError(AttachmetaError, ValueError):
    """The description is longer than the profile allows."""


class BlurhashError(AttachmetaError, ValueError):
    """A BlurHash string is malformed, or its component counts or sizes are out of range."""


class UnsupportedMediaError(AttachmetaError):
    """The file's content type is not one the profile accepts.

    Attributes:
        mime: the sniffed MIME type that was refused.
    """

    def __init__(self, mime: str, message: str = INVALID_FILE_MESSAGE) -> None:
        super().__init__(message)
        self.mime = mime


class MediaTooLargeError(AttachmetaError):
    """The file is over the profile's byte, pixel or frame limits (checked before decoding)."""


class InvalidMediaError(AttachmetaError):
    """The file is of an accepted type but its content cannot be decoded."""


# What Pillow and its codecs raise on corrupt input. MemoryError is a resource problem
# caused by the file, so it is reported as too large rather than as a crash.
_DECODER_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    OverflowError,
    ZeroDivisionError,
    RecursionError,
    RuntimeError,  # Pillow's AVIF plugin and pillow-heif report corrupt files this way
    struct.error,
    zlib.error,
    *_AV_ERRORS,  # av.error.FFmpegError: the base of every error PyAV raises for FFmpeg
)


@contextmanager
def map_decoder_errors(what: str = "file") -> Iterator[None]:
    """Turn a dependency's exception raised inside the block into an :class:`AttachmetaError`.

    Args:
        what: names the thing being decoded in the message (``"file"``, ``"thumbnail"``).
    """
    try:
        yield
    except AttachmetaError:
        raise
    except (Image.DecompressionBombError, MemoryError) as exc:
        raise MediaTooLargeError(f"The {what} needs too much memory to decode") from exc
    except UnidentifiedImageError as exc:
        raise InvalidMediaError(
            f"The {what} could not be decoded: its header is not valid"
        ) from exc
    except _DECODER_ERRORS as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise InvalidMediaError(f"The {what} could not be decoded: {detail}") from exc


# Decoders warn about what is wrong with a file (corrupt EXIF, odd APNG chunks, big images).
# For a server that is the upload's problem, reported through our errors, not its log. The
# filters are appended, so any filter the application sets for these warnings comes first
# and wins: a caller who asks to see them (``-W default``, ``-W error``) still does.
for _module in ("PIL", "pillow_heif", "av"):
    for _category in (UserWarning, RuntimeWarning):
        warnings.filterwarnings(
            "ignore", category=_category, module=rf"{_module}(\.|$)", append=True
        )
