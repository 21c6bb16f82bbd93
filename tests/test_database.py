"""The database URL: store SQL on PostgreSQL, `policybot db status|upgrade`, and a database
that is wrong, refuses the password, is down or goes away (a real server: ``tests/pg.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import psycopg
import pytest

from bot.domain import Session
from bot.errors import StoreUnavailable
from bot.store import Store
from bot.store.conversations import STEPS
from bot.store.dialect import to_postgres

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the dialect translation


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("DELETE FROM t WHERE k = :key AND :private = 1",
         "DELETE FROM t WHERE k = %(key)s AND %(private)s = 1"),
        ("SELECT 'a?b:c %' FROM t WHERE x LIKE ?", "SELECT 'a?b:c %' FROM t WHERE x LIKE %s"),
        ("SELECT x::text, 5 % 2 FROM t", "SELECT x::text, 5 %% 2 FROM t"),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, at REAL) -- it's",
         "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT, at DOUBLE PRECISION) "),
        ("INSERT OR IGNORE INTO t (a) VALUES (?)",
         "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"),
        ("SELECT 'it''s ?' FROM t", "SELECT 'it''s ?' FROM t"),
    ],
)  # fmt: skip
def test_store_sql_as_postgresql_runs_it(sqlite: str, postgres: str) -> None:
    assert to_postgres(sqlite).sql == postgres


def test_an_insert_names_its_table() -> None:
    assert to_postgres("INSERT INTO qa_log (a) VALUES (?)").insert_into == "qa_log"
    assert to_postgres("  INSERT OR IGNORE INTO Jsonl_Chats (a) VALUES (?)").insert_into == (
        "jsonl_chats"
    )
    assert to_postgres("UPDATE t SET a = ?").insert_into is None


# ------------------------------------------------------------------- on a real PostgreSQL


def test_types_behave_as_on_sqlite(pg_server) -> None:
    """Numbers meet TEXT columns, flags are 0/1, a SUM is an int, ids come back."""
    url = pg_server.fresh_database()
    store = Store(url)
    try:
        ids = [store.log_question("-1001234567890", f"q{i}", "zh", i % 2 == 0, True, None)
               for i in range(3)]  # fmt: skip
        assert ids == [1, 2, 3]
        with store.reading() as db:
            total = db.execute("SELECT SUM(in_scope) FROM qa_log").fetchone()[0]
            found = db.execute(
                "SELECT COUNT(*) FROM qa_log WHERE chat_id = ?", (-1001234567890,)
            ).fetchone()[0]
            minutes = db.execute(
                "SELECT (julianday('2026-11-20T03:00:00+00:00') - "
                "julianday('2026-11-20T02:30:00+00:00')) * 1440.0"
            ).fetchone()[0]
        assert (total, type(total), found) == (2, int, 3)
        assert minutes == pytest.approx(30.0)
    finally:
        store.close()
        pg_server.drop(url)


def test_workers_starting_together_run_each_migration_once(pg_server) -> None:
    from bot.store.postgres import PostgresDatabase

    url = pg_server.fresh_database()
    errors: list[BaseException] = []
    opened: list[PostgresDatabase] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        try:
            start.wait()
            opened.append(PostgresDatabase(url, STEPS))
        except BaseException as exc:  # collected: a thread's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not errors, errors
        assert opened[0].versions() == {"postgresql": 1, "store": len(STEPS)}
    finally:
        for database in opened:
            database.close()
        pg_server.drop(url)


def test_a_database_that_goes_away_is_unavailable_and_comes_back(pg_server) -> None:
    url = pg_server.fresh_database()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    store = Store(url)
    try:
        store.save_session(Session(chat_id="1", lang="en"))
        with psycopg.connect(pg_server.url, autocommit=True) as admin:  # a server restart
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        assert store.load_session("1") == Session(chat_id="1", lang="en"), "reconnected"
        pg_server.drop(url)  # the database is gone for good
        with pytest.raises(StoreUnavailable, match="unavailable"):
            store.save_session(Session(chat_id="2"))
    finally:
        store.close()


# ------------------------------------------------------------------------ policybot db


def policybot(*args: str, url: str | None, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    if url is not None:
        env["POLICYBOT_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip


def test_db_upgrade_and_status_on_both_backends(db_location: Path | str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    url = db_location if isinstance(db_location, str) else None
    env = {"POLICYBOT_DATABASE_URL": url} if url else {}
    runner = CliRunner()
    before = runner.invoke(app, ["db", "status", "--data-dir", str(tmp_path)], env=env)
    assert before.exit_code == 0, before.output
    assert "channels.durable     0 / 3   3 step(s) to run" in before.output
    done = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)], env=env)
    assert done.exit_code == 0 and "every component is up to date" in done.output, done.output
    after = runner.invoke(app, ["db", "status", "--data-dir", str(tmp_path)], env=env)
    lines = after.output.splitlines()[1:]
    assert len(lines) == 9 and all(line.endswith("up to date") for line in lines), after.output
    if url is not None:
        assert "***" in after.output and urllib.parse.urlsplit(url).password not in after.output


@pytest.mark.parametrize("problem", ["wrong password", "nobody listening", "not a URL"])
def test_a_bad_database_is_one_clear_line_and_exit_2(
    pg_server, tmp_path: Path, problem: str
) -> None:
    parts = urllib.parse.urlsplit(pg_server.url)
    url = {
        "wrong password": parts._replace(netloc=f"postgres:wrong@{parts.hostname}:{parts.port}"),
        "nobody listening": parts._replace(netloc=f"postgres:x@127.0.0.1:{_closed_port()}"),
        "not a URL": None,
    }[problem]
    given = urllib.parse.urlunsplit(url) if url is not None else "mysql://root@db/policybot"
    result = policybot("db", "status", url=given, data_dir=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    expected = {
        "wrong password": "password authentication failed",
        "nobody listening": "Connection refused",
        "not a URL": "POLICYBOT_DATABASE_URL",
    }[problem]
    assert expected in errors[0]
    assert "wrong" not in errors[0].replace("wrong password", "")  # no password shown


def _closed_port() -> int:
    from pg import free_port

    return free_port()


# ------------------------------------------------------------------------------ leases


def test_a_lease_has_one_holder_and_moves_when_not_renewed(db_location: Path | str) -> None:
    import time

    from bot.store import leases
    from bot.store.base import Database

    database = Database.open(db_location)
    try:
        leases.prepare(database)
        assert leases.acquire(database, "poll", "a", ttl=0.5)
        assert not leases.acquire(database, "poll", "b", ttl=0.5), "a holds it"
        assert leases.acquire(database, "poll", "a", ttl=0.5), "a renews it"
        assert leases.holder_of(database, "poll") == "a"
        time.sleep(0.6)  # a stopped renewing (died)
        assert leases.acquire(database, "poll", "b", ttl=30.0), "b takes it over"
        assert not leases.acquire(database, "poll", "a", ttl=30.0)
        leases.release(database, "poll", "a")  # not a's to release
        assert leases.holder_of(database, "poll") == "b"
        leases.release(database, "poll", "b")
        assert leases.holder_of(database, "poll") is None
        assert leases.acquire(database, "poll", "a", ttl=30.0), "free again at once"
    finally:
        database.close()


def test_one_claim_of_a_reply_when_two_workers_race(db_location: Path | str) -> None:
    """Two requests for one message (WeChat's retry at another worker) and the chat's next
    turn all reach for the same queued reply: exactly one of them gets it."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.channels import durable

    store = Store(db_location)
    try:
        durable.prepare(store)
        for n in range(30):
            with store.transaction() as tx:
                durable.enqueue(tx.db, "wechat", f"wx:{n}", {"text": f"a{n}"}, source=f"m{n}")

        def claim(n: int) -> int:
            return len(durable.claim_source(store, "wechat", f"m{n}"))

        def take_along(n: int) -> int:
            with store.transaction() as tx:
                rows = durable.pending_for(tx.db, "wechat", f"wx:{n}")
                durable.take(tx.db, [r.id for r in rows])
            return len(rows)

        with ThreadPoolExecutor(6) as pool:
            got = [pool.submit(f, n) for n in range(30) for f in (claim, claim, take_along)]
            counts = [g.result() for g in got]
        per_message = [sum(counts[i * 3 : i * 3 + 3]) for i in range(30)]
        assert per_message == [1] * 30, per_message
    finally:
        store.close()


def test_a_message_is_done_once_whichever_worker_finishes_it(db_location: Path | str) -> None:
    from bot.channels import durable

    store = Store(db_location)
    try:
        durable.prepare(store)
        assert durable.store_message(store, "wechat", "m1", "wx:a", {"text": "hi"}) == "new"
        assert durable.take_over(store, "wechat", "m1", stale_after=60.0) == "busy"
        assert durable.take_over(store, "wechat", "m1", stale_after=0.0) == "taken"
        with store.transaction() as tx:
            assert durable.mark_done(tx.db, "wechat", "m1")
        with store.transaction() as tx:
            assert not durable.mark_done(tx.db, "wechat", "m1"), "the second worker rolls back"
        assert durable.take_over(store, "wechat", "m1", stale_after=0.0) == "done"
    finally:
        store.close()


def test_telegram_updates_a_dead_worker_left_are_taken_over_once(db_location: Path | str) -> None:
    from bot.channels import durable
    from bot.channels.telegram.updates import (
        INBOX_STEPS,
        mark_done,
        stale_updates,
        store_updates,
    )

    store = Store(db_location)
    try:
        durable.prepare(store)
        store.migrate("telegram.inbox", INBOX_STEPS)
        assert [u for u, _ in store_updates(store, [{"update_id": 7}, {"update_id": 8}])] == [7, 8]
        assert stale_updates(store, stale_after=60.0) == [], "their worker is on them"
        assert stale_updates(store, stale_after=0.0) == [
            (7, {"update_id": 7}),
            (8, {"update_id": 8}),
        ]
        assert stale_updates(store, stale_after=60.0) == [], "taken over once"
        with store.transaction() as tx:
            assert mark_done(tx.db, 7) and mark_done(tx.db, 8)
        assert stale_updates(store, stale_after=0.0) == []
    finally:
        store.close()


def test_a_message_waits_only_for_an_earlier_one_being_answered(db_location: Path | str) -> None:
    from bot.channels import durable

    store = Store(db_location)
    try:
        durable.prepare(store)
        for key in ("m1", "m2", "m3"):
            durable.store_message(store, "wechat", key, "wx:a", {"text": key})
        assert durable.earlier_unfinished(store, "wechat", "wx:a", "m3", 60.0) == "m2"
        assert durable.earlier_unfinished(store, "wechat", "wx:a", "m1", 60.0) is None
        with store.transaction() as tx:
            durable.mark_done(tx.db, "wechat", "m2")
        assert durable.earlier_unfinished(store, "wechat", "wx:a", "m3", 60.0) == "m1"
        assert durable.earlier_unfinished(store, "wechat", "wx:a", "m3", 0.0) is None, "stale"
    finally:
        store.close()
