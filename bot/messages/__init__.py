"""Every user-facing sentence, in zh-Hans and en, and the command table: the one place to
look a sentence up. The sentences live by area (``dialogue``: the conversation and the
check; ``answers``: the answer path; ``results``: an eligibility result; ``notices``: said
in both languages at once; ``staff``: the staff desk's cards, replies and report);
``text`` and ``both`` look them up in one table.

Traditional Chinese (zh-Hant) is made from the Simplified text with OpenCC (``s2twp``) unless
an entry gives its own ``hant`` text; quotations of the documents never pass through here.
Channels read ``COMMAND_TABLE`` for their menus (Telegram's ``setMyCommands``), and the
dialogue reads it to know which commands exist, so the two can never disagree.

    text("welcome", lang="zh", traditional=False, **values) -> str
    command_menu(locale) -> tuple[tuple[str, str], ...]      # ("check", "资格检查：…")
    words(name) -> frozenset[str]                             # control words, normalised
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.messages import answers, dialogue, notices, results, staff
from bot.text import normalize, to_traditional

Locale = Literal["zh-Hans", "zh-Hant", "en"]


@dataclass(frozen=True)
class Command:
    """One slash command: its name, what the menu says, and whether the menu lists it."""

    name: str
    zh: str
    en: str
    in_menu: bool = True

    def describe(self, locale: Locale) -> str:
        if locale == "en":
            return self.en
        return to_traditional(self.zh) if locale == "zh-Hant" else self.zh


# The command table: the dialogue's router dispatches on these names, channels list them.
COMMAND_TABLE: Final[tuple[Command, ...]] = (
    Command("start", "开始：介绍与菜单", "Start: introduction and menu"),
    Command("help", "帮助：能问什么、怎么问", "Help: what to ask and how"),
    Command("check", "资格检查：看看能申请哪些扶持", "Check which support you may qualify for"),
    Command("cancel", "取消进行中的资格检查", "Cancel the eligibility check"),
    Command("lang", "切换语言 中文 / English", "Switch language English / 中文"),
    Command("about", "政策来源与有效期", "Policy sources and their validity"),
    Command("back", "修改上一个回答", "Change the last answer", in_menu=False),
    Command("why", "为什么问这个", "Why this question", in_menu=False),
)
COMMAND_NAMES: Final[frozenset[str]] = frozenset(c.name for c in COMMAND_TABLE)


def command_menu(locale: Locale) -> tuple[tuple[str, str], ...]:
    """(name, description) pairs of the commands a channel's menu lists, in ``locale``."""
    return tuple((c.name, c.describe(locale)) for c in COMMAND_TABLE if c.in_menu)


def _commands_line() -> str:
    return " ".join(f"/{c.name}" for c in COMMAND_TABLE if c.in_menu)


def _merged(*areas: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The areas' entries in one table; a key defined in two areas is an error, not a silent
    overwrite."""
    merged: dict[str, tuple[str, str]] = {}
    for area in areas:
        twice = merged.keys() & area.keys()
        if twice:
            raise ValueError(f"catalogue keys defined in two areas: {sorted(twice)}")
        merged.update(area)
    return merged


_CATALOGUE: Final[dict[str, tuple[str, str]]] = _merged(
    dialogue.ENTRIES, answers.ENTRIES, results.ENTRIES, notices.ENTRIES, staff.ENTRIES
)


def text(key: str, lang: str = "zh", traditional: bool = False, **values: object) -> str:
    """The catalogue entry ``key`` in the user's language and script, with ``values`` filled."""
    zh, en = _CATALOGUE[key]
    values.setdefault("commands", _commands_line())
    chosen = en if lang == "en" else zh
    out = chosen.format(**values) if values else chosen
    return to_traditional(out) if traditional and lang != "en" else out


def both(key: str, **values: object) -> str:
    """The catalogue entry ``key`` in Chinese and English at once (``zh / en``), for a reader
    whose language is not known."""
    return f"{text(key, 'zh', False, **values)} / {text(key, 'en', False, **values)}"


# Control words typed instead of commands, matched on the whole normalised message.
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "cancel": ("取消", "结束", "不查了", "算了", "cancel", "stop"),
    "quit": ("退出", "quit", "exit", "再见了", "bye bye"),
    "back": ("返回", "上一步", "回到上一步", "改上一个", "back", "go back", "previous", "undo"),
    "why": (
        "为什么", "为什么问", "为啥", "为什么要问", "为什么问这个", "why", "why?",
        "why do you ask", "why do you ask?",
    ),
    "help": ("帮助", "help", "菜单", "menu", "?", "？", "你能做什么", "你会什么", "what can you do"),
    "restart": ("重新开始", "重来", "restart", "start over"),
    "to_en": (
        "english", "english please", "in english", "in english please", "说英文", "英文",
        "用英文", "用英文说", "用英文说一遍", "用英语", "用英语说一遍", "英文版", "翻译成英文",
        "can you say that in english", "say it in english", "translate to english",
    ),
    "to_zh": (
        "中文", "说中文", "用中文", "用中文说一遍", "chinese", "in chinese", "简体", "简体中文",
        "in chinese please",
    ),
    "to_hant": ("繁体", "繁體", "繁体中文", "繁體中文", "用繁体", "用繁體", "traditional chinese"),
    "greeting": (
        "你好", "您好", "嗨", "哈喽", "哈啰", "早上好", "下午好", "晚上好", "在吗", "在不在",
        "hello", "hi", "hey", "good morning", "good afternoon", "good evening", "你好啊", "您好啊",
        "hello there", "hi there", "喂",
    ),
    "thanks": (
        "谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "非常感谢", "谢啦", "谢了", "thanks",
        "thank you", "thanks a lot", "thank you very much", "thx", "ty", "好的谢谢", "好的,谢谢",
        "ok thanks", "ok, thanks", "明白了,谢谢", "明白了谢谢", "知道了谢谢", "知道了,谢谢",
    ),
    "goodbye": ("再见", "拜拜", "bye", "goodbye", "see you", "回头见"),
    "ack": ("好的", "好", "ok", "okay", "嗯", "嗯嗯", "明白了", "知道了", "了解", "收到", "got it", "i see"),
    "yes": ("是", "是的", "好", "好的", "可以", "行", "要", "需要", "yes", "ok", "okay", "sure", "y", "嗯", "对"),
    "full_text": ("原文", "看原文", "全文", "完整条款", "full text", "show the full text"),
    "related": ("相关条款", "相关", "related", "related clauses"),
    # a checklist ("which of these apply?") answered with none or all of it
    "none_of_these": (
        "都没有", "都不是", "没有", "无", "否", "不是", "都不", "一个都没有", "none", "no",
        "neither", "nothing", "none of these", "沒有", "都沒有", "無",
    ),
    "all_of_these": ("都有", "全部", "都是", "全都有", "all", "all of them", "全部都有"),
}  # fmt: skip


def words(name: str) -> frozenset[str]:
    """The control words of group ``name``, normalised (Traditional input matches too)."""
    return frozenset(normalize(w) for w in _WORDS[name])
