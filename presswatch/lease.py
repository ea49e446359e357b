"""The lease a run holds on its warehouse: one run at a time, and only a dead run's work taken over.

A run (daily, backfill, reanalyse) takes the lease before it reads anything and keeps it to its
end. The lease is an exclusive lock (flock) on `<warehouse>.lease`, which the kernel drops the
moment its process dies, however it dies: so a lease that can be taken is never a live run's,
and whatever another run left in the staging folder is a dead run's work to finish. Beside it,
`<warehouse>.lease.json` says who holds it (what run, host, PID, since when, last renewed), so
the run that has to wait can say whom it waits for. The holder renews that record while it
works. Another run waits a bounded time, then refuses with LeaseHeld naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from presswatch.folders import pid_alive, write_atomically

RENEW_EVERY_S = 15.0


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: what kind of run of which story, where it runs, since when."""

    kind: str  # daily | backfill | reanalyse
    story_id: str
    host: str
    pid: int
    started_at: str  # ISO 8601, UTC
    renewed_at: str

    def describe(self) -> str:
        return (f"a {self.kind} run of {self.story_id} (PID {self.pid} on {self.host}, started "
                f"{self.started_at}, last renewed {self.renewed_at})")


class LeaseHeld(Exception):
    """Another live run holds the warehouse's lease; nothing was read or written."""

    def __init__(self, db_path: Path, holder: Holder | None, waited_s: float) -> None:
        self.holder = holder
        who = holder.describe() if holder else "another run (its record is unreadable)"
        super().__init__(
            f"{db_path}: {who} is working on this warehouse; waited {waited_s:.0f} s and "
            "refused, so that the two runs do not take each other's work. Run again when it "
            "has finished (PRESSWATCH_LEASE_WAIT sets how long to wait)."
        )


def lease_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lease")


def _record_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lease.json")


def read_holder(db_path: Path) -> Holder | None:
    """The recorded holder of a warehouse's lease (None when none was ever recorded or the
    record cannot be read); says nothing about whether that holder still lives."""
    try:
        return Holder(**json.loads(_record_path(db_path).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


class Lease:
    """A held lease; release() (or leaving the with block) gives it up, as death does."""

    def __init__(self, db_path: Path, fd: int, holder: Holder) -> None:
        self.db_path = db_path
        self.holder = holder
        self._fd: int | None = fd
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew_loop, name="presswatch-lease",
                                         daemon=True)
        self._write()
        self._renewer.start()

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def renew(self) -> None:
        """Record that the holder is still at work (it is also renewed every RENEW_EVERY_S)."""
        self.holder = Holder(**{**asdict(self.holder), "renewed_at": _now()})
        self._write()

    def release(self) -> None:
        self._stop.set()
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def _write(self) -> None:
        write_atomically(_record_path(self.db_path), json.dumps(asdict(self.holder)))

    def _renew_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY_S):
            try:
                self.renew()
            except OSError:
                pass  # a full disk must not kill the run; the flock alone still holds


def acquire(db_path: Path | str, kind: str, story_id: str, *, wait_s: float = 60.0,
            poll_s: float = 0.5) -> Lease:
    """Take the warehouse's lease, waiting up to wait_s while a live run holds it.

    Raises LeaseHeld naming the holder when the wait runs out.
    """
    db_path = Path(db_path)
    path = lease_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
        else:
            lease = _hold(db_path, fd, kind, story_id)
            if _still_there(path, fd):
                return lease
            lease.release()  # another run moved the lock meanwhile (below): wait for it
            continue
        holder = read_holder(db_path)
        if _outlived(holder):
            # The run died but a process it forked (a parser worker) kept the lock open: the
            # lock moves to a new file, and the orphan holds one nobody looks at.
            path.unlink(missing_ok=True)
            continue
        waited = time.monotonic() - started
        if waited >= wait_s:
            raise LeaseHeld(db_path, holder, waited)
        time.sleep(min(poll_s, max(0.0, wait_s - waited)))


def _hold(db_path: Path, fd: int, kind: str, story_id: str) -> Lease:
    now = _now()
    try:
        return Lease(db_path, fd, Holder(kind, story_id, socket.gethostname(), os.getpid(), now,
                                         now))
    except BaseException:
        os.close(fd)
        raise


def _still_there(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _outlived(holder: Holder | None) -> bool:
    """A holder recorded on this host whose process is gone (its lock outlived it)."""
    return holder is not None and holder.host == socket.gethostname() and \
        not pid_alive(holder.pid)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
