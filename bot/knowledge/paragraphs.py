"""The paragraphs of a document's body, and the markers of its structure.

Lines broken in the middle of a sentence (page breaks in the source) are joined again, unless
the next line starts a new article, heading or item; Markdown heading marks are read as the
heading's level; "（此页无正文）" lines are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUM = "一二三四五六七八九十百千零〇两"
ARTICLE = re.compile(f"^(第[{NUM}\\d]+条)(?:[\\s\u3000]+|(?=[（(])|$)(.*)$")
CONTAINER = re.compile(f"^(第[{NUM}\\d]+([编章节]))(?:[\\s\u3000]*)(.*)$")
ANNEX = re.compile(f"^(附件[\\s\u3000]*[{NUM}\\d]*)[\\s\u3000]*[:：]?[\\s\u3000]*(.*)$")
# Outline markers, from the top level down, with their rank.
OUTLINE: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(f"^([{NUM}]+、)[\\s\u3000]*(.*)$"), 1),
    (re.compile(f"^([（(][{NUM}]+[）)])[\\s\u3000]*(.*)$"), 2),
    (re.compile(r"^(\d{1,2}[.．、])(?!\d)[\s\u3000]*(.*)$"), 3),
    (re.compile(f"^([{NUM}]+是)[\\s\u3000]*(.*)$"), 3),
    (re.compile(r"^([（(]\d{1,2}[）)])[\s\u3000]*(.*)$"), 4),
    (re.compile(r"^([\u2460-\u2473])[\s\u3000]*(.*)$"), 5),
)
RESPONSIBLE = re.compile(r"[（(]责任单位[:：]\s*(.+?)\s*[）)]")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_NO_TEXT_PAGE = re.compile(r"^[（(]此页无正文[）)]$")
_TERMINAL = tuple("。；;！？!?：:）)”」』")
_JOIN_MIN = 40  # a line this long that does not end a sentence continues on the next line


@dataclass(frozen=True)
class Para:
    """One paragraph of the body; ``md`` is its Markdown heading level (0: not a heading)."""

    text: str
    md: int = 0


def _is_marker(line: str) -> bool:
    return bool(
        ARTICLE.match(line)
        or CONTAINER.match(line)
        or any(p.match(line) for p, _ in OUTLINE)
        or RESPONSIBLE.fullmatch(line)
    )


def paras(body: str) -> list[Para]:
    """Non-empty paragraphs, with lines broken mid-sentence joined again."""
    out: list[Para] = []
    carry = ""
    for raw in body.splitlines():
        stripped = raw.strip()
        md = _MD_HEADING.match(stripped)
        line = _MD_HEADING.sub("", stripped).strip()
        if not line or _NO_TEXT_PAGE.match(line):
            continue
        if md:
            if carry:
                out.append(Para(carry))
                carry = ""
            out.append(Para(line, len(md.group(1))))
            continue
        if carry:
            if _is_marker(line):
                out.append(Para(carry))
            else:
                line = carry + line
            carry = ""
        if len(line) >= _JOIN_MIN and not line.endswith(_TERMINAL):
            carry = line
            continue
        out.append(Para(line))
    if carry:
        out.append(Para(carry))
    return out


def paragraphs(body: str) -> list[str]:
    """The paragraphs' texts (Markdown heading marks removed)."""
    return [p.text for p in paras(body)]
