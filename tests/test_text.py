"""bot.text: normalisation for indexing, language and script detection, sentences, ordinals."""

from __future__ import annotations

import pytest

from bot.text import (
    book,
    chinese_ordinal,
    cjk_ratio,
    clean,
    detect_lang,
    in_book,
    is_traditional,
    normalize,
    sentences,
    strip_spaces,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width Latin and digits -> half-width, lower case
        ("１００万元", "100万元"),
        ("（一）", "(一)"),  # full-width brackets
        ("嘉商规〔2024〕1号", "嘉商规〔2024〕1号"),  # the document-number brackets are kept
    ],
)
def test_normalize_nfkc_full_width(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("直播産業", "直播产业"),  # the variant 産 as printed in the Shanghai plan
        ("産", "产"),
        ("嘉定對直播企業的金融支持", "嘉定对直播企业的金融支持"),
        ("發展人工智慧", "发展人工智能"),  # Taiwan phrasing -> mainland phrasing
        ("支援直播平臺", "支持直播平台"),
        ("資訊", "信息"),
        ("人工智慧與資訊服務的支援", "人工智能与信息服务的支持"),
    ],
)
def test_normalize_traditional_to_simplified(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    assert to_simplified(raw) == expected


@pytest.mark.parametrize(
    "text", ["规范和优化行政程序", "建立健全工作机制", "提交申请文件", "新增就业岗位", "核心区", "效果显著"]
)
def test_simplified_text_is_not_rephrased(text: str) -> None:
    # OpenCC's tw2sp would read these as Taiwan computing words (进程, 创建, 文档, 添加, 内核, 显着):
    # the documents' words would no longer be the dictionary's or the question's.
    assert normalize(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("200 万元", "200万元"),
        ("给予 200 万元 补贴", "给予200万元补贴"),
        ("嘉定 区", "嘉定区"),
        ("MCN 机构", "mcn机构"),
        ("嘉定\u3000直播", "嘉定直播"),  # ideographic space
    ],
)
def test_normalize_removes_spaces_inside_chinese(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_spaces_between_latin_words() -> None:
    assert normalize("Live  Streaming\tSubsidy") == "live streaming subsidy"
    assert normalize("  What is the award for a featured park?  ") == (
        "what is the award for a featured park?"
    )


def test_normalize_drops_control_and_replacement_characters() -> None:
    assert normalize("直\x00播\ufffd补\x1b贴") == "直播补贴"
    assert clean("a\x07b\tc\nd") == "ab\tc\nd"  # tab and newline are not control noise


def test_normalize_is_idempotent() -> None:
    for text in ("嘉定對直播企業的金融支持有哪些？", "Ｗhat is 200 万元 in yuan", "人工智慧"):
        once = normalize(text)
        assert normalize(once) == once


def test_normalize_remembers_short_strings_only() -> None:
    """Short strings come from a bounded cache; a long text (a clause, a document) gives the
    same form as its pieces and is not kept."""
    from bot.text.normalize import _CACHED_CHARS, _normalize_short

    piece = "嘉定對直播企業 的金融支持有哪些？"
    assert normalize(piece) == normalize(piece) == "嘉定对直播企业的金融支持有哪些?"
    long_text = piece * (_CACHED_CHARS // len(piece) + 1)
    kept = _normalize_short.cache_info().currsize
    assert normalize(long_text) == normalize(piece) * (_CACHED_CHARS // len(piece) + 1)
    assert _normalize_short.cache_info().currsize == kept
    assert _normalize_short.cache_info().maxsize is not None


def test_strip_spaces_keeps_the_original_script() -> None:
    # Quoting keeps Traditional characters; only PDF-artefact spaces near Chinese go.
    assert strip_spaces("給予 200 萬元 補貼") == "給予200萬元補貼"
    assert strip_spaces("  hello world  ") == "hello world"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("嘉定直播企业年主营业务收入首次超过1亿元奖励多少", "zh"),
        ("嘉定對直播企業的金融支持有哪些", "zh"),
        ("MCN机构有什么支持", "zh"),
        ("How much is the rent subsidy for talent in Jiading?", "en"),
        ("What does 嘉定 offer to livestreaming companies?", "en"),
        ("2024", "zh"),
        ("", "zh"),
        ("👍", "zh"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_cjk_ratio() -> None:
    assert cjk_ratio("") == 0.0
    assert cjk_ratio("123!") == 0.0
    assert cjk_ratio("直播") == 1.0
    assert cjk_ratio("ab直播") == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("嘉定對直播企業的金融支持有哪些", True),
        ("人才購房補貼最高多少？", True),
        ("直播産業", True),
        ("嘉定对直播企业的金融支持有哪些", False),
        ("How much is the subsidy?", False),
        ("", False),
        ("12345", False),
    ],
)
def test_is_traditional(text: str, expected: bool) -> None:
    assert is_traditional(text) is expected


def test_sentences_split_after_terminal_punctuation() -> None:
    assert sentences("第一句。第二句；第三句！第四句？尾巴") == [
        "第一句。", "第二句；", "第三句！", "第四句？", "尾巴",
    ]
    # The Shanghai plan uses half-width punctuation.
    assert sentences("支援松江區;支援虹橋。") == ["支援松江區;", "支援虹橋。"]
    assert sentences("  ") == []
    assert sentences("") == []


def test_sentences_keep_every_character() -> None:
    text = "对新增认定的市级特色园区给予一次性200万元补贴，对新增认定的区级特色园区给予一次性100万元补贴。鼓励园区申报。"
    assert "".join(sentences(text)) == text


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("一", 1), ("三", 3), ("两", 2), ("九", 9), ("十", 10), ("十一", 11), ("十二", 12),
        ("二十", 20), ("二十一", 21), ("九十九", 99),
    ],
)
def test_chinese_ordinal(label: str, value: int) -> None:
    assert chinese_ordinal(label) == value


