"""Which articles of a regulation cite which: "违反本条例第二十条规定的，…给予处罚".

A regulation says what is forbidden or required in one article and what it costs in another,
in its chapter on legal liability, which names the first by number and says nothing of its
content. A firm asking "what happens to us if we do X" describes X in the words of the first
article; the answer is the second. Retrieval lets the citing article share the score of the
article it cites when the question asks about a penalty (``Retriever``). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain import Clause
from bot.text import normalize

_NUMBER = "[〇零一二三四五六七八九十百千0-9]+"
# "本条例第十二条、第十五条第二款或者第十七条": the document citing its own articles
_OWN = re.compile(
    rf"本(?:条例|办法|规定|细则|决定|法|规则)"
    rf"((?:第{_NUMBER}条(?:第{_NUMBER}款)?(?:第{_NUMBER}项)?(?:、|，|,|和|及|或者|或|至)?)+)"
)
# "违反第二十二条第一款规定的": a penalty article's items name the document's own articles bare
# (another document's article comes after its title: "违反《…法》第十条")
_BARE = re.compile(
    rf"违反((?:第{_NUMBER}条(?:第{_NUMBER}款)?(?:第{_NUMBER}项)?(?:、|，|,|和|及|或者|或|至)?)+)"
)
_ARTICLE = re.compile(rf"第{_NUMBER}条")


def cited_by(clauses: Iterable[Clause]) -> dict[str, tuple[str, ...]]:
    """Each clause key -> the keys of the clauses of its document that cite it by number
    ("本条例第X条", "违反第X条"), in document order; a clause citing itself is left out."""
    by_label: dict[tuple[str, str], str] = {}
    citing: list[tuple[Clause, list[str]]] = []
    for clause in clauses:
        # the first part of a split article stands for it
        by_label.setdefault((clause.doc_id, normalize(clause.clause)), clause.key)
        if clause.kind == "header":
            continue
        labels = own_articles(clause.norm)
        if labels:
            citing.append((clause, labels))
    out: dict[str, list[str]] = {}
    for clause, labels in citing:
        for label in labels:
            cited = by_label.get((clause.doc_id, label))
            if cited is None or cited == clause.key:
                continue
            keys = out.setdefault(cited, [])
            if clause.key not in keys:
                keys.append(clause.key)
    return {key: tuple(keys) for key, keys in out.items()}


def own_articles(text: str) -> list[str]:
    """The articles of its own document a (normalised) text names by number, in order
    ("违反本条例第十二条、第十五条第二款规定的" -> 第十二条, 第十五条)."""
    found = sorted([*_OWN.finditer(text), *_BARE.finditer(text)], key=lambda m: m.start())
    return [a for m in found for a in _ARTICLE.findall(m.group(1))]
