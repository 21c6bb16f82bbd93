"""What the Telegram channel's tests added to the fake Bot API: replies to a message and call
observers (for the load benchmark)."""

from collections.abc import Iterator

import httpx
import pytest
from fakes.telegram_api import Call, FakeTelegram


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_a_text_can_reply_to_a_message_of_the_chat(tg: FakeTelegram) -> None:
    with httpx.Client(trust_env=False) as client:
        sent = client.post(tg.method_url("sendMessage"), data={"chat_id": 42, "text": "问题？"})
    bot_message = sent.json()["result"]["message_id"]

    tg.push_text(42, "回答", reply_to_message_id=bot_message)

    message = tg.pending_updates()[-1]["message"]
    assert message["reply_to_message"]["message_id"] == bot_message
    assert message["reply_to_message"]["from"]["is_bot"] is True
    with pytest.raises(ValueError, match="no message 999"):
        tg.push_text(42, "x", reply_to_message_id=999)


def test_observers_see_every_call_as_it_is_recorded(tg: FakeTelegram) -> None:
    seen: list[Call] = []
    tg.observe(seen.append)
    tg.fail_next("getMe", status=502)

    with httpx.Client(trust_env=False) as client:
        client.post(tg.method_url("getMe"))
        client.post(tg.method_url("getMe"))

    assert [(c.method, c.status) for c in seen] == [("getMe", 502), ("getMe", 200)]
    assert seen == tg.calls()
