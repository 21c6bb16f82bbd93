"""The WeChat channel's pure parts and the shared durable inbox/outbox, in process: the
rendering of a turn into one message of at most 2048 bytes, typed numbers, the inbox's
repeat detection, the outbox's hand-over (once, again for a retry), and the bridge from
Telegram's outbox to a WeChat user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels import durable
from bot.channels.telegram.outbox import queue_replies
from bot.channels.wechat.render import MAX_BYTES, merge, pages, picked, size
from bot.domain import Option, Reply
from bot.store import Store

CLAUSE = "对在嘉定注册的直播和短视频企业，年主营业务收入首超1亿元、3亿元和5亿元（含）以上的，分别给予80万元、100万元和200万元的一次性奖励。"


@pytest.fixture()
def store(db_location: Path | str) -> Iterator[Store]:
    """On both backends: a SQLite file, a PostgreSQL database."""
    db = Store(db_location)
    durable.prepare(db)
    yield db
    db.close()


def payload(text: str, options: tuple[tuple[str, str], ...] = (), slot: str | None = None) -> dict:
    reply = Reply(text, tuple(Option(i, label) for i, label in options), slot=slot)
    return durable.outbox.reply_payload(reply)


def test_a_long_answer_is_cut_at_a_sentence_and_the_rest_held() -> None:
    long = "\n".join(f"第{n}条。{CLAUSE}" for n in range(1, 30))
    rendered = merge([payload(long, (("a", "是"), ("b", "否")))])
    assert size(rendered.text) <= MAX_BYTES
    body, _, choices = rendered.text.rpartition("\n\n")
    assert body.endswith("（回复“原文”看全文）")
    assert body.removesuffix("（回复“原文”看全文）").rstrip().endswith("。")
    assert "msgmenucontent=1" in choices and "1</a> 是" in choices and "2</a> 否" in choices
    assert rendered.options == ("a", "b")
    shown = body.removesuffix("（回复“原文”看全文）").rstrip()
    assert (shown + "\n" + rendered.rest).replace("\n", "") == long.replace("\n", "")
    page, rest = pages(rendered.rest, "zh")
    first = page.removesuffix("（回复“原文”看全文）").rstrip()
    assert size(page) <= MAX_BYTES and rendered.rest.startswith(first)
    assert (first + "\n" + rest).replace("\n", "") == rendered.rest.replace("\n", "")


def test_many_replies_merge_into_one_message_in_order() -> None:
    rendered = merge([payload("第一条回答。"), payload("第二条回答。", (("x", "好"),))])
    assert rendered.text.index("第一条") < rendered.text.index("第二条")
    assert rendered.rest == "" and rendered.options == ("x",)


def test_tags_in_answers_cannot_become_markup() -> None:
    rendered = merge([payload('<a href="http://evil">点我</a>')])
    assert "<a" not in rendered.text and "‹a" in rendered.text


def test_a_checklist_is_answered_by_typed_numbers_as_text() -> None:
    rendered = merge(
        [
            payload(
                "1. 甲\n2. 乙\n请回复序号（如“1,3”）。",
                (("t:1", "☐ 甲"), ("t:2", "☐ 乙")),
                slot="cl",
            )
        ]
    )
    assert "bizmsgmenu" not in rendered.text and rendered.typed_only
    assert picked("1", rendered.options, rendered.typed_only) is None


def test_typed_numbers_pick_options() -> None:
    options = ("ans:x:yes", "ans:x:no")
    assert picked(" 2 ", options, False) == "ans:x:no"
    assert picked("3", options, False) is None
    assert picked("2亿", options, False) is None
    skip_only = merge([payload("营收是多少？", (("ans:revenue:unknown", "不清楚 / 跳过"),))])
    assert skip_only.typed_only and "(不清楚 / 跳过)" in skip_only.text
    assert picked("1", skip_only.options, skip_only.typed_only) is None  # "1" is an answer


def test_inbox_knows_repeats_and_what_is_unfinished(store: Store) -> None:
    assert durable.store_message(store, "wechat", "m1", "wx:o1", {"n": 1}) == "new"
    assert durable.store_message(store, "wechat", "m1", "wx:o1", {"n": 1}) == "pending"
    assert durable.store_message(store, "telegram", "m1", "42", {"n": 2}) == "new"
    assert [k for k, _, _ in durable.unfinished(store, "wechat")] == ["m1"]
    with store.transaction() as tx:
        durable.mark_done(tx.db, "wechat", "m1")
    assert durable.store_message(store, "wechat", "m1", "wx:o1", {"n": 1}) == "done"
    assert durable.unfinished(store, "wechat") == []


def test_an_answer_is_handed_over_once_and_again_only_on_request(store: Store) -> None:
    with store.transaction() as tx:
        durable.enqueue(tx.db, "wechat", "wx:o1", {"text": "答"}, source="m1")
        durable.enqueue(tx.db, "wechat", "wx:o1", {"text": "工作人员回复"})
    assert durable.claim_source(store, "wechat", "m1") == [{"text": "答"}]
    assert durable.claim_source(store, "wechat", "m1") == []
    assert durable.claim_source(store, "wechat", "m1", again=True) == [{"text": "答"}]
    with store.transaction() as tx:
        waiting = durable.pending_for(tx.db, "wechat", "wx:o1")  # the claimed one is not
        assert [row.payload["text"] for row in waiting] == ["工作人员回复"]
        durable.take(tx.db, [row.id for row in waiting])
    assert durable.outbox.count(store, "wechat") == 0


def test_given_up_messages_are_kept(store: Store) -> None:
    with store.transaction() as tx:
        durable.enqueue(tx.db, "wechat", "wx:o2", {"text": "答"})
    (row,) = durable.outbox.due(store, "wechat")
    durable.give_up(store, row, "43004 unfollowed")
    with store.reading() as db:
        kept = db.execute("SELECT chat, error FROM channel_undelivered").fetchall()
    assert kept == [("wx:o2", "43004 unfollowed")]


def test_telegram_forwards_a_staff_answer_to_a_wechat_user(store: Store) -> None:
    with store.transaction() as tx:
        queued = queue_replies(tx.db, -100, [Reply("【工作人员回复】可以。", to="wx:o3")], None)
        assert queued == 1
        (row,) = durable.pending_for(tx.db, "wechat", "wx:o3")
    assert row.payload["text"] == "【工作人员回复】可以。" and "to" not in row.payload


def test_the_neutral_entry_point_reaches_telegram_too(store: Store) -> None:
    with store.transaction() as tx:
        assert durable.enqueue_reply(tx.db, "telegram", "123", Reply("你好")) == 1
        assert durable.enqueue_reply(tx.db, "wechat", "wx:o4", Reply("你好")) == 1
    with store.reading() as db:
        assert db.execute("SELECT chat_id, plain FROM tg_outbox").fetchall() == [(123, "你好")]


def test_telegram_updates_live_in_the_shared_inbox(store: Store) -> None:
    from bot.channels.telegram.updates import (
        INBOX_STEPS,
        last_update_id,
        mark_done,
        store_updates,
        unfinished_updates,
    )

    store.migrate("telegram.inbox", INBOX_STEPS)
    new = store_updates(store, [{"update_id": 12}, {"update_id": 10}])
    assert [u for u, _ in new] == [10, 12]
    assert store_updates(store, [{"update_id": 10}, {"update_id": 11}]) == [(11, {"update_id": 11})]
    with store.transaction() as tx:
        mark_done(tx.db, 10)
    assert [u for u, _ in unfinished_updates(store)] == [11, 12]
    assert last_update_id(store) == 12


def test_an_older_telegram_inbox_is_moved_into_the_shared_one(tmp_path: Path) -> None:
    import sqlite3

    from bot.channels.telegram.updates import INBOX_STEPS, last_update_id, unfinished_updates

    path = tmp_path / "old.sqlite3"
    old = Store(path)
    old.migrate("telegram.inbox", INBOX_STEPS[:1])  # the version before the shared inbox
    with old.transaction() as tx:
        tx.db.execute("INSERT INTO tg_inbox VALUES (7, '{\"update_id\": 7}', 1.0, NULL)")
        tx.db.execute("INSERT INTO tg_inbox VALUES (6, '{\"update_id\": 6}', 1.0, 2.0)")
    old.close()
    upgraded = Store(path)
    durable.prepare(upgraded)
    upgraded.migrate("telegram.inbox", INBOX_STEPS)
    assert unfinished_updates(upgraded) == [(7, {"update_id": 7})]
    assert last_update_id(upgraded) == 7
    upgraded.close()
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "tg_inbox" not in tables and "channel_inbox" in tables
