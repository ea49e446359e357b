"""presswatch installed from its wheel, as a user gets it: every SQL file, word list, story,
replay page and template must be inside the package, not found beside it in a checkout.

The wheel goes into a fresh venv outside the checkout. Its dependencies come from the test's
own environment through a path entry (installing them again would only test pip), so the one
presswatch the new venv can import is the wheel's; the test checks that first. The venv gets no
pip of its own (this environment's pip installs into it), and its demo reports to the session's
Prefect server: a command's own temporary server is tested in tests/flows/.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory,
              prefect_harness: None) -> tuple[Path, Path, dict[str, str]]:
    """(bin dir of a fresh venv holding the wheel, a working folder outside the checkout, env)."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PYTHON"))}
    env.update(PREFECT_HOME=str(root / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING", PREFECT_API_URL=os.environ["PREFECT_API_URL"])
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
          "-w", str(root / "dist"), str(REPO)], cwd=root, env=env)
    wheel = next((root / "dist").glob("presswatch-*.whl"))
    target = root / "venv"
    venv.create(target, with_pip=False)
    bin_dir = target / "bin"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    python = str(bin_dir / "python")
    new_site = Path(_run([python, "-c", purelib], cwd=root, env=env).stdout.strip())
    # Our dependencies, after the venv's own packages; .pth files there (our editable install)
    # are not processed for a path added this way.
    (new_site / "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
          "--no-index", str(wheel)], cwd=root, env=env)
    work = root / "work"
    work.mkdir()
    return bin_dir, work, env


def test_the_new_venv_imports_the_wheel_not_the_checkout(installed):
    bin_dir, work, env = installed
    where = _run([str(bin_dir / "python"), "-c", "import presswatch; print(presswatch.__file__)"],
                 cwd=work, env=env).stdout.strip()
    assert where.startswith(str(bin_dir.parent)), where
    assert not where.startswith(str(REPO))


def test_demo_and_check_run_from_the_wheel(installed):
    bin_dir, work, env = installed
    demo = _run([str(bin_dir / "presswatch"), "demo", "--days", "1", "--db", "demo.duckdb"],
                cwd=work, env=env)
    check = _run([str(bin_dir / "presswatch"), "check", "--db", "demo.duckdb"], cwd=work, env=env)
    assert "FileNotFoundError" not in demo.stderr + check.stderr
    with duckdb.connect(str(work / "demo.duckdb"), read_only=True) as con:
        articles = con.execute("select count(*) from articles").fetchone()[0]
        statements = con.execute("select count(*) from statements").fetchone()[0]
    assert articles > 0 and statements > 0
    assert list(work.glob("demo.report/**/*.html")), sorted(p.name for p in work.iterdir())
