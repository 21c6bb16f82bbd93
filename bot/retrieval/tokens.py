"""Keyword tokens for BM25: jieba words of the normalised text, without stop words.

jieba keeps its dictionary cache in the data directory (never the system temp folder), and
the domain's multi-character terms are added to its dictionary so that 主营业务收入 or
特色园区 stay whole words as well as being cut into their parts for search.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import jieba

from bot.text import normalize, whole_word

_STOP_ZH = frozenset(
    [
        "的",
        "了",
        "是",
        "和",
        "与",
        "及",
        "在",
        "对",
        "有",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "嘛",
        "哦",
        "个",
        "之",
        "其",
        "以",
        "或",
        "也",
        "都",
        "就",
        "还",
        "要",
        "会",
        "这",
        "那",
        "我",
        "你",
        "他",
        "她",
        "它",
        "您",
        "我们",
        "你们",
        "他们",
        "什么",
        "多少",
        "哪些",
        "哪个",
        "哪",
        "怎么",
        "怎样",
        "如何",
        "可以",
        "能",
        "能否",
        "是否",
        "请问",
        "请",
        "一下",
        "给",
        "为",
        "被",
        "把",
        "从",
        "到",
        "等",
        "并",
        "而",
        "但",
        "如果",
        "吗?",
        "没",
        "不",
        "有没有",
        "是不是",
        "能不能",
        "可不可以",
        "呢?",
        "啥",
        "咋",
        "几",
        "该",
        "由",
        "于",
        "向",
        "将",
        "已",
        "后",
        "前",
        "中",
        "上",
        "下",
        "里",
        "时",
        "多",
        "少",
        "谁",
        "一个",
        "一些",
        "这个",
        "那个",
        "公司",
        "企业",
        "我司",
        "本",
        "该",
        "各",
        "每",
        "又",
        "再",
        "即",
        "按照",
        "根据",
        "关于",
        "进行",
        "相关",
        "有关",
    ]
)
_STOP_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "does",
        "do",
        "did",
        "what",
        "which",
        "how",
        "much",
        "many",
        "when",
        "who",
        "whom",
        "whose",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "i",
        "we",
        "our",
        "us",
        "my",
        "me",
        "you",
        "your",
        "with",
        "by",
        "from",
        "and",
        "or",
        "there",
        "any",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "be",
        "get",
        "gets",
        "got",
        "as",
        "if",
        "than",
        "then",
        "about",
        "into",
        "over",
        "under",
        "up",
        "out",
        "so",
        "such",
        "not",
        "no",
        "yes",
        "please",
        "tell",
        "say",
        "says",
        "said",
        "give",
        "gives",
        "given",
        "have",
        "has",
        "had",
    ]
)
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_log = logging.getLogger(__name__)


def _share_dictionary(loaded: jieba.Tokenizer) -> None:
    """Give jieba's own default tokenizer (``jieba.lcut``, ``jieba.posseg``: the answer reads a
    question's nouns with them) the default dictionary just loaded, before the domain's words
    are added, unless it has one: the same dictionary, not read a second time from a cache in
    the system temp folder (0.5-0.9 s of a cold ``policybot ask``, 74 MB against 15 MB for
    the shallow copy)."""
    default = jieba.dt
    if loaded.dictionary != jieba.DEFAULT_DICT or default.dictionary != jieba.DEFAULT_DICT:
        return
    with default.lock:
        if not default.initialized:
            default.FREQ, default.total = dict(loaded.FREQ), loaded.total
            default.initialized = True


class Tokenizer:
    """jieba search-mode tokens of normalised text, stop words and punctuation dropped."""

    def __init__(self, cache_dir: Path, extra_words: Iterable[str] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = str(cache_dir)
        self._jieba.cache_file = "jieba.cache"
        self._jieba.initialize()
        _share_dictionary(self._jieba)
        added = sorted({normalize(w) for w in extra_words if len(normalize(w)) >= 2})
        for word in added:
            self._jieba.add_word(word, freq=20000)
        # What the tokens depend on besides the text: cached token lists carry it.
        self.signature = hashlib.sha256("\n".join(added).encode("utf-8")).hexdigest()[:16]

    def words(self, text: str) -> list[str]:
        """jieba's precise segmentation of the normalised text (no stop-word filtering)."""
        return [w for w in self._jieba.lcut(normalize(text)) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """Tokens of ``text`` (normalised first); duplicates kept, order kept."""
        out: list[str] = []
        for token in self._jieba.cut_for_search(normalize(text)):
            token = token.strip()
            if not token or _PUNCT.match(token) or token in _STOP_ZH or token in _STOP_EN:
                continue
            out.append(token)
        return out


_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def char_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each Chinese run (a lone character stays), Latin words whole.

    Bigrams match where word segmentation differs between a question and a clause
    (营收 / 主营业务收入 share 收入; 挂牌 is found inside 股交中心挂牌).
    """
    out: list[str] = []
    for run in _RUNS.findall(normalize(text)):
        if run.isascii():
            if run not in _STOP_EN:
                out.append(run)
        elif len(run) == 1:
            if run not in _STOP_ZH:
                out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def expansions(question_norm: str, glossary: Mapping[str, Iterable[str]]) -> list[str]:
    """Document terms for the glossary keys found in the normalised question.

    English keys match whole words; Chinese keys match anywhere.
    """
    found: list[str] = []
    for key, values in glossary.items():
        if key.isascii():
            hit = whole_word(key).search(question_norm) is not None
        else:
            hit = key in question_norm
        if hit:
            found.extend(v for v in values if v not in found)
    return found
