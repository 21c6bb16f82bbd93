"""Check the eligibility rules against the documents loaded: people write rules, this proves
each one still points at real text.

For every program: its document is loaded, its quote is found in that document (ignoring line
breaks and spaces, Traditional or Simplified), and the clause that holds the quote carries the
clause number the rule names. Facts and documents named by the rules are checked by the
rulebook's own loader (``bot.eligibility.load_rulebook``) before this runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Clause
from bot.eligibility import Rulebook
from bot.knowledge.index import KnowledgeBase
from bot.text import normalize


def _plain(text: str) -> str:
    return normalize(text).replace(" ", "")


@dataclass(frozen=True)
class RuleProblem:
    program: str
    message: str


def find_clause(kb: KnowledgeBase, doc_id: str, clause: str, quote: str) -> Clause | None:
    """The clause of ``doc_id`` numbered ``clause`` that holds ``quote`` (any key shape); else
    any clause of the document that holds it; None when the quote is nowhere."""
    want = _plain(quote)
    holding = [c for c in kb.clauses_of(doc_id) if want in _plain(c.text)]
    if not holding:
        # A quote may run across the sentence groups of a long clause: try whole clauses.
        whole: dict[str, list[Clause]] = {}
        for c in kb.clauses_of(doc_id):
            whole.setdefault(c.key.rsplit("/", 1)[0] if c.part else c.key, []).append(c)
        for parts in whole.values():
            text = "".join(_plain(p.text.split("……", 1)[-1]) for p in parts)
            if want in text:
                holding = parts
                break
    numbered = [c for c in holding if _plain(c.clause) == _plain(clause)]
    chosen = numbered or holding
    return chosen[0] if chosen else None


def check_rules(rulebook: Rulebook, kb: KnowledgeBase) -> list[RuleProblem]:
    """Every problem found; an empty list means every rule is anchored in its document."""
    problems: list[RuleProblem] = []
    for program in rulebook.programs.values():
        source = program.source
        if source.doc not in kb.documents:
            problems.append(
                RuleProblem(
                    program.id, f"document '{source.doc}' is not loaded (knowledge/documents)"
                )
            )
            continue
        found = find_clause(kb, source.doc, source.clause, source.quote)
        if found is None:
            problems.append(
                RuleProblem(program.id, f"quote not found in '{source.doc}': {source.quote[:40]}…")
            )
        elif _plain(found.clause) != _plain(source.clause):
            problems.append(
                RuleProblem(
                    program.id,
                    f"quote is in clause {found.clause} ({found.key}), the rule says {source.clause}",
                )
            )
    for doc_id, document in rulebook.documents.items():
        meta = kb.documents.get(doc_id)
        if meta is None:
            continue
        for name in ("valid_from", "valid_until"):
            ours, theirs = getattr(document, name), getattr(meta, name)
            if theirs is not None and ours != theirs:
                problems.append(
                    RuleProblem(
                        f"documents.{doc_id}", f"{name} is {ours} here, {theirs} in the document"
                    )
                )
    return problems
