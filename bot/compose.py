"""Compose an answer from retrieved clauses, without an LLM.

The answer leads with the one sentence of the retrieved clauses that best answers the
question (an amount, a date, a department, a count), quoted, then the clause it comes from
with its source and responsible units, then other relevant clauses. Every figure in an
answer is quoted from a clause or from the document's own header; English answers frame the
quoted Chinese in English and restate money amounts in yuan. Expired documents are flagged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain import Answer, Citation, Clause, DocumentMeta, Lang
from bot.retrieval.intent import KINDS, question_kinds
from bot.retrieval.retriever import Hit
from bot.retrieval.tokens import char_bigrams
from bot.text import normalize, sentences, to_traditional

MAX_CITATIONS = 3

_PROCEDURE = (
    "怎么申请",
    "如何申请",
    "怎么申报",
    "如何申报",
    "申报流程",
    "申请流程",
    "流程",
    "材料",
    "截止",
    "联系方式",
    "电话",
    "地址",
    "窗口",
    "在哪里申请",
    "去哪申请",
    "how to apply",
    "how do i apply",
    "how can i apply",
    "application process",
    "procedure",
    "deadline",
    "contact",
    "phone",
    "address",
    "documents required",
    "paperwork",
)
_MONEY = re.compile(r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(万元|亿元|万|亿|元)")


@dataclass(frozen=True)
class _Sentence:
    text: str
    hit: Hit
    score: float


def asks_procedure(question: str) -> bool:
    q = normalize(question)
    return any(cue in q for cue in _PROCEDURE)


def yuan(amount: str, unit: str) -> str:
    """ "80", "万元" -> "800,000 yuan" (exact decimal arithmetic on the quoted figure)."""
    whole, _, frac = amount.partition(".")
    scale = {"万元": 4, "万": 4, "亿元": 8, "亿": 8, "元": 0}[unit]
    if scale and len(frac) > scale:
        return f"{amount} {unit}"
    digits = int(whole + frac.ljust(scale, "0")) if scale else int(whole)
    if not scale and frac:
        return f"{amount} yuan"
    return f"{digits:,} yuan"


def money_glosses(text: str) -> list[str]:
    """English restatements of the money amounts quoted in ``text``, in order, unique."""
    out: list[str] = []
    for number, unit in _MONEY.findall(re.sub(r"(?<=\d)\s+(?=[万亿元])", "", text)):
        gloss = f"{number}{unit} = {yuan(number.replace(',', ''), unit)}"
        if gloss not in out:
            out.append(gloss)
    return out


def _body_sentences(clause: Clause) -> list[str]:
    body = re.sub(r"[（(]责任单位[:：].*?[）)]", "", clause.text)
    if "……" in body:
        body = body.split("……", 1)[1]
    if clause.kind == "header":
        return [line for line in body.split("\n") if line.strip()]
    found = sentences(body)
    # "（三）鼓励直播和短视频企业做大做强。" only names the clause: never the answer itself.
    title = normalize(clause.section.rsplit(" > ", 1)[-1])
    content = [s for s in found if normalize(s).rstrip("。") != title]
    return content or found


def _overlap(question_pairs: set[str], sentence: str) -> float:
    pairs = set(char_bigrams(sentence))
    if not pairs or not question_pairs:
        return 0.0
    return len(question_pairs & pairs) / len(question_pairs)


def best_sentence(
    question: str, hits: Sequence[Hit], terms: Sequence[str] = ()
) -> _Sentence | None:
    """The sentence of the top hits that best answers the question; ``terms`` are the
    documents' words for the question's words (the glossary), so that an English question
    can be matched against Chinese sentences."""
    question_pairs = set(char_bigrams(question)).union(*(char_bigrams(t) for t in terms))
    kinds = question_kinds(question)
    best: _Sentence | None = None
    for rank, hit in enumerate(hits[:MAX_CITATIONS]):
        for sentence in _body_sentences(hit.clause):
            score = _overlap(question_pairs, sentence) - 0.08 * rank
            if any(re.search(KINDS[k].states, normalize(sentence)) for k in kinds):
                score += 0.25
            if best is None or score > best.score:
                best = _Sentence(sentence.strip(), hit, score)
    return best


def citation_of(clause: Clause) -> Citation:
    return Citation.of(clause)


def _fmt_date(d: date, lang: Lang) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def _who(meta: DocumentMeta, clause: Clause) -> str:
    """Who to ask about a clause: its responsible units, else the document's interpreter or
    first issuer."""
    if clause.responsible:
        return "、".join(clause.responsible)
    if meta.interpreter:
        return meta.interpreter
    return meta.issuers[0] if meta.issuers else ""


def expiry_notice(meta: DocumentMeta, today: date, lang: Lang, who: str) -> str | None:
    """A warning when the document is not in force on ``today``; None when it is."""
    notice = _expiry(meta, today, lang, who)
    return None if notice is None else _finish(notice, traditional=False)


def _expiry(meta: DocumentMeta, today: date, lang: Lang, who: str) -> str | None:
    if meta.validity(today) in ("in_force", "unknown"):  # unknown: no date to warn about
        return None
    if meta.valid_until is not None and today > meta.valid_until:
        if lang == "zh":
            return (
                f"⚠ 注意：《{_v(meta.title)}》有效期至{_fmt_date(meta.valid_until, lang)}，"
                f"截至{_fmt_date(today, lang)}已经失效。是否有后续政策，请向{_v(who)}咨询。"
            )
        return (
            f'⚠ Note: "{meta.title_en or meta.title}" was valid until '
            f"{meta.valid_until.isoformat()} and has expired as of {today.isoformat()}. "
            f"Ask {who} whether a successor policy applies."
        )
    start = meta.valid_from.isoformat() if meta.valid_from else "?"
    if lang == "zh":
        return f"⚠ 注意：《{_v(meta.title)}》自{start}起施行，{_fmt_date(today, lang)}尚未生效。"
    return f'⚠ Note: "{meta.title_en or meta.title}" takes effect on {start}; not yet in force.'


def _source_line(meta: DocumentMeta, clause: Clause, lang: Lang) -> str:
    number = f"（{meta.number}）" if meta.number else ""
    if lang == "zh":
        return f"出处：《{_v(meta.title)}》{_v(number)} {_v(clause.section)}"
    english = f" ({meta.title_en})" if meta.title_en else ""
    return f"Source: 《{meta.title}》{number}{english} — {clause.section}"


def compose(
    question: str,
    hits: Sequence[Hit],
    documents: Mapping[str, DocumentMeta],
    today: date,
    lang: Lang,
    traditional: bool = False,
    terms: Sequence[str] = (),
) -> Answer:
    """The answer to an in-scope question from its ranked hits (``terms``: the glossary's
    document words for the question's words)."""
    if not hits:
        return not_found(lang, traditional, documents)
    top = hits[0].clause
    lead = best_sentence(question, hits, terms)
    lead_clause = lead.hit.clause if lead else top
    meta = documents[lead_clause.doc_id]
    lines: list[str] = []
    if lang == "zh":
        if lead:
            lines.append(f"根据《{_v(meta.title)}》{_v(lead_clause.clause)}：{_v(lead.text)}")
    else:
        if lead:
            lines.append(
                f"According to {meta.title_en or meta.title}, {lead_clause.clause}: 「{lead.text}」"
            )
            glosses = money_glosses(lead.text)
            if glosses:
                lines.append("Amounts: " + "; ".join(glosses) + ".")
    if asks_procedure(question):
        who = _who(meta, lead_clause)
        if lang == "zh":
            lines.append(
                f"文件没有写明具体的申报流程、材料、截止时间或联系方式，请向{_v(who)}咨询。"
            )
        else:
            lines.append(
                "The documents do not state an application procedure, required materials, "
                f"a deadline or contact details; please ask {who}."
            )
    shown: list[Clause] = []
    for hit in [h for h in hits if h.clause.key == lead_clause.key] + [
        h for h in hits if h.clause.key != lead_clause.key
    ]:
        if len(shown) < MAX_CITATIONS:
            shown.append(hit.clause)
    main = shown[0]
    main_meta = documents[main.doc_id]
    lines.append("")
    lines.append(_source_line(main_meta, main, lang))
    lines.append(f"「{_v(main.text)}」")
    if main.responsible:
        label = "责任单位" if lang == "zh" else "Responsible units"
        lines.append(f"{label}：{_v('、'.join(main.responsible))}")
    others = shown[1:]
    if others:
        lines.append("")
        lines.append("相关条款：" if lang == "zh" else "Related clauses:")
        for clause in others:
            snippet = clause.text.replace("\n", " ")
            snippet = snippet if len(snippet) <= 80 else snippet[:80] + "…"
            lines.append(
                f"· 《{_v(documents[clause.doc_id].title)}》{_v(clause.clause)}：{_v(snippet)}"
            )
    notices = []
    for doc_id in dict.fromkeys(c.doc_id for c in shown):
        doc_clause = next(c for c in shown if c.doc_id == doc_id)
        notice = _expiry(documents[doc_id], today, lang, _who(documents[doc_id], doc_clause))
        if notice:
            notices.append(notice)
    if notices:
        lines.append("")
        lines.extend(notices)
    lines.append("")
    lines.append(
        "以上内容引自政策原文，具体以主管部门解释为准。"
        if lang == "zh"
        else "Quoted from the policy texts; the responsible departments have the final word."
    )
    text = _finish("\n".join(lines).strip(), traditional)
    return Answer(
        text=text, in_scope=True, lang=lang, citations=tuple(citation_of(c) for c in shown)
    )


# Verbatim text (quotes, titles, sections, unit names) is wrapped in these private-use
# marks while an answer is built, so that converting the framing to Traditional for a
# Traditional-script question can never alter a quotation.
_VERBATIM = re.compile("(\ue000.*?\ue001)", re.DOTALL)


def _v(text: str) -> str:
    return f"\ue000{text}\ue001"


def _finish(text: str, traditional: bool) -> str:
    """Convert the framing (only) to Traditional when asked, and drop the verbatim marks."""
    pieces = _VERBATIM.split(text)
    return "".join(
        piece[1:-1]
        if piece.startswith("\ue000")
        else to_traditional(piece)
        if traditional
        else piece
        for piece in pieces
    )


def not_found(lang: Lang, traditional: bool, documents: Mapping[str, DocumentMeta]) -> Answer:
    who = "、".join(
        dict.fromkeys(
            m.interpreter or (m.issuers[0] if m.issuers else "") for m in documents.values()
        )
    )
    text = (
        f"抱歉，政策文件中没有找到能回答这个问题的条款。请换个说法，或向{who}咨询。"
        if lang == "zh"
        else f"Sorry, no clause of the policy documents answers this. Try rephrasing, or ask {who}."
    )
    return Answer(text=to_traditional(text) if traditional else text, in_scope=True, lang=lang)


def out_of_scope(lang: Lang, traditional: bool, documents: Mapping[str, DocumentMeta]) -> Answer:
    """The polite refusal: what the assistant covers and two example questions."""
    titles = "、".join(f"《{m.title}》" for m in documents.values())
    if lang == "zh":
        text = (
            f"抱歉，这个问题不在我能回答的范围内。我只解答上海市和嘉定区直播、短视频产业政策"
            f"（{titles}）的内容，以及企业可以申请哪些扶持。\n你可以这样问：\n"
            "· 嘉定直播企业年主营业务收入首次超过1亿元奖励多少？\n"
            "· 上海对直播平台出海有哪些支持？"
        )
        if traditional:
            text = to_traditional(text)
    else:
        text = (
            "Sorry, that is outside what I can help with. I answer questions about the Shanghai "
            f"and Jiading live-streaming and short-video industry policies ({titles}) and what a "
            "company may apply for.\nYou could ask, for example:\n"
            "· How much does Jiading award a live-streaming company whose revenue first exceeds "
            "100 million yuan?\n"
            "· What does Shanghai offer live-streaming platforms that expand overseas?"
        )
    return Answer(text=text, in_scope=False, lang=lang)
