"""The command line: JSON output, written images, exit codes, and the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from media import encode, gradient, marked
from PIL import Image

from attachmeta.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_attachment_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(encode(marked(600, 400), "PNG"))
    small, wide, square = tmp_path / "small.png", tmp_path / "wide.jpg", tmp_path / "sq.png"
    code, out, err = run(
        capsys,
        str(path),
        "--focus=-1,1",
        "--description",
        "a test",
        "--small",
        str(small),
        "--crop",
        f"16:9={wide}",
        "--crop",
        f"100x100={square}",
    )
    assert code == 0, err
    data = json.loads(out)
    assert out.startswith('{\n  "type": "image",\n  "meta": {\n    "focus"')
    assert data["meta"]["small"]["size"] == "588x392" and data["description"] == "a test"
    assert Image.open(small).size == (588, 392)
    assert Image.open(wide).size == (588, 331)
    with Image.open(square) as img:
        assert img.size == (100, 100)
        assert img.convert("RGB").getpixel((3, 3)) == (
            255,
            0,
            0,
        )  # focus top-left keeps the red corner


def test_profile_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(gradient(640, 480), "PNG"))
    code, out, _ = run(capsys, str(path), "--profile", "mastodon-v3")
    assert code == 0 and json.loads(out)["meta"]["small"]["size"] == "461x346"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--focus", "2,2", "--strict"], 2, "focus x '2' is outside"),
        (["--crop", "16:9"], 2, "SPEC=PATH"),
        (["--crop", "ax3=o.png"], 2, "WIDTHxHEIGHT"),
        (["--small", "out.unknownext"], 2, "cannot write an image named"),
        (["--small", "out.fits"], 2, "use a .png"),
        (["--bogus"], 2, "unrecognized arguments"),
        (["--profile", "nope"], 2, "invalid choice"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(gradient(20, 20), "PNG"))
    got, _, err = run(capsys, str(path), *[a.replace("out.", str(tmp_path / "out.")) for a in argv])
    assert got == code and message in err


def test_bad_media_exits_65(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("just text")
    code, out, err = run(capsys, str(path))
    assert code == 65 and out == ""
    assert err.strip().count("\n") == 0
    assert "File content type is invalid" in err


def test_missing_file_exits_66(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "absent.png"))
    assert code == 66 and "absent.png" in err


def test_unknown_prints_json_and_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(encode(gradient(300, 200), "JPEG")[:300])
    code, out, err = run(capsys, str(path), "--focus", "0,0")
    assert code == 0 and json.loads(out)["type"] == "unknown" and "not understood" in err
    assert run(capsys, str(path), "--strict")[0] == 65


def test_demo_writes_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run(capsys, "demo", "--out", str(out_dir))
    assert code == 0, err
    names = {p.name for p in out_dir.iterdir()}
    assert {
        "source.jpg",
        "attachment.json",
        "small.png",
        "blurhash.png",
        "crop-16x9.png",
        "crop-1x1.png",
    } <= names
    assert json.loads(out) == json.loads((out_dir / "attachment.json").read_text())
    assert str(out_dir) in err


def test_console_script_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "attachmeta", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "attachmeta" in proc.stdout


def test_usage_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--nope")
    assert code == 2 and out == "" and err.count("\n") == 1 and "--help" in err


def test_negative_focus_after_a_space(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(gradient(60, 40), "PNG"))
    code, out, err = run(capsys, str(path), "--focus", "-0.5,0.3")
    assert code == 0, err
    assert json.loads(out)["meta"]["focus"] == {"x": -0.5, "y": 0.3}


def test_unwritable_output_exits_73_before_printing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(gradient(60, 40), "PNG"))
    code, out, err = run(capsys, str(path), "--small", str(tmp_path / "missing" / "s.png"))
    assert code == 73 and out == "" and "cannot write" in err


def test_oversized_crop_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(gradient(60, 40), "PNG"))
    for spec in ("60000x60000=a.png", "99999999999x1=a.png"):
        code, out, err = run(
            capsys, str(path), "--crop", spec.replace("a.png", str(tmp_path / "a.png"))
        )
        assert code == 2 and out == "" and "thumbnail size" in err


def test_scan_writes_json_lines_a_summary_and_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "media"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.png").write_bytes(encode(gradient(60, 40), "PNG"))
    (folder / "sub" / "b.jpg").write_bytes(encode(gradient(30, 20), "JPEG"))
    (folder / ".hidden.png").write_bytes(b"skipped")
    (folder / "notes.txt").write_text("not media")
    jsonl, html = tmp_path / "out.jsonl", tmp_path / "report.html"
    code, _, err = run(
        capsys,
        "scan",
        str(folder),
        "--jsonl",
        str(jsonl),
        "--workers",
        "1",
        "--keep-going",
        "--html",
        str(html),
    )
    assert code == 65, err  # notes.txt failed, and --keep-going went on
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [Path(r["path"]).name for r in records] == ["a.png", "notes.txt", "b.jpg"]
    assert records[0]["type"] == "image" and records[0]["meta"]["small"]["size"] == "60x40"
    assert records[1]["error"].startswith("UnsupportedMediaError")
    assert "image" in err and "UnsupportedMediaError" in err  # the summary table
    page = html.read_text()
    assert "object-fit: cover" in page and "data:image/webp;base64," in page


def test_scan_stops_at_the_first_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("not media")
    (tmp_path / "b.png").write_bytes(encode(gradient(10, 10), "PNG"))
    code, out, err = run(capsys, "scan", str(tmp_path), "--workers", "1")
    assert code == 65 and len(out.splitlines()) == 1 and "a.txt" in err
    assert run(capsys, "scan", str(tmp_path), "--workers", "0")[0] == 2


def test_preview_writes_a_contact_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, sheet = tmp_path / "p.png", tmp_path / "sheet.png"
    source.write_bytes(encode(marked(600, 400), "PNG"))
    code, _, err = run(capsys, "preview", str(source), "--focus", "-0.5,0.5", "-o", str(sheet))
    assert code == 0, err
    with Image.open(sheet) as image:
        assert image.width > 600 and image.mode == "RGB"
    assert run(capsys, "preview", str(source), "--focus", "9,9", "-o", str(sheet))[0] == 2
    assert run(capsys, "preview", str(tmp_path / "sheet.png.missing"), "-o", str(sheet))[0] == 66


def test_requested_outputs_without_a_preview_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from avmedia import build

    audio = tmp_path / "sound.mp3"
    audio.write_bytes(build("mp3", None, "libmp3lame"))
    code, out, err = run(capsys, str(audio), "--small", str(tmp_path / "s.png"))
    assert code == 65 and out == "" and "no preview" in err
    assert run(capsys, str(audio))[0] == 0


def test_scan_of_a_missing_path_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "scan", str(tmp_path / "absent"))
    assert code == 66 and out == "" and "PosixPath" not in err and "absent" in err
