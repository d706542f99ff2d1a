"""A self-contained HTML page of 16:9 tiles, cropped as Mastodon's web UI crops them.

Each tile shows the ``small`` preview with ``object-fit: cover`` and the focal point's
``object-position``, over the decoded BlurHash placeholder. Images are inlined as ``data:``
URIs and a Content-Security-Policy forbids loading anything else.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image

from .analyze import Analysis
from .blurhash import decode_blurhash
from .focus import Focus
from .geometry import fit_within

if TYPE_CHECKING:
    from .batch import BatchResult

__all__ = [
    "IMAGE_FORMATS",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "data_uri",
    "encode_image",
    "html_report",
    "make_tile",
    "render_report",
]

TILE_WIDTH = 320  # CSS px; a 16:9 box, like a single attachment in Mastodon's web UI
TILE_HEIGHT = 180
PLACEHOLDER_BOX = 32  # the BlurHash is decoded to fit this square, then stretched
# Pillow format, MIME type and save options of the image formats a report can inline.
IMAGE_FORMATS: Mapping[str, tuple[str, str, Mapping[str, Any]]] = {
    "webp": ("WEBP", "image/webp", {"quality": 85, "method": 4}),
    "png": ("PNG", "image/png", {"optimize": False}),
}

_CSS = f"""
:root {{ color-scheme: light; }}
body {{ margin: 0; padding: 16px; background: #f4f4f4; color: #222;
  font: 13px/1.4 system-ui, sans-serif; }}
