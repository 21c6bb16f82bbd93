"""Every paragraph of every test document is in exactly one clause, in reading order.

The clauses of a document, put back together (a long clause's sentence groups joined, the
"title……" that quotes each later group taken off), give the document's paragraphs again:
nothing dropped (a short item ending in "；" is content, not a heading), nothing twice.
Headings (第一章, 一、总体要求) are the one exception: they are the clauses' section path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import KNOWLEDGE

from bot.domain import Clause
from bot.knowledge.documents import read_document
from bot.knowledge.paragraphs import paras
from bot.knowledge.parse import split_clauses

DATA = Path(__file__).resolve().parent / "data"
FILES = sorted(
    [p for p in DATA.iterdir() if p.is_file() and p.suffix not in (".py", ".pdf")]
    + [p for p in (DATA / "provinces").iterdir() if p.is_file() and p.suffix != ".py"]
    + [p for p in DATA.glob("*.pdf") if p.name != "scanned-no-text.pdf"]
    + sorted((KNOWLEDGE / "documents").iterdir())
)
FILES = [
    p
    for p in FILES
    if p.suffix in (".md", ".txt", ".html", ".docx", ".pdf") and p.name != "SOURCES.md"
]


def strip_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reassembled(clauses: list[Clause]) -> list[str]:
    """The text of each clause once, its sentence groups joined again."""
    whole: dict[int, str] = {}
    for clause in clauses:
        text = strip_spaces(clause.text)
        if clause.part > 1:
            title = strip_spaces(clause.section.rsplit(" > ", 1)[-1])
            for joiner in ("。……", "……"):
                if text.startswith(title + joiner):
                    text = text[len(title + joiner) :]
                    break
            else:
                raise AssertionError(f"{clause.key}: a later part must quote its title")
        whole[clause.order] = whole.get(clause.order, "") + text
    return list(whole.values())


def _without_units(text: str) -> str:
    """A split clause's responsible units move to its end: compare without them."""
    return re.sub(r"[（(]责任单位[:：][^）)]*[）)]", "", text)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_clauses_give_back_every_paragraph_once(path: Path) -> None:
    doc = read_document(path)
    clauses = split_clauses(doc.meta, doc.body)
    stream = _without_units("".join(reassembled(clauses)))
    sections = {strip_spaces(part) for c in clauses for part in c.section.split(" > ")}
    position = 0
    for para in paras(doc.body):
        text = _without_units(strip_spaces(para.text))
        if not text:
            continue
        if stream.startswith(text, position):
            position += len(text)
            continue
        assert text in sections or any(s.startswith(text) for s in sections), (
            f"{path.name}: paragraph not in its place in any clause: {para.text[:60]!r}"
        )
    assert position == len(stream), (
        f"{path.name}: clause text beyond the document's paragraphs: {stream[position:][:60]!r}"
    )
