"""Benchmark at the scale of a city: the two policies beside hundreds of real regulations.

Run from anywhere::

    .venv/bin/python bench/corpus.py [--corpus DIR] [--out FILE] [--repeat N]

``--corpus`` defaults to ``../shared/corpus/shanghai-regulations`` (233 Shanghai local
regulations). A temporary knowledge folder gets the project's rule and scope files, the two
policy documents and every corpus file; then, on a fresh data dir:

1. ``policybot ingest`` in-process (``run_ingest``): wall time, texts embedded, vectors;
2. a second ingest with nothing changed, and one after a single document changed (the
   embedding cache makes both quick);
   then the passages of long articles, as ``policybot ingest`` embeds them after publishing;
3. the first start after ingest (``build_services``: tokenises every unit once and keeps
   the tokens in the generation; ``policybot ingest`` does this itself) and the data dir size;
4. in a fresh process that only serves (as ``policybot chat`` or the Telegram bot would):
   start-up, recall@1 / recall@3 of ``tests/eval/questions.yaml``, ``../shared/eval/dev.yaml``
   and ``bench/corpus_questions.yaml`` (questions about the regulations) with the corpus
   present (``bot.evaluation``), warm ``QA.ask`` latency over all of them with each question
   embedded afresh, and that process's peak RSS;
5. on the same knowledge base, recall@1 / recall@3 of the project's ranking (``Retriever``),
   of the citations users get, and of two naive baselines over fixed 500-character chunks of
   the same documents (BM25; multilingual-e5-small), for set (a)
   ``tests/eval/city-questions.yaml`` (firms' questions that name no regulation) and the
   files above (``bench/recall.py``; the dense baseline's vectors are cached in
   ``data/bench-cache``, ``--no-dense`` skips it).

Writes JSON to ``--out`` (default ``bench/results/corpus.json``) and prints a table. Offline:
the same isolation as ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from recall import compare, table_of  # noqa: E402
from run import (  # noqa: E402  (bench/run.py: shared isolation and helpers)
    DEV_QUESTIONS,
    busy_warning,
    describe_machine,
    isolate,
    offline_settings,
    percentile,
    write_json,
)

from bot.dialogue import answer_once  # noqa: E402
from bot.errors import BadInput  # noqa: E402
from bot.evaluation import evaluate, load_items  # noqa: E402
from bot.retrieval.embeddings import E5Embeddings  # noqa: E402
from bot.services import build_services, run_ingest, run_passages  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "shanghai-regulations"
OWN_QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
CORPUS_QUESTIONS = ROOT / "bench" / "corpus_questions.yaml"
CITY_QUESTIONS = ROOT / "tests" / "eval" / "city-questions.yaml"
DEFAULT_OUT = ROOT / "bench" / "results" / "corpus.json"
TODAY = date(2026, 11, 21)


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


def question_files() -> list[tuple[str, Path]]:
    files = [("city-questions.yaml", CITY_QUESTIONS)]
    files += [("questions.yaml", OWN_QUESTIONS), ("dev.yaml", DEV_QUESTIONS)]
    return [*files, ("corpus_questions.yaml", CORPUS_QUESTIONS)]


def serve_only(data: Path, knowledge: Path, repeat: int) -> int:
    """In a fresh process: start-up, quality, warm latency and peak RSS of serving alone."""
    settings = offline_settings(data).model_copy(update={"knowledge_dir": knowledge})
    start = time.perf_counter()
    services = build_services(settings, ingest=False)
    startup_s = time.perf_counter() - start
    files = question_files()
    quality: dict[str, Any] = {}
    questions: list[str] = []
    for label, path in files:
        items = load_items(path)
        questions.extend(i.q for i in items)
        report = evaluate(items, lambda q: answer_once(services, q, TODAY))
        quality[label] = {k: round(v, 3) for k, v in report.metrics().items()}
        quality[label]["misses@3"] = [
            r.item.id for r in report.results if r.item.gold and (r.rank is None or r.rank > 3)
        ]
    timings: list[float] = []
    for _ in range(repeat):
        for question in questions:
            E5Embeddings._cached_query.cache_clear()
            t0 = time.perf_counter()
            with contextlib.suppress(BadInput):
                answer_once(services, question, TODAY)
            timings.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "startup_s": round(startup_s, 1),
                "quality": quality,
                "warm_ask_ms": {
                    "n": len(timings),
                    "p50": round(percentile(timings, 50), 1),
                    "p95": round(percentile(timings, 95), 1),
                    "max": round(max(timings), 1),
                },
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "load_avg": os.getloadavg(),
            }
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="Embedding cache to start from and to save to (a warm run re-measures quality "
        "and latency quickly; its ingest time is then not a fresh one).",
    )
    parser.add_argument(
        "--no-dense",
        action="store_true",
        help="skip the naive dense baseline (its first run embeds the city)",
    )
    parser.add_argument(
        "--serve-only", nargs=2, type=Path, metavar=("DATA", "KNOWLEDGE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    isolate()
    if args.serve_only:
        return serve_only(args.serve_only[0], args.serve_only[1], args.repeat)
    machine = describe_machine()
    work = Path(tempfile.mkdtemp(prefix="policybot-corpus-"))
    try:
        knowledge = work / "knowledge"
        shutil.copytree(ROOT / "knowledge", knowledge)
        corpus_files = sorted(p for p in args.corpus.iterdir() if p.is_file())
        for path in corpus_files:
            shutil.copy(path, knowledge / "documents" / path.name)
        data = work / "data"
        data.mkdir()
        warm = bool(args.cache and args.cache.is_file())
        if warm:
            shutil.copy(args.cache, data / "embeddings.sqlite3")
        settings = offline_settings(data).model_copy(update={"knowledge_dir": knowledge})
        progress_at = [0.0]

        def progress(stage: str, done: int, total: int, left: float | None) -> None:
            if time.monotonic() - progress_at[0] > 30 or done == total:
                progress_at[0] = time.monotonic()
                eta = f" ~{left:.0f}s left" if left else ""
                print(f"  [{stage}] {done}/{total}{eta}", flush=True)

        print(
            f"ingest: {len(corpus_files)} corpus files + the policies, fresh data dir", flush=True
        )
        start = time.perf_counter()
        first = run_ingest(settings, progress=progress)
        fresh_s = time.perf_counter() - start
        start = time.perf_counter()
        again = run_ingest(settings)
        again_s = time.perf_counter() - start
        changed = knowledge / "documents" / corpus_files[0].name
        changed.write_text(
            changed.read_text(encoding="utf-8") + "\n\n第九十九条 本条为基准测试追加的条文。\n",
            encoding="utf-8",
        )
        start = time.perf_counter()
        one = run_ingest(settings)
        one_s = time.perf_counter() - start
        # as `policybot ingest` does next, while the generation serves: the long articles'
        # passages, which every question searches (``bot.knowledge.passages``)
        start = time.perf_counter()
        passages = run_passages(settings, one.generation) or (0, 0)
        passages_s = time.perf_counter() - start
        print(f"passages: {passages[0]} ({passages[1]} embedded) in {passages_s:.0f} s", flush=True)
        gc.collect()
        start = time.perf_counter()
        services = build_services(settings)
        startup_s = time.perf_counter() - start
        size_mb = du_mb(data)
        vectors = services.vectors.count() if services.vectors else None
        documents, clauses, units = (
            len(services.kb.documents),
            len(services.kb.clauses),
            len(services.kb.units),
        )
        print(
            f"ingest {fresh_s:.1f} s; start-up {startup_s:.1f} s; data {size_mb:.0f} MB", flush=True
        )

        del services
        gc.collect()
        print("serving, in a fresh process: quality, latency, memory", flush=True)
        served = subprocess.run(
            [
                sys.executable,
                __file__,
                "--serve-only",
                str(data),
                str(knowledge),
                "--repeat",
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        serving = json.loads(served.stdout.strip().splitlines()[-1])
        quality = serving["quality"]
        for label, figures in quality.items():
            print(f"{label}: {figures}", flush=True)
        ingest_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("recall beside the naive baselines, on the same documents", flush=True)
        services = build_services(settings, ingest=False)
        baselines = compare(
            services, knowledge / "documents", question_files(), dense=not args.no_dense
        )
        del services
        print(table_of(baselines), flush=True)
        rss = serving["peak_rss_mb"]
        machine["load_avg_at_end"] = os.getloadavg()
        result = {
            "machine": machine,
            "corpus": str(args.corpus),
            "documents": documents,
            "clauses": clauses,
            "units": units,
            "vectors": vectors,
            "ingest_fresh_s": round(fresh_s, 1),
            "embedded_fresh": first.units_written,
            "ingest_unchanged_s": round(again_s, 2),
            "ingest_one_changed_s": round(one_s, 1),
            "passages": passages[0],
            "passages_embedded": passages[1],
            "passages_s": round(passages_s, 1),
            "embedded_one_changed": one.units_written,
            "first_start_after_ingest_s": round(startup_s, 1),
            "startup_s": serving["startup_s"],
            "data_dir_mb": round(size_mb, 1),
            "warm_ask_ms": serving["warm_ask_ms"],
            "peak_rss_mb": rss,
            "peak_rss_ingest_process_mb": round(ingest_rss),
            "load_avg_serving": serving["load_avg"],
            "quality": quality,
            "recall_vs_naive": baselines,
            "problems": [p.message for p in first.problems],
            "unchanged_report": {"generation_kept": again.generation == first.generation},
            "warning": busy_warning(machine),
        }
        result["embedding_cache"] = "warm" if warm else "cold"
        if args.cache:
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(data / "embeddings.sqlite3", args.cache)
        write_json(args.out, result)
        print(
            f"documents {result['documents']}, clauses {result['clauses']}, "
            f"vectors {result['vectors']}\n"
            f"ingest fresh {fresh_s:.1f} s (target 600), unchanged {again_s:.2f} s, "
            f"one file changed {one_s:.1f} s\n"
            f"warm ask p50 {result['warm_ask_ms']['p50']} ms, p95 {result['warm_ask_ms']['p95']} "
            f"ms (target 100); serving peak RSS {rss:.0f} MB (target 1024); data {size_mb:.0f} MB",
            flush=True,
        )
        if result["warning"]:
            print(result["warning"])
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
