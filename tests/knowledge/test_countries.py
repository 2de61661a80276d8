"""Country names come from CLDR, in both languages, without home (Taiwan, Greater China)."""
from __future__ import annotations

from knowledge.countries import country_names


def test_the_world_is_there_in_both_languages() -> None:
    zh, en = set(country_names("zh")), set(country_names("en"))
    assert {"德國", "越南", "沙烏地阿拉伯", "墨西哥"} <= zh and len(zh) > 200
    assert {"germany", "vietnam", "saudi arabia", "mexico", "myanmar", "burma", "turkiye"} <= en


def test_home_and_groupings_are_not_markets_abroad() -> None:
    zh, en = set(country_names("zh")), set(country_names("en"))
    assert not {"台灣", "臺灣", "中國", "香港", "澳門", "歐盟"} & zh
    assert not {"taiwan", "china", "hong kong sar china", "european union", "united nations"} & en
    assert "群島" not in zh  # «科克斯（基靈）群島» is one name, not three
