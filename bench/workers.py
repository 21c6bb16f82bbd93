"""Benchmark: several WeChat workers on one PostgreSQL database, 1, 2 and 3 of them.

    nice -n 10 .venv/bin/python bench/workers.py [--users 60] [--workers 1,2,3] [--out FILE]

For each worker count: a fresh database on a PostgreSQL server of its own (Debian's binaries,
``tests/pg.py``), that many ``tests/worker.py wechat`` processes (the real channel, durable
inbox and outbox, sessions and question log in PostgreSQL, the real dialogue, rules and BM25;
the hash embedder in place of e5, so the figure is the serving machinery's, see below)
behind the round-robin front of ``tests/multiworker.py``, and ``--users`` users of the fake
WeChat (plaintext mode) at once, each walking through the eligibility check (5 messages, the
next once the last is answered) and then asking two questions.

Measured: messages per second (all messages / wall time from the first call to the last
answer) and the time from WeChat's call to the passive reply (p50, p95, max); a reply that
missed WeChat's 5 s is counted late (it goes through the customer-service API). The load
average is recorded: on a shared machine the figures only compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fakes.wechat import FakeWeChatAPI, WeChatPush  # noqa: E402
from multiworker import Front, Worker, base_env  # noqa: E402
from pg import PgServer, free_port  # noqa: E402

APP_ID, SECRET, TOKEN = "wxbenchworkers", "bench-secret", "bench-token"
TODAY = "2026-11-21"
MESSAGES = (
    ("event", "check"), ("text", "1"), ("text", "1"), ("text", "1,3"), ("text", "都没有"),
    ("text", "嘉定区直播企业营收首次超过3亿元奖励多少？"),
    ("text", "上海直播经济三年行动计划什么时候到期？"),
)  # fmt: skip


def one_user(wx: WeChatPush, openid: str) -> list[tuple[float, bool]]:
    """(seconds to the passive reply, late) of each message of one user."""
    timings = []
    for kind, value in MESSAGES:
        answer = wx.event(openid, "CLICK", value) if kind == "event" else wx.text(openid, value)
        late = answer.status != 200 or not answer.text or answer.attempts > 1
        timings.append((answer.seconds, late))
    return timings


def run(server: PgServer, workers: int, users: int, scratch: Path) -> dict[str, Any]:
    database = server.fresh_database(f"bench{workers}")
    with FakeWeChatAPI(APP_ID, SECRET) as api:
        procs, urls = [], []
        for n in range(workers):
            port = free_port()
            env = base_env()
            env.update(
                POLICYBOT_DATABASE_URL=database,
                POLICYBOT_DATA_DIR=str(scratch / f"w{workers}-{n}"),
                POLICYBOT_WECHAT_APP_ID=APP_ID,
                POLICYBOT_WECHAT_APP_SECRET=SECRET,
                POLICYBOT_WECHAT_TOKEN=TOKEN,
                POLICYBOT_WECHAT_API_URL=api.url,
                POLICYBOT_WECHAT_PORT=str(port),
                POLICYBOT_WECHAT_CUSTOMER_SERVICE="on",
            )
            procs.append(Worker("wechat", env, scratch / f"w{workers}-{n}.log", TODAY))
            urls.append(f"http://127.0.0.1:{port}")
        for proc in procs:
            proc.start()
        try:
            for proc, url in zip(procs, urls, strict=True):
                proc.wait_listening(url + "/wechat")
            with Front(urls) as front:
                wx = WeChatPush(front.url + "/wechat", TOKEN, None, APP_ID)
                one_user(wx, "o-warm")  # every worker answers once before the clock starts
                load = os.getloadavg()[0]
                started = time.monotonic()
                with ThreadPoolExecutor(users) as pool:
                    results = list(pool.map(lambda n: one_user(wx, f"o-{n}"), range(users)))
                wall = time.monotonic() - started
        finally:
            for proc in procs:
                proc.stop()
    server.drop(database)
    seconds = sorted(s for each in results for s, _ in each)
    late = sum(1 for each in results for _, is_late in each if is_late)
    return {
        "workers": workers,
        "users": users,
        "messages": len(seconds),
        "wall_s": round(wall, 2),
        "messages_per_s": round(len(seconds) / wall, 1),
        "p50_ms": round(statistics.median(seconds) * 1000),
        "p95_ms": round(seconds[int(len(seconds) * 0.95) - 1] * 1000),
        "max_ms": round(seconds[-1] * 1000),
        "late": late,
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "workers.json")
    args = parser.parse_args()
    server = PgServer.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="policybot-bench-workers-") as scratch:
            for count in (int(n) for n in args.workers.split(",")):
                row = run(server, count, args.users, Path(scratch))
                rows.append(row)
                print(
                    f"{row['workers']} worker(s): {row['messages_per_s']:6.1f} messages/s, "
                    f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, max {row['max_ms']} ms, "
                    f"late {row['late']}/{row['messages']} (load {row['load_before']})",
                    flush=True,
                )
    finally:
        server.stop()
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_end": round(os.getloadavg()[0], 2)},
        "runs": rows,
    }  # fmt: skip
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
