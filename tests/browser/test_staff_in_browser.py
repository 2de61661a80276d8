"""Program staff in a real browser (Debian's chromium via Playwright): correcting an answer and
seeing it in the chat, turning unanswered questions into phrasings, and answering a user who asked
for a person — with the README's dev server, no file edits."""
from __future__ import annotations

from pathlib import Path

from tests.browser.test_pages import page, server, shot  # noqa: F401 — fixtures

NEW = "A類截止：112年3月7日（週二）17:00 前完成線上送件（同仁提醒：請提早一天上傳）。"


def _staff(browser_page, url: str) -> None:  # type: ignore[no-untyped-def]
    browser_page.set_viewport_size({"width": 1100, "height": 900})
    browser_page.goto(f"{url}/admin/login")
    browser_page.fill("#token", "browser-admin-token")
    browser_page.click("button[type=submit]")
    browser_page.get_by_text("發公告").first.wait_for()


def _chat(context, url: str):  # type: ignore[no-untyped-def]
    chat = context.new_page()
    chat.goto(f"{url}/dev/chat")
    chat.locator(".bot .bubble", has_text="小幫手").first.wait_for(timeout=15_000)
    return chat


def _ask(chat, question: str, expect: str, timeout: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    chat.fill("#text", question)
    chat.press("#text", "Enter")
    chat.locator(".bot .bubble", has_text=expect).last.wait_for(timeout=timeout)


def _ask_until(chat, question: str, expect: str, *, seconds: int = 20) -> None:  # type: ignore[no-untyped-def]
    """Ask again every two seconds until the answer says ``expect`` (a publish takes a few seconds)."""
    for _ in range(seconds // 2):
        chat.fill("#text", question)
        chat.press("#text", "Enter")
        chat.wait_for_timeout(2000)
        if expect in chat.locator(".bot .bubble").last.inner_text():
            return
    raise AssertionError(f"the answer never said {expect!r}")


def test_staff_correct_an_answer_publish_it_roll_it_back_and_the_chat_follows(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, _ = server
    _staff(page, url)
    page.goto(f"{url}/admin/knowledge?q=dc-deadline-a")
    page.locator("#entries a", has_text="dc-deadline-a").first.click()
    page.fill("#e-answer", NEW)
    page.click("#publish")
    page.locator("#message", has_text="已發布").wait_for()
    chat = _chat(page.context, url)
    deadline_question = "A類截止是哪天？"
    _ask_until(chat, deadline_question, "同仁提醒：請提早一天上傳")
    shot(page, "knowledge.png", tmp_path)
    page.goto(f"{url}/admin/knowledge/versions")
    page.locator("#versions button", has_text="還原這一版").first.click()
    page.locator("#message", has_text="已還原").wait_for()
    _ask_until(chat, deadline_question, "要在這之前於線上")  # the shipped answer again


def test_staff_turn_a_group_of_unanswered_questions_into_phrasings(server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, _ = server
    chat = _chat(page.context, url)
    for question in ("停車位在哪裡？", "請問停車位在哪", "停車位在哪邊啊"):
        _ask(chat, question, "沒有把握")
    _staff(page, url)
    page.goto(f"{url}/admin/unanswered")
    group = page.locator(".group").first
    assert "3 次" in group.inner_text()
    group.locator("input[name=entry]").fill("dc-contact")
    group.locator("button", has_text="加為這個條目的問法").click()
    page.locator("#saved").wait_for()
    assert "停車位在哪邊啊" in page.locator("#e-questions").input_value()
    page.click("#publish")
    page.locator("#message", has_text="已發布").wait_for()
    _ask_until(chat, "停車位在哪裡？", "198@cisanet.org.tw")


def test_a_user_asks_for_a_person_staff_answer_and_the_assistant_comes_back(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, _ = server
    chat = _chat(page.context, url)
    _ask(chat, "找專人", "計畫同仁")
    chat.fill("#text", "請問經費可以買電腦嗎？")
    chat.press("#text", "Enter")
    chat.wait_for_timeout(1500)
    assert "經費可以買電腦" not in chat.locator(".bot .bubble").last.inner_text()  # the assistant kept quiet
    _staff(page, url)
    page.goto(f"{url}/admin/handoffs")
    page.locator("#handoffs a").first.click()
    page.locator("#messages", has_text="請問經費可以買電腦嗎？").wait_for()
    page.click("#take")
    page.fill("#reply", "可以，電腦屬於設備費，請列在經費表。")
    page.click("#send")
    page.locator("#messages", has_text="電腦屬於設備費").wait_for()
    chat.locator(".bot .bubble", has_text="電腦屬於設備費").wait_for(timeout=15_000)
    shot(page, "handoff.png", tmp_path)
    page.click("#close")
    chat.locator(".bot .bubble", has_text="小幫手回來了").wait_for(timeout=15_000)
    _ask(chat, "A類截止是哪天？", "3月7日")
