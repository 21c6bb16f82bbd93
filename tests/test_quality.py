"""Answer quality on the question sets: the project's own (tests/eval/questions.yaml) and the
public dev set (shared/eval/dev.yaml), scored by bot.evaluation as `policybot eval` does.

Bars (from the issue): recall@3 >= 0.95, recall@1 >= 0.85, must-hit >= 0.90, scope accuracy
>= 0.90, as of 2026-11-21.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import DEV_SET, OWN_QUESTIONS, TODAY

from bot.evaluation import Report, evaluate, load_items

BARS = {"recall@3": 0.95, "recall@1": 0.85, "must_hit": 0.90, "scope_accuracy": 0.90}


def misses(report: Report) -> str:
    """Every question that missed something, with what was cited instead."""
    lines: list[str] = []
    for r in report.results:
        problems = []
        if r.item.gold and r.rank != 1:
            problems.append(f"rank={r.rank}")
        if r.must_ok is False:
            problems.append(f"must={list(r.item.must)}")
        if r.scope_ok is False:
            problems.append(f"scope: expected in_scope={r.item.scope}")
        if not r.forbid_ok:
            problems.append("forbidden text")
        if r.error:
            problems.append(f"error={r.error!r}")
        if not problems:
            continue
        cited = [f"{c.doc.split('-')[0]}:{c.clause}" for c in r.answer.citations[:3]] if r.answer else []
        lines.append(f"  {r.item.id} [{' '.join(problems)}] {r.item.q!r} -> top-3 {cited}")
    return "\n".join(lines)


def run(path: Path, ask: Any) -> Report:
    items = load_items(path)
    assert items, f"{path} has no questions"
    return evaluate(items, lambda question: ask(question, TODAY).answer)


def check(report: Report, name: str) -> None:
    metrics = report.metrics()
    summary = ", ".join(f"{k}={v:.3f}" for k, v in metrics.items())
    print(f"{name}: {len(report.results)} questions: {summary}")
    failing = {k: metrics[k] for k, bar in BARS.items() if metrics[k] < bar}
    assert not failing, (
        f"{name} below the bars {BARS}: "
        + ", ".join(f"{k}={v:.3f}" for k, v in failing.items())
        + f"\nall metrics: {summary}\nmisses:\n{misses(report)}"
    )
    assert metrics["forbid_ok"] == 1.0, misses(report)


# Asking every question of a set takes a while on a busy two-core machine.
@pytest.mark.timeout(900)
def test_own_question_set_meets_the_bars(ask: Any) -> None:
    check(run(OWN_QUESTIONS, ask), "tests/eval/questions.yaml")


@pytest.mark.timeout(600)
@pytest.mark.skipif(not DEV_SET.is_file(), reason="shared/eval/dev.yaml not present")
def test_dev_set_meets_the_bars(ask: Any) -> None:
    check(run(DEV_SET, ask), "shared/eval/dev.yaml")
