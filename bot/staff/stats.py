"""The figures staff read: questions per day, who answered, in-scope share, handoffs and
their reasons, time to a first staff reply, curated-answer hits, the most asked clauses,
👍/👎. Aggregated in SQLite over indexed columns, so ten thousand questions take milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bot.messages import text
from bot.staff.hours import SHANGHAI
from bot.staff.store import StaffStore

# The handoff reasons the catalogue names (``staff.stats.reason.*``); any other is shown as it
# is stored.
_REASONS = frozenset({"asked", "thumbs_down", "not_found", "out_of_scope"})


def _reason(key: str, lang: str) -> str:
    return text(f"staff.stats.reason.{key}", lang) if key in _REASONS else key


@dataclass(frozen=True)
class Stats:
    since: str | None
    questions: int
    per_day: tuple[tuple[str, int], ...]
    answered_by: dict[str, int]
    in_scope_share: float
    handoffs: int
    handoff_reasons: dict[str, int]
    tickets_waiting: int
    median_first_reply_minutes: float | None
    mean_first_reply_minutes: float | None
    faq_hits: int
    top_faqs: tuple[tuple[int, str, int], ...]
    top_clauses: tuple[tuple[str, int], ...]
    thumbs_up: int
    thumbs_down: int
    # With a language model: answers it worded ("model") and fallbacks by reason.
    worded: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "questions": self.questions,
            "per_day": [{"day": d, "questions": n} for d, n in self.per_day],
            "answered_by": self.answered_by,
            "in_scope_share": round(self.in_scope_share, 4),
            "handoffs": self.handoffs,
            "handoff_reasons": self.handoff_reasons,
            "tickets_waiting": self.tickets_waiting,
            "median_first_reply_minutes": self.median_first_reply_minutes,
            "mean_first_reply_minutes": self.mean_first_reply_minutes,
            "faq_hits": self.faq_hits,
            "top_faqs": [{"id": i, "question": q, "hits": n} for i, q, n in self.top_faqs],
            "top_clauses": [{"clause": c, "questions": n} for c, n in self.top_clauses],
            "feedback": {"up": self.thumbs_up, "down": self.thumbs_down},
            "language_model": self.worded,
        }

    def render(self, lang: str = "zh") -> str:
        """A short plain-text report (the /stats command, the CLI without --json)."""
        lang = "zh" if lang == "zh" else "en"  # the report is Chinese or English
        reply = (
            f"{self.median_first_reply_minutes:.0f}"
            if self.median_first_reply_minutes is not None
            else "—"
        )
        by = self.answered_by
        reasons = text("staff.stats.reason_sep", lang).join(
            f"{_reason(k, lang)} {v}" for k, v in self.handoff_reasons.items()
        )
        lines = [
            text("staff.stats.head_since", lang, since=self.since)
            if self.since
            else text("staff.stats.head_all", lang),
            text(
                "staff.stats.questions",
                lang,
                questions=self.questions,
                assistant=by.get("assistant", 0),
                faq=by.get("faq", 0),
                staff=by.get("staff", 0),
                none=by.get("none", 0),
                share=f"{self.in_scope_share:.0%}",
            ),
            text(
                "staff.stats.handoffs",
                lang,
                handoffs=self.handoffs,
                reasons=reasons,
                waiting=self.tickets_waiting,
                reply=reply,
            ),
            text(
                "staff.stats.feedback",
                lang,
                hits=self.faq_hits,
                up=self.thumbs_up,
                down=self.thumbs_down,
            ),
        ]
        return "\n".join(lines + self._optional_lines(lang))

    def _optional_lines(self, lang: str) -> list[str]:
        """The language model's share, the most asked clauses, the questions per day: each
        only when there is something to say."""
        lines: list[str] = []
        if self.worded:
            fallbacks = {
                k.removeprefix("fallback:"): v for k, v in self.worded.items() if k != "model"
            }
            lines.append(
                text(
                    "staff.stats.worded",
                    lang,
                    model=self.worded.get("model", 0),
                    fallbacks=", ".join(f"{k} {v}" for k, v in sorted(fallbacks.items())) or "0",
                )
            )
        if self.top_clauses:
            clauses = text("staff.stats.clause_sep", lang).join(
                f"{c} ({n})" for c, n in self.top_clauses[:5]
            )
            lines.append(text("staff.stats.top_clauses", lang, clauses=clauses))
        if self.per_day:
            days = " ".join(f"{d[5:]}:{n}" for d, n in self.per_day[-14:])
            lines.append(text("staff.stats.per_day", lang, days=days))
        return lines


def compute(store: StaffStore, since: date | None = None, top: int = 10) -> Stats:
    """Every figure, over the log entries and tickets from ``since`` (a Shanghai date) on."""
    day = since.isoformat() if since else "0000-00-00"
    # tickets keep UTC times: the Shanghai day starts at 16:00 UTC the day before
    stamp = (
        datetime.combine(since, time(0), SHANGHAI).astimezone(UTC).isoformat(timespec="seconds")
        if since
        else ""
    )
    with store.reading() as db:
        per_day, total, in_scope, up, down, by, clauses, faq_hits, worded = _log_figures(
            db, day, top
        )
        reasons, waiting, delays = _ticket_figures(db, stamp)
        top_faqs = db.execute(
            "SELECT id, variants, hits FROM faq WHERE hits > 0 ORDER BY hits DESC, id LIMIT ?",
            (top,),
        ).fetchall()

    median = None
    if delays:
        mid = len(delays) // 2
        median = delays[mid] if len(delays) % 2 else (delays[mid - 1] + delays[mid]) / 2
    return Stats(
        since=since.isoformat() if since else None,
        questions=int(total),
        per_day=tuple((str(d), int(n)) for d, n in per_day),
        answered_by={str(k): int(v) for k, v in by.items()},
        in_scope_share=(int(in_scope) / int(total)) if total else 0.0,
        handoffs=sum(int(v) for v in reasons.values()),
        handoff_reasons={str(k): int(v) for k, v in reasons.items()},
        tickets_waiting=int(waiting),
        median_first_reply_minutes=round(median, 1) if median is not None else None,
        mean_first_reply_minutes=round(sum(delays) / len(delays), 1) if delays else None,
        faq_hits=int(faq_hits),
        top_faqs=tuple((int(i), str(json.loads(v)[0]), int(n)) for i, v, n in top_faqs),
        top_clauses=tuple((str(c), int(n)) for c, n in clauses),
        thumbs_up=int(up),
        thumbs_down=int(down),
        worded={str(k): int(v) for k, v in worded},
    )


def _log_figures(db: Any, day: str, top: int) -> tuple[Any, ...]:
    """From the question log since ``day``: questions per day, total, in scope, 👍, 👎, who
    answered, the ``top`` clauses, curated-answer hits, the language model's wordings."""
    per_day = db.execute(
        "SELECT day, COUNT(*) FROM qa_log WHERE day >= ? GROUP BY day ORDER BY day", (day,)
    ).fetchall()
    total, in_scope, up, down = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(in_scope), 0), "
        "COALESCE(SUM(feedback = 1), 0), COALESCE(SUM(feedback = -1), 0) "
        "FROM qa_log WHERE day >= ?",
        (day,),
    ).fetchone()
    by = dict(
        db.execute(
            "SELECT answered_by, COUNT(*) FROM qa_log WHERE day >= ? GROUP BY answered_by",
            (day,),
        ).fetchall()
    )
    clauses = db.execute(
        "SELECT top_clause, COUNT(*) AS n FROM qa_log WHERE day >= ? AND top_clause IS NOT NULL "
        "GROUP BY top_clause ORDER BY n DESC, top_clause LIMIT ?",
        (day, top),
    ).fetchall()
    faq_hits = db.execute(
        "SELECT COUNT(*) FROM qa_log WHERE day >= ? AND answered_by = 'faq'", (day,)
    ).fetchone()[0]
    worded = db.execute(
        "SELECT worded, COUNT(*) FROM qa_log WHERE day >= ? AND worded IS NOT NULL "
        "GROUP BY worded ORDER BY worded",
        (day,),
    ).fetchall()
    return per_day, total, in_scope, up, down, by, clauses, faq_hits, worded


def _ticket_figures(db: Any, stamp: str) -> tuple[dict[Any, Any], int, list[float]]:
    """From the tickets opened since ``stamp``: handoffs by reason, how many wait now, and the
    minutes to each first staff reply (sorted)."""
    reasons = dict(
        db.execute(
            "SELECT reason, COUNT(*) FROM tickets WHERE created_at >= ? GROUP BY reason "
            "ORDER BY reason",
            (stamp,),
        ).fetchall()
    )
    waiting = db.execute("SELECT COUNT(*) FROM tickets WHERE status = 'waiting'").fetchone()[0]
    delays = [
        float(r[0])
        for r in db.execute(
            "SELECT (julianday(first_reply_at) - julianday(created_at)) * 1440.0 FROM tickets "
            "WHERE first_reply_at IS NOT NULL AND created_at >= ? ORDER BY 1",
            (stamp,),
        ).fetchall()
    ]
    return reasons, int(waiting), delays
