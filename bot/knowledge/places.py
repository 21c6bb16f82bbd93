"""China's administrative divisions, for reading a document's region and a question's place.

The table (``places.tsv``: adcode and name of every province, prefecture and county-level
division) is data, not rules: a region is only ever a place that exists, so no text can make
one up ("共和国市", "力资源市"), and a province knows the cities and counties it governs.

- ``region_of_name(name)``: the place an organ's name or a title starts with or names, as a
  full path ("宁波市人民代表大会常务委员会" -> "浙江省宁波市", "上海市嘉定区商务委员会" ->
  "上海市嘉定区"); "" when it names none, or only a name shared by several places;
- ``governed(region)``: the prefectures and counties inside a province or autonomous region,
  for the scope gate (a question about 潍坊 is about a place 山东省 governs);
- ``short_form(name)``: 潍坊市 -> 潍坊, 山东省 -> 山东, the way people type places.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

_MUNICIPALITIES = ("11", "12", "31", "50")  # 北京, 天津, 上海, 重庆: province-level cities
_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "新区",
    "林区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)


@dataclass(frozen=True)
class Place:
    code: str  # six digits: PPCCDD
    name: str

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.code[:4] + "00"

    @property
    def level(self) -> int:
        """1 province, 2 prefecture, 3 county."""
        if self.code[2:] == "0000":
            return 1
        return 2 if self.code[4:] == "00" else 3


@dataclass(frozen=True)
class Gazetteer:
    by_code: dict[str, Place]
    by_name: dict[str, tuple[Place, ...]]

    def parents(self, place: Place) -> list[Place]:
        """The place's ancestors, province first (a municipality's districts have one)."""
        out: list[Place] = []
        for code in (place.province_code, place.prefecture_code):
            parent = self.by_code.get(code)
            if parent is not None and parent.code != place.code and parent not in out:
                out.append(parent)
        return out

    def full_name(self, place: Place) -> str:
        return "".join(p.name for p in [*self.parents(place), place])

    def unique(self, name: str, within: Place | None = None) -> Place | None:
        """The one place called ``name`` (inside ``within`` when given), else None."""
        found = self.by_name.get(name, ())
        if within is not None:
            found = tuple(p for p in found if within in self.parents(p))
        return found[0] if len(found) == 1 else None


@cache
def gazetteer() -> Gazetteer:
    text = resources.files("bot.knowledge").joinpath("places.tsv").read_text(encoding="utf-8")
    by_code: dict[str, Place] = {}
    by_name: dict[str, list[Place]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name = line.split("\t")
        place = Place(code, name)
        by_code[code] = place
        by_name.setdefault(name, []).append(place)
    return Gazetteer(by_code, {k: tuple(v) for k, v in by_name.items()})


def _names_at(text: str, start: int) -> list[str]:
    """Known place names starting at ``text[start]``, longest first."""
    names = gazetteer().by_name
    return [
        text[start:end]
        for end in range(min(len(text), start + 12), start + 1, -1)
        if text[start:end] in names
    ]


def _chain(text: str, start: int) -> tuple[Place | None, int]:
    """The most specific place of a run of nested names at ``start`` (上海市嘉定区)."""
    atlas = gazetteer()
    current: Place | None = None
    position = start
    while True:
        step = None
        for name in _names_at(text, position):
            step = atlas.unique(name, within=current) if current else atlas.unique(name)
            if step is not None and (current is None or current in atlas.parents(step)):
                break
            step = None
        if step is None:
            return current, position
        current, position = step, position + len(step.name)


def place_in(text: str) -> Place | None:
    """The place a name or title opens with, else the first place it names anywhere."""
    text = text.removeprefix("中共")
    place, _end = _chain(text, 0)
    if place is not None:
        return place
    for start in range(1, len(text)):
        place, _end = _chain(text, start)
        if place is not None:
            return place
    return None


def region_of_name(text: str) -> str:
    """The full name of the place ``text`` opens with or names ("" when none)."""
    place = place_in(text)
    return gazetteer().full_name(place) if place is not None else ""


def province_of(region: str) -> Place | None:
    """The province-level place of a region's full name (浙江省宁波市 -> 浙江省)."""
    place = place_in(region)
    if place is None:
        return None
    return gazetteer().by_code.get(place.province_code)


def governed(region: str) -> list[str]:
    """Prefectures and counties governed by a province or autonomous region named by
    ``region`` (municipalities' districts are left out: a city-wide document does not make
    every district's own policies known)."""
    atlas = gazetteer()
    place = place_in(region)
    if place is None or place.level != 1 or place.code[:2] in _MUNICIPALITIES:
        return []
    return [
        p.name
        for p in atlas.by_code.values()
        if p.code[:2] == place.code[:2] and p.level > 1 and not p.name.endswith("区")
    ]


@cache  # asked once per document, and a city's documents share one region
def districts(region: str) -> tuple[str, ...]:
    """The districts of a municipality named by ``region`` (上海市: 徐汇区, 徐汇…), full and
    short: where a firm governed by the city's own documents may be (none for any other
    region)."""
    atlas = gazetteer()
    place = place_in(region)
    if place is None or place.level != 1 or place.code[:2] not in _MUNICIPALITIES:
        return ()
    names = [p.name for p in atlas.by_code.values() if p.code[:2] == place.code[:2] and p.level > 1]
    return (*names, *(short_form(n) for n in names if short_form(n) != n))


def short_form(name: str) -> str:
    """潍坊市 -> 潍坊, 山东省 -> 山东; the name itself when fewer than two characters remain."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
