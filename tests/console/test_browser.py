"""The console in a real browser: Debian's Chromium (``/usr/bin/chromium``) driven by
Playwright, against ``policybot console``'s application served by uvicorn on 127.0.0.1, while a
user talks to ``policybot chat --jsonl --outbox FILE`` in a subprocess on the same data dir.

The scenario: a question the documents do not answer is handed to staff; the ticket appears
in the queue; an admin claims and answers it; the answer arrives in the JSON-lines outbox; it
is saved and approved as a curated answer (its unchecked amount confirmed); another user's
paraphrase gets it; a real .docx is uploaded, checked, published, and asked about. A member
of staff (not admin) cannot publish, and a form without its CSRF token is refused.
Screenshots of the main pages at laptop and phone width go to ``test-artifacts/console``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import KNOWLEDGE, REPO, TODAY

from bot.config import Settings
from bot.console.app import build_console, create_app
from console.conftest import ADMIN, PASSWORD, STAFF, UNANSWERED

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
ARTIFACTS = Path(os.environ.get("POLICYBOT_TEST_ARTIFACTS", REPO / "test-artifacts")) / "console"
SIZES = {"laptop": (1366, 860), "phone": (390, 844)}
REGULATION = REPO.parent / "shared" / "corpus" / "shanghai-regulations" / "上海市授予荣誉市民称号规定.md"
STAFF_ANSWER = "请准备营业执照复印件、近一年的直播销售业绩证明和申请表，交到区商务委窗口；窗口收取工本费20元。"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
    pytest.mark.timeout(900),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _docx_of(markdown: Path, target: Path) -> Path:
    """A Word file of a real regulation: its title, then one paragraph per paragraph."""
    from docx import Document

    lines = [ln.strip() for ln in markdown.read_text(encoding="utf-8").splitlines()]
    doc = Document()
    doc.add_heading(lines[0].lstrip("# "), level=1)
    for line in lines[1:]:
        if line and not line.startswith("<!--"):
            doc.add_paragraph(line)
    doc.save(str(target))
    return target


class JsonlUser:
    """`policybot chat --jsonl --outbox FILE` as a subprocess: one line in, one line out."""

    def __init__(self, env: dict[str, str], data_dir: Path, outbox: Path) -> None:
        self.outbox = outbox
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--today", TODAY.isoformat(),
             "--data-dir", str(data_dir), "--outbox", str(outbox)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=data_dir,
        )

    def say(self, chat: str, text: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        line = json.dumps({"chat": chat, "text": text}, ensure_ascii=False) + "\n"
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def staff_replies(self, wait: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.outbox.exists() and self.outbox.read_text(encoding="utf-8").strip():
                break
            time.sleep(0.3)
        text = self.outbox.read_text(encoding="utf-8") if self.outbox.exists() else ""
        return [json.loads(ln) for ln in text.splitlines() if ln.strip()]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def world(services: Any, built_data_dir: Path, chat_env: dict[str, str],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A data dir and knowledge folder of this module's own (the index copied from the
    session's, so nothing is embedded twice), the console on a free port, the JSON-lines user."""
    import uvicorn

    from bot.services import build_services

    root = tmp_path_factory.mktemp("console-e2e")
    data, knowledge = root / "data", root / "knowledge"
    shutil.copytree(built_data_dir, data, ignore=shutil.ignore_patterns("*.sqlite3-*", "*.lock"))
    for name in ("policybot.sqlite3", "staff.sqlite3", "console.sqlite3"):
        (data / name).unlink(missing_ok=True)
    shutil.copytree(KNOWLEDGE, knowledge)
    settings = Settings(_env_file=None, data_dir=data, knowledge_dir=knowledge)
    own = build_services(settings, with_store=True)
    console = build_console(settings, own, lambda: TODAY, lambda: datetime.now(UTC))
    console.accounts.add(ADMIN, "admin", PASSWORD, console.now())
    console.accounts.add(STAFF, "staff", PASSWORD, console.now())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(console), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    env = {**chat_env, "POLICYBOT_KNOWLEDGE_DIR": str(knowledge)}
    user = JsonlUser(env, data, root / "outbox.jsonl")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield {"url": f"http://127.0.0.1:{port}", "user": user, "console": console, "root": root}
    user.close()
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(world: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _page(browser: Any, world: dict[str, Any], name: str, size: str = "laptop") -> Any:
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height},
                               locale="zh-CN").new_page()
    page.goto(world["url"] + "/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/queue")
    return page


def _shots(browser: Any, world: dict[str, Any], path: str, label: str) -> None:
    """The page at ``path`` at laptop and phone width, full length."""
    for size in SIZES:
        page = _page(browser, world, ADMIN, size)
        page.goto(world["url"] + path)
        page.screenshot(path=str(ARTIFACTS / f"{label}-{size}.png"), full_page=True)
        page.context.close()


