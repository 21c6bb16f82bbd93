"""Load benchmark of the Telegram channel: many simulated chats against the fake Bot API.

    .venv/bin/python bench/telegram_load.py [--chats 200] [--think 2 6] [--ramp 10]
        [--data-dir DIR] [--out FILE] [--strict] [--steps-only] [--faults 0.22]

What runs is the real bot: ``policybot telegram`` (python-telegram-bot long polling, the
per-chat lanes, the worker threads, the SQLite session store, the retrying sender, the real
core with retrieval and rules) in a process of its own, as it is deployed, talking HTTP on
127.0.0.1 to ``tests/fakes/telegram_api.FakeTelegram``, which runs in this process with the
simulated users. ``--in-process`` runs ``TelegramChannel`` in this process's event loop
instead (the fake's threads then compete with the bot for the GIL).

Each simulated user has a script of five messages, one of three kinds, varied per chat (a
different revenue figure, different questions, buttons or typed answers):

* walk-through typed: "我们公司能拿营收奖励吗？", "是", "<amount>亿", the "yes" button, a question;
* walk-through with buttons: "/check 营收奖励", company, registered yes/no, "<amount>亿", first time;
* questions: a question, "/lang en" or "/help", a question, "/about", a question.

Questions come from ``tests/eval/questions.yaml`` (distinct where the pool allows);
``--steps-only`` replaces them by /help to measure the channel without retrieval. A user
sends a message, waits for the whole answer, "reads" for a random think time, then sends the
next; users start spread over the ramp. Time is measured from pushing the update into the fake
to the fake receiving the last message of the answer (``first`` also reports the first part).

Correctness: before the run, every script is played through ``dialogue.handle`` and
``render`` directly, which gives the exact texts each chat must receive, in order. After the
run each chat's received messages must equal that transcript: a reply lost, duplicated, out of
order or delivered to another chat shows up as a mismatch. The embedder's query cache is
cleared after this, so the bot embeds every question afresh.

Fault run (``--faults SHARE``): the fake gives a random share of sendMessage, editMessageText
and getUpdates calls a fault (429, 500, 502, a dropped connection, or an answer that takes
``--slow`` seconds, 12 by default), in equal parts. With ``--read-timeout`` below ``--slow``
a slow send times out though Telegram carried it out, and its one resend is a duplicate; so
each chat's messages are matched in order
against its transcript and the report counts ``lost`` (expected, never received),
``duplicated`` (received again) and ``misrouted`` (received where it does not belong). Target:
0 lost, 0 misrouted.

Exit status: 1 if a message was lost or misrouted (without faults: if any chat's transcript
differs); with ``--strict`` also when p95 exceeds the 1 s target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fakes.telegram_api import Call, FakeTelegram  # noqa: E402

from bot.channels.telegram import CallbackCodec, TelegramChannel, render  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dialogue import Session, handle  # noqa: E402
from bot.domain import Incoming  # noqa: E402
from bot.retrieval.embeddings import E5Embeddings  # noqa: E402
from bot.services import Services, build_services  # noqa: E402
from bot.store import Store  # noqa: E402

TODAY = date(2026, 11, 21)
TARGET_P95 = 1.0
Event = tuple[Literal["text", "choice"], str]

FALLBACK_QUESTIONS = [
    "嘉定直播企业营收首次超过1亿元奖励多少？",
    "人才租房补贴每月多少？",
    "What does Shanghai offer for compute rental?",
    "算力租赁补贴怎么申请？",
    "主播落户有什么政策？",
]


def question_pool(rng: random.Random) -> list[str]:
    path = REPO / "tests" / "eval" / "questions.yaml"
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        pool = [str(i["q"]) for i in items if i.get("scope", True) is not False and i.get("q")]
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        pool = []
    pool = pool or list(FALLBACK_QUESTIONS)
    rng.shuffle(pool)
    return pool


def make_scripts(chats: int, rng: random.Random, steps_only: bool = False) -> list[list[Event]]:
    pool = question_pool(rng)
    taken = 0

    def question() -> Event:
        nonlocal taken
        taken += 1
        return ("text", "/help" if steps_only else pool[(taken - 1) % len(pool)])

    scripts: list[list[Event]] = []
    for i in range(chats):
        amount = f"{1.0 + (i % 45) * 0.1:.1f}亿"  # across the 1, 3 and 5 亿 tiers
        kind = i % 10
        if kind < 4:
            scripts.append(
                [
                    ("text", "我们公司能拿营收奖励吗？"),
                    ("text", "是"),
                    ("text", amount),
                    ("choice", "ans:revenue_first_time:yes"),
                    question(),
                ]
            )
        elif kind < 7:
            registered = "yes" if i % 3 else "no"
            scripts.append(
                [
                    ("text", "/check 营收奖励"),
                    ("choice", "ans:entity_type:company"),
                    ("choice", f"ans:registered_in_jiading:{registered}"),
                    ("text", amount),
                    ("choice", "ans:revenue_first_time:no"),
                ]
            )
        else:
            scripts.append(
                [
                    question(),
                    ("text", "/lang en" if i % 2 else "/help"),
                    question(),
                    ("text", "/about"),
                    question(),
                ]
            )
    return scripts


def kind_of(event: Event) -> str:
    """ "question" for a message the core answers by retrieval, else "step"."""
    kind, value = event
    if kind == "choice" or value.startswith("/") or value.endswith("亿"):
        return "step"
    return "step" if value in ("是", "我们公司能拿营收奖励吗？") else "question"


def incoming(chat: str, event: Event) -> Incoming:
    kind, value = event
    if kind == "choice":
        return Incoming(chat_id=chat, choice=value, kind="choice")
    return Incoming(chat_id=chat, text=value)


def transcript(services: Services, script: list[Event]) -> list[list[str]]:
    """The texts the bot must send for each turn, straight from the core and the renderer."""
    session = Session(chat_id="reference")
    codec = CallbackCodec()
    turns: list[list[str]] = []
    for event in script:
        turn = handle(session, incoming("reference", event), services, TODAY)
        session, replies = turn.session, turn.replies
        turns.append([m.plain for r in replies for m in render(r, codec)])
    return turns


@dataclasses.dataclass
class Inbox:
    """What the fake received, per chat, fed from its server threads into the event loop."""

    loop: asyncio.AbstractEventLoop
    texts: dict[int, list[str]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    times: dict[int, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    waiters: dict[int, asyncio.Event] = dataclasses.field(default_factory=dict)

    def __call__(self, call: Call) -> None:  # in a server thread, the fake's lock held
        if call.method == "sendMessage" and call.ok:
            result = call.result
            self.loop.call_soon_threadsafe(
                self._arrived, result["chat"]["id"], result["text"], time.time()
            )

    def _arrived(self, chat: int, text: str, at: float) -> None:
        self.texts[chat].append(text)
        self.times[chat].append(at)
        waiter = self.waiters.get(chat)
        if waiter is not None:
            waiter.set()

    async def wait_count(self, chat: int, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.texts[chat]) < count:
            waiter = self.waiters.setdefault(chat, asyncio.Event())
            waiter.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(waiter.wait(), remaining)
            except TimeoutError:
                return False
        return True


@dataclasses.dataclass
class Result:
    latencies: list[float] = dataclasses.field(default_factory=list)
    by_kind: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    first_parts: list[float] = dataclasses.field(default_factory=list)
    sent: int = 0
    answered: int = 0
    unanswered_chats: list[int] = dataclasses.field(default_factory=list)


@contextlib.asynccontextmanager
async def bot_in_process(
    tg: FakeTelegram, services: Services, data_dir: Path
) -> AsyncIterator[Callable[[], int]]:
    """The channel in this process and event loop; yields a count of undelivered replies."""
    settings = Settings(
        _env_file=None, data_dir=data_dir, telegram_token=tg.token, telegram_api_url=tg.base_url
    )
    channel = TelegramChannel(settings, services, lambda: TODAY)
    async with channel.running():
        yield lambda: channel.sender.given_up


@contextlib.asynccontextmanager
async def bot_process(
    tg: FakeTelegram,
    data_dir: Path,
    work: Path,
    read_timeout: float | None = None,
    unpaced: bool = False,
) -> AsyncIterator[Callable[[], int]]:
    """``policybot telegram`` in a process of its own, as deployed; stopped with SIGINT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        POLICYBOT_TELEGRAM_TOKEN=tg.token,
        POLICYBOT_TELEGRAM_API_URL=tg.base_url,
        POLICYBOT_DATA_DIR=str(data_dir),
        POLICYBOT_LOG_LEVEL="WARNING",
    )
    if read_timeout:
        env["POLICYBOT_TELEGRAM_READ_TIMEOUT"] = str(read_timeout)
    if unpaced:  # the channel's own latency, without Telegram's sending limits
        env["POLICYBOT_TELEGRAM_RATE_OVERALL"] = env["POLICYBOT_TELEGRAM_RATE_CHAT"] = "0"
    log = (work / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "telegram", "--today", TODAY.isoformat()],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await asyncio.to_thread(tg.wait_for, "deleteWebhook", 1, 300.0)  # about to poll
        yield lambda: (work / "bot.log").read_text("utf-8", "replace").count("NOT delivered")
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.to_thread(process.wait, 60)
        log.close()


