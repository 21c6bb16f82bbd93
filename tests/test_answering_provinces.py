"""The answer a user gets on documents no one here wrote (real regulations of other provinces,
tests/data/provinces/): a yes/no question is answered yes, no or "required" from the clause
that speaks to it, a figure question leads with the sentence that states the figure, an
English answer leads with the value asked, and no figure appears that no cited clause states.

Real documents, real BM25, jieba and the answer path; the fake embedder (``tests/fakes``)
stands in for e5, so retrieval here is lexical and fast.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fakes.services import fake_services

from bot.dialogue import answer_once
from bot.evaluation import unsourced_figures

TODAY = date(2026, 6, 1)
PROVINCES = Path(__file__).parent / "data" / "provinces"
LOADED = (
    "zj-commodity-markets.md", "hn-employment.md", "sd-labour-contracts.md",
    "sd-enterprise-rights.md", "sd-work-safety.md", "nb-trade-secrets.md",
)  # fmt: skip


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("provinces")
    for name in LOADED:
        shutil.copy(PROVINCES / name, folder / name)
    return fake_services(tmp_path_factory.mktemp("data"), documents=folder)


@pytest.mark.parametrize(
    ("question", "lead", "says", "never"),
    [
        # yes/no: the prohibition among the top clauses answers, quoted whole
        ("我们在市场里租了个摊位，营业执照能借给别人用吗", "不能。", "不得出租、出借营业执照", "没有写明"),
        ("员工没通过安全生产培训能不能直接上岗", "不能。", "不得上岗作业", "没有写明"),
        ("用人单位可以替员工保管劳动合同文本吗", "不能。", "不得替劳动者保管", "没有写明"),
        ("从业人员上岗前必须经过安全生产培训吗", "需要。", "安全生产教育和培训", "可以。"),
        ("用人单位可以要求劳动者提供担保吗", "不能。", "不得要求劳动者提供担保", "没有写明"),
        # a duration: the sentence that states it leads, never a date of entry into force
        ("用人单位招了人，多少天内要为劳动者办理就业登记", "", "三十日内", "施行"),
        ("劳动合同期满员工继续干活，单位要在多久内续订劳动合同", "", "一个月内", "施行"),
        ("用工單位簽了勞務派遣協議，要在幾天內報勞動部門備案？", "", "三十日内", "施行"),
        ("宁波企业跟员工签竞业限制，最长能限制几年", "", "二年", "没有写明"),
        # a fine: quoted through its figure
        ("没及时给员工办就业失业登记，拒不改正罚多少", "", "二百元以上五百元以下", "没有写明"),
        # English: the value asked leads (a range with both ends), then the sentence
        ("In Henan, what is the fine for an employer that does not register its workers' "
         "employment and refuses to correct it?", "", "二百元以上五百元以下", "states 三"),
    ],
)  # fmt: skip
def test_the_lead_states_what_was_asked(
    provinces: Any, question: str, lead: str, says: str, never: str
) -> None:
    answer = answer_once(provinces, question, TODAY)
    first = answer.text.splitlines()[0]
    head = " ".join(answer.text.splitlines()[:2])
    assert first.startswith(lead), answer.text
    assert says in head, answer.text
    assert never not in first, answer.text
    assert unsourced_figures(answer, question) == (), answer.text


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        # money stays as the clause states it (see ``answering.numerals``)
        ("In Henan, what is the fine for an employer that does not register its workers' "
         "employment and refuses to correct it?", "二百元以上五百元以下"),
        # a time limit in Chinese numerals is given in English too
        ("In Shandong, how many days does the other side have to respond in writing to a "
         "request for collective bargaining?", "十日内 (within 10 days)"),
    ],
)  # fmt: skip
def test_an_english_answer_leads_with_the_value_asked(
    provinces: Any, question: str, figure: str
) -> None:
    first = answer_once(provinces, question, TODAY).text.splitlines()[0]
    assert first.startswith("The ") and first.endswith(f"states {figure}:"), first


def test_an_english_answer_quotes_the_whole_clause_it_rests_on(provinces: Any) -> None:
    # The dictionary's words for the question meet the article's last sentence (the workers'
    # own duty to learn) as well as the one that answers (training before starting work): the
    # English reader gets the article whole, after the lead.
    question = (
        "In Shandong, must an employer give new staff safety training before they start work?"
    )
    answer = answer_once(provinces, question, TODAY)
    lines = answer.text.splitlines()
    assert lines[0].startswith("The 《山东省安全生产条例》, 第二十八条"), answer.text
    assert "应当在上岗前及时进行安全生产教育和培训" in lines[1], answer.text
    assert lines[1].startswith("「生产经营单位应当定期") and lines[1].endswith("应急处置能力。」")
    assert unsourced_figures(answer, question) == (), answer.text


def test_an_english_answer_quotes_only_the_sentence_of_a_long_clause() -> None:
    import re

    from bot.answering.evidence import ENGLISH_WHOLE, quoted_for_english, whole_sentences
    from bot.domain import Clause
    from bot.text import normalize

    # 山东省消费者权益保护条例 第二十九条 (online sales, seven days' return): 300 characters
    text = (PROVINCES / "sd-consumer-protection.md").read_text(encoding="utf-8")
    article = re.search(r"^第二十九条 (.+?)(?=^第三十条 )", text, re.M | re.S)
    assert article is not None
    whole = "第二十九条" + "".join(article.group(1).split())
    assert len(whole) > ENGLISH_WHOLE
    clause = Clause(key="sd/29", doc_id="sd", doc_title="山东省消费者权益保护条例",
                    section="第二十九条", clause="第二十九条", text=whole,
                    norm=normalize(whole))  # fmt: skip
    sentences = whole_sentences(clause)
    assert len(sentences) > 1
    assert quoted_for_english(clause, sentences[1]) == sentences[1]
    # a clause short enough is quoted whole, whichever of its sentences was chosen
    short = Clause(key="sd/29a", doc_id="sd", doc_title="山东省消费者权益保护条例",
                   section="第二十九条", clause="第二十九条", text="".join(sentences[:2]),
                   norm=normalize("".join(sentences[:2])))  # fmt: skip
    assert quoted_for_english(short, sentences[1]) == "".join(sentences[:2]).strip()


def test_an_english_question_gets_no_verdict_from_a_clause_on_something_else(
    provinces: Any,
) -> None:
    # Retrieval (lexical here) puts first the article on suspending a labour contract: "因不可
    # 抗力…" (force majeure) is no prohibition, and "劳动合同可以中止" permits suspending the
    # contract, which is no "yes" to keeping a worker's copy of it. Quoted without a verdict.
    question = "Can an employer in Shandong keep the worker's copy of the labour contract?"
    answer = answer_once(provinces, question, TODAY)
    first = answer.text.splitlines()[0]
    assert first.startswith("The 《山东省劳动合同条例》"), answer.text
    assert not first.startswith(("No", "Yes")), answer.text


@pytest.fixture(scope="module")
def wage_bargaining(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("wages")
    shutil.copy(PROVINCES / "hn-wage-bargaining.md", folder / "hn-wage-bargaining.md")
    return fake_services(tmp_path_factory.mktemp("data"), documents=folder)


@pytest.mark.parametrize(
    ("question", "unsaid"),
    [
        # the article says how and by when to apply: it answers
        ("工资集体协商一直谈不拢，我们想找劳动部门协调，怎么申请？", False),
        # it names nothing to hand in: what to submit is not stated
        ("工资集体协商谈不拢，申请劳动部门协调需要什么材料？", True),
    ],
)
def test_an_article_that_says_how_to_apply_answers_a_question_on_the_procedure(
    wage_bargaining: Any, question: str, unsaid: bool
) -> None:
    answer = answer_once(wage_bargaining, question, TODAY)
    first = answer.text.splitlines()[0]
    assert first.startswith("文件没有写明申报流程") == unsaid, answer.text
    assert "以书面形式向有管辖权的劳动行政部门提出协调处理申请" in answer.text


@pytest.fixture(scope="module")
def zhejiang(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A province's e-commerce regulation beside one of its cities' own."""
    folder = tmp_path_factory.mktemp("zhejiang")
    for name in ("zj-ecommerce.md", "hz-cross-border-ecommerce.md"):
        shutil.copy(PROVINCES / name, folder / name)
    return fake_services(tmp_path_factory.mktemp("data"), documents=folder)


