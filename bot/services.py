"""Services: every long-lived dependency of the core, built once from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import Settings
from bot.eligibility import Rulebook, load_rulebook
from bot.errors import KnowledgeError
from bot.knowledge.documents import load_documents
from bot.knowledge.index import IngestReport, KnowledgeBase, ingest
from bot.qa import QA
from bot.retrieval.embeddings import E5Embeddings
from bot.retrieval.retriever import Retriever
from bot.retrieval.scope import ScopeRules
from bot.retrieval.tokens import Tokenizer
from bot.retrieval.vectors import VectorStore, make_client
from bot.store import Store

Progress = Callable[[str, int, int], None]


def load_glossary(path: Path) -> dict[str, list[str]]:
    """knowledge/glossary.yaml as one mapping: question term -> document terms."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the glossary: {exc}") from exc
    merged: dict[str, list[str]] = {}
    for section in ("zh", "en"):
        for key, values in (data.get(section) or {}).items():
            if not isinstance(values, list):
                raise KnowledgeError(f"{path}: {section}.{key} must be a list of terms")
            merged[str(key).lower()] = [str(v) for v in values]
    return merged


@dataclass
class Services:
    """What the dialogue and the channels need; built by ``build_services``."""

    settings: Settings
    kb: KnowledgeBase
    qa: QA
    rulebook: Rulebook
    ingest_report: IngestReport
    store: Store | None = None


def build_services(
    settings: Settings, progress: Progress | None = None, with_store: bool = False
) -> Services:
    """Load the documents and rules, bring the index up to date (building it if missing),
    wire the QA; ``with_store`` opens the SQLite database (sessions, question log)."""
    sources = load_documents(settings.documents_dir)
    kb = KnowledgeBase.from_sources(sources)
    embeddings = E5Embeddings(num_threads=settings.embed_threads)
    store = VectorStore(make_client(settings), settings.chroma_collection, embeddings)
    report = ingest(sources, kb, store, embeddings.model_id, progress)
    glossary = load_glossary(settings.knowledge_dir / "glossary.yaml")
    scope = ScopeRules.load(settings.knowledge_dir / "scope.yaml")
    tokenizer = Tokenizer(
        settings.data_dir / "cache",
        extra_words=[t for terms in glossary.values() for t in terms] + list(scope.place_words()),
    )
    retriever = Retriever(kb, store, tokenizer, glossary)
    return Services(
        settings=settings,
        kb=kb,
        qa=QA(kb, retriever, scope, settings.top_k),
        rulebook=load_rulebook(settings.knowledge_dir),
        ingest_report=report,
        store=Store(settings.db_path) if with_store else None,
    )