async def simulate(
    services: Services,
    scripts: list[list[Event]],
    expected: list[list[list[str]]],
    args: argparse.Namespace,
    rng: random.Random,
    work: Path,
) -> tuple[Result, Inbox, FakeTelegram, int, float]:
    result = Result()
    inbox = Inbox(asyncio.get_running_loop())
    with FakeTelegram() as tg:
        tg.observe(inbox)
        if args.faults:
            tg.random_faults(args.faults, slow_seconds=args.slow, seed=args.seed)
        chat_ids = [100_000 + i for i in range(len(scripts))]

        async def user(chat: int, script: list[Event], turns: list[list[str]]) -> None:
            await asyncio.sleep(rng.uniform(0, args.ramp))
            want = 0
            for event, replies in zip(script, turns, strict=True):
                before, want = want, want + len(replies)
                pushed = time.time()
                if event[0] == "text":
                    tg.push_text(chat, event[1])
                else:
                    tg.push_callback(chat, event[1])
                result.sent += 1
                if not await inbox.wait_count(chat, want, timeout=args.timeout):
                    result.unanswered_chats.append(chat)
                    return
                result.answered += 1
                took = inbox.times[chat][want - 1] - pushed
                result.latencies.append(took)
                result.by_kind[kind_of(event)].append(took)
                result.first_parts.append(inbox.times[chat][before] - pushed)
                await asyncio.sleep(rng.uniform(*args.think))

        if args.in_process:
            bot = bot_in_process(tg, services, args.data_dir)
        else:
            # A copy of the index for the bot process, without this process's sessions.
            bot_dir = work / "bot-data"
            shutil.copytree(
                args.data_dir,
                bot_dir,
                ignore=shutil.ignore_patterns("policybot.sqlite3*", "*.lock"),
            )
            bot = bot_process(tg, bot_dir, work, args.read_timeout, args.unpaced)
        async with bot as undelivered:
            started = time.monotonic()
            await asyncio.gather(
                *(user(c, s, e) for c, s, e in zip(chat_ids, scripts, expected, strict=True))
            )
            wall = time.monotonic() - started
            await quiet(inbox, 5.0 if args.faults else 0.5)  # late or extra replies arrive now
            failures = undelivered()
        return result, inbox, tg, failures, wall


