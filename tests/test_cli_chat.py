"""The command line as a user runs it (subprocesses): `policybot chat --jsonl`, the terminal
`policybot chat`, and `policybot check --facts FILE --json`.

The chat subprocesses use a private copy of an index built once in-process, so they never
rebuild it. The subprocesses that need no conversation with the test (the terminal chat fed from
a file, `check`) start together when the module starts and are awaited where they are checked;
the remaining `check` inputs run in-process through typer's runner (the same code, no start-up).
"""

from __future__ import annotations

import dataclasses
import json
import queue
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services

TODAY = "2026-11-21"
IN_FORCE = "2025-06-01"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def env(chat_env: dict[str, str]) -> dict[str, str]:
    return chat_env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


class Background:
    """A subprocess fed ``stdin`` and drained in a thread: (returncode, stdout, stderr) later."""

    def __init__(self, args: list[str], stdin: bytes, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        self.thread = threading.Thread(target=self._run, args=(stdin,), daemon=True)
        self.output: tuple[bytes, bytes] | None = None
        self.thread.start()

    def _run(self, stdin: bytes) -> None:
        self.output = self.proc.communicate(stdin)

    def result(self, timeout: float = 240) -> tuple[int, str, str]:
        self.thread.join(timeout)
        if self.output is None:
            self.proc.kill()
            self.thread.join(30)
            raise AssertionError(f"{self.proc.args} did not finish in {timeout} s")
        out, err = self.output
        return self.proc.wait(), out.decode("utf-8"), err.decode("utf-8", "replace")


def copy_index(services: Services, target: Path) -> Path:
    """A private copy of the built index (no rebuild), without anyone's sessions."""
    shutil.copytree(
        services.settings.data_dir,
        target,
        ignore=shutil.ignore_patterns(services.settings.db_path.name + "*"),
    )
    return target


TERMINAL_LINES = [
    "1",  # the welcome menu's first option: check my eligibility
    "/cancel",
    "/check 管理团队",
    "2",  # the applicant question's second option: a park
    "1",  # located in Jiading: yes
    "1",  # municipal featured park
    "1",  # the rank: a typed number answers a typed question ("first place")
]


FACTS = {
    "entity_type": "company",
    "registered_in_jiading": True,
    "annual_revenue": 320000000,
    "revenue_first_time": True,
    "hosts_event": True,
    "event_in_jiading": True,
    "event_cost": 2000000,
}


@pytest.fixture(scope="module", autouse=True)
def background(services: Services, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    """Start the module's non-interactive subprocesses at once; tests await their results."""
    folder = tmp_path_factory.mktemp("background")
    facts = folder / "facts.json"
    facts.write_text(json.dumps(FACTS), encoding="utf-8")
    terminal_data = copy_index(services, folder / "terminal-data")
    runs = {
        "terminal": Background(
            command("chat", "--today", IN_FORCE, "--data-dir", str(terminal_data)),
            "\n".join(TERMINAL_LINES).encode("utf-8") + b"\n",
            env,
            folder,
        ),
        "check": Background(
            command("check", "--facts", str(facts), "--json", "--today", TODAY), b"", env, folder
        ),
        "check-missing": Background(
            command("check", "--facts", str(folder / "missing.json"), "--json"), b"", env, folder
        ),
    }
    yield runs
    for run in runs.values():
        if run.proc.poll() is None:
            run.proc.kill()
        run.thread.join(60)


# ------------------------------------------------------------------------------ chat --jsonl


class LineReader:
    """Reads a pipe line by line in a thread, so a missing line fails after a timeout."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put(line)
        self.lines.put(b"")  # end of stream

    def next(self, timeout: float) -> bytes:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output line within {timeout} s (not flushed?)") from None


JSONL_TURNS: list[tuple[bytes, dict[str, Any]]] = [
    # (input line, what the one output line must show)
    (
        '{"chat": 1, "text": "我们公司能拿营收奖励吗？"}'.encode(),
        {"chat": 1, "last_options": ["ans:registered_in_jiading:yes"]},
    ),
    (
        b'{"chat": "b", "text": "/check"}',
        {"chat": "b", "last_options": ["ans:entity_type:company", "ans:entity_type:park"]},
    ),
    (b"this is not json", {"error": "not a JSON object"}),
    (
        b'{"chat": 1, "choice": "ans:registered_in_jiading:yes"}',
        {"chat": 1, "contains": "主营业务收入"},
    ),
    (b"[1, 2, 3]", {"error": "expected"}),
    (b"", {"error": "not a JSON object"}),
    (b'{"chat": true, "text": "hi"}', {"error": "chat must be a string or an integer"}),
    (b'{"chat": "b", "text": 5}', {"error": "text and choice must be strings", "chat": "b"}),
    (b"\xff\xfe\xfd", {"error": "not a JSON object"}),
    # chat "b" still waits on its own first question
    (
        b'{"chat": "b", "choice": "ans:entity_type:company"}',
        {"chat": "b", "contains": "嘉定区注册"},
    ),
    ('{"chat": 1, "text": "3.2亿"}'.encode(), {"chat": 1, "contains": "第一次达到这一档"}),
    (
        b'{"chat": 1, "choice": "ans:revenue_first_time:yes"}',
        {"chat": 1, "contains": "100万元（1,000,000 元）", "citation": "（三）"},
    ),
    (b'{"chat": 1}', {"chat": 1, "contains": "只能阅读文字消息和按钮"}),
    # lone surrogates are valid JSON escapes but not text: refused, the stream goes on
    (b'{"chat": "\\ud800", "text": "hi"}', {"error": "chat must be valid Unicode text"}),
    (b'{"chat": 1, "text": "\\udfff"}', {"error": "must be valid Unicode text", "chat": 1}),
    ('{"chat": "b", "text": "取消"}'.encode(), {"chat": "b", "contains": "已取消资格检查"}),
]


def check_output(out: dict[str, Any], want: dict[str, Any], sent: bytes) -> None:
    context = f"\nsent: {sent!r}\ngot: {json.dumps(out, ensure_ascii=False)[:1500]}"
    assert isinstance(out.get("replies"), list) and out["replies"], context
    for reply in out["replies"]:
        assert {"text", "options", "citations"} <= set(reply) <= {"text", "options", "citations", "result", "slot"}, context
        assert isinstance(reply["text"], str)
        assert all(set(o) == {"id", "label"} for o in reply["options"]), context
        for cite in reply["citations"]:
            assert {"doc", "title", "section", "clause", "text", "responsible"} == set(cite)
    if "error" in want:
        assert want["error"] in out.get("error", ""), context
        assert out["replies"][0]["text"] == out["error"], context
    else:
        assert "error" not in out, context
    if "chat" in want:
        assert out["chat"] == want["chat"], context
    texts = "\n".join(r["text"] for r in out["replies"])
    if "contains" in want:
        assert want["contains"] in texts, context
    if "last_options" in want:
        ids = [o["id"] for o in out["replies"][-1]["options"]]
        assert all(i in ids for i in want["last_options"]), context
    if "citation" in want:
        clauses = [c["clause"] for r in out["replies"] for c in r["citations"]]
        assert want["citation"] in clauses, context


def test_chat_jsonl_answers_each_line_at_once(services: Services, env: dict[str, str], tmp_path: Path):
    """One output line per input line, written before the next line is sent; interleaved
    chats keep their own state; garbage gets an error object and the stream goes on."""
    data_dir = copy_index(services, tmp_path / "data")
    args = command("chat", "--jsonl", "--today", TODAY, "--data-dir", str(data_dir))
    with subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        reader = LineReader(proc.stdout)
        errors = LineReader(proc.stderr)
        try:
            for n, (line, want) in enumerate(JSONL_TURNS):
                proc.stdin.write(line + b"\n")
                proc.stdin.flush()
                timeout = 180 if n == 0 else 60  # the first line waits for the start-up
                out_line = reader.next(timeout)
                assert out_line.endswith(b"\n"), out_line
                check_output(json.loads(out_line), want, line)
            proc.stdin.close()
            assert reader.next(60) == b"", "nothing more than one line per input line"
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        stderr = b"".join(iter(lambda: errors.next(60), b"")).decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr


# ------------------------------------------------------------------------------ terminal chat


def test_terminal_chat_numbered_choices(background):
    code, out, stderr = background["terminal"].result()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    # the welcome, with its menu as numbered choices
    assert "您好！我是政策助手，根据已载入的政策文件回答问题" in out
    for n, label in enumerate(["检查我能申请什么", "政策来源与有效期", "English"], 1):
        assert f"  [{n}] {label}" in out, out
    # "1" started the check: the applicant question with numbered options
    assert "我来帮您看看可能符合哪些扶持" in out
    assert "  [1] 直播和短视频企业（平台、MCN机构、主播工作室、专业服务机构等）" in out
    assert "  [2] 直播和短视频园区（基地）运营方" in out
    assert "  [5] 不清楚 / 跳过" in out
    assert "已取消资格检查" in out
    assert "  [1] 市级特色园区" in out
    # a typed-answer question: its skip button is not numbered, so "1" is the rank
    assert "在当年度园区综合考核中，贵园区排第几名" in out
    assert "  (不清楚 / 跳过)" in out
    assert "✅ 市级园区管理团队考核奖励：符合所述条件" in out, out[-3000:]
    assert "金额：每年 100万元（1,000,000 元）" in out
    assert "这次只检查了：" in out  # a check narrowed by /check 管理团队 says what it covered


class Lines:
    """The terminal's input seam: lines to return, then end of input."""

    def __init__(self, *lines: str | BaseException) -> None:
        self.lines = list(lines)
        self.prompts = 0

    def __call__(self, prompt: str) -> str:
        self.prompts += 1
        if not self.lines:
            raise EOFError
        line = self.lines.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line


def test_terminal_run_in_process(services: Services, tmp_path: Path):
    """The terminal loop with the real core: numbers pick options, a number typed for a typed
    question is the answer, unreadable lines get a message, the session is saved per turn."""
    from bot.channels import terminal
    from bot.store import Store

    store = Store(tmp_path / "db.sqlite3")
    services = dataclasses.replace(services, store=store)
    written: list[str] = []
    read = Lines(
        "/check 管理团队",
        "2",  # park
        "1",  # located in Jiading
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        "\udcff\udcfe",  # undecodable bytes kept as surrogates: nonsense, re-asked
        "1",  # municipal
        "1",  # rank 1
    )
    try:
        terminal.run(read, written.append, services, date(2025, 6, 1))
        out = "\n".join(written)
        assert "  [2] 直播和短视频园区（基地）运营方" in out
        assert "这一行不是有效的 UTF-8 文本" in out
        assert "请从以下选项中选择" in out  # the surrogate line was read as text and re-asked
        assert "  (不清楚 / 跳过)" in out and "  [1] 不清楚 / 跳过" not in out
        assert "✅ 市级园区管理团队考核奖励：符合所述条件" in out, out[-2000:]
        assert written[-1] == "", "end of input ends the chat quietly"
        assert store.load_session(terminal.CHAT_ID).flow == "idle"
    finally:
        store.close()


@pytest.mark.parametrize(
    "line, options, expected",
    [
        ("1", ("menu:check", "menu:about"), ("choice", "menu:check")),
        (" 2 ", ("menu:check", "menu:about"), ("choice", "menu:about")),
        ("3", ("menu:check", "menu:about"), ("text", "3")),
        ("0", ("menu:check",), ("text", "0")),
        ("1", ("ans:park_assessment_rank:unknown",), ("text", "1")),
        ("1", ("menu:check_offer",), ("choice", "menu:check_offer")),
        ("1", (), ("text", "1")),
        ("公司", ("ans:entity_type:company",), ("text", "公司")),
        ("\ud800x", (), ("text", "?x")),
    ],
)
def test_terminal_to_incoming(line, options, expected):
    from bot.channels.terminal import to_incoming
    from bot.domain import Option

    incoming = to_incoming(line, tuple(Option(i, i) for i in options))
    kind, value = expected
    assert incoming.kind == kind
    assert (incoming.choice if kind == "choice" else incoming.text) == value


# ------------------------------------------------------------------------------ check


def by_program(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data["programs"]}


def test_check_json_amounts(background):
    code, out, err = background["check"].result()
    assert code == 0, err
    data = json.loads(out)
    assert data["as_of"] == TODAY
    results = by_program(data)
    revenue = results["jd-revenue-milestone"]
    # the same object a result carries in chat --jsonl ("result")
    assert revenue["status"] == "eligible"
    assert revenue["amount_yuan"] == 1_000_000
    assert revenue["amount"]["qualifier"] == "exact"
    assert revenue["amount"]["applied"]["zh"] == "首超3亿元档"
    assert revenue["clause"] == "（三）"
    assert revenue["doc"] == "jiading-livestream-2024"
    assert revenue["validity"] == "expired" and revenue["in_force"] is False
    events = results["jd-events"]
    assert events["status"] == "eligible"
    assert events["amount_yuan"] == 500_000, "30% of 2,000,000 is capped at 500,000"
    assert events["amount"]["per"] == "year" and events["amount"]["max_years"] == 3
    assert "50万元" in events["amount"]["applied"]["zh"]
    assert events["clause"] == "（五）"
    assert data["disclaimer"]["zh"].startswith("以上结果仅供参考")


def test_check_json_marks_the_expired_opinions(background):
    code, out, err = background["check"].result()
    assert code == 0, err
    results = by_program(json.loads(out))
    assert set(results) >= {"jd-revenue-milestone", "jd-events", "sh-staff-training"}
    for program, result in results.items():
        if program.startswith("jd-"):
            assert result["in_force"] is False, program
            assert "2025-12-31" in result["notice"]["zh"], program
            assert "2025-12-31" in result["notice"]["en"], program
        else:
            assert result["in_force"] is True and result["notice"] is None, program


def test_check_bad_input_in_a_subprocess(background):
    """A refused input ends the process with status 2 and a message, never a traceback."""
    code, out, err = background["check-missing"].result()
    assert code == 2, err
    assert out == ""
    assert "error: cannot read facts from" in " ".join(err.split()), err
    assert "Traceback" not in err, err


# The other inputs through the same command in-process (no interpreter start-up per case).


@pytest.fixture()
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``check(facts_text_or_None, *args) -> click Result``, run in a clean directory."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    runner = CliRunner()

    def run(content: str | None, *args: str) -> Any:
        facts = tmp_path / "facts.json"
        if content is not None:
            facts.write_text(content, encoding="utf-8")
        return runner.invoke(app, ["check", "--facts", str(facts), *args])

    return run


def test_check_json_before_expiry(check):
    result = check(json.dumps(FACTS), "--json", "--today", IN_FORCE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == IN_FORCE
    for program, item in by_program(data).items():
        assert item["in_force"] is True and item["notice"] is None, program
    assert by_program(data)["jd-revenue-milestone"]["amount_yuan"] == 1_000_000
    assert by_program(data)["jd-events"]["amount_yuan"] == 500_000


def test_check_text_in_english(check):
    result = check(json.dumps(FACTS), "--lang", "en", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "Result (as of 2026-11-21)" in result.stdout
    assert "100万元 (1,000,000 yuan) one-off (first over 300 million tier)" in result.stdout
    assert "the policy expired on 2025-12-31" in result.stdout


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, (), "cannot read facts from"),
        ("[1, 2]", (), "the facts file must hold a JSON object"),
        ('"facts"', (), "the facts file must hold a JSON object"),
        ("{bad", (), "cannot read facts from"),
        ("", (), "cannot read facts from"),
        ('{"entity_type": "spaceship"}', (), "fact 'entity_type' (choice): unusable value 'spaceship'"),
        ('{"annual_revenue": "lots"}', (), "fact 'annual_revenue' (money): unusable value 'lots'"),
        ('{"registered_in_jiading": "maybe"}', (), "fact 'registered_in_jiading' (yes_no)"),
        ('{"park_entry_date": "yesterday"}', (), "fact 'park_entry_date' (date)"),
        (json.dumps(FACTS), ("--today", "2026-13-01"), "not a date (YYYY-MM-DD): 2026-13-01"),
        (json.dumps(FACTS), ("--lang", "fr"), "zh or en"),
    ],
    ids=["missing-file", "array", "string", "not-json", "empty-file", "unknown-choice",
         "wrong-type", "bad-yes-no", "bad-date", "bad-today", "bad-lang"],
)  # fmt: skip
def test_check_bad_input(check, content, args, message):
    result = check(content, "--json", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "", "nothing on stdout for a refused input"
    flat = " ".join(result.stderr.split())  # rich wraps long messages
    assert message in flat, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def test_check_refuses_a_negative_amount(check):
    result = check(
        '{"entity_type": "company", "hosts_event": true, "event_cost": -2000000}',
        "--json",
        "--today",
        IN_FORCE,
    )
    assert result.exit_code == 2, result.stdout


def test_terminal_checklist_once_and_quit(services: Services, tmp_path: Path):
    """A newcomer's terminal: the greeting says which documents are in force and which expired,
    a hint says how to choose and leave, the checklist is printed once (its numbered list with a
    header asking for numbers, no toggles) and typed numbers answer it; /quit ends the chat."""
    from bot.channels import terminal
    from bot.store import Store

    store = Store(tmp_path / "db.sqlite3")
    services = dataclasses.replace(services, store=store)
    written: list[str] = []
    read = Lines("/check", "1", "1", "1,3", "4", "/quit", "never read")
    try:
        terminal.run(read, written.append, services, date(2026, 11, 21))
    finally:
        store.close()
    out = "\n".join(written)
    assert "现行有效：《上海市推动直播经济高品质发展三年行动计划（2024-2026年）》" in out
    assert "已失效：《关于加快嘉定区直播和短视频产业发展的若干意见》" in out
    assert "点" not in out.split("好的，我来帮您看看")[0].split("我依据的文件")[1]  # no buttons
    assert out.count("/quit") == 1 and "输入选项前的数字即可选择" in out
    assert out.count("1. 租用市统筹算力做大模型研发") == 1, "the checklist is printed once"
    assert "☐" not in out and "☑" not in out and "[1] 完成" not in out
    assert "请回复适用的序号" in out and "点选后" not in out
    assert "已记下" in out or "贵单位是否运营以下之一" in out  # "1,3" answered it in one go
    assert written[-1] == "再见！有政策问题随时来问。", "/quit leaves, in the chat's language"
    assert read.lines == ["never read"]
