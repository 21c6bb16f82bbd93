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
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
KB_FILE = "kb.pickle"


class Generations:
    """The generations of one data directory's index."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> str | None:
        """The name of the generation in service, or None before the first ingest."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if name and (self.root / name / MANIFEST).is_file() else None

    def path(self, name: str) -> Path:
        return self.root / name

    def new_name(self) -> str:
        return time.strftime("g%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"

    def manifest(self, name: str) -> dict[str, Any]:
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
        # A generation newer than the current one is an ingest in progress (we hold the lock
        # when pruning, so it is a dead one): it goes too.
        return [n for n in names if n not in kept]

    def remove(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)

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
