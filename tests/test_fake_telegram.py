"""Tests of the fake Telegram Bot API: over raw HTTP, then through python-telegram-bot itself."""

import asyncio
import datetime as dtm
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

# `tests/` is not a package: pytest's default import mode puts `tests/` itself on sys.path.
from fakes.telegram_api import Call, FakeTelegram, UploadedFile
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

KEYBOARD = {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]}


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0, trust_env=False) as http:
        yield http


def post(client: httpx.Client, tg: FakeTelegram, method: str, **kwargs: Any) -> httpx.Response:
    return client.post(tg.method_url(method), **kwargs)


# --- raw HTTP: routing ---------------------------------------------------------------------------


def test_get_me_returns_the_bot_user(tg: FakeTelegram, client: httpx.Client) -> None:
    response = post(client, tg, "getMe")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "policy_test_bot"
    assert body["result"]["is_bot"] is True
    assert body["result"]["id"] == 123
    assert [call.method for call in tg.calls()] == ["getMe"]
    assert tg.base_url.startswith("http://127.0.0.1:")


def test_another_token_gets_404_not_found(tg: FakeTelegram, client: httpx.Client) -> None:
    response = client.post(f"{tg.base_url}/bot999:WRONG/getMe")

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_file_downloads_are_not_served(tg: FakeTelegram, client: httpx.Client) -> None:
    response = client.get(f"{tg.base_url}/file/bot{tg.token}/photos/file_1.jpg")

    assert response.status_code == 404
    assert response.json()["description"] == "Not Found"


def test_unknown_method_gets_404_method_not_found(tg: FakeTelegram, client: httpx.Client) -> None:
    response = post(client, tg, "sendTelepathy", data={"chat_id": "1"})

    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert tg.calls("sendTelepathy")[0].params == {"chat_id": 1}


def test_method_names_are_case_insensitive(tg: FakeTelegram, client: httpx.Client) -> None:
    assert post(client, tg, "getme").json()["ok"] is True
    assert tg.calls()[0].method == "getMe"


# --- raw HTTP: request decoding and sendMessage -----------------------------------------------


def test_send_message_decodes_form_encoded_json_fields(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    form = {"chat_id": "42", "text": "123", "reply_markup": json.dumps(KEYBOARD)}

    first = post(client, tg, "sendMessage", data=form).json()["result"]
    second = post(client, tg, "sendMessage", data={**form, "text": "再来"}).json()["result"]

    assert first["text"] == "123"  # free text is never JSON-decoded
    assert first["chat"] == {"id": 42, "type": "private", "first_name": "User"}
    assert first["from"]["username"] == "policy_test_bot"
    assert first["reply_markup"] == KEYBOARD
    assert isinstance(first["date"], int)
    assert second["message_id"] == first["message_id"] + 1
    call = tg.calls("sendMessage")[0]
    assert call.params == {"chat_id": 42, "text": "123", "reply_markup": KEYBOARD}
    assert call.ok and not call.faulted
    assert [m["text"] for m in tg.sent_messages(42)] == ["123", "再来"]
    assert tg.sent_messages(7) == []


def test_json_bodies_and_query_strings_are_accepted(tg: FakeTelegram, client: httpx.Client) -> None:
    body = {"chat_id": 42, "text": "hi", "reply_markup": json.dumps(KEYBOARD)}

    by_json = post(client, tg, "sendMessage", json=body)
    by_query = client.get(tg.method_url("sendMessage"), params={"chat_id": "42", "text": "yo"})

    assert by_json.json()["result"]["reply_markup"] == KEYBOARD
    assert by_query.json()["result"]["text"] == "yo"
    assert tg.calls("sendMessage")[0].params["reply_markup"] == KEYBOARD


def test_multipart_fields_are_decoded_and_files_recorded(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    payload = b"\x00\xff\r\nbinary\n"
    response = post(
        client,
        tg,
        "sendMessage",
        data={"chat_id": "-1001", "text": "附件", "disable_notification": "true"},
        files={"thumbnail": ("t.bin", payload, "application/octet-stream")},
    )

    assert response.json()["ok"] is True
    params = tg.calls("sendMessage")[0].params
    assert params["chat_id"] == -1001
    assert params["text"] == "附件"
    assert params["disable_notification"] is True
    assert params["thumbnail"] == UploadedFile("t.bin", "application/octet-stream", payload)


def test_send_message_rejects_what_telegram_rejects(tg: FakeTelegram, client: httpx.Client) -> None:
    empty = post(client, tg, "sendMessage", data={"chat_id": "42", "text": "  "})
    too_long = post(client, tg, "sendMessage", data={"chat_id": "42", "text": "x" * 4097})
    no_chat = post(client, tg, "sendMessage", data={"text": "hi"})

    assert empty.status_code == 400
    assert empty.json()["description"] == "Bad Request: message text is empty"
    assert too_long.json()["description"] == "Bad Request: message is too long"
    assert no_chat.json()["error_code"] == 400
    assert tg.sent_messages() == []


def test_html_parse_mode_becomes_entities(tg: FakeTelegram, client: httpx.Client) -> None:
    text = '<b>补贴</b> &amp; <a href="https://example.org">条款</a>'
    sent = post(client, tg, "sendMessage", data={"chat_id": 1, "text": text, "parse_mode": "HTML"})
    bad = post(
        client, tg, "sendMessage", data={"chat_id": 1, "text": "a<br>b", "parse_mode": "HTML"}
    )
    unclosed = post(
        client, tg, "sendMessage", data={"chat_id": 1, "text": "<b>a", "parse_mode": "HTML"}
    )

    message = sent.json()["result"]
    assert message["text"] == "补贴 & 条款"
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "offset": 5, "length": 2, "url": "https://example.org"},
    ]
    assert bad.status_code == 400
    assert 'can\'t parse entities: Unsupported start tag "br"' in bad.json()["description"]
    assert "Can't find end tag" in unclosed.json()["description"]


