"""The rule files: every program cites its clause exactly, and the schema rejects bad rules."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from bot.eligibility import load_rulebook, parse_rulebook
from bot.errors import KnowledgeError

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
# The source texts named in the task; knowledge/documents/<id>.txt holds the same text after a
# YAML front matter block. Both are checked when present.
SEEDS = {
    "jiading-livestream-2024": Path("/work/shared/seeds/000_800192d734cc07ba.txt"),
    "shanghai-livestream-plan-2024": Path("/work/shared/seeds/002_834927d22f559dec.txt"),
}
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def _sources(doc_id: str) -> list[tuple[str, str]]:
    """(name, text) of every copy of the document we can find; at least one is required."""
    found = []
    copy_path = KNOWLEDGE / "documents" / f"{doc_id}.txt"
    if copy_path.exists():
        found.append((str(copy_path), _FRONT.sub("", copy_path.read_text(encoding="utf-8"))))
    if SEEDS[doc_id].exists():
        found.append((str(SEEDS[doc_id]), SEEDS[doc_id].read_text(encoding="utf-8")))
    assert found, f"no source text for {doc_id}"
    return found


def _joined(text: str) -> str:
    # Line breaks inside a clause are page-break artefacts of the extracted text.
    return text.replace("\n", "")


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(KNOWLEDGE)


@pytest.fixture(scope="module")
def raw_files():
    programs = yaml.safe_load((KNOWLEDGE / "programs.yaml").read_text(encoding="utf-8"))
    facts = yaml.safe_load((KNOWLEDGE / "facts.yaml").read_text(encoding="utf-8"))
    return programs, facts


def test_the_rule_files_load(rulebook):
    assert len(rulebook.programs) == 21
    assert {p.source.doc for p in rulebook.programs.values()} == set(SEEDS)


def test_every_quote_is_copied_from_its_document(rulebook):
    for program in rulebook.programs.values():
        for name, text in _sources(program.source.doc):
            assert program.source.quote in _joined(text), f"{program.id}: quote not in {name}"


def test_every_section_label_and_clause_number_is_printed_in_the_document(rulebook):
    for program in rulebook.programs.values():
        source = program.source
        for name, text in _sources(source.doc):
            flat = _joined(text)
            for part in source.section.split(" > "):
                assert part in flat, f"{program.id}: section part {part!r} not in {name}"
            assert source.section.split(" > ")[-1].startswith(source.clause)


def test_every_amount_is_printed_in_its_quote(rulebook):
    """Amounts come from the text: each yuan figure of a rule appears in the quoted clause."""

    def printed(yuan: int, quote: str) -> bool:
        flat = re.sub(r"\s+", "", quote)
        forms = [f"{yuan}元"]
        if yuan % 10**8 == 0:
            forms.append(f"{yuan // 10**8}亿元")
        if yuan % 10**4 == 0:
            forms.append(f"{yuan // 10**4}万元")
        forms += [f[:-1] + "、" for f in forms] + [f[:-1] + "和" for f in forms]
        return any(f in flat for f in forms)

    for program in rulebook.programs.values():
        rule, quote = program.amount, program.source.quote
        figures = [rule.yuan, rule.cap_yuan, *(rule.choices or {}).values()]
        figures += [t.yuan for t in rule.tiers] + [t.min for t in rule.tiers]
        for yuan in (f for f in figures if f is not None):
            assert printed(yuan, quote), f"{program.id}: {yuan} is not printed in the quote"
        if rule.rate_percent is not None:
            assert f"{rule.rate_percent}%" in quote.replace(" ", "")
        if rule.max_years is not None:
            assert re.search(rf"(最长补贴\s*{rule.max_years}\s*年|连续三年)", quote)
        for cond in program.conditions:
            for bound in (cond.gte, cond.lte):
                if bound is not None and rulebook.facts[cond.fact].type == "money":
                    assert printed(bound, quote), f"{program.id}: {bound} not in the quote"


def test_jiading_units_are_the_clauses_responsible_units(rulebook):
    (_, text), *_ = _sources("jiading-livestream-2024")
    flat = _joined(text)
    for program in rulebook.programs.values():
        if program.source.doc != "jiading-livestream-2024":
            continue
        start = flat.index(program.source.section.split(" > ")[-1])
        match = re.compile(r"（责任单位：(.+?)）").search(flat, start)
        assert match, program.id
        assert program.responsible == tuple(match.group(1).split("、")), program.id


def test_shanghai_units_are_the_plans_issuers_commerce_first(rulebook):
    issuers = rulebook.documents["shanghai-livestream-plan-2024"].issuers
    assert issuers[0] == "上海市商务委员会"
    for program in rulebook.programs.values():
        if program.source.doc == "shanghai-livestream-plan-2024":
            assert program.responsible == issuers, program.id


def test_document_metadata_agrees_with_knowledge_documents(rulebook):
    for doc_id, document in rulebook.documents.items():
        path = KNOWLEDGE / "documents" / f"{doc_id}.txt"
        if not path.exists():
            pytest.skip(f"{path} not present")
        match = _FRONT.match(path.read_text(encoding="utf-8"))
        assert match, path
        meta = yaml.safe_load(match.group(1))
        assert meta["title"] == document.title
        assert meta["title_en"] == document.title_en
        assert meta.get("number") == document.number
        assert meta["valid_from"] == document.valid_from
        assert meta["valid_until"] == document.valid_until
        assert tuple(meta["issuers"]) == document.issuers


def test_validity_dates_are_those_printed_in_the_documents(rulebook):
    jiading = rulebook.documents["jiading-livestream-2024"]
    assert (str(jiading.valid_from), str(jiading.valid_until)) == ("2024-03-01", "2025-12-31")
    (_, text), *_ = _sources("jiading-livestream-2024")
    assert "本意见自 2024 年 3 月 1 日起施行，有效期至 2025 年 12 月 31 日" in text
    shanghai = rulebook.documents["shanghai-livestream-plan-2024"]
    assert (str(shanghai.valid_from), str(shanghai.valid_until)) == ("2024-01-01", "2026-12-31")


def test_every_fact_is_used_and_says_why_with_a_clause(rulebook):
    used = {c.fact for p in rulebook.programs.values() for c in p.conditions}
    used |= {p.amount.fact for p in rulebook.programs.values() if p.amount.fact}
    assert used == set(rulebook.facts)
    for fact in rulebook.facts.values():
        assert re.search(r"（[一二三四五六七八九十]+）|[一二三四五六七八九十]+是", fact.why.zh), (
            fact.id
        )


# ------------------------------------------------------------------------------ bad rules


def _p(programs, program_id):
    return next(x for x in programs["programs"] if x["id"] == program_id)


def _break(raw_files, change):
    programs, facts = copy.deepcopy(raw_files)
    change(programs, facts)
    return programs, facts


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda p, f: _p(p, "jd-revenue-milestone")["amount"].pop("tiers"),
            ["programs.yaml", "program 'jd-revenue-milestone'", "field 'amount'", "tiers"],
        ),
        (
            lambda p, f: _p(p, "jd-revenue-milestone")["conditions"][1].update(
                fact="registered_in_pudong"
            ),
            [
                "programs.yaml",
                "'jd-revenue-milestone'",
                "conditions[1].fact",
                "registered_in_pudong",
            ],
        ),
        (
            lambda p, f: _p(p, "jd-featured-park")["conditions"][1].update({"in": ["national"]}),
            ["'jd-featured-park'", "conditions[1].in", "'national' is not an option"],
        ),
        (
            lambda p, f: _p(p, "jd-events")["amount"].update(rate_percent=130),
            ["'jd-events'", "field 'amount.rate_percent'"],
        ),
        (
            lambda p, f: _p(p, "jd-park-team-municipal")["name"].pop("en"),
            ["'jd-park-team-municipal'", "field 'name.en'"],
        ),
        (
            lambda p, f: _p(p, "jd-park-national-honour")["source"].update(doc="pudong-2024"),
            ["'jd-park-national-honour'", "field 'source.doc'", "pudong-2024"],
        ),
        (
            lambda p, f: _p(p, "jd-park-municipal-honour").update(responsible=["区商务局"]),
            ["'jd-park-municipal-honour'", "field 'responsible'", "区商务局"],
        ),
        (
            lambda p, f: _p(p, "jd-revenue-milestone")["amount"]["tiers"].reverse(),
            ["'jd-revenue-milestone'", "field 'amount'", "increasing"],
        ),
        (
            lambda p, f: _p(p, "jd-revenue-milestone")["conditions"][2].update(
                equals=True, gte=None
            ),
            ["'jd-revenue-milestone'", "conditions[2]"],
        ),
        (
            lambda p, f: f["facts"][0].update(type="yes_no"),
            ["facts.yaml", "fact 'entity_type'", "only choice facts have options"],
        ),
        (
            lambda p, f: p["programs"].append(copy.deepcopy(_p(p, "jd-featured-park"))),
            ["programs.yaml", "'jd-featured-park'", "field 'id'", "duplicate"],
        ),
    ],
)
def test_bad_rules_are_rejected_naming_file_program_and_field(raw_files, change, expected):
    programs, facts = _break(raw_files, change)
    with pytest.raises(KnowledgeError) as info:
        parse_rulebook(programs, facts)
    for part in expected:
        assert part in str(info.value)


def test_a_missing_rule_file_is_a_knowledge_error(tmp_path):
    with pytest.raises(KnowledgeError, match=r"programs\.yaml"):
        load_rulebook(tmp_path)


def test_invalid_yaml_is_a_knowledge_error(tmp_path):
    (tmp_path / "programs.yaml").write_text("programs: [\n", encoding="utf-8")
    (tmp_path / "facts.yaml").write_text("facts: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        load_rulebook(tmp_path)
