from __future__ import annotations

from knowledge.loader import load_knowledge
from knowledge.normalize import basic_fold, normalize

VOCAB = load_knowledge().vocabulary


def test_full_width_and_case_fold() -> None:
    assert basic_fold("ＡＢＣ１２３％") == "abc123%"


def test_simplified_becomes_traditional_and_tai_is_canonical() -> None:
    assert normalize("数位群聚截止日期是什么时候", VOCAB) == normalize("數位群聚截止日期是什麼時候", VOCAB)
    assert basic_fold("台北") == basic_fold("臺北")


def test_punctuation_fillers_and_particles_go() -> None:
    assert normalize("請問一下，A類截止是哪天呢？？", VOCAB) == normalize("A類截止是哪天", VOCAB)


def test_abbreviations_map_to_canonical_terms() -> None:
    assert "統一編號" in normalize("統編要填嗎", VOCAB)
    assert normalize("A案截止", VOCAB) == normalize("A類截止", VOCAB)
    assert "領導企業" in normalize("領頭羊要做什麼", VOCAB)
    assert "期中查核" in normalize("期中要交什麼", VOCAB)


def test_canonical_terms_are_not_expanded_twice() -> None:
    assert normalize("期中查核點", VOCAB).count("查核") == 1


def test_counts_in_jian_mean_firms() -> None:
    assert normalize("我們8間可以申請嗎", VOCAB) == normalize("我們8家可以申請嗎", VOCAB)
    assert "時間" in normalize("上課時間", VOCAB)
