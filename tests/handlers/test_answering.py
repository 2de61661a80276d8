"""The answering core: lookups, follow-up context, suggestions and the fallback."""
from __future__ import annotations

from bot.services import default_assistant
from handlers.answering import Context

A = default_assistant()


def follow(previous: str, question: str):  # type: ignore[no-untyped-def]
    first = A.answer(previous)
    assert first.kind in ("faq", "lookup"), first
    return A.answer(question, Context(last_entry_id=first.entry_id, last_query=first.resolved_query))


def test_township_lookup_names_tier_and_bonus_rule() -> None:
    answer = A.answer("竹山鎮第幾分群?")
    assert answer.kind == "lookup"
    assert "分群3" in answer.text and "數位發展起步區" in answer.text
    assert "50%" in answer.text and "附件三" in answer.text


def test_ambiguous_town_asks_which_city() -> None:
    answer = A.answer("大安區是第幾分群")
    assert answer.kind == "clarify"
    assert {c.label for c in answer.choices} == {"臺北市大安區", "臺中市大安區"}
    picked = A.tier_answer(answer.choices[1].params["c"], answer.choices[1].params["t"])
    assert picked is not None and "臺中市大安區" in picked.text and "分群3" in picked.text


def test_follow_up_switches_class() -> None:
    answer = follow("A類截止是哪天？", "那B類呢？")
    assert "2月22日" in answer.text


def test_follow_up_keeps_class_for_a_new_detail() -> None:
    answer = follow("B類的截止日是？", "要幾家？")
    assert "15家" in answer.text


def test_follow_up_switches_program() -> None:
    answer = follow("A類截止是哪天？", "那國際聯盟呢？")
    assert "3月6日" in answer.text


def test_unrelated_question_is_not_bent_into_a_follow_up() -> None:
    answer = follow("A類截止是哪天？", "明天會下雨嗎")
    assert answer.fallback


def test_follow_up_without_context_does_not_guess() -> None:
    answer = A.answer("那B類呢？")
    assert answer.kind != "faq" or "B類" in answer.text


def test_suggestions_offer_at_most_three_entries_plus_none() -> None:
    answer = A.answer("評分")
    if answer.kind == "suggest":
        faq_choices = [c for c in answer.choices if c.action == "faq"]
        assert 1 <= len(faq_choices) <= 3
        assert answer.choices[-1].action == "none"
        assert all(len(c.label) <= 20 for c in answer.choices)
