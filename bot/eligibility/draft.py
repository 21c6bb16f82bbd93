"""Draft eligibility rules from a document: `policybot rules draft DOC`.

A loaded document without rules is searchable but the walk-through cannot evaluate it. This
prints, for each benefit sentence of the document, a program skeleton in the shape of
``knowledge/programs.yaml``: what the text states is filled in (the clause, its section, an
exact quote, the amount read from the quote, the responsible units); what needs a person's
judgement (who may apply, the conditions, names, keywords, English) is left as ``TODO``.
Staff complete it, move it into ``programs.yaml`` and run ``policybot rules check``. Pure.

Public API:

    draft_rules(meta: DocumentMeta, clauses: Sequence[Clause]) -> str
        The YAML text (with comments) of a ``documents`` entry, the ``units`` the skeletons
        name and one program skeleton per benefit sentence; a comment line only when the
        document has no benefit clause.
    amount_skeleton(sentence: str) -> tuple[dict[str, object], str]
        The amount rule read from one sentence, and a comment for the person completing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from bot.domain import Clause, DocumentMeta
from bot.eligibility.unruled import is_benefit_clause
from bot.text import chinese_number, find_amounts, normalize, sentences

TODO = "TODO"
_UP_TO = re.compile(r"(最高|不超过|不高于|上限|以内|至多)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%|百分之([一二三四五六七八九十\d]+)")


def _q(value: object) -> str:
    """A YAML scalar: JSON strings are valid YAML and keep Chinese as written."""
    return json.dumps(value, ensure_ascii=False)


def _rate(sentence: str) -> int | None:
    match = _PERCENT.search(sentence)
    if match is None:
        return None
    if match.group(1):
        return round(float(match.group(1)))
    return chinese_number(match.group(2))


def amount_skeleton(sentence: str) -> tuple[dict[str, object], str]:
    """The amount rule a sentence states, as far as a pattern can tell."""
    norm = normalize(sentence)
    figures = [a.yuan for a in find_amounts(norm) if a.yuan > 0]
    per = "year" if "每年" in norm else "month" if "每月" in norm else "once"
    extra: dict[str, object] = {} if per == "once" else {"per": per}
    rate = _rate(norm)
    if rate is not None:
        rule: dict[str, object] = {"kind": "percent", "fact": TODO, "rate_percent": rate}
        if figures:
            rule["cap_yuan"] = max(figures)
        return {**rule, **extra}, "the fact whose value the rate applies to (e.g. event_cost)"
    if not figures:
        note = {"zh": f"{TODO}: 条款未写明金额，说明条款给予什么", "en": TODO}
        return {"kind": "none", "note": note}, "the clause states no figure"
    if len(set(figures)) > 1:
        shown = "、".join(f"{y:,}" for y in figures)
        return (
            {"kind": TODO, "fact": TODO, **extra},
            f"several figures ({shown} yuan): tiers or by_choice? split into programs?",
        )
    yuan = figures[0]
    position = norm.find(str(yuan)[:1])
    if _UP_TO.search(norm):
        return {"kind": "up_to", "yuan": yuan, **extra}, "a cap read from the text"
    if "以上" in norm[max(position, 0) :]:
        return {"kind": "at_least", "yuan": yuan, **extra}, "a floor read from the text"
    return {"kind": "fixed", "yuan": yuan, **extra}, "the figure read from the text"


def _slug(doc_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", doc_id.lower()).strip("-")
    return slug if slug[:1].isalpha() else f"doc-{slug}" if slug else "doc"


def _benefit_sentences(clause: Clause) -> list[str]:
    # a later part of a long clause repeats its head before "……"
    body = clause.text.split("……", 1)[-1].lstrip("…")
    return [s.rstrip("。；;") for s in sentences(body) if is_benefit_clause(s)]


def _document_lines(meta: DocumentMeta) -> list[str]:
    return [
        "documents:",
        f"  {meta.id}:",
        f"    title: {_q(meta.title)}",
        f"    title_en: {_q(meta.title_en or TODO)}",
        *([f"    number: {_q(meta.number)}"] if meta.number else []),
        f"    valid_from: {meta.valid_from.isoformat() if meta.valid_from else TODO}",
        f"    valid_until: {meta.valid_until.isoformat() if meta.valid_until else TODO}"
        + ("" if meta.valid_until else "  # the text states no end date: ask the issuer"),
        f"    issuers: [{', '.join(_q(i) for i in meta.issuers)}]",
    ]


def _program_lines(
    meta: DocumentMeta, clause: Clause, sentence: str, number: int, units: tuple[str, ...]
) -> list[str]:
    amount, hint = amount_skeleton(sentence)
    amount_text = ", ".join(f"{k}: {_q(v)}" for k, v in amount.items())
    whose = (
        "" if clause.responsible else "  # TODO: the clause names no unit; these are the issuers"
    )
    return [
        f"  - id: {_slug(meta.id)}-{number}",
        f"    name: {{zh: {_q(TODO)}, en: {_q(TODO)}}}",
        "    source:",
        f"      doc: {meta.id}",
        f"      section: {_q(clause.section or clause.clause)}",
        f"      clause: {_q(clause.clause)}",
        f"      quote: {_q(sentence)}",
        f"    applicants: {{zh: {_q(TODO)}, en: {_q(TODO)}}}",
        "    conditions:  # TODO: one line per condition the quote states, facts of facts.yaml",
        f"      - {{fact: {TODO}, equals: {TODO}}}",
        f"    amount: {{{amount_text}}}  # {hint}",
        f"    responsible: [{', '.join(_q(u) for u in units)}]{whose}",
        f"    keywords: {{zh: [{_q(TODO)}], en: [{_q(TODO)}]}}",
        *(
            ["    # tie: {kind: registered, reason: {zh: TODO, en: TODO}}  # a district's document"]
            if any(w in meta.region for w in ("区", "县"))
            else []
        ),
    ]


def draft_rules(meta: DocumentMeta, clauses: Sequence[Clause]) -> str:
    """Program skeletons for every benefit sentence of the document, as YAML text."""
    programs: list[str] = []
    units: dict[str, None] = {}
    seen: set[str] = set()
    for clause in clauses:
        if clause.kind in ("header", "preamble", "goal"):
            continue
        for sentence in _benefit_sentences(clause):
            if sentence in seen:
                continue
            seen.add(sentence)
            responsible = clause.responsible or meta.issuers or (TODO,)
            units.update(dict.fromkeys(responsible))
            programs += _program_lines(meta, clause, sentence, len(seen), tuple(responsible))
    head = [
        f"# Draft rules for 《{meta.title}》 ({meta.file or meta.id}), by `policybot rules draft`.",
        "# Every TODO needs a person: who may apply, the conditions, names, keywords and English.",
        "# Then move the entries into knowledge/programs.yaml and run `policybot rules check`.",
    ]
    if not programs:
        return "\n".join([*head, "# No benefit clause found: nothing to draft."]) + "\n"
    unit_lines = ["units:", *(f"  {_q(u)}: {_q(TODO)}" for u in units)]
    return "\n".join([*head, *_document_lines(meta), *unit_lines, "programs:", *programs]) + "\n"
