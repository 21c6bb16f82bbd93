"""Normalisation, script and language: one definition each.

Indexing and matching work on the *normalised* text; users are always shown the original.
Normalisation: NFKC (full-width -> half-width), Traditional -> Simplified with OpenCC's
``tw2sp`` profile (characters, variants such as 産, and Taiwan phrasing such as 人工智慧,
支援, 資訊 -> 人工智能, 支持, 信息) for text in traditional characters (simplified text is not
rephrased: ``to_simplified``), then white space removed inside Chinese text.
"""

from __future__ import annotations

import re
import unicodedata
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
    """Traditional -> Simplified, Taiwan phrasing included (OpenCC tw2sp: 資訊 -> 信息, 人工智慧
    -> 人工智能); text written in simplified characters is left as it is.

    tw2sp reads every text as Taiwan's: on simplified text it rewrites words written alike
    in both scripts into their Taiwan computing sense (建立 -> 创建, 程序 -> 进程, 文件 -> 文档,
    核心 -> 内核, 新增 -> 添加), so that a regulation's words were no longer the dictionary's
    ("procedure" -> 程序) nor the words the answering rules look for (文件, 程序)."""
    if str(_converter("t2s").convert(text)) == text:
        return text
    return str(_converter("tw2sp").convert(text))


def to_traditional(text: str) -> str:
    """Simplified -> Traditional characters (OpenCC s2tw), for replies to such users.

    Characters only, no Taiwan phrasing: s2twp turns 文件 into 檔案 (a computer file) and 短视频
    into 短影片, words that are not the documents' own, which the quotes keep."""
    return str(_converter("s2tw").convert(text))


def clean(text: str) -> str:
    """Remove control characters and replacement characters; keep everything else."""
    return _CONTROL.sub("", text)


# A question's answer normalises the same short strings hundreds of times (the programs'
# keywords, cue words, the top clauses' sentences); each costs an OpenCC call. Strings up to
# this length are remembered, at most this many (a few MB at worst); longer ones (whole
# clauses, documents at ingest) are normalised each time and not kept.
_CACHED_CHARS = 256
_CACHED_STRINGS = 16384


def normalize(text: str) -> str:
    """The indexed form of ``text``: NFKC, simplified, no spaces inside Chinese, lower case."""
    if len(text) <= _CACHED_CHARS:
        return _normalize_short(text)
    return _normalize(text)


@lru_cache(maxsize=_CACHED_STRINGS)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
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


def book(title: str) -> str:
    """A title in book-title marks, a title within it in the inner marks, as Chinese writes
    them: 《上海市实施〈中华人民共和国邮政法〉办法》, not 《上海市实施《中华人民共和国邮政法》办法》."""
    return "《" + in_book(title) + "》"


def in_book(title: str) -> str:
    """A title as it stands within book-title marks a message or a page puts around it ("《{title}》"):
    a title within it takes the inner marks."""
    return title.replace("《", "〈").replace("》", "〉")
