"""The catalogue's notices for a reader whose language is not known (a line that cannot be
read, a message that comes too fast): said in both languages at once, ``zh / en``, by
``bot.messages.both(key, …)``; each entry is (zh-Hans, en).
"""

from __future__ import annotations

from typing import Final

ENTRIES: Final[dict[str, tuple[str, str]]] = {
    "notice.slow_down": (
        "请慢一点，稍等几秒再发。",
        "Please slow down a little and try again in a few seconds.",
    ),
    "notice.not_utf8": ("这一行不是有效的 UTF-8 文本。", "This line is not valid UTF-8 text."),
    "notice.line_too_long": ("这一行太长了（超过 {limit} 字节）。", "This line is too long."),
}
