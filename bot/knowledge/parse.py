"""Split an official document into clauses along its own structure.

Two shapes of Chinese official documents are recognised, and a document is read as the one
it uses:

- **articles** (regulations, rules, measures): 第X编 / 第X章 / 第X节 (and Markdown headings)
  are containers, 第X条 is the clause; numbered items inside an article (（一）, 1., （1）, ①)
  stay in the article, as they are part of it in law;
- **outline** (opinions, plans, notices): 一、 headings, （一） items, 1. / （1） / ① sub-items
  and 一是 / 二是 tasks. A numbered line that carries sentences is a clause; a short one is a
  heading for what follows. Body text straight under a heading (the goal paragraph, 附则) is
  a clause of its own.

In both, 附件 starts an annex (its clauses are under "附件…" in their path), the notice that
wraps a document (addressees, issuers, number, date, "现将《…》印发给你们") is the ``header``
clause and the purpose paragraph before the first heading is the ``preamble``;
``（责任单位：…）`` lines name the responsible units of the clause they close.

Clause keys are ``<doc id>/<label>``, qualified by the labels of the clause's ancestors when
the label alone is already taken (（一） under 一、 and under 二、), with an ordinal as the last
resort: unique by construction, and stable while the document's structure does not change.

Lines broken in the middle of a sentence (page breaks in the source) are joined first, so no
clause is cut mid-sentence. Clauses longer than ``MAX_CHARS`` are split into groups of whole
sentences; every part keeps its clause's title path and number, and parts after the first are
quoted as "clause heading……sentences".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain import Clause, DocumentMeta, Unit
from bot.knowledge.paragraphs import (
    ANNEX,
    ARTICLE,
    CONTAINER,
    OUTLINE,
    RESPONSIBLE,
    Para,
    paras,
)
from bot.knowledge.units import named_units
from bot.text import normalize, sentences, strip_spaces

PARSER_VERSION = "9"  # 9: documents another repeals ("…《X》同时废止") are marked replaced
MAX_CHARS = 220  # longer clauses are split ...
GROUP_CHARS = 150  # ... into sentence groups of about this size

_LIST_END = ("；", ";")
_LIST_ITEM_CHARS = 80  # a list item longer than this is a clause of its own
_ARTICLE_TITLE = re.compile(r"^[（(]([^（()）]{1,20})[）)]")


@dataclass
class _Draft:
    label: str
    kind: str
    section: str
    title: str
    path: tuple[str, ...]  # labels of the ancestors, for unique keys
    paragraphs: list[str] = field(default_factory=list)
    rank: float = 0  # outline rank of the numbered line that opened it (0: none)


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


def _kind_of(heading: str) -> str:
    if "目标" in heading or "目標" in heading:
        return "goal"
    if "附则" in heading or "附則" in heading:
        return "final"
    return "section"


def _outline_marker(text: str) -> tuple[str, str, int] | None:
    for pattern, rank in OUTLINE:
        match = pattern.match(text)
        if match:
            return match.group(1), match.group(2), rank
    return None


def has_articles(items: list[Para]) -> bool:
    """A document of articles: at least two paragraphs open with 第X条."""
    return sum(1 for p in items if ARTICLE.match(p.text)) >= 2


@dataclass
class _Frame:
    rank: float
    label: str
    title: str
    line: str = ""  # an outline heading's own line, a clause if nothing comes under it
    mark: int = -1  # the number of drafts when it was opened


def _path(stack: list[_Frame]) -> tuple[str, ...]:
    return tuple(f.label for f in stack)


def _section(stack: list[_Frame], *more: str) -> str:
    return " > ".join([f.title for f in stack if f.title] + [m for m in more if m])


def _pop_to(stack: list[_Frame], rank: float) -> None:
    while stack and stack[-1].rank >= rank:
        stack.pop()


def _article_drafts(items: list[Para]) -> tuple[list[str], list[_Draft]]:
    preface: list[str] = []
    drafts: list[_Draft] = []
    stack: list[_Frame] = []
    current: _Draft | None = None
    started = False
    for para in items:
        text = para.text
        article = ARTICLE.match(text)
        container = CONTAINER.match(text) if not article else None
        annex = ANNEX.match(text) if not (article or container) and len(text) < 40 else None
        heading_only = para.md and not (article or container or annex)
        if not started and not (article or container or annex):
            if heading_only and para.md >= 2:
                started = True  # a Markdown section before the first article
            else:
                preface.append(text)
                continue
        started = True
        if annex:
            stack.clear()
            stack.append(_Frame(0, annex.group(1).replace(" ", ""), text))
            current = None
        elif container and _is_heading(text):
            rank = {"编": 1, "章": 2, "节": 3}[container.group(2)]
            _pop_to(stack, rank)
            stack.append(_Frame(rank, container.group(1), text))
            current = None
        elif heading_only:
            rank = 2 if para.md <= 2 else 3
            _pop_to(stack, rank)
            stack.append(_Frame(rank, text[:20], text))
            current = None
        elif article:
            label = article.group(1)
            titled = _ARTICLE_TITLE.match(article.group(2))
            title = f"{label}（{titled.group(1)}）" if titled else _title_of(text)
            in_final = any(_kind_of(f.title) == "final" for f in stack)
            current = _Draft(
                label,
                "final" if in_final else "article",
                _section(stack, title),
                title,
                _path(stack),
                [text],
            )
            drafts.append(current)
        elif current is not None:
            current.paragraphs.append(text)
        else:
            label = stack[-1].label if stack else "正文"
            title = stack[-1].title if stack else "正文"
            current = _Draft(
                label, _kind_of(title), _section(stack) or label, title, _path(stack[:-1]), [text]
            )
            drafts.append(current)
    return preface, drafts


def _close(stack: list[_Frame], rank: float, drafts: list[_Draft]) -> None:
    """Pop the frames at ``rank`` and below; a heading line nothing came under was an item
    of its own ("（二）办赛补贴" with no text after it): it becomes a clause."""
    while stack and stack[-1].rank >= rank:
        frame = stack.pop()
        if frame.line and frame.mark == len(drafts):
            kind = _kind_of(frame.title) if frame.rank == 1 else "item"
            drafts.append(
                _Draft(
                    frame.label,
                    kind,
                    _section(stack, frame.title),
                    frame.title,
                    _path(stack),
                    [frame.line],
                )
            )


def _in_list(current: _Draft | None, rank: int, text: str) -> bool:
    """A short item of the list its clause opens ("符合下列条件之一的：" then "（1）…；"):
    part of that clause, as an item of an article is part of the article."""
    if current is None or rank <= current.rank or len(text) > _LIST_ITEM_CHARS:
        return False
    last = current.paragraphs[-1]
    return last.endswith(("：", ":")) or (len(current.paragraphs) > 1 and last.endswith(_LIST_END))


def _outline_drafts(items: list[Para]) -> tuple[list[str], list[_Draft]]:
    preface: list[str] = []
    drafts: list[_Draft] = []
    stack: list[_Frame] = []
    current: _Draft | None = None
    started = False
    for para in items:
        text = para.text
        marker = _outline_marker(text)
        annex = ANNEX.match(text) if not marker and len(text) < 40 else None
        heading_only = para.md >= 2 and not marker and not annex
        if not started and not (marker or annex or heading_only):
            preface.append(text)
            continue
        started = True
        if annex or heading_only:
            _close(stack, 0 if annex else 0.5, drafts)
            label = annex.group(1).replace(" ", "") if annex else text[:20]
            stack.append(_Frame(0 if annex else 0.5, label, text))
            current = None
        elif marker and _in_list(current, marker[2], text):
            assert current is not None
            current.paragraphs.append(text)
        elif marker:
            label, _rest, rank = marker
            _close(stack, rank, drafts)
            if _is_heading(text) and not text.endswith((*_LIST_END, "。")):
                stack.append(_Frame(rank, label, text, line=text, mark=len(drafts)))
                current = None
                continue
            current = _item_draft(stack, label, rank, text)
            drafts.append(current)
            stack.append(_Frame(rank, current.label, current.title))
        elif current is not None:
            current.paragraphs.append(text)
        else:
            current = _body_draft(stack, text)
            drafts.append(current)
    _close(stack, float("-inf"), drafts)
    return preface, drafts


def _item_draft(stack: list[_Frame], label: str, rank: int, text: str) -> _Draft:
    """A numbered line that carries its text: a clause under the headings above it."""
    title = _title_of(text)
    kind = {1: _kind_of(title), 3: "task" if label.endswith("是") else "item"}.get(rank, "item")
    if rank == 1:
        # A first-level heading that carries its text (一、目标：……): the whole line is the
        # clause, quoted under its own heading.
        label = text.split("、", 1)[0] + "、"
    return _Draft(label, kind, _section(stack, title), title, _path(stack), [text], rank)


def _body_draft(stack: list[_Frame], text: str) -> _Draft:
    """Body text straight under a heading: the goal paragraph, the final provisions."""
    top = stack[-1] if stack else _Frame(0, "正文", "正文")
    if top.line:
        top.mark = -1  # the heading has its text now
    label = top.title if top.rank == 1 else top.label
    return _Draft(
        label, _kind_of(top.title), _section(stack) or label, top.title, _path(stack[:-1]), [text]
    )


def _drafts(items: list[Para]) -> list[_Draft]:
    preface, drafts = _article_drafts(items) if has_articles(items) else _outline_drafts(items)
    header, purpose = _split_preface(preface)
    lead: list[_Draft] = []
    if header:
        lead.append(_Draft("印发通知", "header", "印发通知", "印发通知", (), header))
    if purpose:
        lead.append(_Draft("序言", "preamble", "序言", "序言", (), purpose))
    return lead + drafts


def _groups(text: str) -> list[str]:
    """Whole sentences grouped to about GROUP_CHARS characters."""
    return grouped(sentences(text), GROUP_CHARS)


def grouped(pieces: Iterable[str], size: int) -> list[str]:
    """Consecutive pieces of text joined into groups of about ``size`` characters (a piece
    longer than that is a group of its own)."""
    groups: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > size:
            groups.append(current)
            current = ""
        current += piece
    if current:
        groups.append(current)
    return groups


def _unique_key(doc_id: str, draft: _Draft, taken: set[str]) -> str:
    """The shortest key ``doc/…ancestors…/label`` not taken yet; an ordinal as the last resort."""
    labels = [p.replace("/", "／") for p in draft.path] + [draft.label.replace("/", "／")]
    for depth in range(1, len(labels) + 1):
        key = f"{doc_id}/" + "/".join(labels[-depth:])
        if key not in taken:
            return key
    base = f"{doc_id}/" + "/".join(labels)
    n = 2
    while f"{base}~{n}" in taken:
        n += 1
    return f"{base}~{n}"


def split_clauses(meta: DocumentMeta, body: str) -> list[Clause]:
    """The document's clauses in reading order, long ones split into sentence groups."""
    clauses: list[Clause] = []
    taken: set[str] = set()
    for order, draft in enumerate(_drafts(paras(body))):
        sep = "\n" if draft.kind == "header" else ""
        text = sep.join(draft.paragraphs)
        marked = tuple(
            dict.fromkeys(
                unit.strip()
                for match in RESPONSIBLE.finditer(text)
                for unit in re.split(r"[、，,]", match.group(1))
                if unit.strip()
            )
        )
        body_text = RESPONSIBLE.sub("", text).strip()
        is_article = ARTICLE.match(draft.label + " ") is not None
        named = named_units(body_text) if is_article else ()
        responsible = marked or named
        parts = (
            [text] if len(body_text) <= MAX_CHARS or draft.kind == "header" else _groups(body_text)
        )
        base = _unique_key(meta.id, draft, taken)
        taken.add(base)
        for index, part in enumerate(parts):
            joiner = "。……" if draft.kind in ("item", "task") else "……"
            quoted = strip_spaces(part if index == 0 else f"{draft.title}{joiner}{part}")
            if len(parts) > 1 and index == len(parts) - 1 and marked:
                quoted += "（责任单位：" + "、".join(marked) + "）"
            key = base + (f"/{index + 1}" if len(parts) > 1 else "")
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
    body = RESPONSIBLE.sub("", clause.text)
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
