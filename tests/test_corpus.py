"""The external media corpus, read in place: Mastodon's own expectations and a crash sweep."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import corpus_files

from attachmeta import Analysis, AttachmetaError, analyze


def _mastodon(corpus: Path, name: str) -> Path:
    path = corpus / "mastodon" / name
    if not path.is_file():
        pytest.skip(f"{path} not in the corpus")
    return path


@pytest.mark.parametrize(
    "name",
    ["600x400.jpeg", "600x400.png", "600x400.webp", "600x400.avif", "600x400.heic", "600x400.gif"],
)
def test_static_600x400_in_every_format(corpus: Path, name: str) -> None:
    # Mastodon 4.x's spec: every format gives a 600x400 original and a 588x392 preview.
    result = analyze(_mastodon(corpus, name))
    assert result.type == "image"
    assert result.meta["original"] == {
        "width": 600,
        "height": 400,
        "size": "600x400",
        "aspect": 1.5,
    }
    assert result.meta["small"] == {"width": 588, "height": 392, "size": "588x392", "aspect": 1.5}
    assert result.blurhash is not None and len(result.blurhash) == 36


def test_attachment_jpg_under_mastodon_3(corpus: Path) -> None:
    # Mastodon 3.x's spec: attachment.jpg has a 490x327 preview of aspect 490/327.
    small = analyze(_mastodon(corpus, "attachment.jpg"), profile="mastodon-v3").meta["small"]
    assert (small["width"], small["height"], small["aspect"]) == (490, 327, 490 / 327)


@pytest.mark.parametrize(
    ("name", "width", "height"), [("attachment.gif", 600, 400), ("mini-static.gif", 32, 32)]
)
def test_static_gifs_stay_images(corpus: Path, name: str, width: int, height: int) -> None:
    result = analyze(_mastodon(corpus, name))
    assert result.type == "image"
    assert result.meta["original"]["aspect"] == width / height
    assert (result.meta["original"]["width"], result.meta["original"]["height"]) == (width, height)


@pytest.mark.parametrize(("name", "size"), [("avatar.gif", 128), ("avatar-high.gif", None)])
def test_animated_gifs_are_gifv(corpus: Path, name: str, size: int | None) -> None:
    result = analyze(_mastodon(corpus, name))
    assert result.type == "gifv"
    original = result.meta["original"]
    assert set(original) == {"width", "height", "frame_rate", "duration", "bitrate"}
    if size is not None:
        assert (original["width"], original["height"]) == (size, size)


def test_apng_and_grey_alpha(corpus: Path) -> None:
    apng = analyze(_mastodon(corpus, "600x400-animated.png"))
    assert (apng.type, apng.mime) == ("image", "image/apng")
    grey = analyze(_mastodon(corpus, "monochrome.png"))
    assert grey.type == "image" and grey.small is not None and grey.small.mode == "RGBA"


def _sweep_ids(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("path", corpus_files("pillow") + corpus_files("mastodon"), ids=_sweep_ids)
def test_every_file_gives_a_result_or_our_error(path: Path) -> None:
    try:
        result = analyze(path)
    except AttachmetaError as error:
        assert str(error)
        return
    assert isinstance(result, Analysis)
    if result.type == "unknown":
        assert result.error and result.blurhash is None and result.small is None
    else:
        assert result.blurhash is not None and result.small is not None
        assert result.small.size == (result.meta["small"]["width"], result.meta["small"]["height"])


def test_corpus_sweep_is_not_empty(corpus: Path) -> None:
    assert len(corpus_files("pillow")) > 500


_AV_SUFFIXES = (".mp4", ".webm", ".ogg", ".opus")


@pytest.mark.parametrize("profile", ["mastodon", "gotosocial"])
@pytest.mark.parametrize(
    "path",
    [p for p in corpus_files("mastodon") + corpus_files("gotosocial") if p.suffix in _AV_SUFFIXES],
    ids=_sweep_ids,
)
def test_corpus_video_and_audio_analyze(path: Path, profile: str) -> None:
    result = analyze(path, profile=profile)
    assert result.type in ("video", "gifv", "audio"), result.error
    original = result.meta["original"]
    assert "duration" in original
    if result.type != "audio":
        assert original["width"] > 0 and original["height"] > 0 and result.blurhash is not None


@pytest.mark.parametrize("path", corpus_files("gotosocial"), ids=_sweep_ids)
def test_every_gotosocial_file_analyzes(path: Path) -> None:
    for profile in ("mastodon", "gotosocial"):
        assert analyze(path, profile=profile).type != "unknown"
