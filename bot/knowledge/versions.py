"""Versions of one document: the latest supersedes the others.

An office loads a regulation as amended in 2024 beside the text of 2018 it replaces (the city's
corpus holds fifteen such pairs, one file named by its date, one not). Both read as in force:
each states only its own dates. Documents with the same title and region are versions of one
document; the one dated latest (the latest of its issue date and its date of effect) is the
text in force, and each other is marked ``superseded_by`` it, unless its own front matter says
otherwise: answers from it carry the notice that it was replaced, and retrieval ranks the
current text's clauses first (``Retriever``). Undecidable (two versions with the same date, or
none) leaves them as they are.

A document can also be repealed by another of a different title: "…通过的《上海市房地产登记
条例》同时废止" closes the regulation on real-estate registration of 2020; a loaded document
whose title such a sentence of a later loaded document names (same region) is marked
``superseded_by`` it as well (``with_repeals``). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Final

from bot.domain import Clause, DocumentMeta
from bot.text import book, normalize

if TYPE_CHECKING:
    from bot.knowledge.index import KnowledgeBase


def _dated(meta: DocumentMeta) -> date | None:
    known = [d for d in (meta.issue_date, meta.valid_from) if d is not None]
    return max(known) if known else None


def _named(meta: DocumentMeta) -> str:
    """How the replaced version names its successor, in either language of an answer."""
    dated = _dated(meta)
    return book(meta.title) + (f"（{dated.isoformat()}）" if dated else "")


def with_versions(documents: Mapping[str, DocumentMeta]) -> dict[str, DocumentMeta]:
    """``documents`` with every older version of a document marked superseded by its latest."""
    groups: dict[tuple[str, str], list[DocumentMeta]] = {}
    for meta in documents.values():
        groups.setdefault((normalize(meta.title), meta.region), []).append(meta)
    out = dict(documents)
    for versions in groups.values():
        if len(versions) < 2:
            continue
        dated = sorted(
            ((when, m) for m in versions if (when := _dated(m)) is not None),
            key=lambda item: item[0],
        )
        if not dated:
            continue
        latest_date, latest = dated[-1]
        if sum(1 for when, _ in dated if when == latest_date) > 1:
            continue  # two versions of the same date: which is in force cannot be told
        for meta in versions:
            older = _dated(meta)
            if meta is latest or meta.repealed_by or meta.superseded_by:
                continue
            if older is None or older < latest_date:
                out[meta.id] = replace(meta, superseded_by=_named(latest))
    return out


# "…通过的《上海市实施〈中华人民共和国食品安全法〉办法》同时废止": a title (inner titles in
# 〈〉 or 《》), then within the sentence the word that repeals it
_REPEALED: Final = re.compile(
    r"《((?:[^《》〈〉。；]|〈[^〈〉]*〉|《[^《》]*》)+)》(?=[^。；《]{0,30}?废止)"
)


def _title_key(title: str) -> str:
    """A title as another document cites it: 〈〉 for inner titles, without 中华人民共和国."""
    text = normalize(title).replace("〈", "《").replace("〉", "》")
    return text.replace("中华人民共和国", "").replace(" ", "")


def with_repeals(
    documents: Mapping[str, DocumentMeta], clauses: Sequence[Clause]
) -> dict[str, DocumentMeta]:
    """``documents`` with each document that a later loaded document of its region says it
    repeals ("…《X》同时废止") marked ``superseded_by`` that one."""
    by_title: dict[tuple[str, str], list[DocumentMeta]] = {}
    for meta in documents.values():
        by_title.setdefault((_title_key(meta.title), meta.region), []).append(meta)
    out = dict(documents)
    for clause in clauses:
        repealing = documents.get(clause.doc_id)
        if repealing is None or repealing.superseded_by or repealing.repealed_by:
            continue
        if "废止" not in clause.text:
            continue
        when = _dated(repealing)
        for title in _REPEALED.findall(clause.text):
            for meta in by_title.get((_title_key(title), repealing.region), ()):
                if meta.id == repealing.id or out[meta.id].superseded_by or meta.repealed_by:
                    continue
                before = _dated(meta)
                if when is not None and before is not None and before >= when:
                    continue  # a text cannot repeal a later one of the same title
                out[meta.id] = replace(meta, superseded_by=_named(repealing))
    return out


def counterparts(kb: KnowledgeBase, superseded: frozenset[str]) -> dict[str, str]:
    """Each clause of a replaced version (``superseded`` documents) -> the clause of the text
    in force (the document it names as replacing it, else the one of the same title and
    region not replaced) that shares the largest part of its character pairs, when that is
    at least a third."""
    current: dict[tuple[str, str], str] = {}
    named: dict[str, str] = {}
    for doc_id, meta in kb.documents.items():
        if doc_id not in superseded:
            current[(normalize(meta.title), meta.region)] = doc_id
            named[_named(meta)] = doc_id
    pairs: dict[str, set[str]] = {}

    def pairs_of(clause: Clause) -> set[str]:
        found = pairs.get(clause.key)
        if found is None:
            text = clause.norm
            found = pairs[clause.key] = {text[i : i + 2] for i in range(len(text) - 1)}
        return found

    by_doc: dict[str, list[Clause]] = {}
    for clause in kb.clauses:
        by_doc.setdefault(clause.doc_id, []).append(clause)
    out: dict[str, str] = {}
    for doc_id in superseded:
        meta = kb.documents[doc_id]
        target = named.get(meta.superseded_by or "") or current.get(
            (normalize(meta.title), meta.region)
        )
        if target is None:
            continue
        candidates = by_doc.get(target, [])
        for clause in by_doc.get(doc_id, []):
            own = pairs_of(clause)
            if not own or not candidates:
                continue
            best = max(candidates, key=lambda c: len(own & pairs_of(c)))
            if len(own & pairs_of(best)) * 3 >= len(own):
                out[clause.key] = best.key
    return out
