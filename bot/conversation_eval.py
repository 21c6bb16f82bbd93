"""Scoring multi-turn conversations (the format of shared/eval/dev-conversations.yaml).

Each conversation is played in a fresh chat, turn by turn, through ``send(chat, text) ->
replies`` (the JSON objects of ``chat --jsonl``); each turn is checked for its lead (the first
two non-empty lines of the first reply, each cut at the first 「), what the replies must and
must not contain, and the clause among the first three citations. Reported: the share of turns
passed, of direct first lines (turns with a ``lead`` check), of follow-ups (turns after the
first), of gold citations; and every figure in a reply that no source backs (``figure_check``).

``figure_check(text, sources)`` lists each amount of money, percentage and full date in a reply
that is not in a cited clause, the rules table, a document's metadata, today's date, the
user's own words or a line that shows how it was computed; the same value written another way
(80万元, 800,000 yuan) counts as the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.evaluation import match_form
from bot.text import find_amounts, to_simplified

Send = Callable[[str, str], list[dict[str, Any]]]


def lead_of(replies: Sequence[dict[str, Any]]) -> str:
    text = replies[0].get("text", "") if replies else ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:2]
    return " ".join(ln.split("「", 1)[0] for ln in lines)[:400]


def _flat(group: Iterable[Any]) -> list[str]:
    return [str(y) for x in group for y in (x if isinstance(x, list) else [x])]


@dataclass
class TurnResult:
    conversation: str
    index: int
    say: str
    fails: list[str]
    has_lead: bool
    lead_ok: bool
    has_gold: bool
    gold_ok: bool
    chars: int
    lang: str


@dataclass
class ConversationReport:
    turns: list[TurnResult] = field(default_factory=list)
    figure_problems: list[str] = field(default_factory=list)

    def _share(self, items: list[bool]) -> float:
        return sum(items) / len(items) if items else 1.0

    def metrics(self) -> dict[str, float]:
        return {
            "turns": self._share([not t.fails for t in self.turns]),
            "first_line": self._share([t.lead_ok for t in self.turns if t.has_lead]),
            "follow_ups": self._share([not t.fails for t in self.turns if t.index > 0]),
            "gold@3": self._share([t.gold_ok for t in self.turns if t.has_gold]),
        }

    def lengths(self, lang: str) -> list[int]:
        return sorted(t.chars for t in self.turns if t.lang == lang)


def load_conversations(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read conversations: {exc}") from exc
    convs = data.get("conversations") if isinstance(data, dict) else None
    if not isinstance(convs, list) or not all(isinstance(c, dict) and c.get("turns") for c in convs):
        raise KnowledgeError(f"{path}: expected 'conversations: [{{id, turns: [...]}}]'")
    return convs


def is_conversation_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "conversations" in data


def score_turn(turn: dict[str, Any], replies: list[dict[str, Any]]) -> tuple[list[str], bool, bool]:
    """The failed checks of one turn, whether its lead passed, whether its gold passed."""
    text = match_form(" ".join(r.get("text", "") for r in replies))
    raw = " ".join(r.get("text", "") for r in replies)
    lead = match_form(lead_of(replies))
    cites = [match_form(c.get("text", "")) for r in replies for c in r.get("citations") or []][:3]
    fails: list[str] = []
    lead_ok = True
    if turn.get("lead"):
        lead_ok = all(any(match_form(x) in lead for x in _flat(g if isinstance(g, list) else [g])) for g in turn["lead"])
        lead_ok = lead_ok and not any(match_form(x) in lead for x in turn.get("lead_forbid", []))
        if not lead_ok:
            fails.append(f"lead {lead_of(replies)[:120]!r}")
    for group in turn.get("must", []):
        options = _flat(group if isinstance(group, list) else [group])
        if not any(match_form(x) in text for x in options):
            fails.append(f"lacks one of {options[:4]}")
    for bad in turn.get("forbid", []):
        if match_form(bad) in text:
            fails.append(f"contains {bad!r}")
    for rx in turn.get("forbid_re", []):
        if re.search(rx, raw):
            fails.append(f"matches {rx!r}")
    gold_ok = True
    if turn.get("gold"):
        gold_ok = any(match_form(k) in c for k in turn["gold"] for c in cites)
        if not gold_ok:
            fails.append(f"gold {turn['gold']} not cited")
    return fails, lead_ok, gold_ok


def play(convs: Sequence[dict[str, Any]], send: Send, prefix: str = "conv") -> ConversationReport:
    report = ConversationReport()
    for ci, conv in enumerate(convs):
        chat = f"{prefix}-{ci}"
        for ti, turn in enumerate(conv["turns"]):
            replies = send(chat, str(turn["say"]))
            fails, lead_ok, gold_ok = score_turn(turn, replies)
            first = replies[0].get("text", "") if replies else ""
            report.turns.append(
                TurnResult(
                    conversation=str(conv.get("id", ci)),
                    index=ti,
                    say=str(turn["say"]),
                    fails=fails,
                    has_lead=bool(turn.get("lead")),
                    lead_ok=lead_ok,
                    has_gold=bool(turn.get("gold")),
                    gold_ok=gold_ok,
                    chars=len(first),
                    lang="en" if re.search(r"[a-zA-Z]{3}", first[:40]) and not re.search(r"[\u4e00-\u9fff]", first[:20]) else "zh",
                )
            )
    return report


# ------------------------------------------------------------------------------ figures

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_DATE = re.compile(r"(\d{4})\s*(?:年|-)\s*(\d{1,2})\s*(?:月|-)\s*(\d{1,2})")
_WORKING = ("计算", "How:", "→", "还差", "to go", "=")
# Example answers in a question ("（例如：3.2亿）", '(e.g. "250 million")') claim nothing.
_EXAMPLE = re.compile(r"[（(](?:例如|如|e\.g\.)[^）)]*[）)]|如“[^”]*”(?:“[^”]*”)*")


@dataclass(frozen=True)
class Figures:
    money: frozenset[int]
    percents: frozenset[str]
    dates: frozenset[date]


def figures_of(text: str) -> Figures:
    money = frozenset(a.yuan for a in find_amounts(text))
    percents = frozenset(p for p in _PERCENT.findall(text))
    dates = set()
    for y, m, d in _DATE.findall(text):
        try:
            dates.add(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return Figures(money, percents, frozenset(dates))


def figure_check(text: str, sources: Iterable[str], allowed_money: Iterable[int] = (), allowed_dates: Iterable[date] = ()) -> list[str]:
    """Figures in ``text`` that no source backs (lines that show a computation are sources)."""
    text = _EXAMPLE.sub("", text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    working = [ln for ln in lines if any(w in to_simplified(ln) for w in _WORKING)]
    known = figures_of("\n".join([*sources, *working]))
    money = set(known.money) | set(allowed_money)
    dates = set(known.dates) | set(allowed_dates)
    shown = figures_of(text)
    problems = [f"amount {v:,} yuan" for v in sorted(shown.money - money)]
    problems += [f"percentage {p}%" for p in sorted(shown.percents - known.percents)]
    problems += [f"date {d.isoformat()}" for d in sorted(shown.dates - dates)]
    return problems


def document_dates(documents: Iterable[Any]) -> set[date]:
    out: set[date] = set()
    for meta in documents:
        out.update(d for d in (meta.issue_date, meta.valid_from, meta.valid_until) if d)
    return out


def play_checked(
    convs: Sequence[dict[str, Any]], send: Send, rulebook: Any, documents: Iterable[Any], today: date
) -> ConversationReport:
    """``play`` plus the figure check on every reply of every turn."""
    money = set(rulebook.amounts())
    dates = document_dates(documents) | {today}
    said: dict[str, list[str]] = {}

    def checked(chat: str, text: str) -> list[dict[str, Any]]:
        said.setdefault(chat, []).append(text)
        replies = send(chat, text)
        for reply in replies:
            sources = [c.get("text", "") for c in reply.get("citations") or []] + said[chat]
            for problem in figure_check(reply.get("text", ""), sources, money, dates):
                report.figure_problems.append(f"{chat} {text!r}: {problem}")
        return replies

    report = ConversationReport()
    played = play(convs, checked)
    report.turns = played.turns
    return report


# ------------------------------------------------------------------------------ typical paths

# Typical users of the eligibility check: how they open, and what they answer.
TYPICAL_PATHS: dict[str, tuple[str, dict[str, str]]] = {
    "company": ("/check", {"entity_type": "company", "registered_in_jiading": "yes", "annual_revenue": "3.2亿", "revenue_first_time": "yes"}),
    "park": ("/check", {"entity_type": "park", "registered_in_jiading": "yes", "park_level": "district", "park_newly_recognised": "yes", "park_first_honour": "municipal", "park_assessment_rank": "5"}),
    "individual": ("/check", {"entity_type": "individual", "talent_status": "other_recognised"}),
    "non_jiading_company": ("/check", {"entity_type": "company", "registered_in_jiading": "no"}),
}  # fmt: skip


def count_questions(
    send_text: Callable[[str, str], list[dict[str, Any]]],
    send_choice: Callable[[str, str], list[dict[str, Any]]],
    opening: str,
    answers: dict[str, str],
    chat: str,
) -> int:
    """Questions asked from ``opening`` to the result, a checklist counting as one; the user
    ticks in a checklist what ``answers`` says yes to, and skips anything else."""
    replies = send_text(chat, opening)
    asked = 0
    for _ in range(30):
        ids = [o["id"] for o in (replies[-1].get("options") or [])] if replies else []
        if ids and all(i.startswith("chk:") for i in ids):
            asked += 1
            for item in ids:
                fact = item[4:]
                if answers.get(fact) == "yes":
                    replies = send_choice(chat, item)
            replies = send_choice(chat, "chk:done")
            continue
        if not ids or not all(i.startswith("ans:") for i in ids):
            return asked
        asked += 1
        fact = ids[0].split(":")[1]
        value = answers.get(fact, "unknown")
        option = f"ans:{fact}:{value}"
        replies = send_choice(chat, option) if option in ids else send_text(chat, value)
    return asked
