"""Run the test suite beside a CPU hog: one busy-loop process per core, for as long as the
suite runs. `make test-loaded` runs it; it checks the suite passes on a machine busy with other
work (Prefect servers, crawls and lock waits all get slower) and reports how long it took.

    python scripts/test_loaded.py                 # hogs = cores, the suite as `make test`
    python scripts/test_loaded.py --hogs 1 -- tests/runs   # other pytest arguments after --

Prints the suite's own output, then one line: wall time, hogs, load average, pytest's exit code.
Exits with pytest's exit code.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# As `make test` (the Makefile passes its own PYTEST_ARGS).
DEFAULT_PYTEST_ARGS = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "-q"]


def burn() -> None:
    """Spin until killed: a whole core's worth of someone else's work."""
    while True:
        pass


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 1,
                        help="busy-loop processes to run beside the suite (default: one per core)")
    parser.add_argument("pytest_args", nargs="*",
                        help="arguments for pytest (after --); default: as `make test`")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    hogs = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    started = time.monotonic()
    try:
        code = subprocess.call([sys.executable, "-m", "pytest",
                                *(args.pytest_args or DEFAULT_PYTEST_ARGS)], cwd=ROOT)
    finally:
        load = os.getloadavg()
        for hog in hogs:
            hog.kill()
            hog.join()
    wall = time.monotonic() - started
    print(f"test-loaded: {wall:.0f} s wall beside {args.hogs} busy-loop process(es) on "
          f"{os.cpu_count()} cores; load average at the end {load[0]:.1f} (1 min), "
          f"{load[1]:.1f} (5 min); pytest exit code {code}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
