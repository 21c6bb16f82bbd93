"""What a question asks for (an amount, a date, a count, a duration, a department, the office
a firm goes to, the document itself), by cue words; each kind has a pattern that marks a text
stating it.

Used twice: retrieval nudges up clauses that state the kind of thing asked for, and the
composer leads with the sentence that states it. Patterns are matched against normalised
(simplified) text, so 10個 and 委員會 count as 10个 and 委员会.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import normalize, whole_word
from bot.text.numbers import chinese_number


@dataclass(frozen=True)
class Kind:
    cues: tuple[str, ...]  # words in a (normalised) question that ask for this kind
    states: str  # regex: a sentence that states this kind of thing
    boosts: str  # regex: a clause worth nudging up in retrieval for this kind


_CN = "[〇零一二三四五六七八九十]"  # years and months in Chinese numerals (二〇二一年三月)
# A document's clause on its own force: 本条例自2021年3月1日起施行, 自印发之日起生效.
IN_FORCE = re.compile(r"(?:自|从).{0,30}?起?(?:施行|生效|实施)|施行之日|同时废止")
_FORCE_CUES = re.compile(
    r"施行|生效|实施日期|开始实施|\b(?:take|took|taken|takes)\s+effect|"
    r"(?:come|came|comes)\s+into\s+(?:force|effect)|\bin\s+force\b|\beffective\b"
)
_WHEN_CUES = re.compile(
    r"什么时候|何时|哪天|哪一天|几号|日期|\bwhen\b|\bwhat\s+date\b|\bsince\b|从何"
)


def asks_when_in_force(query: str) -> bool:
    """A (normalised) question asking when a document takes effect."""
    return bool(_FORCE_CUES.search(query)) and bool(_WHEN_CUES.search(query))


# A clause naming the office a firm goes to, as regulations say it: "向区水务部门办理…接入手续",
# "到…登记机构办理登记备案手续", "经市或者区绿化行政管理部门批准". Asked "whom do we apply to"
# or "去哪里办", the article that says so goes before its neighbours on the same subject, which
# name the same office for other duties of its own ("市、区水务部门应当对排水管道…检测评估").
_OFFICE = (
    r"(?:向|到)[^，。；：]{0,25}(?:部门|机构|机关|局|委员会|中心|管理处|所|站)[^，。；]{0,12}"
    r"(?:申请|申领|报告|备案|办理|申报|登记|提出|报送|提交|核准|审批|许可|报批)"
    r"|(?:经|由)[^，。；：]{0,25}(?:部门|机构|机关|局|委员会)[^，。；]{0,4}"
    r"(?:批准|同意|审批|核准|许可|核发|颁发)"
)

# The conditions a firm must meet ("应当具备下列条件") and the papers it carries or shows
# ("应当凭检疫证明…"), as regulations say them.
_CONDITIONS = r"(?:具备|符合|满足)[^。；]{0,6}条件|下列条件|应当具备|条件："
_PAPERS = r"(?:凭|携带|持有?|出示)[^。；]{0,20}(?:证明|证件|证书|证照|执照)"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


KINDS: dict[str, Kind] = {
    "amount": Kind(
        _words(
            "多少钱 多少 金额 几万 上限 最高 最多 奖励 补贴 奖金 给钱 how_much amount maximum cap "
            "up_to award subsidy reward money"
        ),
        r"\d[\d.,]*\s*(?:万元|亿元|元|%|％)|最高|不超过",
        r"\d[\d.,]*\s*(?:万元|亿元|元|%|％)",
    ),
    "date": Kind(
        _words(
            "什么时候 何时 哪天 日期 有效期 到期 过期 施行 生效 期限 截止 落款 when date expire "
            "valid effective until deadline dated"
        ),
        rf"(?:\d|{_CN}){{4}}\s*年(?:\s*(?:\d|{_CN}){{1,2}}\s*月)?|\d{{4}}-\d{{2}}-\d{{2}}",
        rf"(?:\d|{_CN}){{4}}\s*年\s*(?:\d|{_CN}){{1,2}}\s*月",
    ),
    "count": Kind(
        _words("多少个 几个 多少家 几家 多少名 多少位 how_many number_of"),
        r"\d+\s*(?:个|家|名|位)|[一二三四五六七八九十百]+个",
        r"\d+\s*(?:个|家|名|位)",
    ),
    "duration": Kind(
        _words(
            "几年 多久 多长时间 多少年 几天 多少天 几日 多少日 几个月 多少个月 几个工作日 多少个工作日 "
            "几小时 几个小时 多少小时 多少个小时 几分钟 多少分钟 "
            "how_long how_many_years how_many_days how_many_months how_many_working_days "
            "how_many_hours how_many_minutes how_soon within duration deadline how_much_notice "
            "how_much_time how_far_in_advance in_advance notice_period advance_notice"
        ),
        r"\d+\s*年|[一二三四五]年|三年内|最长",
        # a time limit in hours too: 事故发生后…一小时内报告, 二十四小时内
        # and a notice given ahead: 至少提前七日…公告
        rf"(?:\d+|{_CN}+)\s*(?:年|个月|日|天|个工作日|工作日|个?小时|分钟)(?:内|以内|之内|前)"
        rf"|提前(?:\d+|{_CN}+)\s*(?:年|个月|日|天|个工作日|工作日|个?小时|分钟)",
    ),
    "department": Kind(
        _words(
            "哪个部门 哪些部门 什么部门 谁负责 找谁 负责 印发 发布 解释 联合 联名 落款 which_department "
            "who responsible issued interpret government_agency co-sign signed"
        ),
        r"委员会|局|责任单位|负责解释|商务委",
        r"委员会",
    ),
    # A document's closing article on who interprets it (由市商务委负责解释) answers a question
    # about that, not every question asking which office: a regulation's closing article
    # (本条例的具体应用问题由市绿化行政管理部门负责解释) took a top-three place from the article
    # saying whom a firm applies to.
    "interpretation": Kind(
        _words("解释 解释权 interpret interprets interpreting interpretation"),
        r"负责解释",
        r"负责解释",
    ),
    "office": Kind(
        _words(
            "哪个部门 哪些部门 什么部门 哪个单位 哪个机构 什么机构 哪个机关 找谁 找哪 向谁 去哪 到哪 哪里办 "
            "哪儿办 哪里申请 哪里报 which_department which_office which_authority which_agency "
            "which_government which_body whom who_do_we who_should_we who_must_we "
            "where_do_we_apply where_to_apply where_should_we_apply where_do_we_register "
            "where_do_we_report who_issues who_grants"
        ),
        _OFFICE,
        _OFFICE,
    ),
    # "要具备什么条件", "what are the requirements": the article listing them ("应当具备下列条件")
    "conditions": Kind(
        _words(
            "什么条件 哪些条件 啥条件 条件是 要求是 什么要求 哪些要求 具备什么 满足什么 符合什么 够格 资格 "
            "what_conditions which_conditions requirements what_requirements qualify qualified "
            "eligible criteria"
        ),
        _CONDITIONS,
        _CONDITIONS,
    ),
    # "要带什么证件", "what paperwork do our drivers need to carry": the article naming what is
    # shown or carried ("应当凭检疫证明…"). Not "需要什么材料": a question on how to apply, which
    # an article on applying answers, not one on what two parties hand each other.
    "papers": Kind(
        _words(
            "什么证件 哪些证件 啥证件 带什么 要带 随身带 携带什么 出示什么 paperwork what_papers "
            "documents_do_we what_documents which_documents"
        ),
        _PAPERS,
        _PAPERS,
    ),
    "penalty": Kind(
        _words(
            "处罚 罚款 罚多少 罚金 会被罚 被罚 怎么罚 怎样罚 罚不罚 被怎么处理 被如何处理 被处理 "
            "什么后果 啥后果 受到什么 法律责任 吊销 没收 fine fined fines penalty penalties "
            "penalised penalized punish punished punishment sanction sanctions consequences"
        ),
        r"罚款|罚金|处以?.{0,12}罚|吊销|没收|责令停",
        r"罚款|罚金|吊销|没收违法所得|给予处罚|予以处罚",
    ),
    "document": Kind(
        _words(
            "文号 发文字号 文件号 编号 修订 新出 老版本 哪个文件 什么文件 reference_number document_number "
            "revised revision amended"
        ),
        r"〔\d{4}〕|修订",
        r"〔\d{4}〕|修订",
    ),
}


# The words of a penalty: of an English word's translations, these are meant in a question
# about one ("fine" is 罚款 and 良好, "penalty" 处罚 and 刑罚, "revoke" 吊销 and 撤销).
_PENALTY_WORDS = re.compile(r"罚|吊销|没收")


# "fine" that is no penalty: "is it fine if…", "that's fine", "fine quality" (but "what is
# the fine if we…" asks for one)
_FINE_WELL = re.compile(
    r"\b(?:is\s+it|it'?s|it\s+is|that'?s|be|are|is|looks?|sounds?|seems?)\s+fine\b"
    r"|\bfine\s+(?:quality|print)\b"
)


def meant_words(question: str) -> re.Pattern[str] | None:
    """The documents' words an ambiguous English word means in ``question`` (the words of a
    penalty in a question about one), else None."""
    asked = question_kinds(_FINE_WELL.sub(" ", normalize(question)))
    return _PENALTY_WORDS if "penalty" in asked else None


def _has(cue: str, query: str) -> bool:
    cue = cue.replace("_", " ")
    if cue.isascii():
        return whole_word(cue).search(query) is not None
    return cue in query


def question_kinds(question: str) -> list[str]:
    """The kinds of answer the question asks for (may be several, may be none)."""
    query = normalize(question)
    kinds = [name for name, kind in KINDS.items() if any(_has(cue, query) for cue in kind.cues)]
    if "amount" in kinds and _TIME_ASKED.search(query):
        kinds.remove("amount")  # "how much notice must they give us" asks for days, not money
    if "office" in kinds and _ISSUER_ASKED.search(query):
        kinds.remove("office")  # "是哪个部门发布的" asks who issued the document, not where to go
    return kinds


_TIME_ASKED = re.compile(r"\bhow much (?:notice|time)\b")
_ISSUER_ASKED = re.compile(  # who issued or interprets the document (not "which office issues
    # the permit", not "发布户外广告要去哪里办")
    r"(?:谁|哪个部门|哪些部门|什么部门|哪个单位|哪些单位|哪个机关)(?:联合)?"
    r"(?:发布|印发|发文|出台|颁布|制定|负责解释|解释)"
    r"|(?:发布|印发|发文|制定)(?:单位|机关|部门)|由谁(?:发布|印发|制定|解释)"
    r"|\b(?:who|which\s+\w+)\s+(?:issued|published|interprets)\b|\bissued\s+by\b"
)


# A person's age in a question ("卖酒给17岁的顾客", "a 16-year-old", "under 18"): below 18 the
# documents call them 未成年人, a word the question does not use.
# an age in English ("a 17-year-old", "16 years old"); ``crosslingual`` leaves it untranslated
ENGLISH_AGE = r"\b(\d{1,2})[\s-]*(?:years?|yrs?)[\s-]*olds?\b"
_AGE = re.compile(
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*周?岁"
    rf"|{ENGLISH_AGE}"
    r"|(?:不满|未满|未成年|under(?:\s+the\s+age\s+of)?\s*)(18|十八)"
)
ADULT_AGE = 18
MINORS = "未成年人"


def minors(query: str) -> list[str]:
    """The documents' word for people under 18 when the (normalised) question gives such an
    age, else none."""
    for match in _AGE.finditer(query):
        if match.group(3):
            return [MINORS]
        age = chinese_number(match.group(1) or match.group(2))
        if age is not None and age < ADULT_AGE:
            return [MINORS]
    return []
