"""A mistake in the rule files never reaches users and never takes the assistant down: the
rules are checked wherever they are loaded (every start, `ingest`, `rules check`), a failing
file is refused with its file, line and reason, and the last good rules keep serving.

Real files: a copy of the project's knowledge folder with one edit, the session's index, and
the command line run as a subprocess for the exit codes and what `documents` shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.errors import KnowledgeError
from bot.knowledge.rules_guard import RULE_FILES, load_checked_rules, rule_problems

GOOD_QUOTE = "人才最高可享受每月 3000 元的租房补贴，最长补贴 3 年"
BAD_QUOTE = "人才最高可享受每月 9999 元的租房补贴，最长补贴 3 年"


def knowledge_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> int:
    """Replace ``old`` once in programs.yaml; the line (1-based) of the edit."""
    path = folder / "programs.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def id_line(folder: Path, program: str) -> int:
    lines = (folder / "programs.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip() == f"- id: {program}")


def test_good_rules_are_kept_and_an_edited_quote_is_refused(services: Any, tmp_path: Path) -> None:
    knowledge, keep = knowledge_copy(tmp_path), tmp_path / "rules-good"
    verdict = load_checked_rules(knowledge, services.kb, keep)
    assert verdict.source == "current" and not verdict.problems
    assert all((keep / name).read_bytes() == (knowledge / name).read_bytes() for name in RULE_FILES)

    edit(knowledge, GOOD_QUOTE, BAD_QUOTE)  # "每月9999元" while the document says 3000
    verdict = load_checked_rules(knowledge, services.kb, keep)
    assert verdict.refused and verdict.source == "last good"
    (problem,) = verdict.problems
    line = id_line(knowledge, "jd-talent-rent")
    assert problem.startswith(f"{knowledge / 'programs.yaml'}:{line}: program 'jd-talent-rent'")
    assert "quote not found" in problem
    # the users still read the document's own words
    assert verdict.rulebook.programs["jd-talent-rent"].source.quote == GOOD_QUOTE
    assert b"9999" not in (keep / "programs.yaml").read_bytes(), "a refused file is never kept"


@pytest.mark.parametrize(
    "old, new, reason",
    [
        ("    name: {zh: 人才租房补贴, en: Rent subsidy for talent}\n",
         "    name: {zh: 人才租房补贴, en: Rent subsidy for talent\n", "not valid YAML"),
        ("      clause: （十一）\n      quote: 人才最高可享受",
         "      clause: （九十九）\n      quote: 人才最高可享受", "the rule says （九十九）"),
        ("      - {fact: talent_status, equals: high_level}",
         "      - {fact: talent_level_typo, equals: high_level}", "talent_level_typo"),
    ],
)  # fmt: skip
def test_every_kind_of_mistake_names_file_line_and_reason(
    services: Any, tmp_path: Path, old: str, new: str, reason: str
) -> None:
    knowledge, keep = knowledge_copy(tmp_path), tmp_path / "rules-good"
    load_checked_rules(knowledge, services.kb, keep)
    at = edit(knowledge, old, new)
    verdict = load_checked_rules(knowledge, services.kb, keep)
    assert verdict.refused and len(verdict.rulebook.programs) == len(services.rulebook.programs)
    (problem,) = verdict.problems
    assert str(knowledge / "programs.yaml") in problem and reason in problem, problem
    if reason == "not valid YAML":  # the YAML reader names the line (1-based: +1)
        assert f"line {at + 1}" in problem, problem
    else:
        assert f"programs.yaml:{id_line(knowledge, 'jd-talent-rent')}:" in problem or (
            f"programs.yaml:{id_line(knowledge, 'jd-talent-home-purchase')}:" in problem
        ), problem


def test_without_last_good_rules_the_passing_programs_serve(services: Any, tmp_path: Path) -> None:
    """A first start with one broken program: the others serve; an unreadable file without
    any good copy is a clear error (the start says what to fix)."""
    knowledge = knowledge_copy(tmp_path)
    edit(knowledge, GOOD_QUOTE, BAD_QUOTE)
    verdict = load_checked_rules(knowledge, services.kb, tmp_path / "never-kept")
    assert verdict.source == "partial" and "quote not found" in verdict.problems[0]
    assert set(verdict.rulebook.programs) == set(services.rulebook.programs) - {"jd-talent-rent"}
    assert not (tmp_path / "never-kept").exists(), "a failing file is never kept"
    edit(knowledge, "    name: {zh: 人才租房补贴, en: Rent subsidy for talent}\n", "  name: [\n")
    with pytest.raises(KnowledgeError, match="no last good rules") as caught:
        load_checked_rules(knowledge, services.kb, tmp_path / "never-kept")
    assert "not valid YAML" in str(caught.value)
    assert rule_problems(knowledge, services.kb)[0] is None


def test_cli_refuses_a_broken_rules_file_and_keeps_serving(
    cli_env: dict[str, str], built_data_dir: Path, services: Any, tmp_path: Path
) -> None:
    """ingest exits 3 naming file and line; documents and rules check show the refusal; a
    chat still runs the eligibility check from the last good rules."""
    data = tmp_path / "data"
    shutil.copytree(built_data_dir, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    assert (data / "rules-good" / "programs.yaml").is_file(), "the session's start kept them"
    knowledge = knowledge_copy(tmp_path)
    edit(knowledge, GOOD_QUOTE, BAD_QUOTE)
    env = {**cli_env, "POLICYBOT_DATA_DIR": str(data), "POLICYBOT_KNOWLEDGE_DIR": str(knowledge)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
        )  # fmt: skip

    where = f"programs.yaml:{id_line(knowledge, 'jd-talent-rent')}: program 'jd-talent-rent'"
    ingest = run("ingest")
    assert ingest.returncode == 3, ingest.stderr
    assert where in ingest.stderr and "last good rules" in ingest.stderr
    listed = run("documents", "--today", "2025-06-01")
    assert listed.returncode == 0, listed.stderr
    assert "rules     refused:" in listed.stdout and where in listed.stdout
    assert "rules refused" in listed.stderr  # the log says it too
    checked = run("rules", "check")
    assert checked.returncode == 1 and where in checked.stdout
    chat = run(
        "chat", "--jsonl", "--today", "2025-06-01", stdin='{"chat": "u1", "text": "/check"}\n'
    )
    assert chat.returncode == 0, chat.stderr
    assert "您是以什么身份了解政策的" in chat.stdout
