"""The command line, run as a subprocess on the session's index: ask --json, ask --jsonl with
bad input, --today validation, human output, ingest, eval."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DEV_SET, JIADING, SHANGHAI, TODAY

from bot.dialogue import answer_once

TODAY_ARG = ["--today", TODAY.isoformat()]
IN_FORCE_DAY = date(2025, 6, 1)
ZH_QUESTION = "嘉定人才租房补贴每月多少，能补几年"
EN_QUESTION = "How much is the monthly rent subsidy for talent in Jiading?"
CITATION_KEYS = {"doc", "title", "section", "clause", "text"}


def check_answer_schema(obj: dict[str, Any]) -> None:
    assert {"answer", "in_scope", "lang", "citations"} <= set(obj)
    assert isinstance(obj["answer"], str) and obj["answer"]
    assert isinstance(obj["in_scope"], bool)
    assert obj["lang"] in ("zh", "en")
    assert isinstance(obj["citations"], list)
    for citation in obj["citations"]:
        assert isinstance(citation, dict)
        assert set(citation) >= CITATION_KEYS
        for key in CITATION_KEYS:
            assert isinstance(citation[key], str) and citation[key], key


def no_traceback(proc: Any) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stdout


def test_ask_json_prints_one_object(run_cli: Any, services: Any) -> None:
    # On a day both documents are in force: no expiry notice, whatever the real date.
    proc = run_cli("ask", "--json", "--today", IN_FORCE_DAY.isoformat(), ZH_QUESTION)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    no_traceback(proc)
    lines = proc.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    check_answer_schema(obj)
    assert set(obj) == {"answer", "in_scope", "lang", "citations"}
    assert obj["in_scope"] is True
    assert obj["lang"] == "zh"
    assert obj["citations"][0]["doc"] == JIADING
    assert obj["citations"][0]["clause"] == "（十一）"
    assert "3000元" in obj["answer"]
    assert "⚠" not in obj["answer"]
    # The command line gives the core's answer: the chat's answer to a first message.
    assert obj == answer_once(services, ZH_QUESTION, IN_FORCE_DAY).to_json()


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """One line of the child's stdout, failing if it does not come within ``timeout``."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    raise AssertionError("no answer line within the time limit (not flushed?)")


