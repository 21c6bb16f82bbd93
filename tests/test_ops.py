"""Operations: /healthz, /readyz and /metrics over real HTTP on 127.0.0.1, and JSON logs.

The whole path runs in a real ``policybot wechat`` process against the fake WeChat (a turn
moves the metrics, the log is JSON lines with the user masked); the reasons /readyz gives
(a stuck outbox, a database that does not answer) are shown on a real ops server in this
process over the session's services with a store of the test's own.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import TODAY
from fakes.wechat import FakeWeChatAPI, WeChatPush
from processes import policybot, wechat_env
from test_wechat import APP_ID, SECRET, TOKEN, free_port

from bot.channels import durable
from bot.domain import Reply
from bot.ops.logs import JsonFormatter, mask_line
from bot.ops.server import OpsServer
from bot.store import Store

OPENID = "oPs7q2xZk9LmN3bV5cX8dF1gH4jK"  # 28 characters, as WeChat's OpenIDs are


def metric(text: str, name: str, labels: str = "") -> float | None:
    """The value of one sample in the Prometheus text format (None when absent)."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.M)
    return float(found.group(1)) if found else None


@pytest.fixture(scope="module")
def wechat(
    cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, WeChatPush, Path]]:
    """`policybot wechat` (plaintext mode) with its ops port and JSON logs."""
    cwd = tmp_path_factory.mktemp("ops")
    ops_port, wechat_port = free_port(), free_port()
    with FakeWeChatAPI(APP_ID, SECRET) as api:
        env = {
            **wechat_env(cli_env, api, wechat_port, ops_port),
            "POLICYBOT_LOG_FORMAT": "json",
            "POLICYBOT_LOG_LEVEL": "INFO",
        }
        base = f"http://127.0.0.1:{ops_port}"

        def ready() -> bool:  # ready, and the message server listens (it starts just after)
            if httpx.get(f"{base}/readyz", timeout=1).status_code != 200:
                return False
            httpx.get(f"http://127.0.0.1:{wechat_port}/wechat", timeout=1)
            return True

        args = ["wechat", "--today", TODAY.isoformat()]
        with policybot(args, env, cwd, ready, timeout=90) as log:
            yield (
                base,
                WeChatPush(f"http://127.0.0.1:{wechat_port}/wechat", TOKEN, None, APP_ID),
                log,
            )


def test_health_readiness_and_a_turn_in_the_metrics(
    wechat: tuple[str, WeChatPush, Path], services: Any
) -> None:
    base, wx, _ = wechat
    health = httpx.get(f"{base}/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")
    ready = httpx.get(f"{base}/readyz")
    assert (ready.status_code, ready.text) == (200, "ready\n")
    before = httpx.get(f"{base}/metrics")
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    assert metric(before.text, "policybot_turns_total", 'outcome="ok"') == 0.0
    generation = f'generation="{services.generation}"'
    assert metric(before.text, "policybot_index_info", generation) == 1.0
    assert metric(before.text, "policybot_index_clauses") == len(services.kb.clauses)
    assert (metric(before.text, "policybot_ingest_seconds") or 0) > 0
    assert metric(before.text, "policybot_open_tickets") == 0.0

    answer = wx.text(OPENID, "嘉定区直播企业营收首次超过1亿元奖励多少？")
    assert answer.status == 200 and "亿" in answer.text
    after = httpx.get(f"{base}/metrics").text
    assert metric(after, "policybot_turns_total", 'outcome="ok"') == 1.0
    assert metric(after, "policybot_turn_seconds_count") == 1.0
    took = metric(after, "policybot_turn_seconds_sum")
    assert took is not None and 0 < took < 5
    assert metric(after, "policybot_outbox_depth", 'channel="wechat"') in (None, 0.0)
    assert httpx.get(f"{base}/nothing").status_code == 404


