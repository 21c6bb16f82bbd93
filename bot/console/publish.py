"""Documents from the browser: an upload is read and split exactly as ``policybot ingest
--check`` does, shown for review, and published by an admin: the file joins the documents
folder and a new index generation is built in a background thread, its progress on the
page; the console's services switch to it (a running bot does at its next
``refresh_if_stale``). A file that cannot be read, or that ingest skips, changes nothing:
the documents folder is restored and the generation in service stays.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.domain import Clause, DocumentMeta
from bot.errors import PolicyBotError
from bot.knowledge.documents import read_document
from bot.knowledge.parse import split_clauses
from bot.knowledge.readers import SUFFIXES
from bot.services import Services, embedder_of, passages_in_background, run_ingest

_SAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class UploadRefused(ValueError):
    """A file refused before reading: the catalogue key and its values say why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Checked:
    """An uploaded file as ingest would index it."""

    token: str
    name: str
    meta: DocumentMeta
    clauses: tuple[Clause, ...]


@dataclass
class Job:
    id: str
    name: str
    state: Literal["running", "done", "failed"] = "running"
    done: int = 0
    total: int = 0
    # once published: the passages of its long articles (``bot.knowledge.passages``) being
    # embedded while the new generation serves, then built, not needed, or failed
    passages: Literal["", "building", "built", "none", "failed"] = ""
    passages_done: int = 0
    passages_total: int = 0
    error: str = ""
    generation: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def safe_name(name: str) -> str:
    """The file's own name, without a path and without characters a shell would mind."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    return (_SAFE.sub("_", stem).strip("._") or "document")[:80] + suffix


class Publisher:
    """Uploads under ``<data_dir>/console/uploads``; one publication at a time."""

    def __init__(self, services: Services, max_bytes: int) -> None:
        self.services = services
        self.max_bytes = max_bytes
        self.root = services.settings.data_dir / "console" / "uploads"
        self._jobs: dict[str, Job] = {}
        self._running = threading.Lock()

    def check(self, filename: str, data: bytes) -> Checked:
        """Keep the upload and read it; ``UploadRefused`` or ``PolicyBotError`` says why not."""
        name = safe_name(filename)
        if Path(name).suffix not in SUFFIXES:
            raise UploadRefused("docs.bad_type", name=filename)
        if len(data) > self.max_bytes:
            raise UploadRefused("docs.too_big", mb=self.max_bytes // (1024 * 1024))
        self._sweep()
        token = secrets.token_hex(8)
        folder = self.root / token
        folder.mkdir(parents=True, mode=0o700)
        path = folder / name
        path.write_bytes(data)
        try:
            return self._read(token, path)
        except (PolicyBotError, UploadRefused):
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _sweep(self, older_than: float = 86400.0) -> None:
        """Uploads checked but never published are removed after a day."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    def _read(self, token: str, path: Path) -> Checked:
        doc = read_document(path)
        clauses = tuple(split_clauses(doc.meta, doc.body))
        if not clauses:
            raise UploadRefused("docs.no_clauses")
        return Checked(token, path.name, doc.meta, clauses)

    def checked(self, token: str) -> Checked | None:
        """A kept upload, read again (None when the token is unknown or expired)."""
        if not re.fullmatch(r"[0-9a-f]{16}", token):
            return None
        files = list((self.root / token).glob("*")) if (self.root / token).is_dir() else []
        if len(files) != 1:
            return None
        try:
            return self._read(token, files[0])
        except (PolicyBotError, UploadRefused):
            return None

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def publish(self, checked: Checked) -> Job | None:
        """Start publishing ``checked``; None while another publication runs."""
        if not self._running.acquire(blocking=False):
            return None
        job = Job(secrets.token_hex(8), checked.name)
        self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, checked), daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, checked: Checked) -> None:
        settings = self.services.settings
        source = self.root / checked.token / checked.name
        target = settings.documents_dir / checked.name
        backup = target.read_bytes() if target.exists() else None

        def progress(stage: str, done: int, total: int, left: float | None) -> None:
            job.done, job.total = done, total

        try:
            shutil.copyfile(source, target)
            report = run_ingest(settings, embedder_of(self.services), progress)
            problem = next((p for p in report.problems if p.file.endswith(checked.name)), None)
            if problem is not None:
                raise PolicyBotError(problem.message)
            self.services.refresh_if_stale()
            job.passages = "building"  # before "done": the page follows them from then on
            job.generation, job.state = self.services.generation, "done"
            shutil.rmtree(self.root / checked.token, ignore_errors=True)
        except Exception as exc:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(backup)
            job.error, job.state = str(exc) or type(exc).__name__, "failed"
        else:
            # the new generation serves; the rest of its long articles is embedded now (the
            # next publication waits for it: both would share the two cores and the model)
            def embedded(stage: str, done: int, total: int, left: float | None) -> None:
                job.passages_done, job.passages_total = done, total

            job.passages = passages_in_background(
                settings, report.generation, embedder_of(self.services), embedded
            )
        finally:
            self._running.release()
