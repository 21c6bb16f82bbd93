"""SQLite persistence: conversation sessions (so a restart resumes a walk-through) and the
question log that staff triage works from.

One connection guarded by a lock: SQLite serialises writes anyway, and the bot's writes are
tiny. WAL mode lets a second process (a staff tool) read while the bot writes.

One file per kind of data: this store holds conversations (and a channel's inbox and outbox,
which must change in the same transaction as a session); staff data (tickets, curated
answers) gets a file of its own (``Settings.staff_db_path``), opened with another ``Store``,
so that losing one never costs the other.

Safety of the file:

* Privacy: the directory is created 0700 and the database 0600 (chat ids, questions and
  company figures are personal data); SQLite gives its -wal and -shm files the same mode.
* Versions: ``PRAGMA user_version`` says which migrations a file has had; each step in
  ``_MIGRATIONS`` runs once, in order, in one transaction with the new version number, so a
  file from an earlier version loads. Channels version their own tables with ``migrate``.
* Corruption: a file that SQLite cannot read is moved aside (never deleted), its content is
  recovered into a fresh file where possible (the ``sqlite3`` shell's ``.recover``, else
  Python's ``iterdump``), and the log says where the damaged copy is.
* A full disk or a database locked by another program raises ``StoreUnavailable`` (a
  ``ServiceError`` with the reason), so a channel can still answer and log what was not
  stored.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain import LogEntry, Session
from bot.errors import StoreUnavailable

_log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    chat_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id TEXT NOT NULL,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    in_scope INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    top_clause TEXT,
    asked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_unanswered ON questions (answered, in_scope);
"""

# Step n brings a file from user_version n to n + 1. Version 0 is every file written before
# versions were kept: the first step is idempotent, so it also fits those files.
_MIGRATIONS: tuple[str, ...] = (
    _SCHEMA,
    """
CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
""",
)
SCHEMA_VERSION = len(_MIGRATIONS)
# How long a write waits for another connection's lock before giving up.
BUSY_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    chat_id: str
    text: str
    lang: str
    in_scope: bool
    answered: bool
    top_clause: str | None
    asked_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreTx:
    """The store inside one transaction: what a turn reads and writes, all or nothing.

    ``db`` is open for other tables that belong in the same transaction (an inbox, an
    outbox): their owners add their tables with ``Store.add_schema``.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def load_session(self, key: str) -> Session:
        return _load_session(self.db, key)

    def raw_session(self, key: str) -> str | None:
        return _raw_session(self.db, key)

    def save_session(self, session: Session) -> None:
        _save_session(self.db, session)

    def log(self, key: str, entry: LogEntry) -> int:
        return _log_question(
            self.db, key, entry.text, entry.lang, entry.in_scope, entry.answered, entry.top_clause
        )


def _raw_session(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT data FROM sessions WHERE chat_id = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def session_from_raw(key: str, raw: str | None) -> Session:
    """The saved session, or a new one (also when the saved data is unreadable)."""
    if raw is None:
        return Session(chat_id=key)
    try:
        data: Any = json.loads(raw)
        return Session.from_json(data, key)
    except (ValueError, TypeError, OverflowError):  # OverflowError: int(1e999) retries
        return Session(chat_id=key)


def _load_session(db: sqlite3.Connection, key: str) -> Session:
    return session_from_raw(key, _raw_session(db, key))


def _save_session(db: sqlite3.Connection, session: Session) -> None:
    data = json.dumps(session.to_json(), ensure_ascii=False)
    db.execute(
        "INSERT INTO sessions (chat_id, data, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        (session.chat_id, data, _now()),
    )


def _log_question(
    db: sqlite3.Connection,
    chat_id: str,
    text: str,
    lang: str,
    in_scope: bool,
    answered: bool,
    top_clause: str | None,
) -> int:
    cursor = db.execute(
        "INSERT INTO questions (chat_id, text, lang, in_scope, answered, top_clause, asked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, text[:4000], lang, int(in_scope), int(answered), top_clause, _now()),
    )
    return int(cursor.lastrowid or 0)


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
    statements = 0
    try:
        lines = source.iterdump()
        while True:
            try:
                line = next(lines)
            except StopIteration:
                break
            except sqlite3.DatabaseError:
                break  # the rest is unreadable: keep what came before
            if line in ("BEGIN TRANSACTION;", "COMMIT;"):
                continue
            try:
                copy.execute(line)
                statements += 1
            except sqlite3.DatabaseError:
                continue
    except sqlite3.DatabaseError:
        pass
    finally:
        source.close()
        copy.close()
    if statements == 0:
        target.unlink(missing_ok=True)
        return "nothing"
    return "iterdump"


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


def _migrate(db: sqlite3.Connection) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        _log.warning(
            "the database is from a newer version (schema %s, this one knows %s)",
            version,
            SCHEMA_VERSION,
        )
    for step in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(_MIGRATIONS[step]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a script of simple DDL statements (no semicolons inside) for ``execute``."""
    return [part.strip() for part in script.split(";") if part.strip()]


