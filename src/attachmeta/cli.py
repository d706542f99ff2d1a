"""The ``attachmeta`` command: analyze a file and print the Attachment JSON, or run a demo."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from PIL import Image

from .analyze import Analysis, analyze
from .batch import (
    BatchResult,
    analyze_many,
    format_summary,
    iter_media_paths,
    json_record,
    progress,
    summarize,
)
from .blurhash import decode_blurhash
from .demo import DEMO_FOCUS, demo_jpeg
from .errors import (
    AttachmetaError,
    DescriptionError,
    FocusError,
    GeometryError,
    InvalidMediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
)
from .focus import parse_focus
from .geometry import AspectLike
from .image import flatten
from .profiles import PROFILES
from .report import html_report
from .sheet import LAYOUT_ASPECTS, contact_sheet

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_BAD_MEDIA = 65  # sysexits EX_DATAERR
EXIT_NO_INPUT = 66  # sysexits EX_NOINPUT
EXIT_CANT_CREATE = 73  # sysexits EX_CANTCREAT
DEMO_CROPS = {"16x9": "16:9", "1x1": "1:1", "4x5": "4:5"}


def _fail(message: str, code: int) -> NoReturn:
    print(f"attachmeta: {message}", file=sys.stderr)
    raise SystemExit(code)


def _fail_for(error: AttachmetaError, file: Path) -> NoReturn:
    """Exit with the status that says whose fault ``error`` is: the call's, the media's, or
    the input file's."""
    if isinstance(error, FocusError | DescriptionError | GeometryError):
        _fail(str(error), EXIT_USAGE)
    if isinstance(error, UnsupportedMediaError | MediaTooLargeError | InvalidMediaError):
        _fail(f"{file}: {error}", EXIT_BAD_MEDIA)
    _fail(str(error), EXIT_NO_INPUT)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error here."""

    def error(self, message: str) -> NoReturn:
        _fail(f"{message} (see '{self.prog} --help')", EXIT_USAGE)


def _analyze_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attachmeta",
        description="Print the Mastodon Attachment JSON (type, meta, description, blurhash) of a "
        "media file. Other commands: 'attachmeta demo' (a built-in sample), 'attachmeta scan "
        "PATH...' (folders in bulk), 'attachmeta preview FILE -o sheet.png' (a contact sheet).",
        epilog="Exit status: 0 ok, 2 usage error, 65 bad media, 66 unreadable file, "
        "73 an output file cannot be written.",
    )
    parser.add_argument("file", type=Path, help="the media file to analyze")
    parser.add_argument("--focus", metavar="X,Y", help="focal point, two numbers in [-1, 1]")
    parser.add_argument("--description", metavar="TEXT", help="alt text to include")
    parser.add_argument(
        "--profile", default="mastodon", choices=sorted(PROFILES), help="server conventions"
    )
    parser.add_argument(
        "--strict", action="store_true", help="reject malformed focus and undecodable files"
    )
    parser.add_argument("--small", type=Path, metavar="PATH", help="write the preview image here")
    parser.add_argument(
        "--crop",
        action="append",
        default=[],
        metavar="SPEC=PATH",
        help="write a focal-point crop of the preview: 16:9=out.png (aspect, preview resolution) "
        "or 640x360=out.png (exact size); repeatable",
    )
    parser.add_argument(
        "--crop-mode", choices=["css", "center"], default="css", help="crop placement rule"
    )
    return parser


def _demo_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attachmeta demo",
        description="Render a sample scene, analyze it with a focal point, and write the source, "
        "the JSON, the preview, the BlurHash placeholder and focal-point crops to a folder.",
    )
    parser.add_argument(
        "--out", type=Path, help="folder to write into (default: a new temporary folder)"
    )
    parser.add_argument("--profile", default="mastodon", choices=sorted(PROFILES))
    return parser


def _parse_crop(spec: str) -> tuple[AspectLike, Path]:
    target, sep, path = spec.partition("=")
    if not sep or not target or not path:
        raise GeometryError(f"--crop takes SPEC=PATH such as 16:9=crop.png, got {spec!r}")
    _output_format(Path(path))
    if "x" in target:
        width, _, height = target.partition("x")
        if not (width.isdigit() and height.isdigit()):
            raise GeometryError(f"crop size {target!r} must be WIDTHxHEIGHT in pixels")
        return (int(width), int(height)), Path(path)
    return target, Path(path)


def _output_format(path: Path) -> str:
    """The Pillow format to write ``path`` in, from its extension."""
    fmt = Image.registered_extensions().get(path.suffix.lower())
    Image.init()
    if fmt is None or fmt not in Image.SAVE:
        raise GeometryError(
            f"cannot write an image named {str(path)!r}: use a .png, .jpg or .webp name"
        )
    return fmt


def _save(image: Image.Image, path: Path) -> None:
    fmt = _output_format(path)
    if image.mode == "RGBA" and fmt in ("JPEG", "BMP"):
        image = flatten(image, (255, 255, 255))
    try:
        image.save(path, fmt)
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"cannot write {path}: {exc}", EXIT_CANT_CREATE)


def _print_json(result: Analysis) -> None:
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


def _run_analyze(argv: Sequence[str]) -> int:
    args = _analyze_parser().parse_args(argv)
    try:
        crops = [_parse_crop(spec) for spec in args.crop]
        if args.small is not None:
            _output_format(args.small)
        result = analyze(
            args.file,
            focus=args.focus,
            description=args.description,
            profile=args.profile,
            strict=args.strict,
        )
        small = result.small
        wanted = args.small is not None or bool(crops)
        if small is None and wanted:
            reason = result.error or f"a {result.type} file without cover art has no preview"
            _fail(f"{args.file}: no preview to write: {reason}", EXIT_BAD_MEDIA)
        if small is not None:
            images = [(small, args.small)] if args.small is not None else []
            images += [(result.thumbnail(size, mode=args.crop_mode), path) for size, path in crops]
            for image, path in images:
                _save(image, path)
        _print_json(result)
        if result.type == "unknown":
            print(f"attachmeta: {args.file}: not understood: {result.error}", file=sys.stderr)
    except AttachmetaError as exc:
        _fail_for(exc, args.file)
    return 0


def _run_demo(argv: Sequence[str]) -> int:
    args = _demo_parser().parse_args(argv)
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="attachmeta-demo-"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        source = out / "source.jpg"
        source.write_bytes(demo_jpeg())
    except OSError as exc:
        _fail(f"cannot write to {out}: {exc}", EXIT_CANT_CREATE)
    result = analyze(
        source, focus=DEMO_FOCUS, description="A sun over green hills", profile=args.profile
    )
    small = result.small
    assert small is not None and result.blurhash is not None  # the demo scene always decodes
    (out / "attachment.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    _save(small, out / "small.png")
    _save(decode_blurhash(result.blurhash, *small.size), out / "blurhash.png")
    for name, aspect in DEMO_CROPS.items():
        _save(result.thumbnail(aspect), out / f"crop-{name}.png")
    _print_json(result)
    print(
        f"attachmeta: wrote source, JSON, preview, placeholder and crops to {out}", file=sys.stderr
    )
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _scan_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attachmeta scan",
        description="Analyze the files given and every file below the folders given (hidden "
        "ones skipped) over worker processes: one JSON line per file (path, type, mime, meta, "
        "blurhash, error), then a summary on stderr.",
        epilog="Exit status: 0 ok, 2 usage error, 65 a file failed (the scan stops at the first "
        "unless --keep-going), 73 an output file cannot be written.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files and folders")
    parser.add_argument(
        "--jsonl", type=Path, metavar="OUT", help="write the JSON lines here (default: stdout)"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: one per CPU; 1 runs without a pool)",
    )
    parser.add_argument("--profile", default="mastodon", choices=sorted(PROFILES))
    parser.add_argument(
        "--keep-going", action="store_true", help="go on after a file fails; exit 65 at the end"
    )
    parser.add_argument(
        "--html", type=Path, metavar="PATH", help="also write an HTML report of 16:9 tiles"
    )
    return parser


@contextlib.contextmanager
def _text_output(path: Path | None) -> Iterator[TextIO]:
    """A file opened for writing text, or stdout for ``None`` and ``-``."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as handle:
        yield handle


