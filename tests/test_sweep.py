"""Every corpus file in a worker process with an address-space limit: a result or our error,
each within the time and memory bounds of SECURITY.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_root

# The worker's address space is capped, so a runaway allocation fails this test, not the
# machine. The cap is virtual memory: the interpreter, NumPy, Pillow and PyAV map ~1 GB of it
# before doing anything.
ADDRESS_SPACE = 3 << 30
SECONDS_PER_FILE = 2.0
PEAK_RSS_MB = 256

_WORKER = """
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
import attachmeta

def status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0

attachmeta.analyze(Path(sys.argv[2]))  # warm imports and plugin registration
for line in sys.stdin:
    path = Path(line.rstrip("\\n"))
    print(json.dumps({"path": str(path), "started": True}), flush=True)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    start = time.perf_counter()
    try:
        outcome = attachmeta.analyze(path).type
    except attachmeta.AttachmetaError as error:
        outcome = type(error).__name__
    except BaseException as error:
        outcome = "FOREIGN " + type(error).__name__ + ": " + str(error)[:200]
    seconds = time.perf_counter() - start
    print(json.dumps({"path": str(path), "outcome": outcome, "seconds": seconds,
                      "peak_mb": status_kb("VmHWM") / 1024}), flush=True)
"""


def test_corpus_sweep_in_a_bounded_process() -> None:
    root = corpus_root()
    if root is None:
        pytest.skip("media corpus not found (set ATTACHMETA_CORPUS or put it in ../shared/corpus)")
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("peak RSS is measured through Linux's /proc")
    skip = {"NOTICE", "LICENSE", "README.md"}
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name not in skip)
    warm = root / "mastodon" / "600x400.png"
    proc = subprocess.run(
        [sys.executable, "-c", _WORKER, str(ADDRESS_SPACE), str(warm)],
        input="".join(f"{p}\n" for p in files),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    done = [r for r in records if "outcome" in r]
    if proc.returncode != 0:
        last = records[-1]["path"] if records else "(none)"
        pytest.fail(f"worker died (exit {proc.returncode}) on {last}: {proc.stderr[-1000:]}")
    assert len(done) == len(files)
    foreign = [r for r in done if r["outcome"].startswith("FOREIGN")]
    assert not foreign, foreign
    slow = [r for r in done if r["seconds"] > SECONDS_PER_FILE]
    assert not slow, slow
    heavy = [r for r in done if r["peak_mb"] > PEAK_RSS_MB]
    assert not heavy, heavy
    slowest = max(done, key=lambda r: r["seconds"])
    largest = max(done, key=lambda r: r["peak_mb"])
    print(
        f"\nswept {len(done)} files; slowest {slowest['path']} {slowest['seconds']:.3f} s; "
        f"largest peak RSS {largest['path']} {largest['peak_mb']:.1f} MB"
    )
