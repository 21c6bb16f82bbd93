"""bot.knowledge.documents: front matter, document metadata, loading a folder of documents."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from conftest import JIADING, KNOWLEDGE, SHANGHAI

from bot.errors import KnowledgeError
from bot.knowledge.documents import SourceDocument, load_documents, parse_document

DATA_PROVINCES = Path(__file__).resolve().parent / "data" / "provinces"


def real(doc_id: str) -> SourceDocument:
    return next(d for d in load_documents(KNOWLEDGE / "documents") if d.meta.id == doc_id)


def test_both_documents_load_in_file_name_order() -> None:
    docs = load_documents(KNOWLEDGE / "documents")
    assert [d.meta.id for d in docs] == [JIADING, SHANGHAI]


def test_jiading_metadata() -> None:
    meta = real(JIADING).meta
    assert meta.title == "关于加快嘉定区直播和短视频产业发展的若干意见"
    assert meta.title_en.startswith("Opinions on Accelerating")
    assert meta.number == "嘉商规〔2024〕1号"
    assert meta.issuers == (
        "上海市嘉定区商务委员会",
        "上海市嘉定区文化和旅游局",
        "上海市嘉定区经济委员会",
        "上海市嘉定区科学技术委员会",
        "上海市嘉定区人力资源和社会保障局",
        "上海市嘉定区财政局",
    )
    assert meta.issue_date == date(2024, 1, 18)
    assert meta.valid_from == date(2024, 3, 1)
    assert meta.valid_until == date(2025, 12, 31)
    assert meta.interpreter == "嘉定区商务委员会"
    assert meta.script == "zh-Hans"
    assert "嘉定" in meta.aliases


def test_shanghai_metadata() -> None:
    meta = real(SHANGHAI).meta
    assert meta.title == "上海市推动直播经济高品质发展三年行动计划（2024-2026年）"
    assert meta.number is None
    assert meta.issuers[0] == "上海市商务委员会"
    assert len(meta.issuers) == 6
    assert meta.issue_date == date(2024, 9, 2)
    assert meta.valid_from == date(2024, 1, 1)
    assert meta.valid_until == date(2026, 12, 31)
    assert meta.script == "zh-Hant"
    assert meta.interpreter is None


def test_metadata_agrees_with_the_notice_text() -> None:
    jiading = real(JIADING)
    assert jiading.meta.number is not None and jiading.meta.number in jiading.body
    assert "2024年1月18日" in jiading.body
    assert "本意见自 2024 年 3 月 1 日起施行，有效期至 2025 年 12 月 31 日" in jiading.body
    for issuer in jiading.meta.issuers:
        assert issuer in jiading.body
    assert "2024年9月2日" in real(SHANGHAI).body


@pytest.mark.parametrize(
    ("day", "jiading", "shanghai"),
    [
        (date(2023, 12, 31), False, False),
        (date(2024, 2, 1), False, True),  # Jiading issued but not yet in force
        (date(2024, 3, 1), True, True),
        (date(2025, 6, 1), True, True),
        (date(2025, 12, 31), True, True),  # last day
        (date(2026, 1, 1), False, True),
        (date(2026, 11, 21), False, True),
        (date(2027, 1, 1), False, False),
    ],
)
def test_in_force(day: date, jiading: bool, shanghai: bool) -> None:
    assert real(JIADING).meta.in_force(day) is jiading
    assert real(SHANGHAI).meta.in_force(day) is shanghai


def test_front_matter_is_not_part_of_the_body() -> None:
    body = real(JIADING).body
    assert not body.startswith("---")
    assert "title_en:" not in body
    assert body.lstrip().startswith("上海市嘉定区商务委员会")


def test_markdown_without_front_matter_gets_id_from_file_name_and_a_title(tmp_path: Path) -> None:
    raw = "# 直播电商夜校实训补贴试点办法\n\n（一）实训补贴。按每名学员800元给予补贴。\n"
    doc = parse_document(tmp_path / "night-school_2025.md", raw)
    assert doc.meta.id == "night-school_2025"
    assert doc.meta.title == "直播电商夜校实训补贴试点办法"
    assert doc.meta.number is None
    assert doc.meta.issuers == ()
    assert doc.meta.valid_until is None
    # No date stated: the validity is unknown, never "in force".
    assert doc.meta.validity(date(2030, 1, 1)) == "unknown"
    assert not doc.meta.in_force(date(2030, 1, 1))
    assert doc.meta.script == "zh-Hans"
    assert doc.meta.source == "night-school_2025.md"
    assert doc.body.startswith("# 直播电商夜校")


def test_file_name_with_spaces_becomes_a_safe_id(tmp_path: Path) -> None:
    doc = parse_document(tmp_path / "My Policy (v2).txt", "政策标题\n\n（一）内容。\n")
    assert doc.meta.id == "My-Policy-v2"
    assert doc.meta.title == "政策标题"


def test_file_name_without_latin_letters_still_gives_an_id(tmp_path: Path) -> None:
    # "Drop a file in knowledge/": a Chinese file name is the natural thing to drop.
    doc = parse_document(tmp_path / "嘉定新政策.md", "# 新政策\n\n（一）内容。\n")
    assert doc.meta.id, "a document id must never be empty"


def test_title_falls_back_to_first_short_line_then_file_name(tmp_path: Path) -> None:
    long_line = "这是一段很长的正文，" * 10 + "。"
    doc = parse_document(tmp_path / "notitle.txt", f"{long_line}\n")
    assert doc.meta.title == "notitle"
    doc = parse_document(tmp_path / "t.txt", "各有关单位：\n直播补贴办法\n（一）内容。\n")
    assert doc.meta.title == "直播补贴办法"  # an address line ending with "：" is no title


def test_traditional_body_is_detected(tmp_path: Path) -> None:
    doc = parse_document(tmp_path / "trad.txt", "直播補貼辦法\n（一）對直播企業給予補貼。\n")
    assert doc.meta.script == "zh-Hant"


def test_front_matter_fields(tmp_path: Path) -> None:
    raw = (
        "---\n"
        "id: demo doc\n"
        "title: 演示文件\n"
        "number: 演示〔2025〕2号\n"
        "issuers: 某区商务委员会\n"
        "valid_from: 2025-01-01\n"
        "valid_until: '2025-12-31'\n"
        "aliases: [演示, demo]\n"
        "---\n"
        "（一）内容。\n"
    )
    meta = parse_document(tmp_path / "x.md", raw).meta
    assert meta.id == "demo-doc"
    assert meta.title == "演示文件"
    assert meta.number == "演示〔2025〕2号"
    assert meta.issuers == ("某区商务委员会",)  # a single issuer as a string
    assert meta.valid_from == date(2025, 1, 1)
    assert meta.valid_until == date(2025, 12, 31)  # a quoted date string is parsed too
    assert meta.aliases == ("演示", "demo")


@pytest.mark.parametrize(
    "raw",
    [
        "---\ntitle: [unclosed\n---\n（一）内容。\n",  # not YAML
        "---\n- a\n- b\n---\n（一）内容。\n",  # not a mapping
        "---\ntitle: 标题\nvalid_until: 2025-13-01\n---\n（一）内容。\n",  # not a date
        "---\ntitle: 标题\nvalid_from: soon\n---\n（一）内容。\n",
        "---\ntitle: 只有元数据\n---\n\n\n",  # no text
        "",
    ],
)
def test_malformed_documents_raise_knowledge_error(tmp_path: Path, raw: str) -> None:
    with pytest.raises(KnowledgeError) as info:
        parse_document(tmp_path / "bad.md", raw)
    assert "bad.md" in str(info.value)  # the operator learns which file
    assert info.value.user_message  # and users get a safe message


def test_sha256_is_of_the_raw_file(tmp_path: Path) -> None:
    raw = "标题\n（一）内容。\n"
    doc = parse_document(tmp_path / "h.txt", raw)
    assert doc.sha256 == hashlib.sha256(raw.encode("utf-8")).hexdigest()
    assert parse_document(tmp_path / "h.txt", raw + "（二）更多。\n").sha256 != doc.sha256


def test_load_documents_reads_document_files_only(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲文件\n（一）甲。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 乙文件\n（一）乙。\n", encoding="utf-8")
    (tmp_path / "c.markdown").write_text("# 丙文件\n（一）丙。\n", encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "folder.md").mkdir()
    assert [d.meta.id for d in load_documents(tmp_path)] == ["a", "b", "c"]


def test_load_documents_rejects_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("---\nid: same\n---\n（一）甲。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\nid: same\n---\n（一）乙。\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="same"):
        load_documents(tmp_path)


def test_load_documents_reads_gbk(tmp_path: Path) -> None:
    text = "直播补贴办法\n（一）对直播企业给予一次性补贴。\n"
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    (doc,) = load_documents(tmp_path)
    assert doc.body == text.strip("\n")


def test_load_documents_rejects_binary_garbage(tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(KnowledgeError, match=r"junk\.txt"):
        load_documents(tmp_path)


def test_load_documents_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError):
        load_documents(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("text", "valid_from", "valid_until"),
    [
        # A permit's period and a contract's date are not the document's own.
        ("第十条 许可证的有效期为三年。\n第十一条 合同自2020年3月1日起生效。\n"
         "第四十条 本条例自2017年3月20日起施行。", date(2017, 3, 20), None),
        ("第二十二条 本规定自2021年7月1日施行。", date(2021, 7, 1), None),
        ("五、附则\n本意见自2024年3月1日起施行，有效期至2025年12月31日。",
         date(2024, 3, 1), date(2025, 12, 31)),
        ("本办法自2023年1月1日起施行，有效期3年。", date(2023, 1, 1), date(2025, 12, 31)),
        ("本办法自2020年1月1日起施行。本办法自2024年7月1日起废止。",
         date(2020, 1, 1), date(2024, 6, 30)),
        # Another document's end is not this one's.
        ("本条例自2010年1月1日起施行。《某某管理办法》同时废止。", date(2010, 1, 1), None),
        ("对企业给予奖励，有效期至2030年12月31日的证书除外。", None, None),
    ],
)
def test_validity_only_from_what_the_text_says_about_itself(
    tmp_path: Path, text: str, valid_from: date | None, valid_until: date | None
) -> None:
    meta = parse_document(tmp_path / "doc.txt", "某某条例\n" + text + "\n").meta
    assert (meta.valid_from, meta.valid_until) == (valid_from, valid_until)


def test_adoption_notes_state_the_date_of_entry_into_force(tmp_path: Path) -> None:
    raw = (DATA_PROVINCES / "qd-labour-inspection.md").read_text(encoding="utf-8")
    meta = parse_document(tmp_path / "qd.md", raw).meta
    assert meta.valid_from == date(2011, 11, 1) and meta.validity(date(2026, 6, 1)) == "in_force"
