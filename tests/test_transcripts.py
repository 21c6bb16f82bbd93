"""Golden conversation transcripts (tests/transcripts/*.yaml) played through the JSON-lines channel.

Every file is played in-process through ``bot.channels.jsonl.process_line`` (the real channel,
real dialogue, real retrieval, a real SQLite store); one file is also played end to end through
``python -m bot.cli chat --jsonl`` as a subprocess.

A transcript:

    title: what the conversation shows
    today: 2026-11-21               # the as-of date (a turn may override it with its own `today`)
    turns:
      - chat: 1                     # default 1; an int or a string, echoed back as given
        text: "..."                 # exactly one of text / choice / raw / line
        repeat: 10240               # optional: the text repeated this many times
        choice: "ans:entity_type:company"
        raw: "not json"             # a raw input line, sent as is
        line: {chat: 1}             # an object sent as a JSON line (e.g. neither text nor choice)
        expect:
          reply_count: 2            # exact number of replies
          contains: [...]           # fragments of the replies' text, all replies joined
          not_contains: [...]
          first_contains: [...]     # fragments of the first reply's text
          last_contains: [...]      # fragments of the last reply's text
          options: [...]            # exactly the option ids of the last reply
          options_include: [...]    # option ids offered by any reply
          options_exclude: [...]
          citations_include: [...]  # clause numbers cited by any reply, e.g. "（三）"
          citations_exclude: [...]
          no_citations: true
          error: true               # the line was refused: an "error" member (true or a fragment)
          session:                  # the saved session after the turn (in-process only)
            flow: eligibility
            pending: annual_revenue # null for none
            lang: zh
            facts: {registered_in_jiading: true}   # a subset of the saved facts
            no_facts: true
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.jsonl import process_line
from bot.services import Services

HERE = Path(__file__).resolve().parent
TRANSCRIPTS = sorted((HERE / "transcripts").glob("*.yaml"))
SUBPROCESS_TRANSCRIPT = "two_chats_interleaved.yaml"

TURN_KEYS = {"chat", "text", "repeat", "choice", "raw", "line", "today", "expect"}
EXPECT_KEYS = {
    "reply_count",
    "contains",
    "not_contains",
    "first_contains",
    "last_contains",
    "options",
    "options_include",
    "options_exclude",
    "citations_include",
    "citations_exclude",
    "no_citations",
    "error",
    "session",
}
SESSION_KEYS = {"flow", "pending", "lang", "facts", "no_facts"}
REQUIRED_SCENARIOS = {
    "revenue_milestone_zh",
    "revenue_milestone_en",
    "event_subsidy_cap",
    "not_registered_in_jiading",
    "interruption_policy_question",
    "cancel",
    "nonsense_answers",
    "expired_policy_notice",
    "start_and_help",
    "about_validity",
    "language_switch",
    "back_and_why",
    "stale_button",
    "talent_rent_subsidy",
    "listing_award",
    "park_recognition",
    "two_chats_interleaved",
}


# ------------------------------------------------------------------------------ fixtures


# ------------------------------------------------------------------------------ loading


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: a transcript is a mapping"
    assert {"title", "today", "turns"} <= set(data), f"{path.name}: needs title, today, turns"
    for n, turn in enumerate(data["turns"], 1):
        where = f"{path.name} turn {n}"
        assert set(turn) <= TURN_KEYS, f"{where}: unknown keys {set(turn) - TURN_KEYS}"
        inputs = [k for k in ("text", "choice", "raw", "line") if k in turn]
        assert len(inputs) == 1, f"{where}: exactly one of text / choice / raw / line"
        expect = turn.get("expect") or {}
        assert set(expect) <= EXPECT_KEYS, (
            f"{where}: unknown expect keys {set(expect) - EXPECT_KEYS}"
        )
        session = expect.get("session") or {}
        assert set(session) <= SESSION_KEYS, f"{where}: unknown session keys"
    return data


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def input_line(turn: dict[str, Any]) -> bytes:
    """The raw line a turn sends (without the newline)."""
    if "raw" in turn:
        return str(turn["raw"]).encode("utf-8")
    chat = turn.get("chat", 1)
    if "line" in turn:
        obj = turn["line"]
    elif "choice" in turn:
        obj = {"chat": chat, "choice": turn["choice"]}
    else:
        obj = {"chat": chat, "text": str(turn["text"]) * int(turn.get("repeat", 1))}
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------------------ checking


def show(output: dict[str, Any]) -> str:
    """The replies as a reader would want them in a failure message."""
    lines = []
    if "error" in output:
        lines.append(f"  ERROR: {output['error']}")
    for i, reply in enumerate(output.get("replies", []), 1):
        lines.append(f"  reply {i}: " + reply["text"].replace("\n", "\n           "))
        if reply["options"]:
            lines.append(f"    options: {[o['id'] for o in reply['options']]}")
        if reply["citations"]:
            lines.append(f"    citations: {[c['clause'] for c in reply['citations']]}")
    return "\n".join(lines)


def check_schema(output: Any, line: bytes) -> None:
    """The JSON-lines output contract: {"chat", "replies": [{"text", "options", "citations"}]}."""
    assert isinstance(output, dict), output
    assert "chat" in output and "replies" in output, output
    assert isinstance(output["replies"], list) and output["replies"], output
    for reply in output["replies"]:
        assert {"text", "options", "citations"} <= set(reply) <= {"text", "options", "citations", "result", "slot"}, reply
        assert isinstance(reply["text"], str) and reply["text"].strip(), reply
        for option in reply["options"]:
            assert set(option) == {"id", "label"}, option
            assert isinstance(option["id"], str) and isinstance(option["label"], str), option
            assert option["id"] and option["label"], option
        for cite in reply["citations"]:
            assert set(cite) == {"doc", "title", "section", "clause", "text", "responsible"}, cite
            assert all(
                isinstance(cite[k], str) for k in ("doc", "title", "section", "clause", "text")
            )
            assert isinstance(cite["responsible"], list)
    if "error" not in output:
        sent = json.loads(line)
        assert output["chat"] == sent["chat"], "the chat id comes back as it was sent"


def check_turn(
    where: str,
    turn: dict[str, Any],
    output: dict[str, Any],
    services: Services | None = None,
) -> None:
    """Assert one turn's expectations; the message shows the actual replies."""
    expect = turn.get("expect") or {}
    replies = output["replies"]
    texts = [r["text"] for r in replies]
    joined = "\n".join(texts)
    option_ids = [o["id"] for r in replies for o in r["options"]]
    clauses = [c["clause"] for r in replies for c in r["citations"]]
    sent = input_line(turn).decode("utf-8")
    context = f"\n{where}: sent {sent[:200]}\nactual replies:\n{show(output)}"

    if "error" in expect:
        if expect["error"]:
            assert "error" in output, "expected an error object" + context
            if isinstance(expect["error"], str):
                assert expect["error"] in output["error"], context
        else:
            assert "error" not in output, "unexpected error" + context
    else:
        assert "error" not in output, "unexpected error" + context
    if "reply_count" in expect:
        assert len(replies) == expect["reply_count"], (
            f"expected {expect['reply_count']} replies, got {len(replies)}" + context
        )
    for fragment in expect.get("contains", []):
        assert str(fragment) in joined, f"missing {fragment!r}" + context
    for fragment in expect.get("not_contains", []):
        assert str(fragment) not in joined, f"unexpected {fragment!r}" + context
    for fragment in expect.get("first_contains", []):
        assert str(fragment) in texts[0], f"first reply lacks {fragment!r}" + context
    for fragment in expect.get("last_contains", []):
        assert str(fragment) in texts[-1], f"last reply lacks {fragment!r}" + context
    if "options" in expect:
        last = [o["id"] for o in replies[-1]["options"]]
        assert last == list(expect["options"]), f"last reply's options are {last}" + context
    for option in expect.get("options_include", []):
        assert option in option_ids, f"option {option!r} not offered" + context
    for option in expect.get("options_exclude", []):
        assert option not in option_ids, f"option {option!r} offered" + context
    for clause in expect.get("citations_include", []):
        assert clause in clauses, f"clause {clause!r} not cited" + context
    for clause in expect.get("citations_exclude", []):
        assert clause not in clauses, f"clause {clause!r} cited" + context
    if expect.get("no_citations"):
        assert not clauses, "expected no citations" + context
    wanted = expect.get("session")
    if wanted and services is not None:
        assert services.store is not None
        chat = turn.get("chat", 1)
        session = services.store.load_session(str(chat))
        state = f"\nsaved session: {session.to_json()}"
        for key in ("flow", "pending", "lang"):
            if key in wanted:
                assert getattr(session, key) == wanted[key], f"session {key}" + state + context
        for fact, value in (wanted.get("facts") or {}).items():
            assert session.facts.get(fact) == value, f"session fact {fact}" + state + context
        if wanted.get("no_facts"):
            assert not session.facts, "session facts should be empty" + state + context


