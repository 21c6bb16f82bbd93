"""Versions of one document loaded together: the latest is in force, the others replaced."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from conftest import NEEDS_CITY_CORPUS, city_services

from bot.domain import Clause, DocumentMeta
from bot.knowledge.versions import with_repeals, with_versions
from bot.text import normalize

TODAY = date(2026, 12, 5)


def _meta(id_: str, issued: date | None, since: date | None, **more: str) -> DocumentMeta:
    return DocumentMeta(
        id=id_, title="上海市未成年人保护条例", region="上海市",
        issue_date=issued, valid_from=since, **more,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_latest_version_supersedes_the_older_ones() -> None:
    # the city's corpus: the text of 2004 (no issue date, in force since 2005) beside the
    # regulation as amended on 2024-12-31
    old = _meta("old", None, date(2005, 3, 1))
    new = _meta("new", date(2024, 12, 31), date(2022, 3, 1))
    other = DocumentMeta(
        id="x", title="上海市社会救助条例", region="上海市", valid_from=date(2019, 5, 1)
    )
    got = with_versions({m.id: m for m in (old, new, other)})
    assert got["old"].superseded_by == "《上海市未成年人保护条例》（2024-12-31）"
    assert got["old"].validity(TODAY) == "expired"
    assert got["new"].superseded_by is None and got["new"].validity(TODAY) == "in_force"
    assert got["x"] == other  # a document alone is left as it is


def test_undecidable_versions_and_front_matter_are_left_alone() -> None:
    same_day = [_meta("a", date(2024, 1, 1), None), _meta("b", date(2024, 1, 1), None)]
    assert with_versions({m.id: m for m in same_day}) == {m.id: m for m in same_day}
    undated = [_meta("a", None, None), _meta("b", None, None)]
    assert with_versions({m.id: m for m in undated}) == {m.id: m for m in undated}
    # a version whose front matter names what repealed it keeps that
    old = _meta("old", date(2010, 1, 1), None, repealed_by="《另一部条例》")
    new = _meta("new", date(2024, 1, 1), None)
    got = with_versions({m.id: m for m in (old, new)})
    assert got["old"].repealed_by == "《另一部条例》" and got["old"].superseded_by is None
    # the same title in another region is another document
    elsewhere = DocumentMeta(
        id="z", title="上海市未成年人保护条例", region="浙江省", issue_date=date(2000, 1, 1)
    )
    assert with_versions({m.id: m for m in (new, elsewhere)})["z"].superseded_by is None


# ------------------------------------------------ a document another one repeals by its title


def _clause(doc_id: str, text: str) -> Clause:
    return Clause(
        key=f"{doc_id}/第一条", doc_id=doc_id, doc_title="", section="", clause="第一条",
        text=text, norm=normalize(text), kind="article",
    )  # fmt: skip


def test_a_document_a_later_one_says_it_repeals_is_replaced_by_it() -> None:
    old = DocumentMeta(
        id="old", title="上海市实施《中华人民共和国食品安全法》办法", region="上海市",
        valid_from=date(2011, 10, 1),
    )  # fmt: skip
    new = DocumentMeta(
        id="new", title="上海市食品安全条例", region="上海市", valid_from=date(2017, 3, 20)
    )
    closing = _clause(
        "new",
        "本条例自2017年3月20日起施行。2011年7月29日上海市第十三届人民代表大会常务委员会"
        "第二十八次会议通过的《上海市实施〈中华人民共和国食品安全法〉办法》同时废止。",
    )
    got = with_repeals({m.id: m for m in (old, new)}, [closing])
    assert got["old"].superseded_by == "《上海市食品安全条例》（2017-03-20）"
    assert got["old"].validity(TODAY) == "expired"
    assert got["new"] == new
    # a title cited for another reason (依照《…》的规定), a later text, another region: kept
    cites = _clause("new", "依照《上海市实施〈中华人民共和国食品安全法〉办法》的规定执行。")
    assert with_repeals({m.id: m for m in (old, new)}, [cites])["old"] == old
    later = replace(old, valid_from=date(2020, 1, 1))
    assert with_repeals({m.id: m for m in (later, new)}, [closing])["old"] == later
    elsewhere = replace(old, region="浙江省")
    assert with_repeals({m.id: m for m in (elsewhere, new)}, [closing])["old"] == elsewhere


@NEEDS_CITY_CORPUS
def test_a_question_is_answered_from_the_regulation_that_repealed_the_one_it_matches(
    tmp_path: Path,
) -> None:
    services = city_services(
        tmp_path, "上海市实施《食品安全法》办法.md", "上海市食品安全条例(2017-01-20).md"
    )
    old = next(m for m in services.kb.documents.values() if "实施" in m.title)
    assert old.superseded_by is not None and old.superseded_by.startswith("《上海市食品安全条例》")
    answer = services.qa.ask("食品企业发生食物中毒事故，多长时间内要报告？", TODAY).answer
    assert answer.citations[0].title == "上海市食品安全条例", answer.text
