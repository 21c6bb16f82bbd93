"""Services: every long-lived dependency of the core, built once from the settings.

The index is read from the generation in service (``bot.knowledge.generations``). At start-up
the documents folder is compared with that generation's manifest (names, sizes, times: no file
is read); only when they differ, or when there is no index yet, is a new generation built
first (a long-running channel, ``background=True``, serves the last good generation meanwhile
and builds the new one in a thread). A long-running process calls ``Services.refresh_if_stale()`` (one small file read) to
pick up a generation published by ``policybot ingest``: the new knowledge base, vectors and
retriever are built aside and swapped in together, so a question is always answered from one
complete generation. With a Chroma server the pointer is shared by every machine
(``bot.retrieval.shared_index``) and polled at most every ``POINTER_POLL_S``; a server whose
turns do not poll by themselves runs ``Services.watch`` (``bot.ops.server.operations``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from bot.answering.gate import QA
from bot.config import Settings
from bot.eligibility import Rulebook
from bot.eligibility.schema import read_yaml
from bot.errors import KnowledgeError
from bot.knowledge.embed_cache import EmbeddingCache
from bot.knowledge.generations import Generations
from bot.knowledge.index import (
    IngestReport,
    KnowledgeBase,
    Progress,
    build_generation,
    is_current,
    load_generation,
)
from bot.knowledge.passages import PASSAGES, passage_units, read_passages
from bot.knowledge.rules_guard import load_checked_rules
from bot.llm.writer import writer_from_settings
from bot.retrieval.embeddings import E5Embeddings
from bot.retrieval.retriever import Retriever
from bot.retrieval.scope import ScopeRules, coverage_rules
from bot.retrieval.tokens import Tokenizer
from bot.retrieval.vectors import VectorStore, drop_generation, open_generation
from bot.store import Store

if TYPE_CHECKING:
    from bot.llm.writer import AnswerWriter
    from bot.ops.metrics import Metrics
    from bot.staff.desk import StaffDesk

_log = logging.getLogger(__name__)
# How often a worker asks the Chroma server whether a new generation was published.
POINTER_POLL_S = 2.0


def load_glossary(path: Path) -> dict[str, list[str]]:
    """knowledge/glossary.yaml as one mapping: question term -> document terms."""
    try:
        data: Any = read_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the glossary: {exc}") from exc
    merged: dict[str, list[str]] = {}
    for section in ("zh", "en"):
        for key, values in (data.get(section) or {}).items():
            if not isinstance(values, list):
                raise KnowledgeError(f"{path}: {section}.{key} must be a list of terms")
            merged[str(key).lower()] = [str(v) for v in values]
    return merged


def generations(settings: Settings) -> Generations:
    """The index generations: the data directory's, shared through the Chroma server when
    ``chroma_host`` is set (``bot.retrieval.shared_index``)."""
    remote = None
    if settings.chroma_host:
        from bot.retrieval.shared_index import ChromaGenerations
        from bot.retrieval.vectors import make_client

        remote = ChromaGenerations(make_client(settings), settings.chroma_collection)
    return Generations(settings.data_dir / "index", remote)


def rules_keep_dir(settings: Settings) -> Path:
    """Where the last rules that passed the check are kept, to serve while newer ones fail."""
    return settings.data_dir / "rules-good"


def run_ingest(
    settings: Settings,
    embeddings: E5Embeddings | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> IngestReport:
    """Build and publish a new index generation from the documents folder (if it changed)."""
    embeddings = embeddings or E5Embeddings(num_threads=os.cpu_count())
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3", embeddings.model_id)
    try:
        return build_generation(
            settings.documents_dir,
            generations(settings),
            embeddings,
            embeddings.model_id,
            cache,
            lambda folder, name: open_generation(settings, folder, name, embeddings),
            lambda name: drop_generation(settings, name),
            progress,
            force,
            settings.max_document_mb,
        )
    finally:
        cache.close()


def run_passages(
    settings: Settings,
    generation: str,
    embeddings: E5Embeddings | None = None,
    progress: Progress | None = None,
) -> tuple[int, int] | None:
    """Embed the passages of the articles of ``generation`` (``bot.knowledge.passages``) and
    keep them beside it, and on a shared index add them to its files on the Chroma server
    (every worker fetches them from there): (passages, embedded now); None when they are
    there already."""
    from bot.knowledge.passages import build_passages

    gens = generations(settings)
    folder = gens.path(generation)
    built = None
    if not (folder / PASSAGES).is_file():
        kb, _ = load_generation(gens, generation)
        embeddings = embeddings or E5Embeddings(num_threads=os.cpu_count())
        cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3", embeddings.model_id)
        try:
            built = build_passages(folder, kb, embeddings, cache, progress)
        finally:
            cache.close()
    kept_here = (folder / PASSAGES).is_file()  # none is written when no article is long
    shared = gens.remote
    if shared is not None and kept_here and (built or not shared.holds(generation, PASSAGES)):
        shared.upload(generation, {PASSAGES: (folder / PASSAGES).read_bytes()})
        if built is None:  # kept here before, shared now
            kept = read_passages(folder)
            built = (len(kept[0]) if kept else 0, 0)
    return built


def passages_in_background(
    settings: Settings, generation: str, embeddings: E5Embeddings, progress: Progress
) -> Literal["built", "none", "failed"]:
    """``run_passages`` for a generation that already serves: "built", "none" (there already,
    or not built for a Chroma server's shared generations) or "failed", logged (the generation
    serves without its passages, the next ingest tries again)."""
    try:
        built = run_passages(settings, generation, embeddings, progress)
    except Exception:
        _log.exception("the passages of generation %s were not built", generation)
        return "failed"
    finally:
        progress_path(settings).unlink(missing_ok=True)
    if built is None:
        return "none"
    _log.info("%d passages of long articles kept beside generation %s", built[0], generation)
    return "built"


@dataclass
class Services:
    """What the dialogue and the channels need; built by ``build_services``."""

    settings: Settings
    kb: KnowledgeBase
    qa: QA
    rulebook: Rulebook
    ingest_report: IngestReport
    store: Store | None = None
    generation: str = ""
    vectors: VectorStore | None = None
    desk: StaffDesk | None = None  # the staff desk, as a stage of every turn (per turn)
    writer: AnswerWriter | None = None  # the optional language model; None: none configured
    # the rule files' problems (``file:line: reason``) when they were refused and the last
    # good rules serve instead (bot.knowledge.rules_guard)
    rules_refused: tuple[str, ...] = ()
    metrics: Metrics | None = None  # the ops metrics (bot.ops), when the ops port is on
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # one refresh at a time; the pointer's last check (a shared pointer is polled, not read
    # on every turn); the generations, opened once
    _refreshing: threading.Lock = field(
        default_factory=threading.Lock, repr=False, compare=False
    )
    _checked: float = field(default=0.0, repr=False, compare=False)
    _gens: Generations | None = field(default=None, repr=False, compare=False)

    def snapshot(self, desk: StaffDesk | None = None) -> Services:
        """The services of one turn: the knowledge base, vectors and answering of one index
        generation, taken together (a refresh swaps them under the same lock), and the staff
        desk of the conversation that runs the turn."""
        with self._lock:
            return replace(self, desk=desk)

    def generations(self) -> Generations:
        if self._gens is None:
            self._gens = generations(self.settings)
        return self._gens

    def stale(self) -> bool:
        """True when ``policybot ingest`` has published a generation this process does not
        serve yet: one small file read, or on a shared index one request to the Chroma
        server at most every ``POINTER_POLL_S`` (False in between)."""
        gens = self.generations()
        if gens.remote is not None:
            now = time.monotonic()
            if now - self._checked < POINTER_POLL_S:
                return False
            self._checked = now
        current = gens.current()
        return current is not None and current != self.generation

    def refresh_if_stale(self) -> bool:
        """Swap in the newest published generation; True when it did. Never serves a partial
        index and never holds up a turn: the new generation is loaded completely beside the
        one in service (which answers meanwhile), then swapped in under the turn lock in one
        step; a failure keeps the old one."""
        if not self._refreshing.acquire(blocking=False):
            return False  # another thread is loading it already
        try:
            try:
                if not self.stale():
                    return False
                gens = self.generations()
                name = gens.current()
            except Exception:
                _log.exception("cannot read the index pointer; serving %s", self.generation)
                return False
            if name is None or name == self.generation:
                return False
            try:
                kb, store, qa = _answering(self.settings, gens, name, embedder_of(self))
                rules = load_checked_rules(
                    self.settings.knowledge_dir, kb, rules_keep_dir(self.settings)
                )
            except Exception:
                _log.exception("cannot load index generation %s; keeping %s", name, self.generation)
                return False
            with self._lock:
                self.kb, self.vectors, self.qa, self.generation = kb, store, qa, name
                self.rulebook, self.rules_refused = rules.rulebook, rules.problems
            gens.prune_mirrors({name})
            _log.info("now serving index generation %s", name)
            return True
        finally:
            self._refreshing.release()

    def watch(self, every: float = POINTER_POLL_S) -> threading.Event:
        """Refresh in a daemon thread every ``every`` seconds (a long-running server whose
        turns do not poll by themselves); set the returned event to stop it."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.refresh_if_stale()
                except Exception:  # the watch must outlive any one failure
                    _log.exception("refreshing the index failed; serving the current one")

        threading.Thread(target=loop, name="index-watch", daemon=True).start()
        return stop


