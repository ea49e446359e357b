"""bench/e2e.py's memory figure: the summed PSS of the run's processes, not the kernel's
maxrss of its children (a child started by fork and exec keeps its parent's RSS as its peak)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOLD = ("import sys, time; b = bytearray(200 * 1024 * 1024)\n"
        "for i in range(0, len(b), 4096): b[i] = 1\n"
        "print('ready', flush=True); sys.stdin.read()")


def _bench():
    spec = importlib.util.spec_from_file_location("e2e_bench", ROOT / "bench" / "e2e.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _peak_with_child(bench, *, exclude_child: bool):
    child = subprocess.Popen([sys.executable, "-c", HOLD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        with bench.TreeFootprint({child.pid} if exclude_child else set(),
                                 interval_s=0.05) as footprint:
            time.sleep(0.3)
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    return footprint


def test_the_footprint_counts_a_child_s_own_memory_and_leaves_out_the_excluded():
    bench = _bench()
    own = bench._pss_kb(bench.os.getpid()) / 1024
    with_child = _peak_with_child(bench, exclude_child=False)
    without = _peak_with_child(bench, exclude_child=True).peak_mb
    assert with_child.peak_mb >= own + 190  # the child's 200 MB, touched page by page
    assert without < with_child.peak_mb - 190
    # the peak is split by process: the child is named by its command, not by its parent
    child_role = next(role for role in with_child.peak_by_role if "-c" in role.split())
    assert with_child.peak_by_role[child_role] >= 190
    assert with_child.peak_by_role["this process"] < with_child.peak_mb - 190
