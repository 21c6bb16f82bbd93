"""A yes/no question answered from the sentence of the top clauses that speaks to it.

"营业执照能借给别人用吗" is answered by the sentence of a top clause that carries a modal word
about the question's subject ("场内经营者不得出租、出借营业执照"): 不得/禁止 -> no;
应当/必须 -> it is required (when the question asks whether it must be done); 可以/有权 -> yes.
"未经公平竞争审查不得出台" answers "一定要做审查吗" with "required". A clause counts only when
it names one of the question's subject words (the more, the better); a "yes" only when the
sentence names nearly all of them (a sentence about something else must not say yes). An
English question, read through the glossary's words, is answered here only by a prohibition
or a requirement. Generic patterns over any text. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.answering.evidence import Sentence, score_gap, whole_sentences
from bot.answering.plan import Sources
from bot.answering.reading import CANNOT, NAMING
from bot.answering.uncovered import subject_words
from bot.domain import Clause
from bot.question import Query
from bot.retrieval.retriever import Hit
from bot.retrieval.tokens import char_bigrams
from bot.text import normalize

DEPTH: Final = 3  # the top clauses read for a verdict
# 不可抗力 (force majeure) forbids nothing
_NEGATIVE: Final = re.compile(
    rf"不得|(?!{NAMING})禁止|严禁|不准|不允许|{CANNOT}|不予|不可(?!抗力)|不应"
)
_DUTY: Final = re.compile(r"应当|必须|应该|须(?!知)")
_PERMIT: Final = re.compile(r"可以|有权|允许|准予|鼓励|支持")
# A question whether something must be done ("一定要做审查吗", "do we have to check").
_NEED: Final = re.compile(
    r"一定要|必须|需要|需不需要|要不要|是否要|是否应当|应不应该|应该|得不得|要在|要去|要办"
    r"|要(?:审批|批准|许可|申请|报批|报备|备案|登记|签|通知|告知|报告)"
    r"|\bhave to\b|\bhas to\b|\bneeds?\b|\bmust\b|\brequired\b|\brequire\b"
)
# A question whether something is lawful ("这在浙江合法吗", "报了假材料算违规吗", "要我们出检验费，
# 这合理吗"): a prohibition answers it with "not allowed", whichever way the question is put.
_LAWFUL: Final = re.compile(
    r"合法|违法|违规|违反|犯法|合规|合理|正当|有问题吗|有没有问题"
    r"|\blegal|illegal|violat|against the (?:law|rules)"
)
# A question whether something may be done or is supported: only such a question is answered
# "yes" by 可以/鼓励 ("专利申请权归个人吗" asks whose it is; "当事人可以请求调解" is no answer).
_MAY: Final = re.compile(
    r"能|可以|可不可|允许|准许|准不准|支持|鼓励|有权|让不让|行不行|行吗|\bcan\b|\bmay\b|allowed"
    r"|\bcould\b|permitted|\bok\b|okay"
)
_ASKING_WORDS: Final = frozenset(["一定", "需要", "必须", "应该", "是否", "可以", "能够"])
# A sentence that punishes what it describes ("…的，处…罚款", "予以取缔").
_PUNISHED: Final = re.compile(r"罚款|罚金|没收|吊销|取缔|追究.{0,6}责任|予以处罚|给予.{0,4}处分")
_SUPPORT: Final = re.compile(r"支持|鼓励|扶持|encourag|support")
# "未经…不得…", "没有…不得": a negative that makes its condition a requirement; so does
# "禁止擅自…" (擅自: without the leave the law requires).
_UNLESS: Final = re.compile(
    r"(?:未经|未|没有|非经)[^，。；]{0,30}(?:不得|禁止|不予)|(?:不得|禁止|严禁)擅自"
)
_STOP_CHARS: Final = frozenset("的了吗呢吧啊是在有和与或及能可以要会把被给对于个这那我们你他")
_CLAUSE_END: Final = re.compile(r"[，,。；;：:！？]")
_MODAL_CHARS: Final = frozenset("不得准许应该须")
_MIN_SCORE: Final = 0.15
_DEFINITE: Final = 0.2
_INDIRECT: Final = 0.3
_LEAVE: Final = 0.1


@dataclass(frozen=True)
class YesNo:
    """The sentence a verdict rests on and the verdict: yes, no, must, duty (a duty that does
    not answer a question whether something may be done), forbidden (asked whether lawful) or
    supported (asked whether supported, and the sentence supports or encourages it)."""

    sentence: Sentence
    verdict: str


def permits(sentence: str) -> bool:
    """The sentence says something may be done or is supported (可以, 有权, 鼓励...)."""
    return _PERMIT.search(normalize(sentence)) is not None and not _NEGATIVE.search(
        normalize(sentence)
    )


def _spans_after(modal: re.Pattern[str], said: str) -> list[str]:
    """What follows each ``modal`` word of ``said``, to the end of its clause (the act it
    forbids or permits)."""
    return [_CLAUSE_END.split(said[m.end() :], maxsplit=1)[0] for m in modal.finditer(said)]


# "不得从事下列活动：（一）倾倒…；（二）…": what is forbidden is the list that follows
_LISTED: Final = re.compile(r"下列[\u4e00-\u9fff]{0,6}[：:]")


def _lists_after(said: str) -> list[tuple[str, str]]:
    """(the list, the setting) of each prohibition of "下列活动：（一）…": the items it forbids,
    and what the sentence says before it ("在河道管理范围内，"), which every item shares and
    which says nothing of what is forbidden (a question on fishing by a river names 河道 too)."""
    found = []
    for m in _NEGATIVE.finditer(said):
        rest = said[m.end() :]
        head = _CLAUSE_END.split(rest, maxsplit=1)[0]
        listed = _LISTED.search(rest[: len(head) + 1])
        if listed is not None:
            found.append((rest[listed.end() :], said[: m.start()]))
    return found


def _lists_share(said: str, asked: set[str], pairs: bool) -> bool:
    """A listed item of a prohibition shares a character pair (or, without ``pairs``, two
    characters: 鱼 of 钓鱼 and of "挖筑鱼塘" is not enough) of ``asked`` that its setting does
    not hold."""
    for items, setting in _lists_after(said):
        if pairs and (set(char_bigrams(items)) & asked) - set(char_bigrams(setting)):
            return True
        if not pairs and len((_chars(items) & asked) - _MODAL_CHARS - _chars(setting)) >= 2:
            return True
    return False


def _conditions_before(modal: re.Pattern[str], said: str) -> list[str]:
    """The condition ("对客户身份不明或者拒绝身份查验的") right before each ``modal`` word whose
    clause opens with it ("…的，不得提供服务"): what the rule is about."""
    found = []
    for m in modal.finditer(said):
        before = said[: m.start()].rstrip("，, ")
        if before.endswith("的") and m.start() - len(before) <= 1:
            found.append(_CLAUSE_END.split(before)[-1])
    return found


def permits_asked(sentence: str, terms: Sequence[str]) -> bool:
    """What the sentence permits (after 可以, 有权…, to the end of its clause) shares a
    character pair with ``terms`` (the documents' words found for an English question):
    "…劳动合同可以中止" permits suspending a contract, which is no "yes" to whether an employer
    may keep a worker's copy of it, though the sentence names the contract and the employer."""
    said = normalize(sentence)
    pairs = set().union(*(char_bigrams(t) for t in terms)) if terms else set()
    return any(set(char_bigrams(span)) & pairs for span in _spans_after(_PERMIT, said))


def asks_need(query: Query) -> bool:
    return _NEED.search(query.norm) is not None


def _needed(question: str) -> str:
    """What a question asks whether one must do or have: what follows its last need word, up
    to the end of that clause ("…在上海承接工程需要备案吗": 备案; "公司搬家要不要去税务局登记":
    去税务局登记); empty without one."""
    ends = [match.end() for match in _NEED.finditer(question)]
    return re.split(r"[，。？！?!,；;]|吗|呢", question[ends[-1] :])[0] if ends else ""


# A formality a firm may need: filing, a licence, an approval, registration.
_FORMALITY: Final = re.compile(r"备案|报备|许可|审批|报批|批准|核准|登记|证")


def _says_needed(said: str, question: str) -> bool:
    """Asked whether a formality is needed, does the sentence name it (half the characters of
    the formality's words at least)? A duty or a ban on something else of the case is no
    requirement of it: "…承接建设工程时不得有下列行为：借用他人资质…" is no "需要" to whether a
    firm from elsewhere must file (备案). Asked whether to do something else, its words may be
    the documents' own (必须配合吗: 应当予以协助), and the other checks read it."""
    formalities = _FORMALITY.findall(_needed(question))
    needed = _chars("".join(formalities))
    return not needed or len(needed & _chars(said)) * 2 >= len(needed)


# what may stand before the need word of the part that asks and says nothing of the case
_PLAIN_ASKING: Final = re.compile(r"^(?:请问|那么|那|这样|这种情况下?|是不是|是否|还)*")
_NUMERAL_CHARS: Final = frozenset("一二两三四五六七八九十百千万零半")


def _case_unnamed(query: Query, said: str, words: Sequence[str], usual: Usual) -> bool:
    """A firm that tells its case, then asks only whether a duty is owed ("我们物业公司要停小区
    的电梯维修三天，需要提前通知业主吗"): does the sentence share no character with the case
    (the question's words outside the part that asks, its parties and numbers left out)?
    "劳动者解除劳动合同，应当提前三十日以书面形式通知用人单位" names the notice and nothing of the
    lift: no "需要". Read by characters, as a firm words its case in its own (分租 of a warehouse:
    出租 of the rule)."""
    last = _asking_part(query)
    need = _NEED.search(last)
    if need is None or _chars(_PLAIN_ASKING.sub("", last[: need.start()])):
        return False
    case = [w for w in words if w not in last and not _PARTY.search(w)]
    case_chars = _chars("".join(case)) - _NUMERAL_CHARS - _MODAL_CHARS
    if not case_chars:
        return False
    return not case_chars & _chars(said) and not any(_said_otherwise(w, said, usual) for w in case)


# "…实行许可证制度": a licence (approval, filing, registration) system is a requirement
_SYSTEM: Final = re.compile(r"实行[^，。；]{0,12}(?:许可|审批|备案|登记|准入)证?(?:制度|管理)")


def verdict_of(sentence: str, need: bool) -> str | None:
    """yes / no / must / duty for a sentence with a modal word; None without one. A question
    whether something may be done is answered by a prohibition first; one whether it must be
    done by a duty ("未经审查不得出台" makes the review a requirement). What a sentence punishes
    is not allowed, and its opposite required."""
    if need and (
        _UNLESS.search(sentence)
        or _DUTY.search(sentence)
        or _PUNISHED.search(sentence)
        or _SYSTEM.search(sentence)
    ):
        return "must"
    if _NEGATIVE.search(sentence) or _PUNISHED.search(sentence):
        return "no"  # "…非法组织他人出卖血液的，…可以并处罚款": what is punished is not allowed
    if _PERMIT.search(sentence):
        return "yes"
    return "duty" if _DUTY.search(sentence) else None


def _chars(text: str) -> set[str]:
    return {c for c in normalize(text) if "\u4e00" <= c <= "\u9fff" and c not in _STOP_CHARS}


def _share(asked: set[str], said: set[str]) -> float:
    return len(asked & said) / len(asked) if asked else 0.0


Usual = Mapping[str, Sequence[str]]  # a question's word -> the documents' usual words for it


def coverage(words: Sequence[str], text: str, usual: Usual | None = None) -> float:
    """The share of the question's subject words the clause names (a word or a two-character
    piece of it: 营业执照 ~ 执照, 借给 ~ 出借 share no pair and do not count; or the documents'
    usual word for it, ``usual``: 抽烟 ~ 吸烟)."""
    if not words:
        return 1.0
    named = [
        w
        for w in words
        if w in text
        or any(w[i : i + 2] in text for i in range(len(w) - 1))
        or _said_otherwise(w, text, usual)
    ]
    return len(named) / len(words)


def _said_otherwise(word: str, said: str, usual: Usual | None) -> bool:
    """The sentence says ``word`` in the documents' usual word for it (写字楼: 办公楼)."""
    return usual is not None and any(u in said for u in usual.get(word, ()))


def speaks_to(query: Query, sentence: str, words: Sequence[str]) -> bool:
    """The sentence names the question's subject (``words``: ``subject_words``), as a "yes"
    resting on it needs."""
    return not _about_else(query, sentence, words)


def _about_else(
    query: Query, sentence: str, words: Sequence[str], spare: int = 1, usual: Usual | None = None
) -> bool:
    """The sentence does not speak to the question's subject: more than one in four of the
    question's words (its verbs too: "强制…加入" is not "鼓励") are missing from it, ``spare``
    may always be ("员工" for "劳动者"; none before a "yes": "我们公司招了个未满16岁的学徒，这样
    可以吗" is no "可以" from a sentence on apprentices that says nothing of 未满). An English
    question's words are the glossary's: half of them must occur."""
    said = normalize(sentence)
    if query.lang != "zh":
        return not words or sum(1 for w in words if w in said) * 2 < len(words)
    if not _too_many_missing(words, said, spare, usual):
        return False
    # A firm tells its case first and asks last ("我们奶茶店门口想摆两张桌子，占用人行道需要
    # 批准吗"): its shop and tables are no words of a rule, what it asks about is
    asked = _asking_words(query, words)
    return len(asked) < 2 or _too_many_missing(asked, said, spare, usual)


def _missing(words: Sequence[str], said: str, usual: Usual | None = None) -> list[str]:
    return [
        w
        for w in words
        if w not in said and not _partly(w, said) and not _said_otherwise(w, said, usual)
    ]


def _names_a_third(words: Sequence[str], said: str, usual: Usual | None = None) -> bool:
    return 3 * (len(words) - len(_missing(words, said, usual))) >= len(words)


def _too_many_missing(
    words: Sequence[str], said: str, spare: int = 1, usual: Usual | None = None
) -> bool:
    return len(_missing(words, said, usual)) > max(spare, len(words) // 4)


_PARTS_OF_QUESTION: Final = re.compile(r"[，,。；;！!？?]")


def _asking_part(query: Query) -> str:
    """The part of a question told in several that asks (its last); "" when it is told in one."""
    parts = [p for p in _PARTS_OF_QUESTION.split(query.norm) if p.strip()]
    return parts[-1].strip() if len(parts) >= 2 else ""


def _asking_words(query: Query, words: Sequence[str]) -> list[str]:
    """Of ``words``, those of the part of a question told in several that asks; none when it
    is told in one."""
    last = _asking_part(query)
    return [w for w in words if w in last] if last else []


def _forbids_asked(said: str, asked: set[str], pairs: set[str] | None = None) -> bool:
    """What the sentence forbids (after 不得/禁止…, to the end of its clause) shares a character
    with ``asked`` (or, given ``pairs``, a character pair), or it forbids nothing outright (a
    penalty): "…发现其具有前述行为记录的，不得录用" forbids hiring, and is no answer to whether an
    employer may take a deposit from applicants, though the article names 招聘 and 应聘者. By
    word pairs, the condition a prohibition opens with counts too: "对…拒绝身份查验的，不得提供
    服务" answers whether a guesthouse may take in a guest who will not show an identity card
    (a character of it would not: 客 of 客户 and of 客人 made it a "no" to taking a deposit)."""
    spans = _spans_after(_NEGATIVE, said)
    if pairs is not None:  # read by the question's character pairs (its words)
        about = spans + _conditions_before(_NEGATIVE, said)
        return (
            not spans
            or any(set(char_bigrams(span)) & pairs for span in about)
            or _lists_share(said, pairs, pairs=True)
        )
    # 不 and 得 of a question's "能不能" and of a span's "不一致" say nothing of what is forbidden
    return (
        not spans
        or any((_chars(span) & asked) - _MODAL_CHARS for span in spans)
        or _lists_share(said, asked, pairs=False)
    )


# A word naming a party ("外资企业", "应聘者", "开发商"): a prohibition that names the party
# the question names may forbid something else of it or to it ("不得对外商投资企业实行差别
# 待遇" protects a foreign firm that asks whether it may bid), so sharing it says nothing of
# what is forbidden.
_PARTY: Final = re.compile(r"(?:者|人员|企业|单位|公司|机构|商|方|户)$")


# A word naming people ("老人", "顾客", "员工")
_PERSON: Final = re.compile(r"(?:人|客|员工|职工|学生)$")


# pairs of words that say nothing of what is asked ("楼已经盖好": 已经 of "将已经预售的…")
_EMPTY_PAIRS: Final = frozenset(
    ["已经", "或者", "这些", "那些", "这个", "那个", "一个", "如果", "时候", "我们", "他们", "还是",
     "只能", "不能", "可以", "能够", "应该", "需要", "什么", "怎么", "没有", "这样", "现在"]
)  # fmt: skip


def _content_pairs(pairs: set[str], words: Sequence[str]) -> set[str]:
    """The question's character pairs (``pairs``) but those of the parties it names and of
    words that say nothing of what is asked: what a prohibition must share to speak to it."""
    party = set().union(*(char_bigrams(w) for w in words if _PARTY.search(w)))
    return pairs - party - _EMPTY_PAIRS


def _without_parties(act: str, words: Sequence[str]) -> str:
    """``act`` without the parties it names ("要求应聘者提供体检报告": 要求提供体检报告; "向快递公
    司收…": 向收…)."""
    act = _PARTY_NAMED.sub("", act)
    for word in words:
        if _PARTY.search(word):
            act = act.replace(word, "")
    return act


def _act_chars(act: str, words: Sequence[str]) -> set[str]:
    """The characters of what the question asks to do, without the parties it names."""
    return _chars(_without_parties(act, words)) - _MODAL_CHARS


# What a Chinese yes/no question asks to do: what follows its modal word
# (能 of 只能, 才能 is no question of leave: "能不能直接退回给供货商？还是只能自己处理掉？" asks
# whether it may be returned; nor that of 功能, 性能, 技能, 智能, 能力, 能源)
_ASKED_ACT: Final = re.compile(
    r"(?:能不能|可不可以|可不可|能否|是否可以|可以|允许|准许|准不准"
    r"|(?<![只才不功性技智])能(?![力源耗]))(.+)"
)


# characters of an act that say nothing of it: pronouns, particles
_LIGHT_CHARS: Final = frozenset("他她它我你们的了吗呢吧啊么这那些个给把被让帮？?")


def _named_apart(words: Sequence[str], said: str) -> int:
    """How many of ``words`` the sentence names by a character pair, words named by the same
    pair counted once (物业 of 物业公司 and of 物业费 is one)."""
    named: list[set[str]] = []
    for word in dict.fromkeys(words):
        found = {p for p in char_bigrams(word) if p in said}
        if found and not any(found & other for other in named):
            named.append(found)
    return len(named)


def _without_persons(act: str, words: Sequence[str]) -> str:
    """``act`` without the people it is done to or by (老人, 顾客: "给老人用束缚带")."""
    for word in words:
        if _PERSON.search(word):
            act = act.replace(word, "")
    return act


# a party the act is done to or with ("向快递公司收…", "给供货商"), whole
_PARTY_NAMED: Final = re.compile(
    r"(?<=[向给对把被和与跟让替])[\u4e00-\u9fff]{0,5}?(?:公司|企业|单位|机构|商|者|人员)"
)


def _act_pairs(act: str, words: Sequence[str]) -> set[str]:
    """The character pairs of what the question asks to do, without the parties it names or
    the people it is done to or by."""
    act = _without_persons(_without_parties(act, words), words)
    return set(char_bigrams(act)) - _EMPTY_PAIRS


_SENTENCE_END: Final = re.compile(r"[。；;！？]")


def _forbidden_parts(said: str) -> list[str]:
    """What the sentence forbids: after each 不得/禁止… to the end of its sentence ("不得因结婚、
    怀孕…等情形，违法降低女职工的工资…"), and each item of a list it forbids; all of a penalty."""
    after = [_SENTENCE_END.split(said[m.end() :], maxsplit=1)[0] for m in _NEGATIVE.finditer(said)]
    # a penalty forbids nothing outright: what it punishes is what it describes
    return after + [items for items, _ in _lists_after(said)] or [said]


# the case a ban is for, said as what was not done ("未经认定登记或者不予认定的技术合同，不得享受…",
# "未取得健康证明的…不得…")
_NOT_DONE: Final = re.compile(r"(?:未经|未|没有|不具备|不符合)([\u4e00-\u9fff、]{2,16}?)的")
_DENIED: Final = re.compile(r"[未没无不非]")


def _case_opposite(said: str, question: str) -> bool:
    """The ban is for those who did not do what the question says the asker did: "技术合同登记
    了可以享受优惠吗" is no 不能 from "未经认定登记…的技术合同，不得享受…优惠待遇" (the asker's
    contract is registered); "没有登记能享受吗" still is."""
    for case in _NOT_DONE.finditer(said):
        if not _NEGATIVE.search(re.split(r"[；;。]", said[case.end() :], maxsplit=1)[0]):
            continue  # no ban after it in its sentence (an item of a list of banned cases is
            # the list's, "有下列情形之一的，不得交易：…（二）未经…授权同意的；")
        for pair in char_bigrams(case.group(1)):
            at = question.find(pair)
            if at >= 0 and pair not in _EMPTY_PAIRS:
                # denied anywhere before it in its part of the question ("没有经过…授权")
                part = re.split(r"[，,。；;？?！!]", question[:at])[-1]
                return not _DENIED.search(part)
    return False


def _punishes_act(said: str, act_pairs: set[str]) -> bool:
    """The case a penalty sets out ("…骗取…证明的，") shares a character pair with what the
    question asks to do; a sentence without such a case is read as before."""
    case = re.split(r"的[，,]", said, maxsplit=1)
    if len(case) < 2 or not act_pairs:
        return True
    return bool(set(char_bigrams(case[0])) & act_pairs)


def _forbidding(said: str) -> str:
    """The pieces of the sentence (between "；") that forbid, as one text: "…落实客户身份查验
    …义务；对客户身份不明或者拒绝身份查验的，不得提供服务" forbids in its second piece only."""
    pieces = [p for p in re.split(r"[；;]", said) if _NEGATIVE.search(p)]
    return "。".join(pieces) or said


def _forbids_act(said: str, pairs: set[str], acting: set[str], content: set[str]) -> bool:
    """What the sentence forbids (after 不得/禁止…, or an item of its list) shares a character
    pair with what the question asks to do, or a character of it and a pair of the rest of the
    question ("营业执照能借给别人用吗": 借 and 执照 of "不得出租、出借营业执照"); two characters
    alone are not enough (进 and 河 of "排进河里" and of "禁止运输…船舶进入…内河水域")."""
    return any(
        set(char_bigrams(span)) & pairs
        or (_chars(span) & acting and set(char_bigrams(span)) & content)
        for span in _forbidden_parts(said)
    )


def _asked_act(question: str) -> str | None:
    """What the question asks to do: after its last modal word, where a firm asks once it has
    told its case ("合同里没写能不能转租，…我能直接跟他解约吗": 直接跟他解约)."""
    found = None
    position = 0
    while (match := _ASKED_ACT.search(question, position)) is not None:
        found, position = match, match.start() + 1
    return found.group(1) if found is not None else None


_MAY_NOT: Final = re.compile(r"可以不|可不|无需|无须|不需要|不必|免于|免予|免除")


def permits_not_doing(said: str, question: str) -> bool:
    """Asked whether one may not do something ("我们公司可以不给员工交社保吗"), a permission
    answers only when it permits not doing it ("可以不", "无需", "免予"): "…可以按照…规定参加
    城镇职工社会保险" is no "可以"."""
    act = _asked_act(question)
    return act is None or not act.startswith("不") or bool(_MAY_NOT.search(said))


def _forbids_terms(said: str, terms: Sequence[str], article: str) -> bool:
    """What the sentence forbids (after 不得/禁止…, or one item of its list) names two of the
    documents' words found for an English question, at different places: "…不得主动向消费者
    提供一次性筷子" names 一次性 and 筷子 of "Can our restaurant give customers free disposable
    chopsticks?", whose other words (the dictionary's guesses: 酒店, 自由, 发放…) it need not
    hold."""
    if any(_negated(t, article) for t in terms if len(t) >= 2):
        return False  # "adults" said as 未成年人: the article is about the others
    lists = _lists_after(said)
    # each item on its own: 砍伐 of one item and 水下 of another ("cut off", "water") are no
    # two words of what is forbidden
    spans = _spans_after(_NEGATIVE, said) + [
        item for items, _ in lists for item in re.split(r"[；;]|（[一二三四五六七八九十]+）", items)
    ]
    spans += _on_grounds(said)
    setting = "".join(before for _, before in lists)
    for span in spans:
        named = [t for t in dict.fromkeys(terms) if len(t) >= 2 and _said(t, span, setting)]
        if _unlike(_apart(named, span)):
            return True
    return False


def _on_grounds(said: str) -> list[str]:
    """A ban on grounds ("不得因结婚、怀孕…等情形，违法降低…工资…，辞退女职工，单方解除…合同")
    forbids each act it lists on those grounds: the grounds with each act, one by one."""
    out: list[str] = []
    for m in _NEGATIVE.finditer(said):
        rest = _SENTENCE_END.split(said[m.end() :], maxsplit=1)[0]
        if not rest.startswith("因"):
            continue
        grounds, *acts = re.split(r"[，,]", rest)
        out += [f"{grounds}，{act}" for act in acts if act]
    return out


def _unlike(words: Sequence[str]) -> bool:
    """Two of ``words`` share no character: 录用 and 录取 are the dictionary's two words for
    "hire", not two things asked ("Can we hire a 16-year-old?" is no "No" from "…不得录用或者
    录取" of those who dodged the draft)."""
    return any(not set(a) & set(b) for i, a in enumerate(words) for b in words[i + 1 :])


def _apart(words: Sequence[str], span: str) -> list[str]:
    """Of ``words`` found in ``span``, those at places none of the others covers, longest
    first: 电池 inside 蓄电池 is one word, and so are 上水 and 水下 of "水上水下"."""
    taken: set[int] = set()
    kept = []
    for word in sorted(words, key=len, reverse=True):
        at = span.find(word)
        places = set(range(at, at + len(word)))
        if at >= 0 and not places & taken:
            taken |= places
            kept.append(word)
    return kept


def _negated(term: str, said: str) -> bool:
    """``term`` is in ``said`` only negated inside a longer word (成年 of 未成年人: "adults" is
    no word of "禁止向未成年人销售烟、酒")."""
    found = [m.start() for m in re.finditer(re.escape(term), said)]
    return bool(found) and all(at > 0 and said[at - 1] in "未非不无" for at in found)


def _said(term: str, span: str, setting: str) -> bool:
    """``term`` is in ``span``, and not only in the ``setting`` every listed item shares."""
    return term in span and term not in setting


def _partly(word: str, said: str) -> bool:
    """A two-character piece of a longer word is in the sentence (人才引进 ~ 人才), or the first
    two of a word of three (身份证 ~ 身份: "…落实客户身份查验、信息登记")."""
    if len(word) == 3:
        return word[:2] in said
    return len(word) >= 4 and any(word[i : i + 2] in said for i in range(len(word) - 1))


def _article_sentences(clause: Clause, sources: Sources) -> list[tuple[Clause, str]]:
    """The sentences of the clause, and of every part of it when a long article was split
    into sentence groups: the rule ("不得删除消费者的评价") and its exception ("…可以删除")
    are read together, whichever part retrieval found."""
    parts = _parts(sources.clauses).get(clause.key.rsplit("/", 1)[0], ()) if clause.part else ()
    return [(c, s) for c in (parts or (clause,)) for s in whole_sentences(c)]


_PARTS: list[tuple[Sequence[Clause], dict[str, tuple[Clause, ...]]]] = []


def _parts(clauses: Sequence[Clause]) -> dict[str, tuple[Clause, ...]]:
    """Split clauses by the key of the clause they were split from, for the clause list in
    service (kept with the list itself: a new index's list replaces it)."""
    if _PARTS and _PARTS[0][0] is clauses:
        return _PARTS[0][1]
    grouped: dict[str, list[Clause]] = {}
    for c in clauses:
        if c.part:
            grouped.setdefault(c.key.rsplit("/", 1)[0], []).append(c)
    found = {key: tuple(sorted(group, key=lambda c: c.part)) for key, group in grouped.items()}
    _PARTS[:] = [(clauses, found)]
    return found


_MAY_DO: Final = re.compile(r"(?:可以|有权|允许|准予)([\u4e00-\u9fff]{2})")


def rule_against(sentence: Sentence, sources: Sources) -> Sentence | None:
    """The article's prohibition of what ``sentence`` permits: "…的，可以删除" is the exception
    to "不得删除" in the same article, and a bare "yes" would turn the rule around."""
    done = _MAY_DO.search(normalize(sentence.text))
    if done is None:
        return None
    forbidden = re.compile(f"(?:不得|禁止|严禁|不准)[^，。；]{{0,4}}{done.group(1)}")
    for clause, other in _article_sentences(sentence.clause, sources):
        if forbidden.search(normalize(other)):
            return Sentence(other.strip(), clause, sentence.score)
    return None


def yesno_reading(
    query: Query, hits: Sequence[Hit], sources: Sources, terms: Sequence[str] = ()
) -> YesNo | None:
    """The best piece with a modal word among the top clauses that speak to the question."""
    pairs = set(char_bigrams(query.text)).union(*(char_bigrams(t) for t in terms))
    chars = _chars(query.text + "".join(terms))
    # what the question asks to do, after its modal word ("快递公司可以私自拆开客户的包裹吗":
    # 拆开包裹, not 快递); a prohibition is read against the whole question, which may say
    # what it forbids before the modal ("被取消资格的出租车司机第二年能重新当司机吗")
    act = _asked_act(query.norm)
    words = [w for w in subject_words(query, sources, terms) if w not in _ASKING_WORDS]
    # the documents' words found for the question that say what it asks to do: for a Chinese
    # one, those of the act's own words ("快过期的食品能降价卖吗": 食品's 精致食品 is not what
    # it asks to do, and made "禁止…将超过保质期的食品…退回" a 不能); an English one's act is
    # in its terms alone
    acted = [
        t for t in terms if query.lang != "zh" or (act is not None and _chars(t) & _chars(act))
    ]
    acting = _act_chars(act + "".join(acted), words) if act else chars
    # the documents' usual words for a Chinese question's own (抽烟: 吸烟; 写字楼: 办公楼) name
    # its subject too, and what a rule forbids may be said in them ("禁止吸烟")
    usual = {w: sources.usual(w) for w in words} if query.lang == "zh" else {}
    pairs = pairs.union(*(char_bigrams(u) for found in usual.values() for u in found))
    content = _content_pairs(pairs, words)
    # what the question asks to do, less the people it is done to or by: its characters, and
    # its pairs in its words and the documents' usual ones for them; the people's pairs, in
    # its words and the documents' (员工: 职工)
    act_own = _act_chars(_without_persons(act or "", words), words) - _LIGHT_CHARS
    people = set().union(
        *(char_bigrams(u) for w in words if _PERSON.search(w) for u in (w, *usual.get(w, ()))),
        *(char_bigrams(t) for t in terms if _PERSON.search(t)),
    )
    said_usually = "".join(
        u for w, found in usual.items() if act and w in act and not _PERSON.search(w) for u in found
    )
    act_pairs = _act_pairs((act or "") + "".join(acted), words) | set(char_bigrams(said_usually))
    act_pairs -= people
    long_act = act is not None and len(_act_chars(act, words) - _LIGHT_CHARS) >= 3
    need = asks_need(query)
    best: tuple[float, YesNo] | None = None
    for rank, hit in enumerate(hits[:DEPTH]):
        covered = coverage(words, hit.clause.norm, usual)
        if covered == 0:
            continue
        for clause, sentence in _article_sentences(hit.clause, sources):
            said = normalize(sentence)
            verdict = verdict_of(said, need)
            if verdict is None:
                continue
            if verdict == "no" and need:
                continue  # a ban ("禁止涂改…许可证") says nothing of whether one is needed
            if verdict == "no" and not _MAY.search(query.norm) and not _LAWFUL.search(query.norm):
                continue  # 不能 answers whether one may: "拒载，公司要担责吗" asks for no leave
            if verdict in ("yes", "duty") and query.lang != "zh":
                continue  # the glossary's words are too few to tell what a "yes" is about
            if (
                verdict == "no"
                and query.lang != "zh"
                and not _forbids_terms(said, words, hit.clause.norm)
            ):
                continue  # nor a "no" but by two words of the question in what is forbidden
            if verdict == "yes" and not _MAY.search(query.norm):
                continue  # 可以 answers whether one may, not whose or what something is
            # a "yes" or "required" about something else would be false, and so would any
            # verdict on whether something must be done or read through the glossary (English);
            # a prohibition may rest on a clause that names the subject in another sentence
            # ("…加入行业协会商会的权利。任何单位不得强制…入会")
            strict = verdict in ("yes", "must") or need or query.lang != "zh"
            spare = 0 if verdict == "yes" else 1
            english_no = verdict == "no" and query.lang != "zh"  # checked by what it forbids
            if strict and not english_no and _about_else(query, sentence, words, spare, usual):
                continue
            if verdict == "must" and not _says_needed(said, query.norm):
                continue
            if (
                verdict == "must"
                and query.lang == "zh"
                and _case_unnamed(query, said, words, usual)
            ):
                continue
            # a duty is quoted as what the documents say of the subject, so it must name a
            # third of its words: "…部门应当加强对从业人员发生事故伤害的预防工作" is nothing
            # of whether a crash on the way to work is an injury at work
            if verdict == "duty" and query.lang == "zh" and not _names_a_third(words, said, usual):
                continue
            # what it forbids shares a character with what the question asks to do, or a
            # word with the question: "…不得影响相邻使用人…" is no answer to whether a landlord
            # may end a lease (解约), though 人 is in the question too; "…不得担任出租汽车驾驶员"
            # answers whether a driver may drive again (重新当司机: 出租). An English question
            # has only the word pairs, of the dictionary's words for it: "…劳动合同暂时不能履行"
            # is no answer to whether an employer may keep a worker's copy of the contract.
            if (
                verdict == "no"
                and not _forbids_asked(said, chars, pairs if query.lang != "zh" else content)
                and (query.lang != "zh" or act is None or not _forbids_asked(said, acting))
            ):
                continue
            # a long act must be what is forbidden, unless what is forbidden names two of the
            # question's words ("招聘时能不能要求应聘者交押金": 招聘, 应聘 of "不得采用不正当手段招
            # 聘人才，不得以任何名义向应聘人员收取费用"): not only the place or the party it
            # shares: "…人行道能摆桌子吗" is no 不能 from "禁止占用…人行道设置广告牌", nor "卖给顾
            # 客没有处方的抗生素" from "对客户身份不明…的，不得进行销售", nor "酒店能不能要求客人押
            # 身份证" from "…酒店…落实客户身份查验…；…拒绝身份查验的，不得提供服务"
            if (
                verdict == "no"
                and query.lang == "zh"
                and long_act
                and not _forbids_act(said, act_pairs, act_own, content - people)
                and _named_apart(words, _forbidding(said)) < 2
            ):
                continue
            if verdict == "no" and query.lang == "zh" and _case_opposite(said, query.norm):
                continue
            # what a penalty punishes is what it describes: asked whether a hospital may take a
            # deposit, "…到医院无理纠缠…的，…依法追究责任" (a relative's disturbance) is no "no"
            if (
                verdict == "no"
                and query.lang == "zh"
                and act is not None
                and len(acting) >= 2
                and not _spans_after(_NEGATIVE, said)
                and not (_chars(said) & acting)
            ):
                continue
            # and a penalty's case must be what the question asks to do: "通过编造虚假技术合同…
            # 骗取…认定登记证明的，…罚款；非法享受的税收等优惠，由有关部门追回" punishes faking,
            # no 不能 to whether a registered contract's income may enjoy the tax relief
            if (
                verdict == "no"
                and query.lang == "zh"
                and act is not None
                and not _spans_after(_NEGATIVE, said)
                and not _punishes_act(said, act_pairs)
            ):
                continue
            # a duty answers whether one may do something only when it speaks of doing it
            # (two characters of it at least): "快递企业…应当自工商变更登记之日起…备案" says
            # nothing of opening a customer's parcel
            if (
                verdict == "duty"
                and not need
                and query.lang == "zh"
                and act is not None
                and len((_chars(said) & acting) - _MODAL_CHARS) < 2
            ):
                continue
            if verdict == "yes" and not permits_not_doing(said, query.norm):
                continue
            score = _share(pairs, set(char_bigrams(sentence))) + 0.5 * _share(
                chars, _chars(sentence)
            )
            score += 0.3 * covered - 0.06 * rank - score_gap(query.text, hits, rank)
            if verdict in ("yes", "no") and not need:
                score += _DEFINITE  # a permission question is answered by yes or no
            elif verdict == "must" and _UNLESS.search(said):
                score += _LEAVE  # "未经批准不得…" says outright that leave is needed
            if _PUNISHED.search(said) and not _NEGATIVE.search(said) and not _DUTY.search(said):
                score -= _INDIRECT  # a penalty says it only indirectly: 不得/禁止 say it outright
            if best is None or score > best[0]:
                best = (score, YesNo(Sentence(sentence.strip(), clause, score), verdict))
    if best is None or best[0] < _MIN_SCORE:
        return None
    if best[1].verdict == "no" and _LAWFUL.search(query.norm):
        return YesNo(best[1].sentence, "forbidden")
    said = normalize(best[1].sentence.text)
    if best[1].verdict == "yes" and _SUPPORT.search(query.norm) and _SUPPORT.search(said):
        return YesNo(best[1].sentence, "supported")  # "嘉定支持吗" -> "支持。"
    if best[1].verdict == "yes":
        rule = rule_against(best[1].sentence, sources)
        if rule is not None:  # the permission is the exception to the article's rule
            return YesNo(rule, "no")
    return best[1]
