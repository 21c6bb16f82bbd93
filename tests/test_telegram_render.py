"""The Telegram channel's pure parts: HTML rendering, splitting, keyboards, the flood gate,
retry timing and the token filter. The HTML is checked with the fake Bot API's own parser,
which answers exactly as Telegram does (plain text plus entities, or "can't parse entities")."""

import logging
from datetime import timedelta

import pytest
from fakes.telegram_api import parse_html
from telegram.error import RetryAfter

from bot.channels.telegram import (
    MAX_CALLBACK_BYTES,
    CallbackCodec,
    FloodGate,
    RetryPolicy,
    TokenFilter,
    citation_line,
    keyboard,
    render,
    retry_after_seconds,
    split_text,
    utf16_len,
)
from bot.channels.telegram.updates import parsable as _parsable
from bot.domain import Citation, Option, Reply

CITATION = Citation(
    doc="jiading-livestream-2024",
    title="关于加快嘉定区直播和短视频产业发展的若干意见",
    section="二、培育直播和短视频产业生态 > （三）鼓励直播和短视频企业做大做强",
    clause="（三）",
    text="……",
)


def test_dynamic_text_is_escaped_and_telegram_reads_it_back_verbatim() -> None:
    reply = Reply(
        "A <b>bold</b> claim & more\n<script>alert(1)</script> 1 < 2 > 0",
        citations=(Citation("d", "T<i>&</i>", "S > <x>", "（一）", "t"),),
    )

    (message,) = render(reply, CallbackCodec())
    plain, entities = parse_html(message.html)

    assert plain == message.plain
    assert plain.startswith("A <b>bold</b> claim & more\n<script>alert(1)</script> 1 < 2 > 0")
    assert "📄 《T<i>&</i>》（一） <x>" in plain
    kinds = [e["type"] for e in entities]
    assert kinds == ["bold", "blockquote"]  # our lead line and our citation block, nothing else


def test_the_lead_line_is_bold_only_when_short_and_followed_by_more() -> None:
    codec = CallbackCodec()
    assert render(Reply("单独一行"), codec)[0].html == "单独一行"
    assert render(Reply("问题？\n（为什么问）"), codec)[0].html == "<b>问题？</b>\n（为什么问）"
    long_first = "长" * 81 + "\n下一行"
    assert "<b>" not in render(Reply(long_first), codec)[0].html


def test_citations_are_a_compact_deduplicated_block() -> None:
    part = Citation(**{**CITATION.__dict__, "text": "another part of the same clause"})
    other = Citation("sh", "上海市促进直播电商发展三年行动方案", "三、主要任务", "（五）", "x")

    (message,) = render(Reply("答案。", citations=(CITATION, part, other)), CallbackCodec())

    assert message.plain == (
        "答案。\n\n"
        "📄 《关于加快嘉定区直播和短视频产业发展的若干意见》（三）鼓励直播和短视频企业做大做强\n"
        "📄 《上海市促进直播电商发展三年行动方案》（五） 三、主要任务"
    )
    assert message.html.endswith("</blockquote>")
    assert citation_line(CITATION).count("（三）") == 1


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("第一段。\n\n第二段。", 100, ["第一段。\n\n第二段。"]),
        ("第一段。\n\n第二段。", 5, ["第一段。", "第二段。"]),
        ("一行。\n二行。\n三行。", 7, ["一行。\n二行。", "三行。"]),
        ("甲句。乙句。丙句。", 6, ["甲句。乙句。", "丙句。"]),
        ("First one. Second one.", 12, ["First one.", "Second one."]),
        ("无标点的很长一句话", 4, ["无标点的", "很长一句", "话"]),
        ("   ", 10, []),
    ],
)
def test_split_text_cuts_at_the_coarsest_boundary_that_fits(
    text: str, limit: int, expected: list[str]
) -> None:
    assert split_text(text, limit) == expected


def test_split_text_counts_utf16_units_and_never_cuts_a_character() -> None:
    text = "😀" * 5  # each is two UTF-16 units
    parts = split_text(text, 4)
    assert parts == ["😀😀", "😀😀", "😀"]
    assert all(utf16_len(p) <= 4 for p in parts)


