"""Large PNGs decoded on two cores: one thread inflates, Pillow's decoder unfilters.

Pillow decodes a PNG in one pass that both inflates the zlib stream and undoes the row
filters; on a large photo each half costs about as much as the other. Here a thread inflates
the image data and hands it on as *stored* (uncompressed) deflate blocks, which Pillow's own
decoder unwraps at the cost of a copy while it unfilters: the two halves overlap, and the
pixels are Pillow's, bit for bit. Anything unusual (interlacing, animation, palettes, a
damaged stream) is left to the plain decode, which also gives the errors.
"""

from __future__ import annotations

import queue
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, cast

from PIL import Image, ImageFile

__all__ = ["MIN_RAW_BYTES", "decode_png"]

# Below this much filtered image data a second thread saves less than it costs to start.
MIN_RAW_BYTES = 2 << 20
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel (3, palette: excluded)
_STORED_BLOCK = 0xFFFF  # the largest stored deflate block
_PIECE = 4 * _STORED_BLOCK  # at most this many inflated bytes are handed over at once
_QUEUE_PIECES = 8  # at most this many pieces wait: the data in flight stays about 2 MiB
_INPUT_SLICE = 1 << 16  # compressed bytes inflated per call


@dataclass(frozen=True)
class _Layout:
    """Where a plain (non-interlaced, non-animated, non-palette) PNG keeps its image data."""

    raw_size: int  # filtered bytes: height rows of one filter byte plus the packed samples
    idat: tuple[memoryview, ...]  # the IDAT payloads, in order


def decode_png(image: ImageFile.ImageFile, data: bytes) -> Image.Image | None:
    """``image``'s pixels decoded on two threads, or ``None`` to decode it the plain way.

    ``None`` when the file is small, interlaced, animated, palette-based, has chunks between
    its image data and its end, when no second thread can be started, or when anything goes
    wrong: the plain decode then reports the problem in Pillow's own terms.

    Args:
        image: ``data`` opened by Pillow's PNG plugin, not loaded.
        data: the whole file.
    """
    if image.format != "PNG" or image.mode == "P" or len(image.tile) != 1:
        return None
    layout = _layout(data)
    if layout is None or layout.raw_size < MIN_RAW_BYTES:
        return None
    try:
        stream = _StoredStream(layout)
    except RuntimeError:  # no thread to be had (the process is at its limit)
        return None
    try:
        decoded = _Streamed(image, stream)
        decoded.load()
    except (OSError, ValueError, SyntaxError, zlib.error, MemoryError):
        return None
    finally:
        stream.close()
    return decoded


