"""Recall of the project's retrieval beside two naive baselines, on the same questions, in one run.

Run from anywhere::

    nice -n 5 .venv/bin/python bench/recall.py [--only city|provinces] [--no-dense] [--out FILE]

Two knowledge bases are built, each on a fresh data dir, with the project's ingest:

- ``city``: the project's ``knowledge/`` (the two seed policies) and the 233 Shanghai regulations of
  ``../shared/corpus/shanghai-regulations``; asked set (a) ``tests/eval/city-questions.yaml``
  (firms' questions that name no regulation), the seed questions ``tests/eval/questions.yaml``
  and ``../shared/eval/dev.yaml``;
- ``provinces``: only the documents of ``tests/data/provinces/`` (set (b)); asked
  ``tests/eval/provinces.yaml`` (its out-of-scope questions have no gold and are not ranked).

Each knowledge base is also asked a held-out set (``tests/eval/heldout-*.yaml``), written by
someone who had not seen the code after the cross-lingual change was designed, and never
tuned on.

For every question with gold phrases, the rank of the first of the top three results holding
one (normalised as ``bot.evaluation`` does) is taken from:

- ``retriever``: ``Retriever.search`` (the project's ranking, before the scope gate);
- ``answer``: the citations of ``QA.ask`` (what a user is shown: a refusal cites nothing);
- ``bm25_500``: naive BM25 (jieba tokens, bm25s) over fixed 500-character chunks of every
  document's text, no overlap;
- ``e5_500``: naive dense retrieval, multilingual-e5-small over the same chunks, cosine.

Embeddings of both the project and the dense baseline are cached by content hash in
``data/bench-cache/embeddings.sqlite3`` (``bot.knowledge.embed_cache``), so a second run embeds
nothing that did not change; the first run of the dense baseline over the city embeds ~3,000
chunks of 500 characters (about 25 minutes on two busy cores). Ingest time and texts embedded
are reported with the cache state they ran with. Writes JSON to ``--out`` (default
``bench/results/recall.json``) and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import DEV_QUESTIONS, describe_machine, isolate, offline_settings, write_json  # noqa: E402

from bot.errors import BadInput  # noqa: E402
from bot.evaluation import EvalItem, load_items, match_form  # noqa: E402
from bot.knowledge.documents import scan_documents  # noqa: E402
from bot.knowledge.embed_cache import EmbeddingCache  # noqa: E402
from bot.knowledge.index import KnowledgeBase  # noqa: E402
from bot.retrieval.bm25 import Bm25Index  # noqa: E402
from bot.retrieval.embeddings import E5Embeddings  # noqa: E402
from bot.retrieval.retriever import Retriever  # noqa: E402
from bot.retrieval.scope import ScopeRules, coverage_rules  # noqa: E402
from bot.retrieval.tokens import Tokenizer  # noqa: E402
from bot.retrieval.tuning import Tuning  # noqa: E402
from bot.services import (  # noqa: E402
    Services,
    build_services,
    load_glossary,
    run_ingest,
    run_passages,
)

CITY_CORPUS = ROOT.parent / "shared" / "corpus" / "shanghai-regulations"
PROVINCES = ROOT / "tests" / "data" / "provinces"
EVAL = ROOT / "tests" / "eval"
CACHE = ROOT / "data" / "bench-cache" / "embeddings.sqlite3"
DEFAULT_OUT = ROOT / "bench" / "results" / "recall.json"
CHUNK = 500
TODAY = date(2026, 11, 21)
METHODS = ("retriever", "answer", "bm25_500", "e5_500")


@dataclass(frozen=True)
class Setup:
    """A knowledge base to build and the question files to ask it."""

    name: str
    seeds: bool  # keep the project's own documents (knowledge/documents)
    extra: Path | None  # a folder of documents added
    sets: tuple[tuple[str, Path], ...]


def setups(corpus: Path = CITY_CORPUS) -> tuple[Setup, ...]:
    """The city (seeds + ``corpus``) and the provinces knowledge bases with their questions."""
    return (
        Setup(
            "city",
            True,
            corpus,
            (
                ("city-questions.yaml", EVAL / "city-questions.yaml"),
                ("heldout-city.yaml", EVAL / "heldout-city.yaml"),
                ("heldout-city-en.yaml", EVAL / "heldout-city-en.yaml"),
                ("heldout-city-3.yaml", EVAL / "heldout-city-3.yaml"),
                ("dev-city-para.yaml", EVAL / "dev-city-para.yaml"),
                ("heldout-city-4.yaml", EVAL / "heldout-city-4.yaml"),
                ("dev-city-en.yaml", EVAL / "dev-city-en.yaml"),
                ("heldout-city-5a.yaml", EVAL / "heldout-city-5a.yaml"),
                ("heldout-city-5b.yaml", EVAL / "heldout-city-5b.yaml"),
                ("heldout-city-6a.yaml", EVAL / "heldout-city-6a.yaml"),
                ("heldout-city-6b.yaml", EVAL / "heldout-city-6b.yaml"),
                ("heldout-city-7a.yaml", EVAL / "heldout-city-7a.yaml"),
                ("heldout-city-7b.yaml", EVAL / "heldout-city-7b.yaml"),
                ("heldout-city-8.yaml", EVAL / "heldout-city-8.yaml"),
                ("heldout-city-9.yaml", EVAL / "heldout-city-9.yaml"),
                ("heldout-city-10.yaml", EVAL / "heldout-city-10.yaml"),
                ("questions.yaml", EVAL / "questions.yaml"),
                ("dev.yaml", DEV_QUESTIONS),
            ),
        ),
        Setup(
            "provinces",
            False,
            PROVINCES,
            (
                ("provinces.yaml", EVAL / "provinces.yaml"),
                ("heldout-provinces.yaml", EVAL / "heldout-provinces.yaml"),
            ),
        ),
    )


# ------------------------------------------------------------------------ naive baselines


def chunks_of(bodies: dict[str, str], size: int = CHUNK) -> list[tuple[str, str]]:
    """(document id, text) windows of ``size`` characters over each body, white space runs
    collapsed to one space, no overlap: the chunking of a naive RAG pipeline."""
    out: list[tuple[str, str]] = []
    for doc_id, body in bodies.items():
        flat = re.sub(r"\s+", " ", body).strip()
        out.extend((doc_id, flat[i : i + size]) for i in range(0, len(flat), size))
    return out


class NaiveBm25:
    """BM25 over fixed chunks with jieba search-mode tokens."""

    def __init__(self, chunks: Sequence[tuple[str, str]], tokenizer: Tokenizer) -> None:
        self._texts = [t for _, t in chunks]
        self._tokenizer = tokenizer
        self._index = Bm25Index(
            [str(i) for i in range(len(chunks))], [tokenizer.tokens(t) for t in self._texts]
        )

    def top(self, question: str, k: int = 3) -> list[str]:
        found = self._index.search(self._tokenizer.tokens(question), k)
        return [self._texts[int(key)] for key, _ in found]


class NaiveDense:
    """e5 vectors of fixed chunks (cached by content hash), cosine to the question."""

    def __init__(
        self, chunks: Sequence[tuple[str, str]], embeddings: E5Embeddings, cache: EmbeddingCache
    ) -> None:
        self._texts = [t for _, t in chunks]
        self._embeddings = embeddings
        keys = [cache.key(t) for t in self._texts]
        vectors = cache.get_many(keys)
        missing = sorted(
            {k: t for k, t in zip(keys, self._texts, strict=True) if k not in vectors}.items(),
            key=lambda kt: len(kt[1]),
        )
        start = time.perf_counter()
        for i in range(0, len(missing), 32):
            batch = missing[i : i + 32]
            got = embeddings.embed_documents([t for _, t in batch])
            cache.put_many([(k, v) for (k, _), v in zip(batch, got, strict=True)])
            vectors.update({k: list(v) for (k, _), v in zip(batch, got, strict=True)})
            if i % 640 == 0:
                print(f"  [e5_500] {i + len(batch)}/{len(missing)} embedded", flush=True)
        self.embedded = len(missing)
        self.seconds = time.perf_counter() - start
        matrix = np.asarray([vectors[k] for k in keys], dtype=np.float32)
        self._matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)

    def top(self, question: str, k: int = 3) -> list[str]:
        query = np.asarray(self._embeddings.embed_query(question), dtype=np.float32)
        scores = self._matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        return [self._texts[i] for i in np.argsort(-scores, kind="stable")[:k]]


# ----------------------------------------------------------------------------- scoring


def rank_of(item: EvalItem, texts: Sequence[str]) -> int | None:
    """1-based rank of the first text holding a gold phrase, or None."""
    keys = [match_form(g) for g in item.gold]
    for rank, text in enumerate(texts, start=1):
        if any(k in match_form(text) for k in keys):
            return rank
    return None


def recall(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "recall@1": round(sum(r == 1 for r in ranks) / n, 3),
        "recall@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 3),
    }


def score_set(
    items: Sequence[EvalItem], methods: dict[str, Callable[[str], list[str]]]
) -> dict[str, Any]:
    """Recall@1/@3 of every method on the ranked items, overall and by language; misses@3."""
    ranked = [i for i in items if i.gold]
    ranks: dict[str, list[int | None]] = {m: [] for m in methods}
    timings: list[float] = []
    for item in ranked:
        for name, top in methods.items():
            t0 = time.perf_counter()
            ranks[name].append(rank_of(item, top(item.q)))
            if name == "retriever":
                timings.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"n": len(ranked)}
    langs = sorted({i.lang for i in ranked})
    for name in methods:
        figures: dict[str, Any] = recall(ranks[name])
        for lang in langs:
            picked = [r for r, i in zip(ranks[name], ranked, strict=True) if i.lang == lang]
            figures[lang] = {"n": len(picked), **recall(picked)}
        figures["misses@3"] = [
            i.id for r, i in zip(ranks[name], ranked, strict=True) if r is None or r > 3
        ]
        out[name] = figures
    out["retriever_ms_p50"] = round(float(np.percentile(timings, 50)), 1) if timings else None
    return out


def _project(services: Services) -> dict[str, Callable[[str], list[str]]]:
    def retrieved(question: str) -> list[str]:
        return [h.clause.text for h in services.qa.retriever.search(question, 3).hits]

    def answered(question: str) -> list[str]:
        try:
            answer = services.qa.ask(question, TODAY).answer
        except BadInput:
            return []
        return [c.text for c in answer.citations[:3]]

    return {"retriever": retrieved, "answer": answered}


# ----------------------------------------------------------------------------- running


def compare(
    services: Services,
    documents: Path,
    sets: Sequence[tuple[str, Path]],
    dense: bool,
    cache_file: Path = CACHE,
) -> dict[str, Any]:
    """Recall of the project (``services``) and of the naive baselines over the same
    ``documents`` folder, for every question file of ``sets``."""
    sources, _ = scan_documents(documents)
    chunks = chunks_of({s.meta.id: s.body for s in sources})
    tokenizer = Tokenizer(services.settings.data_dir / "cache")
    methods = _project(services)
    methods["bm25_500"] = NaiveBm25(chunks, tokenizer).top
    result: dict[str, Any] = {"chunks_500": len(chunks)}
    if dense:
        embeddings = E5Embeddings()
        cache = EmbeddingCache(cache_file, embeddings.model_id)
        try:
            naive = NaiveDense(chunks, embeddings, cache)
        finally:
            cache.close()
        methods["e5_500"] = naive.top
        result["e5_500_embedded"] = naive.embedded
        result["e5_500_embed_s"] = round(naive.seconds, 1)
    for label, path in sets:
        result[label] = score_set(load_items(path), methods)
    return result


def _knowledge(setup: Setup, work: Path) -> Path:
    knowledge = work / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    documents = knowledge / "documents"
    if not setup.seeds:
        for path in documents.iterdir():
            path.unlink()
    if setup.extra is not None:
        for path in sorted(setup.extra.iterdir()):
            if path.is_file():
                shutil.copy(path, documents / path.name)
    return knowledge


def merge_cache(source: Path, target: Path) -> None:
    """Add the vectors of ``source`` to the cache ``target`` (rows another run is writing to
    ``target`` at the same time are kept: no file is copied over it)."""
    EmbeddingCache(target, "").close()  # creates the table when the cache is new
    with contextlib.closing(sqlite3.connect(str(target), timeout=120)) as db:
        db.execute("ATTACH DATABASE ? AS src", (str(source),))
        with db:
            db.execute("INSERT OR IGNORE INTO vectors SELECT key, vec FROM src.vectors")
        db.execute("DETACH DATABASE src")


def run_setup(setup: Setup, dense: bool, cache_file: Path = CACHE) -> dict[str, Any]:
    """Build the knowledge base of ``setup``, then score every method on its question files."""
    work = Path(tempfile.mkdtemp(prefix=f"policybot-recall-{setup.name}-"))
    try:
        knowledge = _knowledge(setup, work)
        data = work / "data"
        data.mkdir()
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        warm = cache_file.is_file()
        if warm:
            shutil.copy(cache_file, data / "embeddings.sqlite3")
        settings = offline_settings(data).model_copy(update={"knowledge_dir": knowledge})
        print(f"{setup.name}: ingest ({'warm' if warm else 'cold'} embedding cache)", flush=True)
        start = time.perf_counter()
        report = run_ingest(settings)
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        passages = run_passages(settings, report.generation)  # as `policybot ingest` does next
        passages_s = time.perf_counter() - start
        merge_cache(data / "embeddings.sqlite3", cache_file)
        services = build_services(settings, ingest=False)
        result: dict[str, Any] = {
            "documents": len(services.kb.documents),
            "clauses": len(services.kb.clauses),
            "vectors": services.vectors.count() if services.vectors else None,
            "ingest_s": round(ingest_s, 1),
            "ingest_embedded": report.units_written,
            "ingest_cached": report.units_cached,
            "passages": passages[0] if passages else 0,
            "passages_embedded": passages[1] if passages else 0,
            "passages_s": round(passages_s, 1),
        }
        result.update(compare(services, knowledge / "documents", setup.sets, dense, cache_file))
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


class NoVectors:
    """A vector store that finds nothing: the keyword side of the ranking alone."""

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[Any]:
        return []


def keywords_only(setup: Setup, group_docs: int = 0) -> dict[str, Any]:
    """The project's ranking with the vectors left out, beside naive BM25, with nothing
    embedded: what can be measured at a city's scale when the CPUs are too busy to embed."""
    folders = [ROOT / "knowledge" / "documents"] if setup.seeds else []
    folders += [setup.extra] if setup.extra is not None else []
    sources = [s for folder in folders for s in scan_documents(folder)[0]]
    kb = KnowledgeBase.from_sources(sources)
    glossary = load_glossary(ROOT / "knowledge" / "glossary.yaml")
    scope = coverage_rules(ScopeRules.load(ROOT / "knowledge" / "scope.yaml"), kb)
    with tempfile.TemporaryDirectory() as cache:
        tokenizer = Tokenizer(
            Path(cache),
            extra_words=[t for v in glossary.values() for t in v] + list(scope.place_words()),
        )
        retriever = Retriever(kb, NoVectors(), tokenizer, glossary, Tuning(group_docs=group_docs))  # type: ignore[arg-type]
        naive = NaiveBm25(chunks_of({s.meta.id: s.body for s in sources}), tokenizer)
        methods = {
            "retriever": lambda q: [h.clause.text for h in retriever.search(q, 3).hits],
            "bm25_500": naive.top,
        }
        result: dict[str, Any] = {"documents": len(kb.documents), "vectors": "none"}
        for label, path in setup.sets:
            result[label] = score_set(load_items(path), methods)
    return result


