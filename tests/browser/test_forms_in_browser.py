"""Forms filled on the dev chat page in a real browser, as a member would on a phone, and the
console walk-through staff do afterwards (Debian's chromium via Playwright)."""
from __future__ import annotations

import re
from pathlib import Path

from db import clusters, forms, users
from knowledge.forms import Form, FormItem, load_forms
from tests.browser.test_pages import page, server, shot  # noqa: F401 — fixtures
from tests.utils.forms import sample

FORMS = load_forms()
PROGRESS = re.compile(r"第 (\d+)/(\d+) 題")


def _last_bot_text(page) -> str:  # type: ignore[no-untyped-def]
    bubbles = page.locator(".bot .bubble")
    return bubbles.nth(bubbles.count() - 1).inner_text() if bubbles.count() else ""


def _wait_for_question(page, after: int, form: Form) -> FormItem | None:  # type: ignore[no-untyped-def]
    """The question now shown once the bot has moved past question ``after`` (None: the summary)."""
    page.wait_for_function(
        """([after, total]) => {
            const bubbles = [...document.querySelectorAll('.bot .bubble, .bot .flex')];
            const last = bubbles[bubbles.length - 1];
            if (!last) return false;
            if (last.classList.contains('flex') || last.innerText.includes('以上是您的摘要')) return true;
            const m = last.innerText.match(/第 (\\d+)\\/(\\d+) 題/);
            return m && Number(m[1]) !== after;
        }""", arg=[after, len(form.items)], timeout=15_000)
    match = PROGRESS.search(_last_bot_text(page))
    return form.items[int(match.group(1)) - 1] if match and "以上是您的摘要" not in _last_bot_text(page) else None


def _answer(page, item: FormItem, overrides: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    if item.id in overrides:
        page.locator("#quick button", has_text=overrides[item.id]).first.click()
        return
    if item.type == "yes_no":
        page.locator("#quick button", has_text="無").first.click()
    elif item.type == "single":
        page.locator("#quick button").first.click()
    elif item.type == "multi":
        page.locator("#quick button").nth(1).click()  # the first option (the first button is 完成)
        page.locator("#quick button", has_text="✓").first.wait_for(timeout=10_000)
        page.locator("#quick button", has_text="完成").first.click()
    elif item.type == "date":
        page.locator("#quick button", has_text="選日期").click()
        page.fill("#picker-date", "2015-03-07")
        page.click("#picker-ok")
    else:
        page.fill("#text", sample(item))
        page.press("#text", "Enter")


def _fill(page, form: Form, overrides: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer every question shown until the summary; returns the questions' texts as shown."""
    overrides = overrides or {}
    page.locator("#quick button", has_text="同意").first.wait_for(timeout=10_000)
    page.locator("#quick button", has_text="同意").first.click()
    shown: list[str] = []
    number, item = 0, _wait_for_question(page, 0, form)
    while item is not None:
        shown.append(_last_bot_text(page))
        number = form.index(item.id) + 1
        _answer(page, item, overrides)
        item = _wait_for_question(page, number, form)
    return shown


def test_a_member_fills_the_self_assessment_from_the_rich_menu(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, app = server
    page.goto(f"{url}/dev/chat")
    menu = page.locator("#richmenu button[aria-label='自我評估']")
    menu.wait_for(timeout=15_000)
    assert page.locator("#richmenu img").evaluate("img => img.naturalWidth") == 2500
    shot(page, "richmenu.png", tmp_path)
    menu.click()
    shown = _fill(page, FORMS["dc_member"])
    assert any("核准設立日期" in text for text in shown)
    card = page.locator(".bot .flex").last
    card.wait_for()
    text = card.inner_text()
    for name in ("組織凝聚力(O)", "環境擴散力(E)", "服務優化力(S)", "資訊加值力(I)", "第 1/"):
        assert name in text
    assert "104/3/7" in text  # the date picked in the picker, as the summary shows it
    with app.state.services.db.session() as session:
        fs = forms.latest_session(session=session, line_user_id=_user(page), form_id="dc_member")
        assert forms.answers_of(session=session, session_id=fs.id)["established_date"] == "2015-03-07"
    shot(page, "summary.png", tmp_path)


def _user(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("localStorage.getItem('devUserId')")


def test_an_alliance_firm_without_international_experience_sees_no_export_questions(server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, _ = server
    page.goto(f"{url}/dev/chat")
    page.locator(".bot .bubble", has_text="小幫手").first.wait_for(timeout=10_000)
    page.fill("#text", "聯盟調查")
    page.press("#text", "Enter")
    shown = _fill(page, FORMS["ia_survey"], overrides={"intl_experience": "無", "diag_mode": "線上"})
    joined = "\n".join(shown)
    survey = FORMS["ia_survey"]
    assert survey.item("intl_experience").ask in joined and survey.item("intl_no_reason").ask in joined
    skipped = [item for item in survey.items if item.when and item.when.item == "intl_experience" and "有" in item.when.is_]
    assert len(skipped) > 20
    for item in skipped:
        assert item.ask not in joined, item.id
    assert survey.item("diag_location").ask not in joined  # 線上 diagnosis: no place to ask for
    assert "外銷主力產品" not in page.locator(".bot .flex").last.inner_text()


def test_staff_review_lock_export_and_drill_into_checkins(server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, app = server
    services = app.state.services
    leader, member = "U" + "1" * 32, "U" + "2" * 32
    month = services.clock.now().strftime("%Y-%m")
    with services.db.session() as session:
        cluster = clusters.create_cluster(session=session, name="竹山光采群聚", class_="A", type_="觀光休閒合作",
                                          leader_user_id=leader)
        users.get_or_create_user(session=session, line_user_id=member).cluster_id = cluster.id
        code = cluster.code
        assessment = forms.start_session(session=session, line_user_id=member, form_id="dc_member", status="submitted",
                                         cluster_id=cluster.id)
        assessment.submitted_at = services.clock.now()
        forms.save_answer(session=session, session_id=assessment.id, item_id="company_name", value="光采茶行")
        forms.save_answer(session=session, session_id=assessment.id, item_id="tax_id", value="04595257")
        report = forms.start_session(session=session, line_user_id=leader, form_id="checkin", status="submitted",
                                     cluster_id=cluster.id)
        report.submitted_at, report.pending = services.clock.now(), {"month": month, "kpis": []}
        forms.save_answer(session=session, session_id=report.id, item_id="meetings", value=3)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{url}/admin/login")
    page.fill("#token", "browser-admin-token")
    page.click("button[type=submit]")
    page.click("text=已送出表單")
    page.locator("#forms").get_by_text("光采茶行").wait_for()
    page.locator("#forms tr", has_text="光采茶行").locator("a").click()
    page.locator("#answers").get_by_text("04595257").wait_for()
    page.click("text=鎖定審閱")
    page.locator("#lock-state", has_text="已鎖定").wait_for()
    page.goto(f"{url}/admin/exports")
    with page.expect_download() as download:
        page.locator("a.dl[href$='dc_member.xlsx']").click()
    saved = tmp_path / "dc_member.xlsx"
    download.value.save_as(saved)
    from openpyxl import load_workbook

    sheet = load_workbook(saved).active
    assert "光采茶行" in [c.value for c in sheet[2]]
    page.click("text=月報狀態")
    page.locator("#cluster-status").get_by_text("已回報").wait_for()
    page.click(f"text=竹山光采群聚（{code}）")
    page.locator("#members").get_by_text("光采茶行").wait_for()
    assert "3 次" in page.locator("#report").inner_text()
    shot(page, "checkins.png", tmp_path)
