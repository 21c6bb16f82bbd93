"""Places a question names, and whether a document governs them: "徐汇的MCN能拿嘉定营收奖励吗"
names 徐汇, which the Jiading opinions do not govern. Shanghai's districts are listed (as
scope.yaml lists the cities) so that a district is known to lie in the city."""

from __future__ import annotations

import re
from typing import Final

from bot.domain import DocumentMeta
from bot.text import normalize

# Shanghai's districts: the Chinese name and the pinyin people write in English.
SHANGHAI_DISTRICTS: Final[dict[str, str]] = {
    "黄浦": "huangpu", "徐汇": "xuhui", "长宁": "changning", "静安": "jing'an", "普陀": "putuo",
    "虹口": "hongkou", "杨浦": "yangpu", "闵行": "minhang", "宝山": "baoshan", "嘉定": "jiading",
    "浦东": "pudong", "金山": "jinshan", "松江": "songjiang", "青浦": "qingpu", "奉贤": "fengxian",
    "崇明": "chongming",
}  # fmt: skip
_REGISTERED: Final = re.compile(
    r"注册(?:在|于|地(?:址|点)?(?:是|在|位于)?)\s*([\u4e00-\u9fff]{2,4}?)(?:区|的|，|,|$)"
    r"|registered in (\w+)"
)


def named_places(norm: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Places the (normalised) question names, in order of mention."""
    found: list[tuple[int, str]] = []
    for zh, en in SHANGHAI_DISTRICTS.items():
        for word in (zh, en):
            at = norm.find(word)
            if at >= 0:
                found.append((at, zh))
    for place in known:
        at = norm.find(place)
        if at >= 0 and len(place) >= 2:
            found.append((at, place))
    return list(dict.fromkeys(p for _, p in sorted(found)))


def _inside(place: str, meta: DocumentMeta, known: frozenset[str] = frozenset()) -> bool:
    """Does the document govern ``place``? ``known`` are the places the documents cover: inside
    a city-wide document's city."""
    region = normalize(meta.region)
    names = {normalize(a) for a in meta.aliases}
    if not region:
        return True  # a document without a region is not said to exclude anyone
    if place in region or place in names:
        return True
    district = next((d for d in SHANGHAI_DISTRICTS if d in region), None)
    return district is None and (
        (place in SHANGHAI_DISTRICTS and "上海" in region) or place in known
    )


def states_registration(norm: str) -> bool:
    """Does the (normalised) message say where the asker's firm is registered ("其实我们注册在
    松江", "we are registered in Songjiang")?"""
    return _REGISTERED.search(norm) is not None


def other_place(norm: str, meta: DocumentMeta, known: frozenset[str] = frozenset()) -> str:
    """A place the question names (the asker's: where the firm is registered, else any place
    other than the document's own) that the document does not govern, else ""."""
    registered = _REGISTERED.search(norm)
    if registered:
        word = registered.group(1) or registered.group(2) or ""
        place = next(
            (zh for zh, en in SHANGHAI_DISTRICTS.items() if word in (zh, en) or zh in word),
            word,
        )
        return "" if _inside(place, meta, known) else place
    outside = [p for p in named_places(norm, known) if not _inside(p, meta, known)]
    return outside[0] if outside else ""