def table_of(results: dict[str, Any]) -> str:
    """A table of every question file's figures in ``results`` (one knowledge base's)."""
    lines = [f"{'set':<24}{'n':>4}  " + "  ".join(f"{m:>12}" for m in METHODS)]
    for label, figures in results.items():
        if not (isinstance(figures, dict) and "retriever" in figures):
            continue
        langs = [k for k, v in figures["retriever"].items() if isinstance(v, dict)]
        rows = [(label, figures["n"], {m: figures[m] for m in METHODS if m in figures})]
        rows += [
            (
                f"  {lang}",
                figures["retriever"][lang]["n"],
                {m: figures[m][lang] for m in METHODS if m in figures},
            )
            for lang in sorted(langs)
        ]
        for name, n, row in rows:
            cells = [
                f"{row[m]['recall@1']:.2f}/{row[m]['recall@3']:.2f}".rjust(12)
                if m in row
                else " " * 12
                for m in METHODS
            ]
            lines.append(f"{name:<24}{n:>4}  " + "  ".join(cells))
    return "\n".join(lines) + "\n(recall@1/recall@3)"


def table(results: dict[str, Any]) -> str:
    return "\n".join(
        f"{name}: {got['documents']} documents\n{table_of(got)}"
        for name, got in results.items()
        if isinstance(got, dict) and "documents" in got
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=["city", "provinces"])
    parser.add_argument("--corpus", type=Path, default=CITY_CORPUS, help="the city's documents")
    parser.add_argument("--no-dense", action="store_true", help="skip the naive e5 baseline")
    parser.add_argument(
        "--keywords-only",
        action="store_true",
        help="embed nothing: the project's ranking without its vectors, beside naive BM25",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=CACHE, help="the embedding cache kept")
    args = parser.parse_args(argv)
    isolate()
    results: dict[str, Any] = {"machine": describe_machine()}
    for setup in setups(args.corpus):
        if args.only and setup.name != args.only:
            continue
        if setup.extra is not None and not setup.extra.is_dir():
            print(f"{setup.name}: {setup.extra} is missing; skipped", flush=True)
            continue
        if args.keywords_only:
            results[setup.name] = keywords_only(setup)
        else:
            results[setup.name] = run_setup(setup, not args.no_dense, args.cache)
    text = table(results)
    results["table"] = text.splitlines()
    write_json(args.out, results)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
