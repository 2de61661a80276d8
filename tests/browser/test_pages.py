"""The local chat page and the staff console in a real browser (Debian's chromium via Playwright).

Set ``UPDATE_SCREENSHOTS=1`` to refresh the screenshots in ``docs/`` that the README shows.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.app import create_app
from bot.dev.threaded import free_port, serve_in_thread
from bot.settings import Settings
from db.models import User

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[str, object]]:
    port = free_port()
    settings = Settings(_env_file=None, dev_mode=True, database_url=database_url, admin_token="browser-admin-token",
                        line_api_base_url=f"http://127.0.0.1:{port}/dev/line-api", rate_limit_per_minute=10_000)
    app = create_app(settings)
    with serve_in_thread(app, port=port) as url:
        yield url, app


@pytest.fixture
def page(tmp_path: Path):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 480, "height": 860}, locale="zh-TW")
        yield context.new_page()
        browser.close()


def shot(page, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(target / name), full_page=False)


def test_chat_page_faq_and_form_steps(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    page.goto(f"{url}/dev/chat")
    page.get_by_text("計畫小幫手", exact=False).first.wait_for()
    page.locator(".bot .bubble", has_text="小幫手").wait_for(timeout=10_000)  # the follow greeting
    assert page.locator("#quick button", has_text="截止日期").count() == 1
    page.fill("#text", "A類截止是哪天？")
    page.press("#text", "Enter")
    page.locator(".bot .bubble", has_text="3月7日").wait_for(timeout=10_000)
    assert page.locator("#quick button", has_text="有幫助").count() == 1
    page.fill("#text", "自我評估")
    page.press("#text", "Enter")
    page.locator("#quick button", has_text="同意").first.wait_for(timeout=10_000)
    page.locator("#quick button", has_text="同意").first.click()
    page.locator(".bot .bubble", has_text="第 1/97 題").wait_for(timeout=10_000)
    page.fill("#text", "竹山光采群聚")
    page.press("#text", "Enter")
    page.locator(".bot .bubble", has_text="第 2/97 題").wait_for(timeout=10_000)
    page.locator("#quick button", has_text="上一題").click()
    page.locator(".bot .bubble", has_text="目前的答案：竹山光采群聚").wait_for(timeout=10_000)
    shot(page, "chat.png", tmp_path)


def test_console_login_send_notice_and_delivery_report(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, app = server
    with app.state.services.db.session() as session:  # type: ignore[attr-defined]
        session.execute(insert(User), [{"line_user_id": f"U{i:032d}"} for i in range(3)])
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{url}/admin")
    assert page.url.endswith("/admin/login")
    page.fill("#token", "browser-admin-token")
    page.click("button[type=submit]")
    page.get_by_text("發公告").first.wait_for()
    page.goto(f"{url}/admin/notices/new")
    page.fill("#text", "3/1 下午兩點線上說明會，歡迎各群聚參加！")
    page.select_option("#audience", "all")
    page.fill("#link_url", "https://www.198.org.tw")
    page.fill("#link_label", "立即報名")
    page.click("text=預覽")
    page.locator("#preview").wait_for()
    assert page.locator("#recipients").inner_text() == "3"
    assert "立即報名" in page.locator("#preview").inner_text()
    from playwright.sync_api import expect

    page.click("text=確認發送")  # sent after the redirect: the report refreshes itself until done
    expect(page.locator("#r-sent")).to_have_text("3", timeout=15_000)
    expect(page.get_by_text("狀態：已完成")).to_be_visible(timeout=15_000)
    assert page.locator("#r-failed").inner_text() == "0"
    standin = app.state.standin  # type: ignore[attr-defined]
    assert sum(len(c.body["to"]) for c in standin.calls_to("/message/multicast")) == 3
    shot(page, "console.png", tmp_path)


def test_chat_page_keeps_talking_after_a_server_restart(database_url: str, page) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = Settings(_env_file=None, dev_mode=True, database_url=database_url,
                        line_api_base_url=f"http://127.0.0.1:{port}/dev/line-api", rate_limit_per_minute=10_000)
    with serve_in_thread(create_app(settings), port=port) as url:
        page.goto(f"{url}/dev/chat")
        page.locator(".bot .bubble", has_text="小幫手").first.wait_for(timeout=10_000)
    page.locator("#status").wait_for(state="visible", timeout=10_000)  # the page noticed the server went away
    with serve_in_thread(create_app(settings), port=port):
        page.locator("#status").wait_for(state="hidden", timeout=10_000)
        page.fill("#text", "A類截止是哪天？")
        page.press("#text", "Enter")
        page.locator(".bot .bubble", has_text="3月7日").wait_for(timeout=10_000)
        page.locator("#richmenu button[aria-label='問問題']").wait_for(timeout=15_000)
