"""The figures page: the staff store's statistics (``bot.staff.stats.compute``) plus the
per-day outcome split and the questions the documents could not answer, as SVG charts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from starlette.responses import Response

from bot.console.charts import bars, stacked_days
from bot.console.web import Page
from bot.domain import Clause
from bot.staff.stats import compute
from bot.staff.store import StaffStore
from bot.text import book

OUTCOMES = ("assistant", "faq", "staff", "none")


def outcomes_per_day(store: StaffStore, since: date | None) -> list[tuple[str, list[int]]]:
    """(day, [assistant, faq, staff, none]) for each day with questions."""
    day = since.isoformat() if since else "0000-00-00"
    with store.reading() as db:
        rows = db.execute(
            "SELECT day, answered_by, COUNT(*) FROM qa_log WHERE day >= ? "
            "GROUP BY day, answered_by ORDER BY day",
            (day,),
        ).fetchall()
    days: dict[str, list[int]] = {}
    for d, by, n in rows:
        counts = days.setdefault(str(d), [0] * len(OUTCOMES))
        if by in OUTCOMES:
            counts[OUTCOMES.index(by)] += int(n)
    return list(days.items())


def unanswered(store: StaffStore, since: date | None, limit: int = 15) -> list[tuple[str, int]]:
    """In-scope questions nobody answered (or only staff did), most asked first."""
    day = since.isoformat() if since else "0000-00-00"
    with store.reading() as db:
        rows = db.execute(
            "SELECT question, COUNT(*) AS n FROM qa_log WHERE day >= ? AND in_scope = 1 "
            "AND answered_by IN ('none', 'staff') GROUP BY question ORDER BY n DESC, MAX(id) DESC "
            "LIMIT ?",
            (day, limit),
        ).fetchall()
    return [(str(q), int(n)) for q, n in rows]


def _clause_label(clauses: Mapping[str, Clause], key: str) -> str:
    """《title》clause for a clause key (a sentence group's key names its clause)."""
    for candidate in (key, key.rsplit("/", 1)[0]):
        if candidate in clauses:
            return f"{book(clauses[candidate].doc_title)}{clauses[candidate].clause}"
    return key


def page_view(page: Page) -> Response:
    raw = page.request.query_params.get("since", "")
    since: date | None = None
    if raw:
        try:
            since = date.fromisoformat(raw)
        except ValueError:
            return page.error(page.t("fig.bad_date"))
    store = page.console.desk.store
    stats = compute(store, since)
    names = [page.t(f"fig.{k}") for k in OUTCOMES]
    per_day = outcomes_per_day(store, since)
    by = stats.answered_by
    outcome = [(page.t(f"fig.{k}"), float(by.get(k, 0))) for k in OUTCOMES]
    outcome.append((page.t("fig.handoffs"), float(stats.handoffs)))
    clauses = page.console.desk.clauses
    topics = [(_clause_label(clauses, k), float(n)) for k, n in stats.top_clauses]
    charts = {
        "per_day": stacked_days(per_day, names, page.t("fig.per_day")) if per_day else "",
        "outcome": bars(outcome, page.t("fig.outcome")) if stats.questions else "",
        "feedback": bars([("👍", stats.thumbs_up), ("👎", stats.thumbs_down)], page.t("fig.feedback"))
        if stats.thumbs_up or stats.thumbs_down
        else "",
        "faq": bars([(q, float(n)) for _, q, n in stats.top_faqs], page.t("fig.faq_hits"))
        if stats.top_faqs
        else "",
        "topics": bars(topics, page.t("fig.topics")) if topics else "",
        "first_reply": bars(
            [(page.t("fig.median_bar"), stats.median_first_reply_minutes or 0.0),
             (page.t("fig.mean_bar"), stats.mean_first_reply_minutes or 0.0)],
            page.t("fig.first_reply"),
        )
        if stats.median_first_reply_minutes is not None
        else "",
    }
    return page.render(
        "figures.html",
        stats=stats,
        charts=charts,
        since=raw,
        unanswered=unanswered(store, since),
    )
