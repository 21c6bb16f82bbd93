"""`policybot rules draft DOC`: program skeletons from a document's benefit clauses.

The skeletons are checked on real documents (the Jiading seed, whose programs people wrote by
hand, and a city regulation from the shared corpus): every quote is the document's own text in
the clause it names, every figure comes from its quote, and a skeleton completed the way a
person would passes the same check as ``policybot rules check``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.eligibility import load_rulebook, parse_rulebook
from bot.eligibility.draft import amount_skeleton, draft_rules
from bot.eligibility.unruled import unruled_clauses
from bot.errors import KnowledgeError
from bot.knowledge.documents import load_documents, read_document
from bot.knowledge.index import KnowledgeBase
from bot.knowledge.rules_check import check_rules, find_clause

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "knowledge" / "documents"
REGULATION = (
    ROOT.parent
    / "shared"
    / "corpus"
    / "shanghai-regulations"
    / "上海市促进中小企业发展条例(2018-05-24).md"
)
AMOUNTS = yaml.safe_load(
    (ROOT / "tests/eligibility/draft/amounts.yaml").read_text(encoding="utf-8")
)


def _regulation() -> Path:
    if not REGULATION.exists():
        pytest.skip(f"the shared corpus is not here: {REGULATION}")
    return REGULATION


@pytest.mark.parametrize("case", AMOUNTS["cases"], ids=lambda c: c["sentence"][:20])
def test_amount_skeleton(case: dict[str, Any]) -> None:
    rule, hint = amount_skeleton(case["sentence"])
    expected = case["rule"]
    if expected["kind"] == "none":
        assert rule["kind"] == "none" and "note" in rule
    else:
        assert rule == expected
    assert hint


def _draft(path: Path) -> tuple[dict[str, Any], KnowledgeBase]:
    source = read_document(path)
    kb = KnowledgeBase.from_sources([source])
    return yaml.safe_load(draft_rules(source.meta, kb.clauses)), kb


def test_jiading_draft_quotes_and_figures_come_from_the_text() -> None:
    draft, kb = _draft(SEEDS / "jiading-livestream-2024.txt")
    programs = draft["programs"]
    rulebook = load_rulebook(ROOT / "knowledge")
    # every clause a person wrote rules for is drafted, and nothing else
    assert {p["source"]["clause"] for p in programs} == {
        p.source.clause
        for p in rulebook.programs.values()
        if p.source.doc == "jiading-livestream-2024"
    }
    for program in programs:
        source = program["source"]
        found = find_clause(kb, source["doc"], source["clause"], source["quote"])
        assert found is not None and found.clause == source["clause"], source
        assert program["responsible"] == list(found.responsible)  # （责任单位：…） of the clause
        plain = source["quote"].replace(" ", "")
        for key in ("yuan", "cap_yuan"):
            yuan = program["amount"].get(key)
            if isinstance(yuan, int):
                wan = f"{yuan // 10000}万元" if yuan % 10000 == 0 else f"{yuan}元"
                assert wan in plain, (wan, plain)
    assert draft["documents"]["jiading-livestream-2024"]["valid_until"].isoformat() == "2025-12-31"
    # the units the skeletons name are listed for an English name
    assert set(draft["units"]) == {u for p in programs for u in p["responsible"]}


def _complete(draft: dict[str, Any]) -> dict[str, Any]:
    """What a person does with the skeleton of clause 第二十八条: fills every TODO."""
    ((doc_id, document),) = draft["documents"].items()
    document.update(
        title_en="Shanghai Regulations on Promoting the Development of Small and Medium-sized Enterprises",
        valid_until="2099-12-31",
    )
    program = next(p for p in draft["programs"] if p["source"]["clause"] == "第二十八条")
    program.update(
        id="sh-sme-patent-support",
        name={
            "zh": "中小企业专利申请和维持资金支持",
            "en": "Funding for SMEs' patent applications",
        },
        applicants={
            "zh": "申请和维持专利的中小企业",
            "en": "Small and medium-sized enterprises applying for or maintaining patents",
        },
        conditions=[
            {"fact": "entity_type", "in": ["company", "other_org"]},
            {"fact": "is_sme", "equals": True},
        ],
        amount={
            "kind": "none",
            "note": {
                "zh": "给予资金支持，条例未规定具体金额",
                "en": "funding support; the regulation states no figure",
            },
        },
        keywords={"zh": ["专利"], "en": ["patent"]},
    )
    units = {
        u: "Standing Committee of the Shanghai Municipal People's Congress" for u in draft["units"]
    }
    text = yaml.safe_dump(
        {"documents": {doc_id: document}, "units": units, "programs": [program]}, allow_unicode=True
    )
    assert "TODO" not in text
    return yaml.safe_load(text)


def test_a_completed_skeleton_passes_the_rules_check() -> None:
    draft, _ = _draft(_regulation())
    completed = _complete(draft)
    programs = yaml.safe_load((ROOT / "knowledge" / "programs.yaml").read_text(encoding="utf-8"))
    facts = yaml.safe_load((ROOT / "knowledge" / "facts.yaml").read_text(encoding="utf-8"))
    programs["documents"].update(completed["documents"])
    programs["units"].update(completed["units"])
    programs["programs"] += completed["programs"]
    rulebook = parse_rulebook(programs, facts)
    kb = KnowledgeBase.from_sources([*load_documents(SEEDS), read_document(_regulation())])
    assert check_rules(rulebook, kb) == []
    # once the document has rules, the walk-through no longer lists it as not evaluated
    ruled = {p.source.doc for p in rulebook.programs.values()}
    today = date(2025, 6, 1)
    assert any(
        c.clause == "第二十八条"
        for c in unruled_clauses(kb.documents, kb.clauses, set(), None, today)
    )
    assert not unruled_clauses(kb.documents, kb.clauses, ruled, None, today)


def test_a_skeleton_left_incomplete_is_refused() -> None:
    draft, _ = _draft(_regulation())
    programs = yaml.safe_load((ROOT / "knowledge" / "programs.yaml").read_text(encoding="utf-8"))
    facts = yaml.safe_load((ROOT / "knowledge" / "facts.yaml").read_text(encoding="utf-8"))
    programs["documents"].update(draft["documents"])
    programs["units"].update(draft["units"])
    programs["programs"] += draft["programs"]
    with pytest.raises(KnowledgeError, match=r"programs\.yaml"):
        parse_rulebook(programs, facts)


def test_rules_draft_command(run_cli: Any) -> None:
    proc = run_cli("rules", "draft", str(_regulation()))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8")
    assert out.startswith("# Draft rules for 《上海市促进中小企业发展条例》")
    assert yaml.safe_load(out)["programs"]
    missing = run_cli("rules", "draft", "no-such-document")
    assert missing.returncode == 1
    assert "no file and no loaded document 'no-such-document'" in missing.stderr.decode("utf-8")
    assert b"Traceback" not in missing.stderr
    seeded = run_cli("rules", "draft", "jiading-livestream-2024")
    assert seeded.returncode == 0 and "（一）" in seeded.stdout.decode("utf-8")
