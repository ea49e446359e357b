"""Output folders presswatch may replace, and state files written whole.

A folder is replaced only when it carries presswatch's marker file, the proof that presswatch
wrote it: anything else found at that path is the user's and is never touched. Each build fills
its own hidden folder beside the target and swaps it in under a lock on the parent directory,
so two builds of one folder at once each finish, the later one winning, and a reader sees the
old folder or the new one. A build that died leaves its hidden folder behind; the next build
removes it once the process named in the folder's name is gone.

State files (a crawl's job, a staged unit's tally) are written whole or not at all
(write_atomically), and one found damaged is set aside with a message (quarantine), never left
to stop every later run.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_BUILDING, _RETIRED = "building", "old"


class FolderNotOurs(Exception):
    """The output folder exists and presswatch did not write it; it was left untouched."""


def is_ours(folder: Path, marker: str) -> bool:
    """A folder presswatch may replace: missing, empty, or carrying the marker file."""
    if not folder.exists():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    return (folder / marker).is_file() or not any(folder.iterdir())


def replace_folder(out: Path, marker: str, what: str, fill: Callable[[Path], T]) -> T:
    """Fill a fresh folder with fill(folder), then swap it in at out; returns what fill returned.

    Raises FolderNotOurs, before anything is written, when out holds something presswatch did
    not write. `what` names the output in the marker and the message ("presswatch report").
    """
    out = Path(out)
    if not is_ours(out, marker):
        raise FolderNotOurs(
            f"{out} exists and is not a {what} (it has no {marker} file); it was left "
            "untouched. Choose another folder, or an empty or new one."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    # The builder's pid and host in the name: a folder is never judged abandoned before its
    # marker is written.
    owner = f"{os.getpid()}-{socket.gethostname()}-"
    building = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out, _BUILDING) + owner,
                                     dir=out.parent))
    try:
        (building / marker).write_text(f"written by {what}; replaced by the next one\n",
                                       encoding="utf-8")
        result = fill(building)
        retired = _swap_in(building, out, marker, what)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return result


def _sibling_prefix(out: Path, kind: str) -> str:
    return f".{out.name}.{kind}-"


def _swap_in(building: Path, out: Path, marker: str, what: str) -> Path | None:
    """Rename building to out under the parent's lock; returns the retired old folder."""
    with _locked(out.parent):
        if not is_ours(out, marker):  # made meanwhile by someone else
            raise FolderNotOurs(f"{out} appeared while the {what} was built and is not one; "
                                "it was left untouched")
        retired = None
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out, _RETIRED),
                                            dir=out.parent))
            os.rename(out, retired)  # onto the empty folder just made: atomic on POSIX
        os.rename(building, out)
    return retired


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _remove_abandoned(out: Path) -> None:
    """Hidden build folders of out whose builder on this host is gone, and retired folders."""
    for folder in out.parent.glob(_sibling_prefix(out, _RETIRED) + "*"):
        shutil.rmtree(folder, ignore_errors=True)
    host = socket.gethostname()
    for folder in out.parent.glob(_sibling_prefix(out, _BUILDING) + "*"):
        pid, _, rest = folder.name.removeprefix(_sibling_prefix(out, _BUILDING)).partition("-")
        if pid.isdigit() and rest.startswith(host + "-") and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DiskFull(OSError):
    """No space was left for a file presswatch writes; what was half-written was removed."""


def disk_full(exc: BaseException) -> bool:
    """Whether an error (an OSError, or a library's error quoting one) is a full disk/quota."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    text = str(exc)
    return "No space left on device" in text or "Disk quota exceeded" in text \
        or "File too large" in text


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write a whole file or none of it: a partial file beside it, fsync, rename, fsync the
    folder. A reader (or a run after a crash) finds the old content or the new, never a
    truncated file. A full disk raises DiskFull naming the file; the partial file is removed.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(partial, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        sync_folder(path.parent)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if disk_full(exc):
            raise disk_full_error(exc, path) from exc
        raise


def disk_full_error(exc: OSError, path: Path) -> DiskFull:
    """What to raise when writing `path` found the disk (or the quota) full."""
    return DiskFull(exc.errno, f"no space left on the device to write {path} "
                               f"({exc.strerror}); free space and run again")


def sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename into it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def quarantine(path: Path, reason: str) -> Path:
    """Set a damaged state file aside (renamed beside itself, never deleted) so the run can go
    on without it; returns where it went. The caller says so, naming both paths."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    aside = path.with_name(f"{path.name}.damaged-{stamp}-{os.getpid()}")
    os.replace(path, aside)
    log.warning("%s is damaged (%s); set aside as %s and the run goes on", path, reason,
                aside.name)
    return aside
