"""Shanghai's districts: reading the one a user names, and their official names.

Public API:

    parse_district(text) -> str | None
        The district id named in ``text`` (嘉定 / 嘉定区 / 嘉定區 / Jiading / 安亭 -> "jiading");
        "outside" for a place outside Shanghai; None when none or several are named. A district
        denied in the same answer does not count: "不在嘉定，在徐汇" -> "xuhui".
    district_name(place) -> str
        "songjiang" -> "松江区"; "" for an unknown or outside place.
    DISTRICT_NAMES, AMBIGUOUS_PLACES, OUTSIDE_SHANGHAI
"""

from __future__ import annotations

import re

from bot.eligibility.fmt import normalize

_DISTRICTS: dict[str, tuple[str, ...]] = {
    "huangpu": ("黄浦", "黃浦", "huangpu"),
    "xuhui": ("徐汇", "徐匯", "xuhui"),
    "changning": ("长宁", "長寧", "changning"),
    "jingan": ("静安", "靜安", "jing'an", "jingan"),
    "putuo": ("普陀", "putuo"),
    "hongkou": ("虹口", "hongkou"),
    "yangpu": ("杨浦", "楊浦", "yangpu"),
    "minhang": ("闵行", "閔行", "minhang"),
    "baoshan": ("宝山", "寶山", "baoshan"),
    "jiading": (
        "嘉定", "jiading",
        # Jiading's towns, sub-districts and zones: a firm "in 安亭" is a Jiading firm.
        "安亭", "南翔", "马陆", "馬陸", "江桥", "江橋", "嘉定工业区", "嘉定工業區", "菊园", "菊園",
        "外冈", "外岡", "徐行", "华亭镇", "華亭鎮", "新成路", "真新", "嘉定新城", "anting", "nanxiang",
        "malu", "jiangqiao", "juyuan", "waigang", "xuxing",
    ),
    "pudong": ("浦东", "浦東", "pudong"),
    "jinshan": ("金山", "jinshan"),
    "songjiang": ("松江", "songjiang"),
    "qingpu": ("青浦", "qingpu"),
    "fengxian": ("奉贤", "奉賢", "fengxian"),
    "chongming": ("崇明", "chongming"),
}  # fmt: skip


# Places that lie in several districts: the user is asked which district is meant.
AMBIGUOUS_PLACES: dict[str, tuple[str, ...]] = {
    "虹桥": ("changning", "minhang", "qingpu"),
    "虹橋": ("changning", "minhang", "qingpu"),
    "hongqiao": ("changning", "minhang", "qingpu"),
}
# Places outside Shanghai that people name as where they are registered.
OUTSIDE_SHANGHAI = (
    "北京", "杭州", "深圳", "广州", "廣州", "苏州", "蘇州", "南京", "昆山", "太仓", "太倉", "义乌",
    "義烏", "成都", "武汉", "武漢", "天津", "重庆", "重慶", "香港", "外地", "外省", "beijing",
    "hangzhou", "shenzhen", "guangzhou", "suzhou", "outside shanghai", "not in shanghai",
)  # fmt: skip


def parse_district(text: str) -> str | None:
    """The Shanghai district named in ``text`` (嘉定 / 嘉定区 / 嘉定區 / Jiading / 安亭 ->
    "jiading"); "outside" for a place outside Shanghai; None when no district is named."""
    norm = normalize(text).strip()
    if any(
        (o in norm if not o.isascii() else re.search(rf"\b{re.escape(o)}\b", norm))
        for o in OUTSIDE_SHANGHAI
    ):
        return "outside"
    found: dict[str, bool] = {}  # district -> named without a negation before it
    for district, names in _DISTRICTS.items():
        for name in names:
            pattern = re.escape(name) if not name.isascii() else rf"\b{re.escape(name)}\b"
            for match in re.finditer(pattern, norm):
                reach = 3 if not name.isascii() else 8  # "不在嘉定", "not in jiading"
                before = norm[max(0, match.start() - reach) : match.start()]
                denied = any(n in before for n in ("不", "没", "沒", "非", "not "))
                found[district] = found.get(district, False) or not denied
    if len(found) == 1:
        return next(iter(found))
    # "不在嘉定，在徐汇": the district not denied
    affirmed = [d for d, said in found.items() if said]
    return affirmed[0] if len(affirmed) == 1 else None


# The official name of each district, as a document's region writes it ("上海市松江区").
DISTRICT_NAMES: dict[str, str] = {
    "huangpu": "黄浦区",
    "xuhui": "徐汇区",
    "changning": "长宁区",
    "jingan": "静安区",
    "putuo": "普陀区",
    "hongkou": "虹口区",
    "yangpu": "杨浦区",
    "minhang": "闵行区",
    "baoshan": "宝山区",
    "jiading": "嘉定区",
    "pudong": "浦东新区",
    "jinshan": "金山区",
    "songjiang": "松江区",
    "qingpu": "青浦区",
    "fengxian": "奉贤区",
    "chongming": "崇明区",
}


def district_name(place: str | None) -> str:
    return DISTRICT_NAMES.get(place or "", "")
