"""Benchmark at the scale of a city: the two policies beside hundreds of real regulations.

Run from anywhere::

    .venv/bin/python bench/corpus.py [--corpus DIR] [--out FILE] [--repeat N]

``--corpus`` defaults to ``../shared/corpus/shanghai-regulations`` (233 Shanghai local
regulations). A temporary knowledge folder gets the project's rule and scope files, the two
policy documents and every corpus file; then, on a fresh data dir:

1. ``policybot ingest`` in-process (``run_ingest``): wall time, texts embedded, vectors;
2. a second ingest with nothing changed, and one after a single document changed (the
   embedding cache makes both quick);
3. start-up (``build_services`` on the up-to-date index) and the size of the data dir;
4. warm ``QA.ask`` latency over every question of ``tests/eval/questions.yaml`` and
   ``../shared/eval/dev.yaml`` plus ``bench/corpus_questions.yaml`` (questions about the
   regulations), each question's embedding computed afresh;
5. peak RSS of this process;
6. recall@1 / recall@3 of each question file with the corpus present (``bot.evaluation``).

Writes JSON to ``--out`` (default ``bench/results/corpus.json``) and prints a table. Offline:
the same isolation as ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import (  # noqa: E402  (bench/run.py: shared isolation and helpers)
    DEV_QUESTIONS,
    busy_warning,
    describe_machine,
    isolate,
    offline_settings,
    percentile,
    write_json,
)

from bot.errors import BadInput  # noqa: E402
from bot.evaluation import evaluate, load_items  # noqa: E402
from bot.retrieval.embeddings import E5Embeddings  # noqa: E402
from bot.services import build_services, run_ingest  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "shanghai-regulations"
OWN_QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
CORPUS_QUESTIONS = ROOT / "bench" / "corpus_questions.yaml"
DEFAULT_OUT = ROOT / "bench" / "results" / "corpus.json"
TODAY = date(2026, 11, 21)


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


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
    args = parser.parse_args(argv)
    isolate()
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

        print(f"ingest: {len(corpus_files)} corpus files + the policies, fresh data dir", flush=True)
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
        gc.collect()
        start = time.perf_counter()
        services = build_services(settings)
        startup_s = time.perf_counter() - start
        size_mb = du_mb(data)
        print(f"ingest {fresh_s:.1f} s; start-up {startup_s:.1f} s; data {size_mb:.0f} MB",
              flush=True)

        files = [("questions.yaml", OWN_QUESTIONS), ("dev.yaml", DEV_QUESTIONS)]
        if CORPUS_QUESTIONS.is_file():
            files.append(("corpus_questions.yaml", CORPUS_QUESTIONS))
        quality: dict[str, Any] = {}
        questions: list[str] = []
        for label, path in files:
            items = load_items(path)
            questions.extend(i.q for i in items)
            report = evaluate(items, lambda q: services.qa.ask(q, TODAY).answer)
            quality[label] = {k: round(v, 3) for k, v in report.metrics().items()}
            misses = [
                (r.item.id, r.rank) for r in report.results
                if r.item.gold and (r.rank is None or r.rank > 3)
            ]
            quality[label]["misses@3"] = misses
            print(f"{label}: {quality[label]}", flush=True)
        timings: list[float] = []
        for _ in range(args.repeat):
            for question in questions:
                E5Embeddings._cached_query.cache_clear()
                t0 = time.perf_counter()
                with contextlib.suppress(BadInput):
                    services.qa.ask(question, TODAY)
                timings.append((time.perf_counter() - t0) * 1000)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        machine["load_avg_at_end"] = os.getloadavg()
        result = {
            "machine": machine,
            "corpus": str(args.corpus),
            "documents": len(services.kb.documents),
            "clauses": len(services.kb.clauses),
            "units": len(services.kb.units),
            "vectors": services.vectors.count() if services.vectors else None,
            "ingest_fresh_s": round(fresh_s, 1),
            "embedded_fresh": first.units_written,
            "ingest_unchanged_s": round(again_s, 2),
            "ingest_one_changed_s": round(one_s, 1),
            "embedded_one_changed": one.units_written,
            "startup_s": round(startup_s, 1),
            "data_dir_mb": round(size_mb, 1),
            "warm_ask_ms": {
                "n": len(timings),
                "p50": round(percentile(timings, 50), 1),
                "p95": round(percentile(timings, 95), 1),
                "max": round(max(timings), 1),
            },
            "peak_rss_mb": round(rss, 0),
            "quality": quality,
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
            f"ms (target 100); peak RSS {rss:.0f} MB (target 1024); data {size_mb:.0f} MB",
            flush=True,
        )
        if result["warning"]:
            print(result["warning"])
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
