"""Articles citing others by number: the penalty article found through what the firm did."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import NEEDS_CITY_CORPUS, city_services

from bot.knowledge.documents import read_document
from bot.knowledge.index import KnowledgeBase
from bot.knowledge.references import cited_by
from bot.retrieval.intent import question_kinds

NINGBO = Path(__file__).resolve().parent / "data" / "ningbo-blood-donation.md"


def test_an_article_is_cited_by_the_article_that_sets_its_penalty() -> None:
    kb = KnowledgeBase.from_sources([read_document(NINGBO)])
    key = {c.clause: c.key for c in kb.clauses if c.part <= 1}
    cites = cited_by(kb.clauses)
    # 第三十条 违反本条例第二十六条规定，骗取医疗临床用血相关费用的，…并处…罚款
    assert cites[key["第二十六条"]] == (key["第三十条"],)
    # "违反本条例规定的行为" names no article: nothing cites the articles through it
    assert all(key["第二十九条"] not in citing for citing in cites.values())


def test_every_article_of_a_list_is_cited_and_only_the_documents_own(tmp_path: Path) -> None:
    text = (
        "# 某市测试条例\n\n"
        "第一条 为了测试，制定本条例。\n\n"
        "第二条 经营者应当公示价格。\n\n"
        "第三条 经营者不得哄抬价格。\n\n"
        "第四条 经营者应当保存记录。\n\n"
        "第五条 违反本条例第二条、第三条第二款或者第四条规定的，处一千元以上一万元以下罚款。\n\n"
        "第六条 违反《中华人民共和国价格法》第十四条规定的，依照其规定处罚；本条例第六条另有说明。\n\n"
        "第七条 违反本条例规定，由价格部门依照下列规定处罚：\n\n"
        "（一）违反第二条第一款规定的，责令改正，可以并处一千元以上五千元以下罚款；\n\n"
        "（二）违反第四条规定的，处一百元以上二千元以下罚款。\n"
    )
    path = tmp_path / "test-regulation.md"
    path.write_text(text, encoding="utf-8")
    kb = KnowledgeBase.from_sources([read_document(path)])
    key = {c.clause: c.key for c in kb.clauses}
    cites = cited_by(kb.clauses)
    for article in ("第二条", "第四条"):
        assert cites[key[article]] == (key["第五条"], key["第七条"])
    # a penalty article's items name the articles they enforce bare ("违反第二条第一款规定的")
    assert cites[key["第三条"]] == (key["第五条"],)
    # another law's article number is not this document's; an article citing itself is not kept
    assert key["第六条"] not in cites and key["第一条"] not in cites


def test_a_penalty_is_asked_in_a_firms_words() -> None:
    assert "penalty" in question_kinds("我们提前交房了，会被怎么处理？")
    assert "penalty" in question_kinds("员工没持证上岗被查到了，有什么后果？")
    assert "penalty" in question_kinds("What are the consequences if we miss the deadline?")
    # what a firm should do with something is not a penalty
    assert "penalty" not in question_kinds("司机捡到乘客的东西，公司应该怎么处理？")


@NEEDS_CITY_CORPUS
@pytest.mark.parametrize(
    "question",
    [
        "我们是种子公司，给郊区农户推了一个本地根本没试验过的新品种栽培方法，结果减产了，有什么后果？",
        "We promoted a farming technique to farmers that was never tested locally. "
        "What penalty do we face?",
    ],
)
def test_the_penalty_article_leads_over_the_article_it_enforces(
    tmp_path: Path, question: str
) -> None:
    # 第二十条 forbids promoting untested techniques, in the question's words; 第三十一条
    # "违反本办法第二十条规定的…给予处罚" is the answer and says nothing of the act itself.
    retriever = city_services(
        tmp_path, "上海市实施《农业技术推广法》办法.md", "上海市动物防疫条例.md"
    ).qa.retriever

    def first() -> str:
        return retriever.search(question, 3).hits[0].clause.clause

    assert retriever.tuning.cited == 1.0
    assert first() == "第三十一条"
    retriever.tuning = replace(retriever.tuning, cited=0.0)
    assert first() != "第三十一条"