def test_edit_message_text_tracks_the_message(tg: FakeTelegram, client: httpx.Client) -> None:
    form = {"chat_id": "42", "text": "问题?", "reply_markup": json.dumps(KEYBOARD)}
    message_id = post(client, tg, "sendMessage", data=form).json()["result"]["message_id"]

    same = post(client, tg, "editMessageText", data={**form, "message_id": message_id})
    edited = post(
        client, tg, "editMessageText", data={"chat_id": 42, "message_id": message_id, "text": "好"}
    )
    missing = post(
        client, tg, "editMessageText", data={"chat_id": 42, "message_id": 999, "text": "x"}
    )

    assert same.status_code == 400
    assert same.json()["description"].startswith("Bad Request: message is not modified")
    assert edited.json()["result"]["text"] == "好"
    assert "reply_markup" not in edited.json()["result"]  # no markup given: keyboard removed
    assert missing.json()["description"] == "Bad Request: message to edit not found"
    stored = tg.message(42, message_id)
    assert stored is not None and stored["text"] == "好" and "edit_date" in stored
    assert [m["text"] for m in tg.sent_messages(42)] == ["问题?", "好"]


def test_edit_reply_markup_and_answer_callback_query(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    form = {"chat_id": "42", "text": "问题?", "reply_markup": json.dumps(KEYBOARD)}
    message_id = post(client, tg, "sendMessage", data=form).json()["result"]["message_id"]
    tg.push_callback(42, "yes")
    query = tg.pending_updates()[0]["callback_query"]

    answered = post(client, tg, "answerCallbackQuery", data={"callback_query_id": query["id"]})
    again = post(client, tg, "answerCallbackQuery", data={"callback_query_id": query["id"]})
    cleared = post(
        client, tg, "editMessageReplyMarkup", data={"chat_id": 42, "message_id": message_id}
    )

    assert query["message"]["message_id"] == message_id  # the bot's last message
    assert query["message"]["reply_markup"] == KEYBOARD
    assert answered.json() == {"ok": True, "result": True}
    assert again.status_code == 400
    assert "reply_markup" not in cleared.json()["result"]


def test_chat_action_commands_and_webhook_methods(tg: FakeTelegram, client: httpx.Client) -> None:
    commands = [{"command": "start", "description": "开始"}]

    assert post(client, tg, "sendChatAction", data={"chat_id": 1, "action": "typing"}).is_success
    assert post(client, tg, "sendChatAction", data={"chat_id": 1, "action": "x"}).status_code == 400
    assert post(client, tg, "setMyCommands", data={"commands": json.dumps(commands)}).is_success
    assert post(client, tg, "getMyCommands").json()["result"] == commands
    assert post(client, tg, "deleteMyCommands").json()["result"] is True
    assert post(client, tg, "getMyCommands").json()["result"] == []
    bad_command = [{"command": "Start Now", "description": "x"}]
    assert post(client, tg, "setMyCommands", json={"commands": bad_command}).status_code == 400

    assert post(client, tg, "setWebhook", data={"url": "https://example.org/hook"}).is_success
    assert post(client, tg, "getWebhookInfo").json()["result"]["url"] == "https://example.org/hook"
    assert post(client, tg, "getUpdates").status_code == 409
    assert post(client, tg, "deleteWebhook").json()["result"] is True
    assert post(client, tg, "getWebhookInfo").json()["result"]["url"] == ""
    assert post(client, tg, "getUpdates").json() == {"ok": True, "result": []}
    assert post(client, tg, "close").json()["result"] is True
    assert post(client, tg, "logOut").json()["result"] is True


# --- raw HTTP: getUpdates ----------------------------------------------------------------------


def get_update_ids(client: httpx.Client, tg: FakeTelegram, **params: Any) -> list[int]:
    response = post(client, tg, "getUpdates", data=params)
    assert response.status_code == 200, response.text
    return [update["update_id"] for update in response.json()["result"]]


def test_get_updates_honours_offset_and_limit(tg: FakeTelegram, client: httpx.Client) -> None:
    ids = [tg.push_text(42, f"消息 {i}") for i in range(3)]

    assert get_update_ids(client, tg, limit=2) == ids[:2]
    assert get_update_ids(client, tg, offset=ids[1]) == ids[1:]  # confirms ids[0]
    assert len(tg.pending_updates()) == 2
    assert get_update_ids(client, tg, offset=-1) == ids[2:]  # forgets all but the last
    assert get_update_ids(client, tg, offset=ids[2] + 1) == []
    assert tg.pending_updates() == []


def test_get_updates_honours_allowed_updates(tg: FakeTelegram, client: httpx.Client) -> None:
    tg.push_text(42, "hi")
    callback_id = tg.push_callback(42, "yes")

    allowed = json.dumps(["callback_query"])
    assert get_update_ids(client, tg, allowed_updates=allowed) == [callback_id]


def test_long_poll_returns_empty_after_the_timeout(tg: FakeTelegram, client: httpx.Client) -> None:
    started = time.monotonic()
    assert get_update_ids(client, tg, timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


def test_long_poll_returns_promptly_when_an_update_arrives(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    pusher = threading.Timer(0.2, tg.push_text, args=(42, "/start"))
    pusher.start()
    started = time.monotonic()

    updates = post(client, tg, "getUpdates", data={"timeout": 5}).json()["result"]

    pusher.join()
    assert time.monotonic() - started < 2
    assert [u["message"]["text"] for u in updates] == ["/start"]


def test_stop_is_prompt_while_a_long_poll_waits(client: httpx.Client) -> None:
    server = FakeTelegram().start()
    answers: list[httpx.Response | Exception] = []

    def long_poll() -> None:
        try:
            answers.append(client.post(server.method_url("getUpdates"), data={"timeout": 30}))
        except httpx.HTTPError as exc:
            answers.append(exc)

    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    stopped_in = time.monotonic() - started
    poller.join(timeout=5)

    assert stopped_in < 1.0
    assert not poller.is_alive()
    assert len(answers) == 1
    serving = [t for t in threading.enumerate() if "process_request" in t.name]
    assert serving == [] and tg_threads() == []
    server.stop()  # idempotent


def tg_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fake-telegram"]


# --- raw HTTP: update factories ----------------------------------------------------------------


def test_update_factories_build_realistic_updates(tg: FakeTelegram) -> None:
    command = tg.push_text(
        -1001234, "/help@policy_test_bot 补贴", user_id=7, chat_type="supergroup"
    )
    tg.push_text(42, "你好")
    raw = tg.push_raw({"bogus": True})

    updates = tg.pending_updates()
    message = updates[0]["message"]
    assert updates[0]["update_id"] == command
    assert message["chat"] == {"id": -1001234, "type": "supergroup", "title": "Test Supergroup"}
    assert message["from"]["id"] == 7 and message["from"]["is_bot"] is False
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 21}]
    assert "entities" not in updates[1]["message"]
    assert updates[1]["message"]["from"]["id"] == 42
    assert updates[2] == {"bogus": True, "update_id": raw}
    assert command < raw


def test_update_factories_refuse_impossible_chats(tg: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="negative"):
        tg.push_text(5, "hi", chat_type="group")
    with pytest.raises(ValueError, match="positive"):
        tg.push_text(-5, "hi")
    with pytest.raises(ValueError, match="negative"):
        tg.push_channel_post(5, "hi")


# --- raw HTTP: faults --------------------------------------------------------------------------


def test_429_carries_retry_after(tg: FakeTelegram, client: httpx.Client) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=7)

    limited = post(client, tg, "sendMessage", data={"chat_id": 1, "text": "a"})
    retried = post(client, tg, "sendMessage", data={"chat_id": 1, "text": "a"})

    assert limited.status_code == 429
    assert limited.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert retried.status_code == 200
    first, second = tg.calls("sendMessage")
    assert first.faulted and first.fault == "429" and not first.ok
    assert second.ok and not second.faulted
    assert len(tg.sent_messages()) == 1


