"""The HTML report: self-contained, escaped, and cropped in a real browser as crop_box says."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from media import encode, gradient
from PIL import Image

from attachmeta import Focus, analyze, crop_box
from attachmeta.batch import analyze_many
from attachmeta.report import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    encode_image,
    html_report,
    make_tile,
    render_report,
)

_DATA_URI = re.compile(r"data:image/(png|webp);base64,[A-Za-z0-9+/=]+")


def _png(image: Image.Image) -> bytes:
    return encode(image, "PNG")


def _without_data_uris(page: str) -> str:
    return _DATA_URI.sub("DATA", page)


# --- the page ------------------------------------------------------------------------------


def test_report_is_self_contained() -> None:
    analysis = analyze(_png(gradient(64, 48)), focus="0.5,-0.5")
    page = html_report([("a.png", analysis)], title="Uploads")
    rest = _without_data_uris(page)
    assert "://" not in rest
    assert re.findall(r'src="([^"]*)"', rest) == ["DATA"]
    assert "url(DATA)" in rest
    assert "default-src 'none'" in page
    assert "object-position: 75% 75%;" in page
    assert "object-fit: cover" in page


def test_text_is_escaped() -> None:
    analysis = analyze(_png(gradient(8, 8)), description='"><script>alert(1)</script>')
    page = html_report(
        [("<img src=x onerror=alert(1)>.png", analysis), ("b&c", ValueError("<b>bad</b>"))],
        title="<title>&",
    )
    assert "<script>" not in page
    assert "<img src=x" not in page
    assert "<b>bad" not in page
    assert "&lt;title&gt;&amp;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert 'alt="&quot;&gt;&lt;script&gt;' in page


def test_unknown_shows_error_and_no_image() -> None:
    truncated = _png(gradient(32, 32))[:-40]  # corrupt the image data
    analysis = analyze(truncated)
    assert analysis.type == "unknown"
    page = html_report([("broken.png", analysis)], title="t")
    assert "<img" not in page
    assert analysis.error is not None and analysis.error.split(":")[0] in page
    assert 'data-type="unknown"' in page


def test_failed_file_tile() -> None:
    tile = make_tile("x.txt", ValueError("nope"))
    assert tile == Tile("x.txt", "failed", error="ValueError: nope")
    page = render_report([tile], title="t")
    assert "ValueError: nope" in page and "<img" not in page
    quiet = render_report([Tile("a.opus", "audio", size="0x0")], title="t")
    assert '<p class="note">no preview</p>' in quiet and "audio · 0x0" in quiet


def test_batch_result_tiles_match_analysis_tiles() -> None:
    data = _png(gradient(80, 40))
    [result] = analyze_many([data], workers=1, focus="-1,1", previews="png")
    analysis = analyze(data, focus="-1,1")
    from_batch = make_tile("g", result)
    from_analysis = make_tile("g", analysis, image_format="png")
    assert from_batch == from_analysis
    assert from_batch.position == "0% 0%"
    assert from_batch.size == "80x40"


def test_tile_without_focus_is_centred_and_empty_report() -> None:
    tile = make_tile("c", analyze(_png(gradient(30, 20))))
    assert tile.position == "50% 50%"
    assert tile.preview is not None and tile.preview.startswith("data:image/webp;base64,")
    assert "No files." in html_report([], title="none")


def test_encode_image_formats() -> None:
    image = gradient(10, 10)
    assert Image.open(io.BytesIO(encode_image(image, "png"))).format == "PNG"
    assert Image.open(io.BytesIO(encode_image(image))).format == "WEBP"
    with pytest.raises(ValueError, match="image format"):
        encode_image(image, "gif")
    with pytest.raises(ValueError, match="image format"):
        html_report([], title="t", image_format="jpeg")


# --- in a browser --------------------------------------------------------------------------

# Each preview's pixels encode their own coordinates: R = x, G = y, B = 0 (sides <= 255).
PREVIEWS = {"tall": (192, 255), "wide": (255, 96)}
FOCI = [(0.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, -1.0), (0.5, -0.3)]
CASES = [(name, focus) for name in PREVIEWS for focus in FOCI]
WINDOW = (1100, 1200)
EDGE = 8  # tile pixels left out at each edge, where the browser's resampling clamps


def _chromium() -> str | None:
    return (
        os.environ.get("ATTACHMETA_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


def _coordinate_image(width: int, height: int) -> Image.Image:
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    pixels = np.stack([x, y, np.zeros_like(x)], axis=2).astype(np.uint8)
    return Image.fromarray(pixels)


def _screenshot(html_path: Path, out: Path, profile_dir: Path) -> npt.NDArray[np.uint8]:
    browser = _chromium()
    assert browser is not None
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--screenshot={out}",
        html_path.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    with Image.open(out) as shot:
        return np.asarray(shot.convert("RGB"))


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _tiles(shot: npt.NDArray[np.uint8]) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) of each coordinate-coloured region, in reading order."""
    r, g, b = (shot[:, :, c].astype(int) for c in range(3))
    mask = (b < 48) & (np.maximum(r, g) > b + 40)
    boxes = []
    for top, bottom in _runs(mask.any(axis=1)):
        for left, right in _runs(mask[top:bottom].any(axis=0)):
            rows = np.flatnonzero(mask[top:bottom, left:right].any(axis=1))
            boxes.append((left, top + int(rows[0]), right, top + int(rows[-1]) + 1))
    return boxes


