"""Benefit clauses of loaded documents that no eligibility rule covers yet.

A document staff load (a district's subsidy measure, a city regulation) is searchable at once,
but the walk-through can only evaluate what ``knowledge/programs.yaml`` encodes. Rather than
say "nothing applies" to a firm whose place has such a document, the check lists its benefit
clauses as "not evaluated: no rules written yet". Pure: the caller passes the documents and
clauses it has loaded.

Public API:

    is_benefit_clause(text) -> bool
        The clause grants money or support: "给予…补贴/奖励/资助/扶持…", "最高…万元的奖励".
    applies_to_place(region, place) -> bool
        A document's region ("上海市", "上海市松江区", "") covers a firm's district id
        ("songjiang", "outside", None for not known).
    unruled_clauses(documents, clauses, ruled_docs, place, today, prefer=()) -> tuple[Clause, ...]
        Benefit clauses of the documents in force or of unknown validity that no program
        cites, whose region covers ``place``; those naming a word of ``prefer`` first.
    benefit_sentence(text) -> str
        The whole sentence of a clause that grants the benefit (never cut before its figure).
    unruled_reply(clauses, place, lang, traditional=False, limit=5) -> Reply
        "Not evaluated (no rules written yet): …" with one line and one citation per clause.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date

from bot.domain import Citation, Clause, DocumentMeta, Reply
from bot.eligibility.places import DISTRICT_NAMES, district_name
from bot.messages import text as msg
from bot.text import book, normalize, sentences

# Money or support granted: a granting verb before a kind of funding, a reward with a figure,
# or support "under the relevant rules" (the plans' wording).
_BENEFIT = re.compile(
    r"(给予|予以|可获|可以获得|享受|安排|发放|兑现|落实|依托)[^。；;]{0,60}?"
    r"(补贴|资助|补助|扶持|贴息|奖补|专项资金|资金支持)"
    r"|(奖励|补贴|资助|补助)[^。；;]{0,12}?(最高|不超过|上限)?[^。；;]{0,6}?\d[\d.,]*\s*(万元|亿元|元)"
    r"|\d[\d.,]*\s*(万元|亿元|元)[^。；;]{0,12}?(奖励|补贴|资助|补助)"
    r"|按(照)?(有关|相关)规定给予(相应)?(奖励|支持)"
)
# Penalties, and what merely commends or names a source of money, grant nothing to a firm.
_NOT_BENEFIT = ("罚款", "处以", "没收", "吊销", "捐赠", "表彰")
_FIGURE = re.compile(r"\d[\d.,]*\s*(万元|亿元|元)")

_CITY = "上海"


def is_benefit_clause(text: str) -> bool:
    norm = normalize(text)
    if any(word in norm for word in _NOT_BENEFIT) and not _FIGURE.search(norm):
        return False
    if any(word in norm for word in _NOT_BENEFIT[:4]):
        return False
    return _BENEFIT.search(norm) is not None


def applies_to_place(region: str, place: str | None) -> bool:
    """True when a document of ``region`` governs a firm in ``place``.

    A city-wide document (region 上海市, or no district in it) covers every Shanghai district
    and a firm whose district is not known; a district's document covers only that district.
    Nothing here covers a firm outside Shanghai.
    """
    if place == "outside":
        return False
    region = normalize(region)
    if _CITY not in region:
        return False
    named = [d for d, name in DISTRICT_NAMES.items() if name in region or name[:2] + "区" in region]
    if not named:
        return True
    return place in named


def unruled_clauses(
    documents: Mapping[str, DocumentMeta],
    clauses: Iterable[Clause],
    ruled_docs: Collection[str],
    place: str | None,
    today: date,
    prefer: tuple[str, ...] = (),
) -> tuple[Clause, ...]:
    """Benefit clauses of documents with no rules that govern ``place`` and are not expired;
    those naming a word of ``prefer`` ("企业" for a firm) first, else in document order."""
    wanted = {
        doc_id
        for doc_id, meta in documents.items()
        if doc_id not in ruled_docs
        and meta.validity(today) in ("in_force", "unknown")
        and applies_to_place(meta.region, place)
    }
    seen: set[tuple[str, str]] = set()
    found: list[Clause] = []
    for clause in clauses:
        if clause.doc_id not in wanted or clause.kind in ("header", "preamble", "goal"):
            continue
        key = (clause.doc_id, clause.clause)
        if key in seen or not is_benefit_clause(clause.text):
            continue
        seen.add(key)
        found.append(clause)
    found.sort(key=lambda c: not any(w in normalize(c.text) for w in prefer))
    return tuple(found)


def benefit_sentence(text: str) -> str:
    """The first whole sentence of ``text`` that grants a benefit; the text when none does."""
    for sentence in sentences(text):
        if is_benefit_clause(sentence):
            return sentence.strip()
    return text.strip()


def unruled_reply(
    clauses: tuple[Clause, ...],
    place: str | None,
    lang: str,
    traditional: bool = False,
    limit: int = 5,
) -> Reply:
    """The list of clauses the check could not evaluate, each cited in full."""
    shown = clauses[:limit]
    if lang == "en":
        where = (place or "").title() if place and place != "outside" else ""
    else:
        where = district_name(place)
    where = where or msg("check.unruled_place_unknown", lang)
    lines = [msg("check.unruled", lang, n=len(clauses), place=where)]
    for n, clause in enumerate(shown, start=1):
        sentence = benefit_sentence(clause.text.split("……", 1)[-1])
        lines.append(f"{n}. {book(clause.doc_title)}{clause.clause}：{sentence}")
    if len(clauses) > limit:
        lines.append(msg("check.unruled_more", lang, n=len(clauses) - limit))
    text = "\n".join(lines)
    if traditional and lang == "zh":
        from bot.text import to_traditional

        text = to_traditional(text)
    return Reply(text, citations=tuple(Citation.of(c) for c in shown))
