"""Composed answers: the lead sentence, English framing and exact yuan glosses, expiry notices,
Traditional framing around exact quotes, and never a number that is not in the cited text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conftest import DEV_SET, JIADING, OWN_QUESTIONS, SHANGHAI, TODAY

from bot.compose import (
    asks_procedure,
    compose,
    expiry_notice,
    money_glosses,
    question_kinds,
    yuan,
)
from bot.domain import Answer, DocumentMeta
from bot.evaluation import load_items
from bot.text import is_traditional

EXPIRED_DAY = TODAY  # 2026-11-21: the Jiading opinions ended on 2025-12-31
IN_FORCE_DAY = date(2025, 6, 1)  # both documents in force

# ------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        ("80", "万元", "800,000 yuan"),
        ("1000", "万元", "10,000,000 yuan"),
        ("200", "万", "2,000,000 yuan"),
        ("2.5", "亿元", "250,000,000 yuan"),
        ("2.5", "亿", "250,000,000 yuan"),
        ("2000", "亿元", "200,000,000,000 yuan"),
        ("0.5", "万元", "5,000 yuan"),
        ("1.2345", "万元", "12,345 yuan"),
        ("3000", "元", "3,000 yuan"),
        ("12.5", "元", "12.5 yuan"),
    ],
)
def test_yuan_is_exact(amount: str, unit: str, expected: str) -> None:
    assert yuan(amount, unit) == expected


def test_yuan_never_rounds() -> None:
    # More decimals than the unit's scale: the figure is repeated, not rounded.
    assert yuan("1.23456", "万元") == "1.23456 万元"


def test_money_glosses() -> None:
    text = "分别给予80万元、100万元和200万元的一次性奖励，再给 200 万元"
    assert money_glosses(text) == [
        "80万元 = 800,000 yuan",
        "100万元 = 1,000,000 yuan",
        "200万元 = 2,000,000 yuan",
    ]
    assert money_glosses("力争达到6000亿元") == ["6000亿元 = 600,000,000,000 yuan"]
    assert money_glosses("规模2.5亿") == ["2.5亿 = 250,000,000 yuan"]
    assert money_glosses("每月3000元") == ["3000元 = 3,000 yuan"]
    assert money_glosses("培训100名网红达人") == []


def test_money_glosses_never_misread_grouped_digits() -> None:
    # A third document may write "1,000万元": a gloss, if any, must be of the whole figure.
    for gloss in money_glosses("最高给予1,000万元奖励"):
        assert not gloss.startswith("000"), gloss
        assert gloss.endswith("= 10,000,000 yuan"), gloss


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("嘉定直播企业年主营业务收入首次超过1亿元奖励多少", "amount"),
        ("How much is the rent subsidy?", "amount"),
        ("嘉定直播政策从什么时候开始施行", "date"),
        ("When does the Jiading policy expire?", "date"),
        ("租房补贴最长补贴几年", "duration"),
        ("嘉定要培育几家头部企业", "count"),
        ("这个文件由哪些部门印发", "department"),
    ],
)
def test_question_kinds(question: str, kind: str) -> None:
    assert kind in question_kinds(question)


def test_asks_procedure() -> None:
    assert asks_procedure("特色园区补贴怎么申请")
    assert asks_procedure("How do I apply for the park subsidy?")
    assert not asks_procedure("特色园区补贴多少")


def _jiading_meta(services: Any) -> DocumentMeta:
    meta: DocumentMeta = services.kb.documents[JIADING]
    return meta


def test_expiry_notice(services: Any) -> None:
    meta = _jiading_meta(services)
    assert expiry_notice(meta, IN_FORCE_DAY, "zh", "嘉定区商务委员会") is None
    assert expiry_notice(meta, date(2025, 12, 31), "zh", "x") is None
    zh = expiry_notice(meta, EXPIRED_DAY, "zh", "嘉定区商务委员会")
    assert zh is not None
    assert "2025年12月31日" in zh and "2026年11月21日" in zh and "失效" in zh
    assert "嘉定区商务委员会" in zh
    en = expiry_notice(meta, EXPIRED_DAY, "en", "the Jiading commerce commission")
    assert en is not None
    assert "2025-12-31" in en and "expired" in en and "2026-11-21" in en
    early = expiry_notice(meta, date(2024, 2, 1), "zh", "x")
    assert early is not None and "尚未生效" in early and "2024-03-01" in early


def test_compose_without_hits_is_not_found(services: Any) -> None:
    answer = compose("随便", [], services.kb.documents, TODAY, "zh")
    assert answer.in_scope and answer.citations == ()
    assert "没有找到" in answer.text
    assert compose("anything", [], services.kb.documents, TODAY, "en").text.startswith("Sorry")


# ------------------------------------------------------------------------ answers via QA


def first_line(answer: Answer) -> str:
    return answer.text.splitlines()[0]


def test_amount_question_leads_with_the_amount(ask: Any) -> None:
    answer = ask("嘉定直播企业年主营业务收入首次超过1亿元奖励多少").answer
    lead = first_line(answer)
    assert lead.startswith("根据《关于加快嘉定区直播和短视频产业发展的若干意见》（三）：")
    assert "80万元" in lead
    quoted = lead.split("：", 1)[1]
    assert quoted in answer.citations[0].text
    assert answer.citations[0].clause == "（三）"
    assert answer.lang == "zh"


def test_date_question_leads_with_the_date(ask: Any) -> None:
    answer = ask("嘉定直播政策从什么时候开始施行").answer
    assert "2024年3月1日" in first_line(answer)
    assert answer.citations[0].clause == "五、附则"


def test_answer_shows_source_and_responsible_units(ask: Any) -> None:
    answer = ask("人才租房补贴每月多少").answer
    assert "出处：《关于加快嘉定区直播和短视频产业发展的若干意见》（嘉商规〔2024〕1号）" in answer.text
    assert "责任单位：区人社局、区商务委、各街镇" in answer.text
    assert f"「{answer.citations[0].text}」" in answer.text
    assert "以上内容引自政策原文" in answer.text


@pytest.mark.parametrize(
    ("question", "glosses"),
    [
        (
            "How much does Jiading award a live-streaming company whose revenue first exceeds "
            "100 million yuan?",
            ["80万元 = 800,000 yuan", "100万元 = 1,000,000 yuan", "200万元 = 2,000,000 yuan"],
        ),
        (
            "What is the maximum home purchase subsidy for high-level talent in Jiading?",
            ["1000万元 = 10,000,000 yuan"],
        ),
    ],
)
def test_english_answer_has_english_framing_and_exact_yuan(
    ask: Any, question: str, glosses: list[str]
) -> None:
    answer = ask(question).answer
    assert answer.lang == "en"
    assert answer.text.startswith("According to Opinions on Accelerating")
    for gloss in glosses:
        assert gloss in answer.text
    assert "Source: 《" in answer.text
    assert "Quoted from the policy texts" in answer.text
    for chinese_frame in ("根据《", "出处：", "以上内容", "相关条款", "注意："):
        assert chinese_frame not in answer.text
    quoted = re.search(r"「([^」]*)」", first_line(answer))
    assert quoted is not None
    assert any(quoted.group(1) in c.text for c in answer.citations)


def test_english_procedure_question_says_the_documents_do_not_say(ask: Any) -> None:
    answer = ask("How do I apply for the featured park subsidy in Jiading?").answer
    assert "do not state an application procedure" in answer.text
    zh = ask("嘉定特色园区补贴怎么申请").answer
    assert "文件没有写明具体的申报流程" in zh.text


def test_expired_jiading_answer_carries_a_notice(ask: Any) -> None:
    question = "嘉定直播企业年主营业务收入首次超过1亿元奖励多少"
    expired = ask(question, EXPIRED_DAY).answer
    assert expired.citations[0].doc == JIADING
    notices = [line for line in expired.text.splitlines() if line.startswith("⚠")]
    assert len(notices) == 1
    assert "有效期至2025年12月31日" in notices[0]
    assert "截至2026年11月21日已经失效" in notices[0]
    in_force = ask(question, IN_FORCE_DAY).answer
    assert "⚠" not in in_force.text
    assert "失效" not in in_force.text


def test_expired_notice_in_english(ask: Any) -> None:
    answer = ask("When does the Jiading livestreaming policy expire?", EXPIRED_DAY).answer
    assert "was valid until 2025-12-31 and has expired as of 2026-11-21" in answer.text


def test_shanghai_answer_in_force_has_no_notice(ask: Any) -> None:
    answer = ask("上海对直播平台出海有哪些支持", EXPIRED_DAY).answer
    assert answer.citations
    assert {c.doc for c in answer.citations} == {SHANGHAI}
    assert "⚠" not in answer.text
    after = ask("上海对直播平台出海有哪些支持", date(2027, 1, 15)).answer
    assert "⚠" in after.text and "2026年12月31日" in after.text


def test_traditional_question_gets_traditional_framing(ask: Any) -> None:
    answer = ask("嘉定對直播企業的金融支持有哪些").answer
    assert answer.lang == "zh"
    assert first_line(answer).startswith("根據《")
    assert "出處：" in answer.text
    assert "以上內容引自政策原文" in answer.text
    assert is_traditional(answer.text.splitlines()[-1])
    # The main quote is the source text, character for character.
    blocks = re.findall(r"「([^」]*)」", answer.text)
    assert blocks and all(any(b == c.text for c in answer.citations) for b in blocks)


@pytest.mark.parametrize(
    "question", ["嘉定對直播企業的金融支持有哪些", "人才購房補貼最高多少？", "上海直播基地能申請哪些支援？"]
)
def test_traditional_framing_leaves_every_quote_exact(ask: Any, question: str) -> None:
    answer = ask(question).answer
    texts = [c.text for c in answer.citations]
    lead = first_line(answer).split("：", 1)[1]
    assert any(lead in t for t in texts), f"lead quote altered: {lead!r}"
    for line in answer.text.splitlines():
        if line.startswith("· "):
            snippet = line.split("：", 1)[1].removesuffix("…")
            assert any(t.replace("\n", " ").startswith(snippet) for t in texts), (
                f"related-clause quote altered: {snippet!r}"
            )


# ----------------------------------------------- never a number that is not in the cited text

NUMBER = re.compile(r"\d[\d,.]*")
MONEY = re.compile(r"(\d+(?:\.\d+)?)(万元|亿元|万|亿|元)")
SCALE = {"万元": 10**4, "万": 10**4, "亿元": 10**8, "亿": 10**8, "元": 1}


def numbers(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    return [n.rstrip(".,") for n in NUMBER.findall(text) if n.rstrip(".,")]


def yuan_glosses(text: str) -> set[str]:
    """The exact yuan figure of each amount in ``text``, written "1,000,000" (and "1000000")."""
    out: set[str] = set()
    for amount, unit in MONEY.findall(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))):
        value = Decimal(amount) * SCALE[unit]
        if value == value.to_integral_value():
            out |= {f"{int(value):,}", str(int(value))}
        else:
            out.add(format(value.normalize(), "f"))
    return out


def date_numbers(day: date | None) -> set[str]:
    if day is None:
        return set()
    return {str(day.year), str(day.month), str(day.day), f"{day.month:02d}", f"{day.day:02d}"}


def unsupported_numbers(answer: Answer, documents: dict[str, DocumentMeta], today: date) -> list[str]:
    """Numbers in the answer that are in no citation, no document metadata, no yuan gloss of a
    cited amount, and (in the expiry notice only) not today's date."""
    allowed: set[str] = set()
    for citation in answer.citations:
        for text in (citation.text, citation.section, citation.title):
            allowed.update(numbers(text))
        allowed |= yuan_glosses(citation.text)
    for doc in {c.doc for c in answer.citations}:
        meta = documents[doc]
        for text in (meta.title, meta.title_en, meta.number or ""):
            allowed.update(numbers(text))
        for day in (meta.issue_date, meta.valid_from, meta.valid_until):
            allowed |= date_numbers(day)
    bad: list[str] = []
    for line in answer.text.splitlines():
        line_allowed = allowed | (date_numbers(today) if line.startswith("⚠") else set())
        found = numbers(line)
        if line.startswith("· ") and line.endswith("…") and found and line[:-1].rstrip()[-1:].isdigit():
            # A related-clause snippet cut at 80 characters may cut a figure: keep its prefix.
            cut = found.pop()
            if not any(a.startswith(cut) for a in allowed):
                bad.append(cut)
        bad.extend(n for n in found if n not in line_allowed)
    return bad


