"""Privacy as promised: ``/forget`` and ``policybot forget CHAT`` leave nothing of the user in
any table, curated answers keep their answer but lose the user's wording, e-mail addresses are
masked with phones and IDs, and the retention reaches every table that holds user text.

One real SQLite file carries every component's schema (conversations, question log, staff
desk, Telegram inbox and outbox, JSON-lines chats, console); the conversation runs through the
real dialogue and staff desk; the Telegram and console rows are written as those components
write them. The completeness test lists every table and text column of that file and fails on
one that ``bot.store.personal`` neither covers nor explains.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels import durable
from bot.channels.jsonl import remember_chat
from bot.channels.telegram.outbox import OUTBOX_STEPS
from bot.channels.telegram.updates import INBOX_STEPS
from bot.config import Settings
from bot.console.accounts import STEPS as CONSOLE_STEPS
from bot.conversation import Conversation
from bot.domain import Incoming
from bot.staff.desk import StaffDesk
from bot.staff.hours import SHANGHAI
from bot.store import Store, leases
from bot.store.base import tables as tables_of
from bot.store.personal import HOLDINGS, NO_USER_TEXT, REWORD
from bot.text.privacy import mask
from tests.conftest import TODAY

STAFF_CHAT, STAFF = "-1001", "777"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
PHONE, EMAIL, ID_CARD = "13812345678", "zhang.san@example.com", "310101199001011234"
ASKED = f"我司绿萝文化申请直播补贴要准备哪些材料？电话{PHONE}，邮箱{EMAIL}，身份证{ID_CARD}"
# What must not survive /forget, raw or masked.
TRACES = ("绿萝文化", PHONE, mask(PHONE), EMAIL, mask(EMAIL), ID_CARD, mask(ID_CARD))


def test_mask_covers_email_with_phones_and_ids() -> None:
    masked = mask(f"邮箱{EMAIL}，Wang_Li+tag@mail.sh.gov.cn；电话 {PHONE}")
    assert EMAIL not in masked and "z***@example.com" in masked
    assert "W***@mail.sh.gov.cn" in masked and "138****5678" in masked
    assert mask("用 @ 符号和 a@b 不是邮箱") == "用 @ 符号和 a@b 不是邮箱"


@pytest.fixture()
def world(services: Any, tmp_path: Path, db_location: Path | str) -> Any:
    """Every component's tables in one database (a SQLite file, a PostgreSQL database), and
    the staff desk in front of it."""
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        staff_chat_id=int(STAFF_CHAT),
        staff_user_ids=[int(STAFF)],
        database_url=db_location if isinstance(db_location, str) else None,
    )
    store = Store(settings.db_location)
    durable.prepare(store)  # the shared inbox and outbox (WeChat's, and Telegram's inbox)
    store.migrate("telegram.inbox", INBOX_STEPS)
    store.migrate("telegram.outbox", OUTBOX_STEPS)
    store.migrate("console", CONSOLE_STEPS)
    leases.prepare(store.database)  # the polling lease (several workers)
    desk = StaffDesk.build(settings, dataclasses.replace(services, store=store))
    front = Conversation(dataclasses.replace(services, store=store), store, desk)
    yield settings, store, front
    desk.store.close()
    store.close()


def said(chat: str, text: str | None = None, choice: str | None = None) -> Incoming:
    return Incoming(chat_id=chat, user_id=chat, text=text, choice=choice,
                    kind="choice" if choice else "text")  # fmt: skip


def staff(text: str | None = None, choice: str | None = None, slot: str | None = None) -> Incoming:
    meta = {"user_name": "王老师", **({"reply_to_slot": slot} if slot else {})}
    return Incoming(chat_id=STAFF_CHAT, user_id=STAFF, text=text, choice=choice, group=True,
                    kind="choice" if choice else "text", meta=meta)  # fmt: skip


def telegram_rows(store: Store, chat: str, text: str, update_id: int, at: float) -> None:
    """What the Telegram channel keeps of one message in and one reply out."""
    update = {"update_id": update_id, "message": {"message_id": update_id, "text": text,
              "chat": {"id": int(chat), "type": "private"}, "from": {"id": int(chat)}}}  # fmt: skip
    with store.transaction() as tx:
        tx.db.execute(
            "INSERT INTO channel_inbox (channel, key, chat, payload, received_at, done_at) "
            "VALUES ('telegram', ?, '', ?, ?, ?)",
            (str(update_id), json.dumps(update, ensure_ascii=False), at, at),
        )
        tx.db.execute(
            "INSERT INTO tg_outbox (chat_id, html, plain, keyboard, created_at, next_at) "
            "VALUES (?, ?, ?, '[]', ?, ?)",
            (int(chat), f"<b>{text}</b>", f"回复：{text}", at, at),
        )
        tx.db.execute(
            "INSERT INTO tg_undelivered (chat_id, plain, error, created_at, given_up_at) "
            "VALUES (?, ?, 'blocked', ?, ?)",
            (int(chat), f"回复：{text}", at, at),
        )
        tx.db.execute("INSERT INTO tg_slots VALUES (?, 'menu', 5, ?)", (int(chat), at))


def a_user_with_a_ticket_and_a_curated_answer(store: Store, front: Conversation) -> int:
    """User 42 asks with personal data, hands off, staff answer and save it as a curated
    answer; user 43 asks too (their data must stay). The curated answer's id."""
    front.turn(said("42", ASKED), TODAY, now=NOW)
    front.turn(said("42", f"转人工 我的邮箱是{EMAIL}"), TODAY, now=NOW)
    answer = "请准备营业执照复印件和申请表，到嘉定区商务委窗口办理。"
    front.turn(staff(answer, slot="ticket:1"), TODAY, now=NOW)
    front.turn(staff(choice="faq:save:1"), TODAY, now=NOW)
    front.turn(staff(choice="faq:approve:1"), TODAY, now=NOW)
    front.turn(
        said("43", "嘉定直播企业营收首次超过1亿元奖励多少？我的电话13900001111"), TODAY, now=NOW
    )
    for chat, update in (("42", 1), ("43", 2)):
        remember_chat(store, chat)
        text = ASKED if chat == "42" else "我的电话13900001111"
        telegram_rows(store, chat, text, update, NOW.timestamp())
    with store.transaction() as tx:
        tx.db.execute(
            "INSERT INTO console_notes (ticket_id, author, text, at) VALUES (1, '王老师', ?, ?)",
            (f"已电话联系{PHONE}", NOW.isoformat()),
        )
        tx.db.execute("INSERT INTO console_sent VALUES ('n1', 1, ?)", (NOW.isoformat(),))
    return front.desk.store.faqs("approved")[0].id