def _layout(data: bytes) -> _Layout | None:
    """The image data of a PNG this module decodes, or ``None``."""
    if not data.startswith(_SIGNATURE):
        return None
    view = memoryview(data)
    position = len(_SIGNATURE)
    raw_size = 0
    idat: list[memoryview] = []
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        start = position + 8
        if start + length + 4 > len(data):
            return None  # truncated: the plain decode says how
        if kind == b"IHDR":
            if length < 13:
                return None
            width, height, depth, colour, _, _, interlace = struct.unpack_from(
                ">IIBBBBB", data, start
            )
            channels = _CHANNELS.get(colour)
            if channels is None or interlace != 0 or depth not in (1, 2, 4, 8, 16):
                return None
            raw_size = height * (1 + (width * depth * channels + 7) // 8)
        elif kind == b"acTL":
            return None  # APNG: frames and their regions are Pillow's business
        elif kind == b"IDAT":
            idat.append(view[start : start + length])
        elif idat:
            # The image data is one run of IDAT chunks. Pillow reads the chunks after it
            # once it has decoded, and may refuse one (an oversized text chunk, say): a
            # file with any is left to it, so that it refuses the same files either way.
            return _Layout(raw_size, tuple(idat)) if kind == b"IEND" and raw_size else None
        position = start + length + 4
    if not raw_size or not idat:
        return None
    return _Layout(raw_size, tuple(idat))


class _StoredStream:
    """A file whose ``read`` returns the image data as a zlib stream of stored blocks, made
    while it is read by a thread that inflates the original stream.

    Only reading forward is supported; the producer stops early when :meth:`close` is called.
    """

    def __init__(self, layout: _Layout) -> None:
        self._layout = layout
        self._pieces: queue.Queue[bytes | BaseException] = queue.Queue(_QUEUE_PIECES)
        self._stop = threading.Event()
        self._buffer = b""
        self._offset = 0  # into _buffer
        self._done = False
        self._position = 0
        self._thread = threading.Thread(target=self._produce, name="attachmeta-png", daemon=True)
        self._thread.start()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); ``b""`` at the end."""
        while self._offset == len(self._buffer) and not self._done:
            piece = self._pieces.get()
            if isinstance(piece, BaseException):
                self._done = True
                raise piece
            self._done = not piece
            self._buffer, self._offset = piece, 0
        end = len(self._buffer) if size < 0 else self._offset + size
        chunk = self._buffer[self._offset : end]
        self._offset += len(chunk)
        self._position += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        """Stay put: the decoder's seek to its tile, at offset 0, is the only one allowed."""
        if whence != 0 or offset != self._position:
            raise OSError("the stored stream only reads forward")
        return self._position

    def tell(self) -> int:
        """The number of bytes read so far."""
        return self._position

    def close(self) -> None:
        """Stop the producer and wait for it."""
        self._stop.set()
        self._thread.join()

    def _produce(self) -> None:
        try:
            for piece in _stored_stream(self._layout):
                if not self._offer(piece):
                    return
            self._offer(b"")
        except BaseException as error:  # handed to the reading thread, which raises it
            self._offer(error)

    def _offer(self, item: bytes | BaseException) -> bool:
        """Queue ``item`` once there is room; ``False`` if the stream was closed first."""
        while not self._stop.is_set():
            try:
                self._pieces.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False


def _stored_stream(layout: _Layout) -> Iterator[bytes]:
    """The zlib stream of stored blocks holding the first ``raw_size`` inflated bytes."""
    yield b"\x78\x01"  # deflate, 32 KiB window, no dictionary, fastest-compression hint
    checksum = 1
    remaining = layout.raw_size
    for raw in _inflate(layout):
        remaining -= len(raw)
        checksum = zlib.adler32(raw, checksum)
        yield _stored_blocks(raw, last=remaining == 0)
    if remaining:
        raise zlib.error(f"image data ends {remaining} bytes early")
    yield struct.pack(">I", checksum)


def _inflate(layout: _Layout) -> Iterator[bytes]:
    """The first ``raw_size`` inflated bytes (where Pillow's decoder stops), in pieces of at
    most :data:`_PIECE` bytes so that a highly compressed stream never inflates all at once."""
    inflater = zlib.decompressobj()
    remaining = layout.raw_size
    for payload in layout.idat:
        for start in range(0, len(payload), _INPUT_SLICE):
            pending: bytes | memoryview = payload[start : start + _INPUT_SLICE]
            # Calls go on until one makes no output: the inflater can hold output back even
            # after taking all its input (the rest of a long match, say).
            while remaining:
                raw = inflater.decompress(pending, min(remaining, _PIECE))
                pending = inflater.unconsumed_tail
                if not raw:
                    break
                remaining -= len(raw)
                yield raw
            if not remaining or inflater.eof:
                return


def _stored_blocks(data: bytes, *, last: bool) -> bytes:
    """``data`` as stored deflate blocks; ``last`` marks the final one of the stream."""
    parts = []
    for start in range(0, len(data), _STORED_BLOCK):
        block = data[start : start + _STORED_BLOCK]
        final = last and start + _STORED_BLOCK >= len(data)
        parts.append(struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF))
        parts.append(block)
    return b"".join(parts)


class _Streamed(ImageFile.ImageFile):
    """The PNG's image, its data read from a :class:`_StoredStream` by Pillow's decoder."""

    format = "PNG"
    format_description = "Portable Network Graphics"

    def __init__(self, source: ImageFile.ImageFile, stream: _StoredStream) -> None:
        self._source = source
        super().__init__(cast(IO[bytes], stream))

    def _open(self) -> None:
        source = self._source
        tile = source.tile[0]
        self._mode = source.mode
        self._size = source.size
        self.info = dict(source.info)
        self.tile = [ImageFile._Tile("zip", (0, 0, *source.size), 0, tile.args)]
