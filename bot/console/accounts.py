"""Staff accounts, login sessions, internal notes and the audit log of the web console.

Kept in their own SQLite file (``<data_dir>/console.sqlite3``) opened with the project's
``Store`` machinery (private file modes, recovery of a damaged file, versioned migrations of
the ``console`` component), apart from conversations and the staff desk's data; with
``POLICYBOT_DATABASE_URL`` their tables are in that PostgreSQL database, beside the others.

- Passwords are hashed with Argon2id (``argon2-cffi``); a hash made with older parameters is
  re-hashed at the next successful login.
- A session cookie carries a random token; only its SHA-256 is stored, with the session's
  CSRF token, its language and its expiry.
- ``LOCKOUT_FAILURES`` wrong passwords in a row lock the account for ``lockout_minutes``.
- The audit log records who did what to which ticket, curated answer or document: ids and
  actions, never a user's words.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.store import Store

Role = Literal["staff", "admin"]
ROLES: tuple[Role, ...] = ("staff", "admin")
CONSOLE_DB = "console.sqlite3"
NAME = re.compile(r"^[\w.@-]{2,40}$")
MIN_PASSWORD = 10

STEPS: tuple[str, ...] = (
    """
CREATE TABLE console_staff (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES console_staff(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    lang TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE console_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT ''
);
CREATE TABLE console_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX console_notes_ticket ON console_notes (ticket_id);
CREATE TABLE console_sent (
    nonce TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    at TEXT NOT NULL
);
""",
)


class AccountError(ValueError):
    """A name, role or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Account:
    name: str
    role: Role

    @property
    def admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class LoginSession:
    account: Account
    csrf: str
    lang: str


@dataclass(frozen=True)
class Note:
    author: str
    text: str
    at: str


@dataclass(frozen=True)
class AuditRow:
    at: str
    who: str
    action: str
    target: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The console's own tables, over one ``Store``."""

    def __init__(
        self,
        path: Path | str,
        *,
        session_hours: float = 12.0,
        lockout_failures: int = 5,
        lockout_minutes: float = 15.0,
    ) -> None:
        self.store = Store(path)
        self.store.migrate("console", STEPS)
        self.session_hours = session_hours
        self.lockout_failures = lockout_failures
        self.lockout_minutes = lockout_minutes
        self._hasher = PasswordHasher()

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------------- accounts

    def add(self, name: str, role: str, password: str, now: datetime) -> Account:
        """A new account, or a new password and role for an existing one."""
        if not NAME.match(name):
            raise AccountError("a name is 2-40 letters, digits or . _ @ -")
        if role not in ROLES:
            raise AccountError("the role is staff or admin")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
        hashed = self._hasher.hash(password)
        with self.store.transaction() as tx:
            tx.db.execute(
                "INSERT INTO console_staff (name, role, password, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                "password = excluded.password, failures = 0, locked_until = NULL",
                (name, role, hashed, _iso(now)),
            )
            tx.db.execute("DELETE FROM console_sessions WHERE name = ?", (name,))
        return Account(name, role)

    def accounts(self) -> list[Account]:
        with self.store.reading() as db:
            rows = db.execute("SELECT name, role FROM console_staff ORDER BY name").fetchall()
        return [Account(r[0], r[1]) for r in rows]

    def login(self, name: str, password: str, now: datetime) -> Account | None:
        """The account when the password is right and it is not locked; a wrong password
        counts towards the lockout. None says nothing about which of the two was wrong."""
        with self.store.reading() as db:
            row = db.execute(
                "SELECT role, password, failures, locked_until FROM console_staff WHERE name = ?",
                (name,),
            ).fetchone()
        if row is None:
            self._hasher.hash(password)  # the same time spent as for a real account
            return None
        role, hashed, failures, locked_until = row
        if locked_until and datetime.fromisoformat(locked_until) > now:
            return None
        try:
            self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            failures += 1
            lock = (
                _iso(now + timedelta(minutes=self.lockout_minutes))
                if failures >= self.lockout_failures
                else None
            )
            with self.store.transaction() as tx:
                tx.db.execute(
                    "UPDATE console_staff SET failures = ?, locked_until = ? WHERE name = ?",
                    (0 if lock else failures, lock, name),
                )
            if lock:
                self.audit(name, "locked", "", now)
            return None
        rehash = self._hasher.check_needs_rehash(hashed)
        with self.store.transaction() as tx:
            tx.db.execute(
                "UPDATE console_staff SET failures = 0, locked_until = NULL, "
                "password = ? WHERE name = ?",
                (self._hasher.hash(password) if rehash else hashed, name),
            )
        return Account(name, role)

    def locked(self, name: str, now: datetime) -> bool:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT locked_until FROM console_staff WHERE name = ?", (name,)
            ).fetchone()
        return bool(row and row[0] and datetime.fromisoformat(row[0]) > now)

    # ------------------------------------------------------------------------- sessions

    def open_session(self, account: Account, lang: str, now: datetime) -> str:
        """A new login session; the token for the cookie (only its digest is stored)."""
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=self.session_hours)
        with self.store.transaction() as tx:
            tx.db.execute("DELETE FROM console_sessions WHERE expires_at < ?", (_iso(now),))
            tx.db.execute(
                "INSERT INTO console_sessions (token_hash, name, csrf, lang, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (_digest(token), account.name, secrets.token_urlsafe(24), lang, _iso(expires)),
            )
        return token

    def session(self, token: str, now: datetime) -> LoginSession | None:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT s.name, a.role, s.csrf, s.lang, s.expires_at FROM console_sessions s "
                "JOIN console_staff a ON a.name = s.name WHERE s.token_hash = ?",
                (_digest(token),),
            ).fetchone()
        if row is None or datetime.fromisoformat(row[4]) <= now:
            return None
        return LoginSession(Account(row[0], row[1]), row[2], row[3])

    def set_lang(self, token: str, lang: str) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(
                "UPDATE console_sessions SET lang = ? WHERE token_hash = ?", (lang, _digest(token))
            )

    def close_session(self, token: str) -> None:
        with self.store.transaction() as tx:
            tx.db.execute("DELETE FROM console_sessions WHERE token_hash = ?", (_digest(token),))

    # --------------------------------------------------------------------- audit, notes

    def audit(self, who: str, action: str, target: str, now: datetime) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(
                "INSERT INTO console_audit (at, who, action, target) VALUES (?, ?, ?, ?)",
                (_iso(now), who, action, target),
            )

    def audit_log(self, limit: int = 200) -> list[AuditRow]:
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT at, who, action, target FROM console_audit ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [AuditRow(*r) for r in rows]

    def add_note(self, ticket_id: int, author: str, text: str, now: datetime) -> None:
        with self.store.transaction() as tx:
            tx.db.execute(
                "INSERT INTO console_notes (ticket_id, author, text, at) VALUES (?, ?, ?, ?)",
                (ticket_id, author, text, _iso(now)),
            )

    def notes(self, ticket_id: int) -> list[Note]:
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT author, text, at FROM console_notes WHERE ticket_id = ? ORDER BY id",
                (ticket_id,),
            ).fetchall()
        return [Note(*r) for r in rows]

    def forget_tickets(self, keep: set[int]) -> int:
        """Delete the notes of tickets that no longer exist (``/forget``, retention)."""
        with self.store.transaction() as tx:
            ids = [r[0] for r in tx.db.execute("SELECT DISTINCT ticket_id FROM console_notes")]
            gone = [i for i in ids if i not in keep]
            for ticket_id in gone:
                tx.db.execute("DELETE FROM console_notes WHERE ticket_id = ?", (ticket_id,))
                tx.db.execute("DELETE FROM console_sent WHERE ticket_id = ?", (ticket_id,))
        return len(gone)

    def first_send(self, nonce: str, ticket_id: int, now: datetime) -> bool:
        """True the first time a reply form (its nonce) is sent; False for a resubmission."""
        with self.store.transaction() as tx:
            cursor = tx.db.execute(
                "INSERT OR IGNORE INTO console_sent (nonce, ticket_id, at) VALUES (?, ?, ?)",
                (nonce, ticket_id, _iso(now)),
            )
            return cursor.rowcount == 1