def _written(
    results: Iterable[BatchResult], out: TextIO, keep_going: bool, kept: list[BatchResult] | None
) -> Iterator[BatchResult]:
    """Write each result's JSON line; stop after the first failure unless ``keep_going``."""
    for result in results:
        out.write(json.dumps(json_record(result), ensure_ascii=False) + "\n")
        if kept is not None:
            kept.append(result)
        yield result
        if result.error_type is not None and not keep_going:
            print(f"attachmeta: {result.source}: {result.error}", file=sys.stderr)
            return


def _run_scan(argv: Sequence[str]) -> int:
    args = _scan_parser().parse_args(argv)
    missing = [path for path in args.paths if not path.exists()]
    if missing:
        _fail(f"Cannot read {str(missing[0])!r}: No such file or directory", EXIT_NO_INPUT)
    kept: list[BatchResult] | None = [] if args.html is not None else None
    results = analyze_many(
        iter_media_paths(args.paths),
        workers=args.workers,
        profile=args.profile,
        previews="webp" if args.html is not None else None,
    )
    # no bar while JSON lines go to the same terminal
    shown = progress(results) if args.jsonl is not None or not sys.stdout.isatty() else results
    try:
        with contextlib.closing(results), _text_output(args.jsonl) as out:
            summary = summarize(_written(shown, out, args.keep_going, kept))
        if kept is not None:
            page = html_report([(str(r.source), r) for r in kept], title="attachmeta scan")
            args.html.write_text(page, encoding="utf-8")
    except BrokenPipeError:  # the reader (head, less) has what it wanted
        sys.stderr.close()
        return 0
    except OSError as exc:
        _fail(f"cannot write: {exc}", EXIT_CANT_CREATE)
    print(format_summary(summary), file=sys.stderr, end="")
    return EXIT_BAD_MEDIA if summary.failed else 0


