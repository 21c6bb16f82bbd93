"""The scope gate: is a question about the documents at all?

Rules are data (knowledge/scope.yaml); ``decide`` is a pure function of the question and
the retrieval evidence. In order: a question about another city or province (and not about
Shanghai) is out; a question with a domain word is in (a policy question with an injection
attempt appended is still answered from the documents, which hold no secrets); requests for
secrets or instructions, and known off-topic subjects (weather, jokes, code...), are
out; a covered place (or a district of a city whose city-wide documents are loaded, named as
where the asker's firm is), a glossary term or a word distinctive of the documents keeps it in; anything else is in only when it is semantically close to some clause. In-scope questions must not be refused, so the
gate leans towards answering.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import jieba
import yaml
from pypinyin import Style, lazy_pinyin, pinyin

from bot.domain import DocumentMeta
from bot.errors import KnowledgeError
from bot.knowledge.coverage import places
from bot.knowledge.places import districts, governed, short_form
from bot.text import normalize, whole_word

DENSE_THRESHOLD = 0.88  # e5 cosine; unrelated chit-chat scores below, paraphrased questions above


@dataclass(frozen=True)
class ScopeRules:
    outside_places: frozenset[str]
    covered_places: frozenset[str]
    domain_terms: frozenset[str]
    never: frozenset[str]
    off_topic: frozenset[str]
    # districts of the municipalities whose city-wide documents are loaded: a question that
    # says a firm is there (``located_at``) is about the city's rules, not the district's own
    located: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> ScopeRules:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: cannot read scope rules: {exc}") from exc
        fields = ("outside_places", "covered_places", "domain_terms", "never", "off_topic")
        missing = [f for f in fields if not isinstance(data.get(f), list)]
        if missing:
            raise KnowledgeError(f"{path}: scope rules need lists {missing}")
        return cls(*(frozenset(normalize(str(t)) for t in data[f]) for f in fields))

    def place_words(self) -> Iterable[str]:
        """Chinese place names, for the tokenizer's dictionary."""
        return (p for p in self.outside_places | self.covered_places if not p.isascii())


def coverage_rules(
    rules: ScopeRules, kb: object, split: Callable[[str], Iterable[str]] = jieba.lcut
) -> ScopeRules:
    """The scope rules for the documents actually loaded: every place a document governs
    (its region and place aliases, ``bot.knowledge.coverage.places``; a province's cities and
    counties) is covered and no longer outside, and a place named in a document's title
    (浦东新区 in a regulation about Pudong) is covered too, and a topic a document's title
    names is no longer off-topic. scope.yaml keeps only the places known to exist and the
    topics."""
    documents: Mapping[str, DocumentMeta] = getattr(kb, "documents", {})
    covered = {normalize(p) for p in places(documents)}
    covered |= {normalize(p) for m in documents.values() for p in _governed_forms(m.region)}
    titles = [normalize(m.title) for m in documents.values()]
    named = {w for t in titles for w in _title_places(t, split)}
    covered |= {p for p in rules.outside_places if not p.isascii() and p in named}
    # as an English question names them: those of the titles too (浦东 of a regulation on
    # Pudong: "We're developing an office building in Pudong…")
    covered |= {latin(p) for p in covered if _SHORT_PLACE.fullmatch(p)}
    outside = frozenset(
        p for p in rules.outside_places if p not in covered and not any(p in c for c in covered)
    )
    # A topic a loaded document is about (电影 in a regulation on cinemas) is not off-topic.
    off_topic = frozenset(t for t in rules.off_topic if not any(t in title for title in titles))
    located = {normalize(d) for m in documents.values() for d in districts(m.region)}
    located |= {r for d in located if _SHORT_PLACE.fullmatch(d) for r in readings(d)}
    return replace(
        rules,
        covered_places=rules.covered_places | frozenset(covered),
        outside_places=outside,
        off_topic=off_topic,
        located=frozenset(located),
    )


# A place named in a title is one of its words, alone or with its administrative ending
# (浦东新区): 上海口岸服务条例 names no 海口, 黄浦江苏州河 neither 江苏 nor 苏州.
_PLACE_ENDING = re.compile(r"(?:新区|自治区|自治州|特别行政区|省|市|区|县|州)$")


def _title_places(title: str, split: Callable[[str], Iterable[str]]) -> set[str]:
    """The words of a (normalised) title, and each without an administrative ending."""
    words = {w for w in split(title) if len(w) >= 2}
    return words | {_PLACE_ENDING.sub("", w) for w in words}


