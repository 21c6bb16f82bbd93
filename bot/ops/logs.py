"""JSON log lines (``POLICYBOT_LOG_FORMAT=json``): one object a line, for a log collector.

Fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``chat`` when the
record names one (``extra={"chat": …}``), ``exc`` with the traceback. What could identify a
person is masked, in the message and in every field: phone, ID card and credit-code numbers
and e-mail addresses (``bot.text.privacy.mask``), the chat or user id after the words "chat",
"user", "from" and "to" as the code's log calls write them, and WeChat OpenIDs anywhere. A
masked id keeps its first and last two characters, enough to follow one chat through a log
without the id itself.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from bot.text.privacy import mask

_ID_AFTER_WORD = re.compile(r"\b(chat|user|from|to|session)( +)(-?[0-9A-Za-z_-]{5,}(?::\d+)?)\b")
_OPENID = re.compile(r"(?<![0-9A-Za-z_-])o[0-9A-Za-z_-]{27}(?![0-9A-Za-z_-])")
# The attributes every LogRecord has; anything else came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


def mask_id(value: str) -> str:
    """A chat or user id with all but its first and last two characters starred."""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_line(text: str) -> str:
    """``text`` with personal numbers, chat and user ids and OpenIDs masked."""
    text = _OPENID.sub(lambda m: mask_id(m.group(0)), text)
    text = _ID_AFTER_WORD.sub(
        lambda m: (
            m.group(1) + m.group(2) + mask_id(m.group(3))
            if any(ch.isdigit() for ch in m.group(3))
            else m.group(0)
        ),
        text,
    )
    return mask(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, masked (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_line(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "chat":
                out[key] = mask_id(str(value))
            elif isinstance(value, int | float | bool) or value is None:
                out[key] = value
            else:
                out[key] = mask_line(str(value))
        if record.exc_info:
            out["exc"] = mask_line(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exc"] = mask_line(record.exc_text)
        return json.dumps(out, ensure_ascii=False)


def use_json_logs() -> None:
    """Every handler of the root logger writes JSON lines from now on."""
    formatter = JsonFormatter()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
