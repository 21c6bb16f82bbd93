"""The answer path's pure parts: what a question asks, the sentence that states it (whole,
never cut before its figure), places, "not covered" only when true, and validity in one
sentence per status. Real text from the seeds and from the city's regulations."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import CITY_CORPUS, KNOWLEDGE

from bot.answering import reading, yesno
from bot.answering.evidence import (
    best_sentence,
    money_glosses,
    score_gap,
    stating_part,
    whole_sentences,
    yuan,
)
from bot.answering.gate import _NO_RULES
from bot.answering.places import other_place
from bot.answering.plan import Sources
from bot.answering.uncovered import _mis_split, _one_character_more
from bot.answering.validity import notice, validity_lead
from bot.answering.yesno import yesno_reading
from bot.domain import Clause, DocumentMeta
from bot.question import analyse
from bot.retrieval.retriever import Hit
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
        # English words of a penalty are whole words: "penalt" and "punish" met neither
        # "penalty" nor "punished", and "Can a hotel be fined…" was read as a plain yes/no
        # ("The documents do not say", though the article on its fine was cited second)
        ("Can a hotel be fined for offering disposable toiletries to guests?", "penalty"),
        ("What is the penalty for selling fake goods?", "penalty"),
        ("Will we be punished if we miss the deadline?", "penalty"),
        ("上海市公路管理条例什么时候开始施行", "effective"),
        ("When did the Jiading policy take effect?", "effective"),
        ("这个政策什么时候开始？", "effective"),
        # when a firm starts doing something is not when the document took effect ("新招的员工
        # 住房公积金从什么时候开始交" was told the regulation's date of 2006)
        ("新招的员工住房公积金从什么时候开始交？", "general"),
        ("今年的直播产业扶持资金什么时候开始申报？", "general"),
        ("上海直播三年行动计划到什么时候", "expiry"),
        ("上市奖励申报截止到哪天", "procedure"),
        ("养狗搬家了多少天内要去办变更", "duration"),
        ("饭店发生食物中毒，几个小时内要报告", "duration"),  # a time limit in hours
        ("How many hours do we have to report a workplace accident?", "duration"),
        ("嘉定要培训多少名网红达人", "count"),
        ("人才购房补贴最高多少", "amount"),
        ("上海养犬管理归哪个部门管", "who"),
        ("出租车司机可以拒载吗", "yesno"),
        ("Can foreign livestreamers get work permits in Shanghai?", "yesno"),
        # a phone number asked for is a question on the procedure; a call told of, or a
        # telephone cable, is not
        ("申报窗口的联系电话是多少", "procedure"),
        ("城管打电话说我们的车停在人行道上，我们有多长时间去清走？", "duration"),
        ("我们工地下面埋着电话线缆，动工前要先通知谁？", "general"),
        ("我们收集了客户的电话号码，能不能打电话推销？", "yesno"),
        ("What is the phone number to ask about the listing award?", "procedure"),
        (
            "We collect our customers' phone numbers and addresses. How long may we keep them?",
            "duration",
        ),
        ("丝路云品直播是什么", "general"),
    ],
)
def test_what_the_question_asks(question: str, asked: str) -> None:
    assert reading.asked(analyse(question)) == asked


@pytest.mark.parametrize(
    ("question", "last"),
    [
        (
            "We screen films for a ticket fee. A primary school asked us to run paid movie "
            "nights there. Are we allowed to do that?",
            True,
        ),
        (
            "We run a car hire firm. A customer refuses to show ID, can we still rent him the car?",
            True,
        ),
        ("We run a car hire firm. What do we check when we rent a car out?", False),
        ("Can we defer our social insurance?", False),  # a yes/no question from its start
        ("我们租车公司，客户不出示身份证，还能租给他吗？", False),
    ],
)
def test_a_yes_or_no_asked_after_a_firms_story(question: str, last: bool) -> None:
    assert reading.asks_yesno_last(analyse(question)) is last


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
    assert reading.figure("应当自变更之日起十五日内办理", "duration") == "十五日内"
    assert reading.figure("鼓励企业开展直播") == ""


# Real clause texts of tests/data/provinces/: the figure of the kind asked, a range whole.
@pytest.mark.parametrize(
    ("sentence", "kind", "figure"),
    [
        ("由应急管理部门责令限期改正，处二万元以上五万元以下的罚款", "penalty", "二万元以上五万元以下"),
        ("处以二百元以上五百元以下罚款", "penalty", "二百元以上五百元以下"),
        ("提取不低于百分之七十的比例用于奖励", "amount", "百分之七十"),
        ("年补偿费不得低于该员工离职前一年从该企业获得的年报酬总额的二分之一", "amount", "二分之一"),
        ("本条例自2013年10月1日起施行", "duration", ""),  # a date is no duration
        # nor a day of a month, nor the year before (上海市精神卫生条例 第二十八条: "How many
        # days of maternity leave…" was told it "states 3月", then "一年 (1 year)")
        ("心理咨询机构应当于每年3月31日前，向卫生计生部门报告上一年度开展心理咨询业务的情况", "duration", ""),
        ("应当于每年十二月三十一日前报送，有效期为三年", "duration", "三年"),
        ("应当自劳动合同期满之日起一个月内与劳动者续订劳动合同", "duration", "一个月内"),
        ("工资专项集体合同有效期限为一至三年", "duration", "一至三年"),
        ("发生生产安全事故后，应当在一小时内向安全生产监管部门报告", "duration", "一小时内"),
        ("情况紧急时，应当在三十分钟内报告", "duration", "三十分钟内"),
        ("劳动保障监察员进行调查、检查时不得少于二人", "count", "二人"),
        ("形成10个全国领先的头部直播平台，直播电商零售额力争达到6000亿元", "count", "10个"),
        ("本条例自2022年3月1日起施行", "effective", "自2022年3月1日起施行"),
        ("处违法所得一倍以上三倍以下的罚款", "penalty", "一倍以上三倍以下"),
    ],
)  # fmt: skip
def test_the_figure_of_the_kind_asked(sentence: str, kind: str, figure: str) -> None:
    assert reading.figure(sentence, kind) == figure
    assert reading.states_figure(kind, sentence) is bool(figure)


@pytest.mark.parametrize(
    ("question", "meta", "place"),
    [
        ("徐汇的mcn能拿嘉定营收奖励吗", JIADING, "徐汇"),
        ("公司注册在闵行，经营在嘉定，能拿嘉定营收奖励吗", JIADING, "闵行"),
        # "注册地址在…": the place, not "址在闵行" (a Shanghai district told it was outside
        # Shanghai's own regulation)
        ("我们公司注册地址在闵行，想在浦东另外租个地方开展业务", SHANGHAI, ""),
        ("公司注册地址在闵行，能拿嘉定营收奖励吗", JIADING, "闵行"),
        ("注册地是浦东新区的直播公司，上海有什么支持吗", SHANGHAI, ""),
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
        ("时能", "单位招聘时能不能要求应聘者交押金", True),
        ("押金", "单位招聘时能不能要求应聘者交押金", False),
    ],
)
def test_mis_split_words_are_not_subjects(word: str, question: str, split: bool) -> None:
    vocabulary = frozenset({"主播", "带货", "网红", "达人", "新能源"})
    assert _mis_split(word, question, vocabulary) is split


@pytest.mark.parametrize(
    ("word", "covered"),
    [
        ("店门口", True),  # the 门口 of a shop: the documents speak of 门口
        ("小餐馆", True),
        ("新能源汽车", False),  # not any car: the documents say nothing of electric ones
        ("门口", False),  # a word of its own is in the vocabulary or not
        ("转租给", True),  # jieba's 转租给 (给别人): the documents speak of 转租
        ("转租人", False),  # a sublessor is not a sublease
    ],
)
def test_a_word_the_documents_use_with_one_character_before_it_is_covered(
    word: str, covered: bool
) -> None:
    vocabulary = frozenset({"门口", "餐馆", "汽车", "人行道", "转租"})
    assert _one_character_more(word, vocabulary) is covered


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


# --------------------------------------------------------------- yes/no from any clause
PROVINCES = Path(__file__).parent / "data" / "provinces"
NO_RULES = Sources(documents={}, clauses=(), rulebook=_NO_RULES)


def article(name: str, label: str) -> Hit:
    """An article of a real regulation of tests/data/provinces/, as a retrieved clause."""
    lines = (PROVINCES / name).read_text(encoding="utf-8").splitlines()
    text = next(line for line in lines if line.startswith(label + " "))
    return Hit(clause(text, label), 1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("question", "hits", "verdict", "words"),
    [
        ("我们在市场里租了个摊位，营业执照能借给别人用吗",
         [("zj-commodity-markets.md", "第二十九条"), ("zj-commodity-markets.md", "第二十条")],
         "no", "不得出租、出借营业执照"),
        ("员工没通过安全生产培训能不能直接上岗",
         [("sd-work-safety.md", "第二十八条")], "no", "不得上岗作业"),
        ("从业人员上岗前必须经过安全生产培训吗",
         [("sd-work-safety.md", "第二十八条")], "must", "安全生产教育和培训"),
        ("政府搞企业评比达标能向企业收钱吗",
         [("sd-enterprise-rights.md", "第十七条")], "no", "不得以任何方式向企业收取费用"),
        ("河南的政府機關可以拖欠企業的工程款嗎？",
         [("hn-business-environment.md", "第十七条"), ("hn-business-environment.md", "第二十六条")],
         "no", "不得违反合同约定拖欠"),
        ("自贸区鼓励投资者设立融资租赁企业吗",
         [("sd-free-trade-zone.md", "第三十一条")], "supported", "鼓励并支持投资者"),
        ("没及时给员工办就业失业登记可以吗",
         [("hn-employment.md", "第五十八条")], "no", "处以二百元以上五百元以下罚款"),
        ("这在浙江合法吗，网店用大数据给老客户卖得更贵",
         [("zj-ecommerce.md", "第十四条")], "forbidden", "不合理差别待遇"),
        ("公司招了人需要给员工办就业登记吗",
         [("hn-employment.md", "第二十六条"), ("hn-employment.md", "第三十一条")],
         "must", "三十日内为劳动者办理就业登记"),
    ],
)  # fmt: skip
def test_a_yes_no_question_is_read_from_the_clause_that_speaks_to_it(
    question: str, hits: list[tuple[str, str]], verdict: str, words: str
) -> None:
    found = yesno_reading(analyse(question), [article(*h) for h in hits], NO_RULES)
    assert found is not None
    assert found.verdict == verdict
    assert words in found.sentence.text


def city_article(name: str, label: str, line: str = "") -> Hit:
    """An article (or a paragraph of one, by its opening ``line``) of a Shanghai regulation
    of ``../shared/corpus``, as a retrieved clause."""
    lines = (CITY_CORPUS / name).read_text(encoding="utf-8").splitlines()
    text = next(row for row in lines if row.startswith(line or label + " "))
    return Hit(clause(text, label), 1.0, 1.0, 1.0)


def test_a_prohibition_of_something_else_gives_no_no() -> None:
    asked = analyse("单位招聘时能不能要求应聘者交押金？")
    # an article on hiring that forbids hiring applicants with a record (不得录用) names 招聘
    # and 应聘者 but says nothing of a deposit: no "不能" from it
    records = city_article(
        "上海市妇女权益保障条例(2024-09-27).md", "第四十七条", "密切接触未成年人的单位招聘"
    )
    found = yesno_reading(asked, [records], NO_RULES)
    assert found is None or found.verdict != "no"
    # the 不 of the question's 能不能 and of what is forbidden (不一致) is no shared subject
    ads = city_article(
        "上海市地方金融监督管理条例(2020-04-10).md", "第二十八条", "广告经营者和广告发布者"
    )
    found = yesno_reading(analyse("我们公司能不能用员工的照片做广告"), [ads], NO_RULES)
    assert found is None or found.verdict != "no"
    # a question with no modal word ("这样行吗") is read by its word pairs only: one character
    # (票 of 门票 and 联票) is no shared subject
    rule = city_article("上海市旅游条例(2020-05-14).md", "第四十五条")
    prices = city_article("上海市旅游条例(2020-05-14).md", "第四十五条", "实行政府指导价的景区")
    text = f"{rule.clause.text}\n{prices.clause.text}"  # the article, both paragraphs
    tickets = Hit(clause(text, "第四十五条"), 1.0, 1.0, 1.0)
    temple = "景区里有座寺庙，想出资把它整个包下来运营，门票和香火钱我们分成，这样行吗？"
    found = yesno_reading(analyse(temple), [tickets], NO_RULES)
    assert found is None or found.verdict != "no"
    found = yesno_reading(analyse("景区能强行卖联票吗？"), [tickets], NO_RULES)
    assert found is not None and found.verdict == "no"
    # the article that forbids charging applicants anything answers it
    fees = city_article("上海市人才流动条例.md", "第十一条")
    found = yesno_reading(asked, [records, fees], NO_RULES)
    assert found is not None and found.verdict == "no"
    assert "不得以任何名义向应聘人员收取费用" in found.sentence.text


def test_a_permission_is_no_yes_to_whether_one_may_not_do_something() -> None:
    # "may we not pay our staff's social insurance?" is not answered "可以" by an article that
    # lets domestic workers join it
    joining = city_article("上海市家政服务条例(2019-12-19).md", "第九条", "家政服务人员与员工制")
    found = yesno_reading(analyse("我们公司可以不给员工交社保吗？"), [joining], NO_RULES)
    assert found is None or found.verdict != "yes"
    # a permission not to do it is a "yes"
    bidding = city_article("上海市建筑市场管理条例.md", "第十八条")
    found = yesno_reading(
        analyse("没用国有资金投资的建设工程可以不进行招标发包吗？"), [bidding], NO_RULES
    )
    assert found is not None and found.verdict == "yes"
    assert "可以不进行招标发包" in found.sentence.text


def test_a_duty_about_another_act_is_no_answer_to_whether_one_may() -> None:
    # "may a courier open a customer's parcel?" is not answered by a courier's duty to report
    # a new branch, though both speak of 快递 (and of 自: "自工商变更登记之日起")
    branch = city_article(
        "上海市实施《邮政法》办法.md", "第二十条", "快递企业在本市行政区域内设立分支机构"
    )
    found = yesno_reading(analyse("快递公司可以私自拆开客户的包裹吗？"), [branch], NO_RULES)
    assert found is None
    # a duty about the act asked is still read
    found = yesno_reading(analyse("快递公司开了分公司可以不去备案吗？"), [branch], NO_RULES)
    assert found is not None and "备案" in found.sentence.text


def test_a_firm_that_tells_its_case_first_is_answered_on_what_it_asks() -> None:
    # the shop, its doorway and its flower stands are no words of a rule; what it asks last
    # (占用人行道, 审批) is, and "禁止擅自占用…" says leave is needed
    pavement = city_article("上海市城市道路管理条例.md", "第二十七条")
    asked = analyse("我们花店生意好，想在门口人行道上放几个花架，占用人行道要审批吗？")
    found = yesno_reading(asked, [pavement], NO_RULES)
    assert found is not None and found.verdict == "must"
    assert "禁止擅自占用城市道路人行道" in found.sentence.text
    lease = city_article(
        "上海市安全生产条例(2018-05-24).md", "第三十条", "生产经营单位出租厂房、场所给其他单位"
    )
    asked = analyse("仓库空着一半，打算分租给一家物流公司，需要跟他们签安全管理协议吗？")
    found = yesno_reading(asked, [lease], NO_RULES)
    assert found is not None and found.verdict == "must"
    assert "签订安全生产管理协议" in found.sentence.text
    # what it asks last is not in the article: no verdict from it
    asked = analyse("我们花店想在门口人行道上放几个花架，需要给店员买商业保险吗？")
    found = yesno_reading(asked, [pavement], NO_RULES)
    assert found is None or found.verdict != "must"


@pytest.mark.parametrize(
    ("issuers", "says"),
    [
        (("上海市人民代表大会常务委员会",), "这一条没有写明责任单位；《条例》由上海市人民代表大会常务委员会印发。"),
        # no line of the document names its issuer: no "由印发" with nobody in it
        ((), "这一条没有写明责任单位。"),
    ],
)  # fmt: skip
def test_a_clause_that_names_no_unit_is_answered_so(issuers: tuple[str, ...], says: str) -> None:
    from bot.answering import Topic, answer

    meta = DocumentMeta(id="doc", title="条例", region="上海市", issuers=issuers)
    stores = clause("第二十条 仓储场所应当配备灭火器材，并定期检查。", "第二十条")
    sources = Sources(documents={"doc": meta}, clauses=(stores,), rulebook=_NO_RULES)
    asked = analyse("仓库配灭火器这件事归哪个部门管？")
    hits = [Hit(stores, 1.0, 1.0, 1.0)]
    composed = answer(asked, hits, sources, Topic(), TODAY, "zh")
    assert composed is not None
    assert composed.text.splitlines()[0] == says


def test_a_clause_that_names_an_office_is_not_said_to_name_none() -> None:
    from bot.answering import Topic, answer

    # "市知识产权局对专利侵权纠纷作出处理决定的…": the office is named, not 格局 or 局面
    decisions = city_article("上海市专利保护条例.md", "第二十三条")
    meta = DocumentMeta(id="doc", title="上海市专利保护条例", region="上海市")
    sources = Sources(documents={"doc": meta}, clauses=(decisions.clause,), rulebook=_NO_RULES)
    asked = analyse("别人抄袭了我们的专利产品，在上海可以找哪个部门投诉？")
    composed = answer(asked, [decisions], sources, Topic(), TODAY, "zh")
    assert composed is not None
    assert "没有写明责任单位" not in composed.text
    assert "市知识产权局" in composed.text.splitlines()[0]
    assert not reading.states("who", "优化本市产业布局，改变局面")


def test_asked_whom_to_go_to_the_sentence_of_the_article_naming_the_office_is_quoted() -> None:
    # 第二十条 of the parks regulation names the office in its first sentence ("…并经市或者区
    # 绿化行政管理部门批准") and none in its second, the passage nearest the question, which was
    # quoted with "这一条没有写明责任单位" before it (the hits, their passages and the question's
    # subject words as the city's index and the answer gave them)
    name = "上海市公园管理条例(2017-11-23).md"
    moved = "因公园建设需要搬迁或者撤销公园内商业服务设施的，有关单位和个人应当服从。"
    filed = "公园建设单位应当在施工前将建设项目设计方案报绿化行政管理部门备案，"
    shops = city_article(name, "第二十条").clause  # its first paragraph; the second is ``moved``
    shops = clause(f"{shops.text}\n{moved}", "第二十条")
    hits = [
        Hit(shops, 1.0, 1.0, 1.0, normalize(moved)),
        replace(city_article(name, "第十条"), score=0.86, near=normalize(filed)),
        replace(city_article("上海市殡葬管理条例.md", "第十三条"), score=0.82),
    ]
    question = "我们在公园里开个咖啡亭，要找哪个部门审批？"
    best = best_sentence(question, hits, "who", (), ("公园", "开个", "咖啡", "审批"))
    assert best is not None and best.clause.clause == "第二十条"
    assert "并经市或者区绿化行政管理部门批准" in best.text
    assert reading.states("who", normalize(best.text))


def test_no_is_the_answer_only_to_whether_one_may() -> None:
    # a penalty for a firm that lost its licence is no "不能" to whether the firm answers for
    # a driver's refusal: the question asks for no leave
    licence = city_article("上海市出租汽车管理条例.md", "第五十一条")
    found = yesno_reading(analyse("我们出租车公司的司机拒载，公司要担责吗？"), [licence], NO_RULES)
    assert found is None or found.verdict != "no"
    # asked whether it complies, a ban says it does not
    fees = city_article("上海市人才流动条例.md", "第十一条")
    asked = analyse("我们公司招聘的时候，想向来面试的人收一笔报名费，这样做合规吗？")
    found = yesno_reading(asked, [fees], NO_RULES)
    assert found is not None and found.verdict == "forbidden"
    # so is a question whether it is proper (合理)
    checks = article("hn-product-quality.md", "第十条")
    asked = analyse("抽查我们产品的部门让我们付检验费，合理吗？")
    found = yesno_reading(asked, [checks], NO_RULES)
    assert found is not None and found.verdict == "forbidden"


def test_a_no_smoking_area_named_is_no_prohibition() -> None:
    name = "上海市公共场所控制吸烟条例.md"
    # "…设立为临时禁止吸烟区域" and "要求禁止吸烟场所所在单位履行禁止吸烟义务" name an area and a
    # duty: neither is a "no" to smoking in an internet café
    temporary = city_article(name, "第七条", "市和区人民政府可以根据大型活动的需要")
    anyone = city_article(name, "第十条")
    asked = analyse("网吧里能吸烟吗？")
    for named in (temporary, anyone):
        found = yesno_reading(asked, [named], NO_RULES)
        assert found is None or found.verdict != "no"
    found = yesno_reading(asked, [temporary, anyone, city_article(name, "第六条")], NO_RULES)
    assert found is not None and found.verdict == "no"
    assert found.sentence.text.startswith("室内公共场所、室内工作场所、公共交通工具内禁止吸烟")
    # a prohibition that names an area forbids: "禁止在以下区域停放", "禁止进入施工区域"
    assert yesno.verdict_of("禁止在以下区域停放电动自行车。", False) == "no"
    assert yesno.verdict_of("禁止进入施工区域", False) == "no"


def test_a_prohibition_the_modal_reading_found_about_else_leads_no_no() -> None:
    from bot.answering import Topic, answer

    # "招收已满十六周岁未满十八周岁的未成年人的，…不得安排其从事过重…的劳动" rules how a firm
    # employs a sixteen-year-old; it is no 不能 to hiring one for the summer
    name = "上海市未成年人保护条例.md"
    rules = city_article(name, "第二十九条", "任何组织和个人依照国家有关规定招收已满十六周岁")
    meta = DocumentMeta(id="doc", title="上海市未成年人保护条例", region="上海市")
    sources = Sources(documents={"doc": meta}, clauses=(rules.clause,), rulebook=_NO_RULES)
    asked = analyse("我们公司想招一个16岁的暑期工，可以吗？")
    composed = answer(asked, [rules], sources, Topic(), TODAY, "zh")
    assert composed is not None
    lead = composed.text.splitlines()[0]
    assert not lead.startswith("不能") and "不得安排其从事过重" in lead


def test_a_long_act_asked_about_must_be_what_is_forbidden() -> None:
    # the question and the prohibition share a place or the people (人行道; 老人 ~ 老年人), not
    # what the firm asks to do (摆桌子, 用束缚带): no 不能
    billboards = city_article("上海市城市道路管理条例.md", "第二十七条", "占用人行道设置广告牌的")
    found = yesno_reading(analyse("我们餐馆门口的人行道能摆桌子吗？"), [billboards], NO_RULES)
    assert found is None or found.verdict != "no"
    housing = city_article("上海市老年人权益保障条例(2016-01-29).md", "第十七条")
    found = yesno_reading(analyse("我们养老院能给老人用束缚带吗？"), [housing], NO_RULES)
    assert found is None or found.verdict != "no"
    # what is forbidden is the act (降低…工资): 不能
    women = city_article(
        "上海市妇女权益保障条例(2024-09-27).md", "第四十五条", "用人单位不得因结婚、怀孕"
    )
    asked = analyse("员工怀孕了，公司能不能把她调到工资低的岗位？")
    found = yesno_reading(asked, [women], NO_RULES)
    assert found is not None and found.verdict == "no"
    # the party the act is done to ("向快递公司收…") is no part of it: "不得收取任何费用" shares
    # 收 and 费 with it, and its sentence names 物业 and 快递 of the question: 不能; "不得经营快递业
    # 务" shares only the party: none
    access = city_article("上海市实施《邮政法》办法.md", "第二十七条")
    licence = city_article("上海市实施《邮政法》办法.md", "第二十条")
    asked = analyse(
        "我们是小区的物业公司，快递员每天进进出出送件，我们能不能向快递公司收点进门费或者管理费？"
    )
    found = yesno_reading(asked, [licence], NO_RULES)
    assert found is None or found.verdict != "no"
    found = yesno_reading(asked, [access], NO_RULES)
    assert found is not None and found.verdict == "no"
    # only the piece of the sentence that forbids counts: "…酒店…落实客户身份查验…义务；对客户身份不明
    # 或者拒绝身份查验的，不得提供服务" is no 不能 to holding a guest's identity card
    hotels = city_article("上海市实施《反恐怖主义法》办法(2021-10-28).md", "第二十一条")
    found = yesno_reading(analyse("我们酒店能不能要求客人押身份证？"), [hotels], NO_RULES)
    assert found is None or found.verdict != "no"
    # the glossary's word for the food (精致食品) is not what the question asks to do (降价卖):
    # "禁止…将超过保质期的食品…退回…" is no 不能 to selling it cheaper, and is one to returning it
    food = city_article(
        "上海市食品安全条例(2017-01-20).md", "第二十九条", "禁止食品生产经营者将超过"
    )
    terms = ("精致食品",)
    found = yesno_reading(analyse("我们超市快过期的食品能降价卖吗？"), [food], NO_RULES, terms)
    assert found is None or found.verdict != "no"
    asked = analyse("我们能不能把过期的食品退回给供货商？")
    found = yesno_reading(asked, [food], NO_RULES, terms)
    assert found is not None and found.verdict == "no"
    # asked whether one may, then "还是只能…": the act asked is the first (退回), not 只能's
    asked = analyse("仓库里有一批食品过期了，能不能退给厂家？还是只能自己销毁？")
    found = yesno_reading(asked, [food], NO_RULES)
    assert found is not None and found.verdict == "no"


def test_how_much_notice_asks_for_days_not_money() -> None:
    from bot.retrieval.intent import question_kinds

    question = "The power company wants to cut our electricity. How much notice must they give?"
    assert question_kinds(question) == ["duration"]
    assert reading.asked(analyse(question)) == "duration"
    assert question_kinds("How far in advance do we have to notify the port?") == ["duration"]
    assert "amount" in question_kinds("How much is the fine for that?")


def test_the_units_of_a_clause_about_something_else_are_not_who_to_ask() -> None:
    from bot.answering import Topic, answer

    text = (
        "（七）鼓励直播和短视频产业化发展，建立完备的集货体系，打通设计研发、生产制造、品牌打造、"
        "线下网点和仓储物流体系等产业链各环节。"
    )
    outlets = replace(clause(text, "（七）"), responsible=("区经委", "区商务委", "各街镇"))
    meta = DocumentMeta(id="doc", title="若干意见", region="上海市嘉定区")
    sources = Sources(documents={"doc": meta}, clauses=(outlets,), rulebook=_NO_RULES)
    hits = [Hit(outlets, 1.0, 1.0, 1.0)]
    sign = analyse("我们想在自家门店外墙挂一个招牌，要找谁批？")
    composed = answer(sign, hits, sources, Topic(), TODAY, "zh")
    assert composed is not None
    lead = composed.text.splitlines()[0]
    assert lead.startswith("文件没有写明这一点") and "区经委" not in composed.text.splitlines()[0]
    # asked about what the clause speaks of, its units answer
    asked = analyse("打通线下网点这件事找谁？")
    composed = answer(asked, hits, sources, Topic(), TODAY, "zh")
    assert composed is not None
    assert composed.text.splitlines()[0].startswith("负责单位：区经委")


def test_when_a_document_took_effect_is_read_from_the_force_clause_found_first() -> None:
    from bot.answering import Topic, answer

    # retrieval puts the force clause of the document meant first; the second's "本条例" shares
    # 条例 with "regulation", and must not answer instead
    cards = replace(clause("第三十一条 本规定自2019年1月1日起施行。", "第三十一条"), doc_id="cards")
    credit = replace(
        clause("第五十六条 本条例自2017年10月1日起施行。", "第五十六条"), doc_id="credit"
    )
    documents = {
        "cards": DocumentMeta(id="cards", title="上海市单用途预付消费卡管理规定", region="上海市"),
        "credit": DocumentMeta(id="credit", title="上海市社会信用条例", region="上海市"),
    }
    sources = Sources(documents=documents, clauses=(cards, credit), rulebook=_NO_RULES)
    hits = [Hit(cards, 1.0, 1.0, 1.0), Hit(credit, 0.9, 0.9, 0.9)]
    asked = analyse("When does the Shanghai regulation on pre-paid cards take effect?")
    terms = ("上海", "施行", "监管", "条例", "前置", "有偿", "名片")  # the dictionary's words
    composed = answer(
        asked, hits, sources, Topic(), TODAY, "en", named=frozenset(documents), terms=terms
    )
    assert composed is not None
    assert "2019" in composed.text.splitlines()[0] and "2017" not in composed.text


def test_a_prohibition_is_read_against_what_is_asked_last() -> None:
    # the case names a sublet (能不能转租); the question is whether the landlord may end the
    # lease: the article's ban on disturbing neighbours (…不得影响相邻使用人…) is no "不能"
    sublet = city_article("上海市房屋租赁条例.md", "第三十一条", "非独立成套房屋承租人转租房屋")
    asked = analyse(
        "仓库租给了一家公司，合同没约定能不能转租，他们却转租了一半给别人，我能马上收回仓库吗？"
    )
    found = yesno_reading(asked, [sublet], NO_RULES)
    assert found is None or found.verdict != "no"
    # a ban shares a word with the question, though not with what follows its modal word
    drivers = city_article("上海市出租汽车管理条例.md", "第十一条", "被取消客运服务资格的驾驶员")
    found = yesno_reading(analyse("出租车司机被取消了资格，明年能再开出租吗"), [drivers], NO_RULES)
    assert found is not None and found.verdict == "no"


def test_whether_something_is_needed_is_not_answered_by_a_ban() -> None:
    # "do we need a licence to sell liquor?" is not "不能" because forging licences is banned
    forging = city_article("上海市酒类商品产销管理条例.md", "第十三条")
    found = yesno_reading(analyse("我们便利店卖酒需要办许可证吗？"), [forging], NO_RULES)
    assert found is None or found.verdict != "no"
    # a licence system is a requirement, asked in Chinese or English
    system = city_article("上海市酒类商品产销管理条例.md", "第六条")
    found = yesno_reading(analyse("酒类零售需要许可证吗？"), [system], NO_RULES)
    assert found is not None and found.verdict == "must"
    assert yesno.asks_need(analyse("Do we need a permit to sell alcohol?"))


def test_a_requirement_is_of_what_the_question_asks_to_be_needed() -> None:
    # a ban on how a firm takes on a project (借用他人资质…) shares the case's words (承接,
    # 工程) but says nothing of filing (备案): it was answered "需要"
    text = (CITY_CORPUS / "上海市建筑市场管理条例.md").read_text(encoding="utf-8")
    lines = [row for row in text.splitlines() if row.strip()]
    first = lines.index(next(row for row in lines if row.startswith("第二十六条 ")))
    article = "".join(lines[first : first + 7])  # the article with its six items
    assert article.endswith("（六）法律、法规禁止的其他行为。")
    bans = Hit(clause(article, "第二十六条"), 1.0, 1.0, 1.0)
    asked = analyse("我们是外地来的建筑公司，在上海承接工程需要备案吗？")
    found = yesno_reading(asked, [bans], NO_RULES)
    assert found is None or found.verdict != "must"
    # what is needed, said in the sentence, still makes it a requirement
    system = city_article("上海市酒类商品产销管理条例.md", "第六条")
    found = yesno_reading(analyse("我们小超市卖酒，需要办许可证吗？"), [system], NO_RULES)
    assert found is not None and found.verdict == "must"


def test_a_duty_that_names_nothing_of_the_case_is_no_requirement() -> None:
    # a firm tells its case (a lift stopped for repairs) and asks only whether it must give
    # notice: a worker's duty to give notice before quitting names the notice, not the case
    quitting = city_article("上海市劳动合同条例(2001-11-15).md", "第三十条")
    asked = analyse("我们物业公司要停小区的电梯维修三天，需要提前通知业主吗？")
    found = yesno_reading(asked, [quitting], NO_RULES)
    assert found is None or found.verdict != "must", found
    # the case named in the firm's own words still meets the rule's (分租 ~ 出租)
    asked = analyse("我们是工厂，想把空着的车间出租给别的单位，需要签安全管理协议吗？")
    lease = city_article(
        "上海市安全生产条例(2018-05-24).md", "第三十条", "生产经营单位出租厂房、场所给其他单位"
    )
    found = yesno_reading(asked, [lease], NO_RULES)
    assert found is not None and found.verdict == "must"


def test_a_word_of_three_is_named_by_its_first_two() -> None:
    # 身份证 of the question, 身份查验 of the rule: a guesthouse must register its guests
    rule = city_article("上海市实施《反恐怖主义法》办法(2021-10-28).md", "第二十一条")
    found = yesno_reading(analyse("我们开了家民宿，客人的身份证信息要登记吗？"), [rule], NO_RULES)
    assert found is not None and found.verdict == "must", found
    assert "乡村民宿" in found.sentence.text


def test_a_ban_on_grounds_forbids_each_act_it_lists_on_them() -> None:
    # "不得因结婚、怀孕…等情形，违法降低…工资…，辞退女职工，单方解除…合同": dismissing a
    # pregnant worker is forbidden, though 辞退 is two commas after 怀孕 (it was "The documents
    # do not say")
    rule = city_article(
        "上海市妇女权益保障条例(2024-09-27).md", "第四十五条", "用人单位不得因结婚、怀孕"
    )
    asked = analyse("Can we dismiss a pregnant employee during her probation period?")
    terms = ("辞退", "罢免", "怀孕", "从业人员", "员工", "试用")  # the dictionary's words
    found = yesno_reading(asked, [rule], NO_RULES, terms)
    assert found is not None and found.verdict == "no", found
    # grounds alone, or an act alone, are still no two words of what is forbidden
    found = yesno_reading(
        analyse("Can we give a pregnant employee a bonus?"), [rule], NO_RULES, ("怀孕", "奖金")
    )
    assert found is None or found.verdict != "no", found


def test_a_yes_needs_every_word_of_a_short_question() -> None:
    # "may we take on an apprentice under 16?" is no "可以" from a sentence on apprentices that
    # says nothing of the age: of two subject words, none may be missing before a "yes"
    apprentices = city_article("上海市职业教育条例(2018-11-22).md", "第五十二条")
    asked = analyse("我们公司招了个未满16岁的学徒，这样可以吗？")
    found = yesno_reading(asked, [apprentices], NO_RULES)
    assert found is None or found.verdict != "yes"
    minors = city_article("上海市未成年人保护条例.md", "第二十九条")
    found = yesno_reading(asked, [apprentices, minors], NO_RULES)
    assert found is not None and found.verdict == "no"
    assert "不得招用未满十六周岁的未成年人" in found.sentence.text


def test_a_duty_quoted_for_a_question_speaks_of_its_subject() -> None:
    # an authority's duty to prevent injuries says nothing of whether a crash on the way to
    # work is one: not read (the answer then says the documents do not say it)
    duty = city_article("上海市安全生产条例(2018-05-24).md", "第四十一条").clause
    fund = city_article("上海市安全生产条例(2018-05-24).md", "第四十一条", "本市工伤保险基金")
    text = f"{duty.text}\n{fund.clause.text}"  # the article whole: its fund pays 工伤预防
    whole = replace(duty, text=text, norm=normalize(text))
    found = yesno_reading(
        analyse("员工在上班路上出了车祸，算工伤吗？"), [Hit(whole, 1.0, 1.0, 1.0)], NO_RULES
    )
    assert found is None or "预防工作" not in found.sentence.text
    # a firm's duty to organise blood donation speaks of what is asked, in its own words
    donation = city_article("上海市献血条例.md", "第十二条")
    asked = analyse("单位有没有义务组织员工（包括外地来的务工人员）去献血？")
    found = yesno_reading(asked, [donation], NO_RULES)
    assert found is not None and "动员和组织本单位的适龄公民" in found.sentence.text


def test_the_party_a_firm_must_turn_to_is_a_who() -> None:
    assert reading.states("who", "建设单位或者施工单位应当向燃气企业查询地下燃气管道的相关情况")
    assert reading.states("who", "设置单位应当向市市管处提出申请")
    assert not reading.states("who", "燃气企业应当自查询之日起三日内提供相关资料")


def test_a_clause_about_something_else_gives_no_verdict() -> None:
    # the market article on testing equipment says nothing about lending a licence
    hits = [article("zj-commodity-markets.md", "第二十条")]
    found = yesno_reading(analyse("营业执照能借给别人用吗"), hits, NO_RULES)
    assert found is None or found.verdict not in ("yes", "no")
    # nor does an article that encourages leasing firms say "yes" to forcing firms to move
    hits = [article("sd-free-trade-zone.md", "第三十一条")]
    found = yesno_reading(analyse("自贸区可以强制企业搬迁吗"), hits, NO_RULES)
    assert found is None or found.verdict != "yes"
    # asked whether a licence must be checked, a ban on lending licences is no answer
    hits = [article("zj-commodity-markets.md", "第二十九条")]
    found = yesno_reading(analyse("市场举办者需要审查场内经营者的营业执照吗"), hits, NO_RULES)
    assert found is None or found.verdict not in ("no", "must")
    # 可以 answers whether one may, not whose something is
    hits = [article("sd-free-trade-zone.md", "第三十一条")]
    found = yesno_reading(analyse("融资租赁企业的跨境租赁业务归自贸区吗"), hits, NO_RULES)
    assert found is None or found.verdict not in ("yes", "supported")


@pytest.mark.parametrize(
    ("question", "validity"),
    [
        ("劳动合同到期了没续签，员工继续在干，单位多久内要补签", False),  # a contract's term
        ("In Shandong, if an employer keeps a worker on after the contract expired, what then?", False),
        ("嘉定的直播政策到期了吗", True),
        ("嘉定营收奖励现在还能申请吗", True),
        ("Is the Shanghai plan still valid?", True),
        ("Can we still get the rent subsidy next year?", True),
        # "still" about doing something else: answered from the article, not the document's
        # force ("Yes: the 《…条例》 has been in force since 1996")
        ("A worker has a medical condition. Can we still assign him to that job?", False),
        ("A customer refuses to show ID, can we still rent him the car?", False),
    ],
)  # fmt: skip
def test_validity_is_asked_of_the_document_not_of_a_contract(question: str, validity: bool) -> None:
    assert reading.asks_validity(analyse(question)) is validity


@pytest.mark.parametrize(
    "question, late",
    [
        ("营收奖励过了申报期还能补报吗", True),
        ("错过了申请时间怎么办", True),
        ("We missed the application deadline. Can we still apply?", True),
        ("Is it too late to apply for the rent subsidy?", True),
        # a filing's deadline, arrears, a late payment's surcharge: the article answers them
        # (they were told "the documents do not state the application procedure")
        ("合同信息要在多少天内报给建设主管部门？以后合同价款变了又要多久内补报？", False),
        ("员工的医保费一直没交，这段时间员工看病还能走医保吗？等我们补交以后呢？", False),
        ("We owe the disability employment levy and missed the payment deadline. What extra "
         "charge starts piling up?", False),
        # "late" inside other words
        ("If we miss the deadline to fix it, how is the fine calculated?", False),
        ("Do we have to file that contract template with some office before we use it?", False),
        ("Banks turn down our loans because we have no collateral. Is there any help?", False),
    ],
)  # fmt: skip
def test_applying_late_is_asked_only_of_an_application(question: str, late: bool) -> None:
    assert reading.asks_late(analyse(question)) is late


@pytest.mark.parametrize(
    "question, combined",
    [
        ("营收奖励和上市奖励能一起拿吗", True),
        ("Can we get both the rent subsidy and the housing grant?", True),
        # doing two things together is no question of combining benefits (it was answered
        # "The documents do not say whether these can be combined; ask ." )
        ("Is there one place in Shanghai where we can do customs declarations and sort out the "
         "related tax and forex paperwork together?", False),
        ("报关和退税能一并办理吗", False),
    ],
)  # fmt: skip
def test_combining_is_asked_of_benefits(question: str, combined: bool) -> None:
    assert reading.asks_combination(analyse(question)) is combined


def test_an_english_questions_evidence_follows_how_far_apart_the_ranking_put_the_clauses() -> None:
    # The second clause's sentence shares more pairs with the dictionary's words for the
    # question, but its clause scored a fifth of the first's: for a question without Chinese
    # the shortfall costs it (SCORE_GAP), and the first clause's sentence leads.
    first = Hit(clause("经营者应当在店堂内明示商品价格。", "第十条"), 2.0, 0.9, 5.0)
    second = Hit(clause("市场监督管理部门负责价格监督检查工作。", "第三条"), 0.4, 0.8, 2.0)
    terms = ["价格", "监督检查"]
    assert score_gap("Who checks the prices?", [first, second], 1) == pytest.approx(0.8)
    chosen = best_sentence("Who checks the prices?", [first, second], "general", terms)
    assert chosen is not None and chosen.clause.clause == "第十条"
    # A Chinese question meets the sentences in its own words: no cost beyond its rank.
    assert score_gap("谁来检查价格", [first, second], 1) == 0.0
    chosen = best_sentence("谁来检查价格", [first, second], "general", terms)
    assert chosen is not None and chosen.clause.clause == "第三条"


def test_of_the_clause_chosen_the_sentence_where_its_nearest_passage_lies_is_quoted() -> None:
    # The real article (上海市供用电条例 第二十四条, cut): both sentences share the dictionary's
    # words for the question; the clause's passage nearest the question by meaning (Hit.near)
    # holds the second, which says who pays. The near part only picks among the sentences of
    # the clause chosen: another clause is not preferred for it.
    text = (
        "电力用户对用电计量装置准确性有异议的，可以委托计量检定机构检定，供电企业应当配合。"
        "异议成立的，检定费用由供电企业承担；异议不成立的，检定费用由电力用户承担。"
    )
    terms = ["计量", "检定", "用户"]
    asked = "If the meter was accurate after all, who pays for the test?"
    plain = best_sentence(asked, [Hit(clause(text), 1.0, 0.9, 5.0)], "general", terms)
    assert plain is not None and plain.text.startswith("电力用户")
    near = normalize("异议成立的，检定费用由供电企业承担；异议不成立的，检定费用由电力用户承担。")
    hit = Hit(clause(text), 1.0, 0.9, 5.0, near)
    chosen = best_sentence(asked, [hit], "general", terms)
    assert chosen is not None and "检定费用由电力用户承担" in chosen.text
    other = Hit(
        clause("电力用户应当安全用电。", "第十条"),
        3.0,
        0.9,
        9.0,
        normalize("电力用户应当安全用电。"),
    )
    chosen = best_sentence(asked, [hit, other], "general", terms)
    assert chosen is not None and chosen.clause.clause == "第二十四条"


def test_a_question_on_tax_answered_by_an_article_on_tax_is_no_procedure_question() -> None:
    from bot.answering.phrase import _tax_stated

    relief = city_article("上海市经济技术开发区条例.md", "第二十二条")
    asked = analyse(
        "Is there any relief on property tax for our new plant in the development zone?"
    )
    assert asked.has("procedure")  # "tax": for a subsidy, a question the documents leave open
    assert _tax_stated(asked, relief.clause)
    # the seeds' subsidies say nothing of tax: "not stated" stays the answer there
    subsidy = clause(
        "对入驻经认定的直播和短视频园区（基地）的相关企业，经认定起三年内视其贡献给予全额扶持。"
    )
    assert not _tax_stated(analyse("直播补贴要交税吗"), subsidy)


def test_a_subject_the_documents_name_in_other_words_is_not_uncovered() -> None:
    from bot.answering.uncovered import uncovered

    asked = analyse("出租车司机可以拒载吗")
    rule = city_article("上海市出租汽车管理条例.md", "第十一条")
    vocabulary = frozenset({"出租车", "出租汽车", "驾驶员", "拒载", "条件"})
    told = Sources(documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary)
    assert uncovered(asked, told, [rule]) == ("司机",)
    said = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary,
        expressed=frozenset({"司机"}),
    )  # fmt: skip
    assert uncovered(asked, said, [rule]) == ()


def test_what_the_asker_says_its_firm_is_is_not_an_uncovered_subject() -> None:
    from bot.answering.uncovered import uncovered

    # a smoking ban's article, and documents that say nothing of hot pot or of ashtrays
    rule = city_article("上海市公共场所控制吸烟条例.md", "第八条")
    vocabulary = frozenset({"吸烟", "顾客", "禁止", "场所", "餐厅"})
    told = Sources(documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary)
    asked = analyse("我开的火锅店里面不让抽烟，老顾客总问要烟灰缸，我们能在桌上摆几个烟灰缸吗？")
    assert "火锅店" not in uncovered(asked, told, [rule])
    # the same words asked about are subjects
    about = analyse("火锅店可以摆烟灰缸吗？")
    assert "火锅店" in uncovered(about, told, [rule])
    # where the firm is told before what it is, and the firm named again as where something
    # happens (店里): the dog-keeping regulation's article on barking speaks to it
    barking = city_article("上海市养犬管理条例.md", "第四十五条")
    vocabulary = frozenset({"犬吠", "邻居", "投诉", "罚款", "警告", "宠物"})
    told = Sources(documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary)
    asked = analyse("我们在浦东开了家宠物店，店里的狗晚上叫被邻居投诉了，会被罚吗？")
    assert uncovered(asked, told, [barking]) == ()
    # the firm named right after 我们, and a word jieba cut with 用 (包装用塑料袋): only what
    # the documents never name is said to be uncovered
    told = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES,
        vocabulary=frozenset({"外卖", "包装", "塑料", "罚款"}),
    )  # fmt: skip
    asked = analyse("我们奶茶店的外卖包装用塑料袋会被罚吗？")
    assert uncovered(asked, told, [barking]) == ("塑料袋",)
    # a modal and its verb that end the question (能管, jieba's noun) are what is asked
    told = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES,
        vocabulary=frozenset({"外卖", "门口", "电动车", "停放"}),
    )  # fmt: skip
    asked = analyse("外卖骑手在我们店门口乱停电动车，我们能管吗？")
    assert "能管" not in uncovered(asked, told, [barking])


def test_a_clause_saying_what_a_missing_word_does_in_its_own_word_speaks_to_it() -> None:
    from bot.answering.uncovered import uncovered

    # the smoking ban's article on what a venue owes: it says 吸烟, the question 抽烟, and
    # nothing of 客人 (a guest smoking is a smoker there)
    duty = city_article("上海市公共场所控制吸烟条例.md", "第九条")
    vocabulary = frozenset({"餐厅", "包间", "吸烟", "劝阻", "场所", "罚款"})
    asked = analyse("我们餐厅包间里客人抽烟，我们要管吗？管不了会罚谁？")
    plain = Sources(documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary)
    assert uncovered(asked, plain, [duty]) == ("客人",)
    usual = {"抽烟": ("吸烟",)}
    told = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES, vocabulary=vocabulary,
        usual=lambda word: usual.get(word, ()),
    )  # fmt: skip
    assert uncovered(asked, told, [duty]) == ()
    # a noun beside a missing word is part of its name: 新能源汽车 is no car the clause names
    cars = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES,
        vocabulary=frozenset({"汽车", "补贴", "购买"}), usual=lambda word: ("汽车",),
    )  # fmt: skip
    assert uncovered(analyse("买新能源汽车有补贴吗？"), cars, [duty]) == ("新能源",)


def test_a_regulations_bare_header_answers_no_question_on_its_content() -> None:
    from bot.answering.resolve import _bare_header
    from bot.knowledge.documents import read_document
    from bot.knowledge.parse import split_clauses

    def header(path: Path) -> Clause:
        source = read_document(path)
        return next(c for c in split_clauses(source.meta, source.body) if c.kind == "header")

    # the title and the dates it was adopted and amended: what the document is
    amended = CITY_CORPUS / "上海市中小学校学生伤害事故处理条例(2024-12-31).md"
    assert _bare_header(header(amended))
    assert _bare_header(header(CITY_CORPUS / "上海市商品包装物减量若干规定.md"))
    # the notice issuing a plan says who agreed to it and who is to carry it out
    seeds = sorted((Path(__file__).resolve().parents[1] / "knowledge" / "documents").glob("*.txt"))
    assert len(seeds) == 2
    assert not any(_bare_header(header(path)) for path in seeds)


@pytest.mark.parametrize(
    "question, sentence, mostly",
    [
        # the article's sentence on what was asked, in its own words: no "文件没有写明这一点"
        ("我们物业公司刚跟一个小区签了物业服务合同，这份合同还要不要拿去哪里备案？有时间要求吗？",
         "物业服务企业应当在签订物业服务合同之日起三十日内，将物业服务合同报房管机构备案。", True),
        ("我们新开的大型KTV快装修完了，开门营业之前消防方面要去哪里申请检查？没查就先开业行不行？",
         "公众聚集场所在投入使用或者营业前，建设单位或者使用单位应当向所在地消防救援机构申请消防安全检查。",
         True),
        # a sentence about something else still says nothing of it
        ("我开了一家咖啡馆，有客人想牵着狗进店坐一会儿，我可以让他进来吗？",
         "犬吠影响他人正常生活的，养犬人应当采取措施予以制止。", False),
        ("我们公司在做一片老厂房、老街区的改造项目，政府的各种规费能不能少交一点，税上有没有照顾？",
         "市人民政府应当落实国家有关示范区建设的决策部署，加大对示范区建设的支持力度。", False),
        ("嘉定有社保补贴吗", "支持直播和短视频产业发展。", False),
    ],
)  # fmt: skip
def test_a_sentence_naming_most_of_what_was_asked_is_about_it(
    question: str, sentence: str, mostly: bool
) -> None:
    from bot.answering.uncovered import mostly_spoken

    assert mostly_spoken(analyse(question), sentence, NO_RULES) is mostly


def test_what_a_permission_allows_is_read_against_an_english_questions_words() -> None:
    from bot.answering.yesno import permits_asked

    contract = "有下列情形之一的，劳动合同可以中止：（一）用人单位与劳动者以书面形式协商一致的；"
    assert not permits_asked(contract, ["用人", "劳动者", "劳动合同", "保留"])
    mediation = "居民委员会可以依法调解业主、业主委员会、物业服务企业之间的物业管理纠纷。"
    assert permits_asked(mediation, ["居民委员会", "调解", "纠纷"])
    assert not permits_asked(mediation, [])


def test_force_majeure_is_no_prohibition() -> None:
    from bot.answering.yesno import _NEGATIVE, _forbids_asked

    said = normalize("因不可抗力致使劳动合同暂时不能履行的，劳动合同可以中止。")
    # neither 不可抗力 nor the condition's 不能 forbids anything
    assert _NEGATIVE.search(said) is None
    # and were 不能 read as a prohibition, what it "forbids" is 履行, nothing of a copy
    assert not _forbids_asked(
        "暂时不能履行，劳动合同可以中止", set(), set(char_bigrams("劳动合同保留复制"))
    )
    assert reading.verdict_of(normalize("遇不可抗力的，可以延期。")) != "no"


@pytest.mark.parametrize(
    ("sentence", "forbids"),
    [
        # 不能 in a condition or a description says what someone cannot do, not what is forbidden
        ("不能辨认或者不能控制自己行为的精神病人，依法由有监护能力的配偶、父母担任监护人。", False),
        ("业主委员会主任因故不能履行职责时，由副主任召集会议。", False),
        ("超过十五日不能修复的，用户可以免交当月的月租费。", False),
        # ...and forbids where it stands on its own
        ("同一项目不能重复享受本区其他同类扶持政策。", True),
        ("不得向未成年人销售烟酒。", True),
    ],
)
def test_what_someone_cannot_do_is_no_prohibition(sentence: str, forbids: bool) -> None:
    from bot.answering.yesno import _NEGATIVE

    said = normalize(sentence)
    assert (reading.verdict_of(said) == "no") is forbids
    assert (_NEGATIVE.search(said) is not None) is forbids


def test_a_prohibition_is_about_the_condition_it_opens_with() -> None:
    # "对客户身份不明或者拒绝身份查验的，不得提供服务": what is forbidden (提供服务) shares no
    # word with a guesthouse's question; the condition it opens with is what the rule is about
    lodging = city_article("上海市实施《反恐怖主义法》办法(2021-10-28).md", "第二十一条")
    asked = analyse("我们酒店有位客人拒绝出示身份证，说多给点押金，我们还能让他入住吗？")
    found = yesno_reading(asked, [lodging], NO_RULES)
    assert found is not None and found.verdict == "no"
    assert "不得提供服务" in found.sentence.text
    # a condition that names nothing the question asks about still gives no "no"
    found = yesno_reading(analyse("我们酒店能收客人的押金吗？"), [lodging], NO_RULES)
    assert found is None or found.verdict != "no"


def test_a_prohibition_protecting_the_party_asking_forbids_it_nothing() -> None:
    # "不得对外商投资企业实行差别待遇" names the foreign firm that asks whether it may bid: it
    # forbids the government something, and is no "不能" to the firm
    name = "上海市外商投资条例(2020-09-25).md"
    first = city_article(name, "第三十二条")
    rule = city_article(name, "第三十二条", "本市在政府采购信息发布")
    text = f"{first.clause.text}\n{rule.clause.text}"  # the article, both paragraphs
    bids = Hit(clause(text, "第三十二条"), 1.0, 1.0, 1.0)
    found = yesno_reading(analyse("我们是外资企业，能不能参加政府采购？"), [bids], NO_RULES)
    assert found is None or found.verdict != "no"
    # what it forbids is still answered
    found = yesno_reading(analyse("政府采购的时候能不能对外资企业实行差别待遇？"), [bids], NO_RULES)
    assert found is not None and found.verdict == "no"


def test_a_penalty_answers_only_for_what_it_punishes() -> None:
    # asked whether a hospital may take the usual deposit, "…家属到医院无理纠缠…的，…依法追究
    # 责任" punishes a relative's disturbance: no "不能"
    disturbance = city_article("上海市监护治疗管理肇事肇祸精神病人条例(1986-09-11).md", "第十三条")
    deposit = analyse("我们是一家民营医院，有拿低保的病人要住院，住院押金还能像平时一样收吗？")
    found = yesno_reading(deposit, [disturbance], NO_RULES)
    assert found is None or found.verdict != "no"
    found = yesno_reading(analyse("家属能到医院无理纠缠吗？"), [disturbance], NO_RULES)
    assert found is not None and found.verdict == "no"


def test_an_english_figure_is_stated_only_from_a_clause_that_holds_the_question() -> None:
    from bot.answering.resolve import _loosely_found

    # the dictionary's words for a testing lab's question on how long raw records are kept
    # are in the article that says six years; those for a mall's lucky draw (24 words: 奖励,
    # 商场, 奖项, 价值…) are not: a figure of that article is quoted, never stated as the answer
    kept = city_article("上海市检验检测条例(2024-12-31).md", "第二十五条").clause
    lab = ("经营", "运行", "检测", "检验", "保存", "符合", "记录")
    draw = (
        "奖励", "商场", "商圈", "商圈商场", "头部", "贸易中心", "规划", "方案", "作出", "制定",
        "专门", "用户", "支出", "决定", "确定", "以上", "数量", "范围", "定期", "加油", "加上",
        "奖项", "价值", "不足",
    )  # fmt: skip
    assert not _loosely_found(kept, lab)
    assert _loosely_found(kept, draw)
    assert not _loosely_found(kept, ())  # no dictionary words: nothing to tell by
    # one word of the question is no clause that holds it: "How many days do we have to pay an
    # employee's final wages?" was told the labour regulation "states 十二个月", the period an
    # average wage is taken over (工资 alone of its five words)
    average = city_article("上海市劳动合同条例(2001-11-15).md", "第四十五条").clause
    assert _loosely_found(average, ("当年", "工资", "从业人员", "最终", "相当"), "duration")


def whole_article(name: str, label: str) -> Hit:
    """An article of a Shanghai regulation of ``../shared/corpus``, its paragraphs and list
    items joined as ingest joins them."""
    lines = (CITY_CORPUS / name).read_text(encoding="utf-8").splitlines()
    at = next(i for i, row in enumerate(lines) if row.startswith(label + " "))
    end = next(
        (i for i in range(at + 1, len(lines)) if re.match(r"第.{1,6}条 |#", lines[i])), len(lines)
    )
    return Hit(clause("".join(r for r in lines[at:end] if r.strip()), label), 1.0, 1.0, 1.0)


def test_a_prohibition_of_listed_activities_is_about_its_items() -> None:
    # "在河道管理范围内，不得从事下列活动：（一）倾倒…建筑等废弃物…；（二）清洗装贮过油类…的车辆":
    # what is forbidden is in the items, not in "从事下列活动"
    river = whole_article("上海市河道管理条例(2018-12-20).md", "第三十五条")
    for question in ("我们工厂能把建筑垃圾倒进河里吗？", "我们能在河道里洗油罐车吗？"):
        found = yesno_reading(analyse(question), [river], NO_RULES)
        assert found is not None and found.verdict == "no", question
    # the setting every item shares (河道) says nothing of what is forbidden: a barbecue stall
    # or fishing by the river is no item of the list
    for question in ("我们公司能在河道管理范围内搞个烧烤摊吗？", "我们能在河道边上钓鱼吗？"):
        found = yesno_reading(analyse(question), [river], NO_RULES)
        assert found is None or found.verdict != "no", question
    # nor is one character of an item (鱼 of 钓鱼 and of "挖筑鱼塘")
    banks = whole_article("上海市河道管理条例(2018-12-20).md", "第三十四条")
    found = yesno_reading(analyse("我们能在河道边上钓鱼吗？"), [banks], NO_RULES)
    assert found is None or found.verdict != "no"


def test_an_english_no_rests_on_two_of_its_words_in_what_is_forbidden() -> None:
    # the dictionary's words for "Can our restaurant give customers free disposable
    # chopsticks?" are guesses (酒店, 自由, 发放…); what the sentence forbids names two of them
    waste = whole_article("上海市生活垃圾管理条例(2019-01-31).md", "第二十二条")
    terms = ("餐饮", "酒店", "发放", "予以", "客户", "自由", "一次性", "筷子")
    asked = analyse("Can our restaurant give customers free disposable chopsticks?")
    found = yesno_reading(asked, [waste], NO_RULES, terms)
    assert found is not None and found.verdict == "no"
    assert "不得主动向消费者提供一次性筷子" in found.sentence.text
    # one of them (一次性 of the hotel's toiletries) is not enough
    slippers = ("酒店", "客人", "自由", "一次性", "拖鞋")
    asked = analyse("Can our hotel give guests free disposable slippers?")
    found = yesno_reading(asked, [waste], NO_RULES, slippers)
    assert found is None or found.verdict != "no"
    # a word the article says only negated (成年 of 未成年人) makes it about the others: "禁止向未成年
    # 人销售烟、酒" is no "No" to selling cigarettes to adults
    # two of the dictionary's guesses must be two words of one thing forbidden: 砍伐 ("cut off")
    # and 上水/水下 ("water", both of "水上水下") of different items of a river's list are not
    river = whole_article("上海市河道管理条例(2018-12-20).md", "第三十五条")
    water = ("物业管理", "企业", "砍伐", "分割", "住宅", "居民", "上水", "水下", "有偿")
    asked = analyse("Can a property management company cut off a resident's water?")
    found = yesno_reading(asked, [river], NO_RULES, water)
    assert found is None or found.verdict != "no"
    minors = whole_article("上海市未成年人保护条例(2024-12-31).md", "第四十五条")
    adults = ("购物", "老字号", "销售", "处理", "电子烟", "成年")
    asked = analyse("Can our shop sell cigarettes to adults?")
    found = yesno_reading(asked, [minors], NO_RULES, adults)
    assert found is None or found.verdict != "no"
    # 录用 and 录取 are the dictionary's two words for "hire": one word of the question, though
    # the sentence also says 当年 ("year"): no "No" to hiring a 16-year-old from the ban on
    # hiring those who dodged the draft
    draft = whole_article("上海市征兵工作条例.md", "第三十九条")
    hire = ("录取", "录用", "当年", "年久失修", "夏令")
    asked = analyse("Can we hire a 16-year-old for the summer?")
    found = yesno_reading(asked, [draft], NO_RULES, hire)
    assert found is None or found.verdict != "no"


def test_the_paragraphs_of_one_article_compete_as_one_article() -> None:
    from bot.answering.evidence import best_sentence

    # a long article is indexed as its paragraphs; the one that answers, ranked below another
    # article, competes at the rank of the article's first paragraph
    name = "上海市住宅物业管理规定(2020-12-30).md"
    lines = [row for row in (CITY_CORPUS / name).read_text(encoding="utf-8").splitlines() if row]
    at = next(i for i, row in enumerate(lines) if row.startswith("第四十六条"))

    def paragraph(number: int) -> Hit:
        text = lines[at + number - 1]
        piece = Clause(
            key=f"doc/第四十六条/{number}", doc_id="doc", doc_title="规定", section="第四十六条",
            clause="第四十六条", text=text, norm=normalize(text), part=number,
        )  # fmt: skip
        return Hit(piece, 1.0, 1.0, 1.0)

    archives, fees = city_article(name, "第四十七条"), city_article(name, "第四十八条")
    for hits in (
        [paragraph(1), archives, paragraph(2)],
        [paragraph(1), archives, fees, paragraph(2)],
    ):
        chosen = best_sentence("合同期满不再续签，物业公司应当怎么做", hits, "general")
        assert chosen is not None and "届满前九十日书面通知业主" in chosen.text


def test_a_question_in_everyday_words_is_read_in_the_documents_usual_ones() -> None:
    # "抽烟" where the regulation says "吸烟": the documents' usual word for the question's own
    # (the retriever's, ``Retriever.usual_words``) names the subject and what is forbidden
    indoors = city_article("上海市公共场所控制吸烟条例.md", "第六条")
    asked = analyse("我们办公室里能抽烟吗？")
    assert yesno_reading(asked, [indoors], NO_RULES) is None  # read in its own words only
    usual = {"抽烟": ("吸烟",), "办公室": ("工作场所",)}
    sources = Sources(
        documents={}, clauses=(), rulebook=_NO_RULES, usual=lambda w: usual.get(w, ())
    )
    found = yesno_reading(asked, [indoors], sources)
    assert found is not None and found.verdict == "no"
    assert "禁止吸烟" in found.sentence.text


def test_an_english_question_names_a_program_only_when_it_asks_about_a_benefit() -> None:
    from bot.answering.programs import match_programs
    from bot.eligibility.loader import load_rulebook

    # the rent subsidy for talent has everyday English keywords ("rent", "housing"): a firm
    # asking whether it may sublet its office asks nothing of it
    rules = load_rulebook(KNOWLEDGE)
    assert (
        match_programs(rules, analyse("Can we rent out part of our office to another company?"))
        == []
    )
    asked = "Can our landlord rent the basement to us as living quarters for staff?"
    assert match_programs(rules, analyse(asked)) == []
    # a tenant who has not paid is no benefit asked for; paying one is
    asked = "Our tenant hasn't paid rent for three months. Can we change the locks?"
    assert match_programs(rules, analyse(asked)) == []
    assert "jd-talent-rent" in match_programs(rules, analyse("Will Jiading pay our staff's rent?"))
    assert "jd-talent-rent" in match_programs(rules, analyse("Can our staff get help with rent?"))
    assert "jd-talent-rent" in match_programs(
        rules, analyse("What does Jiading give talent for rent?")
    )
    # a Chinese question names it by its own words, as before
    assert "jd-talent-rent" in match_programs(rules, analyse("嘉定人才租房补贴有多少？"))


def test_a_penalty_is_quoted_from_the_item_enforcing_the_article_the_firm_breaks() -> None:
    # "不明码标价会被罚多少": the article on marking prices says it in the firm's words; the
    # penalty article's fifth item enforces it by number, after the fourth item's tail
    name = "上海市价格管理条例.md"
    duty = city_article(name, "第二十二条")
    lines = (CITY_CORPUS / name).read_text(encoding="utf-8").splitlines()
    items = [
        row for row in lines if row.startswith(("（四）违反第二十一条", "（五）违反第二十二条"))
    ]
    fourth_tail = items[0].split("；", 1)[1]  # "情节严重的，处…一万元以上五万元以下罚款；"
    penalty = Hit(
        clause("第三十三条 违反本条例规定：……" + fourth_tail + items[1], "第三十三条"),
        1.0,
        1.0,
        1.0,
    )
    best = best_sentence("我们超市的商品不明码标价会被罚多少？", [duty, penalty], "penalty")
    assert best is not None and best.clause.clause == "第三十三条"
    assert (
        best.text.startswith("（五）违反第二十二条第一款规定的")
        and "一千元以上五千元以下罚款" in best.text
    )
    assert "一万元以上五万元以下" not in best.text
    # asked what the article says, the article itself
    plain = best_sentence("超市商品要明码标价吗？", [duty, penalty], "yesno")
    assert plain is not None and plain.clause.clause == "第二十二条"


@pytest.mark.parametrize(
    ("question", "opposite"),
    [
        # the ban is for contracts not registered; the asker's is registered
        ("浙江技术合同登记了可以享受优惠吗", True),
        ("我们的送餐员都有健康证明，可以送餐吗", True),
        # the asker's case is the one banned
        ("浙江技术合同没有登记能享受优惠吗", False),
        ("送餐员没有健康证明可以送餐吗", False),
        ("我们的送餐员没经过体检拿到健康证明，可以送餐吗", False),
    ],
)
def test_a_ban_on_those_who_did_not_is_no_no_to_one_who_did(question: str, opposite: bool) -> None:
    from bot.answering.yesno import _case_opposite

    bans = [
        "未经认定登记或者不予认定的技术合同，不得享受国家和本省规定的优惠待遇。",
        "未取得健康证明的送餐人员不得从事餐饮配送服务。",
    ]
    ban = next(b for b in bans if set(char_bigrams(b)) & set(char_bigrams(question)) - {"可以"})
    assert _case_opposite(normalize(ban), normalize(question)) is opposite
    # an item of a list of banned cases: the ban is the list's, before it (held-out city h40)
    listed = "有下列情形之一的，不得交易：（一）危害国家安全的；（二）未经合法权利人授权同意的；（三）法律、法规规定禁止交易的其他情形。"
    assert not _case_opposite(normalize(listed), normalize("数据权利人授权同意了，可以交易吗"))


def test_a_sentence_saying_a_benefit_is_enjoyed_answers_whether_there_is_one() -> None:
    # "…其技术交易的收入享受国家规定的税收优惠" answers "有税收优惠吗" (it was "文件没有写明")
    assert reading.verdict_of(normalize("其技术交易的收入享受国家规定的税收优惠。")) == "yes"
    assert reading.verdict_of(normalize("未经认定登记的技术合同，不得享受优惠待遇。")) == "no"


@pytest.mark.parametrize(
    ("question", "having"),
    [
        ("浙江的技术合同认定登记后有税收优惠吗", True),
        ("有没有补贴", True),
        ("员工有权拒绝加班吗", False),  # a right, answered 可以
        ("可以享受税收优惠吗", False),
        ("这个政策还有效吗", False),
    ],
)
def test_a_yes_to_whether_there_is_something_is_led_by_you_have_it(
    question: str, having: bool
) -> None:
    from bot.answering.phrase import _ASKS_HAVING

    assert bool(_ASKS_HAVING.search(normalize(question))) is having


def test_a_penalty_for_another_act_is_no_no() -> None:
    from bot.answering.yesno import _act_pairs, _punishes_act

    fraud = normalize(
        "通过编造虚假技术合同等不正当手段骗取技术合同认定登记证明的，由原技术合同认定登记机构撤销"
        "其认定登记证明，科技主管部门并可对当事人处以五千元以上一万元以下的罚款；非法享受的税收等"
        "优惠，由有关部门追回。"
    )
    # asked whether a registered contract's income may enjoy the relief: faking is punished
    assert not _punishes_act(fraud, _act_pairs("享受优惠", ["技术合同", "登记", "优惠"]))
    # asked whether one may fake a contract to get the certificate: that is what is punished
    assert _punishes_act(fraud, _act_pairs("编造技术合同骗取证明", ["技术合同", "证明"]))


def test_a_duty_the_other_way_round_is_not_the_evidence() -> None:
    # a firm asking how far ahead it must tell a worker it is let go: the article on the
    # employer's notice, not the worker's notice to quit (the same thirty days, the other party)
    name = "上海市劳动合同条例(2001-11-15).md"
    worker = city_article(name, "第三十条")
    employer = city_article(name, "第三十二条")
    asked = "公司辞退员工要提前多少天通知？"
    best = best_sentence(
        asked, [worker, employer], "duration", (), ("辞退", "员工", "提前", "通知")
    )
    assert best is not None and best.clause.clause == "第三十二条", best
    asked = "员工辞职要提前几天告诉公司？"
    best = best_sentence(asked, [worker, employer], "duration", (), ("辞职", "员工", "提前"))
    assert best is not None and best.clause.clause == "第三十条", best
