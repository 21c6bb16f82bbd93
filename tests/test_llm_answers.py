"""The language model in the turn: worded answers reach the user with the clause, fallbacks
keep the assistant's answer, and the question log and ``policybot stats`` count both.

Fake services (hashed n-gram embedder, vectors in memory) and a fake OpenAI-compatible server
on loopback that the real client (ChatOpenAI) talks to.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fakes.openai_api import FakeOpenAI
from fakes.services import fake_services

from bot.config import Settings
from bot.conversation import Conversation
from bot.domain import Incoming
from bot.llm.writer import AnswerWriter, writer_from_settings
from bot.staff.stats import compute
from bot.staff.store import StaffStore
from bot.store import Store

TODAY = date(2025, 6, 1)
QUESTION = "嘉定的直播企业营收首超3亿元，奖励多少？"
WORDED_ZH = "（以上由语言模型根据下列条款组织文字，以条款原文为准。）"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return fake_services(tmp_path_factory.mktemp("fake"))


@pytest.fixture()
def llm() -> Any:
    with FakeOpenAI() as server:
        yield server


def _writer(server: FakeOpenAI) -> AnswerWriter:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_base_url=server.base_url,
        llm_model="fake-model",
        llm_timeout=2.0,
    )
    writer = writer_from_settings(settings)
    assert writer is not None
    return writer


def _conversation(base: Any, tmp_path: Path, writer: AnswerWriter | None) -> Conversation:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    store = Store(settings.db_path)
    return Conversation(dataclasses.replace(base, settings=settings, store=store, writer=writer), store)


def _clause_with(prompt: str, needle: str) -> str:
    for key, text in re.findall(r'<clause key="([^"]+)"[^>]*>\n(.*?)\n</clause>', prompt, re.S):
        if needle in text:
            return str(key)
    raise AssertionError(f"no retrieved clause states {needle!r}")


def _worded(conversation: Conversation) -> list[str | None]:
    with conversation.store.database.reading() as db:
        return [r[0] for r in db.execute("SELECT worded FROM qa_log ORDER BY id")]


def test_a_worded_answer_says_so_and_keeps_the_clause(base: Any, tmp_path: Path, llm: FakeOpenAI) -> None:
    llm.respond_with(
        lambda prompt: {
            "answer": "能拿100万元：在嘉定注册、年主营业务收入首超3亿元的企业，给予100万元一次性奖励。",
            "citations": [_clause_with(prompt, "3亿元")],
        }
    )
    conversation = _conversation(base, tmp_path, _writer(llm))
    turn = conversation.turn(Incoming(chat_id="42", text=QUESTION), TODAY)
    text = turn.replies[0].text
    assert text.startswith("能拿100万元"), text
    assert WORDED_ZH in text
    assert "「" in text  # the clause it rests on is still quoted
    assert turn.replies[0].citations
    assert "<question>\n" + QUESTION in llm.prompt()
    assert _worded(conversation) == ["model"]


def test_an_invented_figure_keeps_the_assistants_answer(base: Any, tmp_path: Path, llm: FakeOpenAI) -> None:
    plain = _conversation(base, tmp_path / "plain", None).turn(Incoming(chat_id="7", text=QUESTION), TODAY)
    llm.respond_with(
        lambda prompt: {"answer": "能拿150万元，30日内到账。", "citations": [_clause_with(prompt, "3亿元")]}
    )
    conversation = _conversation(base, tmp_path / "model", _writer(llm))
    turn = conversation.turn(Incoming(chat_id="7", text=QUESTION), TODAY)
    assert turn.replies[0].text == plain.replies[0].text
    assert WORDED_ZH not in turn.replies[0].text
    assert _worded(conversation) == ["fallback:guard"]


def test_stats_count_worded_answers_and_fallbacks(base: Any, tmp_path: Path, llm: FakeOpenAI) -> None:
    conversation = _conversation(base, tmp_path, _writer(llm))
    llm.respond_with(
        lambda prompt: {"answer": "能拿100万元一次性奖励。", "citations": [_clause_with(prompt, "3亿元")]}
    )
    conversation.turn(Incoming(chat_id="1", text=QUESTION), TODAY)
    llm.fail(429)
    conversation.turn(Incoming(chat_id="2", text=QUESTION), TODAY)
    llm.fail(500)
    conversation.turn(Incoming(chat_id="3", text=QUESTION), TODAY)
    stats = compute(StaffStore(conversation.store.database), None)
    assert stats.worded == {"fallback:error": 1, "fallback:rate_limited": 1, "model": 1}
    assert json.loads(json.dumps(stats.to_json()))["language_model"]["model"] == 1
    assert "fell back" in stats.render("en") and "rate_limited 1" in stats.render("en")


def test_without_a_model_nothing_is_worded(base: Any, tmp_path: Path) -> None:
    conversation = _conversation(base, tmp_path, None)
    turn = conversation.turn(Incoming(chat_id="9", text=QUESTION), TODAY)
    assert WORDED_ZH not in turn.replies[0].text
    assert _worded(conversation) == [None]


def test_eval_reports_what_the_model_did(cli_env: dict[str, str], llm: FakeOpenAI, tmp_path: Path) -> None:
    """`policybot eval` with the model on: beside the usual figures, how many answers were the
    model's and why the others fell back."""
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        '- {id: a, lang: zh, q: "嘉定直播企业年主营业务收入首次超过1亿元奖励多少", must: [["80万"]]}\n'
        '- {id: b, lang: zh, q: "人才租房补贴每月多少，能补几年", must: [["3000"]]}\n',
        encoding="utf-8",
    )

    def respond(prompt: str) -> dict[str, Any]:
        plan = prompt.split("<planned_answer>\n", 1)[1].split("\n</planned_answer>", 1)[0]
        key = re.search(r'<clause key="([^"]+)"', prompt)
        assert key is not None
        if "租房" in prompt.split("</question>", 1)[0]:
            return {"answer": "每月最高8000元。", "citations": [key.group(1)]}  # invented
        return {"answer": plan, "citations": [key.group(1)]}

    llm.respond_with(respond)
    env = dict(cli_env, POLICYBOT_LLM_BASE_URL=llm.base_url, POLICYBOT_LLM_MODEL="fake-model")
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", str(questions), "--today", "2025-06-01"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    assert "language model: 1 worded, 1 fell back (guard 1)" in out, out + proc.stderr.decode()
    assert "recall@1" in out.strip().splitlines()[-1]  # the figures stay the last line
    assert len(llm.requests) == 2


