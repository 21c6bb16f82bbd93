"""Issue 15, item 4: the eligibility check right for every place and every loaded document.

Table-driven from ``tests/eligibility/places/*.yaml``: answers that name a place, facts read
from free text, benefit clauses of documents without rules, and whole walk-throughs played
through the real dialogue with the real services (and real corpus documents loaded beside the
seeds where a case asks for them).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.dialogue import handle
from bot.dialogue.facts import facts_from_text
from bot.domain import Incoming, Reply, Session
from bot.eligibility import load_rulebook, parse_answer, parse_district
from bot.eligibility.unruled import applies_to_place, is_benefit_clause, unruled_clauses
from bot.knowledge.documents import load_documents, read_document
from bot.knowledge.index import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "eligibility" / "places"
CORPUS = ROOT.parent / "shared" / "corpus" / "shanghai-regulations"
RULEBOOK = load_rulebook(ROOT / "knowledge")


def _load(name: str) -> Any:
    return yaml.safe_load((CASES / name).read_text(encoding="utf-8"))


def _corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared corpus is not here: {path}")
    return path


# ------------------------------------------------------------------------------ answers


@pytest.mark.parametrize(
    "case", _load("answers.yaml")["registered_in_jiading"], ids=lambda c: c["text"]
)
def test_place_answers(case: dict[str, Any]) -> None:
    fact = RULEBOOK.facts["registered_in_jiading"]
    assert parse_answer(fact, case["text"]) is case["value"]


@pytest.mark.parametrize("case", _load("answers.yaml")["districts"], ids=lambda c: c["text"])
def test_districts(case: dict[str, Any]) -> None:
    assert parse_district(case["text"]) == case["district"]


# ------------------------------------------------------------------------------ stated facts


@pytest.mark.parametrize("case", _load("stated.yaml")["cases"], ids=lambda c: c["name"])
def test_stated_facts(case: dict[str, Any]) -> None:
    found = facts_from_text(RULEBOOK, case["text"], case.get("known", {}), case.get("pending"))
    for key, value in (case.get("expect") or {}).items():
        assert found.get(key) == value, (key, found)
    for key in case.get("absent", []):
        assert key not in found, (key, found)


# ------------------------------------------------------------------------------ unruled clauses


@pytest.mark.parametrize("case", _load("unruled.yaml")["benefit"], ids=lambda c: c["text"][:24])
def test_benefit_clauses(case: dict[str, Any]) -> None:
    assert is_benefit_clause(case["text"]) is case["benefit"]


@pytest.mark.parametrize(
    "case", _load("unruled.yaml")["places"], ids=lambda c: f"{c['region']}-{c['place']}"
)
def test_document_places(case: dict[str, Any]) -> None:
    assert applies_to_place(case["region"], case["place"]) is case["applies"]


def test_the_seeds_benefit_clauses_are_the_ones_with_rules() -> None:
    """Were the Jiading opinions loaded without rules, the clauses listed would be exactly
    those the rules encode: the detector finds benefits, not every clause."""
    kb = KnowledgeBase.from_sources(load_documents(ROOT / "knowledge" / "documents"))
    found = unruled_clauses(kb.documents, kb.clauses, set(), "jiading", date(2025, 6, 1))
    jiading = {c.clause for c in found if c.doc_id == "jiading-livestream-2024"}
    ruled = {
        p.source.clause
        for p in RULEBOOK.programs.values()
        if p.source.doc == "jiading-livestream-2024"
    }
    assert jiading == ruled
    # documents with rules are never listed, nor expired ones
    assert not unruled_clauses(
        kb.documents,
        kb.clauses,
        set(kb.documents) - {"jiading-livestream-2024"},
        "jiading",
        date(2026, 6, 1),
    )


# ------------------------------------------------------------------------------ walk-throughs


def _services(svc: Any, documents: list[str]) -> Any:
    if not documents:
        return svc
    sources = load_documents(ROOT / "knowledge" / "documents")
    sources += [read_document(_corpus_file(name)) for name in documents]
    return dataclasses.replace(svc, kb=KnowledgeBase.from_sources(sources))


def _turn(services: Any, session: Session, today: date, **kw: Any) -> tuple[Session, list[Reply]]:
    kind = "choice" if kw.get("choice") is not None else "text"
    incoming = Incoming(chat_id=session.chat_id, kind=kind, **kw)
    result = handle(session, incoming, services, today)
    saved = json.loads(json.dumps(result.session.to_json(), ensure_ascii=False))
    assert Session.from_json(saved, session.chat_id) == result.session
    return result.session, list(result.replies)


def _finish(services: Any, session: Session, today: date) -> tuple[Session, list[Reply]]:
    replies: list[Reply] = []
    for _ in range(20):
        if session.flow != "eligibility":
            return session, replies
        answer = "都没有" if session.pending == "checklist" else "不清楚"
        session, replies = _turn(services, session, today, text=answer)
    raise AssertionError(f"the check did not end: {session}")


def _flat(items: list[Any]) -> list[str]:
    """YAML aliases of lists inside a list: one flat list of strings."""
    return [y for x in items for y in (x if isinstance(x, list) else [x])]


def _check(
    expect: dict[str, Any], session: Session, replies: list[Reply], facts: dict[str, Any]
) -> None:
    text = "\n".join(r.text for r in replies)
    for want in _flat(expect.get("contains", [])):
        assert want in text, f"{want!r} missing from:\n{text}"
    for bad in _flat(expect.get("not_contains", [])):
        assert bad not in text, f"{bad!r} in:\n{text}"
    for key, value in (expect.get("facts") or {}).items():
        assert facts.get(key) == value, (key, facts)
    if "focus" in expect:  # the focus of a check still running (a result clears it)
        assert session.flow == "eligibility", session
        assert list(session.focus) == expect["focus"], session.focus
    if "citations_from" in expect:
        docs = {c.title for r in replies for c in r.citations}
        assert expect["citations_from"] in docs, docs


@pytest.mark.parametrize("case", _load("walkthrough.yaml")["cases"], ids=lambda c: c["name"])
def test_walkthrough(svc: Any, case: dict[str, Any]) -> None:
    services = _services(svc, case.get("documents", []))
    today = case["today"]
    session = Session(chat_id="places")
    for step in case["turns"]:
        before = session
        if step.get("finish"):
            session, replies = _finish(services, session, today)
        elif "choice" in step:
            session, replies = _turn(services, session, today, choice=step["choice"])
        else:
            session, replies = _turn(services, session, today, text=step["say"])
        # facts are checked while the check runs (a result leaves the session idle)
        facts = session.facts if session.flow == "eligibility" else before.facts
        _check(step, session, replies, facts if "facts" in step else {})
