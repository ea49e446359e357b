"""The report's charts and download files, made beside its pages: in this process for a small
report, in a second one for a big report, so that on two cores the build takes about the
longer of the two parts instead of their sum.

The second process (main() here) starts before the report's queries run and loads its
libraries and the chart engine meanwhile; then it reads the pickled job on stdin (the rows the
charts and the downloads show), and prints the three charts and the download files as one
pickle on stdout (this process reads it after every other page: the overview waits for the
charts). The pickles pass only between these two processes of presswatch. If the
second process fails, the same work is done in this one, so a broken helper costs time, never
the report; an error that is the work's own then surfaces from here.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from markupsafe import Markup

from presswatch.report.charts import attention_chart, outlets_chart, voice_chart
from presswatch.report.exports import export_files

log = logging.getLogger(__name__)

Files = list[tuple[str, bytes | str]]
# The child runs from its own command line: this process's __main__ is not imported again.
CHILD = "import sys; from presswatch.report.side import main; sys.exit(main())"
WARM_UP = {"mark": "point", "data": {"values": [{"x": 1}]},
           "encoding": {"x": {"field": "x", "type": "quantitative"}}}


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

    def __init__(self) -> None:
        self.job: SideJob | None = None

    def send(self, job: SideJob) -> None:
        self.job = job

    def charts(self) -> dict[str, Markup | None]:
        assert self.job is not None
        return draw_charts(self.job)

    def files(self) -> Iterator[tuple[str, bytes | str]]:
        assert self.job is not None
        return download_files(self.job)

    def close(self) -> None:
        pass

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SecondProcess(InProcess):
    """The charts and downloads made by a child process. It starts at once and loads its
    libraries and the chart engine while this process runs the queries; send() hands it the
    job (from a thread: this process goes on with the pages); charts() and files() wait for
    its answer, or do the work here once it has failed. close() ends it if it still runs."""

    def __init__(self) -> None:
        super().__init__()
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self._child: subprocess.Popen[bytes] | None = None
        self._feeder: threading.Thread | None = None
        self._got: tuple[dict[str, Markup | None], Files] | None = None
        self._failed = False
        try:
            # -P: the working folder is not put on the child's sys.path (a file there named
            # like a module it imports is never run).
            self._child = subprocess.Popen([sys.executable, "-P", "-c", CHILD],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=self._stderr)
        except OSError as exc:  # no executable, no processes left: this process does the work
            self._give_up(f"could not start ({exc})")

    def send(self, job: SideJob) -> None:
        super().send(job)
        if self._child is None or self._child.stdin is None:
            return
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        self._feeder = threading.Thread(target=_feed, args=(self._child.stdin, payload),
                                        name="presswatch-report-side", daemon=True)
        self._feeder.start()

    def charts(self) -> dict[str, Markup | None]:
        answer = self._answer()
        return super().charts() if answer is None else answer[0]

    def files(self) -> Iterator[tuple[str, bytes | str]]:
        answer = self._answer()
        return super().files() if answer is None else iter(answer[1])

    def _answer(self) -> tuple[dict[str, Markup | None], Files] | None:
        """The child's answer (read once), or None when it has failed (said once, in the
        log)."""
        if self._got is None and not self._failed and self._child is not None:
            try:
                assert self._child.stdout is not None
                got = pickle.load(self._child.stdout)
            except (EOFError, pickle.UnpicklingError, OSError) as exc:
                self._give_up(f"ended with code {self._wait()} ({exc!r})")
            else:
                code = self._wait()
                if code == 0:
                    self._got = got
                else:
                    self._give_up(f"ended with code {code}")
        return self._got

    def _wait(self) -> int:
        assert self._child is not None
        if self._child.stdout is not None:
            self._child.stdout.close()
        code = self._child.wait()
        if self._feeder is not None:
            self._feeder.join()
        return code

    def _give_up(self, why: str) -> None:
        self._failed = True
        self._stderr.seek(0)
        said = self._stderr.read().decode("utf-8", "replace").strip()[-2000:]
        log.warning("the report's second process %s; its charts and downloads are made in "
                    "this process instead%s", why, f":\n{said}" if said else "")

    def close(self) -> None:
        if self._stderr.closed:
            return
        try:
            if self._child is not None:
                if self._child.poll() is None:
                    self._child.kill()
                self._wait()
        finally:
            self._stderr.close()


def _feed(sink: IO[bytes], payload: bytes) -> None:
    try:
        with sink:
            sink.write(payload)
    except OSError:
        pass  # the child has died: reading its answer says so


def start_side(second_process: bool) -> InProcess:
    """Where the charts and downloads are made: a second process, or this one."""
    return SecondProcess() if second_process else InProcess()


def main() -> int:
    """The child: load the libraries and start the chart engine, then read the job on stdin
    and print the charts and the files as one pickle. Its stdout carries only that pickle:
    anything else printed (by a library, or at C level) goes to stderr."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    import altair  # noqa: F401  (loaded now, while the parent queries)
    import vl_convert
    import xlsxwriter  # noqa: F401

    vl_convert.vegalite_to_svg(WARM_UP)  # the chart engine's start, about 0.6 CPU s
    job = pickle.load(sys.stdin.buffer)
    # One answer, written once all is made: the parent reads it only when its pages are
    # written, and a child blocked on a full pipe would make nothing meanwhile.
    answer = (draw_charts(job), list(download_files(job)))
    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
