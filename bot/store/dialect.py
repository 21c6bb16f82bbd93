"""Store SQL (SQLite's dialect) as PostgreSQL runs it: the one translation, pure text.

The stores' SQL is small and plain (tables of TEXT, INTEGER and REAL, upserts, ``IN`` lists),
so a translation keeps one text for both backends instead of two copies that drift apart:

* placeholders: ``?`` becomes ``%s`` and ``:name`` becomes ``%(name)s``; a literal ``%`` is
  doubled (psycopg's placeholders);
* types: ``INTEGER PRIMARY KEY AUTOINCREMENT`` becomes ``BIGSERIAL PRIMARY KEY``, ``INTEGER``
  ``BIGINT`` (Telegram ids pass 2^31), ``REAL`` ``DOUBLE PRECISION`` (Unix times with
  fractions), ``BLOB`` ``BYTEA``;
* ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``;
* comments go (they may hold quotes); quoted strings and identifiers are left as they are.

What has no translation (``PRAGMA``, ``sqlite_master``, ``ATTACH``) stays SQLite-only code
behind ``Database.backend``; ``julianday`` and ``json_extract`` exist on PostgreSQL as
functions (``bot.store.postgres.FUNCTIONS``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_TYPES = (
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.I), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class Translated(NamedTuple):
    """A statement for psycopg, and the table it inserts into (for ``RETURNING id``)."""

    sql: str
    insert_into: str | None


def _code(part: str) -> str:
    """One stretch of SQL outside quotes and comments."""
    part = part.replace("%", "%%").replace("?", "%s")
    part = _NAMED.sub(r"%(\1)s", part)
    for pattern, replacement in _TYPES:
        part = pattern.sub(replacement, part)
    return _OR_IGNORE.sub("INSERT INTO", part)


def _split(sql: str) -> list[tuple[bool, str]]:
    """``sql`` as (is code, text) stretches: quoted strings, identifiers and comments apart."""
    parts: list[tuple[bool, str]] = []
    start = i = 0
    while i < len(sql):
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < len(sql):
                if sql[end] == char:
                    if end + 1 < len(sql) and sql[end + 1] == char:  # '' inside a string
                        end += 2
                        continue
                    break
                end += 1
            parts.append((True, sql[start:i]))
            parts.append((False, sql[i : end + 1]))
            start = i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            parts.append((True, sql[start:i]))
            start = i = end  # the comment is dropped
        else:
            i += 1
    parts.append((True, sql[start:]))
    return parts


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> Translated:
    """``sql`` (SQLite's dialect, ``?`` or ``:name`` placeholders) as PostgreSQL runs it."""
    text = "".join(_code(part) if code else part for code, part in _split(sql))
    if _OR_IGNORE.search(sql):
        text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    found = _INSERT_INTO.match(sql)
    return Translated(text, found.group(1).lower() if found else None)
