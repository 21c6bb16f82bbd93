"""The units a regulation's article names as acting on it: who to ask about the article.

An outline document marks its responsible units ("（责任单位：市商务委、市财政局）"); a
regulation names them in its text: "由市场监督管理部门责令改正，处…罚款", "县级以上人民政府
商务主管部门负责…". ``named_units`` reads the latter, without the government that holds the
unit; vague names ("有关部门") name nobody, and an article that names no unit has none (the
legislature that adopted the regulation is not its contact).
"""

from __future__ import annotations

import re

_UNIT = (
    r"(?:[\u4e00-\u9fff]{0,10}?人民政府)?[\u4e00-\u9fff]{2,14}?"
    r"(?:主管部门|管理部门|行政部门|监督管理局|管理局|部门|局|委员会|办公室)"
)
# "由市场监督管理部门责令改正", "县级以上人民政府商务主管部门负责…": the units an article of a
# regulation names as acting; "有关部门" names nobody.
_ACTING = re.compile(
    rf"由({_UNIT})(?:依法|依照[^，。；]{{0,24}}?|按照[^，。；]{{0,24}}?|会同[^，。；]{{0,24}}?)?"
    r"(?:责令|处以|处|给予|予以|没收|追回|吊销|作出|决定|进行|组织|认定|核发)"
)
_IN_CHARGE = re.compile(rf"({_UNIT})(?:依法)?负责(?!解释)")  # the interpreter is not acting
_GOVERNMENT = re.compile(
    r"^(?:县级以上|设区的市|省|市|县|区|乡镇|各级|上级|本级)*(?:地方)?(?:各级)?人民政府(?:的)?"
)
_VAGUE = ("有关部门", "相关部门", "有关主管部门", "其他部门", "各部门", "职能部门")
_NOT_A_UNIT = ("一个", "主管部门", "所在单位", "本部门", "上级")


def _clean_unit(unit: str) -> str:
    """ "经本级人力资源社会保障主管部门" -> "人力资源社会保障主管部门"; "" for no unit."""
    unit = unit.rsplit("由", 1)[-1]  # "本意见由…": the unit starts after 由
    unit = _GOVERNMENT.sub("", re.sub(r"^(?:经|由|向|其|本级|其所在地的|所在地的)+", "", unit))
    unit = _GOVERNMENT.sub("", unit)
    if len(unit) < 4 or unit.endswith(_VAGUE) or unit.startswith(_NOT_A_UNIT):
        return ""
    return unit


def named_units(text: str) -> tuple[str, ...]:
    """The units an article names as acting (the authority that orders, fines or is in
    charge), without the government that holds them; empty when it names none."""
    units: list[str] = []
    for pattern in (_ACTING, _IN_CHARGE):
        for match in pattern.finditer(text):
            for part in re.split(r"或者|或|以及|和其他", match.group(1)):
                unit = _clean_unit(part)
                if unit and unit not in units:
                    units.append(unit)
    return tuple(units)