h1 {{ margin: 0 0 12px; font-size: 18px; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 16px; margin: 0; padding: 0; list-style: none; }}
figure {{ margin: 0; width: {TILE_WIDTH}px; }}
.frame {{ width: {TILE_WIDTH}px; height: {TILE_HEIGHT}px; overflow: hidden;
  background-color: #ccc; background-repeat: no-repeat; background-size: cover; }}
.frame img {{ display: block; width: 100%; height: 100%; object-fit: cover; }}
.frame p {{ box-sizing: border-box; height: 100%; margin: 0; padding: 12px; overflow: auto; }}
.frame .error {{ background: #fdecea; color: #8a1c1c; }}
.frame .note {{ color: #555; }}
figcaption {{ padding: 4px 0; overflow-wrap: anywhere; }}
figcaption .name {{ font-weight: 600; }}
figcaption .error {{ color: #8a1c1c; }}
.empty {{ color: #666; }}
"""
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Tile:
    """What one tile shows, as escaped-on-render plain strings.

    Attributes:
        name: the file name or label.
        type: the Attachment type, or ``"failed"`` when ``analyze`` raised.
        size: the original size as ``"WxH"``, if known.
        error: why the file was not understood, if it was not.
        preview: a ``data:`` URI of the ``small`` preview, if there is one.
        placeholder: a ``data:`` URI of the decoded BlurHash, if there is one.
        position: the CSS ``object-position`` of the preview (and of the placeholder).
        alt: the image's alt text.
    """

    name: str
    type: str
    size: str | None = None
    error: str | None = None
    preview: str | None = None
    placeholder: str | None = None
    position: str = "50% 50%"
    alt: str = ""


def _check_format(fmt: str) -> None:
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {sorted(IMAGE_FORMATS)}, got {fmt!r}")


def encode_image(image: Image.Image, fmt: str = "webp") -> bytes:
    """``image`` saved as ``"webp"`` (lossy, quality 85) or ``"png"``, as bytes.

    Raises:
        ValueError: an unknown format name.
    """
    _check_format(fmt)
    pillow_format, _, options = IMAGE_FORMATS[fmt]
    out = io.BytesIO()
    image.save(out, pillow_format, **options)
    return out.getvalue()


def data_uri(data: bytes, mime: str) -> str:
    """A base64 ``data:`` URI."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _sniffed_mime(data: bytes) -> str:
    """image/webp or image/png, from the encoded bytes' signature."""
    return "image/webp" if data[8:12] == b"WEBP" else "image/png"


def _size_text(meta: Mapping[str, Any]) -> str | None:
    """``"WxH"`` of ``meta.original``, if it has a width and a height."""
    original = meta.get("original")
    if isinstance(original, Mapping) and "width" in original and "height" in original:
        return f"{original['width']}x{original['height']}"
    return None


def _placeholder(blurhash: str | None, width: int, height: int) -> str | None:
    """The BlurHash decoded at a small size of the preview's aspect, as a PNG data URI."""
    if blurhash is None:
        return None
    box = fit_within(width, height, PLACEHOLDER_BOX, PLACEHOLDER_BOX, upscale=True)
    return data_uri(encode_image(decode_blurhash(blurhash, *box), "png"), "image/png")


def _position(focus: Focus | None) -> str:
    return "50% 50%" if focus is None else focus.object_position()


def _meta_focus(meta: Mapping[str, Any]) -> Focus | None:
    """The Focus in a ``meta`` dict, if any."""
    point = meta.get("focus")
    if not isinstance(point, Mapping):
        return None
    return Focus(point.get("x"), point.get("y"))


def _analysis_tile(name: str, analysis: Analysis, fmt: str) -> Tile:
    small = analysis.small
    if small is None:
        return Tile(name, analysis.type, _size_text(analysis.meta), analysis.error)
    return Tile(
        name=name,
        type=analysis.type,
        size=_size_text(analysis.meta),
        error=analysis.error,
        preview=data_uri(encode_image(small, fmt), IMAGE_FORMATS[fmt][1]),
        placeholder=_placeholder(analysis.blurhash, *small.size),
        position=_position(analysis.focus),
        alt=analysis.description or "",
    )


def _batch_tile(name: str, result: BatchResult) -> Tile:
    kind = result.type or "failed"
    small = result.meta.get("small")
    if result.preview is None or not isinstance(small, Mapping):
        return Tile(name, kind, _size_text(result.meta), result.error)
    return Tile(
        name=name,
        type=kind,
        size=_size_text(result.meta),
        error=result.error,
        preview=data_uri(result.preview, _sniffed_mime(result.preview)),
        placeholder=_placeholder(result.blurhash, small["width"], small["height"]),
        position=_position(_meta_focus(result.meta)),
    )


def make_tile(
    name: str, item: Analysis | BatchResult | BaseException, *, image_format: str = "webp"
) -> Tile:
    """The tile of an Analysis, a batch result (with a preview) or an exception ``analyze`` raised.

    Args:
        name: the caption's name.
        item: what was learned about the file.
        image_format: ``"webp"`` or ``"png"`` for an Analysis's preview.

    Raises:
        ValueError: an unknown image format.
    """
    _check_format(image_format)
    if isinstance(item, Analysis):
        return _analysis_tile(name, item, image_format)
    if isinstance(item, BaseException):
        return Tile(name, "failed", error=f"{type(item).__name__}: {item}")
    return _batch_tile(name, item)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _frame(tile: Tile) -> str:
    """The 16:9 box: the preview over its placeholder, or the error."""
    if tile.preview is None:
        kind, text = ("error", tile.error) if tile.error else ("note", "no preview")
        return f'<div class="frame"><p class="{kind}">{_esc(text)}</p></div>'
    style = f"background-position: {tile.position};"
    if tile.placeholder is not None:
        style += f" background-image: url({tile.placeholder});"
    return (
        f'<div class="frame" style="{_esc(style)}">'
        f'<img src="{_esc(tile.preview)}" alt="{_esc(tile.alt)}" '
        f'style="{_esc(f"object-position: {tile.position};")}" decoding="sync"></div>'
    )


def _caption(tile: Tile) -> str:
    details = " · ".join(part for part in (tile.type, tile.size) if part)
    parts = [f'<span class="name">{_esc(tile.name)}</span>', f"<br>{_esc(details)}"]
    if tile.error is not None and tile.preview is not None:
        parts.append(f'<br><span class="error">{_esc(tile.error)}</span>')
    return f"<figcaption>{''.join(parts)}</figcaption>"


def render_tile(tile: Tile) -> str:
    """One tile as an HTML ``<li>``."""
    return f'<li><figure data-type="{_esc(tile.type)}">{_frame(tile)}{_caption(tile)}</figure></li>'


def render_report(tiles: Iterable[Tile], *, title: str) -> str:
    """The whole HTML page of ``tiles``."""
    items = "\n".join(render_tile(tile) for tile in tiles)
    body = f'<ul class="tiles">\n{items}\n</ul>' if items else '<p class="empty">No files.</p>'
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<h1>{_esc(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def html_report(
    results: Iterable[tuple[str, Analysis | BatchResult | BaseException]],
    *,
    title: str,
    image_format: str = "webp",
) -> str:
    """A self-contained HTML page with one 16:9 tile per file.

    Args:
        results: (name, what ``analyze`` gave) pairs: an :class:`Analysis`, a
            :class:`~attachmeta.batch.BatchResult` made with ``previews=``, or the exception
            ``analyze`` raised. ``unknown`` and failed files show their error, no image.
        title: the page title.
        image_format: ``"webp"`` or ``"png"``: how an Analysis's preview is inlined.

    Raises:
        ValueError: an unknown image format.
    """
    _check_format(image_format)
    tiles = (make_tile(name, item, image_format=image_format) for name, item in results)
    return render_report(tiles, title=title)
