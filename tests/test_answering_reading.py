"""The answer path's pure parts: what a question asks, the sentence that states it (whole,
never cut before its figure), places, "not covered" only when true, and validity in one
sentence per status. Real text from the seeds and from the city's regulations."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering import reading
from bot.answering.evidence import money_glosses, stating_part, whole_sentences, yuan
from bot.answering.places import other_place
from bot.answering.uncovered import _mis_split
from bot.answering.validity import notice, validity_lead
from bot.domain import Clause, DocumentMeta
from bot.question import analyse
from bot.retrieval.tokens import char_bigrams
from bot.text import normalize

TODAY = date(2026, 11, 29)
JIADING = DocumentMeta(
    id="jd",
    title="关于加快嘉定区直播和短视频产业发展的若干意见",
    title_en="Jiading Opinions",
    region="上海市嘉定区",
    valid_from=date(2024, 3, 1),
    valid_until=date(2025, 12, 31),
    interpreter="嘉定区商务委员会",
    aliases=("嘉定",),
)
SHANGHAI = DocumentMeta(id="sh", title="上海市推动直播经济高品质发展三年行动计划", region="上海市")
DOG_ARTICLE = (
    "第二十四条 违反本条例第二十二条规定，犬吠影响他人正常生活的，由公安部门处警告；"
    "警告后不改正的，处二百元以上五百元以下罚款。"
)


def clause(text: str, section: str = "第二十四条") -> Clause:
    return Clause(
        key=f"doc/{section}", doc_id="doc", doc_title="条例", section=section, clause=section,
        text=text, norm=normalize(text),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("狗叫影响邻居休息，警告后还不改会罚多少钱", "penalty"),
        ("上海市公路管理条例什么时候开始施行", "effective"),
        ("When did the Jiading policy take effect?", "effective"),
        ("上海直播三年行动计划到什么时候", "expiry"),
        ("上市奖励申报截止到哪天", "procedure"),
        ("养狗搬家了多少天内要去办变更", "duration"),
        ("嘉定要培训多少名网红达人", "count"),
        ("人才购房补贴最高多少", "amount"),
        ("上海养犬管理归哪个部门管", "who"),
        ("出租车司机可以拒载吗", "yesno"),
        ("Can foreign livestreamers get work permits in Shanghai?", "yesno"),
        ("丝路云品直播是什么", "general"),
    ],
)
def test_what_the_question_asks(question: str, asked: str) -> None:
    assert reading.asked(analyse(question)) == asked


def test_a_penalty_is_quoted_through_its_fine() -> None:
    sentence = whole_sentences(clause(DOG_ARTICLE))[0]
    pairs = set(char_bigrams("警告后还不改会罚多少钱"))
    part = stating_part(sentence, "penalty", pairs)
    assert part.endswith("处二百元以上五百元以下罚款。"), part
    # a piece that only orders correction is never the whole answer
    assert not part.endswith("处警告；")


def test_whole_sentences_keep_pieces_split_at_semicolons_together() -> None:
    text = "第十一条 饲养未登记、年检犬只的，由公安部门责令限期改正；逾期不改正的，对单位处一千元以上五千元以下罚款。"
    found = whole_sentences(clause(text, "第十一条"))
    assert len(found) == 1
    assert "责令限期改正；逾期不改正的" in found[0] and found[0].endswith("罚款。")


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        ("客运服务驾驶员不得拒绝乘客的运送要求。", "no"),
        ("禁止非法组织他人出卖血液。", "no"),
        ("任何单位或者个人有权向专利管理部门举报专利违法行为。", "yes"),
        ("鼓励跨境电商企业依法合规开展直播业务。", "yes"),
        ("本市生活垃圾按照以下标准分类。", "unsaid"),
        ("", "unsaid"),
    ],
)
def test_yes_no_verdict_from_the_sentence(sentence: str, verdict: str) -> None:
    assert reading.verdict_of(normalize(sentence)) == verdict


def test_figures_are_read_as_the_text_states_them() -> None:
    assert reading.figure(normalize("直播電商零售額力爭達到6000億元")) == "6000亿元"
    assert reading.figure("应当自变更之日起十五日内办理") == "十五日内"
    assert reading.figure("鼓励企业开展直播") == ""


@pytest.mark.parametrize(
    ("question", "meta", "place"),
    [
        ("徐汇的mcn能拿嘉定营收奖励吗", JIADING, "徐汇"),
        ("公司注册在闵行，经营在嘉定，能拿嘉定营收奖励吗", JIADING, "闵行"),
        ("宝山的直播基地能拿嘉定的特色园区补贴吗", JIADING, "宝山"),
        ("can an mcn registered in xuhui get the jiading revenue award?", JIADING, "徐汇"),
        ("嘉定的直播公司能拿营收奖励吗", JIADING, ""),
        ("松江的直播基地上海有什么支持吗", SHANGHAI, ""),
        ("我们在虹桥，出海遇到纠纷能找谁", SHANGHAI, ""),
    ],
)
def test_a_place_the_document_does_not_govern(
    question: str, meta: DocumentMeta, place: str
) -> None:
    assert other_place(question, meta, frozenset({"虹桥", "松江", "宝山"})) == place


@pytest.mark.parametrize(
    ("word", "question", "split"),
    [
        ("货主", "带货主播能落户上海吗", True),
        ("名网", "嘉定要培训多少名网红达人", True),
        ("汽车", "嘉定买新能源汽车有补贴吗", False),
    ],
)
def test_mis_split_words_are_not_subjects(word: str, question: str, split: bool) -> None:
    vocabulary = frozenset({"主播", "带货", "网红", "达人", "新能源"})
    assert _mis_split(word, question, vocabulary) is split


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (JIADING, ["不能了", "2025年12月31日", "已经失效"]),
        (SHANGHAI.__class__(**{**SHANGHAI.__dict__, "valid_until": date(2026, 12, 31), "valid_from": date(2024, 1, 1)}), ["可以", "2026年12月31日", "仍在有效期内"]),
        (SHANGHAI.__class__(**{**SHANGHAI.__dict__, "valid_from": date(2024, 1, 1)}), ["自2024年1月1日起施行", "没有写明截止日期"]),
        (SHANGHAI.__class__(**{**SHANGHAI.__dict__, "valid_from": date(2027, 1, 1)}), ["还没有生效", "2027年1月1日"]),
        (SHANGHAI.__class__(**{**SHANGHAI.__dict__, "repealed_by": "新条例"}), ["不能了", "新条例", "废止"]),
        (SHANGHAI, ["没有写明施行日期和有效期", "无法判断"]),
    ],
)  # fmt: skip
def test_validity_has_one_sentence_per_status(meta: DocumentMeta, expected: list[str]) -> None:
    lead = validity_lead(meta, TODAY, "zh", "市商务委", analyse("还有效吗"))
    for words in expected:
        assert words in lead, lead
    assert "现行有效" not in lead


def test_an_undated_or_in_force_document_gets_no_notice() -> None:
    assert notice(SHANGHAI, TODAY, "zh", "x") is None
    expired = notice(JIADING, TODAY, "en", "the Jiading commerce commission")
    assert expired is not None and "2025-12-31" in expired and "expired" in expired


def test_a_plan_that_ends_before_the_year_asked_about_says_so() -> None:
    meta = DocumentMeta(
        id="sh",
        title="计划",
        region="上海市",
        valid_from=date(2024, 1, 1),
        valid_until=date(2026, 12, 31),
    )
    lead = validity_lead(
        meta, TODAY, "zh", "市商务委", analyse("2027年还能按上海直播行动计划申请支持吗")
    )
    assert "2026年12月31日" in lead and "2027年" in lead


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        ("80", "万元", "800,000 yuan"),
        ("2.5", "亿元", "250,000,000 yuan"),
        ("3000", "元", "3,000 yuan"),
        ("1.23456", "万元", "1.23456 万元"),
    ],
)
def test_yuan_is_exact(amount: str, unit: str, expected: str) -> None:
    assert yuan(amount, unit) == expected


def test_money_glosses() -> None:
    assert money_glosses("力争达到6000亿元") == ["6000亿元 = 600,000,000,000 yuan"]
    assert money_glosses("培训100名网红达人") == []
