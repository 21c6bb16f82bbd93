"""Scoring a question file (the format of shared/eval/dev.yaml) against the assistant.

Matching normalises both sides as the file's header says: white space removed, Traditional ->
Simplified (OpenCC t2s), full-width -> half-width (NFKC).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import opencc
import yaml

from bot.domain import Answer
from bot.errors import BadInput, KnowledgeError

_T2S = opencc.OpenCC("t2s")


def match_form(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return str(_T2S.convert("".join(text.split())))


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: str
    q: str
    gold: tuple[str, ...] = ()
    must: tuple[tuple[str, ...], ...] = ()
    scope: bool | None = None  # False: out of scope; None: not stated
    forbid: tuple[str, ...] = ()


@dataclass
class ItemResult:
    item: EvalItem
    rank: int | None  # 1-based rank of the first citation holding a gold key
    must_ok: bool | None
    scope_ok: bool | None
    forbid_ok: bool
    answer: Answer | None
    error: str | None = None
    unsourced: tuple[str, ...] = ()  # figures of the answer found in no cited clause


@dataclass
class Report:
    results: list[ItemResult] = field(default_factory=list)

    def _ranked(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.gold]

    @property
    def recall1(self) -> float:
        ranked = self._ranked()
        return sum(r.rank == 1 for r in ranked) / len(ranked) if ranked else 1.0

    @property
    def recall3(self) -> float:
        ranked = self._ranked()
        return (
            sum(r.rank is not None and r.rank <= 3 for r in ranked) / len(ranked) if ranked else 1.0
        )

    @property
    def mrr(self) -> float:
        ranked = self._ranked()
        return sum(1.0 / r.rank for r in ranked if r.rank) / len(ranked) if ranked else 1.0

    @property
    def must_hit(self) -> float:
        judged = [r for r in self.results if r.must_ok is not None]
        return sum(bool(r.must_ok) for r in judged) / len(judged) if judged else 1.0

    @property
    def scope_accuracy(self) -> float:
        judged = [r for r in self.results if r.scope_ok is not None]
        return sum(bool(r.scope_ok) for r in judged) / len(judged) if judged else 1.0

    @property
    def forbid_ok(self) -> float:
        return sum(r.forbid_ok for r in self.results) / len(self.results) if self.results else 1.0

    @property
    def unsourced(self) -> int:
        """Figures stated in answers that neither a cited clause nor the question holds."""
        return sum(len(r.unsourced) for r in self.results)

    def metrics(self) -> dict[str, float]:
        return {
            "unsourced": float(self.unsourced),
            "recall@1": self.recall1,
            "recall@3": self.recall3,
            "mrr": self.mrr,
            "must_hit": self.must_hit,
            "scope_accuracy": self.scope_accuracy,
            "forbid_ok": self.forbid_ok,
        }


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def load_items(path: Path) -> list[EvalItem]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the question file: {exc}") from exc
    if not isinstance(data, list):
        raise KnowledgeError(f"{path}: expected a list of questions")
    items = []
    for n, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or "q" not in entry:
            raise KnowledgeError(f"{path}: entry {n} has no question (q)")
        items.append(
            EvalItem(
                id=str(entry.get("id", n)),
                lang=str(entry.get("lang", "")),
                q=str(entry["q"]),
                gold=_strings(entry.get("gold")),
                must=tuple(_strings(group) for group in entry.get("must") or []),
                scope=False
                if entry.get("scope") is False
                else (True if entry.get("gold") else None),
                forbid=_strings(entry.get("forbid")),
            )
        )
    return items


def score_item(item: EvalItem, answer: Answer | None, error: str | None = None) -> ItemResult:
    if answer is None:
        return ItemResult(
            item,
            None,
            False if item.must else None,
            False if item.scope is not None else None,
            True,
            None,
            error,
        )
    rank = None
    if item.gold:
        keys = [match_form(g) for g in item.gold]
        for i, citation in enumerate(answer.citations, start=1):
            if any(k in match_form(citation.text) for k in keys):
                rank = i
                break
    text = match_form(answer.text)
    must_ok = (
        all(any(match_form(alt) in text for alt in group) for group in item.must)
        if item.must
        else None
    )
    scope_ok = None if item.scope is None else answer.in_scope == item.scope
    forbid_ok = not any(match_form(f) in text for f in item.forbid)
    unsourced = unsourced_figures(answer, item.q)
    return ItemResult(item, rank, must_ok, scope_ok, forbid_ok, answer, unsourced=unsourced)


_CN_UNITS = {"千万": 1e7, "百万": 1e6, "亿": 1e8, "万": 1e4, "千": 1e3, "": 1.0}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_CN_MONEY = re.compile(_NUM + r"\s*(千万|百万|亿|万|千)?\s*元|" + _NUM + r"\s*(千万|百万|亿|万)(?![人家个名次件户])")
_EN_MONEY = re.compile(_NUM + r"\s*(million|billion|thousand)?\s*yuan", re.IGNORECASE)
_EN_SCALE = {"million": 1e6, "billion": 1e9, "thousand": 1e3, "": 1.0}


def money_values(text: str) -> dict[float, str]:
    """The money amounts in ``text`` as values (yuan), each with the words that said it."""
    text = str(_T2S.convert(unicodedata.normalize("NFKC", text)))
    out: dict[float, str] = {}
    for m in _CN_MONEY.finditer(text):
        number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out[round(float(number.replace(",", "")) * _CN_UNITS[unit or ""], 2)] = m.group(0)
    for m in _EN_MONEY.finditer(text):
        scale = _EN_SCALE[(m.group(2) or "").lower()]
        out[round(float(m.group(1).replace(",", "")) * scale, 2)] = m.group(0)
    return out


def unsourced_figures(answer: Answer, question: str) -> tuple[str, ...]:
    """Money figures of the answer that no cited clause (nor the question) states."""
    said = money_values(answer.text)
    known = set(money_values(question)).union(*(money_values(c.text) for c in answer.citations))
    return tuple(words for value, words in said.items() if value not in known)


def evaluate(items: Sequence[EvalItem], ask: Callable[[str], Answer]) -> Report:
    report = Report()
    for item in items:
        try:
            report.results.append(score_item(item, ask(item.q)))
        except BadInput as exc:
            report.results.append(score_item(item, None, exc.user_message))
    return report
