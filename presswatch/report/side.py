"""The report's charts and download files, made beside its pages: in this process for a small
report, in a second one for a big report, so that on two cores the build takes about the
longer of the two parts instead of their sum.

The second process runs main() here with the path of a job file: it reads the pickled job
(the rows the charts and the downloads show), prints the three charts as one pickle on stdout
as soon as they are drawn (the overview waits for them, after every other page), then the
download files as a second one. The pickles pass only between these two processes of
presswatch. If the second process fails, the same work is done in this one, so a broken
helper costs time, never the report; an error that is the work's own then surfaces from here.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from markupsafe import Markup

from presswatch.report.charts import attention_chart, outlets_chart, voice_chart
from presswatch.report.exports import export_files

log = logging.getLogger(__name__)

Files = list[tuple[str, bytes | str]]
CHILD = "import sys; from presswatch.report.side import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class SideJob:
    """What the charts and the downloads show: chart rows, and each export's rows by name."""

    attention: list[dict[str, Any]]
    markers: list[dict[str, Any]]
    voices_daily: list[dict[str, Any]]
    outlets: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]
    clean: Callable[[Any], str]  # makes page text inert (build.inert; pickled by name)
    built_at: datetime


def draw_charts(job: SideJob) -> dict[str, Markup | None]:
    """The overview's three charts as inline SVG, by template name."""
    return {"chart": attention_chart(job.attention, job.markers),
            "voice_chart": voice_chart(job.voices_daily),
            "outlets_chart": outlets_chart(job.outlets)}


def download_files(job: SideJob) -> Iterator[tuple[str, bytes | str]]:
    """Each table's export-<name>.csv and .xlsx as (file name, content)."""
    for name, rows in job.tables.items():
        yield from export_files(name, rows, job.clean, created=job.built_at)


class InProcess:
    """The charts and downloads made here, when asked for."""

    def __init__(self, job: SideJob) -> None:
        self.job = job

    def charts(self) -> dict[str, Markup | None]:
        return draw_charts(self.job)

    def files(self) -> Iterator[tuple[str, bytes | str]]:
        return download_files(self.job)

    def close(self) -> None:
        pass


class SecondProcess:
    """The charts and downloads made by a child process started at once; charts() and files()
    wait for its answers. close() ends the child if it still runs and removes its job file."""

    def __init__(self, job: SideJob) -> None:
        self.job = job
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self._child: subprocess.Popen[bytes] | None = None
        self._failed = False
        fd, name = tempfile.mkstemp(prefix="presswatch-report-", suffix=".job")  # mode 0600
        self._job_path = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(job, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(self._job_path)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        except OSError as exc:  # a full /tmp, no executable: this process does the work
            self._give_up(f"could not start ({exc})")

    def charts(self) -> dict[str, Markup | None]:
        answer = self._answer()
        return draw_charts(self.job) if answer is None else answer

    def files(self) -> Iterator[tuple[str, bytes | str]]:
        answer = self._answer()
        if answer is not None:
            code = self._wait()
            if code != 0:
                self._give_up(f"ended with code {code}")
        return download_files(self.job) if self._failed else iter(answer)

    def _answer(self) -> Any:
        """The child's next pickle, or None once it has failed (said once, in the log)."""
        if self._failed or self._child is None or self._child.stdout is None:
            return None
        try:
            return pickle.load(self._child.stdout)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            self._give_up(f"ended with code {self._wait()} ({exc!r})")
            return None

    def _wait(self) -> int:
        assert self._child is not None
        if self._child.stdout is not None:
            self._child.stdout.close()
        return self._child.wait()

    def _give_up(self, why: str) -> None:
        self._failed = True
        self._stderr.seek(0)
        said = self._stderr.read().decode("utf-8", "replace").strip()[-2000:]
        log.warning("the report's second process %s; its charts and downloads are made in "
                    "this process instead%s", why, f":\n{said}" if said else "")

    def close(self) -> None:
        try:
            if self._child is not None:
                if self._child.poll() is None:
                    self._child.kill()
                self._wait()
        finally:
            self._stderr.close()
            self._job_path.unlink(missing_ok=True)


def start_side(job: SideJob, second_process: bool) -> InProcess | SecondProcess:
    return SecondProcess(job) if second_process else InProcess(job)


def main(argv: list[str]) -> int:
    """The child: read the job, print the charts, then the files. Its stdout carries only the
    pickles: anything else printed (by a library, or at C level) goes to stderr."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    job = pickle.loads(Path(argv[0]).read_bytes())
    pickle.dump(draw_charts(job), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    files: Files = list(download_files(job))
    pickle.dump(files, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
