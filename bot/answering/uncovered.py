"""Subjects no document covers: "政策文件没有涉及“新能源汽车”" only when it is true.

A word of the question counts as an uncovered subject only when it is a noun of the question
(jieba's tagging), not a place the documents govern or a place at all (本市, 上海, 徐汇), not a
question or colloquial word (时候, 多少), not a piece of a mis-split word (货主 in 带货主播,
where 主播 is a word the documents use), unknown to the documents' vocabulary, not a word whose
meaning they use in another word (司机 for 驾驶员: ``crosslingual.expressed``), and absent from
every retrieved clause. Chinese questions only: an English question is matched through the
glossary and is never told its subject is missing by word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from bot.answering.plan import Sources
from bot.answering.programs import LIGHT_WORDS
from bot.question import Query
from bot.retrieval.retriever import Hit
from bot.retrieval.scope import FIRM
from bot.text import normalize

# Question and colloquial words: never a subject.
QUESTION_WORDS: Final = frozenset(
    [
        "时候",
        "什么时候",
        "多少",
        "哪里",
        "哪天",
        "哪年",
        "哪个",
        "哪些",
        "怎么样",
        "怎样",
        "为什么",
        "情况",
        "东西",
        "事情",
        "问题",
        "时间",
        "地方",
        "办法",
        "意思",
        "内容",
        "方面",
        "部分",
        "样子",
        "这样",
        "那样",
        "大概",
        "左右",
        "一下",
        "需要",
        "规定",
        "条件",
        "要求",
        "流程",
        "材料",
        "部门",
        "单位",
        "之前",
        "以后",
        "之后",
        "现在",
        "今年",
        "明年",
        "去年",
        "每年",
        "第二年",
        "上限",
        "下限",
        "合计",
        "总共",
        "一共",
        "一起",
    ]
)
# Words too common in the documents to show that a clause speaks to the question.
_WEAK: Final = frozenset(
    [
        "直播",
        "短视频",
        "企业",
        "公司",
        "政策",
        "补贴",
        "奖励",
        "支持",
        "扶持",
        "平台",
        "机构",
        "经济",
        "产业",
        "发展",
        "推动",
        "鼓励",
    ]
)
_PLACE: Final = re.compile(
    r"^(?:本市|全市|本区|全区|本省|全省|本县|[\u4e00-\u9fff]{1,6}(?:省|市|区|县|镇|街道|新区))$"
)


def _is_place(word: str, sources: Sources) -> bool:
    return word in sources.places or _PLACE.match(word) is not None


def _mis_split(word: str, norm: str, vocabulary: frozenset[str]) -> bool:
    """``word`` straddles a word the documents use (货主 in 带货主播 overlaps 主播), or ends in
    the first verb of an A-not-A question (时能 in 招聘时能不能…)."""
    start = norm.find(word)
    if start < 0:
        return False
    end = start + len(word)
    if re.match(f"[不没]{re.escape(norm[end - 1])}", norm[end:]):
        return True
    for size in (2, 3, 4):
        for i in range(max(0, start - size + 1), min(len(norm) - size, end - 1) + 1):
            piece = norm[i : i + size]
            overlaps = i < end and i + size > start
            inside = i >= start and i + size <= end
            if overlaps and not inside and piece in vocabulary:
                return True
    return False


# Characters jieba leaves on the end of a verb (转租给, 卖掉了): a word of the documents with one
# of them after it is that word.
_TRAILING: Final = frozenset("给了过着到掉完好用")  # 用: 包装用 (包装用塑料袋)


def _modal_verb(word: str, norm: str) -> bool:
    """A modal and a verb that end the question ("我们能管吗": 能管, jieba's noun): what is
    asked, not a subject."""
    at = norm.find(word)
    return (
        len(word) == 2
        and word[0] in "能可会该要"
        and at >= 0
        and re.match(r"[吗呢么不没]|$", norm[at + 2 :].lstrip("?？!！。 ")) is not None
    )


def _one_character_more(word: str, vocabulary: frozenset[str]) -> bool:
    """A word the documents use with one character before it (店门口: 门口 of a shop, 小餐馆),
    or with a particle after it (转租给): what the question asks about is the word, and the
    documents speak of it. Not a longer modifier (新能源汽车 is not 汽车)."""
    return len(word) >= 3 and (
        word[1:] in vocabulary or (word[-1] in _TRAILING and word[:-1] in vocabulary)
    )


def _nouns(norm: str) -> list[str]:
    import jieba.posseg

    return [
        p.word
        for p in jieba.posseg.lcut(norm)
        if len(p.word) >= 2
        and p.flag.startswith(("n", "vn", "j"))
        and re.fullmatch(r"[\u4e00-\u9fff]+", p.word)
        and not re.search("[一二两三四五六七八九十百千万亿]", p.word)
    ]


# The asker telling what its firm is ("我们是一家做奶茶的小店", "我开的火锅店", "我们在浦东开了
# 家宠物店", "我们奶茶店的外卖…"): who asks, not what is asked about.
_SELF: Final = re.compile(
    rf"(?:我们|我)(?:公司|家)?(?:在[^，。？！,.?!]{{1,8}}?)?(?:是|开了|开的|开|经营|做)"
    rf"(?:一家|一个|一间|家|个)?[^，。？！,.?!]{{0,12}}?(?:{FIRM})"
    rf"|(?:我们|我家)(?:这家|这个|的)?[\u4e00-\u9fff]{{0,4}}?(?:{FIRM})"
)
# The firm named again as where something happens ("店里的狗", "厂里", "公司里")
_AT_FIRM: Final = re.compile(rf"(?:{FIRM})里")


def _who_asks(norm: str) -> str:
    """The asker's words for its own firm, if the question says what it is."""
    return " ".join(m.group(0) for m in _SELF.finditer(norm))


def uncovered(query: Query, sources: Sources, hits: Sequence[Hit]) -> tuple[str, ...]:
    """Subject words of the question that no document uses ("新能源汽车", "购车"), not the
    words of what the asker says its firm is ("我们是一家做奶茶的小店")."""
    vocabulary = sources.vocabulary
    if not vocabulary or query.lang != "zh":
        return ()
    asker = _who_asks(query.norm)
    nouns = _nouns(query.norm)
    words = [
        w
        for w in nouns
        if w not in LIGHT_WORDS
        and w not in QUESTION_WORDS
        and w not in asker
        and not _AT_FIRM.fullmatch(w)
    ]
    subjects = [w for w in words if not _is_place(w, sources)]
    missing = [
        w
        for w in dict.fromkeys(subjects)  # a word asked twice is one subject
        if w not in vocabulary
        and w not in sources.expressed  # said in other words: 司机 (驾驶员)
        and not any(w in v for v in vocabulary if len(v) <= 6)
        and not _mis_split(w, query.norm, vocabulary)
        and not _modal_verb(w, query.norm)
        and not _one_character_more(w, vocabulary)
        and not any(w in h.clause.norm for h in hits[:3])
    ]
    if not missing or len(missing) * 2 < len(subjects):
        return ()
    # another word of the question that the top clauses use, or the documents' usual word for
    # it (抽烟: 吸烟): they speak to it after all
    # (a noun next to a missing word is part of its name, 新能源汽车; a verb is what it does,
    # 客人抽烟)
    others = [
        w
        for w in _content_words(query.norm, sources)
        if not any(
            w in m or m in w or (w in nouns and (m + w in query.norm or w + m in query.norm))
            for m in missing
        )
    ]
    said = [u for w in others for u in (w, *sources.usual(w))]
    if any(w in h.clause.norm for w in said for h in hits[:3]):
        return ()
    return tuple(missing[:3])


def _content_words(norm: str, sources: Sources) -> list[str]:
    import jieba

    return [
        w
        for w in jieba.lcut(norm)
        if len(w) >= 2
        and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        and w not in LIGHT_WORDS
        and w not in QUESTION_WORDS
        and w not in _WEAK
        and not _is_place(w, sources)
    ]


def subject_words(query: Query, sources: Sources, terms: Sequence[str] = ()) -> list[str]:
    """The question's subject words (nouns and verbs, no places, question or common words);
    for an English question, the documents' words the glossary found for it (``terms``)."""
    if query.lang == "zh":
        return _content_words(query.norm, sources)
    return [
        t
        for t in dict.fromkeys(terms)
        if t not in _WEAK and t not in LIGHT_WORDS and not _is_place(t, sources)
    ]


def focus_words(query: Query, sources: Sources) -> tuple[str, ...]:
    """The question's subject words and the places it names: what an evidence sentence
    should mention."""
    if query.lang != "zh":
        return ()
    from bot.answering.places import named_places

    return tuple(
        dict.fromkeys(
            [*named_places(query.norm, sources.places), *_content_words(query.norm, sources)]
        )
    )


def unspoken(query: Query, sentence: str, sources: Sources, strict: bool = False) -> list[str]:
    """Subject words of the question the evidence sentence does not mention: a "yes" resting
    on a sentence about something else would be false ("社保补贴" answered by "支持产业发展").
    ``strict`` (before a "yes") counts the question's verbs too ("强制…加入" is not "鼓励")."""
    if query.lang != "zh":
        return []
    said = normalize(sentence)
    if strict:
        words = _content_words(query.norm, sources)
    else:
        words = [w for w in _nouns(query.norm) if w not in LIGHT_WORDS and w not in QUESTION_WORDS]
    return [
        w for w in words if not _is_place(w, sources) and w not in said and not _partly(w, said)
    ]


def _spoken_nouns(query: Query, sentence: str, sources: Sources) -> tuple[list[str], list[str]]:
    """The question's subject nouns (no places), and those the sentence mentions."""
    said = normalize(sentence)
    words = [
        w
        for w in _nouns(query.norm)
        if w not in LIGHT_WORDS and w not in QUESTION_WORDS and not _is_place(w, sources)
    ]
    return words, [w for w in words if w in said or _partly(w, said)]


def none_spoken(query: Query, sentence: str, sources: Sources) -> bool:
    """The evidence sentence mentions none of the question's subject nouns (a Chinese question
    with some): it speaks of something else."""
    if query.lang != "zh":
        return False
    words, spoken = _spoken_nouns(query, sentence, sources)
    return bool(words) and not spoken


def mostly_spoken(query: Query, sentence: str, sources: Sources) -> bool:
    """The evidence sentence mentions more than half of the question's subject nouns, two at
    least: it is about what was asked, in its own words ("物业服务企业应当…将物业服务合同报房管
    机构备案" for "我们物业公司刚跟一个小区签了物业服务合同，还要不要拿去哪里备案？"), though a
    verb or a noun of the question is not in it."""
    if query.lang != "zh":
        return False
    words, spoken = _spoken_nouns(query, sentence, sources)
    return len(spoken) >= 2 and 2 * len(spoken) > len(words)


def _partly(word: str, said: str) -> bool:
    """A two-character piece of a longer word is in the sentence (人才引进 ~ 人才)."""
    return len(word) >= 4 and any(word[i : i + 2] in said for i in range(len(word) - 1))