def test_502_is_answered_the_given_number_of_times(tg: FakeTelegram, client: httpx.Client) -> None:
    tg.fail_next("getMe", status=502, times=2)

    statuses = [post(client, tg, "getMe").status_code for _ in range(3)]

    assert statuses == [502, 502, 200]
    assert tg.calls("getMe")[0].response == {
        "ok": False,
        "error_code": 502,
        "description": "Bad Gateway",
    }


def test_faults_are_consumed_in_order_and_can_match_any_method(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    tg.fail_next(None, status=502)
    tg.fail_next("getMe", status=403)

    assert post(client, tg, "getMe").status_code == 502
    assert post(client, tg, "getMe").status_code == 403
    assert post(client, tg, "getMe").status_code == 200


def test_slow_answers_after_the_delay(tg: FakeTelegram, client: httpx.Client) -> None:
    tg.slow_next("getMe", 0.5)

    started = time.monotonic()
    slow = post(client, tg, "getMe")
    slow_took = time.monotonic() - started
    started = time.monotonic()
    post(client, tg, "getMe")

    assert slow.status_code == 200 and slow_took >= 0.5
    assert time.monotonic() - started < 0.5
    assert tg.calls("getMe")[0].fault == "slow"


def test_dropped_connection_raises_an_httpx_error(tg: FakeTelegram, client: httpx.Client) -> None:
    tg.drop_next("getMe")

    with pytest.raises(httpx.RemoteProtocolError):
        post(client, tg, "getMe")

    assert post(client, tg, "getMe").status_code == 200
    dropped = tg.calls("getMe")[0]
    assert dropped.fault == "drop" and dropped.response is None and not dropped.ok


# --- recording ---------------------------------------------------------------------------------


def test_wait_for_blocks_until_enough_calls(tg: FakeTelegram, client: httpx.Client) -> None:
    sender = threading.Timer(
        0.2, lambda: post(client, tg, "sendMessage", data={"chat_id": 1, "text": "迟到"})
    )
    sender.start()

    calls = tg.wait_for("sendMessage", timeout=5)
    sender.join()

    assert [call.params["text"] for call in calls] == ["迟到"]
    assert tg.wait_for(lambda call: call.ok, count=1, timeout=0.1) == calls


def test_wait_for_times_out_with_a_dump_of_the_calls(
    tg: FakeTelegram, client: httpx.Client
) -> None:
    post(client, tg, "getMe")

    with pytest.raises(AssertionError, match=r"(?s)1 call\(s\) matching 'sendMessage'.*getMe"):
        tg.wait_for("sendMessage", timeout=0.1)

    tg.clear()
    assert tg.calls() == []


# --- python-telegram-bot against the fake ------------------------------------------------------


def ptb_bot(tg: FakeTelegram) -> Bot:
    return Bot(tg.token, base_url=f"{tg.base_url}/bot")


def message_of(update: Update) -> Message:
    assert update.effective_message is not None, update
    return update.effective_message


def test_ptb_sends_a_message_with_an_inline_keyboard(tg: FakeTelegram) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])

    async def scenario() -> Message:
        async with ptb_bot(tg) as bot:
            assert bot.username == "policy_test_bot"  # initialize() called getMe
            return await bot.send_message(42, "符合条件吗?", reply_markup=markup)

    message = asyncio.run(scenario())

    assert message.text == "符合条件吗?"
    assert message.chat.id == 42
    assert message.reply_markup == markup
    assert [call.method for call in tg.calls()] == ["getMe", "sendMessage"]
    params = tg.calls("sendMessage")[0].params
    assert params == {"chat_id": 42, "text": "符合条件吗?", "reply_markup": KEYBOARD}


