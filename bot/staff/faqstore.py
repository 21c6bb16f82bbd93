"""The curated answers (FAQ) of ``StaffStore``: written by staff, approved, counted."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from bot.staff.records import FAQ_COLS, FaqEntry, FaqStatus, NotFound, dumps, faq_of
from bot.store.base import Connection
from bot.store.questions import iso
from bot.text.privacy import mask


def _now() -> datetime:
    return datetime.now(UTC)


class FaqRecords:
    """The FAQ methods; the class that mixes them in provides ``_tx`` and ``_read``."""

    def _tx(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    # ------------------------------------------------------------------------------ FAQ

    def add_faq(
        self,
        variants: Sequence[str],
        answer: str,
        clause_keys: Sequence[str],
        author: str,
        *,
        status: FaqStatus = "suggested",
        unverified_amounts: Sequence[str] = (),
        ticket_id: int | None = None,
        now: datetime | None = None,
    ) -> FaqEntry:
        clean = [v.strip() for v in variants if v.strip()]
        if not clean or not answer.strip():
            raise ValueError("a curated answer needs at least one question and an answer")
        stamp = iso(now or _now())
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO faq (variants, answer, clause_keys, author, status, "
                "unverified_amounts, ticket_id, created_at, updated_at, approved_at, approved_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dumps([mask(v) for v in clean]),
                    answer.strip(),
                    dumps(list(clause_keys)),
                    author,
                    status,
                    dumps(list(unverified_amounts)),
                    ticket_id,
                    stamp,
                    stamp,
                    stamp if status == "approved" else None,
                    author if status == "approved" else None,
                ),
            )
            faq_id = int(cursor.lastrowid or 0)
        return self.faq(faq_id)

    def faq(self, faq_id: int) -> FaqEntry:
        rows = self._read(f"SELECT {FAQ_COLS} FROM faq WHERE id = ?", (faq_id,))
        if not rows:
            raise NotFound(f"no curated answer {faq_id}")
        return faq_of(rows[0])

    def faqs(self, status: FaqStatus | None = None) -> list[FaqEntry]:
        if status is None:
            rows = self._read(f"SELECT {FAQ_COLS} FROM faq ORDER BY id")
        else:
            rows = self._read(f"SELECT {FAQ_COLS} FROM faq WHERE status = ? ORDER BY id", (status,))
        return [faq_of(r) for r in rows]

    def edit_faq(
        self,
        faq_id: int,
        *,
        variants: Sequence[str] | None = None,
        answer: str | None = None,
        clause_keys: Sequence[str] | None = None,
        unverified_amounts: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> FaqEntry:
        """Change an entry; a changed answer or clause list needs its amounts confirmed again."""
        entry = self.faq(faq_id)
        new_variants = [v.strip() for v in variants if v.strip()] if variants is not None else None
        if new_variants is not None and not new_variants:
            raise ValueError("a curated answer needs at least one question")
        if answer is not None and not answer.strip():
            raise ValueError("the answer cannot be empty")
        changed_content = (answer is not None and answer.strip() != entry.answer) or (
            clause_keys is not None and tuple(clause_keys) != entry.clause_keys
        )
        with self._tx() as db:
            db.execute(
                "UPDATE faq SET variants = ?, answer = ?, clause_keys = ?, unverified_amounts = ?, "
                "amounts_confirmed = ?, updated_at = ? WHERE id = ?",
                (
                    dumps([mask(v) for v in new_variants])
                    if new_variants is not None
                    else dumps(list(entry.variants)),
                    answer.strip() if answer is not None else entry.answer,
                    dumps(list(clause_keys if clause_keys is not None else entry.clause_keys)),
                    dumps(
                        list(
                            unverified_amounts
                            if unverified_amounts is not None
                            else entry.unverified_amounts
                        )
                    ),
                    0 if changed_content else int(entry.amounts_confirmed),
                    iso(now or _now()),
                    faq_id,
                ),
            )
        return self.faq(faq_id)

    def set_faq_status(
        self,
        faq_id: int,
        status: FaqStatus,
        by: str,
        *,
        confirm_amounts: bool = False,
        now: datetime | None = None,
    ) -> FaqEntry:
        entry = self.faq(faq_id)
        stamp = iso(now or _now())
        with self._tx() as db:
            if status == "approved":
                db.execute(
                    "UPDATE faq SET status = 'approved', approved_by = ?, approved_at = ?, "
                    "amounts_confirmed = ?, updated_at = ? WHERE id = ?",
                    (
                        by,
                        stamp,
                        int(confirm_amounts or entry.amounts_confirmed),
                        stamp,
                        faq_id,
                    ),
                )
            else:
                db.execute(
                    "UPDATE faq SET status = ?, updated_at = ? WHERE id = ?",
                    (status, stamp, faq_id),
                )
        return self.faq(faq_id)

    def count_hit(self, faq_id: int, now: datetime | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE faq SET hits = hits + 1, last_hit_at = ? WHERE id = ?",
                (iso(now or _now()), faq_id),
            )
