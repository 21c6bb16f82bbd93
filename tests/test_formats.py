"""Reading documents of every format into the same structure (tests/data, see SOURCES.md).

Real documents: a Ningbo regulation (chapters and articles) as Markdown and as a GBK web page,
the Jiading opinions as a Word file with automatic numbering, a Shanghai regulation as a PDF
with page furniture and another as a GBK text file; none has front matter.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import KNOWLEDGE

from bot.errors import KnowledgeError
from bot.knowledge.documents import read_document, scan_documents
from bot.knowledge.parse import split_clauses
from bot.knowledge.readers import decode
from bot.text import chinese_ordinal

DATA = Path(__file__).resolve().parent / "data"
TODAY = date(2026, 11, 21)


def clauses(name: str) -> list:
    doc = read_document(DATA / name)
    return split_clauses(doc.meta, doc.body)


def articles(name: str) -> list:
    return [c for c in clauses(name) if c.clause.startswith("第") and c.clause.endswith("条")]


def test_regulation_chapters_and_articles() -> None:
    got = clauses("ningbo-blood-donation.md")
    keys = [c.key for c in got]
    assert len(keys) == len(set(keys))
    numbered = [c for c in got if c.clause.endswith("条")]
    assert [chinese_ordinal(c.clause[1:-1]) for c in numbered if c.part <= 1] == list(range(1, 34))
    by_label = {c.clause: c for c in numbered if c.part <= 1}
    assert by_label["第八条"].section.startswith("第二章　宣传与动员 > 第八条")
    assert by_label["第三十三条"].kind == "final"  # 第六章 附则
    assert by_label["第一条"].kind == "article"
    # The items of an article stay in it: （一） to （六） belong to 第二十五条.
    article = "".join(c.text for c in numbered if c.clause == "第二十五条")
    assert "（六）稀有血型的献血者" in article
    assert not any(c.clause.startswith("（") for c in got)
    header = got[0]
    assert header.kind == "header" and "宁波市献血条例" in header.text
    assert len(header.text) < 400  # not the title and the first articles merged


def test_regulation_metadata_from_its_own_text() -> None:
    meta = read_document(DATA / "ningbo-blood-donation.md").meta
    assert meta.title == "宁波市献血条例"
    assert meta.region == "浙江省宁波市"
    assert meta.issuers == ("宁波市人民代表大会常务委员会",)
    assert meta.valid_from == date(2013, 3, 1)
    assert meta.valid_until is None
    assert meta.validity(TODAY) == "in_force"
    assert meta.issue_date == date(2020, 5, 15)


def test_html_page_gbk_same_clauses_as_the_text() -> None:
    page = clauses("ningbo-blood-donation.html")
    text = clauses("ningbo-blood-donation.md")
    assert read_document(DATA / "ningbo-blood-donation.html").meta.title == "宁波市献血条例"
    assert [c.clause for c in page] == [c.clause for c in text]
    assert [c.text for c in page[1:]] == [c.text for c in text[1:]]
    everything = "".join(c.text for c in page)
    for furniture in ("首页", "版权所有", "当前位置", "分享到微信", "字号"):
        assert furniture not in everything


def test_docx_automatic_numbering_is_recovered() -> None:
    word = clauses("jiading-opinions-autonumbered.docx")
    original = KNOWLEDGE / "documents" / "jiading-livestream-2024.txt"
    txt = read_document(original)
    plain = split_clauses(txt.meta, txt.body)
    labels = [c.clause for c in word]
    assert "（三）" in labels and "（十二）" in labels and "五、附则" in labels
    assert labels == [c.clause for c in plain]
    assert [c.section for c in word] == [c.section for c in plain]
    meta = read_document(DATA / "jiading-opinions-autonumbered.docx").meta
    assert meta.title == "关于加快嘉定区直播和短视频产业发展的若干意见"  # from 现将《…》印发
    assert meta.number == "嘉商规〔2024〕1号"
    assert meta.valid_from == date(2024, 3, 1) and meta.valid_until == date(2025, 12, 31)
    assert meta.validity(TODAY) == "expired"
    assert meta.issuers[0] == "上海市嘉定区商务委员会" and len(meta.issuers) == 6


def test_pdf_page_furniture_is_dropped() -> None:
    got = clauses("shanghai-blood-donation.pdf")
    everything = "\n".join(c.text for c in got)
    assert "上海市地方性法规汇编" not in everything
    assert "— 2 —" not in everything and "—2—" not in everything
    numbers = [chinese_ordinal(c.clause[1:-1]) for c in articles("shanghai-blood-donation.pdf")
               if c.part <= 1]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 20
    meta = read_document(DATA / "shanghai-blood-donation.pdf").meta
    assert meta.title == "上海市献血条例"
    assert meta.region == "上海市"


def test_scanned_pdf_gets_a_clear_message() -> None:
    with pytest.raises(KnowledgeError, match=r"scanned-no-text\.pdf: the PDF has no text layer"):
        read_document(DATA / "scanned-no-text.pdf")


def test_gbk_text_without_front_matter() -> None:
    doc = read_document(DATA / "shanghai-smoking-control-gbk.txt")
    assert doc.meta.title == "上海市公共场所控制吸烟条例"
    six = next(c for c in split_clauses(doc.meta, doc.body) if c.clause == "第六条")
    assert "公共交通工具内禁止吸烟" in six.text
    assert "\r" not in six.text


def test_decode_prefers_utf8_and_detects_gb18030() -> None:
    assert decode("一、总则".encode(), "a.txt") == "一、总则"
    assert decode("第一条 为了规范养犬行为".encode("gb18030"), "b.txt") == "第一条 为了规范养犬行为"


def test_a_bad_file_is_reported_with_its_name_and_line(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# 甲办法\n\n（一）对企业给予补贴。\n", encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: 乙\nvalid_from: [\n---\n（一）内容。\n",
                                     encoding="utf-8")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "scan.pdf").write_bytes((DATA / "scanned-no-text.pdf").read_bytes())
    docs, problems = scan_documents(tmp_path)
    assert [d.meta.id for d in docs] == ["good"]
    messages = {p.file: p.message for p in problems}
    assert set(messages) == {"bad.md", "broken.docx", "scan.pdf"}
    assert messages["bad.md"].startswith("bad.md, line ")
    assert "broken.docx" in messages["broken.docx"]


def test_outline_items_at_every_depth_get_unique_keys() -> None:
    from bot.domain import DocumentMeta

    body = (
        "一、支持主体\n（一）园区\n1. 对新认定园区给予一次性补贴。\n2. 对考核优秀的给予奖励。\n"
        "二、支持人才\n（一）引进\n1. 对引进人才给予住房补贴。\n（1）租房补贴每月3000元。\n"
        "① 最长3年。\n附件\n一、申报材料\n（一）营业执照复印件。\n"
    )
    got = split_clauses(DocumentMeta(id="d", title="t"), body)
    keys = [c.key for c in got]
    assert len(keys) == len(set(keys)), keys
    first = next(c for c in got if "新认定园区" in c.text)
    assert first.section.startswith("一、支持主体 > （一）园区")
    again = next(c for c in got if "引进人才" in c.text)
    assert again.key != first.key and again.clause == "1."
    assert any(c.section.startswith("附件") for c in got)


@pytest.mark.parametrize(
    ("text", "valid_from", "valid_until"),
    [
        ("（一）内容。\n本办法自2025年1月1日起施行，有效期3年。", date(2025, 1, 1), date(2027, 12, 31)),
        ("（一）内容。\n本意见自2024年3月1日起施行，有效期至2025年12月31日。",
         date(2024, 3, 1), date(2025, 12, 31)),
        ("2023年5月6日\n（一）内容。\n本规定自公布之日起施行。", date(2023, 5, 6), None),
        ("（一）内容。", None, None),
    ],
)
def test_validity_read_from_the_text(
    tmp_path: Path, text: str, valid_from: date | None, valid_until: date | None
) -> None:
    path = tmp_path / "p.txt"
    path.write_text("某区直播补贴办法\n" + text, encoding="utf-8")
    meta = read_document(path).meta
    assert (meta.valid_from, meta.valid_until) == (valid_from, valid_until)
    if valid_from is None:
        assert meta.validity(TODAY) == "unknown"


def test_front_matter_overrides_and_repeal(tmp_path: Path) -> None:
    path = tmp_path / "old.md"
    path.write_text(
        "---\ntitle: 旧办法\nsuperseded_by: 新办法\n---\n（一）本办法自2020年1月1日起施行。\n",
        encoding="utf-8",
    )
    meta = read_document(path).meta
    assert meta.title == "旧办法"
    assert meta.valid_from == date(2020, 1, 1)
    assert meta.validity(TODAY) == "expired" and not meta.in_force(TODAY)


def test_a_page_that_carries_its_text_twice_is_read_once(tmp_path: Path) -> None:
    page = (DATA / "provinces" / "zz-employment-relations.html").read_text(encoding="utf-8")
    start = page.index('<div id="zoom"')
    block = page[start : page.index("</div>", start) + 6]
    copy = block.replace('id="zoom" class="content"', 'class="print" style="display:none"')
    doubled = tmp_path / "doubled.html"
    doubled.write_text(page.replace('<div class="tools">', copy + '<div class="tools">'), "utf-8")
    body = read_document(doubled).body
    assert body.count("第四十七条 本条例自2013年1月1日起施行。") == 1
    once = read_document(DATA / "provinces" / "zz-employment-relations.html").body
    assert body == once
    for chrome in ("ICP备", "返回顶部", "字体大小", "您当前所在的位置", "打印本页", "相关链接"):
        assert chrome not in once


def test_one_document_in_two_formats_is_indexed_once(tmp_path: Path) -> None:
    for name, copy in (("ningbo-blood-donation.md", "a.md"), ("ningbo-blood-donation.html", "b.html")):
        (tmp_path / copy).write_bytes((DATA / name).read_bytes())
    docs, problems = scan_documents(tmp_path)
    assert [d.meta.file for d in docs] == ["a.md"]
    assert [p.message for p in problems] == ["b.html: same text as a.md; skipped"]


def test_without_repeats_drops_a_repeated_block_and_keeps_recurring_lines() -> None:
    from bot.knowledge.readers import without_repeats

    article = ["第一条 甲。", "第二条 乙：", "（一）法律、法规规定的其他情形。", "第三条 丙。", "第四条 丁。"]
    assert without_repeats(["标题", *article, *article]) == ["标题", *article]
    recurring = ["第五条 戊：", "（一）法律、法规规定的其他情形。", "第六条 己："]
    assert without_repeats(article + recurring) == article + recurring


def test_a_page_titled_with_its_site_name_takes_its_title_from_the_body(tmp_path: Path) -> None:
    page = (DATA / "provinces" / "liuhe-key-industries.html").read_text(encoding="utf-8")
    page = page.replace("<title>加快重点产业实施意见</title>", "<title>柳河县人民政府</title>")
    saved = tmp_path / "page.html"
    saved.write_text(page, encoding="utf-8")
    doc = read_document(saved)
    assert doc.meta.title == "加快重点产业实施意见"
    assert "您当前所在的位置" not in doc.body and "字体大小" not in doc.body
