"""The Telegram channel end to end: the real PTB application over HTTP to the fake Bot API.

Every test starts ``TelegramChannel`` (long polling, or the webhook server) against
``FakeTelegram`` on 127.0.0.1, pushes updates as Telegram would, and reads what the bot sent.
The core is the real one (retrieval, rules, SQLite sessions); only Telegram is faked.
"""

import asyncio
import dataclasses
import logging
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.telegram_api import Call, FakeTelegram
from fakes.telegram_chat import UserChat, keyboard_buttons, settle

from bot.channels.telegram import (
    SLOW_DOWN,
    RetryPolicy,
    TelegramChannel,
    Timeouts,
    queue_replies,
)
from bot.config import Settings
from bot.domain import Option, Reply
from bot.errors import PolicyBotError
from bot.store import Store

TODAY = date(2026, 11, 21)
# Distinctive, so that a leak into the logs cannot hide.
TOKEN = "123456:SECRET-token-never-logged_0123456789"
FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
QUICK = Timeouts(read=2.0, poll=1.0)

REVENUE_QUESTION = "嘉定直播企业营收首次超过1亿元奖励多少？"
UNSUPPORTED = "抱歉，我只能阅读文字消息和按钮"


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as an int; warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.sqlite3"


@pytest.fixture
def bot_services(services: Any, db_path: Path) -> Iterator[Any]:
    """The session's shared services with a store of this test's own."""
    store = Store(db_path)
    yield dataclasses.replace(services, store=store)
    store.close()


def make_settings(tg: FakeTelegram, tmp_path: Path, **extra: Any) -> Settings:
    extra.setdefault("telegram_rate_chat", 0)  # pacing has a test of its own
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        telegram_token=tg.token,
        telegram_api_url=tg.base_url,
        **extra,
    )


def make_channel(
    tg: FakeTelegram,
    services: Any,
    tmp_path: Path,
    today: Callable[[], date] = lambda: TODAY,
    timeouts: Timeouts = QUICK,
    clock: Callable[[], float] = time.monotonic,
    retry: RetryPolicy = FAST,
    **extra: Any,
) -> TelegramChannel:
    settings = make_settings(tg, tmp_path, **extra)
    return TelegramChannel(settings, services, today, retry=retry, timeouts=timeouts, clock=clock)


def ok_sends(tg: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in tg.calls("sendMessage") if c.ok and c.params["chat_id"] == chat_id]


def undelivered(channel: TelegramChannel) -> list[tuple[int, str, str]]:
    with channel.store.reading() as db:
        rows = db.execute("SELECT chat_id, plain, error FROM tg_undelivered ORDER BY id")
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows.fetchall()]


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in keyboard_buttons(message)]


# --- start-up --------------------------------------------------------------------------------