def test_a_city_named_does_not_hide_its_provinces_regulation(zhejiang: Any) -> None:
    from bot.answering import answer
    from bot.answering.plan import Topic
    from bot.knowledge.coverage import governing
    from bot.question import analyse
    from bot.retrieval.retriever import Hit

    documents = zhejiang.kb.documents
    # Zhejiang's regulations hold Hangzhou's region; Hangzhou's hold no wider one
    assert governing({"hz-cross-border-ecommerce"}, documents) == {"zj-ecommerce"}
    assert governing({"zj-ecommerce"}, documents) == frozenset()
    # "杭州" names Hangzhou's own regulation (cross-border e-commerce), which says nothing of
    # reviews; retrieval put Zhejiang's, which governs Hangzhou, first: it answers
    question = "我们在杭州开网店，能不能删掉顾客的差评？"
    named = zhejiang.qa.retriever.preferred_documents(analyse(question).norm)
    assert named == {"hz-cross-border-ecommerce"}
    clauses = {c.key: c for c in zhejiang.kb.clauses}
    reviews = next(c for c in clauses.values() if "不得删除消费者" in c.text)
    hangzhou = [c for c in clauses.values() if c.doc_id == "hz-cross-border-ecommerce"][5:7]
    sources = zhejiang.qa.sources()

    def answered(order: list[Any]) -> str:
        hits = [Hit(c, 1.0 - 0.1 * i, 0.9, 5.0) for i, c in enumerate(order)]
        composed = answer(analyse(question), hits, sources, Topic(), TODAY, "zh", named=named)
        assert composed is not None
        return composed.text

    assert answered([reviews, *hangzhou]).startswith("不能。")
    # below the named document's clauses, it is not what the question named
    assert "不得删除消费者" not in answered([*hangzhou, reviews]).split("\n")[0]
