"""Every answer type: what is accepted, how it is stored, and the re-prompt for what is not."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.answers import InvalidAnswer, display, parse_answer, valid_tax_id
from knowledge.forms import FormItem


def item(type_: str, **kw) -> FormItem:  # type: ignore[no-untyped-def]
    return FormItem(id="x", label="測試", ask="?", type=type_, **kw)


@pytest.mark.parametrize("digits", ["04595257", "22099131", "10458575", "12345675"])
def test_valid_tax_ids(digits: str) -> None:
    assert valid_tax_id(digits)


def test_tax_id_rejections_say_what_is_wrong() -> None:
    with pytest.raises(InvalidAnswer, match="8 位數字"):
        parse_answer(item("tax_id"), "1234567")
    with pytest.raises(InvalidAnswer, match="檢查碼"):
        parse_answer(item("tax_id"), "12345678")
    assert parse_answer(item("tax_id"), "０４５９５２５７").value == "04595257"


@pytest.mark.parametrize(
    ("text", "stored"),
    [("0912345678", "0912-345-678"), ("0912-345-678", "0912-345-678"), ("+886912345678", "0912-345-678"),
     ("02-2553-3988 轉613", "02-25533988#613"), ("(049)2612345", "049-2612345")],
)
def test_phones(text: str, stored: str) -> None:
    assert parse_answer(item("phone"), text).value == stored


def test_mobile_only_items_reject_landlines() -> None:
    with pytest.raises(InvalidAnswer, match="09"):
        parse_answer(item("phone", mobile=True), "02-25533988")
    with pytest.raises(InvalidAnswer):
        parse_answer(item("phone"), "打給我")


@pytest.mark.parametrize(("text", "iso"), [("112/3/7", "2023-03-07"), ("民國95年6月1日", "2006-06-01"),
                                           ("2023-03-07", "2023-03-07"), ("1120307", "2023-03-07")])
def test_dates_roc_or_gregorian(text: str, iso: str) -> None:
    assert parse_answer(item("date"), text).value == iso


@pytest.mark.parametrize(("text", "message"), [("112/2/30", "不存在"), ("昨天", "格式"), ("200/1/1", "還沒到")])
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        parse_answer(item("date"), text, today=date(2026, 12, 1))


def test_email() -> None:
    assert parse_answer(item("email"), " Boss@Example.com ").value == "boss@example.com"
    with pytest.raises(InvalidAnswer, match="E-mail"):
        parse_answer(item("email"), "boss@example")


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("１２人", 12), ("350萬", 3_500_000), ("1,200,000元", 1_200_000),
                                             ("十二", 12), ("2.5億", 250_000_000)])
def test_numbers(text: str, value: float) -> None:
    assert parse_answer(item("number"), text).value == value


def test_number_bounds_and_garbage() -> None:
    with pytest.raises(InvalidAnswer, match="不能大於"):
        parse_answer(item("number", max=200), "500")
    with pytest.raises(InvalidAnswer, match="數字"):
        parse_answer(item("number"), "很多")
    with pytest.raises(InvalidAnswer, match="0 到 100"):
        parse_answer(item("percent"), "120")
    assert parse_answer(item("percent"), "30%").value == 30


def test_yes_no_with_note() -> None:
    yn = item("yes_no")
    assert parse_answer(yn, "有 LINE群組、FB社團").value == {"has": True, "note": "LINE群組、FB社團"}
    assert parse_answer(yn, "有").value == {"has": True, "note": None}
    assert parse_answer(yn, "沒有").value == {"has": False, "note": None}
    with pytest.raises(InvalidAnswer, match="有.*無"):
        parse_answer(yn, "也許吧")


def test_single_and_multi_choice() -> None:
    single = item("single", options=("批發及零售業", "住宿及餐飲業"), other=True)
    assert parse_answer(single, "2").value == "住宿及餐飲業"
    assert parse_answer(single, "餐飲").value == "住宿及餐飲業"
    assert parse_answer(single, "其他：文創").value == "其他：文創"
    with pytest.raises(InvalidAnswer, match="其他"):
        parse_answer(single, "太空產業")
    multi = item("multi", options=("節省時間", "節省人力", "降低成本"))
    assert parse_answer(multi, "1、3").value == ["節省時間", "降低成本"]


def test_count_pair_respects_the_cluster_size() -> None:
    pair = item("count_pair")
    assert parse_answer(pair, "3 8").value == {"initial": 3, "expected": 8}
    assert parse_answer(pair, "3/8", limit=10).value == {"initial": 3, "expected": 8}
    with pytest.raises(InvalidAnswer, match="10 家"):
        parse_answer(pair, "3 12", limit=10)
    with pytest.raises(InvalidAnswer, match="不會少於"):
        parse_answer(pair, "5 2")
    with pytest.raises(InvalidAnswer, match="兩個數字"):
        parse_answer(pair, "三")


def test_empty_answers_are_never_accepted() -> None:
    with pytest.raises(InvalidAnswer):
        parse_answer(item("text"), "   ")


def test_display() -> None:
    assert display(item("yes_no"), {"has": True, "note": "2場"}) == "有（2場）"
    assert display(item("count_pair"), {"initial": 3, "expected": 8}) == "3 → 8 家"
    assert display(item("text"), None) == "（略過）"
