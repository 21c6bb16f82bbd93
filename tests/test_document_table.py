"""What `policybot ingest --check` and `documents` say about every test document: title,
issuers, region and validity on a pinned day, against what each text says about itself.

The table is written from reading the documents (tests/data/SOURCES.md), not from the
program's output. A region is always a place that exists; a refusal names only such places.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jieba
import pytest
import yaml
from conftest import KNOWLEDGE
from typer.testing import CliRunner

from bot.cli import app
from bot.domain import DocumentMeta
from bot.knowledge.coverage import refusal, regions
from bot.knowledge.documents import document_files, read_document
from bot.knowledge.places import region_of_name
from bot.retrieval.scope import ScopeRules, coverage_rules, decide
from bot.text import normalize

DATA = Path(__file__).resolve().parent / "data"
PROVINCES = DATA / "provinces"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "shanghai-regulations"
TODAY = date(2026, 6, 1)
ZJ, SD, HN = "浙江省人民代表大会常务委员会", "山东省人民代表大会常务委员会", "河南省人民代表大会常务委员会"
JIADING_ISSUERS = (
    "上海市嘉定区商务委员会", "上海市嘉定区文化和旅游局", "上海市嘉定区经济委员会",
    "上海市嘉定区科学技术委员会", "上海市嘉定区人力资源和社会保障局", "上海市嘉定区财政局",
)

# file: (title, issuers, region, validity on TODAY)
TABLE: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "provinces/hn-business-environment.md": ("河南省优化营商环境条例", (HN,), "河南省", "in_force"),
    "provinces/hn-employment.md": ("河南省就业促进条例", (HN,), "河南省", "in_force"),
    "provinces/hn-enterprise-burden.pdf": ("河南省企业负担监督管理条例", (HN,), "河南省", "in_force"),
    "provinces/hn-labour-inspection.md": ("河南省劳动保障监察条例", (HN,), "河南省", "in_force"),
    "provinces/hn-patents.md": ("河南省专利保护条例", (HN,), "河南省", "in_force"),
    "provinces/hn-private-tech-enterprises.md": ("河南省发展民营科技企业条例", (HN,), "河南省", "in_force"),
    "provinces/hn-product-quality.md": ("河南省产品质量监督管理条例", (HN,), "河南省", "in_force"),
    "provinces/hn-sme-promotion.docx": (
        "河南省实施《中华人民共和国中小企业促进法》办法", (HN,), "河南省", "in_force"
    ),
    "provinces/hn-wage-bargaining.md": ("河南省企业工资集体协商条例", (HN,), "河南省", "in_force"),
    "provinces/hz-cross-border-ecommerce.md": (
        "杭州市跨境电子商务促进条例", ("杭州市人民代表大会常务委员会",), "浙江省杭州市", "in_force"
    ),
    "provinces/jn-business-environment.pdf": (
        "济南市优化营商环境条例", ("济南市人民代表大会常务委员会",), "山东省济南市", "in_force"
    ),
    # A county's measures on a saved page: no issuer, no date; "本县" is 柳河县.
    "provinces/liuhe-key-industries.html": ("加快重点产业实施意见", (), "吉林省通化市柳河县", "unknown"),
    "provinces/nb-food-markets.md": (
        "宁波市菜市场管理条例", ("宁波市人民代表大会常务委员会",), "浙江省宁波市", "in_force"
    ),
    "provinces/nb-trade-secrets.md": (
        "宁波市企业技术秘密保护条例", ("宁波市人民代表大会常务委员会",), "浙江省宁波市", "in_force"
    ),
    # Cut short in its source; its adoption notes say "2011年11月1日 施行".
    "provinces/qd-labour-inspection.md": (
        "青岛市劳动保障监察条例", ("青岛市人民代表大会常务委员会",), "山东省青岛市", "in_force"
    ),
    "provinces/qd-prices.txt": (
        "青岛市价格条例", ("青岛市人民代表大会常务委员会",), "山东省青岛市", "in_force"
    ),
    "provinces/sd-business-environment.html": ("山东省优化营商环境条例", (SD,), "山东省", "in_force"),
    # Cut short in its source before its article on entry into force: nothing says.
    "provinces/sd-consumer-protection.md": ("山东省消费者权益保护条例", (SD,), "山东省", "unknown"),
    "provinces/sd-employment.md": ("山东省就业促进条例", (SD,), "山东省", "in_force"),
    "provinces/sd-enterprise-rights.md": ("山东省企业权益保护条例", (SD,), "山东省", "in_force"),
    "provinces/sd-free-trade-zone.md": ("中国（山东）自由贸易试验区条例", (SD,), "山东省", "in_force"),
    "provinces/sd-labour-contracts.md": ("山东省劳动合同条例", (SD,), "山东省", "in_force"),
    "provinces/sd-private-economy.md": ("山东省民营经济发展促进条例", (SD,), "山东省", "in_force"),
    "provinces/sd-standardisation.md": ("山东省标准化条例", (SD,), "山东省", "in_force"),
    "provinces/sd-talent.docx": ("山东省人才发展促进条例", (SD,), "山东省", "in_force"),
    "provinces/sd-technical-upgrading.md": ("山东省企业技术改造条例", (SD,), "山东省", "in_force"),
    "provinces/sd-work-safety.md": ("山东省安全生产条例", (SD,), "山东省", "in_force"),
    "provinces/sq-business-environment.txt": (
        "商丘市优化营商环境条例", ("商丘市人民代表大会常务委员会",), "河南省商丘市", "in_force"
    ),
    "provinces/tz-enterprise-credit.txt": (
        "台州市企业信用促进条例", ("台州市人民代表大会常务委员会",), "浙江省台州市", "in_force"
    ),
    "provinces/yt-private-economy.md": (
        "烟台市民营经济促进条例", ("烟台市人民代表大会常务委员会",), "山东省烟台市", "in_force"
    ),
    "provinces/zj-commodity-markets.md": ("浙江省商品交易市场管理条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zj-consumer-protection.md": (
        "浙江省实施《中华人民共和国消费者权益保护法》办法", (ZJ,), "浙江省", "in_force"
    ),
    "provinces/zj-digital-economy.docx": ("浙江省数字经济促进条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zj-ecommerce.md": ("浙江省电子商务条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zj-labour-inspection.md": ("浙江省劳动保障监察条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zj-prices.md": ("浙江省价格条例", (ZJ,), "浙江省", "in_force"),
    # Adopted by the plenary people's congress, not its standing committee.
    "provinces/zj-private-enterprise.html": (
        "浙江省民营企业发展促进条例", ("浙江省人民代表大会",), "浙江省", "in_force"
    ),
    "provinces/zj-tech-transfer.md": ("浙江省促进科技成果转化条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zj-technology-market.md": ("浙江省技术市场条例", (ZJ,), "浙江省", "in_force"),
    "provinces/zz-employment-relations.html": (
        "郑州市劳动用工条例", ("郑州市人民代表大会常务委员会",), "河南省郑州市", "in_force"
    ),
    "provinces/zz-non-public-enterprises.md": (
        "郑州市非公有制企业权益保障条例", ("郑州市人民代表大会常务委员会",), "河南省郑州市", "in_force"
    ),
    "provinces/zz-pension-insurance.md": (
        "郑州市企业职工基本养老保险条例", ("郑州市人民代表大会常务委员会",), "河南省郑州市", "in_force"
    ),
    "ningbo-blood-donation.md": (
        "宁波市献血条例", ("宁波市人民代表大会常务委员会",), "浙江省宁波市", "in_force"
    ),
    "ningbo-blood-donation.html": (
        "宁波市献血条例", ("宁波市人民代表大会常务委员会",), "浙江省宁波市", "in_force"
    ),
    "jiading-opinions-autonumbered.docx": (
        "关于加快嘉定区直播和短视频产业发展的若干意见", JIADING_ISSUERS, "上海市嘉定区", "expired"
    ),
    # Corpus texts without adoption notes: the text names no issuer.
    "shanghai-blood-donation.pdf": ("上海市献血条例", (), "上海市", "in_force"),
    "shanghai-smoking-control-gbk.txt": ("上海市公共场所控制吸烟条例", (), "上海市", "in_force"),
}


def test_the_table_covers_every_test_document() -> None:
    files = {f"provinces/{p.name}" for p in document_files(PROVINCES)}
    files |= {p.name for p in document_files(DATA)} - {"scanned-no-text.pdf", "SOURCES.md"}
    assert files == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_document_facts(name: str) -> None:
    title, issuers, region, status = TABLE[name]
    meta = read_document(DATA / name).meta
    assert (meta.title, meta.issuers, meta.region) == (title, issuers, region)
    assert meta.validity(TODAY) == status


def test_ingest_check_prints_the_facts_of_each_province_document() -> None:
    runner = CliRunner()
    for name in sorted(n for n in TABLE if n.startswith("provinces/")):
        title, issuers, region, status = TABLE[name]
        result = runner.invoke(
            app, ["ingest", "--check", str(DATA / name), "--today", TODAY.isoformat()]
        )
        assert result.exit_code == 0, result.output
        lines = {ln.split(":", 1)[0].strip(): ln.split(":", 1)[1].strip()
                 for ln in result.output.splitlines()[:11] if ":" in ln}
        assert lines["title"] == title, name
        assert lines["issuers"] == ("、".join(issuers) or "(none found)"), name
        assert lines["region"] == region, name
        assert lines["status today"] == status, name


def _metas(folder: Path) -> dict[str, DocumentMeta]:
    return {m.id: m for m in (read_document(p).meta for p in document_files(folder))}


def test_refusals_name_only_places_that_exist() -> None:
    documents = _metas(PROVINCES)
    named = regions(documents)
    assert {"浙江省", "山东省", "河南省", "浙江省宁波市", "吉林省通化市柳河县"} <= set(named)
    for region in named:
        assert region_of_name(region) == region
    text = refusal("zh", documents)
    assert "浙江省" in text and "山东省" in text
    for garbage in ("共和国市", "力资源市", "易试验区", "品交易市", "省市"):
        assert garbage not in text


def test_the_shanghai_corpus_gets_real_regions_and_no_end_from_a_permit() -> None:
    documents = _metas(CORPUS)
    assert len(documents) == 233
    assert {m.region for m in documents.values()} == {"上海市"}
    # No regulation of the corpus states an end of its own validity; a permit's
    # "有效期为三年" once made 上海市食品安全条例 expire on 2020-03-19.
    assert [m.title for m in documents.values() if m.valid_until is not None] == []
    food = next(m for m in documents.values() if m.title == "上海市食品安全条例")
    assert food.validity(TODAY) == "in_force"


def test_no_set_b_question_is_refused_for_its_place() -> None:
    """A question about a city of a loaded province (潍坊, 温州, 洛阳) or in English about a
    loaded place (Ningbo, Shandong) passes the place check; one about 苏州 or Wuhan does not."""
    documents = _metas(PROVINCES)

    class KB:
        pass

    kb = KB()
    kb.documents = documents  # type: ignore[attr-defined]
    rules = coverage_rules(ScopeRules.load(KNOWLEDGE / "scope.yaml"), kb)
    questions = yaml.safe_load((DATA.parent / "eval" / "provinces.yaml").read_text("utf-8"))
    for q in questions:
        words = jieba.lcut(normalize(q["q"]))
        decision = decide(q["q"], words, rules, glossary_terms=[], corpus_terms=[], top_dense=0.0)
        if q.get("scope") is False:
            assert not decision.in_scope, q["id"]
        else:
            assert not decision.reason.startswith("outside:"), (q["id"], decision.reason)
