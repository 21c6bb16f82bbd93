"""What the loaded documents cover, in words for people: pure functions of the metadata.

The dialogue's welcome, help, refusal and /about texts call these instead of naming places
and documents themselves, so adding a city's documents changes every one of them:

- ``places(documents)``: the places the documents govern (from their region metadata and the
  place aliases in their front matter), with the short forms people type (上海市嘉定区 ->
  上海市嘉定区, 上海市, 上海, 嘉定区, 嘉定);
- ``describe(documents, lang)``: "上海市、上海市嘉定区的政策文件（《…》等 N 件）";
- ``validity_label(meta, today, lang)``: the document's status on a date, from
  ``DocumentMeta.validity`` (one rule), in words;
- ``ask_whom(clause, meta)``: who to ask about a clause: its responsible units, else the
  document's interpreter, else its issuers other than a legislature;
- ``refusal(lang, documents)``: the out-of-scope reply naming what is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from bot.domain import Clause, DocumentMeta, Lang
from bot.text import book, normalize

_SUFFIXES = ("特别行政区", "自治区", "新区", "省", "市", "区", "县")
_PLACE_PARTS = re.compile(r"[\u4e00-\u9fff]+?(?:特别行政区|自治区|新区|省|市|区|县)")


def place_forms(region: str) -> list[str]:
    """上海市嘉定区 -> [上海市嘉定区, 上海市, 上海, 嘉定区, 嘉定]: the region, each of its
    administrative parts, and each part without its suffix (when two characters remain)."""
    forms = [region] if region else []
    for part in _PLACE_PARTS.findall(region):
        forms.append(part)
        for suffix in _SUFFIXES:
            if part.endswith(suffix) and len(part) - len(suffix) >= 2:
                forms.append(part[: -len(suffix)])
                break
    return list(dict.fromkeys(f for f in forms if f))


def places(documents: Mapping[str, DocumentMeta]) -> list[str]:
    """Every form of every place the documents govern, plus Latin place aliases (jiading)."""
    out: list[str] = []
    for meta in documents.values():
        forms = place_forms(meta.region)
        out.extend(forms)
        for alias in meta.aliases:
            norm = normalize(alias)
            if any(norm and norm in normalize(f) for f in forms) or (
                alias.isascii()
                and alias.replace(" ", "").isalpha()
                and len(alias) >= 4
                and " " not in alias
            ):
                out.append(alias)
    return list(dict.fromkeys(out))


def governing(named: Iterable[str], documents: Mapping[str, DocumentMeta]) -> frozenset[str]:
    """Documents whose region is a wider one holding a ``named`` document's region (浙江省's
    regulations for a question naming 杭州, whose own document it names; 上海市's for 嘉定):
    they apply there too."""
    held = {normalize(documents[d].region) for d in named if d in documents}
    wider = set()
    for meta in documents.values():
        region = normalize(meta.region)
        if region and any(r != region and r.startswith(region) for r in held):
            wider.add(meta.id)
    return frozenset(wider)


def regions(documents: Mapping[str, DocumentMeta]) -> list[str]:
    """The documents' regions, most documents first (unknown regions left out)."""
    counts: dict[str, int] = {}
    for meta in documents.values():
        if meta.region:
            counts[meta.region] = counts.get(meta.region, 0) + 1
    return sorted(counts, key=lambda r: (-counts[r], r))


def describe(
    documents: Mapping[str, DocumentMeta], lang: Lang, limit: int = 5, today: date | None = None
) -> str:
    """What is covered, in one phrase: the regions and the first titles, with a count; given
    ``today``, the titles grouped by status, so an expired document is never listed as if in
    force."""
    metas = list(documents.values())
    where = "、".join(regions(documents)) if lang == "zh" else ", ".join(regions(documents))
    groups: dict[str, list[DocumentMeta]] = {"": metas}
    if today is not None:
        groups = {}
        for meta in metas:
            groups.setdefault(meta.validity(today), []).append(meta)
        groups = {s: groups[s] for s in _VALIDITY_WORDS if s in groups}
    parts = [_titles(group, status, lang, limit) for status, group in groups.items()]
    if lang == "zh":
        listed = "；".join(parts)
        return f"{where}的政策文件（{listed}）" if where else f"政策文件（{listed}）"
    place = f" of {where}" if where else ""
    return f"the policy documents{place} ({'; '.join(parts)})"