def test_a_handoff_is_answered_in_the_browser_and_becomes_a_curated_answer(
    browser: Any, world: dict[str, Any]
) -> None:
    user = world["user"]
    first = user.say("u-1", UNANSWERED)
    assert first["replies"]
    handed = user.say("u-1", "转人工")
    assert "工单" in handed["replies"][0]["text"]

    page = _page(browser, world, ADMIN)
    row = page.locator(".ticket-row", has_text=UNANSWERED)
    assert row.count() == 1
    _shots(browser, world, "/queue", "queue")
    row.locator("a").click()
    assert page.locator("blockquote.question").inner_text() == UNANSWERED
    assert page.locator(".clauses li").count() >= 1
    _shots(browser, world, page.url.replace(world["url"], ""), "ticket")
    page.click("form[action$='/claim'] button")
    assert page.locator(".notice.ok").inner_text().startswith("已认领")
    page.fill("form[action$='/reply'] textarea", STAFF_ANSWER)
    page.click("form[action$='/reply'] button")
    assert "答复已发送给用户（JSON 行）" in page.locator(".notice").first.inner_text()

    arrived = user.staff_replies()
    assert [r["chat"] for r in arrived] == ["u-1"]
    assert STAFF_ANSWER in arrived[0]["replies"][0]["text"]

    page.fill("form[action$='/faq'] textarea", "直播补贴要交什么材料")
    page.click("form[action$='/faq'] button")
    assert "/faq/" in page.url
    page.click("form[action$='/approve'] button")
    assert "请先确认金额" in page.locator(".notice").first.inner_text()
    assert "20元" in page.locator(".notice.warn").last.inner_text()
    _shots(browser, world, page.url.replace(world["url"], ""), "curated-answer")
    page.check("input[name=confirm_amounts]")
    page.click("form[action$='/approve'] button")
    assert "已批准" in page.locator(".notice.ok").inner_text()

    answered = user.say("u-2", "直播补贴申请材料有哪些？")
    assert answered["replies"][0]["text"].startswith("【工作人员答复")
    assert STAFF_ANSWER in answered["replies"][0]["text"]
    page.goto(world["url"] + "/figures")
    assert page.locator("svg.chart").count() >= 2
    _shots(browser, world, "/figures", "figures")
    page.context.close()


def test_an_admin_publishes_a_docx_and_the_assistant_answers_from_it(
    browser: Any, world: dict[str, Any]
) -> None:
    docx = _docx_of(REGULATION, world["root"] / "honorary-citizens.docx")
    page = _page(browser, world, ADMIN)
    page.goto(world["url"] + "/documents")
    before = page.locator("tbody tr").count()
    _shots(browser, world, "/documents", "documents")
    page.set_input_files("input[name=file]", str(docx))
    page.click("form[action='/documents/check'] button")
    assert "上海市授予荣誉市民称号规定" in page.locator("dl.facts").inner_text()
    assert page.locator(".outline li").count() >= 6
    page.screenshot(path=str(ARTIFACTS / "check-laptop.png"), full_page=True)
    page.click("form[action='/documents/publish'] button")
    page.wait_for_selector("#job[data-state=done]", timeout=240_000)
    page.screenshot(path=str(ARTIFACTS / "published-laptop.png"), full_page=True)
    # then the rest of its long articles is embedded while it serves; the page follows it
    page.wait_for_selector("#passages[data-state=built]", timeout=240_000)
    assert "检索向量已补充完毕" in page.locator("#passages").inner_text()
    page.goto(world["url"] + "/documents")
    assert page.locator("tbody tr").count() == before + 1

    answer = world["user"].say("u-3", "上海市荣誉市民由谁推荐？")
    titles = [c["title"] for r in answer["replies"] for c in r.get("citations", [])]
    assert any("荣誉市民" in t for t in titles), answer

    broken = world["root"] / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a word file")
    page.goto(world["url"] + "/documents")
    page.set_input_files("input[name=file]", str(broken))
    page.click("form[action='/documents/check'] button")
    assert "无法读取这个文件" in page.locator(".notice.warn").inner_text()
    page.goto(world["url"] + "/documents")
    assert page.locator("tbody tr").count() == before + 1
    page.context.close()


def test_staff_cannot_publish_and_a_form_without_csrf_is_refused(
    browser: Any, world: dict[str, Any]
) -> None:
    docx = _docx_of(REGULATION, world["root"] / "again.docx")
    page = _page(browser, world, STAFF, "phone")
    page.goto(world["url"] + "/documents")
    page.set_input_files("input[name=file]", str(docx))
    page.click("form[action='/documents/check'] button")
    assert "只有管理员可以发布" in page.locator(".notice.warn").inner_text()
    assert page.locator("form[action='/documents/publish']").count() == 0
    token = page.url  # the check page; post the publish form by hand with a valid CSRF token
    response = page.request.post(world["url"] + "/documents/publish",
                                 form={"csrf": page.locator("input[name=csrf]").first.input_value(),
                                       "token": "0" * 16})
    assert response.status == 403 and token
    page.goto(world["url"] + "/queue")
    page.locator(".ticket-row a").first.click()
    page.evaluate("document.querySelector(\"form[action$='/note'] input[name=csrf]\").remove()")
    page.fill("form[action$='/note'] textarea", "没有令牌的备注")
    page.click("form[action$='/note'] button")
    assert "表单已过期或来源不明" in page.locator(".notice.warn").inner_text()
    page.go_back()
    page.reload()
    assert "没有令牌的备注" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "ticket-staff-phone.png"), full_page=True)
    page.context.close()
