"""The catalogue's sentences of the answer path (``bot/answering/phrase.py``): leads,
verdicts, validity, sources, amounts.

Verbatim values (titles, quotes, unit names) arrive already marked; {title} is 《…》 in Chinese
and the English title in English. ``bot.messages.text(key, lang, …)`` looks them up; each
entry is (zh-Hans, en).
"""

from __future__ import annotations

from typing import Final

ENTRIES: Final[dict[str, tuple[str, str]]] = {
    "ans.yes": ("可以：", "Yes: "),
    "ans.yes_have": ("有：", "Yes: "),
    "ans.no": ("不能：", "No: "),
    "ans.states_en": ("", "The {title}, {clause}, states {figure}:"),
    "ans.says": ("据{title}{clause}：{sentence}", "The {title}, {clause}, says:"),
    "ans.yes_says": ("可以。据{title}{clause}：{sentence}", "Yes. The {title}, {clause}, says:"),
    "ans.yes_have_says": ("有。据{title}{clause}：{sentence}", "Yes. The {title}, {clause}, says:"),
    "ans.no_says": ("不能。据{title}{clause}：{sentence}", "No. The {title}, {clause}, says:"),
    "ans.supported_says": (
        "支持。据{title}{clause}：{sentence}",
        "Yes, it is supported. The {title}, {clause}, says:",
    ),
    "ans.forbidden_says": (
        "文件不允许这样做。据{title}{clause}：{sentence}",
        "This is not allowed. The {title}, {clause}, says:",
    ),
    "ans.must_says": (
        "需要。据{title}{clause}：{sentence}",
        "Yes, it is required. The {title}, {clause}, says:",
    ),
    "ans.unsaid_says": (
        "文件没有写明这一点。相关的是{title}{clause}：{sentence}",
        "The documents do not say. The related clause, {title}, {clause}:",
    ),
    "ans.no_place": (
        "不能：{title}是{region}的政策，只适用于{region}；您说的{place}不在其中。",
        "No: the {title} is a policy of {region} and applies only there; {place} is not covered.",
    ),
    "ans.no_place_quote": ("条款写明：“{words}”。", "The clause says: “{words}”."),
    "ans.no_again": (
        "不能：这一项只给“{word}”的情形，文件没有写明第二次还能再给。",
        "No: the clause gives it only for the “{word}” case; the documents do not provide it a second time.",
    ),
    "ans.combine_unsaid": (
        "文件没有写明这些奖励能否同时享受，请咨询{who}。",
        "The documents do not say whether these can be combined; ask {who}.",
    ),
    "ans.combine_unsaid_nowho": (
        "文件没有写明这些奖励能否同时享受，请咨询文件的主管部门。",
        "The documents do not say whether these can be combined; ask the department in charge of the document.",
    ),
    "ans.choice_unsaid": (
        "文件没有写明这一点，原文只有：",
        "The documents do not say; the text only states:",
    ),
    "ans.uncovered": (
        "政策文件没有涉及“{subjects}”的内容。",
        "The policy documents do not cover {subjects}.",
    ),
    "ans.uncovered_en": (
        "政策文件没有涉及这方面的内容。",
        "The policy documents do not cover this.",
    ),
    "ans.procedure": (
        "文件没有写明申报流程、材料、截止时间或联系方式，请咨询{who}。",
        "The documents do not state the application procedure, materials, deadline or contact details; ask {who}.",
    ),
    "ans.procedure_nowho": (
        "文件没有写明申报流程、材料、截止时间或联系方式，请咨询文件的主管部门。",
        "The documents do not state the application procedure, materials, deadline or contact details; ask the department in charge of the document.",
    ),
    "ans.said_instead": ("文件写明的是：{lead}", "What the documents do say: {lead}"),
    "ans.number": ("{title}的文号是{number}。", "The {title} has the document number {number}."),
    "ans.no_number": (
        "{title}没有写明文号（文件中未列发文字号）。",
        "The {title} does not state a document number.",
    ),
    "ans.issuers": ("{title}由{issuers}联合印发。", "The {title} was issued jointly by {issuers}."),
    "ans.issuer": ("{title}由{issuers}印发。", "The {title} was issued by {issuers}."),
    "ans.issue_date": ("{title}的发布日期是{date}。", "The {title} is dated {date}."),
    "ans.effective": ("{title}自{date}起施行。", "The {title} took effect on {date}."),
    "ans.no_effective": (
        "{title}没有写明施行日期。",
        "The {title} does not state when it takes effect.",
    ),
    "ans.who": ("负责单位：{who}。", "Responsible: {who}."),
    "ans.who_none": (
        "这一条没有写明责任单位；{title}由{issuers}印发。",
        "The clause names no responsible unit; the {title} was issued by {issuers}.",
    ),
    "ans.who_none_unknown": ("这一条没有写明责任单位。", "The clause names no responsible unit."),
    "ans.years_up_to": ("最长{years}年（{name}）。", "For up to {years} years ({name})."),
    "ans.years_running": ("可连续{years}年（{name}）。", "For up to {years} years ({name})."),
    "ans.once": ("这是一次性{word}，不按年发放。", "It is a one-off payment, not yearly ({name})."),
    "ans.applicants": ("面向：{who}。", "Who can apply: {who}."),
    "ans.mismatch": (
        "文件没有写明针对企业的此类支持；相关的只有{name}，面向{who}。",
        "The documents do not state such support for companies; the related one is the {name}, for {who}.",
    ),
    "ans.followup": ("接上题：", "Following up: "),
    "ans.followup_on": ("接上题（{bits}）：", "Following up ({bits}): "),
    "ans.source": ("出处：{title}{clause}", "Source: {title}, {clause}"),
    # after "the documents do not cover …": the clause nearest the question, which says nothing
    # of it (not the source of the answer)
    "ans.nearest": ("最接近的条文：{title}{clause}", "Nearest clause: {title}, {clause}"),
    "ans.source_units": ("出处：{title}{clause}；责任单位：{units}", "Source: {title}, {clause}"),
    "ans.amounts_en": ("", "Amounts: {glosses}."),
    "ans.no_glossary_en": (
        "",
        "(This document has no English glossary; the source is quoted in Chinese.)",
    ),
    # validity: one entry per status (DocumentMeta.validity)
    "ans.valid.in_force": (
        "可以：{title}有效期至{until}，目前（{today}）仍在有效期内。",
        "Yes: the {title} is in force until {until} (as of {today}).",
    ),
    "ans.valid.in_force_open": (
        "可以：{title}自{since}起施行，文件没有写明截止日期。",
        "Yes: the {title} has been in force since {since}; it states no end date.",
    ),
    "ans.valid.next_year": (
        "目前有效，但有效期只到{until}，明年（{year}年）已不在有效期内；是否延续，请咨询{who}。",
        "In force now, but only until {until}: next year ({year}) it is no longer valid unless renewed; ask {who}.",
    ),
    "ans.valid.expired": (
        "不能了：{title}有效期至{until}，截至{today}已经失效。是否有后续政策，请咨询{who}。",
        "No: the {title} expired on {until} (as of {today}); it is no longer in force. Ask {who} whether a successor policy applies.",
    ),
    "ans.valid.repealed": (
        "不能了：{title}已被{by}废止或取代，不再有效。",
        "No: the {title} has been repealed or replaced by {by}; it is no longer in force.",
    ),
    "ans.valid.not_yet": (
        "还没有生效：{title}自{since}起施行。",
        "Not yet: the {title} takes effect on {since}.",
    ),
    "ans.valid.unknown": (
        "{title}没有写明施行日期和有效期，无法判断目前是否有效，请咨询{who}。",
        "The {title} states no dates, so whether it is in force cannot be told; ask {who}.",
    ),
    "ans.notice.expired": (
        "⚠ 该文件已于{until}失效，是否有后续政策请咨询{who}。",
        "⚠ This document expired on {until}; ask {who} about a successor policy.",
    ),
    "ans.notice.repealed": (
        "⚠ 该文件已被{by}废止或取代。",
        "⚠ This document has been repealed or replaced by {by}.",
    ),
    "ans.notice.not_yet": (
        "⚠ 该文件自{since}起施行，目前尚未生效。",
        "⚠ This document takes effect on {since}; it is not yet in force.",
    ),
    # amounts from the rules table (bot/answering/amounts.py)
    "ans.taking_said": ("（按您说的“{said}”，以{value}计）", ' (taking your "{said}" as {value})'),
    "ans.higher_tier": (
        "这是更高一档，第一次达到；文件没有写明已拿过低一档“{word}”奖励的企业能否再拿、是否扣除已拿的部分。",
        "That is a higher tier, reached for the first time; the documents do not say whether a "
        "firm that received a lower tier gets it too, or less what it received.",
    ),
    "ans.tier_below": (
        "不够：{value}未达到最低一档（{tier}），{name}不适用{stated}。",
        "Not enough: {value} is below the lowest tier ({tier}); the {name} does not apply{stated}.",
    ),
    "ans.tier": (
        "{per}奖励{amount}（{tier}）{stated}。",
        "{amount}, {per} ({tier}){stated}: {name}.",
    ),
    "ans.tier_max": (
        "最高{per}奖励{amount}（{tier}）。",
        "At most {amount} {per} ({tier}): {name}.",
    ),
    "ans.tiers": ("按档{per}奖励：{parts}。", "{name}, {per} by tier: {parts}."),
    "ans.percent": ("可补贴{amount}{capped}{stated}。", "{amount}{capped}{stated}: {name}."),
    "ans.capped": ("（达到上限）", " (the cap)"),
    "ans.percent_how_capped": (
        "计算：{value} × {rate}% = {raw}，超过上限{cap}，按{amount}计{years}。",
        "How: {value} × {rate}% = {raw}, above the cap of {cap} → {amount}{years}.",
    ),
    "ans.percent_how": (
        "计算：{value} × {rate}% = {raw}（上限{cap}）{years}。",
        "How: {value} × {rate}% = {raw} (cap {cap}){years}.",
    ),
    "ans.running_years": ("，可连续{years}年", ", for up to {years} consecutive years"),
    "ans.at_most_years": ("，最长{years}年", ", for at most {years} years"),
    "ans.choice": ("{per}补贴{amount}（{label}）。", "{amount}, {per} ({label}): {name}."),
    "ans.choices": ("{per}补贴：{parts}。", "{name}, {per}: {parts}."),
    "ans.level_unsaid": (
        "文件没有写明{level}的{name}。",
        "The documents state no {level} tier of {name}. ",
    ),
    "ans.percent_rule": (
        "按举办费的{rate}%补贴{cap}{years}。",
        "{rate}% of the cost{cap}{years}: {name}.",
    ),
    "ans.percent_cap": ("，{per}最高{cap}", ", at most {cap} {per}"),
    "ans.fixed": ("{per}{word}{amount}。", "{amount}, {per}: {name}."),
    "ans.up_to": ("最高{per}{amount}{years}。", "Up to {amount}{per}{years}: {name}."),
    "ans.at_least": (
        "{per}奖励{amount}以上（视贡献确定）。",
        "At least {amount}, {per} (set by contribution): {name}.",
    ),
    "ans.at_least_no_max": (
        "文件没有写明上限：条款只说{per}奖励“{amount}以上”，视贡献确定。",
        "The documents do not state a maximum: the clause says at least {amount} ({per}), set by contribution.",
    ),
    "ans.no_figure": (
        "文件没有写明具体金额：{name}，{note}。",
        "The documents do not state a figure for the {name}: {note}.",
    ),
    "ans.per.once": ("一次性", "one-off"),
    "ans.per.year": ("每年", "per year"),
    "ans.per.month": ("每月", "per month"),
}
