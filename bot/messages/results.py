"""The catalogue's words of an eligibility result (``bot/eligibility/render.py``): the
questions' buttons and why they are asked, each program's head and fields, amounts, the
total, the programs ruled out; each entry is (zh-Hans, en).

Separators are entries too (``result.sep``, ``result.list``, ``result.colon``): Chinese and
English punctuate lists differently.
"""

from __future__ import annotations

from typing import Final

ENTRIES: Final[dict[str, tuple[str, str]]] = {
    # a question of the walk-through
    "result.why_ask": ("（为什么问：{why}）", "(Why we ask: {why})"),
    "result.yes": ("是", "Yes"),
    "result.no": ("否", "No"),
    "result.skip": ("不清楚 / 跳过", "Don't know / skip"),
    # amounts ({per}: "ans.per.*", empty for a one-off sum not stated as such)
    "result.amount_unknown": (
        "待定（取决于尚未确认的情况）",
        "not known yet (depends on answers still missing)",
    ),
    "result.no_amount": ("文件未规定具体金额", "the text states no amount"),
    "result.up_to": ("{per}最高 {money}", "up to {money} {per}"),
    "result.at_least": ("{per} {money}以上", "at least {money}, {per}"),
    "result.exact": ("{per} {money}", "{money} {per}"),
    "result.max_years": ("，最长{years}年", ", for at most {years} years"),
    "result.extras": ("（{extras}）", " ({extras})"),
    # one program
    "result.head.eligible": ("✅ {name}：符合所述条件", "✅ {name}: meets the stated conditions"),
    "result.head.undetermined": ("❔ {name}：尚待确认", "❔ {name}: not settled yet"),
    "result.head.not_eligible": ("✗ {name}：不符合", "✗ {name}: does not qualify"),
    "result.amount": ("金额：", "Amount: "),
    "result.amount_if": ("金额（如符合条件）：", "Amount (if eligible): "),
    "result.missing": ("还需确认：{facts}", "Still to confirm: {facts}"),
    "result.why": ("依据：", "Why:"),
    "result.hint": ("提示：", "Note: "),
    "result.note": ("说明：", "Note: "),
    "result.clause": ("条款：", "Clause: "),
    "result.responsible": ("责任单位：", "Responsible: "),
    "result.more_units": ("等{all}个部门", " and {more} more departments"),
    "result.clause_ref": ("《{title}》{number}{clause}", "{title}{number}, clause {clause}"),
    "result.doc_number": ("（{number}）", " ({number})"),
    # the whole result
    "result.title": ("评估结果（截至{day}）", "Result (as of {day})"),
    "result.total": (
        "合计：{amount}（只计现行有效、金额确定的一次性项目）",
        "Total: {amount} (only programs in force with a fixed one-off amount)",
    ),
    "result.nothing": (
        "按您的回答，暂未找到符合条件的项目。",
        "Going by your answers, nothing applies.",
    ),
    "result.not_eligible": ("不符合的项目：", "Not eligible:"),
    "result.not_applicable": ("不适用：{names}", "not eligible: {names}"),
    # separators
    "result.sep": ("；", "; "),
    "result.list": ("、", "; "),
    "result.colon": ("：", ": "),
}
