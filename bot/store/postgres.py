"""The PostgreSQL backend of the store machinery (``POLICYBOT_DATABASE_URL=postgresql://…``).

psycopg 3 with its connection pool (``psycopg_pool``): the stores' SQL is plain text with
placeholders, so a driver that runs it (translated once by ``bot.store.dialect``) serves
them better than a query builder would; the pool gives each thread its own connection, so
several turns of one worker, and several workers, write at once.

* Transactions: ``transaction()`` takes a connection for the thread and issues ``BEGIN``;
  one opened inside it on the same thread joins it, as with SQLite. ``reading()`` uses the
  thread's transaction when there is one, else a pooled connection in autocommit.
* Types: integers, floats and booleans are sent as untyped literals, so PostgreSQL reads them
  as the column they meet (a chat id compared with a TEXT column, 1 as a flag), as SQLite
  does; ``numeric`` results (a SUM of integers) come back as int or float, never Decimal.
* Migrations: the same numbered steps as SQLite, in ``schema_versions`` (the database's own
  steps as the component ``store``), under an advisory lock so that workers starting
  together run each step once.
* Errors: a database that cannot be reached or refuses the password at start raises
  ``StoreUnavailable`` with one clear line; one that goes away while serving raises it too
  (the pool checks a connection before lending it, so the next turn finds the database back).
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import StoreUnavailable
from bot.store.base import Connection, Database, Params, Step, migrate_component
from bot.store.dialect import to_postgres

_log = logging.getLogger(__name__)

POOL_SIZE: Final = 8  # connections per process (PostgreSQL allows 100 by default)
CONNECT_TIMEOUT_S: Final = 5
# How long a turn waits for a pooled connection (a database that is down: then "store
# unavailable" and the answer from memory, well within WeChat's 5 s).
POOL_WAIT_S: Final = 2.5
_MIGRATIONS_LOCK: Final = 0x706F6C6963790001  # pg_advisory_xact_lock key of migrations
_SESSION_LOCKS: Final = 1  # namespace of the per-session advisory locks
# A server that went away, a connection that broke: "the store is unavailable" (a bug in SQL,
# a constraint violated, propagate as they are).
_GONE = (psycopg.OperationalError, psycopg.InterfaceError)

# SQLite's functions that store SQL uses, for PostgreSQL (no semicolon inside a statement);
# SUM of a comparison counts the rows where it holds (statistics: ``SUM(feedback = 1)``).
FUNCTIONS: tuple[Step, ...] = (
    """
CREATE OR REPLACE FUNCTION julianday(moment TEXT) RETURNS DOUBLE PRECISION
    LANGUAGE sql STABLE STRICT
    AS $$ SELECT extract(epoch FROM moment::timestamptz) / 86400.0 + 2440587.5 $$;