@pytest.mark.parametrize("label", ["", "三四", "百", "十十", "一二十", "二十十", "abc", "1", "第三"])
def test_chinese_ordinal_rejects_non_ordinals(label: str) -> None:
    assert chinese_ordinal(label) is None


def test_traditional_replies_keep_the_documents_words():
    """文件 is a document, not a computer file (檔案); 短视频 stays 短視頻, as in the quotes."""
    from bot.text import to_traditional

    assert to_traditional("该文件已失效，短视频产业") == "該文件已失效，短視頻產業"


@pytest.mark.parametrize(
    "label, value",
    [("2024", 2024), ("二〇二四", 2024), ("二○二五", 2025), ("十二", 12), ("三", 3),
     ("二十一", 21), ("两", 2), ("十十", None), ("", None), ("年", None)],
)
def test_chinese_number_reads_years_digit_by_digit_and_counts(label, value):
    from bot.text import chinese_number

    assert chinese_number(label) == value


def test_a_title_within_a_title_takes_the_inner_marks() -> None:
    from bot.answering.validity import doc_title
    from bot.domain import DocumentMeta

    assert book("上海市实施《中华人民共和国邮政法》办法") == "《上海市实施〈中华人民共和国邮政法〉办法》"
    assert book("上海市食品安全条例") == "《上海市食品安全条例》"
    # where a message or a page puts the marks itself ("《{title}》第二十条", staff cards,
    # the console's pages, an eligibility result's clause)
    assert in_book("上海市实施《中华人民共和国邮政法》办法") == "上海市实施〈中华人民共和国邮政法〉办法"
    meta = DocumentMeta(id="x", title="上海市实施《中华人民共和国邮政法》办法", region="上海市")
    # as an answer names it ("据《…》第二十条：…", "出处：《…》第二十条"; marked verbatim)
    assert "《上海市实施〈中华人民共和国邮政法〉办法》" in doc_title(meta, "zh")
