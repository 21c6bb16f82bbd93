"""Pure text helpers: normalisation for indexing, script and language detection, tokens.

Indexing and matching work on the *normalised* text; users are always shown the original.
Normalisation: NFKC (full-width -> half-width), Traditional -> Simplified with OpenCC's
``tw2sp`` profile (characters, variants such as 産, and Taiwan phrasing such as 人工智慧,
支援, 資訊 -> 人工智能, 支持, 信息), then white space removed inside Chinese text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import opencc

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# White space with a Chinese character on at least one side is an artefact of PDF extraction
# or of typing ("200 万元"); between two Latin words it separates them and is kept.
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
_HSPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}])[ \t\u3000]+|[ \t\u3000]+(?=[{_CJK}])")
_SPACE_RUN = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@lru_cache(maxsize=4)
def _converter(profile: str) -> opencc.OpenCC:
    return opencc.OpenCC(profile)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified, Taiwan phrasing included (OpenCC tw2sp)."""
    return str(_converter("tw2sp").convert(text))


def to_traditional(text: str) -> str:
    """Simplified -> Traditional characters (OpenCC s2tw), for replies to such users.

    Characters only, no Taiwan phrasing: s2twp turns 文件 into 檔案 (a computer file) and 短视频
    into 短影片, words that are not the documents' own, which the quotes keep."""
    return str(_converter("s2tw").convert(text))


def clean(text: str) -> str:
    """Remove control characters and replacement characters; keep everything else."""
    return _CONTROL.sub("", text)


def normalize(text: str) -> str:
    """The indexed form of ``text``: NFKC, simplified, no spaces inside Chinese, lower case."""
    text = unicodedata.normalize("NFKC", clean(text))
    text = to_simplified(text)
    text = _SPACE_NEAR_CJK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip().lower()


