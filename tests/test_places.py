"""bot.knowledge.places: regions are places that exist, as full names; a province governs
its cities and counties."""

from __future__ import annotations

import pytest

from bot.knowledge.metadata import region_of
from bot.knowledge.places import governed, province_of, region_of_name, short_form


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("宁波市人民代表大会常务委员会", "浙江省宁波市"),
        ("上海市嘉定区商务委员会", "上海市嘉定区"),
        ("中共上海市委宣传部", "上海市"),
        ("广东省市场监督管理局", "广东省"),  # not "广东省市"
        ("关于加快嘉定区直播和短视频产业发展的若干意见", "上海市嘉定区"),
        ("浙江省技术市场条例", "浙江省"),  # not "浙江省技术市"
        ("中华人民共和国电子商务法", ""),  # not "共和国市"
        ("人力资源市场条例", ""),  # not "力资源市"
        ("中国（山东）自由贸易试验区条例", ""),  # not "易试验区": its issuer says 山东省
    ],
)
def test_region_of_a_name(text: str, region: str) -> None:
    assert region_of_name(text) == region


def test_region_of_a_document_prefers_issuers_then_title_then_what_it_calls_itself() -> None:
    assert region_of("中国（山东）自由贸易试验区条例", ["山东省人民代表大会常务委员会"]) == "山东省"
    assert region_of("杭州市跨境电子商务促进条例", []) == "浙江省杭州市"
    body = "按照《柳河县中小企业发展引导资金管理办法》执行。本县企业……在我县注册纳税的，柳河县给予奖励。"
    assert region_of("加快重点产业实施意见", [], body) == "吉林省通化市柳河县"
    assert region_of("加快重点产业实施意见", [], "对企业给予奖励。") == ""


def test_a_province_governs_its_cities_and_counties_a_municipality_not_its_districts() -> None:
    shandong = governed("山东省")
    assert {"潍坊市", "青岛市", "寿光市", "平原县"} <= set(shandong)
    assert not any(name.endswith("区") for name in shandong)
    assert governed("浙江省宁波市") == []  # a city's document governs that city only
    assert governed("上海市") == []
    assert province_of("浙江省宁波市") is not None and province_of("浙江省宁波市").name == "浙江省"


def test_short_forms() -> None:
    assert [short_form(n) for n in ("潍坊市", "山东省", "广西壮族自治区", "青浦区")] == [
        "潍坊", "山东", "广西", "青浦",
    ]
