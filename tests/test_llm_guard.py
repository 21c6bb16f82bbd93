"""The guard's readers and thresholds, table-driven (no model, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.llm.claims import claims_of
from bot.llm.guard import SUPPORT_EN, SUPPORT_ZH, Sources, check, en_support, zh_support
from bot.text import has_cjk

SENTENCES = Path(__file__).parent / "eval" / "guard-sentences.yaml"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("给予 80 万元、100 万元和 200 万元的一次性奖励", "money", {800_000, 1_000_000, 2_000_000}),
        ("RMB 800,000 or 1 million yuan", "money", {800_000, 1_000_000}),
        ("自收到之日起三十日内", "figures", {("day", 30.0)}),
        ("within 30 days", "figures", {("day", 30.0)}),
        ("十五个工作日内办结", "figures", {("workday", 15.0)}),
        ("within fifteen working days", "figures", {("workday", 15.0)}),
        ("补贴举办费30%，百分之二十", "figures", {("percent", 30.0), ("percent", 20.0)}),
        ("培育10家头部企业、孵化50个网红品牌", "figures", {("count", 10.0), ("count", 50.0)}),
        ("一次性奖励，统一申报，进一步加强", "figures", set()),
        ("有效期至2026年12月31日", "dates", {(2026, 12, 31)}),
        ("valid until December 31, 2026", "dates", {(2026, 12, 31)}),
        ("自2024年7月起", "dates", {(2024, 7, 0)}),
        ("电话：021-59992222，或拨打12345", "contacts", {"02159992222", "12345"}),
        ("see https://www.jiading.gov.cn/zwgk/ or mail a@b.gov.cn", "contacts", {"https://www.jiading.gov.cn/zwgk", "a@b.gov.cn"}),
        ("地址：嘉定区博乐路70号", "contacts", {"嘉定区博乐路70号"}),
    ],
)
def test_claims_are_read_in_any_form(text: str, field: str, expected: set[object]) -> None:
    assert set(getattr(claims_of(text), field)) == expected


def test_the_same_claim_in_chinese_and_english_matches() -> None:
    source = Sources(
        clauses=[("k", "应当自收到请求之日起五日内作出决定；罚款二万元以上十万元以下。")],
        extractive="A decision within five days; a fine of 20,000 to 100,000 yuan.",
    )
    assert check("Within 5 days; a fine of 20,000 to 100,000 yuan.", ["k"], source) == []
    problems = check("Within 7 days; a fine of up to 200,000 yuan.", ["k"], source)
    assert {p.code for p in problems} == {"figure", "amount"}


def test_office_names_are_read_back_to_what_the_clause_names() -> None:
    source = Sources(clauses=[("k", "（责任单位：区商务委、区文旅局、区财政局、各街镇）")])
    assert check("由区商务委负责。", ["k"], source) == []
    assert "office" in [p.code for p in check("由区商务委和区市场监管局负责。", ["k"], source)]


def test_thresholds_separate_supported_from_unsupported_sentences() -> None:
    """Precision and recall of 'unsupported' on the hand-labelled sentences, at the thresholds."""
    data = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))
    caught = wrongly = missed = 0
    for row in data["sentences"]:
        source = data["sources"][row["source"]]
        zh = has_cjk(row["text"])
        basis = [source["clause"], source["zh" if zh else "en"]]
        score = zh_support(row["text"], basis) if zh else en_support(row["text"], basis)
        flagged = score < (SUPPORT_ZH if zh else SUPPORT_EN)
        caught += flagged and not row["ok"]
        wrongly += flagged and row["ok"]
        missed += not flagged and not row["ok"]
    assert caught + missed == 20
    precision, recall = caught / (caught + wrongly), caught / (caught + missed)
    assert (precision, recall) == (1.0, 1.0), (precision, recall)