def test_a_long_reply_becomes_several_valid_messages_with_the_keyboard_on_the_last() -> None:
    paragraph = "对<符合条件>的企业给予奖励 & 补贴。" * 50
    reply = Reply(
        "\n\n".join([paragraph] * 6),
        options=(Option("menu:help", "帮助"),),
        citations=(CITATION,),
    )

    messages = render(reply, CallbackCodec())

    assert len(messages) > 1
    for message in messages:
        plain, _ = parse_html(message.html)
        assert plain == message.plain
        assert utf16_len(plain) <= 4096
    assert [bool(m.keyboard) for m in messages] == [False] * (len(messages) - 1) + [True]
    assert "📄" in messages[-1].plain and all("📄" not in m.plain for m in messages[:-1])


def test_citations_that_do_not_fit_go_to_a_message_of_their_own() -> None:
    reply = Reply("正" * 4090, citations=(CITATION,))
    first, second = render(reply, CallbackCodec())
    assert first.plain == "正" * 4090
    assert second.plain.startswith("📄") and second.html.startswith("<blockquote>")


def test_short_labels_share_a_row_and_long_ones_get_their_own() -> None:
    codec = CallbackCodec()
    yes_no = (
        Option("ans:x:yes", "是"),
        Option("ans:x:no", "否"),
        Option("ans:x:u", "不清楚 / 跳过"),
    )
    menu = (Option("menu:check", "检查我能申请什么"), Option("menu:about", "政策来源与有效期"))

    assert [[b.label for b in row] for row in keyboard(yes_no, codec)] == [
        ["是", "否", "不清楚 / 跳过"]
    ]
    assert [[b.label for b in row] for row in keyboard(menu, codec)] == [
        ["检查我能申请什么"],
        ["政策来源与有效期"],
    ]


def test_callback_data_fits_in_64_bytes_and_decodes_back() -> None:
    codec = CallbackCodec()
    short = "ans:annual_revenue:unknown"
    long = "ans:" + "营收" * 20 + ":yes"  # 128 bytes in UTF-8

    assert codec.encode(short) == short and codec.decode(short) == short
    data = codec.encode(long)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert codec.decode(data) == long
    assert codec.decode("#unknown-after-a-restart") == "#unknown-after-a-restart"


def test_the_flood_gate_warns_once_per_window_then_drops() -> None:
    now = [0.0]
    gate = FloodGate(limit=3, window=10.0, clock=lambda: now[0])

    verdicts = [gate.check(1) for _ in range(6)]
    other = gate.check(2)
    now[0] = 5.0
    still = gate.check(1)
    now[0] = 10.0
    again = [gate.check(1) for _ in range(4)]

    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert other == "ok"
    assert still == "drop"
    assert again == ["ok", "ok", "ok", "warn"]
    assert FloodGate(0, 10.0).check(1) == "ok"  # 0 switches it off


def test_retry_after_is_read_as_seconds_without_a_deprecation_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    limited = RetryAfter(3)  # PTB itself warns on construction when not opted in
    assert retry_after_seconds(RetryAfter(timedelta(seconds=1.5))) == 1.5
    monkeypatch.delenv("PTB_TIMEDELTA")
    assert retry_after_seconds(limited) == 3.0  # read as an int: no warning escapes


def test_backoff_doubles_and_is_bounded() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    delays = [policy.backoff(n) for n in range(1, 7)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(d <= 4.0 for d in delays)


def test_malformed_updates_become_empty_ones_that_keep_their_id() -> None:
    good = {
        "update_id": 5,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
    }
    assert _parsable(good) == good
    assert _parsable({"update_id": 6, "message": "garbage"}) == {"update_id": 6}
    assert _parsable({"update_id": "x"}) is None
    assert _parsable(["not", "an", "object"]) is None


def test_the_token_filter_redacts_messages_and_tracebacks() -> None:
    token = "123:SECRET"
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "url %s", ("https://h/bot123:SECRET/x",), None
    )
    try:
        raise RuntimeError("failed at https://h/bot123:SECRET/getMe")
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)

    assert TokenFilter(token).filter(record)

    assert record.getMessage() == "url https://h/bot<token>/x"
    assert record.exc_text is not None and "SECRET" not in record.exc_text
    assert "bot<token>/getMe" in record.exc_text