def embedder_of(services: Services) -> E5Embeddings:
    """The embedding model the index in service was searched with (one copy per process)."""
    embeddings = getattr(services.vectors, "embeddings", None)
    if isinstance(embeddings, E5Embeddings):
        return embeddings
    return E5Embeddings(num_threads=services.settings.embed_threads)


def _answering(
    settings: Settings, gens: Generations, name: str, embeddings: E5Embeddings
) -> tuple[KnowledgeBase, VectorStore, QA]:
    kb, _manifest = load_generation(gens, name)
    remote = gens.remote
    fetch = None if remote is None else (lambda: remote.fetch(name, PASSAGES))
    store = open_generation(settings, gens.path(name), name, embeddings, fetch)
    store.warm()
    glossary = load_glossary(settings.knowledge_dir / "glossary.yaml")
    rules = ScopeRules.load(settings.knowledge_dir / "scope.yaml")
    # The places a title names are read from its words (``coverage_rules``) once the tokenizer
    # has loaded jieba's dictionary, which jieba's own functions then share; its place words do
    # not depend on them (a title's place moves from outside to covered).
    places = coverage_rules(rules, kb, split=lambda _title: ()).place_words()
    tokenizer = Tokenizer(
        settings.data_dir / "cache",
        extra_words=[t for terms in glossary.values() for t in terms] + list(places),
    )
    scope = coverage_rules(rules, kb)
    retriever = Retriever(
        kb, store, tokenizer, glossary, token_cache=gens.path(name) / "tokens.pickle"
    )
    return kb, store, QA(kb, retriever, scope, settings.top_k)


