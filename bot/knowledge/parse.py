"""Split a policy document into clauses along its own structure.

Recognised structure (Chinese government documents):

- the notice header before the body: addressees, issuing departments, document number, date
  and title (one clause, kind ``header``), and the purpose paragraph (kind ``preamble``);
- ``一、`` headings; a heading followed by body text (the goal paragraph, 附则) is a clause;
- ``（一）`` items: a clause when the item carries text, a section heading when it is short;
- ``一是`` / ``二是`` tasks: clauses under the current headings;
- ``（责任单位：…）`` lines: the responsible units of the clause they close.

Lines broken in the middle of a sentence (page breaks in the source) are joined first, so no
clause is cut mid-sentence. Clauses longer than ``MAX_CHARS`` are split into groups of whole
sentences; every part keeps its clause's title path and number, and parts after the first are
quoted as "clause heading……sentences".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain import Clause, DocumentMeta, Unit
from bot.text import normalize, sentences, strip_spaces

PARSER_VERSION = "4"
MAX_CHARS = 220  # longer clauses are split ...
GROUP_CHARS = 150  # ... into sentence groups of about this size

_NUM = "一二三四五六七八九十"
_L1 = re.compile(f"^([{_NUM}]+)、\\s*(.*)$")
_L2 = re.compile(f"^[（(]([{_NUM}]+)[）)]\\s*(.*)$")
_TASK = re.compile(f"^([{_NUM}]+)是\\s*(.*)$")
_RESPONSIBLE_ONLY = re.compile(r"^[（(]责任单位[:：].*[）)]$")
_RESPONSIBLE = re.compile(r"[（(]责任单位[:：]\s*(.+?)\s*[）)]")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_NO_TEXT_PAGE = re.compile(r"^[（(]此页无正文[）)]$")
_TERMINAL = tuple("。；;！？!?：:）)”」』")
_JOIN_MIN = 40  # a line this long that does not end a sentence continues on the next line


@dataclass
class _Draft:
    label: str
    kind: str
    section: str
    title: str
    paragraphs: list[str] = field(default_factory=list)


def paragraphs(body: str) -> list[str]:
    """Non-empty paragraphs, with lines broken mid-sentence joined again."""
    out: list[str] = []
    carry = ""
    for raw in body.splitlines():
        line = _MD_HEADING.sub("", raw.strip())
        if not line or _NO_TEXT_PAGE.match(line):
            continue
        if carry:
            line = carry + line
            carry = ""
        if len(line) >= _JOIN_MIN and not line.endswith(_TERMINAL):
            carry = line
            continue
        out.append(line)
    if carry:
        out.append(carry)
    return out


def _is_heading(text: str) -> bool:
    return "。" not in text and len(text) < 40


def _title_of(text: str) -> str:
    head = text.split("。", 1)[0]
    return head if len(head) <= 40 else head[:40] + "…"


def _split_preface(preface: list[str]) -> tuple[list[str], list[str]]:
    """(header paragraphs, purpose paragraphs): the purpose is the trailing run of long ones."""
    cut = len(preface)
    while cut > 0 and len(preface[cut - 1]) >= 60 and "。" in preface[cut - 1]:
        cut -= 1
    return preface[:cut], preface[cut:]


def _drafts(paras: list[str]) -> list[_Draft]:
    drafts: list[_Draft] = []
    preface: list[str] = []
    l1 = ""
    l2 = ""
    current: _Draft | None = None
    started = False
    for para in paras:
        m1, m2, mt = _L1.match(para), _L2.match(para), _TASK.match(para)
        if not started and not (m1 or m2 or mt):
            preface.append(para)
            continue
        started = True
        if m1:
            l1, l2, current = para if _is_heading(para) else _title_of(para), "", None
            if not _is_heading(para):
                current = _Draft(l1.split("、", 1)[0] + "、", _kind_of(l1), l1, l1, [para])
                drafts.append(current)
        elif m2 and _is_heading(para):
            l2, current = para, None
        elif m2:
            title = _title_of(para)
            current = _Draft(
                para[: para.index(m2.group(2))].strip(),
                "item",
                " > ".join(p for p in (l1, title) if p),
                title,
                [para],
            )
            drafts.append(current)
        elif mt:
            title = _title_of(para)
            current = _Draft(
                f"{mt.group(1)}是",
                "task",
                " > ".join(p for p in (l1, l2, title) if p),
                title,
                [para],
            )
            drafts.append(current)
        elif current is not None:
            current.paragraphs.append(para)
        else:
            # Body text straight under a heading: the goal paragraph, the final provisions.
            label = l1.split("、", 1)[0] + "、" + l1.split("、", 1)[-1] if l1 else "正文"
            current = _Draft(
                label,
                _kind_of(l1),
                " > ".join(p for p in (l1, l2) if p) or label,
                l1 or label,
                [para],
            )
            drafts.append(current)
    header, purpose = _split_preface(preface)
    lead: list[_Draft] = []
    if header:
        lead.append(_Draft("印发通知", "header", "印发通知", "印发通知", header))
    if purpose:
        lead.append(_Draft("序言", "preamble", "序言", "序言", purpose))
    return lead + drafts


def _kind_of(heading: str) -> str:
    if "目标" in heading or "目標" in heading:
        return "goal"
    if "附则" in heading or "附則" in heading:
        return "final"
    return "section"


def _groups(text: str) -> list[str]:
    """Whole sentences grouped to about GROUP_CHARS characters."""
    groups: list[str] = []
    current = ""
    for sentence in sentences(text):
        if current and len(current) + len(sentence) > GROUP_CHARS:
            groups.append(current)
            current = ""
        current += sentence
    if current:
        groups.append(current)
    return groups


def split_clauses(meta: DocumentMeta, body: str) -> list[Clause]:
    """The document's clauses in reading order, long ones split into sentence groups."""
    clauses: list[Clause] = []
    for order, draft in enumerate(_drafts(paragraphs(body))):
        sep = "\n" if draft.kind == "header" else ""
        text = sep.join(draft.paragraphs)
        responsible = tuple(
            unit.strip()
            for match in _RESPONSIBLE.finditer(text)
            for unit in re.split(r"[、，,]", match.group(1))
            if unit.strip()
        )
        body_text = _RESPONSIBLE.sub("", text).strip()
        parts = (
            [text] if len(body_text) <= MAX_CHARS or draft.kind == "header" else _groups(body_text)
        )
        for index, part in enumerate(parts):
            joiner = "。……" if draft.kind in ("item", "task") else "……"
            quoted = strip_spaces(part if index == 0 else f"{draft.title}{joiner}{part}")
            if len(parts) > 1 and index == len(parts) - 1 and responsible:
                quoted += "（责任单位：" + "、".join(responsible) + "）"
            key = f"{meta.id}/{draft.label}" + (f"/{index + 1}" if len(parts) > 1 else "")
            clauses.append(
                Clause(
                    key=key,
                    doc_id=meta.id,
                    doc_title=meta.title,
                    section=draft.section,
                    clause=draft.label,
                    text=quoted,
                    norm=normalize(f"{draft.section} {quoted}"),
                    kind=draft.kind,
                    responsible=responsible,
                    order=order,
                    part=index + 1 if len(parts) > 1 else 0,
                )
            )
    return clauses


def units_of(clause: Clause) -> list[Unit]:
    """The clause as a whole plus each of its sentences, in context.

    A sentence is indexed with its clause's title, so "最长补贴3年" is still about talent
    housing; a question about one benefit then meets the one sentence that states it.
    """
    whole = Unit(f"{clause.key}#0", clause, clause.norm)
    title = clause.section.rsplit(" > ", 1)[-1]
    body = _RESPONSIBLE.sub("", clause.text)
    if "……" in body:
        body = body.split("……", 1)[1]
    # The header's lines are names and dates: alone, each would out-score real clauses on any
    # question that names the city or a department, so the header is indexed only whole.
    pieces = [] if clause.kind == "header" else sentences(body)
    if len(pieces) <= 1:
        return [whole]
    return [whole] + [
        Unit(f"{clause.key}#{i}", clause, normalize(f"{title} {piece}"))
        for i, piece in enumerate(pieces, start=1)
    ]