def _unavailable(exc: sqlite3.Error) -> StoreUnavailable:
    return StoreUnavailable(f"the database could not be written: {exc}")


class Store:
    """Sessions by session key (a chat, or a chat and user in groups) and the question log,
    in one SQLite file."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        self.path = path
        self._lock = threading.Lock()
        _open_or_recover(path)
        _private_file(path)
        self._db = _connect(path)
        _migrate(self._db)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise _unavailable(exc) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise _unavailable(exc) from exc

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:  # a full disk can fail the rollback too
            _log.error("rollback failed: %s", exc)

    def migrate(self, component: str, steps: tuple[str, ...]) -> None:
        """Bring ``component``'s own tables to ``len(steps)``: step n runs once, when the file
        has version n of them (kept in ``schema_versions``)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT version FROM schema_versions WHERE component = ?", (component,)
            ).fetchone()
            version = int(row[0]) if row else 0
            for step in range(version, len(steps)):
                for statement in _statements(steps[step]):
                    db.execute(statement)
            if version < len(steps):
                db.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
                    "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                    (component, len(steps)),
                )

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads outside a transaction (under the store's lock)."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[StoreTx]:
        """One write transaction (BEGIN IMMEDIATE): everything in it lands, or nothing."""
        with self._tx() as db:
            yield StoreTx(db)

    def add_schema(self, script: str) -> None:
        """Create further tables (idempotent ``CREATE ... IF NOT EXISTS`` statements)."""
        with self._lock:
            self._db.executescript(script)

    def load_session(self, key: str) -> Session:
        """The saved session, or a new one (also when the saved data is unreadable)."""
        with self._lock:
            return _load_session(self._db, key)

    def raw_session(self, key: str) -> str | None:
        """The session as stored (JSON text), or None: to detect a change under a turn."""
        with self._lock:
            try:
                return _raw_session(self._db, key)
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc

    session_from_raw = staticmethod(session_from_raw)

    def save_session(self, session: Session) -> None:
        with self._tx() as db:
            _save_session(db, session)

    def log_question(
        self,
        chat_id: str,
        text: str,
        lang: str,
        in_scope: bool,
        answered: bool,
        top_clause: str | None,
    ) -> int:
        with self._tx() as db:
            return _log_question(db, chat_id, text, lang, in_scope, answered, top_clause)

    def questions(self, unanswered_only: bool = False, limit: int = 100) -> list[LoggedQuestion]:
        query = "SELECT id, chat_id, text, lang, in_scope, answered, top_clause, asked_at FROM questions"
        if unanswered_only:
            query += " WHERE answered = 0"
        query += " ORDER BY id DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(query, (limit,)).fetchall()
        return [
            LoggedQuestion(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6], r[7]) for r in rows
        ]
