"""Fuzz ``attachmeta.analyze`` with mutated media for as long as asked.

Every round draws 500 cases from :func:`attachmeta.testing.mutated_files` with a fresh random
seed. A case that raises anything but an ``AttachmetaError`` (or takes longer than the per-case
limit) is shrunk by Hypothesis and saved to the output folder, and fuzzing goes on. The CI
suite runs the same strategy with a fixed seed (tests/test_hostile.py).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

from attachmeta import AttachmetaError, analyze
from attachmeta.testing import mutated_files


class _Slow(Exception):
    """A case took longer than the limit."""


def _round(round_seed: int, case_seconds: float, last: list[bytes]) -> None:
    @seed(round_seed)
    @settings(
        max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(mutated_files())
    def case(data: bytes) -> None:
        last[:] = [data]
        for strict in (False, True):
            start = time.perf_counter()
            with contextlib.suppress(AttachmetaError):
                analyze(data, strict=strict)
            if time.perf_counter() - start > case_seconds:
                raise _Slow(f"{time.perf_counter() - start:.2f} s")

    case()


def main(argv: list[str] | None = None) -> int:
    """Fuzz until the time is up; returns 1 if any failure was saved."""
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz")
    parser.add_argument("--out", type=Path, default=Path("fuzz/failures"), help="where failures go")
    parser.add_argument("--case-seconds", type=float, default=2.0, help="the per-case time limit")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.minutes * 60
    rounds = failures = 0
    while time.monotonic() < deadline:
        round_seed = random.randrange(2**32)
        last: list[bytes] = []
        try:
            _round(round_seed, args.case_seconds, last)
        except Exception as failure:  # anything escaping a round is a finding
            failures += 1
            args.out.mkdir(parents=True, exist_ok=True)
            data = last[0] if last else b""
            path = args.out / f"{hashlib.sha256(data).hexdigest()[:16]}.bin"
            path.write_bytes(data)
            print(f"seed {round_seed}: {type(failure).__name__}: {failure} -> {path}", flush=True)
        rounds += 1
        print(f"round {rounds} done ({rounds * 500} cases, {failures} failures)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