CREATE OR REPLACE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT (doc::jsonb) #>> string_to_array(substr(path, 3), '.') $$;
CREATE OR REPLACE FUNCTION policybot_count_true(total BIGINT, holds BOOLEAN) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT total + coalesce(holds::int, 0) $$;
CREATE OR REPLACE AGGREGATE sum(BOOLEAN) (
    SFUNC = policybot_count_true, STYPE = BIGINT, INITCOND = '0'
)
""",
)


class _Untyped(Dumper):
    """A Python number as an untyped literal: PostgreSQL gives it the type of its context."""

    oid = 0
    format = Format.TEXT

    def dump(self, obj: Any) -> bytes:
        if isinstance(obj, bool):
            return b"1" if obj else b"0"
        return repr(obj).encode() if isinstance(obj, float) else str(obj).encode()


class _Number(Loader):
    """``numeric`` as int when whole, else float (SQLite's SUM gives int)."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


def _configure(conn: psycopg.Connection[Any]) -> None:
    for kind in (int, float, bool):
        conn.adapters.register_dumper(kind, _Untyped)
    conn.adapters.register_loader("numeric", _Number)


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PgCursor:
    """A psycopg cursor as stores use it (``lastrowid`` from ``RETURNING id``)."""

    def __init__(self, cursor: psycopg.Cursor[Any], returning: bool) -> None:
        self._cursor = cursor
        self.lastrowid: int | None = None
        if returning:
            row = cursor.fetchone()
            self.lastrowid = None if row is None else int(row[0])

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def _rows(self) -> bool:
        return self._cursor.description is not None and self.lastrowid is None

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._rows() else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._rows() else []

    def fetchmany(self, size: int = 1, /) -> list[Any]:
        return self._cursor.fetchmany(size) if self._rows() else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """One pooled connection as stores use it: SQLite-dialect SQL, translated."""

    def __init__(self, conn: psycopg.Connection[Any], database: PostgresDatabase) -> None:
        self.conn = conn
        self._database = database

    def execute(self, sql: str, parameters: Params = (), /) -> PgCursor:
        translated = to_postgres(sql)
        text = translated.sql
        returning = translated.insert_into is not None and self._database.has_serial_id(
            self.conn, translated.insert_into
        )
        if returning:
            text += " RETURNING id"
        params: Any = dict(parameters) if isinstance(parameters, Mapping) else tuple(parameters)
        return PgCursor(self.conn.execute(text, params), returning)


class PostgresDatabase(Database):
    """One PostgreSQL database: a pool, its transactions and schema versions."""

    backend = "postgresql"

    def __init__(self, url: str, steps: Sequence[Step] = ()) -> None:
        super().__init__()
        self.url = url
        self.name = redact(url)
        self._check(url)
        self._local = threading.local()
        self._serial: dict[str, bool] = {}
        self._serial_lock = threading.Lock()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            check=ConnectionPool.check_connection,
            name="policybot",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
        except (PoolTimeout, psycopg.Error) as exc:
            self.pool.close()
            raise StoreUnavailable(
                f"cannot open the database {self.name}: {_first_line(exc)}"
            ) from None
        self.migrate("postgresql", FUNCTIONS)
        self.upgrade(tuple(steps))

    def _check(self, url: str) -> None:
        """One connection now, so a wrong URL or password is one clear line at start."""
        try:
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except (psycopg.Error, ValueError) as exc:
            raise StoreUnavailable(
                f"cannot open the database {self.name}: {_first_line(exc)}"
            ) from None

    def _close(self) -> None:
        self.pool.close()

    def has_serial_id(self, conn: psycopg.Connection[Any], table: str) -> bool:
        """Whether ``table`` numbers its rows (``id BIGSERIAL``): an insert returns it."""
        with self._serial_lock:
            known = self._serial.get(table)
        if known is not None:
            return known
        row = conn.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND column_name = 'id'",
            (table,),
        ).fetchone()
        serial = row is not None and str(row[0] or "").startswith("nextval")
        with self._serial_lock:
            self._serial[table] = serial
        return serial

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"the database {self.name} is unavailable: {_first_line(exc)}")

    def _take(self) -> psycopg.Connection[Any]:
        try:
            return self.pool.getconn(timeout=POOL_WAIT_S)
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise self._unavailable(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction; inside another of this thread it joins that one."""
        current: PgConnection | None = getattr(self._local, "tx", None)
        if current is not None:
            yield current
            return
        conn = self._take()
        wrapper = PgConnection(conn, self)
        try:
            conn.execute("BEGIN")
            self._local.tx = wrapper
            try:
                yield wrapper
            finally:
                self._local.tx = None
            conn.execute("COMMIT")
        except _GONE as exc:
            self._rollback(conn)
            raise self._unavailable(exc) from exc
        except BaseException:
            self._rollback(conn)
            raise
        finally:
            self.pool.putconn(conn)

    @staticmethod
    def _rollback(conn: psycopg.Connection[Any]) -> None:
        try:
            if not conn.closed:
                conn.execute("ROLLBACK")
        except psycopg.Error as exc:  # a connection that went away cannot roll back
            _log.warning("rollback failed: %s", _first_line(exc))

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The thread's transaction, or a pooled connection in autocommit, for reads."""
        current: PgConnection | None = getattr(self._local, "tx", None)
        if current is not None:
            yield current
            return
        conn = self._take()
        try:
            yield PgConnection(conn, self)
        except _GONE as exc:
            raise self._unavailable(exc) from exc
        finally:
            self.pool.putconn(conn)

    def migrate(self, component: str, steps: Sequence[Step]) -> None:
        """Bring ``component``'s tables to ``len(steps)``; one worker at a time."""
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATIONS_LOCK,))
            version = migrate_component(db, component, steps)
            if version > len(steps):
                _log.warning(
                    "%s of %s is from a newer version (schema %s, this one knows %s)",
                    component,
                    self.name,
                    version,
                    len(steps),
                )
        with self._serial_lock:
            self._serial.clear()  # a step may have created or changed a table

    def upgrade(self, steps: tuple[Step, ...]) -> None:
        if steps:
            self.migrate("store", steps)

    @property
    def schema_version(self) -> int:
        return self.versions().get("store", 0)

    def lock_session(self, db: Connection, key: str) -> None:
        """A transaction-scoped advisory lock on the session: released at commit."""
        db.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_SESSION_LOCKS, key))
