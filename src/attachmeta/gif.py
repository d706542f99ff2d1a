"""GIF structure (canvas size, frames, delays, loop count) read without decoding any pixel.

The parser walks the block structure of a GIF87a/GIF89a stream: header, logical screen
descriptor, global colour table, then extensions, image descriptors and the trailer. Image
data is skipped sub-block by sub-block, never LZW-decoded. Every step consumes at least one
byte and checks the buffer bounds, so the work is linear in the input size and no read goes
past the end of the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import InvalidMediaError, MediaTooLargeError

__all__ = ["GifInfo", "parse_gif"]

_SIGNATURES = (b"GIF87a", b"GIF89a")
_HEADER_SIZE = 13  # 6-byte signature + 7-byte logical screen descriptor
_DESCRIPTOR_SIZE = 10  # 0x2C separator + left, top, width, height (LE16 each) + packed byte

# Application identifier (8 bytes) + authentication code (3 bytes) of the extensions whose
# data sub-block with ID 1 carries a loop count.
_LOOP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")

_Buffer = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class GifInfo:
    """What the block structure of a GIF says, without its pixels.

    Attributes:
        width: logical screen (canvas) width from the header; frames may lie outside it.
        height: logical screen (canvas) height from the header.
        frame_count: number of image descriptors read.
        delays_cs: per frame, the delay of the Graphic Control Extension that precedes it
            (centiseconds); 0 for a frame without one.
        loop_count: the first NETSCAPE2.0/ANIMEXTS1.0 loop count as stored (0 means
            forever); ``None`` when there is none.
        truncated: the trailer was not reached (the data ended early or an unknown block
            stopped the walk); the fields describe what was read up to there.
    """

    width: int
    height: int
    frame_count: int
    delays_cs: tuple[int, ...]
    loop_count: int | None
    truncated: bool

    def duration_cs(self, min_delay_cs: int, default_delay_cs: int) -> int:
        """Total duration in centiseconds; a delay below ``min_delay_cs`` counts as
        ``default_delay_cs`` (FFmpeg's GIF demuxer rule; FFmpeg uses 2 and 10)."""
        # FFmpeg libavformat/gifdec.c, gif_read_ext() in the packet-based demuxer (FFmpeg
        # 1.1 to 6.0): `if (gdc->delay < gdc->min_delay) gdc->delay = gdc->default_delay;`
        # then `FFMIN(delay, max_delay)`. Options (hundredths of a second): min_delay,
        # default GIF_MIN_DELAY = 2, range 0-6000; default_delay, default GIF_DEFAULT_DELAY
        # = 10, range 0-6000; max_gif_delay, default 65535 (never below a 16-bit delay).
        # That demuxer also gives a frame without a GCE default_delay; such a frame has delay
        # 0 here, which is the same whenever min_delay_cs >= 1.
        # Since FFmpeg 6.1 the demuxer hands frames to libavcodec/gif_parser.c, which only
        # replaces a delay of 0 (by 10), and min_delay is no longer read.
        if min_delay_cs < 0 or default_delay_cs < 0:
            raise ValueError("min_delay_cs and default_delay_cs must not be negative")
        return sum(delay if delay >= min_delay_cs else default_delay_cs for delay in self.delays_cs)

    def frame_rate(self, min_delay_cs: int, default_delay_cs: int) -> Fraction | None:
        """Frames per second, ``frame_count`` over :meth:`duration_cs` in seconds, exactly.

        ``None`` when the duration is 0 (no frames, or every delay counts as 0).
        """
        duration = self.duration_cs(min_delay_cs, default_delay_cs)
        if duration == 0:
            return None
        return Fraction(self.frame_count * 100, duration)


def _as_buffer(data: bytes | bytearray | memoryview) -> _Buffer:
    """The input as something indexable by byte: bytes as is, a memoryview as bytes 'B'."""
    if isinstance(data, bytes | bytearray):
        return data
    if isinstance(data, memoryview):
        return data.cast("B") if data.c_contiguous else data.tobytes()
    raise TypeError(f"parse_gif needs bytes or a memoryview, not {type(data).__name__}")


def parse_gif(data: bytes | bytearray | memoryview, *, max_frames: int) -> GifInfo:
    """Read the structure of a GIF: canvas size, frames, their delays and the loop count.

    A frame is counted once its 10-byte image descriptor has been read, even when its
    colour table or image data is then cut off (the result is ``truncated``). Unknown
    extensions are skipped; a block that starts with anything but 0x21, 0x2C or 0x3B ends
    the walk as truncated. A Graphic Control Extension applies to the next image descriptor
    only; when several precede one frame, the last wins.

    Args:
        data: the whole file.
        max_frames: the most image descriptors accepted (at least 0).

    Raises:
        InvalidMediaError: no GIF87a/GIF89a signature, no complete logical screen
            descriptor, or a logical screen 0 pixels wide or high.
        MediaTooLargeError: more than ``max_frames`` image descriptors.
    """
    if max_frames < 0:
        raise ValueError("max_frames must not be negative")
    buf = _as_buffer(data)
    end = len(buf)
    if bytes(buf[:6]) not in _SIGNATURES:
        raise InvalidMediaError("Not a GIF file: the signature is not GIF87a or GIF89a")
    if end < _HEADER_SIZE:
        raise InvalidMediaError("The GIF ends inside its logical screen descriptor")

    width = buf[6] | buf[7] << 8
    height = buf[8] | buf[9] << 8
    if width == 0 or height == 0:
        # FFmpeg's demuxer and Pillow refuse such a file too.
        raise InvalidMediaError(f"The GIF's logical screen is empty ({width}x{height})")
    flags = buf[10]
    pos = _HEADER_SIZE
    if flags & 0x80:  # global colour table of 2 ** (N + 1) RGB triplets
        pos += 3 << ((flags & 0x07) + 1)

    delays: list[int] = []
    pending_delay = 0
    loop_count: int | None = None
    truncated = True

    # Each pass reads one block and leaves ``pos`` at the size byte of its data sub-blocks,
    # which the common tail then skips. Labels are literals: this loop is the hot path.
    while pos < end:
        label = buf[pos]
        if label == 0x21:  # extension introducer, then the extension label
            pos += 2
            if pos >= end:
                break
            ext_label = buf[pos - 1]
            if ext_label == 0xF9:  # Graphic Control: packed fields, delay (LE16), index
                if buf[pos] >= 3 and pos + 3 < end:
                    pending_delay = buf[pos + 2] | buf[pos + 3] << 8
            elif ext_label == 0xFF and loop_count is None:  # application extension
                # Sub-block 1: 11-byte identifier; sub-block 2: 0x01 then the loop count (LE16).
                data_pos = pos + 12
                if (
                    buf[pos] == 11
                    and data_pos + 3 < end
                    and bytes(buf[pos + 1 : data_pos]) in _LOOP_APPLICATIONS
                    and buf[data_pos] >= 3
                    and buf[data_pos + 1] == 1
                ):
                    loop_count = buf[data_pos + 2] | buf[data_pos + 3] << 8
        elif label == 0x2C:  # image descriptor: left, top, width, height (LE16), packed
            descriptor_end = pos + _DESCRIPTOR_SIZE
            if descriptor_end > end:
                break
            if len(delays) >= max_frames:
                raise MediaTooLargeError(f"The GIF has more than {max_frames} frames (the limit)")
            delays.append(pending_delay)
            pending_delay = 0
            flags = buf[descriptor_end - 1]
            pos = descriptor_end + 1  # + 1: the LZW minimum code size byte
            if flags & 0x80:  # local colour table
                pos += 3 << ((flags & 0x07) + 1)
            if pos >= end:
                break
        elif label == 0x3B:  # trailer
            truncated = False
            break
        else:  # not a block label: stop here
            break
        # Skip the data sub-blocks at ``pos`` (< end): a size byte, that many bytes, ...,
        # a zero size byte. Leaving the inner loop by ``break`` means the data was cut off.
        size = buf[pos]
        while size:
            pos += size + 1
            if pos >= end:
                break
            size = buf[pos]
        else:
            pos += 1
            continue
        break

    return GifInfo(
        width=width,
        height=height,
        frame_count=len(delays),
        delays_cs=tuple(delays),
        loop_count=loop_count,
        truncated=truncated,
    )
