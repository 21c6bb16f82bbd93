"""What every store sees of a database, whichever backend keeps it.

``Database.open(where, steps)`` opens a SQLite file (``where`` a path: the embedded default)
or a PostgreSQL database (``where`` a ``postgresql://`` URL): one open ``Database`` per file
or URL per process, counted, closed with its last user. Stores use only this API:

* ``transaction()`` yields a ``Connection`` for one write transaction; one opened inside
  another on the same thread joins it (the turn owner's transaction holds every write of the
  turn, whoever makes it);
* ``reading()`` yields a ``Connection`` for reads outside a transaction;
* ``migrate(component, steps)`` versions a component's own tables in ``schema_versions``;
  the steps given to ``open`` version the database's own schema;
* ``lock_session(db, key)`` makes a turn of one session wait for another one's commit.

Store SQL is SQLite's dialect with ``?`` (or ``:name``) placeholders; on PostgreSQL it is
translated (``bot.store.dialect``), so the same text runs on both. A step is SQL, or a
function of the connection (to move data).
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

Backend = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]


class Cursor(Protocol):
    """The part of a DB-API cursor that stores use (``sqlite3.Cursor`` is one)."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of a connection that stores use (``sqlite3.Connection`` is one)."""

    def execute(self, sql: str, parameters: Params = ..., /) -> Cursor: ...


Step = str | Callable[[Any], None]

COMPONENTS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
)
"""


def statements(script: str) -> list[str]:
    """Split a script of simple DDL statements (no semicolons inside) for ``execute``."""
    return [part.strip() for part in script.split(";") if part.strip()]


def run_step(db: Any, step: Step) -> None:
    """Run one migration step (SQL statements, or a function of the connection)."""
    if callable(step):
        step(db)
        return
    for statement in statements(step):
        db.execute(statement)


def migrate_component(db: Any, component: str, steps: Sequence[Step]) -> int:
    """Within the caller's transaction: run the steps of ``component`` after the version kept
    in ``schema_versions`` and record the new one; returns the version found (either backend)."""
    db.execute(COMPONENTS_TABLE)
    row = db.execute(
        "SELECT version FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    version = int(row[0]) if row else 0
    for step in steps[version:]:
        run_step(db, step)
    if version < len(steps):
        db.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
            "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
            (component, len(steps)),
        )
    return version


def tables(db: Connection) -> set[str]:
    """The names of the tables that exist in ``db``'s database (either backend)."""
    if isinstance(db, sqlite3.Connection):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return {str(r[0]) for r in db.execute(sql).fetchall()}


def for_update(db: Connection) -> str:
    """`` FOR UPDATE`` on PostgreSQL, to end a SELECT whose rows the transaction will change:
    a concurrent transaction's SELECT of them waits for the commit and then sees the change
    (SQLite needs none: ``BEGIN IMMEDIATE`` lets one writer in at a time)."""
    return "" if isinstance(db, sqlite3.Connection) else " FOR UPDATE"


def is_url(where: Path | str) -> bool:
    """Whether ``where`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


class Database(ABC):
    """One database (a SQLite file or a PostgreSQL database): see the module docstring."""

    backend: ClassVar[Backend]
    _open: ClassVar[dict[str, Database]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    # Where the database is, for messages (a URL without its password); the file for SQLite.
    name: str
    path: Path | None = None

    def __init__(self) -> None:
        self._users = 1

    @classmethod
    def open(cls, where: Path | str, steps: Sequence[Step] = ()) -> Database:
        """The process's one ``Database`` for ``where`` (opened and upgraded on first use)."""
        if is_url(where):
            key = str(where)
        else:
            from bot.store.database import private_dir

            path = Path(where)
            private_dir(path.parent)
            key = str(path.parent.resolve() / path.name)  # one key per file, whatever the spelling
        with cls._registry_lock:
            found = cls._open.get(key)
            if found is not None:
                found._users += 1
                found.upgrade(tuple(steps))
                return found
            opened = _make(where, steps)
            cls._open[key] = opened
            return opened

    def open_again(self) -> None:
        """One more user of this open database (each calls ``close`` once)."""
        with Database._registry_lock:
            self._users += 1

    def close(self) -> None:
        """Give up this use of the database; it closes with the last one."""
        with Database._registry_lock:
            self._users -= 1
            if self._users > 0:
                return
            for key, value in list(Database._open.items()):
                if value is self:
                    del Database._open[key]
        self._close()

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def upgrade(self, steps: tuple[Step, ...]) -> None:
        """Bring the database's own schema to ``len(steps)``."""

    @property
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction: everything in it lands, or nothing."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads outside a transaction."""

    @abstractmethod
    def migrate(self, component: str, steps: Sequence[Step]) -> None:
        """Bring ``component``'s own tables to ``len(steps)`` (kept in ``schema_versions``)."""

    @abstractmethod
    def lock_session(self, db: Connection, key: str) -> None:
        """Inside a transaction: wait until no other transaction holds session ``key``."""

    def versions(self) -> dict[str, int]:
        """Every component's schema version (``policybot db status``)."""
        with self.reading() as db:
            if "schema_versions" not in tables(db):
                return {}
            rows = db.execute("SELECT component, version FROM schema_versions").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def add_schema(self, script: str) -> None:
        """Create further tables (idempotent ``CREATE ... IF NOT EXISTS`` statements)."""
        with self.transaction() as db:
            run_step(db, script)


def _make(where: Path | str, steps: Sequence[Step]) -> Database:
    if is_url(where):
        from bot.store.postgres import PostgresDatabase

        return PostgresDatabase(str(where), steps)
    from bot.store.database import SqliteDatabase

    return SqliteDatabase(Path(where), steps)
