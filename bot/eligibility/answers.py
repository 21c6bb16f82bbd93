"""Free-text answers to eligibility questions -> typed fact values. Pure functions.

Public API:

    parse_answer(fact: Fact, text: str, lang: Lang = "zh") -> bool | int | str | date
        The value to store for ``fact``: bool (yes_no), int yuan (money), int (number), option
        id (choice), date (date), or "unknown" for 不知道/不清楚/跳过/skip/unknown. Button ids
        ("yes", "no", "unknown", an option id) are accepted as answers too.
    parse_money(text: str, lang: Lang = "zh") -> int
        "2.5亿", "3个亿", "两亿五千万", "250000000", "250,000,000", "RMB 250 million",
        "80万元", "1.2 billion", "3000万" -> yuan. "2,5亿" (decimal comma) and negatives fail.
    parse_yes_no(text: str, lang: Lang = "zh") -> bool
        是/是的/对/有/yes/y -> True; 否/不/不是/没有/no/n -> False (full-width, traditional too).
    parse_choice(fact: Fact, text: str, lang: Lang = "zh") -> str
        By option id, by number ("1" is the first option) or by label / alias text.
    parse_number(text: str, lang: Lang = "zh", minimum: int | None = None) -> int
        "3", "第3名", "三", "3rd".
    parse_date(text: str, lang: Lang = "zh") -> date
        "2024-05-01", "2024/5/1", "2024.5.1", "2024年5月1日"; "2024年5月" -> the 1st.
    parse_district(text: str) -> str | None
        A Shanghai district id ("jiading", "pudong", ...) named in ``text``: 嘉定, 嘉定区,
        嘉定區, Jiading -> "jiading"; None when no district is named.
    is_unknown(text: str) -> bool

    AnswerError(BadInput)   raised for an unparseable answer; ``user_message`` explains in
                            ``lang`` and gives an example of a valid answer.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.domain import Lang
from bot.eligibility.fmt import normalize
from bot.eligibility.places import AMBIGUOUS_PLACES as AMBIGUOUS_PLACES
from bot.eligibility.places import OUTSIDE_SHANGHAI as OUTSIDE_SHANGHAI
from bot.eligibility.places import parse_district as parse_district
from bot.eligibility.schema import UNKNOWN, Fact
from bot.errors import BadInput
from bot.text.numbers import read_number


class AnswerError(BadInput):
    """An answer we could not read; the message says why and shows a valid example."""


def _error(lang: Lang, text: str, zh: str, en: str) -> AnswerError:
    return AnswerError(f"unparseable answer {text!r}", user_message=zh if lang == "zh" else en)


# ------------------------------------------------------------------------------ unknown

_UNKNOWN_WORDS = {
    "unknown", "skip", "pass", "idk", "?", "不知道", "不清楚", "不太清楚", "不确定", "不確定",
    "不晓得", "不曉得", "跳过", "跳過", "说不清", "說不清", "不了解", "don't know", "dont know",
    "do not know", "not sure", "no idea", "i don't know", "i dont know", "不知",
}  # fmt: skip

_TRAILING = " \t\r\n。.!！?？~～…,，;；:："


def _clean(text: str) -> str:
    return normalize(text).strip(_TRAILING) or normalize(text).strip()


# Phrases that mean "don't know" inside a longer answer too: "我也不清楚", "I'm not sure".
_UNKNOWN_PHRASES = tuple(w for w in _UNKNOWN_WORDS if (len(w) >= 2 and not w.isascii()) or " " in w)


def is_unknown(text: str) -> bool:
    """True for a skipped or "don't know" answer."""
    norm = normalize(text).replace("’", "'")
    if norm.strip() in _UNKNOWN_WORDS or norm.strip(_TRAILING) in _UNKNOWN_WORDS:
        return True
    return any(phrase in norm for phrase in _UNKNOWN_PHRASES)


# ------------------------------------------------------------------------------ yes / no

_YES = {
    "是", "是的", "是啊", "是呀", "对", "對", "对的", "對的", "有", "有的", "嗯", "确认", "確認",
    "没错", "沒錯", "当然", "當然", "yes", "y", "yeah", "yep", "yup", "sure", "true", "correct",
    "ok", "好", "好的", "同意",
}  # fmt: skip
_NO = {
    "否", "不", "不是", "不是的", "没有", "沒有", "没", "沒", "无", "無", "不对", "不對", "非",
    "还没有", "還沒有", "还没", "還沒", "尚未", "未", "no", "n", "nope", "not", "false", "none",
    "never", "没有的", "沒有的",
}  # fmt: skip
_NEGATION_PREFIXES = ("不", "没", "沒", "非", "未", "not ", "no ", "isn't ", "is not ")


def _yes_no_word(norm: str) -> bool | None:
    if norm in _YES:
        return True
    if norm in _NO:
        return False
    # "是的，在嘉定注册" / "no, we are in Pudong": judge by the first clause.
    head = re.split(r"[,，;；。.!！\s]", norm, maxsplit=1)[0]
    if head in _YES:
        return True
    if head in _NO:
        return False
    return None


def parse_yes_no(text: str, lang: Lang = "zh") -> bool:
    """Yes or no, in Chinese (simplified or traditional) or English."""
    value = _yes_no_word(_clean(text))
    if value is None:
        raise _error(
            lang,
            text,
            "请回答“是”或“否”（不清楚可以回答“不知道”）。",
            'Please answer "yes" or "no" (or "don\'t know").',
        )
    return value


# ------------------------------------------------------------------------------ numbers

_EN_SCALE = {
    "k": 10**3, "thousand": 10**3, "m": 10**6, "mn": 10**6, "mio": 10**6, "million": 10**6,
    "millions": 10**6, "b": 10**9, "bn": 10**9, "billion": 10**9, "billions": 10**9,
}  # fmt: skip
_EN_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]+)?$")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])")
_CURRENCY = re.compile(
    r"人民币|人民幣|rmb|cny|yuan|元整|元|圆|圓|块钱|塊錢|块|塊|¥|￥|个|個|大约|大約|约|約|左右|"
    r"approximately|approx\.?|about|around|roughly|整"
)


def parse_money(text: str, lang: Lang = "zh") -> int:
    """An amount of money in yuan from the ways people write it in Chinese or English."""
    norm = _clean(text)
    example_zh = "请直接输入金额，例如“3.2亿”“80万元”或“250000000”。"
    example_en = 'Please type an amount, e.g. "320 million", "3.2亿" or "800000".'
    if norm.startswith(("-", "−", "负", "負", "minus")):
        raise _error(
            lang,
            text,
            "金额不能为负数。" + example_zh,
            "The amount cannot be negative. " + example_en,
        )
    body = _CURRENCY.sub("", norm)
    body = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), body)
    if "," in body:
        raise _error(
            lang,
            text,
            f"“{text.strip()}”中的逗号有歧义：小数请用小数点（如“2.5亿”），千位分隔请写成“250,000,000”。",
            f'The comma in "{text.strip()}" is ambiguous: write decimals with a point '
            '(e.g. "2.5亿") and thousands as "250,000,000".',
        )
    body = re.sub(r"\s+", " ", body).strip()
    amount: Decimal | None = None
    match = _EN_AMOUNT.match(body)
    if match and (match.group(2) is None or match.group(2) in _EN_SCALE):
        try:
            amount = Decimal(match.group(1)) * _EN_SCALE.get(match.group(2) or "", 1)
        except InvalidOperation:
            amount = None
    if amount is None and not re.search(r"\d\s+\d", body):
        amount = read_number(body.replace(" ", "").replace("点", ".").replace("點", "."))
    if amount is None:
        raise _error(
            lang,
            text,
            f"没能识别这个金额：“{text.strip()}”。" + example_zh,
            f'I could not read the amount "{text.strip()}". ' + example_en,
        )
    if amount >= _MAX_AMOUNT:  # beyond any company (and past Decimal's 28-digit quantize)
        raise _error(
            lang,
            text,
            f"这个金额太大了：“{text.strip()[:40]}”。" + example_zh,
            f'That amount is too large: "{text.strip()[:40]}". ' + example_en,
        )
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_MAX_AMOUNT = Decimal(10) ** 18  # a billion billion yuan

_ORDINAL = re.compile(r"^(?:no\.?\s*|#)?(\d+)(?:st|nd|rd|th)?$")
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}  # fmt: skip


def parse_number(text: str, lang: Lang = "zh", minimum: int | None = None) -> int:
    """A whole number such as a rank: "3", "第3名", "三", "3rd", "third"."""
    norm = _clean(text)
    body = re.sub(r"^第|[名位个個]$", "", norm.replace(" ", "")) if not norm.isascii() else norm
    value: int | None = None
    match = _ORDINAL.match(body)
    if match:
        value = int(match.group(1))
    elif body in _EN_ORDINALS:
        value = _EN_ORDINALS[body]
    elif not body.startswith(("-", "负", "負")):
        number = read_number(body)
        if number is not None and number == number.to_integral():
            value = int(number)
    if value is None or (minimum is not None and value < minimum):
        low = minimum if minimum is not None else 0
        raise _error(
            lang,
            text,
            f"请输入一个不小于{low}的整数，例如“1”或“第3名”。",
            f'Please type a whole number of at least {low}, e.g. "1" or "3rd".',
        )
    return value


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号號]?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})()$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?()$"),
)


def parse_date(text: str, lang: Lang = "zh") -> date:
    """A calendar date; a year and month alone mean the first day of that month."""
    norm = _clean(text).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(norm)
        if match:
            year, month, day = match.groups()
            try:
                return date(int(year), int(month), int(day or 1))
            except ValueError:
                break
    raise _error(
        lang,
        text,
        "请输入日期，例如“2024-05-01”或“2024年5月1日”。",
        'Please type a date, e.g. "2024-05-01".',
    )


# ------------------------------------------------------------------------------ choices


def _match_key(text: str) -> str:
    return re.sub(r"[\s()（）,，、;；:：\"'“”‘’]", "", normalize(text))


_NONE_ANSWERS = {"都没有", "都不是", "一个都没有", "都没", "没有", "无", "否", "都沒有", "沒有", "無", "none", "neither", "no", "none of these", "none of them"}


def parse_choice(fact: Fact, text: str, lang: Lang = "zh") -> str:
    """An option id, chosen by id, by its number in the list, or by its label or an alias."""
    norm = _clean(text)
    key = _match_key(norm)
    options = fact.options
    number = re.sub(r"^(?:第|no\.?|#)|[个個项項]$", "", key)
    if number.isdigit() and 1 <= int(number) <= len(options):
        return options[int(number) - 1].id
    exact = [
        o.id
        for o in options
        if key
        in {_match_key(o.id), _match_key(o.label.zh), _match_key(o.label.en)}
        | {_match_key(a) for a in o.aliases}
    ]
    if len(exact) == 1:
        return exact[0]
    # A longer answer that names exactly one option: "我们是区级园区" -> district.
    partial = {
        o.id
        for o in options
        for word in (o.label.zh, o.label.en, *o.aliases)
        if len(_match_key(word)) >= 2
        and (_match_key(word) in key or (len(key) >= 2 and key in _match_key(word)))
    }
    if len(partial) == 1:
        return partial.pop()
    # "否" / "没有" / "都不是" to "是否…？" or "以下哪个？": the none option, when there is one
    none = next((o.id for o in options if o.id == "none"), None)
    if none is not None and (_yes_no_word(norm) is False or key in _NONE_ANSWERS):
        return none
    listing_zh = "；".join(f"{i}. {o.label.zh}" for i, o in enumerate(options, 1))
    listing_en = "; ".join(f"{i}. {o.label.en}" for i, o in enumerate(options, 1))
    raise _error(
        lang,
        text,
        f"请从以下选项中选择，可回复序号（例如“1”）：{listing_zh}",
        f'Please pick one of these, e.g. reply "1": {listing_en}',
    )


# ------------------------------------------------------------------------------ dispatch


def parse_answer(fact: Fact, text: str, lang: Lang = "zh") -> bool | int | str | date:
    """The fact value for a typed answer or a pressed button; "unknown" for don't-know."""
    if is_unknown(text):
        return UNKNOWN
    if fact.type == "yes_no":
        if fact.yes_district is not None:
            district = parse_district(text)
            # Another place named decides it, whatever the answer starts with: "不在，我们在
            # 宝山" and "是的，在宝山" both mean "not in Jiading"; the district itself counts
            # unless the answer denies it ("不在嘉定").
            if district is not None and district != fact.yes_district:
                return False
            if district is not None:
                return not _clean(text).startswith(_NEGATION_PREFIXES)
        return parse_yes_no(text, lang)
    if fact.type == "money":
        amount = parse_money(text, lang)
        if fact.minimum is not None and amount < fact.minimum:
            raise _error(
                lang,
                text,
                "金额不能为负数，例如“80万元”。",
                'The amount cannot be negative, e.g. "800000".',
            )
        return amount
    if fact.type == "number":
        return parse_number(text, lang, fact.minimum)
    if fact.type == "date":
        return parse_date(text, lang)
    return parse_choice(fact, text, lang)
