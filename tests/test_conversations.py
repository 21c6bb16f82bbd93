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


def play_subprocess(paths: list[Path], cli_env: dict[str, str], cwd: Path) -> dict[Path, tuple[float, list[str]]]:
    """Every conversation of ``paths`` through one `chat --jsonl` process, fresh chat each."""
    lines, turns = [], []
    for path in paths:
        for ci, conv in enumerate(load_conversations(path)):
            for turn in conv["turns"]:
                chat = f"{path.stem}-{ci}"
                lines.append(json.dumps({"chat": chat, "text": turn["say"]}, ensure_ascii=False))
                turns.append((path, conv["id"], turn))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--today", TODAY],
        input="\n".join(lines).encode() + b"\n",
        capture_output=True,
        env=cli_env,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    outputs = done.stdout.decode().splitlines()
    assert len(outputs) == len(lines), "one output line per input line"
    counts: dict[Path, list[int]] = {p: [0, 0] for p in paths}
    failures: dict[Path, list[str]] = {p: [] for p in paths}
    for (path, conv_id, turn), out in zip(turns, outputs, strict=True):
        fails, _, _ = score_turn(turn, json.loads(out)["replies"])
        counts[path][0] += not fails
        counts[path][1] += 1
        if fails:
            failures[path].append(f"{conv_id} {turn['say']!r}: {fails}")
    return {p: (counts[p][0] / counts[p][1], failures[p]) for p in paths}


@pytest.fixture(scope="module")
def played(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple[float, list[str]]]:
    paths = [p for p in (OWN, PUBLIC) if p.exists()]
    return play_subprocess(paths, cli_env, tmp_path_factory.mktemp("conv"))


@pytest.mark.parametrize("path", [OWN, PUBLIC], ids=["own", "public"])
def test_conversations_through_chat_jsonl(path: Path, played: dict[Path, tuple[float, list[str]]]) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not present")
    if path == OWN:
        assert len(load_conversations(path)) >= 60
    share, failures = played[path]
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


def test_questions_on_typical_check_paths(svc: Any) -> None:
    """A typical company (Jiading, revenue 3.2亿, nothing else) answers at most 6 questions,
    a checklist counting as one; a firm registered elsewhere fewer still."""
    from bot.conversation_eval import TYPICAL_PATHS, count_questions

    today = date.fromisoformat(TODAY)

    def send(chat: str, text: str) -> list[dict[str, Any]]:
        return list(process_line(json.dumps({"chat": chat, "text": text}).encode(), svc, today)["replies"])

    def choose(chat: str, option: str) -> list[dict[str, Any]]:
        return list(process_line(json.dumps({"chat": chat, "choice": option}).encode(), svc, today)["replies"])

    counts = {
        name: count_questions(send, choose, opening, answers, f"path-{name}")
        for name, (opening, answers) in TYPICAL_PATHS.items()
    }
    assert counts["company"] <= 6, counts
    assert counts["non_jiading_company"] < counts["company"], counts
    assert counts["individual"] <= 3, counts
    assert counts["park"] <= 8, counts