def test_ptb_manages_commands(tg: FakeTelegram) -> None:
    commands = [BotCommand("start", "开始"), BotCommand("help", "帮助")]

    async def scenario() -> tuple[BotCommand, ...]:
        async with ptb_bot(tg) as bot:
            assert await bot.set_my_commands(commands) is True
            return await bot.get_my_commands()

    assert list(asyncio.run(scenario())) == commands
    assert tg.calls("setMyCommands")[0].params["commands"] == [
        {"command": "start", "description": "开始"},
        {"command": "help", "description": "帮助"},
    ]


def test_ptb_parses_pushed_updates(tg: FakeTelegram) -> None:
    tg.push_text(42, "/start")
    tg.push_callback(42, "yes")
    tg.push_text(-100777, "/help@policy_test_bot", chat_type="group")
    tg.push_sticker(42)
    tg.push_photo(42, caption="截图")
    tg.push_voice(42)
    tg.push_document(42)
    tg.push_edited_text(42, "/start again")
    tg.push_channel_post(-100888, "公告")

    async def scenario() -> tuple[tuple[Update, ...], tuple[Update, ...], bool]:
        async with ptb_bot(tg) as bot:
            updates = await bot.get_updates(timeout=0)
            query = updates[1].callback_query
            assert query is not None
            answered = await bot.answer_callback_query(query.id)
            rest = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
            return updates, rest, answered

    updates, rest, answered = asyncio.run(scenario())

    start, callback, group, sticker, photo, voice, document, edited, channel_post = (
        message_of(update) for update in updates
    )
    assert start.text == "/start" and start.entities[0].type == "bot_command"
    assert start.from_user is not None and start.from_user.id == 42
    query = updates[1].callback_query
    assert isinstance(query, CallbackQuery) and query.data == "yes"
    assert callback.from_user is not None and callback.from_user.is_bot  # the bot's message
    assert answered is True
    assert group.chat.type == "group"
    assert group.from_user is not None and group.from_user.id == 424242
    assert sticker.sticker is not None and sticker.sticker.emoji == "👍"
    assert photo.photo[-1].width == 800 and photo.caption == "截图"
    assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert document.document is not None and document.document.file_name == "document.pdf"
    assert updates[7].edited_message is edited and edited.text == "/start again"
    assert edited.message_id == start.message_id
    assert channel_post.text == "公告" and channel_post.chat.type == "channel"
    assert rest == ()
    assert tg.pending_updates() == []


