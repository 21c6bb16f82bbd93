"""Eligibility walk-through: which Jiading / Shanghai live-streaming benefits a user can claim.

Rules are data (``knowledge/programs.yaml``, ``knowledge/facts.yaml``), validated at load time;
the engine and the answer parsers are pure functions; the renderers produce zh / en texts.

Typical use by the dialogue (one question per turn)::

    rulebook = load_rulebook(settings.knowledge_dir)           # once, at start-up
    focus = focus_from_text(rulebook, "营收首超3亿能拿多少")       # frozenset of program ids
    step = evaluate(rulebook, facts, today, focus=focus)         # facts: dict[str, object]
    if isinstance(step, Ask):
        reply = question_reply(step, lang)                       # text + buttons
        ...  # next turn: facts[step.fact.id] = parse_answer(step.fact, text_or_button_id, lang)
             # (AnswerError.user_message re-asks with an example)
    else:
        reply = outcome_reply(rulebook, step, lang)              # text + citations

Public API (details in each module's docstring):

    schema:  load_rulebook(knowledge_dir: Path) -> Rulebook
             parse_rulebook(programs_data, facts_data, *, programs_file=..., facts_file=...)
                 -> Rulebook
             Rulebook, Document, Fact, FactOption, Program, Condition, AmountRule, UNKNOWN
    engine:  evaluate(rulebook, facts, today, focus=None) -> Ask | Outcome
             assess(rulebook, facts, today, focus=None) -> Outcome
             focus_from_text(rulebook, text) -> frozenset[str]
             Ask, Outcome, ProgramResult, AmountResult
    answers: parse_answer(fact, text, lang="zh") -> bool | int | str | date
             parse_money, parse_yes_no, parse_choice, parse_number, parse_date,
             parse_district, is_unknown, AnswerError (a bot.errors.BadInput)
    render:  question_reply(ask_or_fact, lang) -> Reply
             question_text(fact, lang) -> str, question_options(fact, lang) -> tuple[Option, ...]
             outcome_reply(rulebook, outcome, lang) -> Reply
             render_outcome(rulebook, outcome, lang) -> str
             render_result(rulebook, result, lang) -> str
             format_amount(amount, lang) -> str
             citation(rulebook, program_id) -> bot.domain.Citation
    fmt:     LocalText(zh, en).get(lang), format_yuan(yuan, lang), format_money_label(yuan, lang)
"""

from bot.eligibility.answers import (
    AnswerError,
    is_unknown,
    parse_answer,
    parse_choice,
    parse_date,
    parse_district,
    parse_money,
    parse_number,
    parse_yes_no,
)
from bot.eligibility.engine import (
    Ask,
    Outcome,
    ProgramResult,
    assess,
    checklist,
    evaluate,
    focus_from_text,
)
from bot.eligibility.fmt import LocalText, format_money_label, format_yuan
from bot.eligibility.loader import load_rulebook, parse_rulebook
from bot.eligibility.payout import AmountResult
from bot.eligibility.render import (
    citation,
    format_amount,
    outcome_reply,
    question_options,
    question_reply,
    question_text,
    render_outcome,
    render_result,
)
from bot.eligibility.schema import (
    UNKNOWN,
    AmountRule,
    Condition,
    Document,
    Fact,
    FactOption,
    Program,
    Rulebook,
)

__all__ = [
    "UNKNOWN",
    "AmountResult",
    "AmountRule",
    "AnswerError",
    "Ask",
    "Condition",
    "Document",
    "Fact",
    "FactOption",
    "LocalText",
    "Outcome",
    "Program",
    "ProgramResult",
    "Rulebook",
    "assess",
    "checklist",
    "citation",
    "evaluate",
    "focus_from_text",
    "format_amount",
    "format_money_label",
    "format_yuan",
    "is_unknown",
    "load_rulebook",
    "outcome_reply",
    "parse_answer",
    "parse_choice",
    "parse_date",
    "parse_district",
    "parse_money",
    "parse_number",
    "parse_rulebook",
    "parse_yes_no",
    "question_options",
    "question_reply",
    "question_text",
    "render_outcome",
    "render_result",
]