def in_scope_questions() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in (OWN_QUESTIONS, DEV_SET):
        if path.is_file():
            out += [(f"{path.stem}:{i.id}", i.q) for i in load_items(path) if i.scope is not False]
    return out


def test_the_number_check_catches_invented_numbers(services: Any, ask: Any) -> None:
    answer = ask("嘉定直播企业年主营业务收入首次超过1亿元奖励多少").answer
    assert unsupported_numbers(answer, services.kb.documents, TODAY) == []
    forged = Answer(
        text=answer.text.replace("80万元", "90万元", 1) + "\nAmounts: 80万元 = 8,000,000 yuan.",
        in_scope=True, lang="zh", citations=answer.citations,
    )
    assert sorted(unsupported_numbers(forged, services.kb.documents, TODAY)) == ["8,000,000", "90"]
    dated = Answer(text="⚠ 截至2026年11月21日已经失效。\n2026年11月21日", in_scope=True, lang="zh",
                   citations=answer.citations)
    assert unsupported_numbers(dated, services.kb.documents, TODAY) == ["2026", "11", "21"]


def test_the_question_files_have_in_scope_questions() -> None:
    assert len(in_scope_questions()) >= 100


@pytest.mark.parametrize(("name", "question"), in_scope_questions(), ids=lambda v: str(v)[:40])
def test_no_answer_states_a_number_that_is_not_in_its_sources(
    services: Any, ask: Any, name: str, question: str
) -> None:
    answer = ask(question).answer
    if not answer.in_scope:
        return  # refusals quote no clause; scope is judged by test_quality
    bad = unsupported_numbers(answer, services.kb.documents, TODAY)
    assert not bad, f"{name} {question!r}: numbers {bad} are in no cited source\n{answer.text}"