def _preview_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attachmeta preview",
        description="Write a contact sheet of a media file: the preview with its focal point "
        f"marked, the crops apps show ({', '.join(LAYOUT_ASPECTS)}), the preview and its "
        "BlurHash placeholder, each labelled with its size.",
        epilog="Exit status: 0 ok, 2 usage error, 65 bad media, 66 unreadable file, "
        "73 the output file cannot be written.",
    )
    parser.add_argument("file", type=Path, help="the media file")
    parser.add_argument("--focus", metavar="X,Y", help="focal point, two numbers in [-1, 1]")
    parser.add_argument("--profile", default="mastodon", choices=sorted(PROFILES))
    parser.add_argument(
        "-o", "--out", type=Path, required=True, metavar="PATH", help="the sheet (.png, .webp)"
    )
    return parser


def _run_preview(argv: Sequence[str]) -> int:
    args = _preview_parser().parse_args(argv)
    try:
        _output_format(args.out)
        sheet = contact_sheet(args.file, focus=parse_focus(args.focus), profile=args.profile)
    except AttachmetaError as exc:
        _fail_for(exc, args.file)
    _save(sheet, args.out)
    return 0


def _join_focus(args: list[str]) -> list[str]:
    """``--focus -0.5,0.3`` as ``--focus=-0.5,0.3``: argparse would take the value for an option."""
    joined: list[str] = []
    for arg in args:
        if joined and joined[-1] == "--focus" and arg.startswith("-"):
            joined[-1] = f"--focus={arg}"
        else:
            joined.append(arg)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).
    """
    args = _join_focus(list(sys.argv[1:] if argv is None else argv))
    commands = {"demo": _run_demo, "scan": _run_scan, "preview": _run_preview}
    if args and args[0] in commands:
        return commands[args[0]](args[1:])
    return _run_analyze(args)


if __name__ == "__main__":
    sys.exit(main())