def test_json_logs_one_object_a_line_with_the_user_masked(
    wechat: tuple[str, WeChatPush, Path],
) -> None:
    _, wx, log = wechat
    answer = wx.text(OPENID, "我的手机13912345678，能申请人才租房补贴吗？")
    assert answer.status == 200
    assert wx.event(OPENID, "unsubscribe").status == 200  # logged with the user's OpenID
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines, "the process logged nothing at INFO"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    text = log.read_text(encoding="utf-8")
    assert OPENID not in text and "13912345678" not in text
    gone = [r["message"] for r in records if "unfollowed" in r["message"]]
    assert gone and all(OPENID[:2] + "*" * 24 + OPENID[-2:] in m for m in gone), gone


def test_the_formatter_masks_chats_users_and_numbers() -> None:
    record = logging.LogRecord(
        "bot.x",
        logging.ERROR,
        __file__,
        1,
        "reply to chat %s NOT delivered: %s",
        (12345678901, "x"),
        None,
    )
    record.chat = "-1001234567"
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "reply to chat 12*******01 NOT delivered: x"
    assert out["chat"] == "-1*******67" and out["level"] == "ERROR"
    assert (
        mask_line(f"{OPENID} unfollowed the account")
        == "oP************************jK unfollowed the account"
    )
    assert mask_line("user 424242:77 told to slow down") == "user 42*****77 told to slow down"
    assert mask_line("chat session resumed") == "chat session resumed", "words stay words"
    assert "110101199003077777" not in mask_line("身份证110101199003077777")


@pytest.fixture()
def own_store(services: Any, tmp_path: Path) -> Iterator[Any]:
    store = Store(tmp_path / "db.sqlite3")
    durable.prepare(store)
    yield dataclasses.replace(services, store=store, metrics=None)
    store.close()


def test_readyz_names_a_stuck_outbox_and_a_database_that_does_not_answer(own_store: Any) -> None:
    server = OpsServer(own_store, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        assert httpx.get(f"{base}/readyz").status_code == 200
        with own_store.store.transaction() as tx:
            durable.enqueue_reply(tx.db, "wechat", "wx:someone", Reply("稍后回复"))
        assert httpx.get(f"{base}/readyz").status_code == 200, "a reply just queued is not stuck"
        depth = metric(
            httpx.get(f"{base}/metrics").text, "policybot_outbox_depth", 'channel="wechat"'
        )
        assert depth == 1.0
        with own_store.store.transaction() as tx:
            tx.db.execute("UPDATE channel_outbox SET next_at = ?", (time.time() - 900,))
        stuck = httpx.get(f"{base}/readyz")
        assert stuck.status_code == 503
        assert re.fullmatch(r"wechat outbox stuck: a reply is 9\d\d s overdue\n", stuck.text)
        own_store.store.close()
        gone = httpx.get(f"{base}/readyz")
        assert gone.status_code == 503 and gone.text.startswith("database unreachable:")
        assert httpx.get(f"{base}/healthz").status_code == 200, "alive all the same"
    finally:
        server.stop()


def test_the_console_serves_its_ops_port_beside_its_pages(
    cli_env: dict[str, str], tmp_path: Path, services: Any
) -> None:
    ops_port, console_port = free_port(), free_port()
    env = {
        **cli_env,
        "POLICYBOT_CONSOLE_PORT": str(console_port),
        "POLICYBOT_OPS_PORT": str(ops_port),
        "POLICYBOT_LOG_FORMAT": "json",
    }
    login = f"http://127.0.0.1:{console_port}/login"
    args = ["console", "--today", TODAY.isoformat()]
    with policybot(args, env, tmp_path, lambda: httpx.get(login, timeout=1).is_success, 90) as log:
        ready = httpx.get(f"http://127.0.0.1:{ops_port}/readyz")
        assert (ready.status_code, ready.text) == (200, "ready\n")
        metrics = httpx.get(f"http://127.0.0.1:{ops_port}/metrics").text
        generation = f'generation="{services.generation}"'
        assert metric(metrics, "policybot_index_info", generation) == 1.0
    assert "Traceback" not in log.read_text(errors="replace")
