from __future__ import annotations

import pytest

from knowledge.loader import load_knowledge
from knowledge.townships import TownshipIndex

INDEX = TownshipIndex(load_knowledge().townships)


def found(text: str) -> list[tuple[str, str, int]]:
    return [(m.township.county, m.township.town, m.township.tier) for m in INDEX.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("竹山鎮第幾分群?", ("南投縣", "竹山鎮", 3)),
        ("南投縣竹山鎮", ("南投縣", "竹山鎮", 3)),
        ("竹山", ("南投縣", "竹山鎮", 3)),
        ("台東池上", ("臺東縣", "池上鄉", 4)),
        ("臺東縣池上鄉", ("臺東縣", "池上鄉", 4)),
        ("南投市", ("南投縣", "南投市", 2)),
        ("莿桐鄉", ("雲林縣", "莿桐鄉", 3)),
        ("新竹縣竹北市", ("新竹縣", "竹北市", 1)),
        ("新竹東區", ("新竹市", "東區", 1)),
        ("嘉義市西區", ("嘉義市", "西區", 1)),
        ("台北大安區", ("臺北市", "大安區", 1)),
    ],
)
def test_one_match(text: str, expected: tuple[str, str, int]) -> None:
    assert found(text) == [expected]


def test_names_in_several_cities_return_every_city() -> None:
    cities = {county for county, _, _ in found("東區第幾分群")}
    assert cities == {"臺中市", "臺南市", "新竹市", "嘉義市"}
    assert {county for county, _, _ in found("大安區")} == {"臺北市", "臺中市"}
    assert {(c, t) for c, t, _ in found("信義")} == {("臺北市", "信義區"), ("基隆市", "信義區"), ("南投縣", "信義鄉")}


def test_tier_words_and_residue() -> None:
    assert INDEX.asks_for_tier("竹山鎮是第幾分群")
    assert INDEX.asks_for_tier("瑞芳屬於哪一群")
    assert not INDEX.asks_for_tier("申請成功之後要做什麼")
    assert INDEX.residue("南投縣竹山鎮是第幾分群？") == ""