def _fit(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Where tile pixel 0's left edge falls in the preview, and preview pixels per tile pixel.

    The browser shows preview coordinate u = start + (i + 0.5) * step at tile pixel i, and
    the pixel whose value is v covers [v, v + 1), so value(i) = u - 0.5.
    """
    index = np.arange(EDGE, len(values) - EDGE)
    step, intercept = np.polyfit(index, values[EDGE:-EDGE], 1)
    return float(intercept - 0.5 * step + 0.5), float(step)


@dataclass(frozen=True)
class Measured:
    """The preview region a tile shows, measured, and the one crop_box gives."""

    name: str
    focus: tuple[float, float]
    box: tuple[float, float, float, float]
    expected: tuple[int, int, int, int]
    tile: tuple[int, int, int, int]


def _measure(
    shot: npt.NDArray[np.uint8], tile: tuple[int, int, int, int]
) -> tuple[float, float, float, float]:
    left, top, right, bottom = tile
    region = shot[top:bottom, left:right].astype(np.float64)
    x0, x_step = _fit(region[EDGE:-EDGE, :, 0].mean(axis=0))
    y0, y_step = _fit(region[:, EDGE:-EDGE, 1].mean(axis=1))
    return x0, y0, x0 + x_step * (right - left), y0 + y_step * (bottom - top)


@pytest.fixture(scope="module", params=["webp", "png"])
def measured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Measured]]:
    if _chromium() is None:
        pytest.skip("no chromium binary (apt-get install chromium; or set ATTACHMETA_CHROMIUM)")
    fmt: str = request.param
    folder = tmp_path_factory.mktemp(f"browser-{fmt}")
    analyses = []
    for name, focus in CASES:
        source = _coordinate_image(*PREVIEWS[name])
        analysis = analyze(_png(source), focus=Focus(*focus))
        small = analysis.small
        assert small is not None and np.array_equal(np.asarray(small), np.asarray(source))
        analyses.append((f"{name} {focus}", analysis))
    page = folder / "report.html"
    page.write_text(html_report(analyses, title="crops", image_format=fmt), encoding="utf-8")
    shot = _screenshot(page, folder / "shot.png", folder / "profile")
    tiles = _tiles(shot)
    assert len(tiles) == len(CASES), tiles
    results = []
    for (name, focus), tile in zip(CASES, tiles, strict=True):
        expected = crop_box(PREVIEWS[name], "16:9", Focus(*focus))
        results.append(Measured(name, focus, _measure(shot, tile), expected, tile))
    yield results


def test_browser_tiles_are_16_by_9_boxes(measured: list[Measured]) -> None:
    for case in measured:
        left, top, right, bottom = case.tile
        assert (right - left, bottom - top) == (TILE_WIDTH, TILE_HEIGHT), case


def test_browser_shows_crop_box_region(measured: list[Measured]) -> None:
    for case in measured:
        offsets = [m - e for m, e in zip(case.box, case.expected, strict=True)]
        print(
            f"{case.name:4} focus={case.focus!s:12} crop_box={case.expected} "
            f"measured=({', '.join(f'{v:.2f}' for v in case.box)}) "
            f"max offset={max(abs(o) for o in offsets):.2f}px"
        )
        assert max(abs(o) for o in offsets) <= 2, case