async def quiet(inbox: Inbox, seconds: float) -> None:
    """Wait until no message has arrived for ``seconds``."""
    while True:
        last = max((t[-1] for t in inbox.times.values() if t), default=0.0)
        if time.time() - last >= seconds:
            return
        await asyncio.sleep(0.2)


def match(expected: list[str], received: list[str]) -> tuple[int, int, int]:
    """(lost, duplicated, misrouted) for one chat: received messages matched in order."""
    done = 0
    duplicated = misrouted = 0
    for text in received:
        if done < len(expected) and text == expected[done]:
            done += 1
        elif text in expected[:done]:
            duplicated += 1
        else:
            misrouted += 1
    return len(expected) - done, duplicated, misrouted


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(2.0, 6.0),
        metavar=("MIN", "MAX"),
        help="seconds a user takes to read an answer and type the next message",
    )
    parser.add_argument("--ramp", type=float, default=10.0, help="users start within this time")
    parser.add_argument("--timeout", type=float, default=60.0, help="per turn, before a loss")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--faults", type=float, default=0.0, help="share of Bot API calls given a random fault"
    )
    parser.add_argument("--slow", type=float, default=12.0, help="seconds of a slow answer")
    parser.add_argument(
        "--unpaced",
        action="store_true",
        help="switch the bot's pacing off (Telegram allows about 30 messages a second)",
    )
    parser.add_argument(
        "--read-timeout", type=float, default=None, help="the bot's read timeout (default 30 s)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="index dir (built if new)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--strict", action="store_true", help=f"fail if p95 > {TARGET_P95}s")
    parser.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="keep the reference transcripts in this JSON file (delete it when the core changes)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the bot in this process (default: `policybot telegram` in its own process)",
    )
    parser.add_argument(
        "--steps-only",
        action="store_true",
        help="replace every question by /help: the channel's own cost, without retrieval",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for key in [k for k in os.environ if k.startswith("POLICYBOT_")]:
        del os.environ[key]  # no Chroma server, LLM or token from the developer's shell

    work = Path(tempfile.mkdtemp(prefix="policybot-tgload-"))
    args.data_dir = args.data_dir or work / "data"
    rng = random.Random(args.seed)
    load_before = os.getloadavg()

    began = time.monotonic()
    services = build_services(Settings(_env_file=None, data_dir=args.data_dir))
    print(f"services ready in {time.monotonic() - began:.1f}s", file=sys.stderr)
    scripts = make_scripts(args.chats, rng, args.steps_only)
    began = time.monotonic()
    known = args.reference is not None and args.reference.exists()
    cached = json.loads(args.reference.read_text("utf-8")) if known else None
    if cached is not None and cached.get("scripts") == json.loads(json.dumps(scripts)):
        expected = cached["expected"]
    else:
        expected = [transcript(services, s) for s in scripts]
        if args.reference:
            data = {"scripts": scripts, "expected": expected}
            args.reference.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"reference transcripts in {time.monotonic() - began:.1f}s", file=sys.stderr)
    E5Embeddings._cached_query.cache_clear()  # the bot embeds every question afresh

    store = Store(work / "sessions.sqlite3")
    bot_services = dataclasses.replace(services, store=store)
    result, inbox, tg, failures, wall = asyncio.run(
        simulate(bot_services, scripts, expected, args, rng, work)
    )
    store.close()

    chat_ids = [100_000 + i for i in range(len(scripts))]
    wrong = [
        c
        for c, turns in zip(chat_ids, expected, strict=True)
        if inbox.texts.get(c, []) != [t for turn in turns for t in turn]
    ]
    strangers = sorted(set(inbox.texts) - set(chat_ids))
    mismatch: dict[str, Any] | None = None
    for c, turns in zip(chat_ids, expected, strict=True):
        want_texts, got = [t for turn in turns for t in turn], inbox.texts.get(c, [])
        if want_texts != got:
            at = next(
                (i for i, (w, g) in enumerate(zip(want_texts, got, strict=False)) if w != g),
                min(len(want_texts), len(got)),
            )
            mismatch = {
                "chat": c,
                "message": at,
                "expected": want_texts[at][:300] if at < len(want_texts) else None,
                "received": got[at][:300] if at < len(got) else None,
            }
            break
    lost = duplicated = misrouted = 0
    for c, turns in zip(chat_ids, expected, strict=True):
        counts = match([t for turn in turns for t in turn], inbox.texts.get(c, []))
        lost, duplicated, misrouted = (
            a + b for a, b in zip((lost, duplicated, misrouted), counts, strict=True)
        )
    misrouted += sum(len(inbox.texts[c]) for c in strangers)
    messages_expected = sum(len(t) for turns in expected for t in turns)
    messages_received = sum(len(v) for v in inbox.texts.values())
    p50, p95, p99 = (percentile(result.latencies, q) for q in (50, 95, 99))
    report: dict[str, Any] = {
        "chats": len(scripts),
        "messages_sent": result.sent,
        "messages_planned": sum(len(s) for s in scripts),
        "turns_answered": result.answered,
        "unanswered_chats": result.unanswered_chats,
        "replies_expected": messages_expected,
        "replies_received": messages_received,
        "chats_with_wrong_transcript": wrong,
        "messages_to_unknown_chats": strangers,
        "first_mismatch": mismatch,
        "undelivered_after_retries": failures,
        "lost": lost,
        "duplicated": duplicated,
        "misrouted": misrouted,
        "faults": {
            "share": args.faults,
            "slow_s": args.slow,
            "bot_read_timeout_s": args.read_timeout or 30.0,
            "faulted_calls": sum(1 for c in tg.calls() if c.faulted),
            "by_kind": {
                kind: sum(1 for c in tg.calls() if c.fault == kind)
                for kind in ("429", "500", "502", "drop", "slow")
            },
        },
        "latency_s": {
            "p50": round(p50, 3),
            "p95": round(p95, 3),
            "p99": round(p99, 3),
            "max": round(max(result.latencies, default=float("nan")), 3),
            "mean": round(statistics.fmean(result.latencies), 3) if result.latencies else None,
        },
        "latency_by_kind_s": {
            kind: {
                "count": len(values),
                "p50": round(percentile(values, 50), 3),
                "p95": round(percentile(values, 95), 3),
            }
            for kind, values in sorted(result.by_kind.items())
        },
        "first_part_latency_s": {
            "p50": round(percentile(result.first_parts, 50), 3),
            "p95": round(percentile(result.first_parts, 95), 3),
        },
        "wall_s": round(wall, 1),
        "throughput_msgs_per_s": round(result.sent / wall, 1) if wall else None,
        "bot_api_calls": len(tg.calls()),
        "parameters": {
            "think_s": list(args.think),
            "ramp_s": args.ramp,
            "seed": args.seed,
            "steps_only": args.steps_only,
            "unpaced": args.unpaced,
            "bot": "in-process" if args.in_process else "policybot telegram subprocess",
            "questions": sum(1 for s in scripts for e in s if kind_of(e) == "question"),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    if args.faults:
        ok = lost == 0 and misrouted == 0
    else:
        ok = not result.unanswered_chats and not wrong and not strangers
    met = p95 <= TARGET_P95
    print(json.dumps(report, ensure_ascii=False, indent=2))
    print(
        f"\n{result.answered}/{report['messages_planned']} messages answered, "
        f"{messages_received}/{messages_expected} replies, {len(wrong)} chats with a wrong "
        f"transcript, {len(strangers)} unknown chats; {lost} lost, {duplicated} duplicated, "
        f"{misrouted} misrouted; latency p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (target <= {TARGET_P95 * 1000:.0f} ms: "
        f"{'PASS' if met else 'FAIL'}); {report['throughput_msgs_per_s']} msg/s over "
        f"{report['wall_s']} s",
        file=sys.stderr,
    )
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if not ok:
        return 1
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