def test_startup_registers_commands_in_zh_and_en_and_polls(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    tg.fail_next("setMyCommands", status=502)  # retried
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> None:
        async with channel.running():
            await UserChat(tg, channel, 42).say("/start")

    run(scenario())

    commands = {
        c.params.get("language_code", ""): [x["command"] for x in c.params["commands"]]
        for c in tg.calls("setMyCommands")
        if c.ok
    }
    expected = ["start", "help", "check", "cancel", "lang", "about"]
    assert commands == {"": expected, "zh": expected, "en": expected}
    zh = next(c for c in tg.calls("setMyCommands") if c.params.get("language_code") == "zh")
    assert "资格检查" in zh.params["commands"][2]["description"]
    assert tg.calls("deleteWebhook")[0].ok  # polling: no webhook left behind
    polls = tg.calls("getUpdates")
    assert set(polls[-1].params["allowed_updates"]) >= {"message", "callback_query"}
    welcome = tg.sent_messages(42)[0]
    assert welcome["text"].startswith("您好！")
    assert labels(welcome) == ["检查我能申请什么", "政策来源与有效期", "English"]


# --- questions, walk-through, commands ---------------------------------------------------------


def test_a_question_is_answered_with_citations(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[dict[str, Any]]:
        async with channel.running():
            return await UserChat(tg, channel, 42).say(REVENUE_QUESTION)

    (answer,) = run(scenario())

    assert "80万元、100万元和200万元" in answer["text"]
    assert "📄 《关于加快嘉定区直播和短视频产业发展的若干意见》（三）" in answer["text"]
    assert any(e["type"] == "blockquote" for e in answer["entities"])
    assert labels(answer)[:1] == ["检查我是否符合"]
    # the typing action went out before the answer
    methods = [c.method for c in tg.calls() if c.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]
    assert tg.calls("sendChatAction")[0].params == {"chat_id": 42, "action": "typing"}
    assert tg.calls("sendMessage")[0].params["parse_mode"] == "HTML"


def test_revenue_walkthrough_with_buttons(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[list[dict[str, Any]]]:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            steps = [await chat.say(REVENUE_QUESTION)]
            steps.append(await chat.press("检查我是否符合"))
            steps.append(await chat.press("直播和短视频企业"))
            steps.append(await chat.press("是"))
            steps.append(await chat.say("3.2亿"))  # amounts are typed; the button is "skip"
            steps.append(await chat.press("是"))
            return steps

    answer, start, registered, revenue, first_time, result = run(scenario())

    assert [len(s) for s in (answer, start, registered, revenue, first_time)] == [1, 2, 1, 1, 1]
    assert start[1]["text"].startswith("您是以什么身份了解政策的？")
    assert registered[0]["text"].startswith("贵单位是否在嘉定区注册")
    assert labels(registered[0]) == ["是", "否", "不清楚 / 跳过"]
    assert len(registered[0]["reply_markup"]["inline_keyboard"]) == 1  # short labels: one row
    assert revenue[0]["text"].startswith("贵企业最近一个年度的主营业务收入是多少？")
    assert first_time[0]["text"].startswith("这是贵企业年主营业务收入第一次达到这一档")
    outcome, closing = result
    assert "100万元" in outcome["text"] and "营收首超亿元奖励" in outcome["text"]
    assert closing["text"].startswith("检查完成")
    # every press was acknowledged, every button carried a core option id
    assert len([c for c in tg.calls("answerCallbackQuery") if c.ok]) == 4
    pressed = [b for m in tg.sent_messages(42) for b in keyboard_buttons(m)]
    assert all(len(b["callback_data"].encode()) <= 64 for b in pressed)


def test_revenue_walkthrough_with_typed_answers(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[list[dict[str, Any]]]:
        async with channel.running():
            chat = UserChat(tg, channel, 7)
            return [
                await chat.say("我们公司能拿营收奖励吗？"),
                await chat.say("是"),
                await chat.say("3.2亿"),
                await chat.say("是"),
            ]

    start, revenue, first_time, result = run(scenario())

    assert start[0]["text"].startswith("好的，我来帮您看看")
    assert start[1]["text"].startswith("贵单位是否在嘉定区注册")  # "公司": no need to ask who
    assert revenue[0]["text"].startswith("贵企业最近一个年度的主营业务收入是多少？")
    assert first_time[0]["text"].startswith("这是贵企业年主营业务收入第一次达到这一档")
    assert "一次性 100万元" in result[0]["text"]


def test_cancel_and_lang(tg: FakeTelegram, bot_services: Any, tmp_path: Path) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[list[dict[str, Any]]]:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            return [
                await chat.say("/check"),
                await chat.say("/cancel"),
                await chat.say("/lang en"),
                await chat.say("/check"),
                await chat.press("short-video company"),
                await chat.say("/cancel"),
                await chat.say("/lang"),
            ]

    check, cancel, english, check_en, pressed, cancel_en, chinese = run(scenario())

    assert check[1]["text"].startswith("您是以什么身份了解政策的？")
    assert cancel[0]["text"].startswith("已取消资格检查")
    assert english[0]["text"] == "Switched to English."
    assert check_en[1]["text"].startswith("Who are you asking for?")
    assert pressed[0]["text"].startswith("Is your company registered in Jiading")
    assert cancel_en[0]["text"].startswith("The eligibility check is cancelled")
    assert labels(cancel_en[0]) == ["Check my eligibility", "Sources and validity", "中文"]
    assert chinese[0]["text"] == "已切换为中文。"


def test_a_restart_in_the_middle_of_a_walkthrough_resumes_at_the_same_question(
    tg: FakeTelegram, services: Any, db_path: Path, tmp_path: Path
) -> None:
    async def first_run() -> list[dict[str, Any]]:
        store = Store(db_path)
        channel = make_channel(tg, dataclasses.replace(services, store=store), tmp_path)
        try:
            async with channel.running():
                chat = UserChat(tg, channel, 42)
                await chat.say("我们公司能拿营收奖励吗？")
                return await chat.press("是")
        finally:
            store.close()

    async def second_run() -> list[list[dict[str, Any]]]:
        store = Store(db_path)  # a new process would open the same file
        channel = make_channel(tg, dataclasses.replace(services, store=store), tmp_path)
        try:
            async with channel.running():
                chat = UserChat(tg, channel, 42)
                chat.seen = len(tg.sent_messages(42))
                return [await chat.say("3.2亿"), await chat.press("是")]
        finally:
            store.close()

    before = run(first_run())
    first_time, result = run(second_run())

    assert before[0]["text"].startswith("贵企业最近一个年度的主营业务收入是多少？")
    assert first_time[0]["text"].startswith("这是贵企业年主营业务收入第一次达到这一档")
    assert "一次性 100万元" in result[0]["text"]


def test_one_chats_messages_are_answered_in_order_while_chats_run_concurrently(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)
    chats = range(1001, 1031)
    script = ["/check", "/cancel", "/lang en", "/help"]

    async def scenario() -> None:
        async with channel.running():
            for text in script:  # interleaved, as many users typing at once
                for chat_id in chats:
                    tg.push_text(chat_id, text)
            await settle(tg, channel)

    run(scenario())

    for chat_id in chats:
        texts = [m["text"] for m in tg.sent_messages(chat_id)]
        assert len(texts) == 5, texts
        assert texts[1].startswith("您是以什么身份了解政策的？")
        assert texts[2].startswith("已取消资格检查")
        assert texts[3] == "Switched to English."
        assert texts[4].startswith("I can:")
        assert all(m["chat"]["id"] == chat_id for m in tg.sent_messages(chat_id))


def test_stopping_answers_every_update_already_received(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)
    chats = range(2001, 2021)

    async def scenario() -> int:
        async with channel.running():
            for chat_id in chats:
                tg.push_text(chat_id, "/check")
                tg.push_text(chat_id, "/help")
            while tg.pending_updates():  # fetched by the bot, not yet answered
                await asyncio.sleep(0.002)
            return channel.pending_turns

    unfinished_at_stop = run(scenario())

    assert unfinished_at_stop > 0
    for chat_id in chats:
        texts = [m["text"] for m in tg.sent_messages(chat_id)]
        assert len(texts) == 3 and texts[2].startswith("我可以"), texts


def test_a_long_reply_is_split_at_boundaries_and_telegram_accepts_every_part(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)
    sentence = "对<符合条件>的企业 & 机构给予奖励。"
    text = "\n\n".join(f"第{i}条：" + sentence * 30 for i in range(12))  # about 7,300 chars
    reply = Reply(text, options=(Option("menu:help", "帮助"),))

    async def scenario() -> None:
        async with channel.running():
            with channel.store.transaction() as tx:
                assert queue_replies(tx.db, 42, [reply], None) == 2
            channel.sender.wake()
            await settle(tg, channel)

    run(scenario())

    sent = tg.sent_messages(42)
    parts = [m["text"] for m in sent]
    assert len(parts) == 2  # six paragraphs each: split at a blank line
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "\n\n".join(parts) == text  # escaped on the way, nothing lost or mangled
    assert [labels(m) for m in sent] == [[], ["帮助"]]  # the keyboard on the last part


# --- what is not a text message ---------------------------------------------------------------


def test_stickers_photos_voice_and_files_get_a_polite_reply(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> None:
        async with channel.running():
            tg.push_sticker(42)
            tg.push_photo(42, caption="这个能申请吗")
            tg.push_voice(42)
            tg.push_document(42)
            await settle(tg, channel)

    run(scenario())

    texts = [m["text"] for m in tg.sent_messages(42)]
    assert len(texts) == 4
    assert all(t.startswith(UNSUPPORTED) for t in texts)


def test_edited_messages_and_channel_posts_are_ignored(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[dict[str, Any]]:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            await chat.say("/help")
            tg.push_edited_text(42, "/start")
            tg.push_channel_post(-1001234567890, "频道公告")
            quiet = await chat.replies()
            assert quiet == []
            return await chat.say("/about")

    about = run(scenario())

    assert len(about) == 1 and about[0]["text"].startswith("我依据的政策文件")
    assert [m["chat"]["id"] for m in tg.sent_messages()] == [42, 42]


def test_in_groups_only_commands_mentions_and_replies_are_answered(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)
    group = -100123

    async def scenario() -> None:
        async with channel.running():
            tg.push_text(group, "大家好，今天开会", chat_type="group")
            tg.push_text(group, "/help@another_bot", chat_type="group")
            tg.push_sticker(group, chat_type="group")
            tg.push_text(group, "/help@policy_test_bot", chat_type="group")
            tg.push_text(group, f"@policy_test_bot {REVENUE_QUESTION}", chat_type="group")
            await settle(tg, channel)
            bot_message = tg.sent_messages(group)[-1]["message_id"]
            tg.push_text(group, "/lang en", chat_type="group", user_id=5)
            tg.push_text(
                group, "取消", chat_type="group", reply_to_message_id=bot_message, user_id=5
            )
            await settle(tg, channel)
            tg.push_text(group, "/cancel", chat_type="group", user_id=6)
            await settle(tg, channel)

    run(scenario())

    texts = [m["text"] for m in tg.sent_messages(group)]
    assert len(texts) == 5, texts
    assert texts[0].startswith("我可以：")
    assert "80万元、100万元和200万元" in texts[1]
    assert texts[2] == "Switched to English."
    assert texts[3] == "There is no check in progress."  # a reply to the bot is for the bot
    # Each member of a group has a conversation of their own: user 6 never chose English.
    assert texts[4] == "当前没有进行中的资格检查。"


def test_malformed_updates_do_not_stop_the_bot(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> list[dict[str, Any]]:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            tg.push_raw({"message": "garbage"})
            tg.push_raw({"message": {"chat": 5}})
            tg.push_raw({"bogus": True})
            tg.push_raw(
                {
                    "callback_query": {
                        "id": "1",
                        "from": {"id": 42, "is_bot": False, "first_name": "T"},
                        "chat_instance": "x",
                        "data": "menu:help",
                    }
                }
            )
            return await chat.say("/about")

    about = run(scenario())

    assert len(about) == 1 and about[0]["text"].startswith("我依据的政策文件")
    assert "malformed and is skipped" in caplog.text
    assert [m["chat"]["id"] for m in tg.sent_messages()] == [42]


# --- faults ------------------------------------------------------------------------------------


SEND_FAULTS: dict[str, Callable[[FakeTelegram], None]] = {
    "429 retry after 1s": lambda tg: tg.fail_next("sendMessage", status=429, retry_after=1),
    "500": lambda tg: tg.fail_next("sendMessage", status=500),
    "502 three times": lambda tg: tg.fail_next("sendMessage", status=502, times=3),
    "503": lambda tg: tg.fail_next("sendMessage", status=503),
    "dropped connection": lambda tg: tg.drop_next("sendMessage"),
    "getUpdates 502": lambda tg: tg.fail_next("getUpdates", status=502),
    "getUpdates dropped": lambda tg: tg.drop_next("getUpdates"),
    "typing action 502": lambda tg: tg.fail_next("sendChatAction", status=502),
    "answerCallbackQuery 400": lambda tg: tg.fail_next(
        "answerCallbackQuery", status=400, description="Bad Request: query is too old"
    ),
    "HTML refused": lambda tg: tg.fail_next(
        "sendMessage", status=400, description="Bad Request: can't parse entities: oops"
    ),
}


@pytest.mark.parametrize("fault", list(SEND_FAULTS))
def test_each_fault_is_retried_and_no_reply_is_lost(
    fault: str, tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> None:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            await chat.say("/check")
            SEND_FAULTS[fault](tg)
            tg.push_text(43, "/help")  # another chat, at the same time
            await chat.press("直播和短视频企业")
            await chat.say("是")

    run(scenario())

    texts = [m["text"] for m in tg.sent_messages(42)]
    assert len(texts) == 4, texts
    assert texts[2].startswith("贵单位是否在嘉定区注册")
    assert texts[3].startswith("以下哪些情况适用于贵单位")  # the yes/no facts, as one checklist
    assert [m["text"][:3] for m in tg.sent_messages(43)] == ["我可以"]
    assert [c for c in tg.calls() if c.faulted], "the fault was never hit"
    assert undelivered(channel) == []


def test_a_timeout_is_retried_and_the_reply_arrives(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path, timeouts=Timeouts(read=0.5, poll=1.0))

    async def scenario() -> None:
        async with channel.running():
            tg.slow_next("sendMessage", 1.5)
            await UserChat(tg, channel, 42).say("/help")
            await asyncio.sleep(1.2)  # let the slow answer finish too

    run(scenario())

    helps = [m for m in tg.sent_messages(42) if m["text"].startswith("我可以")]
    # The Bot API has no idempotency key: a request that timed out on our side may still have
    # been carried out, so a duplicate is possible; a loss is not.
    assert 1 <= len(helps) <= 2
    assert [c.fault for c in tg.calls("sendMessage")].count("slow") == 1
    assert undelivered(channel) == []


def test_a_refused_reply_is_recorded_and_an_outage_is_retried_until_delivered(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> None:
        async with channel.running():
            tg.fail_next("sendMessage", status=403)  # the user blocked the bot
            tg.push_text(42, "/help")
            await settle(tg, channel)
            tg.fail_next("sendMessage", status=502, times=12)  # a long outage: no give-up
            tg.push_text(43, "/about")
            tg.push_text(44, "/help")
            await settle(tg, channel)

    run(scenario())

    ((chat, text, error),) = undelivered(channel)
    assert chat == 42 and "Forbidden" in error and text.startswith("我可以")
    assert caplog.text.count("NOT delivered") == 1
    assert [m["text"][:3] for m in tg.sent_messages(43)] == ["我依据"]
    assert [m["text"][:3] for m in tg.sent_messages(44)] == ["我可以"]
    assert len([c for c in tg.calls("sendMessage") if c.status == 502]) == 12


def test_a_reply_is_given_up_after_the_retry_time_and_kept(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = dataclasses.replace(FAST, retry_for=0.6)
    channel = make_channel(tg, bot_services, tmp_path, retry=policy)

    async def scenario() -> None:
        async with channel.running():
            tg.fail_next("sendMessage", status=502, times=1000)
            tg.push_text(43, "/about")
            await settle(tg, channel)

    run(scenario())

    ((chat, _, error),) = undelivered(channel)
    assert chat == 43 and "Bad Gateway" in error and "still failing after" in error
    assert "NOT delivered" in caplog.text


def test_a_long_flood_wait_holds_only_its_own_message(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, db_path: Path
) -> None:
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> tuple[int, bool]:
        async with channel.running():
            tg.fail_next("sendMessage", status=429, retry_after=60)
            tg.push_text(42, "/help")
            await asyncio.to_thread(tg.wait_for, lambda c: c.fault == "429")
            await asyncio.sleep(0.2)
            tg.push_text(43, "/help")
            await asyncio.to_thread(tg.wait_for, lambda c: c.ok and c.params.get("chat_id") == 43)
            await asyncio.sleep(0.2)
            return channel.sender.pending(), await channel.idle(due_only=True)

    waiting, idle = run(scenario())

    assert (waiting, idle) == (1, True)  # kept for later, not lost, not blocking others
    assert len(tg.sent_messages(43)) == 1 and tg.sent_messages(42) == []
    with sqlite3.connect(db_path) as db:
        ((chat, next_at),) = db.execute("SELECT chat_id, next_at FROM tg_outbox").fetchall()
    assert chat == 42 and next_at > time.time() + 50


def test_a_failing_turn_gets_a_polite_answer_and_the_others_are_served(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = {"n": 0}

    def today() -> date:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the clock broke")
        return TODAY

    channel = make_channel(tg, bot_services, tmp_path, today=today)

    async def scenario() -> None:
        async with channel.running():
            await UserChat(tg, channel, 42).say("/help")
            await UserChat(tg, channel, 43).say("/help")
            await UserChat(tg, channel, 42).say("/help")

    run(scenario())

    assert tg.sent_messages(42)[0]["text"] == PolicyBotError.user_message
    assert tg.sent_messages(42)[1]["text"].startswith("我可以")
    assert tg.sent_messages(43)[0]["text"].startswith("我可以")
    assert "the clock broke" in caplog.text and "Traceback" in caplog.text


def test_the_flood_limit_says_slow_down_once_and_drops_the_excess(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    now = [1000.0]
    channel = make_channel(
        tg,
        bot_services,
        tmp_path,
        clock=lambda: now[0],
        flood_max_messages=3,
        flood_window_seconds=10.0,
    )

    async def scenario() -> None:
        async with channel.running():
            for _ in range(7):
                tg.push_text(42, "/help")
            tg.push_text(43, "/help")  # another user is not limited
            await settle(tg, channel)
            now[0] += 10.5
            tg.push_text(42, "/about")
            await settle(tg, channel)

    run(scenario())

    texts = [m["text"] for m in tg.sent_messages(42)]
    assert [t[:3] for t in texts[:3]] == ["我可以"] * 3
    assert texts[3] == SLOW_DOWN
    assert texts[4].startswith("我依据的政策文件")
    assert len(texts) == 5
    assert len(tg.sent_messages(43)) == 1


# --- webhook -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode_checks_the_secret_token(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    pytest.importorskip("tornado", reason='needs the "python-telegram-bot[webhooks]" extra')
    port = free_port()
    channel = make_channel(
        tg,
        bot_services,
        tmp_path,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret="s3cret-Token_1",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    )
    url = f"http://127.0.0.1:{port}/telegram/hook"

    async def scenario() -> list[int]:
        async with channel.running():
            tg.push_text(42, "/help")
            update = tg.pending_updates()[-1]
            async with httpx.AsyncClient(trust_env=False) as client:
                statuses = []
                for secret in (None, "wrong", "s3cret-Token_1"):
                    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
                    response = await client.post(url, json=update, headers=headers)
                    statuses.append(response.status_code)
            await asyncio.to_thread(tg.wait_for, lambda c: c.method == "sendMessage" and c.ok)
            return statuses

    statuses = run(scenario())

    assert statuses == [403, 403, 200]
    hook = tg.calls("setWebhook")[0].params
    assert hook["url"] == "https://bot.example.org/telegram/hook"
    assert hook["secret_token"] == "s3cret-Token_1"
    assert [m["text"][:3] for m in tg.sent_messages(42)] == ["我可以"]
    assert tg.calls("getUpdates") == []


# --- secrets -----------------------------------------------------------------------------------


def test_the_token_never_appears_in_the_logs(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = make_channel(tg, bot_services, tmp_path)

    async def scenario() -> None:
        async with channel.running():
            chat = UserChat(tg, channel, 42)
            tg.drop_next("sendMessage")
            tg.fail_next("sendMessage", status=502)
            tg.fail_next("getUpdates", status=502)
            tg.push_raw({"message": "garbage"})
            await chat.say(REVENUE_QUESTION)
            tg.fail_next("sendMessage", status=403, times=FAST.attempts)
            await chat.press("检查我是否符合")

    run(scenario())

    assert len(caplog.records) > 20  # PTB's and ours, at DEBUG
    secret = TOKEN.split(":", 1)[1]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")


def test_the_cli_runs_the_bot_until_interrupted(
    tg: FakeTelegram, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **cli_env,
        "POLICYBOT_TELEGRAM_TOKEN": TOKEN,
        "POLICYBOT_TELEGRAM_API_URL": tg.base_url,
        "POLICYBOT_LOG_LEVEL": "INFO",
        "PTB_TIMEDELTA": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "telegram", "--today", TODAY.isoformat()],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        tg.push_text(990_001, "/about")  # a chat no other test uses: the data dir is shared
        tg.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=60)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)

    assert process.returncode == 0, err.decode()
    assert "（按 2026-11-21 判断）" in tg.sent_messages(990_001)[0]["text"]
    assert TOKEN.split(":", 1)[1] not in err.decode()
    assert len(tg.calls("setMyCommands")) == 3


def test_a_walk_through_by_buttons_at_human_pace_never_trips_the_flood_limit(
    tg: FakeTelegram, bot_services: Any, tmp_path: Path
) -> None:
    """Issue 8: one press a second, through the whole check (checklist toggles included),
    under a flood limit far below that pace (3 messages in 10 s): never "please slow down".
    (Typed messages still count: see the flood tests above.)"""
    channel = make_channel(
        tg, bot_services, tmp_path, flood_max_messages=3, flood_window_seconds=10.0
    )
    pressed: list[str] = []

    def latest_keyboard(chat: UserChat) -> list[str]:
        for message in reversed(tg.sent_messages(chat.chat_id)):
            if keyboard_buttons(message):
                return labels(message)
        return []

    async def scenario() -> None:
        async with channel.running():
            chat = UserChat(tg, channel, 77)
            await chat.say("/check")
            toggled = False
            for _ in range(20):
                if any("检查完成" in t for t in chat.texts()):
                    return
                options = latest_keyboard(chat)
                if any("完成" in o for o in options):  # the checklist: tick one, then done
                    toggles = [o for o in options if "完成" not in o and "都没有" not in o]
                    choice = toggles[0] if not toggled and toggles else "完成"
                    toggled = not toggled and bool(toggles)
                elif "是" in options:
                    choice = "是"
                elif any("企业" in o for o in options):
                    choice = next(o for o in options if "企业" in o)
                elif "嘉定区" in options:
                    choice = "嘉定区"
                else:
                    choice = options[0]
                await asyncio.sleep(1.0)
                pressed.append(choice)
                await chat.press(choice)
            raise AssertionError(f"no result after {pressed}")

    run(scenario())
    texts = [m["text"] for m in tg.sent_messages(77)]
    assert not any("请慢一点" in t or "slow down" in t for t in texts), (pressed, texts)
    assert len(pressed) >= 4, pressed
    assert any("检查完成" in t for t in texts)
