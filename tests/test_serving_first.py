"""Serving never waits for ingest: a document over the size limit is skipped with a clear
message (in ingest's output, in the log and in `documents`) and the bot keeps answering; a
start with changed documents serves the last good generation at once while the new one is
built in the background. Real files, the command line as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, Settings
from bot.knowledge.documents import scan_documents
from bot.services import record_progress

QUESTION = '{"chat": "u1", "text": "嘉定直播企业营收首次超过1亿元奖励多少？"}\n'


def world(tmp_path: Path, built_data_dir: Path, cli_env: dict[str, str]) -> tuple[Path, Any]:
    data, knowledge = tmp_path / "data", tmp_path / "knowledge"
    shutil.copytree(built_data_dir, data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)  # copy2: the times stay, no rebuild
    env = {**cli_env, "POLICYBOT_DATA_DIR": str(data), "POLICYBOT_KNOWLEDGE_DIR": str(knowledge)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
        )  # fmt: skip

    return knowledge, run


def big_file(folder: Path, megabytes: int = 50) -> Path:
    path = folder / "huge-notice.txt"
    line = "第一条 为促进直播产业发展，对符合条件的企业给予扶持。\n".encode()
    with path.open("wb") as handle:
        for _ in range(megabytes * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    return path


def test_the_size_limit_skips_unread(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "knowledge/documents/jiading-livestream-2024.txt", folder)
    big_file(folder, 3)
    started = time.monotonic()
    docs, problems = scan_documents(folder, max_mb=2)
    assert time.monotonic() - started < 5, "the big file is not read"
    assert [d.path.name for d in docs] == ["jiading-livestream-2024.txt"]
    (problem,) = problems
    assert problem.message.startswith("huge-notice.txt: 3.0 MB is over the limit of 2 MB")
    assert "POLICYBOT_MAX_DOCUMENT_MB" in problem.message
    assert len(scan_documents(folder)[0]) == 2, "no limit given: every file is read"


def test_a_50_mb_document_leaves_the_bot_answering(
    tmp_path: Path, built_data_dir: Path, cli_env: dict[str, str], services: Any
) -> None:
    knowledge, run = world(tmp_path, built_data_dir, cli_env)
    big_file(knowledge / "documents")
    started = time.monotonic()
    ingest = run("ingest")
    assert ingest.returncode == 1, ingest.stderr  # a document was skipped
    assert "huge-notice.txt: 50.0 MB is over the limit of 20 MB" in ingest.stderr
    assert time.monotonic() - started < 120
    assert not (tmp_path / "data" / "ingest-progress.json").exists(), "gone when done"
    # an ingest running elsewhere (the console's publish, a background build) says how far
    record_progress(Settings(_env_file=None, data_dir=tmp_path / "data"), "embed", 40, 200, 95.0)
    listed = run("documents", "--today", "2025-06-01", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert any("over the limit" in r.get("error", "") for r in rows), rows
    assert {"ingest": "running", "progress": "embed 40/200, about 95 s left"} in rows
    assert sum(1 for r in rows if "id" in r) == len(services.kb.documents)
    chat = run("chat", "--jsonl", "--today", "2025-06-01", stdin=QUESTION)
    assert chat.returncode == 0, chat.stderr
    assert "100万元" in json.loads(chat.stdout.splitlines()[0])["replies"][0]["text"]


def test_changed_documents_are_built_in_the_background_while_the_last_index_serves(
    tmp_path: Path, built_data_dir: Path, cli_env: dict[str, str], services: Any
) -> None:
    knowledge, run = world(tmp_path, built_data_dir, cli_env)
    notice = knowledge / "documents" / "new-notice.txt"
    notice.write_text("关于直播基地认定的通知\n\n一、对新认定的直播基地给予一次性奖励。\n", "utf-8")
    chat = run("chat", "--jsonl", "--today", "2025-06-01", stdin=QUESTION)
    assert chat.returncode == 0, chat.stderr
    assert "100万元" in json.loads(chat.stdout.splitlines()[0])["replies"][0]["text"]
    assert "while a new one is built" in chat.stderr, chat.stderr[-2000:]


def test_a_first_start_shows_what_it_is_doing(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """`policybot chat` on a fresh machine (no index yet): the terminal shows the build as a
    progress bar instead of a blank screen, then the greeting; /quit leaves."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    env = {**cli_env, "POLICYBOT_DATA_DIR": str(tmp_path / "fresh"),
           "POLICYBOT_KNOWLEDGE_DIR": str(knowledge)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--today", "2025-06-01"],
        input="/quit\n", capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[embed] [" in done.stderr and "####################] " in done.stderr, done.stderr
    assert "您好！我是" in done.stdout and done.stdout.rstrip().endswith("再见！有政策问题随时来问。")
