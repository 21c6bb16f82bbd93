"""bot.knowledge.parse: both policy documents split into the right clauses, with their paths,
numbers and responsible units, no clause cut mid-sentence; retrieval units of a clause."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import JIADING, KNOWLEDGE, SHANGHAI

from bot.domain import Clause, DocumentMeta
from bot.knowledge.documents import load_documents, parse_document
from bot.knowledge.paragraphs import paragraphs
from bot.knowledge.parse import split_clauses, units_of
from bot.text import normalize, sentences, strip_spaces

JIADING_LABELS = [
    "印发通知", "序言", "一、主要目标",
    "（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）",
    "（十一）", "（十二）", "五、附则",
]
TASKS = ["一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是",
         "十一是", "十二是", "十三是", "十四是", "十五是", "十六是", "十七是", "十八是", "十九是",
         "二十是"]
SHANGHAI_LABELS = ["印发通知", "序言", "一、工作目標", *TASKS]
ENDINGS = ("。", "；", ";", "）", ")")


@cache
def _clauses() -> dict[str, tuple[Clause, ...]]:
    return {
        d.meta.id: tuple(split_clauses(d.meta, d.body))
        for d in load_documents(KNOWLEDGE / "documents")
    }


def clauses(doc_id: str) -> tuple[Clause, ...]:
    return _clauses()[doc_id]


def parts(doc_id: str, label: str) -> list[Clause]:
    return [c for c in clauses(doc_id) if c.clause == label]


def labels(doc_id: str) -> list[str]:
    """Clause numbers in reading order, each once (parts of a long clause collapsed)."""
    return list(dict.fromkeys(c.clause for c in clauses(doc_id)))


def test_jiading_has_every_clause_in_order() -> None:
    assert labels(JIADING) == JIADING_LABELS


def test_shanghai_has_every_clause_in_order() -> None:
    assert labels(SHANGHAI) == SHANGHAI_LABELS


def test_clause_keys_are_unique_and_stable() -> None:
    every = [c for doc in (JIADING, SHANGHAI) for c in clauses(doc)]
    keys = [c.key for c in every]
    assert len(keys) == len(set(keys))
    assert f"{JIADING}/（三）" in keys
    assert f"{JIADING}/五、附则" in keys
    assert f"{SHANGHAI}/二十是" in keys
    for clause in every:
        assert clause.key.startswith(f"{clause.doc_id}/{clause.clause}")


@pytest.mark.parametrize("label", ["（一）", "（十一）"])
def test_long_jiading_items_are_split_into_numbered_parts(label: str) -> None:
    got = parts(JIADING, label)
    assert len(got) >= 2
    assert [c.part for c in got] == list(range(1, len(got) + 1))
    assert [c.key for c in got] == [f"{JIADING}/{label}/{n}" for n in range(1, len(got) + 1)]
    assert len({c.section for c in got}) == 1
    assert len({c.order for c in got}) == 1
    # Parts after the first are quoted as "clause heading……sentences".
    heading = got[0].text.split("。", 1)[0]
    for later in got[1:]:
        assert later.text.startswith(heading + "。……")


def test_short_clauses_are_not_split() -> None:
    for label in ("（二）", "（三）", "（十二）", "五、附则"):
        (only,) = parts(JIADING, label)
        assert only.part == 0


def test_clause_kinds() -> None:
    kinds = {c.clause: c.kind for c in clauses(JIADING)}
    assert kinds["印发通知"] == "header"
    assert kinds["序言"] == "preamble"
    assert kinds["一、主要目标"] == "goal"
    assert kinds["（三）"] == "item"
    assert kinds["五、附则"] == "final"
    shanghai = {c.clause: c.kind for c in clauses(SHANGHAI)}
    assert shanghai["一、工作目標"] == "goal"
    assert {shanghai[t] for t in TASKS} == {"task"}


@pytest.mark.parametrize(
    ("doc", "label", "section"),
    [
        (JIADING, "（三）", "二、培育直播和短视频产业生态 > （三）鼓励直播和短视频企业做大做强"),
        (JIADING, "（一）", "二、培育直播和短视频产业生态 > （一）推进直播和短视频园区（基地）建设"),
        (JIADING, "（六）", "三、构建新型产业链体系 > （六）打造嘉定品牌 IP"),
        (JIADING, "（十一）", "四、打造要素保障体系 > （十一）构建人才支撑体系"),
        (JIADING, "（十二）", "四、打造要素保障体系 > （十二）创新政府服务管理体系"),
        (JIADING, "一、主要目标", "一、主要目标"),
        (JIADING, "五、附则", "五、附则"),
        (SHANGHAI, "一是", "二、主要任務 > (一)加快主體培育 > 一是推動直播平臺創新發展"),
        (SHANGHAI, "六是", "二、主要任務 > (二)優化産業生態 > 六是加速建設直播經濟集聚區"),
        (SHANGHAI, "十是", "二、主要任務 > (三)加強要素保障 > 十是加大算力等基礎設施供給"),
        (SHANGHAI, "十六是", "二、主要任務 > (四)支援直播經濟走出去 > 十六是鼓勵開展跨境電商直播業務"),
        (SHANGHAI, "二十是", "二、主要任務 > (五)引導規範發展 > 二十是加強行業自律"),
        (SHANGHAI, "一、工作目標", "一、工作目標"),
    ],
)
def test_section_paths(doc: str, label: str, section: str) -> None:
    for clause in parts(doc, label):
        assert clause.section == section


@pytest.mark.parametrize(
    ("label", "units"),
    [
        ("（一）", ("区经委", "区商务委", "区财政局", "各街镇")),
        ("（二）", ("区商务委", "区文旅局", "区经委", "区人社局", "区财政局", "各街镇")),
        ("（三）", ("区商务委", "区文旅局", "区财政局", "各街镇")),
        ("（九）", ("区商务委", "区财政局", "各街镇")),
        ("（十一）", ("区人社局", "区商务委", "各街镇")),
        # Printed on its own line after the clause, after a page break.
        ("（十二）", ("各相关职能部门", "各街镇")),
    ],
)
def test_responsible_units(label: str, units: tuple[str, ...]) -> None:
    for clause in parts(JIADING, label):
        assert clause.responsible == units


def test_every_jiading_item_has_responsible_units_and_others_do_not() -> None:
    for clause in clauses(JIADING):
        if clause.kind == "item":
            assert clause.responsible, clause.key
        else:
            assert clause.responsible == (), clause.key
    assert all(c.responsible == () for c in clauses(SHANGHAI))


def test_responsible_line_is_quoted_once_with_the_last_part() -> None:
    got = parts(JIADING, "（一）")
    assert "（责任单位：区经委、区商务委、区财政局、各街镇）" in got[-1].text
    assert all("责任单位" not in c.text for c in got[:-1])
    (twelve,) = parts(JIADING, "（十二）")
    assert twelve.text.endswith("（责任单位：各相关职能部门、各街镇）")


@pytest.mark.parametrize("doc", [JIADING, SHANGHAI])
def test_no_clause_is_cut_mid_sentence(doc: str) -> None:
    for clause in clauses(doc):
        if clause.kind == "header":
            continue
        assert clause.text.endswith(ENDINGS), f"{clause.key} ends {clause.text[-15:]!r}"
        assert "\n" not in clause.text, clause.key


@pytest.mark.parametrize(
    ("doc", "phrase", "label"),
    [
        (JIADING, "对成功引进优质产业项目的机构和个人", "（一）"),
        (JIADING, "推动直播和短视频企业做大做强，提高服务能力", "（三）"),
        (JIADING, "引导企业运用高新技术发展的最新成果", "（十）"),
        (JIADING, "提升风险信息预警和处理能力", "（十二）"),
    ],
)
def test_lines_broken_mid_sentence_are_joined(doc: str, phrase: str, label: str) -> None:
    holding = [c for c in clauses(doc) if phrase in c.text]
    assert len(holding) == 1
    assert holding[0].clause == label


def test_pdf_spaces_are_removed_from_quotes() -> None:
    (three,) = parts(JIADING, "（三）")
    assert "首超1亿元、3亿元和5亿元（含）以上的，分别给予80万元、100万元和200万元的一次性奖励" in three.text
    assert "200 万元" not in "".join(c.text for c in clauses(JIADING))


def test_page_marker_is_not_text() -> None:
    assert not any("此页无正文" in c.text for c in clauses(JIADING))


@pytest.mark.parametrize("doc", [JIADING, SHANGHAI])
def test_every_sentence_of_the_document_is_in_some_clause(doc: str) -> None:
    source = next(d for d in load_documents(KNOWLEDGE / "documents") if d.meta.id == doc)
    every = clauses(doc)
    for paragraph in paragraphs(source.body):
        for sentence in sentences(paragraph):
            wanted = strip_spaces(sentence)
            assert any(wanted in c.text or wanted in c.section for c in every), wanted


def test_header_clause_keeps_the_notice_metadata() -> None:
    (header,) = parts(JIADING, "印发通知")
    assert "嘉商规〔2024〕1号" in header.text
    assert "2024年1月18日" in header.text
    assert "上海市嘉定区商务委员会" in header.text
    assert "上海市嘉定区财政局" in header.text
    (sh_header,) = parts(SHANGHAI, "印发通知")
    assert "2024年9月2日" in sh_header.text
    assert "中共上海市委宣傳部" in sh_header.text


def test_preamble_and_goal_text() -> None:
    (preamble,) = parts(JIADING, "序言")
    assert preamble.text.startswith("为积极响应上海“四大品牌”")
    assert preamble.text.endswith("特制定本意见。")
    (goal,) = parts(JIADING, "一、主要目标")
    assert "孵化50个网红品牌" in goal.text
    assert "新增2000亿元" in goal.text
    sh_goal = parts(SHANGHAI, "一、工作目標")
    assert any("6000億元" in c.text for c in sh_goal)


def test_norm_is_the_normalised_section_and_text() -> None:
    for clause in clauses(SHANGHAI)[:5]:
        assert clause.norm == normalize(f"{clause.section} {clause.text}")
    six = parts(SHANGHAI, "六是")
    assert any("g60科创走廊" in c.norm for c in six)  # traditional -> simplified, lower case


def test_paragraphs_join_long_lines_that_do_not_end_a_sentence() -> None:
    first = "对入驻经认定的直播和短视频园区（基地）的相关企业，经认定起三年内视其贡献给予全额扶持，对成功引进优质产业项目的"
    body = f"{first}\n\n机构和个人，可按照有关规定给予相应奖励。\n(此页无正文)\n短标题\n"
    assert paragraphs(body) == [first + "机构和个人，可按照有关规定给予相应奖励。", "短标题"]


def test_markdown_headings_are_plain_paragraphs() -> None:
    assert paragraphs("# 标题\n\n## 一、目标\n正文。") == ["标题", "一、目标", "正文。"]


def test_small_document_with_items() -> None:
    meta = DocumentMeta(id="mini", title="小文件")
    body = (
        "# 直播夜校试点办法\n\n"
        "（一）实训补贴。对开展直播电商夜校实训的机构，按每名学员800元给予补贴。"
        "（责任单位：区商务委）\n\n"
        "（二）申报方式。机构于每年6月提交实训名单。\n"
    )
    got = split_clauses(meta, body)
    assert [c.clause for c in got] == ["印发通知", "（一）", "（二）"]
    first = got[1]
    assert first.key == "mini/（一）"
    assert first.doc_title == "小文件"
    assert first.responsible == ("区商务委",)
    assert first.section == "（一）实训补贴"


def test_units_of_gives_the_whole_clause_and_each_sentence() -> None:
    (three,) = parts(JIADING, "（三）")
    units = units_of(three)
    body = three.text.replace("（责任单位：区商务委、区文旅局、区财政局、各街镇）", "")
    assert units[0].id == f"{three.key}#0"
    assert units[0].text == three.norm
    assert units[0].clause is three
    assert len(units) == 1 + len(sentences(body))
    assert [u.id for u in units[1:]] == [f"{three.key}#{i}" for i in range(1, len(units))]
    title = normalize("（三）鼓励直播和短视频企业做大做强")
    for unit in units[1:]:
        assert unit.text.startswith(title)  # a sentence is indexed with its clause's title
        assert unit.clause is three
    assert any("首超1亿元" in u.text for u in units[1:])
    assert all("责任单位" not in u.text for u in units[1:])


def test_units_of_a_later_part_skip_the_repeated_heading() -> None:
    later = parts(JIADING, "（十一）")[-1]
    sentence_units = units_of(later)[1:]
    assert sentence_units
    heading = normalize("（十一）构建人才支撑体系")
    for unit in sentence_units:
        assert unit.text.count(heading) == 1  # the title once, not again from "heading……"


def test_units_of_header_and_single_sentence_clauses_are_whole_only() -> None:
    (header,) = parts(JIADING, "印发通知")
    assert [u.id for u in units_of(header)] == [f"{header.key}#0"]
    meta = DocumentMeta(id="one", title="一句")
    (clause,) = [c for c in split_clauses(meta, "（一）只有一句话的条款。") if c.kind == "item"]
    assert len(units_of(clause)) == 1


def test_parse_document_handles_bom_and_crlf(tmp_path: Path) -> None:
    raw = "\ufeff---\r\nid: crlf\r\ntitle: 测试\r\n---\r\n（一）第一条。\r\n（二）第二条。\r\n"
    doc = parse_document(tmp_path / "crlf.txt", raw)
    assert doc.meta.id == "crlf"
    assert [c.clause for c in split_clauses(doc.meta, doc.body)] == ["（一）", "（二）"]


OUTLINE_WITH_LISTS = """关于支持体育赛事活动的若干措施
一、赛事奖励
（一）获奖奖励。对获得下列奖项的企业给予奖励：
（1）获得全国赛事优胜奖及以上奖次；
（2）获得省级赛事一等奖；
（3）获得市级赛事特等奖。
（二）办赛补贴
1.举办国际赛事的，按实际支出的30%给予补贴，最高不超过200万元。
2.举办全国赛事；
（三）人才引进
二、附则
本措施自2025年1月1日起施行。
"""


def test_short_list_items_ending_in_semicolons_are_kept() -> None:
    got = split_clauses(DocumentMeta(id="s", title="t"), OUTLINE_WITH_LISTS)
    everything = "".join(c.text for c in got)
    for item in ("（1）获得全国赛事优胜奖及以上奖次；", "（2）获得省级赛事一等奖；", "2.举办全国赛事；"):
        assert everything.count(item) == 1, item
    # The list belongs to the clause that opens it ("…给予奖励：").
    award = next(c for c in got if c.clause == "（一）")
    assert award.text.endswith("（3）获得市级赛事特等奖。")
    # A numbered heading with nothing under it is an item of its own, not dropped.
    talent = next(c for c in got if c.clause == "（三）")
    assert talent.text == "（三）人才引进" and talent.section == "一、赛事奖励 > （三）人才引进"
    assert [c.clause for c in got] == ["印发通知", "（一）", "1.", "2.", "（三）", "二、附则"]
