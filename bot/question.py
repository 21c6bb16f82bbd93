"""A question analysed once: ``Query``, shared by the dialogue, retrieval and the composer.

``analyse(text, vocabulary)`` cleans the text, corrects typos of the documents' key terms by
their pinyin (家定 -> 嘉定, 直博 -> 直播, 补帖 -> 补贴), detects language and script, and reads
what the question asks for (kinds such as an amount, a date, the responsible department, the
document's validity) and what it states (amounts of money, a level such as 市级, a rank, a
document it names). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from bot.retrieval.intent import question_kinds
from bot.text import Amount, clean, detect_lang, find_amounts, is_traditional, normalize, whole_word

# A phone number, address or contact asked for ("联系电话是多少", "What is the phone number to
# apply…"), not a call told of ("城管打电话说…"), a telephone cable ("下面埋着电话线缆") or the
# customers' phone numbers and addresses a shop collects
PHONE_ASKED: tuple[str, ...] = (
    "电话是多少", "电话号码是多少", "电话号码多少", "联系电话", "咨询电话", "什么电话", "哪个电话", "电话多少", "打电话给谁",
    "打电话问", "打什么电话", "打哪个电话", "the phone number", "a phone number",
    "telephone number", "contact number", "contact details", "contact information",
    "contact phone", "who to contact", "who do we contact", "who do i contact",
    "who should we contact", "who should i contact", "how to contact", "how do we contact",
    "how do i contact", "how can we contact", "how can i contact", "which number to call",
    "what address", "which address", "the address of the office", "where is the office",
)  # fmt: skip
# What a question asks, beyond the retrieval kinds (amount, date, department...).
_ASKS: dict[str, tuple[str, ...]] = {
    "validity": (
        "还能申请", "还可以申请", "还有效", "有效吗", "还管用", "过期", "失效", "到期", "有效期",
        "还在执行", "还能用", "现在还能", "明年还", "今年还", "还适用", "still valid",
        "still available", "still apply", "still in force", "expired", "valid", "in force",
        "still open", "available today", "is it still", "can i still get", "can we still get",
    ),
    "number": ("文号", "发文字号", "文件号", "编号", "document number", "reference number"),
    "issuers": (
        "哪些部门印发", "哪个部门印发", "谁印发", "谁发布", "谁发的", "哪些部门发", "哪些单位",
        "联合印发", "印发的", "发布的", "发文单位", "发文机关", "who issued", "issued by",
        "issued it", "issued this", "issued the", "who published",
        "which departments", "co-issued",
    ),
    "issue_date": (
        "什么时候发布", "什么时候印发", "何时发布", "何时印发", "哪天发布", "哪天印发", "发布日期",
        "印发日期", "发布时间", "印发时间", "什么时候发的", "哪天发的", "哪一天发", "when was it issued",
        "issue date", "when was it published", "date of issue", "when was the policy",
        "when was the document", "when was the plan", "when was the notice",
        "when was the regulation", "when was this",
    ),
    "department": (
        "谁负责", "哪个部门", "找谁", "找哪个", "哪个单位", "负责部门", "责任单位", "归谁管",
        "谁管", "谁来办", "哪里办", "向谁", "who handles", "who is responsible",
        "which department", "which office", "who do i ask", "who should i ask", "who to contact",
        "who runs", "responsible",
    ),
    "procedure": (
        "怎么申请", "如何申请", "怎么申报", "如何申报", "申报流程", "申请流程", "流程", "材料",
        "截止", "联系方式", *PHONE_ASKED, "地址", "窗口", "在哪里申请", "去哪申请", "去哪里申请",
        "手续", "什么时候申报", "什么时候申请", "多久到账", "到账", "税", "发票", "审批时间",
        "how to apply", "how do i apply", "how can i apply", "application process", "procedure",
        "deadline", "documents required", "paperwork",
        "materials", "tax", "where do i apply", "where to apply", "what documents", "which documents",
        "documents do i need", "documents do we need", "how to claim", "taxable",
    ),
    "duration": ("几年", "多少年", "多久", "多长时间", "连续", "how many years", "how long", "for how many"),
    "conditions": (
        "什么条件", "哪些条件", "条件是", "要求", "需要满足", "谁能申请", "谁可以申请", "哪些企业",
        "什么企业", "门槛", "符合什么", "conditions", "requirements", "who can apply",
        "who is eligible", "eligible",
    ),
    "max": ("最多", "最高", "上限", "封顶", "最多能", "maximum", "at most", "the most", "cap", "up to"),
}  # fmt: skip

_LEVELS: dict[str, tuple[str, ...]] = {
    "national": ("国家级", "国家", "national"),
    "municipal": ("市级", "市里", "市一级", "municipal", "city-level", "city level"),
    "district": ("区级", "区里", "区一级", "district-level", "district level"),
}
_FOLLOW_MARKS = (
    "那", "那么", "如果", "要是", "假如", "假设", "换成", "改成", "还有", "另外", "那如果", "这个",
    "这项", "这条", "它", "该", "其", "and ", "what about", "how about", "and if", "what if",
    "is that", "is it", "is this", "for how", "and for", "and who", "and when", "does it",
    "does that", "and the",
)  # fmt: skip
_PRONOUNS = ("这个", "这项", "这条", "这笔", "该政策", "它", "上面", "刚才", "that", "this", "it")
_RANK = re.compile(
    r"第\s*([一二三四五1-9])\s*名|前\s*([一二三1-3])\s*名|(first|second|third)\s+place|ranked\s+(first|second|third|1st|2nd|3rd)|(top\s+three)"
)
_CN_RANK = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "first": 1, "second": 2, "third": 3, "1st": 1, "2nd": 2, "3rd": 3}  # fmt: skip


@dataclass(frozen=True)
class Query:
    """One message as the assistant understood it."""

    raw: str
    text: str  # cleaned, key-term typos corrected: what retrieval searches
    norm: str  # normalised (NFKC, Simplified, lower case) form of ``text``
    lang: str  # "zh" | "en"
    traditional: bool
    kinds: tuple[str, ...] = ()  # retrieval kinds: amount, date, count, duration, department...
    asks: tuple[str, ...] = ()  # validity, number, issuers, department, procedure, duration...
    amounts: tuple[Amount, ...] = ()
    levels: tuple[str, ...] = ()  # national / municipal / district, in order of mention
    rank: int | None = None
    corrections: tuple[tuple[str, str], ...] = field(default=())  # (typed, meant)

    @property
    def short(self) -> bool:
        """Short enough to lean on the previous turn ("那5亿呢？", "And for a park?")."""
        if self.lang == "en":
            return len(self.norm.split()) <= 7
        return len(re.sub(r"[\W_]", "", self.norm)) <= 12

    @property
    def marked_followup(self) -> bool:
        """Starts like a follow-up or points back with a pronoun."""
        if self.norm.startswith(_FOLLOW_MARKS) or self.norm.endswith(("呢", "呢?", "呢？")):
            return True
        return any(
            (whole_word(p).search(self.norm) if p.isascii() else p in self.norm) for p in _PRONOUNS
        )

    def has(self, ask: str) -> bool:
        return ask in self.asks


def _asks(norm: str) -> tuple[str, ...]:
    found = []
    for name, cues in _ASKS.items():
        if any((whole_word(c).search(norm) if c.isascii() else c in norm) for c in cues):
            found.append(name)
    return tuple(found)


def _levels(norm: str) -> tuple[str, ...]:
    hits: list[tuple[int, str]] = []
    for level, cues in _LEVELS.items():
        positions = [norm.find(c) for c in cues if c in norm]
        if level == "national" and "国家级" not in norm and "national" not in norm:
            continue  # 国家 alone ("国家政策") is not a level
        if positions:
            hits.append((min(positions), level))
    return tuple(level for _, level in sorted(hits))


def _rank(norm: str) -> int | None:
    m = _RANK.search(norm)
    if not m:
        return None
    if m.group(5):
        return 3
    token = next(g for g in m.groups() if g)
    return int(token) if token.isdigit() else _CN_RANK.get(token)


@lru_cache(maxsize=4096)
def _pinyin(word: str) -> str:
    return " ".join(lazy_pinyin(word))


class Corrector:
    """Replaces two- and three-character runs that sound like a key term but are written
    differently (家定 -> 嘉定): same toneless pinyin, not a word of the documents themselves."""

    def __init__(self, terms: Iterable[str], known: Iterable[str] = ()) -> None:
        self._by_sound: dict[str, str] = {}
        for term in sorted(
            {t for t in terms if 2 <= len(t) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", t)}
        ):
            self._by_sound.setdefault(_pinyin(term), term)
        self._terms = frozenset(self._by_sound.values())
        self._known = frozenset(known) | self._terms

    def correct(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        fixes: list[tuple[str, str]] = []
        out = text
        inside: frozenset[int] | None = None  # read when a run sounds like a term
        for size in (3, 2):
            i = 0
            while i + size <= len(out):
                chunk = out[i : i + size]
                if (
                    re.fullmatch(r"[\u4e00-\u9fff]+", chunk)
                    and chunk not in self._known
                    and not any(chunk in k for k in self._terms)
                ):
                    meant = self._by_sound.get(_pinyin(chunk))
                    if meant and meant != chunk:
                        inside = _inside_words(text) if inside is None else inside
                    # the end of one word and the start of the next is no typo of a term:
                    # 晚(上|十)点 is not 上市
                    if (
                        meant
                        and meant != chunk
                        and not (inside and i in inside and i + size in inside)
                    ):
                        out = out[:i] + meant + out[i + size :]
                        fixes.append((chunk, meant))
                        i += size
                        continue
                i += 1
        return out, tuple(fixes)


def _inside_words(text: str) -> frozenset[int]:
    """Positions that fall inside a word of two or more characters of jieba's dictionary
    (between its first and last character), as jieba segments ``text``."""
    import jieba  # the answer's tokenizer has loaded its dictionary by then

    return frozenset(
        position
        for word, start, end in jieba.tokenize(text)
        if end - start >= 2 and word in jieba.dt.FREQ
        for position in range(start + 1, end)
    )


def analyse(raw: str, corrector: Corrector | None = None) -> Query:
    """The message ``raw`` analysed once."""
    text = clean(raw).strip()
    lang = detect_lang(text) if text else "zh"
    traditional = lang == "zh" and is_traditional(text)
    fixes: tuple[tuple[str, str], ...] = ()
    if corrector is not None and lang == "zh":
        simplified = normalize(text)
        fixed, fixes = corrector.correct(simplified)
        if fixes:
            text = fixed
    norm = normalize(text)
    return Query(
        raw=raw,
        text=text,
        norm=norm,
        lang=lang,
        traditional=traditional,
        kinds=tuple(question_kinds(text)),
        asks=_asks(norm),
        amounts=tuple(find_amounts(text)),
        levels=_levels(norm),
        rank=_rank(norm),
        corrections=fixes,
    )
