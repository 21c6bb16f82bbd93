"""Multi-turn conversations (tests/eval/conversations.yaml and the public
shared/eval/dev-conversations.yaml) played through `policybot chat --jsonl` as a subprocess,
each turn scored as `policybot eval` does; and the figure check over every answer of the
question sets: each amount, percentage and date has a source.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import DEV_SET, OWN_QUESTIONS

from bot.channels.jsonl import process_line
from bot.conversation_eval import figure_check, load_conversations, play_checked, score_turn
from bot.evaluation import load_items

HERE = Path(__file__).resolve().parent
OWN = HERE / "eval" / "conversations.yaml"
PUBLIC = DEV_SET.parent / "dev-conversations.yaml"
TODAY = "2026-11-29"
BAR = 0.90


def play_subprocess(path: Path, cli_env: dict[str, str], tmp_path: Path) -> tuple[float, list[str]]:
    convs = load_conversations(path)
    lines, turns = [], []
    for ci, conv in enumerate(convs):
        for turn in conv["turns"]:
            lines.append(json.dumps({"chat": f"{path.stem}-{ci}", "text": turn["say"]}, ensure_ascii=False))
            turns.append((conv["id"], turn))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--today", TODAY],
        input="\n".join(lines).encode() + b"\n",
        capture_output=True,
        env=cli_env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    outputs = done.stdout.decode().splitlines()
    assert len(outputs) == len(lines), "one output line per input line"
    passed, failures = 0, []
    for (conv_id, turn), out in zip(turns, outputs, strict=True):
        fails, _, _ = score_turn(turn, json.loads(out)["replies"])
        passed += not fails
        if fails:
            failures.append(f"{conv_id} {turn['say']!r}: {fails}")
    return passed / len(turns), failures


@pytest.mark.parametrize("path", [OWN, PUBLIC], ids=["own", "public"])
def test_conversations_through_chat_jsonl(path: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not present")
    if path == OWN:
        convs = load_conversations(path)
        assert len(convs) >= 60
    share, failures = play_subprocess(path, cli_env, tmp_path)
    assert share >= BAR, f"{share:.2f} of turns passed:\n" + "\n".join(failures)


def test_every_answer_states_only_figures_with_a_source(svc: Any) -> None:
    """Questions of both question sets, and every conversation turn: no figure without a source."""
    today = date.fromisoformat(TODAY)
    convs: list[dict[str, Any]] = []
    for path in (OWN_QUESTIONS, DEV_SET):
        if path.exists():
            convs += [{"id": i.id, "turns": [{"say": i.q}]} for i in load_items(path)]
    for path in (OWN, PUBLIC):
        if path.exists():
            convs += load_conversations(path)

    def send(chat: str, text: str) -> list[dict[str, Any]]:
        line = json.dumps({"chat": chat, "text": text}, ensure_ascii=False).encode()
        return list(process_line(line, svc, today)["replies"])

    report = play_checked(convs, send, svc.rulebook, svc.kb.documents.values(), today)
    assert len(report.turns) > 250
    assert not report.figure_problems, "\n".join(report.figure_problems[:30])


def test_figure_check_counts_the_same_value_written_another_way() -> None:
    clause = "分别给予 80 万元、100 万元和 200 万元的一次性奖励，有效期至2025年12月31日，补贴30%"
    assert figure_check("800,000 yuan, 30%, valid until 2025-12-31", [clause]) == []
    assert figure_check("奖励80万元（首超1亿元档）", [clause], allowed_money=[100_000_000]) == []
    assert figure_check("奖励90万元", [clause]) == ["amount 900,000 yuan"]
    assert figure_check("补贴40%", [clause]) == ["percentage 40%"]
    assert figure_check("截至2026年1月1日", [clause]) == ["date 2026-01-01"]
    # a line that shows its working is its own source
    assert figure_check("可补贴50万元\n计算：200万元 × 30% = 60万元，超过上限50万元", [clause], [500_000]) == []
