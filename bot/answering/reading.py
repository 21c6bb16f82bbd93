"""Reading a question for what it asks, and any clause for the sentence that states it.

Generic patterns over any text (regulations, opinions, plans): what is asked (a yes/no, an
amount or rate, a count or target, a date: effective, deadline or duration, who is
responsible, conditions, procedure, a penalty) and, for each, a pattern that marks a sentence
stating that kind of thing. Patterns are matched on normalised (Simplified) text, so they
hold for Traditional documents too. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final

from bot.question import PHONE_ASKED, Query
from bot.text import whole_word

_NUM = r"[\d零〇一二两三四五六七八九十百千万亿.,]+"
# A sentence that states each kind of thing asked.
STATES: Final[dict[str, re.Pattern[str]]] = {
    "amount": re.compile(rf"{_NUM}\s*(?:万元|亿元|元|%|％|倍)|最高|不超过|全额"),
    "count": re.compile(rf"{_NUM}\s*(?:个|家|名|位|项|所|座|条)"),
    "effective": re.compile(r"(?:自|于).{0,16}(?:起施行|起实施|起生效|施行|实施)|施行日期"),
    "expiry": re.compile(r"有效期|截止|至\s*\d{4}\s*年|届满|废止"),
    "duration": re.compile(
        rf"{_NUM}\s*(?:个)?(?:工作日|日|天|周|个月|月|年|小时|分钟)(?:内|以内|以上|以下)?"
        r"|最长|连续|间隔|不少于|期限"
    ),
    # a unit in charge, or the party a firm turns to ("应当向燃气企业查询", "向…提出申请")
    "who": re.compile(
        r"主管部门|负责|责任单位|委员会|部门|机构|管理处|中心|协会|联盟"
        # an office ("市知识产权局对…作出处理决定"), not 格局, 布局, 局面
        r"|[\u4e00-\u9fff](?<![格布全大结当开僵时政赌饭棋])局(?![面部限势])"
        r"|向[\u4e00-\u9fff]{2,12}?(?:查询|申请|报告|提出|报送|咨询|备案|报批|投诉|举报)"
    ),
    "penalty": re.compile(rf"罚款|罚金|处{_NUM}|没收|吊销|责令|警告|处罚|追究"),
    "conditions": re.compile(r"符合|条件|具备|满足|经认定|认定的|对.{1,30}的[，,]|应当"),
    "procedure": re.compile(r"申请|申报|提交|材料|办理|登记|备案"),
    "yesno": re.compile(r"可以|可|有权|享受|享有|鼓励|支持|给予|允许|应当|不得|禁止|不予|不能|严禁|不可"),
    "general": re.compile(r"."),
}
# 不能 forbids only outside a condition or a description: regulations say "因故不能履行职责时",
# "不能当场办结的" and "不能辨认或者不能控制自己行为的精神病人" (a person, not a prohibition; a
# firm asking whether it must be a worker's guardian was told "不能。"), and forbid with 不得.
CANNOT: Final = r"不能(?![^，。；：,;]*的)(?![^，。；：,;]*时(?:[，。；：,;]|$))"
# 禁止 names a place or a sign, not a prohibition, in "禁止吸烟场所所在单位违反…" and "设立为临
# 时禁止吸烟区域" (a restaurant asking whether it may have a smoking area was told 不能 from
# the government's power to set up temporary no-smoking areas outdoors); "禁止在以下区域停放"
# and "禁止进入施工区域。" forbid.
NAMING: Final = (
    r"(?<!临时)(?<!设立)(?<!划定)(?<!为)(?<!的)"
    r"禁止(?=[^在于向对将把从，。；：,;][\u4e00-\u9fff]{0,5}?(?:区域|场所|标志|标识)"
    r"[^，。；：,;])"
    r"|(?:(?<=临时)|(?<=设立)|(?<=划定)|(?<=为)|(?<=的))禁止"
    r"(?=[\u4e00-\u9fff]{1,6}?(?:区域|场所|标志|标识))"
    r"|禁止(?=[\u4e00-\u9fff]{1,6}?义务)"  # 履行禁止吸烟义务
)
_NEGATIVE: Final = re.compile(
    rf"不得|(?!{NAMING})禁止|不予|{CANNOT}|严禁|不可(?!抗力)|不准|不允许|不属于|不适用"
)

# What the question asks, by cue words, most specific first.
_CUES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("penalty", (
        "罚", "处罚", "怎么处理", "如何处理", "后果", "处分", "fine", "fined", "fines", "penalty",
        "penalties", "penalised", "penalized", "punish", "punished", "punishment",
    )),
    ("effective", (
        "施行", "生效", "开始实施", "实施日期", "起实施", "什么时候开始", "何时开始", "哪天开始",
        "哪年开始", "effective", "take effect", "took effect", "come into force", "came into force",
    )),
    ("expiry", ("到期", "到什么时候", "截止到", "有效期", "expire", "valid until", "end date")),
    ("who", (
        "主管部门", "归谁管", "谁主管", "谁管", "哪个部门", "哪些部门", "什么部门", "哪个单位", "哪些单位",
        "谁负责", "找谁", "找哪个", "负责部门", "责任单位", "in charge", "which department",
        "who is responsible", "who handles", "which office", "responsible",
    )),
    ("procedure", (
        "怎么申请", "如何申请", "怎么申报", "如何申报", "申报流程", "申请流程", "什么材料", "哪些材料",
        "去哪申请", "在哪里申请", *PHONE_ASKED, "联系方式", "地址", "窗口", "how to apply", "how do i apply",
        "application process", "procedure",
    )),
    ("duration", (
        "几年", "多少年", "多久", "多长时间", "多少天", "几天", "几个月", "多少日", "间隔", "how long",
        "几小时", "几个小时", "多少小时", "多少个小时", "几分钟", "多少分钟",
        "how many years", "how many days", "how many months", "how many working days",
        "within how many", "how many weeks", "how many hours", "how many minutes",
        "how much notice", "how much time", "how far in advance", "how soon", "notice period",
    )),
    ("count", ("多少个", "几个", "多少家", "几家", "多少名", "多少位", "几名", "how many", "number of")),
    ("amount", (
        "多少钱", "多少", "金额", "几万", "上限", "最高", "最多", "奖多少", "补多少", "罚多少", "how much",
        "amount", "maximum", "minimum", "what award", "what subsidy", "rate", "percent", "target",
    )),
    ("conditions", ("什么条件", "哪些条件", "条件", "要求", "需要满足", "谁能", "谁可以", "门槛", "who can", "eligible", "requirements")),
)  # fmt: skip
_YESNO_ZH: Final = re.compile(r"吗[?？。!！]*$|能不能|可不可以|是不是|是否|有没有|行不行|会不会")
_AUXILIARY: Final = r"(?:can|could|is|are|does|do|may|will|should|has|have)"
_YESNO_EN: Final = re.compile(rf"^{_AUXILIARY}\b")
# ...asked after a firm's story: its last sentence, or the clause after its comma ("A customer
# refuses to show ID, can we still rent him the car?")
_YESNO_EN_CLAUSE: Final = re.compile(
    rf",\s*{_AUXILIARY}\s+(?:we|i|you|they|it|he|she|our|my|the|this|that|these|those|there|such)\b"
)
# A question about doing something again ("第二年再超1亿还有吗", "再拿一次").
_REPEAT: Final = re.compile(r"再|第二次|第二年|又|重复|again|second time|twice")
_ONCE: Final = re.compile(r"首次|首超|第一次|一次性|新增认定|新上市")
_COMBINE: Final = re.compile(
    r"一起拿|同时拿|同时享受|同时申请|叠加|兼得|一并|都能拿|combine|both|together"
)
# ...of benefits: "能不能一并申请这两项补贴", not "报关、退税能不能一并办" ("do customs
# declarations and the related tax paperwork together" was told the documents do not say
# whether "these" rewards can be combined)
_BENEFIT: Final = re.compile(
    r"奖励|补贴|补助|资助|扶持|支持|优惠|政策|资金|奖|subsid|grant|award|reward|incentive|bonus"
    r"|funding|support|benefit|allowance|polic|program|scheme"
)
# A question about applying after the deadline ("过了申报期还能补报吗"), which the documents
# leave open. Not "多久内补报" (a filing's deadline), "等我们补交（医保费）以后呢" (arrears),
# "missed the payment deadline" (a surcharge), nor "related", "collateral" or "template".
_LATE: Final = re.compile(
    r"过了?(?:申报|申请|报名)(?:期|时间|截止)|逾期申请|补报(?:吗|么|行|可以)|还能补报|还可以补报"
    r"|错过了?(?:申报|申请|报名)"
    r"|\btoo late to (?:apply|register|file|submit)|\b(?:apply|applying|application) late\b"
    r"|\blate (?:application|submission|filing)s?\b"
    r"|\b(?:missed|miss|after|past) the (?:application|submission|filing|registration) "
    r"(?:deadline|window|period|date)"
)
_DOCUMENT: Final = re.compile(
    r"政策|文件|条例|意见|计划|办法|规定|细则|方案|policy|plan|regulation|opinion"
)
_APPLYING: Final = re.compile(r"申报|申请|报名|apply|application")
# "…什么时候开始交/申报/发放": when something is done, not when the document takes effect
# ("…什么时候开始实施", "这个政策什么时候开始？" still ask that)
_STARTS_ACT: Final = re.compile(
    r"(?:什么时候|何时|哪天|哪年)开始(?!实施|施行|生效|执行|有效|的?[吗呢呀啊]?[?？。!！]*$)"
)
_CHOICE: Final = re.compile(r"还是|\bor\b")
_STILL: Final = re.compile(r"还能|还可以|还有效|还管用|还在执行|还适用|\bstill\b")
# Words that say something other than the document has a term (a contract, a licence, a card).
_OTHER_TERM: Final = re.compile(r"到期|过期|失效|有效期|expired|expire|\bvalid")


def asked(query: Query) -> str:
    """What the question asks (a key of ``STATES``); ``general`` when nothing specific."""
    norm = query.norm
    for kind, cues in _CUES:
        if any(_cue(c, norm) for c in cues):
            if (
                kind == "effective"
                and _STARTS_ACT.search(norm)
                and not any(_cue(c, norm) for c in cues if "开始" not in c)
            ):
                continue  # "公积金从什么时候开始交": when a firm starts doing something
            if kind == "expiry" and _APPLYING.search(norm):
                return "procedure"  # "申报截止到哪天" asks for the application deadline
            if kind == "expiry" and not _DOCUMENT.search(norm) and not query.short:
                return (
                    "duration"  # "集体合同的有效期是几年" asks about a contract, not the document
                )
            if kind == "amount" and "penalty" not in kinds_of(norm) and _only_quantity(norm):
                continue
            if kind == "conditions" and is_yesno(query):
                return "yesno"  # "能不能单独设附加条件": answered yes or no, then the reason
            return kind
    if "department" in query.asks:
        return "who"
    return "yesno" if is_yesno(query) else "general"


def kinds_of(norm: str) -> tuple[str, ...]:
    return tuple(kind for kind, cues in _CUES if any(_cue(c, norm) for c in cues))


def _only_quantity(norm: str) -> bool:
    """ "多少名/多少个" ask a count, "多少毫升" a quantity: not money unless money is named."""
    return bool(re.search(r"多少(?:个|家|名|位|天|日|年|毫升|人|次|项)", norm)) and not re.search(
        r"钱|元|奖|补贴|罚", norm
    )


def _cue(cue: str, norm: str) -> bool:
    return (
        whole_word(cue).search(norm) is not None
        if cue.isascii() and " " not in cue
        else cue in norm
    )


def asks_validity(query: Query) -> bool:
    """Is the document still in force? "合同的有效期" asks about a contract instead."""
    if not query.has("validity"):
        return False
    norm = query.norm
    if _DOCUMENT.search(norm) or query.short or _STILL.search(norm):
        return True
    # "劳动合同到期了…多久内要补签", "after the contract expired": another thing's term
    return not _OTHER_TERM.search(norm)


def is_yesno(query: Query) -> bool:
    if query.lang == "en":
        return _YESNO_EN.search(query.norm.strip()) is not None
    return _YESNO_ZH.search(query.norm.strip()) is not None


def asks_yesno_last(query: Query) -> bool:
    """An English question that asks yes or no after telling the firm's story ("We run a car
    hire firm. A customer refuses to show ID, can we still rent him the car?"): a verdict
    read from the documents answers it, but without one it is not told the documents do not
    say whether (they may say what it asks in other words: the clause is quoted as for any
    question)."""
    if query.lang != "en" or is_yesno(query):
        return False
    last = re.split(r"(?<=[.!?])\s+", query.norm.strip())[-1]
    return any(p.search(last) for p in (_YESNO_EN, _YESNO_EN_CLAUSE))


def asks_again(query: Query) -> bool:
    return _REPEAT.search(query.norm) is not None and is_yesno(query)


def asks_combination(query: Query) -> bool:
    return _COMBINE.search(query.norm) is not None and _BENEFIT.search(query.norm) is not None


def asks_applying(query: Query) -> bool:
    """The question speaks of applying (申报, 申请, 报名, apply, application)."""
    return _APPLYING.search(query.norm) is not None


def asks_late(query: Query) -> bool:
    return _LATE.search(query.norm) is not None


def asks_choice(query: Query) -> bool:
    """ "每年还是三年合计": an either/or question."""
    return _CHOICE.search(query.norm) is not None


def once_word(sentence: str) -> str:
    """The word that limits a benefit to once ("首次", "首超", "一次性"), or ""."""
    found = _ONCE.search(sentence)
    return found.group(0) if found else ""


_MONEY: Final = rf"{_NUM}\s*(?:万元|亿元|元)"
_SHARE: Final = r"百分之[零〇一二两三四五六七八九十百点.\d]+|[\d.]+\s*[%％]|[一二三四五六七八九十]+分之[一二三四五六七八九十]+|[\d一二两三四五六七八九十]+倍"
# The figure of each kind a sentence states: a range says both ends ("2万元以上5万元以下").
FIGURES: Final[dict[str, re.Pattern[str]]] = {
    "amount": re.compile(
        rf"(?:{_MONEY}|{_SHARE})(?:(?:以上|至|到|-|～|~)\s*(?:{_MONEY}|{_SHARE})(?:以下)?)?"
    ),
    "count": re.compile(rf"{_NUM}\s*(?:个|家|名|位|项|所|座|条|人|次|批)(?!月|工作日)"),
    # (not "上一年度", the year before, nor "第二年")
    "duration": re.compile(
        rf"(?<![上下第\d零〇一二两三四五六七八九十百千万亿]){_NUM}(?:至{_NUM})?\s*(?:个)?(?:工作日|日|天|周|个月|月|年(?!度)|小时|分钟)"
        r"(?:内|以内|之内|后|以上|以下|以后)?"
    ),
    "effective": re.compile(r"(?:自|于)[^，。；]{0,20}?(?:起施行|起实施|起生效)"),
}
FIGURES["penalty"] = FIGURES["amount"]
_DATE: Final = re.compile(
    r"[\d〇零一二三四五六七八九]{4}\s*年(?:\s*[\d〇一二三四五六七八九十]{1,3}\s*月)?(?:\s*[\d〇一二三四五六七八九十]{1,3}\s*日)?"
)
_DIGIT: Final = re.compile(r"[\d一二两三四五六七八九十百千]")


# a day of a month without its year ("每年3月31日前": no duration of "3月"); "3个月" is one
_MONTH_DAY: Final = re.compile(
    r"(?<![\d〇零一二三四五六七八九十个])[\d一二三四五六七八九十]{1,2}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*[日号]"
)


def _undated(sentence: str) -> str:
    """The sentence without its calendar dates: "2013年10月1日" is no duration of "1日", nor
    "每年3月31日前" of "3月"."""
    return _MONTH_DAY.sub("·", _DATE.sub("·", sentence))


def figure(sentence: str, kind: str = "amount") -> str:
    """The figure of ``kind`` a sentence states ("2万元以上5万元以下", "十五日内", "70%"),
    or "" (a lead never names a figure of another kind)."""
    pattern = FIGURES.get(kind)
    if pattern is None:
        return ""
    text = sentence if kind == "effective" else _undated(sentence)
    found = pattern.search(text)
    return found.group(0).strip() if found and _DIGIT.search(found.group(0)) else ""


def states_figure(kind: str, sentence: str) -> bool:
    """Does the sentence state a figure of the kind asked (not only a word such as 期限)? A
    penalty's figure comes with a penalty word (a share of workers is no fine)."""
    if kind == "penalty" and not STATES["penalty"].search(sentence):
        return False
    return bool(figure(sentence, kind))


def states(kind: str, sentence: str) -> bool:
    pattern = STATES.get(kind)
    return pattern is not None and pattern.search(sentence) is not None


def negative(sentence: str) -> bool:
    return _NEGATIVE.search(sentence) is not None


def verdict_of(sentence: str) -> str:
    """A yes/no question's answer from the sentence that speaks to it: yes, no or unsaid."""
    if not sentence:
        return "unsaid"
    if negative(sentence):
        return "no"
    return "yes" if STATES["yesno"].search(sentence) else "unsaid"