def cjk_ratio(text: str) -> float:
    """Share of Chinese characters among the letters of ``text`` (0.0 when it has none)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _CJK_RE.match(c)) / len(letters)


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def detect_lang(text: str) -> Literal["zh", "en"]:
    """English when the letters are mostly Latin; Chinese otherwise, also when there are no
    letters at all (the assistant's users write Chinese first)."""
    if not any(c.isalpha() for c in text):
        return "zh"
    return "zh" if cjk_ratio(text) >= 0.2 else "en"


@cache
def whole_word(term: str) -> re.Pattern[str]:
    """A compiled pattern matching ``term`` as a whole Latin word or phrase (cached: the
    glossary and scope rules hold hundreds of terms, more than ``re``'s own cache)."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes a noticeable share of the Chinese characters."""
    chinese = "".join(_CJK_RE.findall(text))
    if not chinese:
        return False
    simplified = str(_converter("t2s").convert(chinese))
    changed = sum(1 for a, b in zip(chinese, simplified, strict=False) if a != b)
    return changed >= 1 and changed / len(chinese) >= 0.05


def strip_spaces(text: str) -> str:
    """The original text with PDF-artefact spaces inside Chinese removed, for quoting."""
    return _HSPACE_NEAR_CJK.sub("", text).strip()


_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")


def sentences(text: str) -> list[str]:
    """Split Chinese text after 。；！？ (the delimiter stays with its sentence)."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]


_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "Ｏ": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_ordinal(label: str) -> int | None:
    """ "十二" -> 12, "三" -> 3, "二十" -> 20; None for anything else."""
    if not label or any(c not in _CN_DIGITS and c != "十" for c in label):
        return None
    if "十" not in label:
        return _CN_DIGITS[label] if len(label) == 1 else None
    tens, _, units = label.partition("十")
    if len(tens) > 1 or "十" in units:  # "一二十", "十十": not an ordinal
        return None
    value = (_CN_DIGITS[tens] if tens else 1) * 10
    if units:
        if len(units) != 1:
            return None
        value += _CN_DIGITS[units]
    return value


def chinese_number(label: str) -> int | None:
    """A number as documents write it: "2024", a counted numeral ("十二" -> 12), or digit by
    digit as in a year ("二〇二四" -> 2024); None for anything else."""
    if label.isdigit():
        return int(label)
    counted = chinese_ordinal(label)
    if counted is not None:
        return counted
    if label and "十" not in label and all(c in _CN_DIGITS for c in label):
        return int("".join(str(_CN_DIGITS[c]) for c in label))
    return None


# ------------------------------------------------------------------------------ amounts in text

_CN_NUM = "零一二两三四五六七八九十百千"
_UNIT_SCALE = {
    "亿": 100_000_000,
    "千万": 10_000_000,
    "百万": 1_000_000,
    "万": 10_000,
    "千": 1_000,
    "元": 1,
    "块": 1,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "m": 1_000_000,
    "k": 1_000,
    "thousand": 1_000,
    "yuan": 1,
    "rmb": 1,
}
_AMOUNT_RE = re.compile(
    r"(?P<pre>大概|大约|约|差不多|将近|接近|近|超过|超|过|首超|以上|逾|over|about|around|approximately|more than|above|over)?\s*"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|[" + _CN_NUM + r"]+(?:点[" + _CN_NUM + r"]+)?)\s*"
    r"(?P<ge>来个?|个?多?个?)?\s*"
    r"(?P<unit>千万|百万|亿|万|元|块|billion|bn|million|mn|m\b|k\b|thousand|yuan|rmb)"
    r"(?P<more>多)?(?P<post>\s*(?:元|块|人民币|yuan|rmb))?\s*(?P<tail>以上|左右|上下|多|出头|有余|plus)?",
    re.IGNORECASE,
)
_BARE_YI = re.compile(r"(过|上|破)亿")


@dataclass(frozen=True)
class Amount:
    """An amount of money a message states: ``yuan``, and how exact the user was."""

    yuan: int
    bound: Literal["exact", "at_least", "about"] = "exact"
    said: str = ""


def _cn_value(token: str) -> float | None:
    if re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", token):
        return float(token.replace(",", ""))
    whole, _, frac = token.partition("点")
    value = _cn_int(whole)
    if value is None:
        return None
    if frac:
        digits = "".join(str(_CN_DIGITS.get(c, "")) for c in frac)
        if len(digits) != len(frac):
            return None
        return float(f"{value}.{digits}")
    return float(value)


def _cn_int(token: str) -> int | None:
    if not token:
        return None
    total, section, digit = 0, 0, 0
    for char in token:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in "十百千":
            scale = {"十": 10, "百": 100, "千": 1000}[char]
            section += (digit or 1) * scale
            digit = 0
        else:
            return None
    return total + section + digit


def find_amounts(text: str) -> list[Amount]:
    """Money amounts stated in ``text``: "3个亿" -> 300,000,000; "三个多亿", "3亿多", "1亿以上",
    "过亿" are lower bounds; "大概3个亿", "3亿左右" approximations; "RMB 120 million" too."""
    norm = unicodedata.normalize("NFKC", text).lower()
    norm = to_simplified(norm)
    found: list[Amount] = []
    last_end = -1
    for m in _AMOUNT_RE.finditer(norm):
        value = _cn_value(m.group("num"))
        start = m.start("num")
        if value is None or (start >= 2 and norm[start - 1] in ",，" and norm[start - 2].isdigit()):
            continue  # "2,5亿": a decimal comma is ambiguous, not an amount of 5亿
        unit = m.group("unit").lower()
        if unit in ("元", "块", "yuan", "rmb") and value < 100 and not m.group("num").isdigit():
            continue
        yuan = round(value * _UNIT_SCALE[unit])
        pre, tail = (m.group("pre") or ""), (m.group("tail") or "")
        ge = m.group("ge") or ""
        bound: Literal["exact", "at_least", "about"] = "exact"
        if "多" in ge or m.group("more") or tail in ("以上", "多", "出头", "有余", "plus") or pre in (
            "超过", "超", "过", "首超", "逾", "over", "more than", "above",
        ):
            bound = "at_least"
        elif tail in ("左右", "上下") or pre in (
            "大概", "大约", "约", "差不多", "将近", "接近", "近", "about", "around", "approximately",
        ) or "来" in ge:
            bound = "about"
        if found and last_end == m.start() and unit not in ("亿", "元") and found[-1].yuan > yuan:
            prev = found.pop()  # "两亿五千万": one amount in two parts
            yuan, bound = prev.yuan + yuan, prev.bound if bound == "exact" else bound
        found.append(Amount(yuan, bound, m.group(0).strip()))
        last_end = m.end()
    if not found and _BARE_YI.search(norm):
        found.append(Amount(100_000_000, "at_least", _BARE_YI.search(norm).group(0)))  # type: ignore[union-attr]
    return found