def test_ask_jsonl_answers_in_order_and_survives_bad_input(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    big = ("嘉定直播补贴政策" * 5000).encode("utf-8")  # 120 KB, one line
    assert len(big) >= 100 * 1024
    bad_lines = [b"", big, "😀🎉🙏".encode(), b"\xff\xfe\x80garbage"]
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err_file, subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--jsonl", *TODAY_ARG],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_file, env=cli_env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            # The first answer arrives while stdin is still open: each line is flushed.
            proc.stdin.write(ZH_QUESTION.encode("utf-8") + b"\n")
            proc.stdin.flush()
            first = _read_line(proc, timeout=240)
            as_json = json.dumps({"q": ZH_QUESTION}, ensure_ascii=False).encode("utf-8")
            for line in [*bad_lines, EN_QUESTION.encode("utf-8"), as_json]:
                proc.stdin.write(line + b"\n")
            proc.stdin.close()
            rest = proc.stdout.read()
            proc.wait(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
    stderr = errors.read_bytes()
    assert proc.returncode == 0, stderr.decode("utf-8", "replace")
    assert b"Traceback" not in stderr
    lines = [first, *rest.splitlines(keepends=True)]
    assert all(line.endswith(b"\n") for line in lines)
    objs = [json.loads(line) for line in lines]
    assert len(objs) == 7

    for obj in objs:
        check_answer_schema(obj)
    valid_zh, empty, huge, emoji, binary, valid_en, from_json = objs
    # a line written as a JSON object is asked by its "q", not as its JSON
    assert from_json == valid_zh

    assert "error" not in valid_zh and valid_zh["in_scope"] and valid_zh["lang"] == "zh"
    assert valid_zh["citations"][0]["doc"] == JIADING
    assert "error" not in valid_en and valid_en["in_scope"] and valid_en["lang"] == "en"
    assert valid_en["citations"]

    for bad in (empty, huge, emoji, binary):
        assert isinstance(bad["error"], str) and bad["error"]
        assert bad["in_scope"] is False
        assert bad["citations"] == []
    assert "请输入" in empty["error"] or "type a question" in empty["error"]
    assert "太长" in huge["error"] or "too long" in huge["error"]
    assert "1000" in huge["error"]  # says what the limit is
    assert "文字" in emoji["error"] or "words" in emoji["error"]
    assert "UTF-8" in binary["error"]


def test_ask_json_bad_input_is_a_json_error(run_cli: Any) -> None:
    proc = run_cli("ask", "--json", *TODAY_ARG, "   ")
    assert proc.returncode != 0
    no_traceback(proc)
    obj = json.loads(proc.stdout.decode("utf-8"))
    assert obj["error"]
    assert obj["citations"] == []


@pytest.mark.parametrize("bad", ["2026-13-01", "21/11/2026"])
def test_today_must_be_a_date(run_cli: Any, bad: str) -> None:
    proc = run_cli("ask", "--today", bad, ZH_QUESTION)
    assert proc.returncode != 0
    no_traceback(proc)
    message = proc.stderr.decode("utf-8")
    assert "--today" in message
    assert "YYYY-MM-DD" in message
    assert bad in message
    assert proc.stdout == b""


def test_ask_prints_the_answer_for_people(run_cli: Any) -> None:
    proc = run_cli("ask", *TODAY_ARG, "嘉定直播企业年主营业务收入首次超过1亿元奖励多少")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    no_traceback(proc)
    text = proc.stdout.decode("utf-8")
    assert text.startswith("一次性奖励80万元"), text  # the answer first, then the quote
    assert "出处：《关于加快嘉定区直播和短视频产业发展的若干意见》（三）" in text
    assert "⚠" in text and "失效" in text  # the Jiading opinions expired on 2025-12-31
    assert not text.lstrip().startswith("{")


def test_ingest_again_reports_unchanged(run_cli: Any) -> None:
    proc = run_cli("ingest")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    no_traceback(proc)
    report = proc.stderr.decode("utf-8") + proc.stdout.decode("utf-8")
    assert "unchanged" in report
    assert JIADING in report and SHANGHAI in report
    assert "added" not in report and "replaced" not in report
    assert "0 units written" in report


def eval_file(tmp_path: Path) -> Path:
    """A few questions of shared/eval/dev.yaml in its own format (test_quality scores all of
    it in-process; here the command line only has to read, score and report)."""
    path = tmp_path / "dev-sample.yaml"
    if DEV_SET.is_file():
        items = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
        sample = [i for i in items if i.get("gold")][:3] + [
            i for i in items if i.get("scope") is False
        ][:1]
        path.write_text(yaml.safe_dump(sample, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(
            '- {id: m1, lang: zh, q: "人才租房补贴每月多少", gold: ["租房补贴"], must: [["3000"]]}\n'
            '- {id: m2, lang: zh, q: "给我讲个笑话", scope: false}\n',
            encoding="utf-8",
        )
    return path


def test_eval_prints_the_metrics_and_enforces_bars(run_cli: Any, tmp_path: Path) -> None:
    questions = eval_file(tmp_path)
    proc = run_cli("eval", str(questions), *TODAY_ARG, "--min-recall3", "1.01")
    no_traceback(proc)
    out = proc.stdout.decode("utf-8")
    assert "questions: 4" in out or "questions: 2" in out
    for metric in ("recall@1", "recall@3", "mrr", "must_hit", "scope_accuracy"):
        assert re.search(rf"{re.escape(metric)}: [01]\.\d{{3}}", out), (metric, out)
    assert "BELOW 1.01" in out
    assert proc.returncode != 0  # no file can reach recall@3 > 1
    passing = run_cli("eval", str(questions), *TODAY_ARG, "--min-scope", "0.5")
    assert passing.returncode == 0, passing.stdout.decode("utf-8")


def test_eval_on_a_malformed_file_is_a_clear_error(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: a mapping\n", encoding="utf-8")
    proc = run_cli("eval", str(bad))
    assert proc.returncode != 0
    no_traceback(proc)
    assert b"expected a list of questions" in proc.stderr


def test_subprocesses_have_no_network_either(cli_env: dict[str, str]) -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, env=cli_env,
                          timeout=60, check=False)
    assert b"NetworkBlocked" in proc.stdout, proc.stdout + proc.stderr
