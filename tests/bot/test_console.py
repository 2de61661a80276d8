"""The staff console: login, CSRF, compose → preview → send → report, and nothing for anonymous callers."""
from __future__ import annotations

import re

from sqlalchemy import insert

from bot.admin import sessions
from db.models import Cluster, FormSession, StaffAccount, User
from knowledge.labels import month_key
from tests.utils.chat import Bot


def login(bot: Bot, **form: str) -> str:
    response = bot.client.post("/admin/login", data=form or {"token": "test-admin-token"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = bot.client.get("/admin/notices/new")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def _all_routes(routes):  # type: ignore[no-untyped-def]
    """Every route of the app, looking inside included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _all_routes(inner.routes)
        else:
            yield route


def test_every_admin_route_rejects_anonymous_callers(bot: Bot) -> None:
    checked = 0
    for route in _all_routes(bot.client.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if not path.startswith("/admin") or path == "/admin/login":
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(getattr(route, "methods", {"GET"}) - {"HEAD"}):
            response = bot.client.request(method, concrete, follow_redirects=False)
            assert response.status_code in (401, 303, 403), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"] == "/admin/login"
            checked += 1
    assert checked >= 15


def test_wrong_credentials_are_refused(bot: Bot) -> None:
    page = bot.client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
    assert page.status_code == 200 and "不正確" in page.text
    assert bot.client.get("/admin", follow_redirects=False).status_code == 303


def test_staff_accounts_log_in_with_a_password(bot: Bot) -> None:
    with bot.services.db.session() as session:
        session.add(StaffAccount(username="chen", password_hash=sessions.hash_password("correct horse")))
    assert bot.client.post("/admin/login", data={"username": "chen", "password": "wrong"}).status_code == 200
    login(bot, username="chen", password="correct horse")
    assert "登出（chen）" in bot.client.get("/admin").text


def test_sessions_expire_and_cannot_be_forged(bot: Bot) -> None:
    from datetime import timedelta

    from db.models import StaffSession

    login(bot)
    with bot.services.db.session() as session:
        for row in session.query(StaffSession):
            row.last_seen_at -= timedelta(seconds=sessions.IDLE_SECONDS + 10)  # 31 minutes without a click
    assert bot.client.get("/admin", follow_redirects=False).status_code == 303
    forged, _, _ = sessions.issue("another-secret")
    bot.client.cookies.set(sessions.COOKIE, forged, path="/admin")
    assert bot.client.get("/admin", follow_redirects=False).status_code == 303


def test_csrf_is_enforced(bot: Bot) -> None:
    login(bot)
    response = bot.client.post("/admin/notices", data={"text": "hi", "audience": "all", "csrf": "wrong"})
    assert response.status_code == 403
    assert bot.standin.calls_to("/message/multicast") == []


def test_notice_to_leaders_who_have_not_reported_matches_what_line_received(bot: Bot) -> None:
    leaders = ["U" + c * 32 for c in "ghi"]
    month = month_key(bot.services.clock.now())
    with bot.services.db.session() as session:
        for i, leader in enumerate(leaders):
            session.add(User(line_user_id=leader))
            session.add(Cluster(code=f"LEAD{i}X", name=f"群聚{i}", class_="A", type="觀光休閒合作", leader_user_id=leader))
        session.add(FormSession(line_user_id=leaders[0], form_id="checkin", status="submitted", pending={"month": month}))
    csrf = login(bot)
    form = {"csrf": csrf, "text": "提醒：本月月報請於月底前回報", "audience": "not_reported", "clusters": "",
            "link_url": "", "link_label": "", "send_at": ""}
    preview = bot.client.post("/admin/notices/preview", data=form)
    assert preview.status_code == 200 and 'id="recipients">2<' in preview.text
    assert bot.standin.calls_to("/message/multicast") == []  # preview sends nothing
    sent = bot.client.post("/admin/notices", data=form, follow_redirects=False)
    assert sent.status_code == 303
    report = bot.client.get(sent.headers["location"])
    received = {u for c in bot.standin.calls_to("/message/multicast") for u in c.body["to"]}
    assert received == set(leaders[1:])
    assert 'id="r-sent" class="ok">2<' in report.text and 'id="r-failed" class="warn">0<' in report.text


def test_scheduled_notice_waits_for_its_time(bot: Bot) -> None:
    with bot.services.db.session() as session:
        session.execute(insert(User), [{"line_user_id": "U" + "j" * 32}])
    csrf = login(bot)
    form = {"csrf": csrf, "text": "下週說明會", "audience": "all", "clusters": "", "link_url": "", "link_label": "",
            "send_at": "2099-01-01T09:00"}
    bot.client.post("/admin/notices", data=form)
    assert bot.standin.calls_to("/message/multicast") == []


def test_checkin_status_and_calendar_pages(bot: Bot) -> None:
    with bot.services.db.session() as session:
        session.add(Cluster(code="VWXYZ2", name="鹿谷茶鄉群聚", class_="B", type="地方生活需求", leader_user_id="U" + "k" * 32))
    login(bot)
    assert "鹿谷茶鄉群聚" in bot.client.get("/admin/checkins").text and "尚未回報" in bot.client.get("/admin/checkins").text
    assert "A類提案申請截止" in bot.client.get("/admin/calendar").text


def test_dev_only_paths_do_not_exist_in_production(bot: Bot) -> None:
    assert bot.client.get("/dev/line-api/_calls").status_code == 404