def progress_path(settings: Settings) -> Path:
    """Where a running ingest says how far it is (read by ``policybot documents``)."""
    return settings.data_dir / "ingest-progress.json"


def record_progress(
    settings: Settings, stage: str, done: int, total: int, left: float | None
) -> None:
    """Write the ingest's progress for others to read (replaced atomically; gone when done)."""
    path = progress_path(settings)
    state = {"stage": stage, "done": done, "total": total, "left": left, "at": time.time()}
    partial = path.with_suffix(".partial")
    try:
        partial.write_text(json.dumps(state), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:  # progress is a courtesy: a full disk must not stop the ingest
        _log.debug("cannot record ingest progress: %s", exc)


def read_progress(settings: Settings, stale_after: float = 120.0) -> dict[str, object] | None:
    """The progress of an ingest running now, or None (none, or its record is stale)."""
    try:
        state = json.loads(progress_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or time.time() - float(state.get("at", 0)) > stale_after:
        return None
    return state


def _logged_progress(settings: Settings, what: str) -> Progress:
    """A progress callback for work done in a thread: recorded for ``policybot documents``
    (``record_progress``) and logged at most every ten seconds, with the time left."""
    last = [0.0]

    def logged(stage: str, done: int, total: int, left: float | None) -> None:
        record_progress(settings, stage, done, total, left)
        now = time.monotonic()
        if done < total and now - last[0] < 10.0:
            return
        last[0] = now
        eta = f", about {left:.0f} s left" if left is not None and done < total else ""
        _log.info("%s: %s %d/%d%s", what, stage, done, total, eta)

    return logged


def ingest_in_background(settings: Settings) -> threading.Thread:
    """Build a new generation in a thread while the last good one serves; a running channel
    picks it up with ``Services.refresh_if_stale``. Progress and the time left go to the log."""
    logged = _logged_progress(settings, "background ingest")

    def work() -> None:
        embeddings = E5Embeddings(num_threads=settings.embed_threads)
        try:
            report = run_ingest(settings, embeddings, logged)
        except Exception:
            _log.exception("background ingest failed; the index generation in service stays")
            return
        finally:
            progress_path(settings).unlink(missing_ok=True)
        for problem in report.problems:
            _log.warning("skipped %s", problem.message)
        _log.info(
            "background ingest done in %.0f s: generation %s", report.seconds, report.generation
        )
        passages_in_background(settings, report.generation, embeddings, logged)

    thread = threading.Thread(target=work, name="background-ingest", daemon=True)
    thread.start()
    return thread


def missing_passages(settings: Settings, generation: str, kb: KnowledgeBase | None = None) -> int:
    """Characters of the passages of long articles (``bot.knowledge.passages``) that
    ``generation`` (whose knowledge base is ``kb``, read from it when not given) lacks: 0 when
    they are kept beside it (or on the Chroma server it shares) or it has no long article."""
    gens = generations(settings)
    if (gens.path(generation) / PASSAGES).is_file():
        return 0
    if gens.remote is not None and gens.remote.holds(generation, PASSAGES):
        return 0  # the store fetches them into its mirror
    if kb is None:
        kb, _ = load_generation(gens, generation)
    return sum(len(text) for _, _, text in passage_units(kb))


def _complete_passages(
    settings: Settings,
    generation: str,
    kb: KnowledgeBase,
    embeddings: E5Embeddings,
    progress: Progress | None,
    serving: bool,
) -> None:
    """Make sure the generation about to serve has its passages. A generation published by a
    one-shot command (``ask``, or a channel's first start) has none: ``policybot ingest`` and a
    channel's background ingest embed them after publishing, nothing else did, and without
    them a question asked in a firm's own words misses the middle of long articles (recall@3
    of the sixth held-out city set 0.65 without, 0.82 with; the provinces' 0.94 and 0.97).
    Up to ``Settings.passages_at_once`` characters are embedded now, before the first answer;
    more, a ``serving`` process embeds in a thread (searched from the next look,
    ``vectors.PASSAGES_LOOK``; the store in service looks for them at its first search, so
    those built now are searched from the first answer), anything else says how to build them
    and answers without."""
    try:
        missing = missing_passages(settings, generation, kb)
    except Exception:
        _log.exception("cannot tell whether generation %s has its passages", generation)
        return
    if not missing:
        return
    if missing <= settings.passages_at_once:
        try:
            run_passages(settings, generation, embeddings, progress)
        except Exception:
            _log.exception("the passages of generation %s were not built", generation)
        return
    if serving:
        logged = _logged_progress(settings, "passages")
        own = E5Embeddings(num_threads=settings.embed_threads)  # questions do not wait for it
        threading.Thread(
            target=passages_in_background,
            args=(settings, generation, own, logged),
            name="passages",
            daemon=True,
        ).start()
        return
    _log.warning(
        "answering without the passages of long articles (%d characters, about %.0f minutes "
        "to embed): `policybot ingest` builds them",
        missing,
        missing / 2000 / 60,
    )


def build_services(
    settings: Settings,
    progress: Progress | None = None,
    with_store: bool = False,
    ingest: bool = True,
    background: bool = False,
    serving: bool = False,
) -> Services:
    """Load the index in service, the rules, and wire the QA; ``with_store`` opens the SQLite
    database. With ``ingest`` (the default) a new generation is built first when the documents
    changed or there is none, and the passages of its long articles when it has none yet
    (``_complete_passages``); without it the generation in service is used as it is (an index
    must exist). If the ingest fails while an older generation exists, that one serves. With
    ``background`` (a long-running channel), a stale index serves at once while the new
    generation is built in a thread (``ingest_in_background``); with ``background`` or
    ``serving`` (a long-running server), passages too many to wait for are embedded in a
    thread."""
    embeddings = E5Embeddings(num_threads=settings.embed_threads)
    gens = generations(settings)
    current = gens.current()
    fresh = current is not None and is_current(gens, settings.documents_dir, embeddings.model_id)
    passages = ingest  # an ingest running in the background embeds its own after it
    if current is not None and ingest and background and not fresh:
        _log.warning(
            "the documents changed: serving generation %s while a new one is built", current
        )
        ingest_in_background(settings)
        ingest = passages = False
    if current is not None and (not ingest or fresh):
        name = current
        report = IngestReport(
            unchanged=tuple(gens.manifest(name).get("documents", {})), generation=name
        )
    elif not ingest:
        raise KnowledgeError(f"no index in {gens.root}: run `policybot ingest` first")
    else:
        try:
            report = run_ingest(settings, embeddings, progress)
        except Exception:
            if current is None:
                raise
            _log.exception("ingest failed; serving the previous index generation %s", current)
            report = IngestReport(generation=current)
        name = report.generation
    for problem in report.problems:
        _log.warning("skipped %s", problem.message)
    kb, store, qa = _answering(settings, gens, name, embeddings)
    if passages and name:
        _complete_passages(settings, name, kb, embeddings, progress, serving or background)
    rules = load_checked_rules(settings.knowledge_dir, kb, rules_keep_dir(settings))
    return Services(
        settings=settings,
        kb=kb,
        qa=qa,
        rulebook=rules.rulebook,
        rules_refused=rules.problems,
        ingest_report=report,
        store=Store(settings.db_location) if with_store else None,
        generation=name,
        vectors=store,
        writer=writer_from_settings(settings),
        _gens=gens,
    )
