"""Scope and wording from the knowledge base (bot/knowledge/coverage.py), the one validity
rule, the rules check, and the `documents`, `rules check` and `ingest --check` commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import JIADING, SHANGHAI, TODAY

from bot.domain import Clause, DocumentMeta
from bot.knowledge.coverage import (
    ask_whom,
    describe,
    place_forms,
    places,
    refusal,
    validity_label,
)
from bot.knowledge.parse import split_clauses
from bot.knowledge.rules_check import check_rules, find_clause

DATA = Path(__file__).resolve().parent / "data"
PROVINCES = DATA / "provinces"


def meta(**fields: Any) -> DocumentMeta:
    return DocumentMeta(**{"id": "d", "title": "某办法", **fields})


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "unknown"),
        ({"valid_from": date(2020, 1, 1)}, "in_force"),
        ({"valid_from": date(2027, 1, 1)}, "not_yet"),
        ({"valid_until": date(2025, 12, 31)}, "expired"),
        ({"valid_from": date(2020, 1, 1), "valid_until": date(2030, 1, 1)}, "in_force"),
        ({"valid_from": date(2020, 1, 1), "repealed_by": "新条例"}, "expired"),
    ],
)
def test_one_validity_rule(fields: dict[str, Any], status: str) -> None:
    doc = meta(**fields)
    assert doc.validity(TODAY) == status
    assert doc.in_force(TODAY) is (status == "in_force")
    assert validity_label(doc, TODAY, "zh")
    if status == "unknown":
        assert validity_label(doc, TODAY, "zh") != "现行有效"


def test_place_forms() -> None:
    assert place_forms("上海市嘉定区") == ["上海市嘉定区", "上海市", "上海", "嘉定区", "嘉定"]
    assert place_forms("宁波市") == ["宁波市", "宁波"]
    assert place_forms("") == []


def test_coverage_comes_from_the_loaded_documents(services: Any) -> None:
    docs = services.kb.documents
    found = places(docs)
    assert {"上海", "嘉定", "jiading", "shanghai"} <= set(found)
    zh = describe(docs, "zh")
    assert "上海市嘉定区" in zh and "《关于加快嘉定区直播和短视频产业发展的若干意见》" in zh
    en = describe(docs, "en")
    assert "Jiading" in en
    assert "宁波" not in refusal("zh", docs)


def test_ask_whom_names_the_clause_units_else_the_issuers(services: Any) -> None:
    kb = services.kb
    item = next(c for c in kb.clauses if c.doc_id == JIADING and c.responsible)
    assert ask_whom(item, kb.documents[JIADING]) == item.responsible
    plan = next(c for c in kb.clauses if c.doc_id == SHANGHAI and c.kind == "task")
    assert ask_whom(plan, kb.documents[SHANGHAI])[0] == "上海市商务委员会"
    bare = Clause(key="x/1", doc_id="x", doc_title="t", section="s", clause="1", text="t", norm="t")
    assert ask_whom(bare, meta()) == ()
    # The legislature adopts a regulation; it is nobody's contact for a clause.
    assert ask_whom(bare, meta(issuers=("宁波市人民代表大会常务委员会",))) == ()
    assert ask_whom(bare, meta(issuers=("浙江省人民代表大会", "浙江省商务厅"))) == ("浙江省商务厅",)


def test_an_article_names_its_acting_units_else_none() -> None:
    from bot.knowledge.documents import read_document

    doc = read_document(PROVINCES / "zj-ecommerce.md")
    by_label = {c.clause: c for c in split_clauses(doc.meta, doc.body) if c.part <= 1}
    assert by_label["第二十五条"].responsible == ("市场监督管理部门",)  # 由…责令改正，处…罚款
    assert by_label["第四条"].responsible[0] == "商务主管部门"  # 县级以上人民政府商务主管部门负责
    assert by_label["第十九条"].responsible == ()  # names nobody: not the legislature either
    assert ask_whom(by_label["第十九条"], doc.meta) == ()


def test_refusal_names_the_documents_loaded(ask: Any) -> None:
    answer = ask("北京市对直播企业有什么补贴").answer
    assert not answer.in_scope
    assert "上海市" in answer.text and "《上海市推动直播经济高品质发展三年行动计划" in answer.text
    english = ask("What subsidies does Beijing give streamers?").answer
    assert not english.in_scope and "Shanghai" in english.text


def test_rules_are_anchored_in_their_clauses(services: Any) -> None:
    assert check_rules(services.rulebook, services.kb) == []
    program = next(iter(services.rulebook.programs.values()))
    found = find_clause(services.kb, program.source.doc, program.source.clause,
                        program.source.quote)
    assert found is not None and found.clause == program.source.clause


def test_rules_check_reports_a_quote_that_is_not_in_the_document(services: Any) -> None:
    import dataclasses

    program = next(iter(services.rulebook.programs.values()))
    source = program.source.model_copy(update={"quote": "文件里没有的一句话"})
    broken = program.model_copy(update={"source": source})
    rulebook = dataclasses.replace(
        services.rulebook, programs={**services.rulebook.programs, program.id: broken}
    )
    problems = check_rules(rulebook, services.kb)
    assert [p.program for p in problems] == [program.id]
    assert "quote not found" in problems[0].message


def test_cli_documents_and_rules_check(run_cli: Any) -> None:
    proc = run_cli("documents", "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    text = proc.stdout.decode("utf-8")
    assert "expired" in text and "in_force" in text
    assert "jiading-livestream-2024.txt" in text
    proc = run_cli("rules", "check")
    assert proc.returncode == 0, proc.stdout.decode("utf-8", "replace")
    assert "all anchored in their documents" in proc.stdout.decode("utf-8")


def test_cli_ingest_check_prints_the_outline(run_cli: Any) -> None:
    proc = run_cli("ingest", "--check", str(DATA / "ningbo-blood-donation.md"))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    text = proc.stdout.decode("utf-8")
    assert "title: 宁波市献血条例" in text
    assert "valid from: 2013-03-01" in text
    assert "ningbo-blood-donation/第三十三条" in text
    proc = run_cli("ingest", "--check", str(DATA / "scanned-no-text.pdf"))
    assert proc.returncode == 1
    assert "no text layer" in proc.stderr.decode("utf-8")
