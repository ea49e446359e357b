"""What `presswatch run` imports before it knows there is anything to parse or sketch."""

from __future__ import annotations

import subprocess
import sys

# Loaded only when a run first parses (spaCy) or sketches (datasketch, and scipy under it):
# a quiet run, or one that fails early, never pays for them.
LOADED_ON_USE = ("spacy", "thinc", "datasketch", "scipy")


def test_the_run_path_loads_spacy_and_datasketch_only_on_use():
    probe = ("import sys, presswatch.cli.main, presswatch.cli.progress; "
             f"print(sorted(m for m in {LOADED_ON_USE!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "[]"