_SHORT_PLACE = re.compile(r"[\u4e00-\u9fff]{2,3}")  # 宁波, 山东: a place as people type it
# Words that are a zone of a place (苏州工业园区, 前海自贸区): they name that place.
_ZONE_ENDINGS = ("工业园区", "园区", "新区", "开发区", "高新区", "自贸区", "试验区", "保税区")
# A place followed by one of these is a dish or a cuisine, not where the asker is or asks
# about: 兰州拉面馆, 沙县小吃, 重庆火锅, 北京烤鸭, "Lanzhou noodles", "Sichuan-style food". Not
# 菜 alone (北京菜市场 is a market) nor "food" or "restaurants" ("Beijing's food rules",
# "restaurants in Beijing" ask about Beijing).
_CUISINE: Final = (
    "拉面|牛肉面|小面|小吃|火锅|烤鸭|米线|米粉|凉皮|肉夹馍|酸辣粉|麻辣烫|串串|烧烤|汤包|菜馆|菜系|风味"
    "|料理|口味"
)
_CUISINE_EN: Final = (
    r"(?:beef\s+)?noodles?|hot\s*pots?|roast\s+duck|duck|cuisine|dishes|snacks?"
    r"|style\s+(?:food|restaurant|cooking|noodles?|hot\s*pot)"
)


# An off-topic word followed by one of these names an office, not the topic: "the weather
# bureau gave us a deadline" (lightning protection), "the film bureau", 电影局.
_OFFICE: Final = "局|管理局|管理部门|主管部门|部门|办公室"
_OFFICE_EN: Final = (
    r"bureaus?|offices?|departments?|authorit(?:y|ies)|administrations?|agenc(?:y|ies)"
    r"|services?|stations?"
)


# What a firm is (its words end a firm's name: 奶茶店, 餐厅, 仓库); where a firm says it is
# ("注册在徐汇", "我们在闵行", "徐汇的一家奶茶店"), as against what a district itself gives
# ("浦东新区单独给直播企业的补贴").
FIRM: Final = (
    "店|公司|企业|工厂|厂|餐厅|饭店|门店|商户|商铺|机构|mcn|工作室|超市|酒店|民宿|学校|医院"
    "|诊所|园区|基地|商场|项目|工地|小区|写字楼|仓库|馆|网点|作坊|酒吧|ktv"
)


# the words before a place that say a firm is there ("在闵行", "位于上海市浦东")
_AT: Final = r"(?:在|于|位于|落户|设在|开在)(?:上海市?)?"


def located_at(place: str, query: str) -> bool:
    """Does the (normalised) question say the asker's firm is at ``place``?"""
    name = re.escape(place)
    if place.isascii():  # "a plant in Qingpu", "we're based in Minhang district"
        return re.search(rf"\b(?:in|at)\s+{name}\b(?!\s+district'?s)", query) is not None
    return (
        re.search(rf"{_AT}{name}", query) is not None
        or re.search(
            rf"{name}区?(?:这边|那边)?的(?:一家|一个|一间)?[^，。？！,.?!]{{0,6}}?(?:{FIRM})",
            query,
        )
        is not None
    )


def latin(place: str) -> str:
    """宁波 -> ningbo: how an English question names a covered Chinese place."""
    return "".join(lazy_pinyin(place))


def readings(place: str) -> set[str]:
    """Every way of writing a short place name in pinyin, each character read each way it can
    be (闵行: minhang, not only lazy_pinyin's minxing; 长宁: changning): "a plant in Qingpu"."""
    return {
        "".join(p) for p in itertools.product(*pinyin(place, style=Style.NORMAL, heteronym=True))
    }


def _governed_forms(region: str) -> list[str]:
    """The cities and counties a province's document governs, by full name, and the cities
    also as people type them (潍坊市, 潍坊; 寿光市): a provincial regulation applies there.
    Counties keep their suffix: short county names are ordinary words too (平原, 新安)."""
    names = governed(region)
    return names + [short_form(n) for n in names if n.endswith("市") and len(n) >= 3]


@dataclass(frozen=True)
class ScopeDecision:
    in_scope: bool
    reason: str

    @property
    def elsewhere(self) -> bool:
        """Out because the question is about a place no loaded document governs."""
        return not self.in_scope and self.reason.startswith("outside:")

    @property
    def place(self) -> str:
        """The place of a question about another place (``elsewhere``), else ""."""
        return self.reason.partition(":")[2] if self.elsewhere else ""


def _mentions(term: str, query: str, words: frozenset[str]) -> bool:
    """English terms match as whole words, Chinese ones as whole jieba words."""
    if term.isascii():
        return whole_word(term).search(query) is not None
    return term in words


def _only_before(word: str, query: str, chinese: str, english: str) -> bool:
    """Is every mention of ``word`` in the (normalised) question followed by one of these
    words (``chinese`` or ``english``, alternatives of a pattern), so that it only names
    something else?"""
    name = re.escape(word)
    if word.isascii():
        every = re.findall(rf"\b{name}\b", query)
        followed = re.findall(rf"\b{name}[\s-]+(?:{english})\b", query)
    else:
        every = re.findall(name, query)
        followed = re.findall(rf"{name}(?:{chinese})", query)
    return bool(every) and len(followed) == len(every)


def _as_cuisine(place: str, query: str) -> bool:
    """Is every mention of ``place`` the name of a dish or a cuisine (兰州拉面馆, "Lanzhou
    noodles")?"""
    return _only_before(place, query, _CUISINE, _CUISINE_EN)


