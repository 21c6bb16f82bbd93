"""Index generations: each ingest builds a complete new index beside the one in service, then
swaps a pointer to it.

Layout under ``<data dir>/index``::

    CURRENT                the name of the generation in service (replaced atomically)
    .lock                  held (flock) by the one ingest allowed at a time
    <generation>/          one complete index: kb.pickle (documents, clauses, units),
                           manifest.json, and chroma/ (the embedded vector store; on a Chroma
                           server the vectors live in a collection named after the generation)

A generation directory is only ever pointed to once it is complete: ``publish`` writes the
new name to a temporary file, fsyncs it and renames it over ``CURRENT``, so a reader sees the
old generation or the new one, never a partial one, and a kill at any point before the rename
leaves the previous generation serving. The previous generation is kept (a running assistant
may still be reading it until it notices the new pointer); older ones are removed.

Shared (a ``Remote``: the Chroma server of ``POLICYBOT_CHROMA_HOST``, see
``bot.retrieval.shared_index``): machines that share no disk share the index. ``publish``
uploads the generation's manifest and its portable clause table (``bot.knowledge.portable``)
to the remote, then moves the remote pointer; ``current`` reads that pointer; a generation
named by it is mirrored into the local directory the first time it is read (``manifest``,
``ensure_local``), so loading it is the same as loading a local one. Old generations leave
the remote once neither current nor previous (and, so that an ingest running elsewhere is not
pulled from under it, once older than ``REMOTE_GRACE_S``).
"""

from __future__ import annotations

import calendar
import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from bot.errors import ServiceError

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
KB_FILE = "kb.pickle"
PORTABLE_FILE = "kb.json.z"  # bot.knowledge.portable.FILE: what travels instead of the pickle
# An unpublished remote generation younger than this may be an ingest under way elsewhere.
REMOTE_GRACE_S = 6 * 3600.0


class Remote(Protocol):
    """Where generations are shared between machines (a Chroma server)."""

    def pointer(self) -> tuple[str | None, str | None]:
        """The current generation and the one before it (None, None before the first)."""
        ...

    def point(self, name: str) -> None:
        """Make ``name`` current (its files are uploaded); the old current becomes previous."""
        ...

    def upload(self, name: str, files: dict[str, bytes]) -> None: ...

    def download(self, name: str) -> dict[str, bytes]: ...

    def fetch(self, name: str, file_name: str) -> bytes | None:
        """One file of a generation, added after it was published (its passages), or None
        while the remote does not hold it whole."""
        ...

    def holds(self, name: str, file_name: str) -> bool:
        """Whether the remote holds that file of a generation (one small request)."""
        ...

    def names(self) -> list[str]:
        """Every generation the remote holds anything of."""
        ...

    def drop(self, name: str) -> None:
        """Remove everything of a generation from the remote (its files and vectors)."""
        ...


class Generations:
    """The generations of one data directory's index (and of a shared remote, if given)."""

    def __init__(self, root: Path, remote: Remote | None = None) -> None:
        self.root = root
        self.remote = remote

    def current(self) -> str | None:
        """The name of the generation in service, or None before the first ingest."""
        if self.remote is not None:
            return self.remote.pointer()[0]
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if name and (self.root / name / MANIFEST).is_file() else None

    def path(self, name: str) -> Path:
        return self.root / name

    def new_name(self) -> str:
        """A name that sorts by creation time: the seconds and their fraction from one reading
        of the clock (read twice, a second boundary between the readings made a new name sort
        before the previous one, and pruning removed the wrong generation)."""
        now = time.time_ns()
        return time.strftime("g%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + f"-{now % 10**9:09d}"

    def ensure_local(self, name: str) -> None:
        """Mirror a shared generation's files into the local directory (once)."""
        folder = self.root / name
        if self.remote is None or (folder / MANIFEST).is_file():
            return
        files = self.remote.download(name)
        missing = [f for f in (MANIFEST, PORTABLE_FILE) if f not in files]
        if missing:
            raise ServiceError(
                f"index generation {name}: {', '.join(missing)} incomplete on the server"
            )
        folder.mkdir(parents=True, exist_ok=True)
        # The manifest last: a local generation with a manifest is complete.
        for file_name in sorted(files, key=lambda n: n == MANIFEST):
            if "/" in file_name or file_name.startswith("."):
                continue  # only plain names, never a path out of the folder
            tmp = folder / f".{file_name}.{os.getpid()}.tmp"
            tmp.write_bytes(files[file_name])
            os.replace(tmp, folder / file_name)

    def manifest(self, name: str) -> dict[str, Any]:
        self.ensure_local(name)
        try:
            data = json.loads((self.root / name / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def publish(self, name: str) -> None:
        """Point CURRENT at the (complete) generation ``name``, atomically."""
        _fsync_dir(self.root / name)
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)
        if self.remote is not None:
            folder = self.root / name
            shared = (MANIFEST, PORTABLE_FILE)
            self.remote.upload(name, {f: (folder / f).read_bytes() for f in shared})
            self.remote.point(name)

    def names(self) -> list[str]:
        """Every generation directory, oldest first (complete or not)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("g"))

    def stale(self, keep: int = 2) -> list[str]:
        """Generations that can go: all but the current one and the ``keep - 1`` before it,
        including incomplete ones left by a killed ingest."""
        current = self.current()
        names = self.names()
        if current is None or current not in names:
            return [n for n in names if not (self.root / n / MANIFEST).is_file()]
        complete = [n for n in names if (self.root / n / MANIFEST).is_file() and n <= current]
        kept = set(complete[-keep:]) | {current}
        if self.remote is not None:  # what another machine published before may be previous
            kept |= {n for n in self.remote.pointer() if n}
        # A generation newer than the current one is an ingest in progress (we hold the lock
        # when pruning, so it is a dead one): it goes too.
        local = [n for n in names if n not in kept]
        return sorted(set(local) | set(self.remote_stale()))

    def remote_stale(self, now: float | None = None) -> list[str]:
        """Shared generations that can go: neither current nor previous, older than the
        current one, and older than ``REMOTE_GRACE_S`` (an ingest elsewhere may still be
        writing a younger one)."""
        if self.remote is None:
            return []
        current, previous = self.remote.pointer()
        if current is None:
            return []
        now = time.time() if now is None else now
        return [
            n
            for n in self.remote.names()
            if n not in (current, previous) and n < current and now - _born(n) > REMOTE_GRACE_S
        ]

    def prune_mirrors(self, serving: set[str]) -> None:
        """A worker's local mirrors of shared generations older than those it serves."""
        if self.remote is None or not serving:
            return
        oldest = min(serving)
        for name in self.names():
            if name < oldest:
                shutil.rmtree(self.root / name, ignore_errors=True)

    def remove(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)
        if self.remote is not None:
            self.remote.drop(name)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One ingest at a time per data directory (a second one waits)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _born(name: str) -> float:
    """When a generation was started, from its name (``g%Y%m%dT%H%M%S-…``, UTC)."""
    try:
        return calendar.timegm(time.strptime(name[1:16], "%Y%m%dT%H%M%S"))
    except ValueError:
        return 0.0


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