def test_a_message_the_topic_rules_cannot_place_is_rewritten_by_the_model(
    base: Any, tmp_path: Path, llm: FakeOpenAI
) -> None:
    """After a question on a subsidy, a message that is about nothing on its own is refused
    without a model; with one, its standalone rewrite is answered (here the fake model reads
    it as a question on the same subsidy)."""
    first, vague = "嘉定人才租房补贴每月多少？", "周末去哪玩"
    llm.respond_with(
        lambda prompt: {"question": "嘉定人才租房补贴最长能补多少年？"}
        if "<message>" in prompt
        else {"answer": "", "citations": []}
    )
    plain = _conversation(base, tmp_path / "plain", None)
    plain.turn(Incoming(chat_id="5", text=first), TODAY)
    refused = plain.turn(Incoming(chat_id="5", text=vague), TODAY)
    assert "不在我能回答的范围" in refused.replies[0].text
    model = _conversation(base, tmp_path / "model", _writer(llm))
    model.turn(Incoming(chat_id="5", text=first), TODAY)
    answered = model.turn(Incoming(chat_id="5", text=vague), TODAY)
    assert "「" in answered.replies[0].text and answered.replies[0].citations
    rewrites = [r for r in llm.requests if "<message>" in r["messages"][-1]["content"]]
    assert len(rewrites) == 1 and "<previous_question>\n" + first in rewrites[0]["messages"][-1]["content"]