# ------------------------------------------------------------------------------ tests


def test_the_required_scenarios_are_there():
    names = {p.stem for p in TRANSCRIPTS}
    assert names >= REQUIRED_SCENARIOS, f"missing: {sorted(REQUIRED_SCENARIOS - names)}"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, svc: Services):
    data = load(path)
    for n, turn in enumerate(data["turns"], 1):
        today = as_date(turn.get("today", data["today"]))
        line = input_line(turn)
        output = process_line(line, svc, today)
        # what the channel writes must survive a JSON round trip unchanged
        output = json.loads(json.dumps(output, ensure_ascii=False))
        check_schema(output, line)
        check_turn(f"{path.name} turn {n}", turn, output, svc)


@pytest.fixture(scope="module", autouse=True)
def cli_transcript(
    chat_env: dict[str, str], services: Services, tmp_path_factory: pytest.TempPathFactory
):
    """`policybot chat --jsonl` fed the whole subprocess transcript, started with the module so
    it runs while the in-process transcripts play; awaited by its test."""
    env = dict(chat_env)
    folder = tmp_path_factory.mktemp("cli-transcript")
    # A private copy of the built index (no rebuild), without anyone's sessions.
    data_dir = folder / "data"
    shutil.copytree(
        services.settings.data_dir,
        data_dir,
        ignore=shutil.ignore_patterns(services.settings.db_path.name + "*"),
    )
    data = load(HERE / "transcripts" / SUBPROCESS_TRANSCRIPT)
    assert all("today" not in t for t in data["turns"]), "one --today for the whole run"
    lines = [input_line(t) for t in data["turns"]]
    args = [sys.executable, "-m", "bot.cli", "chat", "--jsonl"]
    args += ["--today", as_date(data["today"]).isoformat(), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=folder,
    )
    output: list[tuple[bytes, bytes]] = []
    feed = b"".join(line + b"\n" for line in lines)
    thread = threading.Thread(target=lambda: output.append(proc.communicate(feed)), daemon=True)
    thread.start()
    yield data, lines, proc, thread, output
    if proc.poll() is None:
        proc.kill()
    thread.join(60)


def test_transcript_through_the_command_line(cli_transcript):
    """One transcript end to end: `policybot chat --jsonl` gives one JSON line per input line,
    in order, each matching the transcript."""
    data, lines, proc, thread, output = cli_transcript
    thread.join(240)
    if not output:
        proc.kill()
        raise AssertionError("`policybot chat --jsonl` did not finish")
    ((out, err),) = output
    stderr = err.decode("utf-8", "replace")
    assert proc.wait() == 0, stderr
    assert "Traceback" not in stderr, stderr
    out_lines = out.decode("utf-8").splitlines()
    assert len(out_lines) == len(lines), (
        f"{len(lines)} lines in, {len(out_lines)} out:\n" + "\n".join(out_lines)
    )
    for n, (turn, line, text) in enumerate(zip(data["turns"], lines, out_lines, strict=True), 1):
        output = json.loads(text)
        check_schema(output, line)
        check_turn(f"{SUBPROCESS_TRANSCRIPT} turn {n} (subprocess)", turn, output)
