"""Staff triage end to end through the real dialogue, retrieval, e5 embedder and SQLite:
``Conversation`` with the staff desk as a stage, as a channel would call it.

The scenario of issue 11: a user asks what the documents do not answer and asks for a
person; the ticket goes to the staff group; a member of staff replies to it; the reply
reaches the user; the staff member saves it as a curated answer (an amount no clause states
is confirmed); another user asks the same thing in other words and gets the staff answer,
with its date and clause.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import datetime

import pytest

from bot.config import Settings
from bot.conversation import Conversation
from bot.domain import Incoming
from bot.staff.desk import StaffDesk
from bot.staff.hours import SHANGHAI
from bot.store import Store
from tests.conftest import TODAY

STAFF_CHAT = "-1001"
STAFF = "777"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning: office open
LATER = datetime(2026, 11, 23, 10, 12, tzinfo=SHANGHAI)
UNANSWERED = "申请直播补贴需要准备哪些材料？"
PARAPHRASE = "直播补贴申请材料有哪些？"


@pytest.fixture()
def front(services, tmp_path):
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        staff_chat_id=int(STAFF_CHAT),
        staff_user_ids=[int(STAFF)],
    )
    store = Store(tmp_path / "policybot.sqlite3")
    desk = StaffDesk.build(settings, services)
    yield Conversation(dataclasses.replace(services, store=store), store, desk)
    desk.store.close()
    store.close()


def user(chat: str, text: str | None = None, choice: str | None = None) -> Incoming:
    return Incoming(
        chat_id=chat, user_id=chat, text=text, choice=choice, kind="choice" if choice else "text"
    )


def staff(text: str | None = None, choice: str | None = None, slot: str | None = None) -> Incoming:
    meta = {"user_name": "王老师"}
    if slot:
        meta["reply_to_slot"] = slot
    return Incoming(
        chat_id=STAFF_CHAT,
        user_id=STAFF,
        text=text,
        choice=choice,
        group=True,
        kind="choice" if choice else "text",
        meta=meta,
    )


def option_ids(reply) -> list[str]:
    return [o.id for o in reply.options]


def test_a_question_reaches_staff_and_the_answer_becomes_a_curated_answer(front) -> None:
    sent = []

    def within(tx, turn):  # a channel's outbox: every reply passes here, once per event
        sent.append(turn.replies)

    # 1. the documents do not say which papers are needed
    asked = front.turn(user("42", UNANSWERED), TODAY, within, now=NOW)
    assert asked.replies[0].citations, "the assistant still answers what it can"
    assert any(o.startswith("fb:down:") for o in option_ids(asked.replies[0]))
    assert "staff:handoff:not_found" in option_ids(asked.replies[0])  # "问工作人员"

    # 2. the user asks for a person: told when staff reply; the ticket goes to the group
    handed = front.turn(user("42", "转人工"), TODAY, within, now=NOW)
    told, card = handed.replies
    assert told.to is None and "工单 #1" in told.text and "今天 17:30 前" in told.text
    assert card.to == STAFF_CHAT and card.slot == "ticket:1"
    assert option_ids(card) == ["t:claim:1", "t:close:1"]
    assert UNANSWERED in card.text and "相关条款" in card.text and "责任单位" in card.text
    ticket = front.desk.store.ticket(1)
    assert ticket.reason == "asked" and ticket.question == UNANSWERED
    assert ticket.clauses and ticket.units and ticket.transcript[-1]["q"] == UNANSWERED

    # while waiting, the user still gets the assistant
    meanwhile = front.turn(
        user("42", "嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, within, now=NOW
    )
    assert "100万元" in meanwhile.replies[0].text
    assert front.desk.store.ticket(1).status == "waiting"

    # 3. a member of staff claims the ticket: its card is edited in place
    (claimed,) = front.turn(staff(choice="t:claim:1"), TODAY, within, now=NOW).replies
    assert claimed.slot == "ticket:1" and "王老师" in claimed.text

    # 4. ... and replies to the ticket's message: the answer reaches the user, marked as staff's
    answer = "请准备营业执照复印件和申请表，到嘉定区商务委窗口办理，补贴最高80万元。"
    replied = front.turn(staff(answer, slot="ticket:1"), TODAY, within, now=LATER).replies
    to_user, updated = replied
    assert (
        to_user.to == "42"
        and to_user.text.startswith("【工作人员回复】")
        and answer in to_user.text
    )
    assert to_user.data["from_staff"] is True
    assert updated.slot == "ticket:1" and "faq:save:1" in option_ids(updated)
    ticket = front.desk.store.ticket(1)
    assert ticket.status == "answered" and ticket.staff == "王老师 (777)"
    assert ticket.first_reply_at.startswith("2026-11-23T02:12")

    # 5. saved as a curated answer: the amount no linked clause states is shown for confirmation
    review, _ = front.turn(staff(choice="faq:save:1"), TODAY, within, now=LATER).replies
    assert "80万元" in review.text and "⚠️" in review.text
    assert option_ids(review)[0] == "faq:approve:1" and "确认金额" in review.options[0].label
    front.turn(staff(choice="faq:approve:1"), TODAY, within, now=LATER)
    entry = front.desk.store.faq(1)
    assert entry.status == "approved" and entry.amounts_confirmed and entry.ticket_id == 1

    # the user's next message ends the handoff: back to the assistant
    front.turn(user("42", "好的，谢谢"), TODAY, within, now=LATER)
    assert front.desk.store.ticket(1).status == "resolved"

    # 6. another user asks the same thing in other words: the staff answer, dated, with its clause
    other = front.turn(user("43", PARAPHRASE), TODAY, within, now=LATER)
    (faq,) = other.replies
    assert faq.text.startswith("【工作人员答复 · 2026-11-23】") and answer in faq.text
    assert faq.citations and "依据：《" in faq.text
    assert {c.doc for c in faq.citations} <= {k.split("/")[0] for k in entry.clause_keys}
    assert front.desk.store.faq(1).hits == 1

    # a different question about the same base is not given that answer
    different = front.turn(user("44", "直播基地有什么补贴"), TODAY, within, now=LATER)
    assert "工作人员答复" not in different.replies[0].text

    # every event went through `within` exactly once, with the replies the front returned
    assert len(sent) == 10 and sent[-2] == other.replies

    figures = front.desk.store.faqs("approved")[0]
    assert figures.hits == 1
    from bot.staff.stats import compute

    stats = compute(front.desk.store)
    assert stats.answered_by.get("staff") == 1 and stats.answered_by.get("faq") == 1
    assert stats.handoff_reasons == {"asked": 1} and stats.median_first_reply_minutes == 12.0


@pytest.mark.parametrize("command", ["/queue", "/stats", "/faq", "/ticket 1"])
def test_staff_commands_are_for_staff_only(front, command) -> None:
    front.turn(user("42", "转人工"), TODAY, now=NOW)  # there is staff data to leak
    turn = front.turn(user("42", command), TODAY, now=NOW)
    (reply,) = turn.replies
    assert "没有 /" in reply.text and "工单" not in reply.text  # the normal assistant's answer
    mine = front.turn(Incoming(chat_id=STAFF, user_id=STAFF, text=command), TODAY, now=NOW)
    assert mine.replies and "没有 /" not in mine.replies[0].text
    assert (
        "#1" in mine.replies[0].text
        or "统计" in mine.replies[0].text
        or "常见问答" in mine.replies[0].text
    )


@pytest.mark.parametrize("command", ["/queue", "/stats", "/faq", "/ticket 1"])
def test_staff_commands_answer_only_where_staff_data_may_go(front, command) -> None:
    """A member of staff typing /queue in an ordinary group (or someone else's private chat)
    gets the assistant's "no such command"; the staff group and their own chat get the data."""
    front.turn(user("42", "转人工 我的电话13812345678"), TODAY, now=NOW)
    for chat, group in (("-100777", True), ("42", False)):
        elsewhere = Incoming(chat_id=chat, user_id=STAFF, text=command, group=group)
        (reply,) = front.turn(elsewhere, TODAY, now=NOW).replies
        assert "没有 /" in reply.text, (chat, reply.text)
        assert "工单" not in reply.text and "#1" not in reply.text and "1381" not in reply.text
    for chat, group in ((STAFF_CHAT, True), (STAFF, False)):
        here = Incoming(chat_id=chat, user_id=STAFF, text=command, group=group)
        replies = front.turn(here, TODAY, now=NOW).replies
        assert replies and "没有 /" not in replies[0].text, (chat, replies)


def test_a_stranger_in_the_staff_group_cannot_answer_tickets(front) -> None:
    front.turn(user("42", "转人工"), TODAY, now=NOW)
    stranger = Incoming(
        chat_id=STAFF_CHAT,
        user_id="999",
        text="随便答",
        group=True,
        meta={"reply_to_slot": "ticket:1"},
    )
    assert front.turn(stranger, TODAY, now=NOW).replies == ()
    press = Incoming(
        chat_id=STAFF_CHAT, user_id="999", choice="t:close:1", kind="choice", group=True
    )
    assert "只有工作人员" in front.turn(press, TODAY, now=NOW).replies[0].text
    assert front.desk.store.ticket(1).status == "waiting"


def test_out_of_scope_and_thumbs_down_lead_to_staff(front) -> None:
    refused = front.turn(user("42", "今天上海天气怎么样？"), TODAY, now=NOW).replies[0]
    # The refusal keeps the assistant's own menu and gains a way to a person, last.
    assert option_ids(refused)[-1] == "staff:handoff:out_of_scope", option_ids(refused)
    assert refused.options[-1].label == "转人工"
    assert option_ids(refused).count("staff:handoff:out_of_scope") == 1
    pressed = front.turn(user("42", choice="staff:handoff:out_of_scope"), TODAY, now=NOW)
    assert "工单 #1" in pressed.replies[0].text
    assert front.desk.store.ticket(1).reason == "out_of_scope"

    answered = front.turn(
        user("50", "How much is the Jiading listing award?"), TODAY, now=NOW
    ).replies[0]
    down = next(o.id for o in answered.options if o.id.startswith("fb:down:"))
    thumbs = front.turn(user("50", choice=down), TODAY, now=NOW)
    assert "Thanks" in thumbs.replies[0].text and "ticket #2" in thumbs.replies[1].text
    ticket = front.desk.store.ticket(2)
    assert (
        ticket.reason == "thumbs_down"
        and ticket.question == "How much is the Jiading listing award?"
    )
    assert ticket.lang == "en"
    stale = front.turn(user("51", choice=down), TODAY, now=NOW)  # another user's button
    assert "no longer active" in stale.replies[0].text or "过期" in stale.replies[0].text


def test_an_answer_from_the_command_line_is_delivered_at_the_next_message(
    front, run_cli, tmp_path
) -> None:
    front.turn(user("42", "转人工，我想问直播基地的房租补贴去哪个窗口申请"), TODAY, now=NOW)
    ticket = front.desk.store.ticket(1)
    assert ticket.question.startswith("转人工，我想问")
    done = run_cli("triage", "answer", "1", "请到区商务委窗口申请。", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr.decode()
    listed = run_cli("triage", "list", "--status", "all", "--json", "--data-dir", str(tmp_path))
    (row,) = json.loads(listed.stdout)
    assert row["status"] == "answered" and row["answer"] == "请到区商务委窗口申请。"
    turn = front.turn(user("42", "在吗"), TODAY, now=LATER)
    assert turn.replies[0].data["from_staff"] and "请到区商务委窗口申请。" in turn.replies[0].text
    again = front.turn(user("42", "在吗"), TODAY, now=LATER)
    assert not any((r.data or {}).get("from_staff") for r in again.replies), "sent once only"


def test_forget_deletes_the_users_data(front) -> None:
    front.turn(
        user("42", "我的手机13812345678，嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, now=NOW
    )
    front.turn(user("42", "转人工"), TODAY, now=NOW)
    logged = front.desk.store.recent("42")
    assert logged and all("13812345678" not in r.question for r in logged)
    turn = front.turn(user("42", "/forget"), TODAY, now=NOW)
    assert "已删除" in turn.replies[0].text
    assert front.desk.store.recent("42") == [] and front.desk.store.open_ticket_for("42") is None
    assert front.store.raw_session("42") is None
    assert front.store.questions() == []


def test_faq_cli_add_approve_export(front, run_cli, tmp_path) -> None:
    data = ["--data-dir", str(tmp_path)]
    key = next(iter(front.desk.clauses))
    added = run_cli(
        "faq", "add", "-q", "=1+1 直播补贴找谁", "-a", "找区商务委，最高999万元。", "-c", key, *data
    )
    assert added.returncode == 0 and "999万元" in added.stdout.decode()
    refused = run_cli("faq", "approve", "1", *data)
    assert refused.returncode == 1 and "999万元" in refused.stderr.decode()
    assert run_cli("faq", "approve", "1", "--confirm-amounts", *data).returncode == 0
    listed = json.loads(run_cli("faq", "list", "--json", *data).stdout)
    assert listed[0]["status"] == "approved" and listed[0]["amounts_confirmed"]
    exported = run_cli("faq", "export", *data).stdout
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"), newline="")))
    assert rows[1][2] == "'=1+1 直播补贴找谁"
    # round trip: the same file changes nothing, the confirmed amount stays confirmed
    same = tmp_path / "same.csv"
    same.write_bytes(exported)
    assert "held for review 0" in run_cli("faq", "import", str(same), *data).stdout.decode()
    assert front.desk.store.faq(1).status == "approved"
    # a changed answer is an update of the same entry, back to review for its amount
    path = tmp_path / "faq.csv"
    path.write_bytes(exported.replace("最高999万元".encode(), "最高999万元，当天办结".encode()))
    imported = run_cli("faq", "import", str(path), *data)
    assert imported.returncode == 0 and "updated 1" in imported.stdout.decode(), imported.stderr
    assert front.desk.store.faq(1).variants == ("=1+1 直播补贴找谁",)
    assert front.desk.store.faq(1).status == "suggested"  # 999万元 is in no clause: review again
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe nonsense")
    assert run_cli("faq", "import", str(bad), *data).returncode == 2
    stats = json.loads(run_cli("stats", "--json", *data).stdout)
    assert stats["questions"] == 0 and "per_day" in stats


def test_traditional_script_and_the_staff_group(front) -> None:
    handed = front.turn(
        user("60", "請幫我轉人工，我想問直播基地的房租補貼去哪個窗口申請"), TODAY, now=NOW
    )
    told, card = handed.replies
    assert "已為您轉接工作人員" in told.text and card.to == STAFF_CHAT
    assert "工单 #1" in card.text  # staff read their card in Simplified
    front.turn(user("61", "直播補貼申請需要哪些材料？"), TODAY, now=NOW)
    same_in_both = front.turn(user("61", "人工客服"), TODAY, now=NOW).replies[0]
    assert "已為您轉接" in same_in_both.text  # the question before it was Traditional
    # a policy question put to the bot in the staff group is answered by the assistant
    asked = front.turn(staff("嘉定直播企业营收首次超过1亿元奖励多少？"), TODAY, now=NOW)
    assert "100万元" in asked.replies[0].text and asked.replies[0].to is None


@pytest.mark.parametrize("command", ["/ticket 99", "/ticket #99"])
def test_an_unknown_ticket_is_named_once(front, command) -> None:
    (reply,) = front.turn(
        Incoming(chat_id=STAFF, user_id=STAFF, text=command), TODAY, now=NOW
    ).replies
    assert reply.text == "没有工单 #99。"
