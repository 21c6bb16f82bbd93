"""``fake_services``: the real ``Services`` over the real documents, rules and BM25, with
``HashEmbeddings`` and ``MemoryVectors`` in place of e5 and Chroma.

For dialogue and answering tests whose subject is not the dense model: building them takes
a second or two, loads no model and writes no index (only jieba's cache, under the given
directory). Tests of retrieval quality keep the real services (marked ``slow``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.answering.gate import QA
from bot.config import Settings
from bot.eligibility import load_rulebook
from bot.knowledge.documents import scan_documents
from bot.knowledge.index import IngestReport, KnowledgeBase, parse_sources
from bot.retrieval.retriever import Retriever
from bot.retrieval.scope import ScopeRules, coverage_rules
from bot.retrieval.tokens import Tokenizer
from bot.retrieval.tuning import Tuning
from bot.services import Services, load_glossary
from fakes.embedder import HashEmbeddings
from fakes.vectors import MemoryVectors


def fake_services(data_dir: Path, documents: Path | None = None, **settings: Any) -> Services:
    """Services over ``documents`` (default: the repository's knowledge) without e5/Chroma."""
    config = Settings(_env_file=None, data_dir=data_dir, **settings)
    scanned, problems = scan_documents(documents or config.documents_dir)
    sources, _clauses, parse_problems = parse_sources(scanned)
    kb = KnowledgeBase.from_sources(sources)
    glossary = load_glossary(config.knowledge_dir / "glossary.yaml")
    scope = coverage_rules(ScopeRules.load(config.knowledge_dir / "scope.yaml"), kb)
    tokenizer = Tokenizer(
        data_dir / "cache",
        extra_words=[t for terms in glossary.values() for t in terms] + list(scope.place_words()),
    )
    vectors = MemoryVectors(kb, HashEmbeddings())
    # Hashed n-grams are a lexical stand-in for e5: of an English question they see only the
    # dictionary words appended to it, not its meaning. Where e5's vectors weigh as much as both
    # keyword sides in an English question's added scores, these weigh as much as one.
    tuning = Tuning(scores=(0.5, 0.5, 0.5))
    retriever = Retriever(kb, vectors, tokenizer, glossary, tuning)  # type: ignore[arg-type]
    return Services(
        settings=config,
        kb=kb,
        qa=QA(kb, retriever, scope, config.top_k),
        rulebook=load_rulebook(config.knowledge_dir),
        ingest_report=IngestReport(problems=tuple(problems + parse_problems), generation="fake"),
        generation="fake",
        vectors=None,
    )
