"""Drive a running ``TelegramChannel`` through the fake Bot API as a user would.

Shared by the Telegram end-to-end tests and ``bench/telegram_load.py``::

    async with channel.running():
        chat = UserChat(tg, channel, 42)
        replies = await chat.say("/check")        # the messages the bot sent back
        replies = await chat.press("是")           # a button of the bot's last keyboard

``settle`` waits until every update pushed to the fake has been fetched, handed to a chat's
lane and answered: no pending update at the fake, no turn running, nothing due in the outbox.
"""

import asyncio
import time
from typing import Any, Protocol

from .telegram_api import FakeTelegram

JSONDict = dict[str, Any]


class Channel(Protocol):
    """What ``settle`` needs of ``bot.channels.telegram.TelegramChannel``."""

    @property
    def pending_turns(self) -> int: ...

    async def idle(self) -> bool: ...


async def settle(tg: FakeTelegram, channel: Channel, timeout: float = 20.0) -> None:
    """Return once the bot has nothing left to do for the updates pushed so far."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while True:
        idle = not tg.pending_updates() and await channel.idle()
        quiet = quiet + 1 if idle else 0
        if quiet >= 2:  # twice in a row: a task scheduled in between has had its turn
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the bot did not settle in {timeout}s: {len(tg.pending_updates())} updates "
                f"pending, {channel.pending_turns} turns running"
            )
        await asyncio.sleep(0.01)


def keyboard_buttons(message: JSONDict) -> list[JSONDict]:
    """The inline buttons of a sent message, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button for row in rows for button in row]


class UserChat:
    """One private chat: say things, press buttons, collect what the bot sent since."""

    def __init__(self, tg: FakeTelegram, channel: Channel, chat_id: int) -> None:
        self.tg = tg
        self.channel = channel
        self.chat_id = chat_id
        self.seen = 0

    async def say(self, text: str) -> list[JSONDict]:
        self.tg.push_text(self.chat_id, text)
        return await self.replies()

    async def press(self, label: str) -> list[JSONDict]:
        """Press the button whose label contains ``label`` on the bot's latest keyboard."""
        message, data = self.button(label)
        self.tg.push_callback(self.chat_id, data, message_id=message["message_id"])
        return await self.replies()

    def button(self, label: str) -> tuple[JSONDict, str]:
        for message in reversed(self.tg.sent_messages(self.chat_id)):
            buttons = keyboard_buttons(message)
            if buttons:
                for button in buttons:
                    if label in button["text"]:
                        return message, button["callback_data"]
                labels = [b["text"] for b in buttons]
                raise AssertionError(f"no button {label!r} on the last keyboard: {labels}")
        raise AssertionError("the bot has sent no keyboard in this chat")

    async def replies(self) -> list[JSONDict]:
        """Messages the bot sent to this chat since the last call (after the bot settles)."""
        await settle(self.tg, self.channel)
        sent = self.tg.sent_messages(self.chat_id)
        new, self.seen = sent[self.seen :], len(sent)
        return new

    def texts(self) -> list[str]:
        return [m["text"] for m in self.tg.sent_messages(self.chat_id)]
