"""Cell values as a reviewer writes them parse into comparator, number, unit, year."""

from decimal import Decimal

import pytest

from reviewer.values import completion, is_reverse, parse_value


@pytest.mark.parametrize(
    "text, kind, comparator, number, unit",
    [
        ("≥260人", "quantitative", ">=", "260", "人"),
        ("＞95%", "quantitative", ">", "95", "%"),
        ("=100%", "quantitative", "=", "100", "%"),
        ("≦5万", "quantitative", "<=", "5", "万"),
        ("1.5万人", "quantitative", None, "1.5", "万人"),
        ("≥ 22.5元", "quantitative", ">=", "22.5", "元"),
        ("5121", "quantitative", None, "5121", None),
        ("4786.5元/人", "quantitative", None, "4786.5", "元/人"),
        ("大于400次", "quantitative", ">", "400", "次"),
        ("（100%）", "quantitative", None, "100", "%"),
        ("2,975,867.80", "quantitative", None, "2975867.80", None),
        ("应发尽发", "qualitative", None, None, None),
        ("年度内已做到应发尽发", "qualitative", None, None, None),
        ("完成", "qualitative", None, None, None),
    ],
)
def test_parse_value(text, kind, comparator, number, unit):
    v = parse_value(text)
    assert v.kind == kind
    assert v.comparator == comparator
    assert v.number == (Decimal(number) if number else None)
    assert v.unit == unit


@pytest.mark.parametrize("text, year, month", [("2023年12月底前", 2023, 12), ("12底前", None, 12),
                                               ("10月底前", None, 10), ("2023年6月底前", 2023, 6)])
def test_dates(text, year, month):
    v = parse_value(text)
    assert (v.kind, v.year, v.month, v.comparator) == ("date", year, month, "<=")


def test_scaled_units_compare_equal():
    assert parse_value("1.5万人").scaled == parse_value("15000人").scaled == 15000
    assert parse_value("94.22%").scaled == Decimal("0.9422")


def test_completion_is_direction_aware():
    t, a = parse_value("≥1260册"), parse_value("1015册")
    assert completion(t, a, reverse=False).quantize(Decimal("0.0001")) == Decimal("0.8056")
    cost_t, cost_a = parse_value("≤5512万元"), parse_value("5086万元")
    assert is_reverse("年运维费用", "成本指标", cost_t)
    assert completion(cost_t, cost_a, reverse=True) > 1
    assert not is_reverse("补贴人均标准", "成本指标", parse_value("800元"))
    assert completion(parse_value("≥98%"), parse_value("92.13%"), reverse=False) < 1


def test_full_width_digits_and_spaces_inside_numbers():
    assert parse_value("≥１２６０册").number == Decimal(1260)
    assert parse_value("９４．２２％").scaled == Decimal("0.9422")
    assert parse_value("2 975 867.80").number == Decimal("2975867.80")
    assert parse_value("33.08 万人").scaled == Decimal(330800)
