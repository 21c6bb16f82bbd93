"""Pieces of the console on their own: the SVG charts, accounts (Argon2, lockout, sessions),
upload names, the catalogue in both languages, the JSON-lines outbox."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.jsonl import Outbox, remember_chat
from bot.console.accounts import AccountError, Accounts
from bot.console.charts import bars, stacked_days
from bot.console.messages import _T, text
from bot.console.publish import safe_name
from bot.console.web import Console
from console.conftest import NOW, user_says


def test_charts_are_valid_svg_with_whole_number_axes_and_values() -> None:
    svg = stacked_days([("2026-11-20", [1, 0, 1, 0]), ("2026-11-21", [0, 1, 0, 0])],
                       ["助手", "常见问答", "工作人员", "未答"], "每日问题")
    root = ET.fromstring(svg)
    axis = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
            if t.get("class") == "axis" and t.text and t.text.isdigit()]
    assert axis == ["0", "1", "2", "3", "4"]
    long = bars([("《关于加快嘉定区直播和短视频产业发展的若干意见》（一）", 3.0), ("👍", 1.0)], "x")
    labels = [t for t in ET.fromstring(long).iter("{http://www.w3.org/2000/svg}text")
              if t.get("class") == "label"]
    assert labels[0].find("{http://www.w3.org/2000/svg}title").text.startswith("《关于加快")
    assert "</svg>" in long and ">3<" in long


def test_accounts_hash_lock_and_expire(db_location: Path | str) -> None:
    accounts = Accounts(db_location, lockout_failures=3, lockout_minutes=10)
    with pytest.raises(AccountError):
        accounts.add("x", "staff", "long enough pw", NOW)
    with pytest.raises(AccountError):
        accounts.add("amy", "boss", "long enough pw", NOW)
    with pytest.raises(AccountError):
        accounts.add("amy", "staff", "short", NOW)
    accounts.add("amy", "staff", "long enough pw", NOW)
    with accounts.store.reading() as db:
        stored = db.execute("SELECT password FROM console_staff").fetchone()[0]
    assert stored.startswith("$argon2id$") and "long enough" not in stored
    for _ in range(3):
        assert accounts.login("amy", "wrong", NOW) is None
    assert accounts.login("amy", "long enough pw", NOW) is None  # locked
    later = NOW + timedelta(minutes=11)
    account = accounts.login("amy", "long enough pw", later)
    assert account is not None and account.role == "staff"
    token = accounts.open_session(account, "en", later)
    assert accounts.session(token, later).lang == "en"
    assert accounts.session(token, later + timedelta(hours=13)) is None
    assert accounts.session("forged", later) is None
    accounts.close()


def test_upload_names_lose_paths_and_odd_characters() -> None:
    assert safe_name("../../etc/passwd.TXT") == "passwd.txt"
    assert safe_name("C:\\Users\\me\\政策 文件(1).docx") == "政策_文件_1.docx"
    assert safe_name("....md") == "document.md"


def test_every_sentence_exists_in_both_languages_with_the_same_fields() -> None:
    for key, (zh, en) in _T.items():
        assert zh and en, key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key
    assert text("ticket.title", "en", id=3) == "Ticket #3"


def test_the_outbox_writes_staff_replies_of_its_own_chats_only(console: Console,
                                                                tmp_path: Path) -> None:
    user_says(console, "u-7", "转人工")
    ticket = console.desk.store.tickets("waiting")[0]
    other = console.desk.store.open_ticket(
        session_key="tg-1", chat_id="tg-1", user_id="tg-1", lang="zh", question="问题",
        transcript=[], facts={}, clauses=[], reason="asked", now=NOW)
    from bot.console.delivery import send_staff_reply

    send_staff_reply(console.desk, ticket.id, "答复甲", "amy", NOW)
    send_staff_reply(console.desk, other.id, "答复乙", "amy", NOW)
    store = console.services.store
    assert store is not None
    remember_chat(store, "u-7")
    outbox = Outbox(tmp_path / "out.jsonl", console.desk, store)
    assert outbox.flush() == 1 and outbox.flush() == 0
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines[0]["chat"] == "u-7" and "答复甲" in lines[0]["replies"][0]["text"]
    assert [t.chat_id for t in console.desk.store.undelivered()] == ["tg-1"]


def test_a_reply_to_a_wechat_user_goes_into_the_shared_outbox(console: Console) -> None:
    """A console reply to a WeChat user is queued for the WeChat sender at once (the channel-
    neutral outbox), and the ticket counts as delivered."""
    from bot.console.delivery import channel_of, send_staff_reply

    ticket = console.desk.store.open_ticket(
        session_key="wx:o-abc", chat_id="wx:o-abc", user_id="wx:o-abc", lang="zh",
        question="直播补贴怎么申请", transcript=[], facts={}, clauses=[], reason="asked", now=NOW)
    assert channel_of(ticket, set()) == "wechat"
    store = console.services.store
    assert store is not None
    send_staff_reply(console.desk, ticket.id, "请向区商务委咨询。", "amy", NOW, store)
    with store.reading() as db:
        rows = db.execute(
            "SELECT chat, payload FROM channel_outbox WHERE channel = 'wechat'").fetchall()
    assert [r[0] for r in rows] == ["wx:o-abc"]
    assert "请向区商务委咨询。" in rows[0][1]
    assert console.desk.store.undelivered() == []
