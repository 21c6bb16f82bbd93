"""Versions of one document loaded together: the latest is in force, the others replaced."""

from __future__ import annotations

from datetime import date

from bot.domain import DocumentMeta
from bot.knowledge.versions import with_versions

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
    other = DocumentMeta(id="x", title="上海市社会救助条例", region="上海市", valid_from=date(2019, 5, 1))
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
    elsewhere = DocumentMeta(id="z", title="上海市未成年人保护条例", region="浙江省", issue_date=date(2000, 1, 1))
    assert with_versions({m.id: m for m in (new, elsewhere)})["z"].superseded_by is None
