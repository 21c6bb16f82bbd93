"""Several workers, one state (issue 19): three `wechat` worker processes on one PostgreSQL
database behind a round-robin front, a fake WeChat sending 200 chats x 5 messages of an
eligibility walk-through whose turns land on different workers, one worker killed with
``kill -9`` in the middle: no message lost, none answered twice, every chat in order. And
Telegram's long polling: one poller through the lease, a standby takes over within 10 s.

The workers are the real channels over fake services (``tests/worker.py``): what is tested
is the shared state, not the embedding model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import TODAY
from fakes.telegram_api import FakeTelegram
from fakes.wechat import FakeWeChatAPI, WeChatPush
from multiworker import Front, Worker, base_env
from pg import free_port

pytestmark = pytest.mark.slow

APP_ID, SECRET, TOKEN = "wxmultiworker01", "multi-secret", "multitoken"
TG_TOKEN = "654321:MULTI-worker-token_0123456789abcdef"
CHATS, WORKERS = 200, 3
WALK = (("event", "check"), ("text", "1"), ("text", "1"), ("text", "1,3"), ("text", "都没有"))


def marks_of(replies: list[str]) -> list[str]:
    """What identifies each reply in a stream of them: its first line of text that no other
    reply has (menu links left out: they repeat)."""
    lines = [[ln.strip() for ln in r.splitlines() if len(ln.strip()) > 5 and "<a " not in ln]
             for r in replies]  # fmt: skip
    return [
        next(ln for ln in own if not any(ln in other for j, other in enumerate(replies) if j != i))
        for i, own in enumerate(lines)
    ]


@pytest.fixture()
def database(pg_server: Any) -> Iterator[str]:
    url = pg_server.fresh_database("workers")
    yield url
    pg_server.drop(url)


@pytest.fixture()
def wechat_workers(
    database: str, tmp_path: Path, guard_path: Path
) -> Iterator[tuple[list[Worker], Front, FakeWeChatAPI]]:
    with FakeWeChatAPI(APP_ID, SECRET) as api:
        workers, urls = [], []
        for n in range(WORKERS):
            port = free_port()
            env = base_env(guard_path)
            env.update(
                POLICYBOT_DATABASE_URL=database,
                POLICYBOT_DATA_DIR=str(tmp_path / f"w{n}"),
                POLICYBOT_WECHAT_APP_ID=APP_ID,
                POLICYBOT_WECHAT_APP_SECRET=SECRET,
                POLICYBOT_WECHAT_TOKEN=TOKEN,  # plaintext mode: the front sees the sender
                POLICYBOT_WECHAT_API_URL=api.url,
                POLICYBOT_WECHAT_PORT=str(port),
                POLICYBOT_WECHAT_CUSTOMER_SERVICE="on",
            )
            workers.append(Worker("wechat", env, tmp_path / f"w{n}.log", TODAY.isoformat()))
            urls.append(f"http://127.0.0.1:{port}")
        for worker in workers:
            worker.start()
        try:
            for worker, url in zip(workers, urls, strict=True):
                worker.wait_listening(url + "/wechat")
            with Front(urls) as front:
                yield workers, front, api
        finally:
            for worker in workers:
                worker.stop()


RETRIED: list[str] = []  # messages WeChat had to send again (the killed worker had them)


def walk(wx: WeChatPush, api: FakeWeChatAPI, openid: str) -> list[tuple[float, str]]:
    """One user's walk-through, each message once WeChat has the answer to the last (the
    passive answer, or a customer-service message when the answer missed the 5 s)."""
    got: list[tuple[float, str]] = []
    for kind, value in WALK:
        answer = wx.event(openid, "CLICK", value) if kind == "event" else wx.text(openid, value)
        assert answer.status == 200, (openid, answer)
        if answer.attempts > 1:
            RETRIED.append(openid)
        if answer.text:
            got.append((time.time(), answer.text))
        else:
            api.wait_sent(openid, len(api.sent_to(openid)) + 1, timeout=60)
    return got


def orphan_taken_over(wx: WeChatPush, database: str, workers: list[Worker]) -> None:
    """A message a worker stored and died on (its turn never committed): WeChat's retry
    reaches another worker, which takes the turn over once the message is stale."""
    xml, msg_id = wx.xml("o-orphan", "text", Content="嘉定区直播企业营收首次超过3亿元奖励多少？")
    taken = time.time() - 3.0  # the dead worker took it 3 s ago: 1 s before it is stale
    with psycopg.connect(database) as db:
        db.execute(
            "INSERT INTO channel_inbox (channel, key, chat, payload, received_at, taken_at) "
            "VALUES ('wechat', %s, 'wx:o-orphan', '{}', %s, %s)",
            (f"m{msg_id}", taken, taken),
        )
    answer = wx.post(xml)
    assert answer.status == 200 and "3亿" in answer.text, answer
    with psycopg.connect(database) as db:
        asked = db.execute("SELECT COUNT(*) FROM qa_log WHERE chat_id = 'wx:o-orphan'").fetchone()
    assert asked == (1,)
    logs = "".join(w.tail(10**6) for w in workers)
    assert logs.count("left it unfinished; run here") == 1


def turns_in_order_across_workers(wx: WeChatPush, database: str) -> None:
    """A user's second message reaches a worker while the first is still being answered by
    another one (which then dies): the second waits, the first is taken over and answered
    first, then the second."""
    first, first_id = wx.xml("o-order", "text", Content="嘉定区直播企业营收首次超过3亿元奖励多少？")
    second, _ = wx.xml("o-order", "text", Content="上海直播经济三年行动计划什么时候到期？")
    taken = time.time() - 1.0  # another worker took the first message a second ago
    with psycopg.connect(database) as db:
        db.execute(
            "INSERT INTO channel_inbox (channel, key, chat, payload, received_at, taken_at) "
            "VALUES ('wechat', %s, 'wx:o-order', '{}', %s, %s)",
            (f"m{first_id}", taken, taken),
        )
    with ThreadPoolExecutor(2) as pool:
        later = pool.submit(wx.post, second)
        time.sleep(1.0)
        assert not later.done(), "the second message did not wait for the first"
        pool.submit(wx.post, first).result()  # WeChat's retry of the first, elsewhere
        later.result()
    with psycopg.connect(database) as db:
        asked = db.execute(
            "SELECT question FROM qa_log WHERE chat_id = 'wx:o-order' ORDER BY id"
        ).fetchall()
    assert [q[:4] for (q,) in asked] == ["嘉定区直", "上海直播"], asked


def test_three_workers_200_chats_one_killed_nothing_lost_or_doubled(
    wechat_workers: tuple[list[Worker], Front, FakeWeChatAPI], database: str
) -> None:
    workers, front, api = wechat_workers
    wx = WeChatPush(front.url + "/wechat", TOKEN, None, APP_ID)
    orphan_taken_over(wx, database, workers)
    turns_in_order_across_workers(wx, database)
    reference = [text for _, text in walk(wx, api, "o-reference")]
    marks = marks_of(reference)
    assert len(reference) == len(WALK) and len(set(marks)) == len(WALK), reference
    done = [0]
    progress = threading.Lock()
    killed = threading.Event()

    def user(n: int) -> list[tuple[float, str]]:
        got = walk(wx, api, f"o-user-{n}")
        with progress:
            done[0] += 1
        return got

    def killer() -> None:
        while done[0] < CHATS * 2 // 5:
            time.sleep(0.05)
        workers[1].kill9()  # in the middle of the load: requests in flight there
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    started = time.monotonic()
    with ThreadPoolExecutor(24) as pool:
        answers = dict(zip(range(CHATS), pool.map(user, range(CHATS)), strict=True))
    elapsed = time.monotonic() - started
    assert killed.is_set()
    for n, passive in answers.items():
        openid = f"o-user-{n}"
        stream = "\n".join(t for _, t in sorted(passive + api.sent_at(openid)))
        assert [stream.count(m) for m in marks] == [1] * len(WALK), (openid, stream)
        positions = [stream.index(m) for m in marks]
        assert positions == sorted(positions), (openid, stream)
    served: dict[str, set[int]] = {}
    for sender, index in front.served:
        served.setdefault(sender, set()).add(index)
    on_several = sum(len(served.get(f"o-user-{n}", ())) > 1 for n in range(CHATS))
    assert on_several >= CHATS * 9 // 10, f"only {on_several} chats met more than one worker"
    taken_over = sum(w.tail(10**7).count("left it unfinished; run here") for w in workers)
    with psycopg.connect(database) as db:
        unfinished = db.execute(
            "SELECT COUNT(*) FROM channel_inbox WHERE done_at IS NULL"
        ).fetchone()
        stored = db.execute("SELECT COUNT(*) FROM channel_inbox").fetchone()
        undelivered = db.execute("SELECT COUNT(*) FROM channel_undelivered").fetchone()
    assert unfinished == (0,) and stored == ((CHATS + 1) * len(WALK) + 3,) and undelivered == (0,)
    print(f"\n{CHATS * len(WALK)} messages through {WORKERS} workers in {elapsed:.1f} s; "
          f"{on_several} chats on several workers; {len(RETRIED)} messages sent again, "
          f"{taken_over} turns taken over")  # fmt: skip


# ----------------------------------------------------------------- Telegram's polling lease


def holder(database: str) -> str | None:
    with psycopg.connect(database) as db:
        if db.execute("SELECT to_regclass('leases')").fetchone() == (None,):
            return None  # no worker has started polling yet
        row = db.execute(
            "SELECT holder FROM leases WHERE name LIKE 'telegram.poll:%%' AND until >= %s",
            (time.time(),),
        ).fetchone()
    return None if row is None else str(row[0])


def test_the_polling_lease_moves_to_a_standby_within_10_s(
    database: str, tmp_path: Path, guard_path: Path
) -> None:
    with FakeTelegram(token=TG_TOKEN) as tg:
        workers = []
        for n in range(2):
            env = base_env(guard_path)
            env.update(
                POLICYBOT_DATABASE_URL=database,
                POLICYBOT_DATA_DIR=str(tmp_path / f"t{n}"),
                POLICYBOT_TELEGRAM_TOKEN=TG_TOKEN,
                POLICYBOT_TELEGRAM_API_URL=tg.base_url,
                PTB_TIMEDELTA="true",
            )
            workers.append(Worker("telegram", env, tmp_path / f"t{n}.log", TODAY.isoformat()))
        try:
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 90
            while holder(database) is None:
                assert time.monotonic() < deadline, [w.tail() for w in workers]
                time.sleep(0.2)
            first = holder(database)
            assert first is not None
            tg.push_text(880_001, "/about")
            tg.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=60)
            poller = next(w for w in workers if w.proc and f":{w.proc.pid}:" in first)
            standby = next(w for w in workers if w is not poller)
            assert standby.proc is not None
            poller.kill9()
            killed = time.monotonic()
            while (now := holder(database)) is None or now == first:
                assert time.monotonic() - killed < 10.0, standby.tail()
                time.sleep(0.1)
            moved = time.monotonic() - killed
            assert f":{standby.proc.pid}:" in now
            answered = len(tg.sent_messages(880_002))
            tg.push_text(880_002, "/about")
            deadline = time.monotonic() + 30
            while len(tg.sent_messages(880_002)) == answered:
                assert time.monotonic() < deadline, standby.tail()
                time.sleep(0.1)
            print(f"\nthe polling lease moved in {moved:.1f} s")
        finally:
            for worker in workers:
                worker.stop()