def test_ptb_raises_retry_after_on_429(tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # Opt in to the timedelta retry_after; the int form warns (and warnings are errors here).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.fail_next("sendMessage", status=429, retry_after=3)

    async def scenario() -> None:
        async with ptb_bot(tg) as bot:
            await bot.send_message(42, "hi")

    with pytest.raises(RetryAfter) as raised:
        asyncio.run(scenario())

    assert raised.value.retry_after == dtm.timedelta(seconds=3)


@pytest.mark.parametrize("inject", ["502", "drop"])
def test_ptb_raises_network_error_on_502_and_drops(tg: FakeTelegram, inject: str) -> None:
    if inject == "502":
        tg.fail_next("sendMessage", status=502)
    else:
        tg.drop_next("sendMessage")

    async def scenario() -> None:
        async with ptb_bot(tg) as bot:
            await bot.send_message(42, "hi")

    with pytest.raises(NetworkError) as raised:
        asyncio.run(scenario())

    assert isinstance(raised.value, TelegramError)
    if inject == "502":
        assert "Bad Gateway" in raised.value.message


def test_ptb_reports_another_token_as_invalid(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with Bot("999:WRONG", base_url=tg.ptb_base_url):
            pass

    with pytest.raises(InvalidToken):
        asyncio.run(scenario())


def test_ptb_application_polls_and_answers(tg: FakeTelegram) -> None:
    """The whole loop: Updater long-polls the fake, handlers answer, shutdown is clean."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])
        await message_of(update).reply_text("符合条件吗?", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"你选了 {query.data}")

    def is_edit(call: Call) -> bool:
        return call.method == "editMessageText" and call.ok

    async def scenario() -> None:
        application = Application.builder().token(tg.token).base_url(tg.ptb_base_url).build()
        application.add_handler(CommandHandler("start", start))
        application.add_handler(CallbackQueryHandler(pressed))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=dtm.timedelta(seconds=1))
            tg.push_text(42, "/start")
            await asyncio.to_thread(tg.wait_for, "sendMessage")
            tg.push_callback(42, "yes")
            await asyncio.to_thread(tg.wait_for, is_edit)
            await application.updater.stop()
            await application.stop()

    asyncio.run(scenario())

    question, answer = tg.sent_messages(42)
    assert question["reply_markup"] == KEYBOARD
    assert answer["message_id"] == question["message_id"]
    assert answer["text"] == "你选了 yes" and "reply_markup" not in answer
    assert tg.calls("answerCallbackQuery")[0].ok
    assert tg.pending_updates() == []  # the Updater confirmed what it handled
