"""The benchmark runner's quick mode runs, so the runner cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--repeats", "2", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "median ms" in proc.stdout and "peak RSS" in proc.stdout
    numbers = json.loads(out.read_text())
    contenders = {row["contender"] for row in numbers["rows"]}
    assert {"attachmeta", "naive Pillow", "decode floor", "attachmeta blocks"} <= contenders
    assert all(row["median_ms"] > 0 for row in numbers["rows"])
    assert numbers["peak_rss_mb"]["attachmeta"] >= 0
