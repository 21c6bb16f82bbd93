"""The documents pages: what is in service, upload and check a file, publish it (admins),
follow the publication."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot.console.publish import UploadRefused
from bot.console.web import Page
from bot.errors import PolicyBotError
from bot.services import generations


def listing(page: Page) -> Response:
    services = page.console.services
    today = page.console.today()
    counts: dict[str, int] = {}
    for clause in services.kb.clauses:
        if clause.part <= 1:
            counts[clause.doc_id] = counts.get(clause.doc_id, 0) + 1
    manifest = generations(services.settings).manifest(services.generation)
    files = manifest.get("files", {})
    rows = [
        {
            "meta": meta,
            "status": meta.validity(today),
            "clauses": counts.get(meta.id, 0),
            "file": meta.file or files.get(meta.id, ""),
        }
        for meta in services.kb.documents.values()
    ]
    return page.render(
        "documents.html",
        rows=rows,
        today=today.isoformat(),
        generation=services.generation,
        problems=manifest.get("problems", []),
    )


def check(page: Page) -> Response:
    """Read an uploaded file as ``ingest --check`` does and show its metadata and outline."""
    upload = page.form.get("file") if page.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page.error(page.t("docs.no_file"))
    publisher = page.console.publisher
    data = upload.file.read(publisher.max_bytes + 1)
    try:
        checked = publisher.check(upload.filename, data)
    except UploadRefused as exc:
        return page.error(page.t(exc.key, **exc.values))
    except PolicyBotError as exc:
        return page.error(page.t("docs.unreadable", error=str(exc)))
    page.audit("document.check", checked.name)
    return page.render(
        "check.html", checked=checked, today=page.console.today(), status=checked.meta.validity(
            page.console.today()
        )
    )


def publish(page: Page) -> Response:
    checked = page.console.publisher.checked(page.field("token", 40))
    if checked is None:
        return page.error(page.t("docs.gone"), 404)
    job = page.console.publisher.publish(checked)
    if job is None:
        return page.error(page.t("docs.busy"), 409)
    page.audit("document.publish", checked.name)
    return page.redirect(f"/documents/jobs/{job.id}")


def job(page: Page) -> Response:
    found = page.console.publisher.job(page.request.path_params["id"])
    if found is None:
        return page.error(page.t("error.not_found", what=page.request.path_params["id"]), 404)
    return page.render("job.html", job=found)
