"""Load benchmark of the WeChat channel: many users asking at once, as WeChat delivers them.

    .venv/bin/python bench/wechat_load.py [--users 50] [--questions 3] [--data-dir DIR]
        [--out FILE]

What runs is the real server: ``policybot wechat`` in a process of its own (safe mode:
signatures and AES as WeChat uses them, the shared durable inbox and outbox in SQLite, the
staff desk in front, the real core with retrieval), against ``tests/fakes/wechat.py``: the
fake API (token, customer-service messages) and WeChat's side, which signs, encrypts and
retries like WeChat (5 s, three retries). Each user asks ``--questions`` different questions
from ``tests/eval/questions.yaml``, the next once WeChat has the answer to the last; all users
start at once.

Measured: messages per second handled (all messages / wall time from the first call to the
last answer), and the time from WeChat's call to the passive reply (p50, p95, max). A reply
that missed the 5 s is counted as late: it comes through the customer-service API, or with
the user's next message.
Exit status 1 when, 40 s after the last call, a message of the run still has a turn not
committed or an answer not handed over (``left_undelivered``, read from the database).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fakes.wechat import FakeWeChatAPI, WeChatPush  # noqa: E402

APP_ID, SECRET, TOKEN = "wxbench", "bench-secret", "bench-token"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")


def questions(count: int) -> list[str]:
    """Questions of ``tests/eval/questions.yaml`` in Chinese (the users are Shanghai firms)."""
    items = yaml.safe_load((ROOT / "tests/eval/questions.yaml").read_text(encoding="utf-8"))
    texts = [str(q["q"]) for q in items if q.get("lang") == "zh" and q.get("scope", True)]
    return texts[:count]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    handle = open(log, "ab")  # noqa: SIM115 - the child writes it
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "wechat", "--today", "2026-11-21"],
        env=env, cwd=ROOT, stdout=handle, stderr=handle,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"policybot wechat exited: see {log}")
        try:
            httpx.get(url, timeout=1.0)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("policybot wechat did not start")


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="wechat-bench-"))
    pool = questions(args.users * args.questions)
    with FakeWeChatAPI(APP_ID, SECRET) as api:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update(
            POLICYBOT_DATA_DIR=str(data_dir), POLICYBOT_WECHAT_APP_ID=APP_ID,
            POLICYBOT_WECHAT_APP_SECRET=SECRET, POLICYBOT_WECHAT_TOKEN=TOKEN,
            POLICYBOT_WECHAT_AES_KEY=AES_KEY, POLICYBOT_WECHAT_API_URL=api.url,
            POLICYBOT_WECHAT_PORT=str(port), POLICYBOT_WECHAT_CUSTOMER_SERVICE="on",
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/wechat"
        proc = start(env, url, data_dir / "wechat-bench.log")
        try:
            return measure(args, api, url, pool, data_dir / "policybot.sqlite3")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            if args.data_dir is None:
                shutil.rmtree(data_dir, ignore_errors=True)


def waiting(db: Path, users: list[str]) -> int:
    """Messages these users are still owed: turns not committed, answers not handed over."""
    chats = [f"wx:{u}" for u in users]
    marks = ",".join("?" * len(chats))
    with sqlite3.connect(db) as conn:
        inbox = conn.execute(
            f"SELECT COUNT(*) FROM channel_inbox WHERE done_at IS NULL AND chat IN ({marks})",
            chats,
        ).fetchone()[0]
        outbox = conn.execute(
            f"SELECT COUNT(*) FROM channel_outbox WHERE claimed_at IS NULL AND chat IN ({marks})",
            chats,
        ).fetchone()[0]
    return int(inbox) + int(outbox)


def measure(
    args: argparse.Namespace, api: FakeWeChatAPI, url: str, pool: list[str], db: Path
) -> dict[str, Any]:
    wx = WeChatPush(url, TOKEN, AES_KEY, APP_ID)
    stamp = int(time.time())
    users = [f"obench{stamp}u{n}" for n in range(args.users)]
    asked = {u: [pool[(i * args.questions + k) % len(pool)] for k in range(args.questions)]
             for i, u in enumerate(users)}  # fmt: skip
    passive: list[float] = []
    texts: list[str] = []
    late = 0
    lock = threading.Lock()

    def one(openid: str) -> None:
        nonlocal late
        for text in asked[openid]:
            answer = wx.text(openid, text)
            with lock:
                texts.append(answer.text)
                if answer.text and answer.attempts == 1:
                    passive.append(answer.seconds)
                late += not answer.text

    started = time.monotonic()
    with ThreadPoolExecutor(args.users) as threads:
        list(threads.map(one, users))
    wall = time.monotonic() - started
    # A late answer goes through the customer-service API, or with the user's next message
    # (headed "您之前的问题的回答："): wait until nothing is left for these users.
    deadline = time.monotonic() + 40
    while (left := waiting(db, users)) and time.monotonic() < deadline:
        time.sleep(0.2)
    cs = sum(len(api.sent_to(u)) for u in users)
    merged = sum(t.count("您之前的问题的回答") for t in texts)
    total = args.users * args.questions
    passive.sort()
    return {
        "users": args.users,
        "questions_each": args.questions,
        "messages": total,
        "answered_in_time": len(passive),
        "late": late,
        "customer_service_messages": cs,
        "late_answers_with_a_next_message": merged,
        "left_undelivered": left,
        "wall_s": round(wall, 2),
        "messages_per_s": round(total / wall, 1),
        "passive_p50_ms": round(statistics.median(passive) * 1000) if passive else None,
        "passive_p95_ms": round(passive[int(len(passive) * 0.95) - 1] * 1000) if passive else None,
        "passive_max_ms": round(passive[-1] * 1000) if passive else None,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None, help="index dir (built if new)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/wechat_load.json")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    raise SystemExit(1 if result["left_undelivered"] else 0)


if __name__ == "__main__":
    main()