# Who else a firm deals with: a place before one of these (香港一家唱片公司, "a Hong Kong
# record label") says where that party is, not where the asker is.
_PARTY: Final = (
    "公司|企业|工厂|厂家|厂商|客户|客商|买家|卖家|商家|投资者|投资方|供应商|合作方|经销商|品牌"
    "|机构|门店|酒店|游客|外商"
)
_PARTY_EN: Final = (
    r"(?:[a-z-]+\s+){0,2}?(?:compan(?:y|ies)|firms?|clients?|customers?|buyers?|suppliers?"
    r"|labels?|investors?|partners?|brands?|distributors?|manufacturers?|tourists?|visitors?)"
)
# The asker, after that party in the same sentence: what the party wants of the asker
# ("…想让我们…", "…wants us to…"), not what the asker wants to know about it.
_ASKER_AFTER: Final = r"[^。？！.?!]*?(?:我们|我司|我方|本公司|\b(?:we|us|our)\b)"


def _as_party(place: str, query: str) -> bool:
    """Is every mention of ``place`` where another party of the asker's is, one that asks or
    does something of the asker ("我们是一家光盘压制厂，香港一家唱片公司想让我们…", "a Hong
    Kong client wants us to…"), the asker not said to be at ``place``? The question is then
    about the asker's own rules; "我们想知道深圳的企业能拿多少补贴" stays about 深圳."""
    name = re.escape(place)
    if place.isascii():
        mine = rf"\b(?:we|i)(?:'re|\s+are|'m|\s+am)\s+(?:an?\s+|based\s+in\s+|in\s+)?{name}\b"
        if re.search(mine, query):
            return False
        every = re.findall(rf"\b{name}\b", query)
        party = re.findall(
            rf"\b(?:an?|one|the|our)\s+{name}[\s-]+{_PARTY_EN}\b{_ASKER_AFTER}", query
        )
        party += re.findall(
            rf"\b{_PARTY_EN}\s+(?:from|in|based\s+in)\s+{name}\b{_ASKER_AFTER}", query
        )
    else:
        mine = rf"我(?:们|司)?是(?:一家|一个)?{name}|{_AT}{name}"
        if re.search(mine, query):
            return False
        every = re.findall(name, query)
        party = re.findall(
            rf"{name}(?:的|这边的|那边的)?(?:一家|一个|一位|某|几家)?[^，。？！,.?!我]{{0,6}}?"
            rf"(?:{_PARTY}){_ASKER_AFTER}",
            query,
        )
        party += re.findall(rf"来自{name}的[^。？！.?!]{{0,8}}?(?:{_PARTY}){_ASKER_AFTER}", query)
    return bool(every) and len(party) >= len(every)


def _as_office(term: str, query: str) -> bool:
    """Is every mention of the off-topic ``term`` part of an office's name ("weather bureau",
    电影局)?"""
    return _only_before(term, query, _OFFICE, _OFFICE_EN)


def decide(
    question: str,
    words: Sequence[str],
    rules: ScopeRules,
    *,
    glossary_terms: Sequence[str],
    corpus_terms: Sequence[str],
    top_dense: float,
    dense_threshold: float = DENSE_THRESHOLD,
) -> ScopeDecision:
    """Decide scope from the question, its jieba words and the retrieval evidence."""
    query = normalize(question)
    # 台北市, 余杭区: a place word also stands for the place without its administrative suffix.
    word_set = frozenset(words) | frozenset(
        w[:-1] for w in words if len(w) > 2 and w[-1] in "市区省县"
    )
    outside = sorted(
        p
        for p in rules.outside_places
        if (
            _mentions(p, query, word_set)
            or any(w.startswith(p) and w.endswith(_ZONE_ENDINGS) for w in words if not p.isascii())
        )
        and not _as_cuisine(p, query)
        and not _as_party(p, query)
    )
    # a covered place named, or a district of a city whose own documents are loaded named as
    # where the asker's firm is
    covered = any(
        _mentions(p, query, word_set) or (not p.isascii() and p in query)
        for p in rules.covered_places
    ) or any(p in query and located_at(p, query) for p in rules.located)
    if outside and not covered:
        return ScopeDecision(False, f"outside:{outside[0]}")
    if any(
        _mentions(t, query, word_set) or (not t.isascii() and t in query)
        for t in rules.domain_terms
    ):
        return ScopeDecision(True, "domain")
    if any(term in query for term in rules.never):
        return ScopeDecision(False, "never")
    if any(
        (_mentions(t, query, word_set) or (not t.isascii() and t in query))
        and not _as_office(t, query)
        for t in rules.off_topic
    ):
        return ScopeDecision(False, "off_topic")
    if covered or glossary_terms or corpus_terms:
        return ScopeDecision(True, "vocabulary")
    if top_dense >= dense_threshold:
        return ScopeDecision(True, "similar")
    return ScopeDecision(False, "unrelated")