def everything(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.transaction() as tx:
        return {n: tx.db.execute(f'SELECT * FROM "{n}"').fetchall() for n in tables_of(tx.db)}


def traces_of(store: Store, traces: tuple[str, ...]) -> list[str]:
    return [
        f"{table}: {value!s:.80}"
        for table, rows in everything(store).items()
        for row in rows
        for value in row
        if isinstance(value, str) and any(t in value for t in traces)
    ]


def test_forget_leaves_nothing_of_the_user_in_any_table(world: Any) -> None:
    _settings, store, front = world
    faq_id = a_user_with_a_ticket_and_a_curated_answer(store, front)
    assert traces_of(store, TRACES), "the scenario stored the user's words somewhere"
    raw = traces_of(store, (PHONE, EMAIL, ID_CARD))
    # raw only in the channel's own rows (and the staff note written so here); masked elsewhere
    assert raw and all(line.startswith(("tg_", "channel_", "console_notes")) for line in raw), raw

    (reply,) = front.turn(said("42", "/forget"), TODAY, now=NOW).replies
    assert "已删除" in reply.text
    assert traces_of(store, TRACES) == []
    tables = everything(store)
    assert not [r for r in tables["sessions"] if r[0] == "42"]
    assert not [r for r in tables["jsonl_chats"] if r[0] == "42"]
    assert not [r for r in tables["tg_outbox"] if r[1] == 42]
    assert not tables["console_notes"] and not tables["console_sent"]
    assert [r[2] for r in sorted(tables["channel_inbox"])] == ["1", "2"], "keys stay: repeats known"
    # the curated answer keeps its answer, not the user's question; it waits for rewording
    entry = front.desk.store.faq(faq_id)
    assert "营业执照" in entry.answer and entry.variants == (REWORD,)
    assert entry.status == "suggested" and entry.ticket_id is None
    # the other user's data stays
    assert traces_of(store, ("139****1111",)) and traces_of(store, ("13900001111",))


def test_policybot_forget_chat(world: Any, cli_env: dict[str, str], tmp_path: Path) -> None:
    settings, store, front = world
    a_user_with_a_ticket_and_a_curated_answer(store, front)
    env = {**cli_env, "POLICYBOT_DATA_DIR": str(settings.data_dir)}
    if isinstance(settings.db_location, str):
        env["POLICYBOT_DATABASE_URL"] = settings.db_location
    done = subprocess.run([sys.executable, "-m", "bot.cli", "forget", "42"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "removed or reworded" in done.stdout
    assert traces_of(store, TRACES) == []
    assert traces_of(store, ("13900001111",))


def test_retention_reaches_every_table_with_user_text(world: Any) -> None:
    settings, store, front = world
    a_user_with_a_ticket_and_a_curated_answer(store, front)
    front.turn(said("42", "好的，谢谢"), TODAY, now=NOW)  # resolves the answered ticket
    # far enough ahead that rows stamped with the real clock (sessions) are past it too
    removed = front.desk.store.purge(settings.log_retention_days, NOW + timedelta(days=900))
    assert removed > 0
    left = traces_of(store, (*TRACES, "13900001111", "139****1111"))
    # only the curated answer's question variant may stay (the office's), until /forget
    assert all(line.startswith("faq:") for line in left), left


def _text_columns(store: Store) -> set[str]:
    if store.database.backend == "postgresql":
        with store.reading() as db:
            rows = db.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND data_type = 'text'"
            ).fetchall()
        return {f"{table}.{column}" for table, column in rows}
    with store.transaction() as tx:
        names = [r[0] for r in tx.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            f"{name}.{col[1]}"
            for name in names
            if not name.startswith("sqlite_")
            for col in tx.db.execute(f'PRAGMA table_info("{name}")')
            if "TEXT" in str(col[2]).upper() or not col[2]
        }


def test_every_text_column_is_covered_or_explained(world: Any) -> None:
    """A new table or column that can hold text must be added to bot.store.personal: with
    its forget and retention statements, or to NO_USER_TEXT with the reason."""
    _settings, store, _front = world
    remember_chat(store, "1")
    covered = {f"{h.table}.{c}" for h in HOLDINGS for c in h.columns}
    explained = set(NO_USER_TEXT)
    unknown = [
        column
        for column in sorted(_text_columns(store))
        if column not in covered
        and column not in explained
        and f"{column.split('.')[0]}.*" not in explained
    ]
    assert unknown == [], f"text columns nobody said anything about: {unknown}"
    tables = {c.split(".")[0] for c in _text_columns(store)}
    for holding in HOLDINGS:
        assert holding.table in tables, f"{holding.table} is not a table any component makes"
        assert holding.expire or holding.why, f"{holding.table}: no retention and no reason"


def test_forget_reaches_a_wechat_users_rows(world: Any) -> None:
    """A WeChat chat id has a colon ("wx:<openid>") and is still one whole chat."""
    _settings, store, front = world
    user = "wx:o-privacy"
    with store.transaction() as tx:
        tx.db.execute(
            "INSERT INTO channel_inbox (channel, key, chat, payload, received_at, done_at) "
            "VALUES ('wechat', 'm1', ?, ?, 1.0, 1.0)",
            (user, json.dumps({"text": f"我的电话{PHONE}"}, ensure_ascii=False)),
        )
        durable.enqueue(tx.db, "wechat", user, {"text": f"回复：{PHONE}"})
    (reply,) = front.turn(said(user, "/forget"), TODAY, now=NOW).replies
    assert "已删除" in reply.text
    assert not [t for t in traces_of(store, (PHONE,)) if t.startswith("channel_")]
    tables = everything(store)
    assert [r[2] for r in tables["channel_inbox"] if r[1] == "wechat"] == ["m1"]
    assert not [r for r in tables["channel_outbox"] if r[2] == user]
