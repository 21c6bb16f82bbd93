"""Benchmark: `policybot stats` over 10,000 logged questions (target: under 2 s).

    .venv/bin/python bench/stats_bench.py [--questions 10000] [--repeat 5] [--out FILE]

Fills a staff store in a temporary data dir with ``--questions`` log entries spread over 90
days (in and out of scope, answered by the assistant, curated answers and staff, feedback,
the clauses of the real knowledge base) and one ticket per 25 questions, then runs
`policybot stats` and `policybot stats --json` as subprocesses, start to exit, ``--repeat``
times each. Exits 1 when the median of either is over the target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.staff.hours import SHANGHAI  # noqa: E402
from bot.staff.store import StaffStore  # noqa: E402

TARGET_S = 2.0
CLAUSES = [f"jiading-livestream-2024/（{n}）" for n in "一二三四五六七八九十"] + [
    f"shanghai-livestream-plan-2024/{n}是" for n in "一二三四五"
]


def fill(path: Path, questions: int, seed: int = 11) -> None:
    rnd = random.Random(seed)
    store = StaffStore(path)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows = []
    for i in range(questions):
        moment = start + timedelta(minutes=rnd.randrange(90 * 24 * 60))
        in_scope = rnd.random() < 0.85
        by = (
            rnd.choices(["assistant", "faq", "staff", "none"], [70, 15, 5, 10])[0]
            if in_scope
            else "none"
        )
        rows.append(
            (
                f"tok{i}",
                f"user{rnd.randrange(2000)}",
                "chat",
                moment.isoformat(timespec="seconds"),
                moment.astimezone(SHANGHAI).date().isoformat(),
                f"问题 {i} 嘉定直播企业营收奖励多少？",
                "根据《关于加快嘉定区直播和短视频产业发展的若干意见》……",
                "zh",
                int(in_scope),
                by,
                rnd.choice(CLAUSES) if in_scope else None,
                rnd.choice([None, None, None, 1, -1]),
            )
        )
    tickets = []
    for i in range(questions // 25):
        created = start + timedelta(minutes=rnd.randrange(90 * 24 * 60))
        replied = created + timedelta(minutes=rnd.randrange(5, 600))
        tickets.append(
            (
                f"user{i}",
                "chat",
                "zh",
                f"问题 {i}",
                "[]",
                "{}",
                "[]",
                "[]",
                rnd.choice(["asked", "thumbs_down", "not_found", "out_of_scope"]),
                "answered",
                created.isoformat(timespec="seconds"),
                replied.isoformat(timespec="seconds"),
            )
        )
    with store.reading() as db:
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO qa_log (token, session_key, chat_id, asked_at, day, question, answer, "
            "lang, in_scope, answered_by, top_clause, feedback) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO tickets (session_key, chat_id, lang, question, transcript, facts, clauses, "
            "units, reason, status, created_at, first_reply_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            tickets,
        )
        db.execute("COMMIT")
    store.close()


def run(args: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "policybot"), *args],
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"policybot {' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "stats.json")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policybot-stats-") as tmp:
        data = Path(tmp)
        began = time.perf_counter()
        fill(data / "policybot.sqlite3", opts.questions)  # where the staff tables live
        filled = time.perf_counter() - began
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env["POLICYBOT_DATA_DIR"] = str(data)
        load_start = os.getloadavg()
        text = [run(["stats"], env) for _ in range(opts.repeat)]
        as_json = [run(["stats", "--json"], env) for _ in range(opts.repeat)]
        since = [run(["stats", "--since", "2026-11-01", "--json"], env) for _ in range(opts.repeat)]
    result = {
        "questions": opts.questions,
        "fill_s": round(filled, 3),
        "stats_median_s": round(statistics.median(text), 3),
        "stats_json_median_s": round(statistics.median(as_json), 3),
        "stats_since_median_s": round(statistics.median(since), 3),
        "stats_max_s": round(max(text + as_json + since), 3),
        "target_s": TARGET_S,
        "load_avg_start": load_start,
        "load_avg_end": os.getloadavg(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    worst = max(
        result["stats_median_s"], result["stats_json_median_s"], result["stats_since_median_s"]
    )
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