def _titles(metas: list[DocumentMeta], status: str, lang: Lang, limit: int) -> str:
    """ "现行有效：《A》、《B》等3件" / "in force: A; B and 1 more" (no label without a status)."""
    titles = [m.title if lang == "zh" or not m.title_en else m.title_en for m in metas[:limit]]
    more = len(metas) - len(titles)
    label = _VALIDITY_WORDS[status][0 if lang == "zh" else 1] if status else ""
    if lang == "zh":
        listed = "、".join(book(t) for t in titles) + (f"等{len(metas)}件" if more > 0 else "")
        return f"{label}：{listed}" if label else listed
    listed = "; ".join(titles) + (f" and {more} more" if more > 0 else "")
    return f"{label}: {listed}" if label else listed


_VALIDITY_WORDS = {
    "in_force": ("现行有效", "in force"),
    "expired": ("已失效", "expired"),
    "not_yet": ("尚未生效", "not yet in force"),
    "unknown": ("文件未写明有效期", "validity not stated"),
}


def validity_label(meta: DocumentMeta, today: date, lang: Lang) -> str:
    """The document's status on ``today`` in words (one rule: ``DocumentMeta.validity``)."""
    status = meta.validity(today)
    zh, en = _VALIDITY_WORDS[status]
    if status == "expired":
        by = meta.repealed_by or meta.superseded_by
        if by:
            return f"已被{book(by)}废止或替代" if lang == "zh" else f"repealed or replaced by {by}"
        if meta.valid_until is not None:
            return (
                f"已于{meta.valid_until.isoformat()}失效"
                if lang == "zh"
                else f"expired on {meta.valid_until.isoformat()}"
            )
    if status == "not_yet" and meta.valid_from is not None:
        return (
            f"自{meta.valid_from.isoformat()}起施行，尚未生效"
            if lang == "zh"
            else f"in force from {meta.valid_from.isoformat()}"
        )
    return zh if lang == "zh" else en


def is_legislature(organ: str) -> bool:
    """A people's congress or its standing committee: it adopts a regulation, it does not
    administer it, so it is nobody's contact for a clause."""
    return "人民代表大会" in organ or "人民代表大會" in organ


def ask_whom(clause: Clause | None, meta: DocumentMeta | None) -> tuple[str, ...]:
    """Who to ask: the units the clause names, else the document's interpreter, else its
    issuers that administer (never the legislature); empty when it names nobody."""
    if clause is not None and clause.responsible:
        return clause.responsible
    if meta is None:
        return ()
    if meta.interpreter:
        return (meta.interpreter,)
    return tuple(i for i in meta.issuers if not is_legislature(i))


def contacts(documents: Iterable[DocumentMeta]) -> tuple[str, ...]:
    """The interpreter (else the first issuer) of each document, once each."""
    return tuple(dict.fromkeys(who for m in documents for who in ask_whom(None, m)[:1]))


def example_questions(documents: Mapping[str, DocumentMeta], lang: Lang) -> list[str]:
    """Two questions the assistant can answer, about the first two documents loaded."""
    out: list[str] = []
    for meta in list(documents.values())[:2]:
        if lang == "zh":
            out.append(f"{book(meta.title)}有哪些主要内容？")
        else:
            out.append(f"What does the {meta.title_en or meta.title} provide?")
    return out


def refusal(lang: Lang, documents: Mapping[str, DocumentMeta]) -> str:
    """The out-of-scope reply: what the assistant covers, from the documents loaded, and two
    example questions."""
    what = describe(documents, lang)
    examples = "".join(f"\n· {q}" for q in example_questions(documents, lang))
    if lang == "zh":
        return (
            f"抱歉，这个问题不在我能回答的范围内。我只解答{what}的内容，"
            f"以及企业可以申请哪些扶持。\n你可以这样问：{examples}"
        )
    return (
        f"Sorry, that is outside what I can help with. I answer questions about {what}, "
        f"and what a company may apply for.\nYou could ask, for example:{examples}"
    )
