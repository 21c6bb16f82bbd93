"""Curated answers: list, edit (questions, answer, clauses), approve (admins; amounts no
linked clause states must be confirmed, as ``policybot faq approve --confirm-amounts``),
retire, and CSV import/export in the CLI's format."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot.console.web import Page
from bot.staff.csvio import CsvError, export_bytes, parse_csv
from bot.staff.faq import amount_sources, unverified_amounts
from bot.staff.store import FAQ_STATUSES, FaqEntry, NotFound

MAX_CSV = 2 * 1024 * 1024


def listing(page: Page) -> Response:
    status = page.request.query_params.get("status", "")
    if status and status not in FAQ_STATUSES:
        return page.error(page.t("error.not_found", what=status))
    entries = page.console.desk.store.faqs(status or None)
    return page.render("faqs.html", entries=entries, status=status, statuses=FAQ_STATUSES)


def _entry_or_error(page: Page) -> FaqEntry | Response:
    return page.by_id(page.console.desk.store.faq)


def show(page: Page) -> Response:
    found = _entry_or_error(page)
    if isinstance(found, Response):
        return found
    clauses = page.console.desk.clauses
    linked = [(k, clauses.get(k)) for k in found.clause_keys]
    return page.render("faq.html", entry=found, linked=linked)


def edit(page: Page) -> Response:
    found = _entry_or_error(page)
    if isinstance(found, Response):
        return found
    desk = page.console.desk
    variants = [v for v in page.field("questions").splitlines() if v.strip()]
    answer = page.field("answer")
    keys = [k.strip() for k in page.field("clauses").splitlines() if k.strip()]
    unknown = [k for k in keys if k not in desk.clauses]
    if unknown:
        return page.error(page.t("faq.unknown_clauses", keys=", ".join(unknown)))
    if not variants or not answer:
        return page.error(page.t("ticket.empty"))
    flagged = unverified_amounts(answer, amount_sources(keys, desk.clauses, desk.store, found.id))
    desk.store.edit_faq(
        found.id, variants=variants, answer=answer, clause_keys=keys, unverified_amounts=flagged,
        now=page.console.now(),
    )
    page.audit("faq.edit", f"faq #{found.id}")
    return page.redirect(f"/faq/{found.id}", "faq.saved")


def approve(page: Page) -> Response:
    found = _entry_or_error(page)
    if isinstance(found, Response):
        return found
    confirmed = page.field("confirm_amounts") == "yes"
    if found.unverified_amounts and not found.amounts_confirmed and not confirmed:
        return page.redirect(f"/faq/{found.id}", "faq.need_confirm", "warn")
    page.console.desk.store.set_faq_status(
        found.id, "approved", page.who, confirm_amounts=confirmed, now=page.console.now()
    )
    page.audit("faq.approve", f"faq #{found.id}")
    return page.redirect(f"/faq/{found.id}", "faq.approved")


def retire(page: Page) -> Response:
    found = _entry_or_error(page)
    if isinstance(found, Response):
        return found
    page.console.desk.store.set_faq_status(found.id, "retired", page.who, now=page.console.now())
    page.audit("faq.retire", f"faq #{found.id}")
    return page.redirect(f"/faq/{found.id}", "faq.retired")


def export(page: Page) -> Response:
    data = export_bytes(page.console.desk.store.faqs())
    page.audit("faq.export", "")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="curated-answers.csv"'},
    )


def import_csv(page: Page) -> Response:
    """Rows as ``policybot faq import``: an approved row whose amounts no clause states comes
    in as suggested, for review."""
    upload = page.form.get("file") if page.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page.error(page.t("docs.no_file"))
    data = upload.file.read(MAX_CSV + 1)
    if len(data) > MAX_CSV:
        return page.error(page.t("docs.too_big", mb=MAX_CSV // (1024 * 1024)))
    try:
        rows = parse_csv(data)
    except CsvError as exc:
        return page.error(page.t("faq.csv_error", error=str(exc)))
    desk = page.console.desk
    for row in rows:
        unknown = [k for k in row.clauses if k not in desk.clauses]
        if unknown:
            return page.error(page.t("faq.unknown_clauses", keys=", ".join(unknown)))
    added = updated = held = 0
    for row in rows:
        flags = unverified_amounts(
            row.answer, amount_sources(row.clauses, desk.clauses, desk.store, row.id or 0)
        )
        try:
            existing = desk.store.faq(row.id) if row.id else None
        except NotFound:
            existing = None
        if existing is not None:
            entry = desk.store.edit_faq(
                existing.id, variants=row.variants, answer=row.answer,
                clause_keys=row.clauses, unverified_amounts=flags,
            )
            updated += 1
        else:
            entry = desk.store.add_faq(
                row.variants, row.answer, row.clauses, row.author, unverified_amounts=flags
            )
            added += 1
        status = row.status
        if status == "approved" and flags and not entry.amounts_confirmed:
            status, held = "suggested", held + 1
        if status != entry.status:
            desk.store.set_faq_status(entry.id, status, page.who)
    page.audit("faq.import", f"{added}+{updated}")
    return page.redirect("/faq", "faq.imported", added=added, updated=updated, held=held)
