"""The SQLite backend of the store machinery (``bot.store.base``): every SQLite file.

What it does for each file (conversations, channel inboxes and outboxes, the question log,
the staff desk's tickets and curated answers):

* Privacy: the directory is created 0700 and the database 0600 (chat ids, questions and
  company figures are personal data); SQLite gives its -wal and -shm files the same mode.
* One connection per file per process: ``Database.open(path)`` returns the open one (counted,
  closed with the last user, ``bot.store.base``), guarded by a re-entrant lock. SQLite serialises writes anyway;
  WAL mode lets another process (a staff tool, the console) read while the bot writes.
* Transactions: ``transaction()`` is one ``BEGIN IMMEDIATE``; a transaction opened inside
  another on the same thread joins it, so the turn owner's transaction holds every write of
  the turn (the session, the question log, tickets, the outbox) whoever makes it.
* Versions: ``PRAGMA user_version`` numbers the steps of the file's own schema (``steps``),
  each run once, in order, in one transaction with its new version; a component's own tables
  (a channel's inbox, the staff desk) are versioned by ``migrate(component, steps)`` in
  ``schema_versions``. A step is SQL, or a function of the connection (to move data).
* Corruption: a file that SQLite cannot read is moved aside (never deleted), its content is
  recovered into a fresh file where possible (the ``sqlite3`` shell's ``.recover``, else
  Python's ``iterdump``), and the log says where the damaged copy is.
* A full disk or a database locked by another program raises ``StoreUnavailable`` (a
  ``ServiceError`` with the reason), so a channel can still answer and log what was not
  stored.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.errors import StoreUnavailable
from bot.store.base import Connection, Database, Step, migrate_component, run_step, statements

__all__ = ["BUSY_TIMEOUT_S", "Database", "SqliteDatabase", "Step", "private_dir", "statements"]

_log = logging.getLogger(__name__)

# How long a write waits for another connection's lock before giving up.
BUSY_TIMEOUT_S = 5.0


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by its owner only; an existing one that
    others can read is left as it is (an operator may have chosen it) with a warning."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    elif path.stat().st_mode & 0o077:
        _log.warning(
            "the data directory %s is open to other users (mode %o); chmod 700 it",
            path,
            path.stat().st_mode & 0o777,
        )


def _private_file(path: Path) -> None:
    """The database, and its -wal and -shm files (a version before 0600 left them 0644)."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if part.exists():
            os.chmod(part, 0o600)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(
        str(path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _readable(path: Path) -> bool:
    """Whether SQLite can open the file and finds its structure sound. Only damage counts: a
    file locked by another program or an I/O error is no reason to move it aside."""
    try:
        db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            row = db.execute("PRAGMA quick_check").fetchone()
            return row is not None and row[0] == "ok"
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        reason = str(exc).lower()
        return not ("malformed" in reason or "not a database" in reason or "corrupt" in reason)


def _recover(damaged: Path, target: Path) -> str:
    """Copy what can be read of ``damaged`` into a new file at ``target``; returns how."""
    sqlite = shutil.which("sqlite3")
    if sqlite is not None:
        try:
            dump = subprocess.run(
                [sqlite, str(damaged), ".recover"], capture_output=True, timeout=300, check=False
            )
            if dump.returncode == 0 and dump.stdout:
                _private_file(target)
                db = sqlite3.connect(str(target), isolation_level=None)
                try:
                    db.executescript(dump.stdout.decode("utf-8", "replace"))
                finally:
                    db.close()
                return "sqlite3 .recover"
        except (OSError, subprocess.SubprocessError, sqlite3.DatabaseError) as exc:
            _log.warning("sqlite3 .recover failed: %s", exc)
            target.unlink(missing_ok=True)
    source = sqlite3.connect(str(damaged), isolation_level=None)
    _private_file(target)
    copy = sqlite3.connect(str(target), isolation_level=None)
    try:
        rows = _copy_tables(source, copy)
    finally:
        source.close()
        copy.close()
    if rows == 0:
        target.unlink(missing_ok=True)
        return "nothing"
    return "table by table"


def _copy_tables(source: sqlite3.Connection, copy: sqlite3.Connection) -> int:
    """Each table's readable rows into ``copy`` (a damaged table does not cost the others),
    then the indexes and the schema version; the count of rows copied."""
    try:
        schema = source.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid"
        ).fetchall()
        version = int(source.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0
    copied = 0
    for kind, name, sql in schema:
        try:
            copy.execute(sql)
        except sqlite3.DatabaseError:
            continue
        if kind != "table":
            continue
        try:
            cursor = source.execute(f'SELECT * FROM "{name}"')
            while batch := cursor.fetchmany(500):
                marks = ", ".join("?" * len(batch[0]))
                copy.executemany(f'INSERT OR IGNORE INTO "{name}" VALUES ({marks})', batch)
                copied += len(batch)
        except sqlite3.DatabaseError:
            continue  # the rest of this table is unreadable: keep what came before
    copy.execute(f"PRAGMA user_version = {version}")
    return copied


def _open_or_recover(path: Path) -> None:
    """Leave a readable database at ``path``: a damaged one is moved aside and recovered."""
    if not path.exists() or path.stat().st_size == 0 or _readable(path):
        return
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            part.rename(Path(str(aside) + suffix))
    how = _recover(aside, path)
    if how == "nothing":
        _log.error(
            "the database %s could not be read and nothing could be recovered; it was moved "
            "to %s and a new, empty database was started",
            path,
            aside,
        )
    else:
        _log.error(
            "the database %s was damaged; it was moved to %s and what could be read was "
            "recovered into a new file (%s): check the conversations and the outbox",
            path,
            aside,
            how,
        )


_run = run_step


def _unavailable(exc: sqlite3.Error) -> StoreUnavailable:
    return StoreUnavailable(f"the database could not be written: {exc}")


class SqliteDatabase(Database):
    """One SQLite file: its connection, lock, schema versions and transactions."""

    backend = "sqlite"

    def __init__(self, path: Path, steps: Sequence[Step] = ()) -> None:
        """Open ``path`` on its own connection (``Database.open`` shares one per file)."""
        super().__init__()
        private_dir(path.parent)
        self.path = path
        self.name = str(path)
        self._lock = threading.RLock()
        self._depth = 0  # transactions open on the owning thread (joined ones count)
        _open_or_recover(path)
        _private_file(path)
        self.db = _connect(path)
        self.upgrade(tuple(steps))

    def _close(self) -> None:
        with self._lock:
            self.db.close()

    def upgrade(self, steps: tuple[Step, ...]) -> None:
        if not steps:
            return
        with self._lock:
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
            if version > len(steps):
                _log.warning(
                    "%s is from a newer version (schema %s, this one knows %s)",
                    self.path,
                    version,
                    len(steps),
                )
            for number in range(version, len(steps)):
                with self.transaction() as db:
                    _run(db, steps[number])
                    db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        with self.reading() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): everything in it lands, or nothing. Inside
        another transaction of this thread it joins that one (which commits or rolls back)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc
            self._depth = 1
            try:
                yield self.db
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise _unavailable(exc) from exc
            except BaseException:
                self._rollback()
                raise
            finally:
                self._depth = 0
            try:
                self.db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise _unavailable(exc) from exc

    def _rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error as exc:  # a full disk can fail the rollback too
            _log.error("rollback failed: %s", exc)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads outside a transaction (under the lock)."""
        with self._lock:
            try:
                yield self.db
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc

    def migrate(self, component: str, steps: Sequence[Step]) -> None:
        """Bring ``component``'s own tables to ``len(steps)``: step n runs once, when the file
        has version n of them (kept in ``schema_versions``)."""
        with self.transaction() as db:
            migrate_component(db, component, steps)

    def add_schema(self, script: str) -> None:
        """Create further tables (idempotent ``CREATE ... IF NOT EXISTS`` statements)."""
        with self._lock:
            self.db.executescript(script)

    def lock_session(self, db: Connection, key: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already lets one writer at a time in."""
