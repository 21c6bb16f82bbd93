"""Validity of the document quoted, from the one rule (``DocumentMeta.validity``), in one
catalogue entry per status: in force until, in force with no end date, expired on, repealed
by, not yet in force, unknown."""

from __future__ import annotations

import re
from datetime import date

from bot.answering.evidence import verbatim as _v
from bot.domain import DocumentMeta, Lang
from bot.messages import text as msg
from bot.question import Query
from bot.text import book


def say_date(d: date, lang: Lang) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def doc_title(meta: DocumentMeta, lang: Lang) -> str:
    return _v(book(meta.title)) if lang == "zh" else (meta.title_en or book(meta.title))


def _replaced_by(meta: DocumentMeta) -> str:
    return meta.repealed_by or meta.superseded_by or ""


def validity_lead(meta: DocumentMeta, today: date, lang: Lang, who: str, query: Query) -> str:
    """The answer to "is it still valid / can I still apply / when does it end"."""
    title = doc_title(meta, lang)
    status = meta.validity(today)
    values: dict[str, object] = {"title": title, "today": say_date(today, lang), "who": who}
    if status == "expired":
        if _replaced_by(meta):
            return msg("ans.valid.repealed", lang, False, by=_v(_replaced_by(meta)), **values)
        assert meta.valid_until is not None
        return msg(
            "ans.valid.expired", lang, False, until=say_date(meta.valid_until, lang), **values
        )
    if status == "not_yet":
        assert meta.valid_from is not None
        return msg(
            "ans.valid.not_yet", lang, False, since=say_date(meta.valid_from, lang), **values
        )
    if status == "unknown":
        return msg("ans.valid.unknown", lang, False, **values)
    until = meta.valid_until
    if until is None:
        assert meta.valid_from is not None
        return msg(
            "ans.valid.in_force_open", lang, False, since=say_date(meta.valid_from, lang), **values
        )
    later = (
        re.search(r"(20\d\d)\s*年", query.norm)
        if query.lang == "zh"
        else re.search(r"\b(20\d\d)\b", query.norm)
    )
    year = (
        int(later.group(1))
        if later
        else (today.year + 1 if "明年" in query.norm or "next year" in query.norm else None)
    )
    if year is not None and until.year < year:
        return msg(
            "ans.valid.next_year", lang, False, until=say_date(until, lang), year=year, **values
        )
    return msg("ans.valid.in_force", lang, False, until=say_date(until, lang), **values)


def notice(meta: DocumentMeta, today: date, lang: Lang, who: str) -> str | None:
    """The warning after an answer quoting a document not in force on ``today``."""
    status = meta.validity(today)
    if status == "expired":
        if _replaced_by(meta):
            return msg("ans.notice.repealed", lang, by=_v(_replaced_by(meta)))
        assert meta.valid_until is not None
        return msg("ans.notice.expired", lang, until=say_date(meta.valid_until, lang), who=who)
    if status == "not_yet" and meta.valid_from is not None:
        return msg("ans.notice.not_yet", lang, since=say_date(meta.valid_from, lang))
    return None


def effective_lead(meta: DocumentMeta, lang: Lang) -> str | None:
    """ "自…起施行" from the document's own dates; None when it states none."""
    if meta.valid_from is None:
        return None
    return msg(
        "ans.effective", lang, title=doc_title(meta, lang), date=say_date(meta.valid_from, lang)
    )
