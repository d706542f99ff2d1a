"""Large JPEGs decoded on the calling thread while another thread uses their rows.

Pillow decodes a JPEG from top to bottom, one block of input per decoder call, and does not
say how far it has got. Here its decoder is fed the file block by block, as Pillow feeds it,
into an image whose last column is first painted a marker colour. Between two calls, a row
whose last pixel no longer has that colour has been decoded, and so have all the rows above
it (they are written in order); a decoded pixel that happens to have the marker colour only
delays the count. The number of complete rows is handed to a second thread, which can resize
the top of the picture while the bottom is still being decoded
(:func:`attachmeta.resample.resize` takes the counts). The pixels are Pillow's, bit for bit.
The decode stays on the calling thread, where the caller's cache and core already are: it is
the longer part, and any slowness of the second core delays only the shorter one.

Only large sequential RGB JPEGs read from memory, decoded at a reduced DCT scale, are
streamed: a progressive JPEG yields no rows before its last scan, a small one costs less than
a thread, and at full scale resizing a row costs more than decoding it (the second thread
would fall behind, where the plain way resizes on every core once the decode is done). When
the decode fails, the caller decodes the plain way, which reports the problem in Pillow's own
terms.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from PIL import Image, ImageFile

if TYPE_CHECKING:  # the stubs name the C types; the module does not export them
    from PIL._imaging import ImagingCore

__all__ = ["JPEG_FORMATS", "MIN_STREAMED_PIXELS", "StreamFailed", "StreamedJpeg", "stream_jpeg"]

# Pillow's names for a JPEG: an MPO is a JPEG followed by more pictures (phones write them for
# depth or gain maps), and its first picture is the photo.
JPEG_FORMATS = frozenset({"JPEG", "MPO"})

# Below this many decoded pixels a second thread saves less than it costs to start.
MIN_STREAMED_PIXELS = 1 << 18
_BLOCK = 1 << 16  # input bytes added per decoder call: Pillow's own block (decodermaxblock)
_MARKER = (251, 3, 247)  # the colour of the last column before its row is decoded
# A count is handed over once it has grown by this share of the height: each handover wakes
# the other thread and passes the GIL back and forth, on the decode's critical path.
_HANDOVERS = 8

T = TypeVar("T")


class StreamFailed(Exception):
    """The streamed decode stopped before the last row (a damaged or truncated file)."""


class StreamedJpeg:
    """A large sequential RGB JPEG, decoded into :attr:`image` (RGB) by :meth:`run`.

    Args:
        image: a JPEG opened by Pillow, not loaded, after any ``draft``.
        data: the whole file.
    """

    def __init__(self, image: ImageFile.ImageFile, data: bytes) -> None:
        tile = image.tile[0]
        width, height = image.size
        self.image = Image.new("RGB", image.size, None)
        self.image.paste(_MARKER, (width - 1, 0, width, height))
        self._decoder = Image._getdecoder("RGB", tile.codec_name, tile.args, image.decoderconfig)
        self._decoder.setimage(self.image.im, tile.extents)
        self._data = memoryview(data)[tile.offset :]

    def run(self, consume: Callable[[Image.Image, Iterator[int]], T]) -> T:
        """Decode on this thread while ``consume(image, rows)`` runs on another; its result.

        ``rows`` yields the number of complete rows of ``image`` each time it grows, up to the
        image's height. Call once.

        Raises:
            StreamFailed: the decoder stopped early (``rows`` raises it too), or no second
                thread could be started (the process is at its limit).
            BaseException: whatever ``consume`` raised.
        """
        counts: queue.SimpleQueue[int | BaseException] = queue.SimpleQueue()
        stop = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def work() -> None:
            try:
                outcome.append(consume(self.image, _counts(counts, self.image.height)))
            except BaseException as error:  # raised again on the calling thread
                failure.append(error)
            finally:
                stop.set()  # no more rows are wanted: the decode may stop early

        worker = threading.Thread(target=work, name="attachmeta-jpeg", daemon=True)
        try:
            worker.start()
        except RuntimeError as error:  # no thread to be had: the caller decodes the plain way
            raise StreamFailed(str(error)) from error
        try:
            self._decode(counts, stop)
        except BaseException as error:
            counts.put(error)
            raise
        finally:
            worker.join()
        if failure:
            raise failure[0]
        return outcome[0]

    def _decode(
        self, counts: queue.SimpleQueue[int | BaseException], stop: threading.Event
    ) -> None:
        """Pillow's load loop, with the complete rows counted after every call."""
        decoder, data = self._decoder, self._data
        width, height = self.image.size
        core = self.image.im
        step = -(-height // _HANDOVERS)
        done = handed = position = end = 0
        try:
            while not stop.is_set():
                if end == len(data):
                    raise StreamFailed(f"image file is truncated ({end - position} bytes left)")
                end = min(end + _BLOCK, len(data))
                consumed, status = decoder.decode(data[position:end])
                if consumed < 0:
                    if status < 0:
                        raise StreamFailed(f"decoder error {status}")
                    counts.put(height)
                    return
                position += consumed
                done = _rows_written(core, width - 1, done, height)
                if done - handed >= step:
                    counts.put(done)
                    handed = done
        finally:
            decoder.cleanup()


def _counts(counts: queue.SimpleQueue[int | BaseException], height: int) -> Iterator[int]:
    """The growing counts of complete rows from ``counts``, up to ``height``.

    Raises:
        StreamFailed: the decode stopped early.
    """
    done = 0
    while done < height:
        count = counts.get()
        while not isinstance(count, BaseException) and not counts.empty():
            count = counts.get()  # only the latest count matters
        if isinstance(count, BaseException):
            raise StreamFailed(str(count)) from count
        if count > done:
            done = count
            yield done


def _rows_written(core: ImagingCore, column: int, low: int, high: int) -> int:
    """A number of rows known to be written, at least ``low`` (already known).

    A pixel of ``column`` other than the marker was written by the decoder, and rows are
    written in order, so whenever the search steps past a row, that row and the ones above it
    are written: the result never counts a row still to come. (A written pixel of the marker
    colour can only make the count smaller.)
    """
    while low < high:
        middle = (low + high) // 2
        if core.getpixel((column, middle)) != _MARKER:
            low = middle + 1
        else:
            high = middle
    return low


def stream_jpeg(image: Image.Image) -> StreamedJpeg | None:
    """A streamed decode of ``image``, or ``None`` when it is to be decoded the plain way.

    Args:
        image: an image from :func:`attachmeta.image.open_image`, not loaded, after its
            ``draft``: only a large sequential RGB JPEG read from memory and decoded at a
            reduced scale is streamed.
    """
    if not isinstance(image, ImageFile.ImageFile) or len(image.tile) != 1:
        return None
    tile, fp = image.tile[0], getattr(image, "fp", None)
    if (
        image.format not in JPEG_FORMATS
        or image.mode != "RGB"
        or tile.codec_name != "jpeg"
        or not isinstance(tile.args, tuple)
        or tile.args[:1] != ("RGB",)
        or "progression" in image.info
        or "progressive" in image.info
        or image.width * image.height < MIN_STREAMED_PIXELS
        or image.decoderconfig[:1] < (2,)
        or not isinstance(fp, io.BytesIO)
    ):
        return None
    return StreamedJpeg(image, fp.getvalue())
