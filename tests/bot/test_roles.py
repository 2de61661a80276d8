"""Every console page and API route checks the staff role: viewer (reports, exports), editor
(knowledge, calendar, notices, handoffs), admin (accounts)."""
from __future__ import annotations

import hashlib
import re

import pytest

from db import staff as accounts
from tests.bot.test_console import _all_routes
from tests.utils.chat import Bot
from tests.utils.staff import login_as

RANK = {"viewer": 0, "editor": 1, "admin": 2}
#: Exceptions to the rule «reading needs viewer, changing needs editor».
NEEDS = {
    ("GET", "/admin/notices/new"): "editor", ("GET", "/admin/knowledge/new"): "editor",
    ("GET", "/admin/knowledge/year"): "editor", ("GET", "/admin/accounts"): "admin", ("POST", "/admin/accounts"): "admin",
    ("POST", "/admin/account"): "viewer", ("POST", "/admin/logout"): "viewer", ("GET", "/admin/api/audit"): "admin",
}


def _need(method: str, path: str) -> str:
    return NEEDS.get((method, path), "viewer" if method == "GET" else "editor")


def _routes(bot: Bot) -> list[tuple[str, str]]:
    found = []
    for route in _all_routes(bot.client.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if path.startswith("/admin") and path != "/admin/login":
            found += [(m, path) for m in sorted(getattr(route, "methods", {"GET"}) - {"HEAD"})]
    return found


def _refused_for_role(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 403 and ("權限" in response.text or "role" in response.text)


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_console_and_api_route_checks_the_role(bot: Bot, role: str) -> None:
    login_as(bot, role)
    token = f"token-of-{role}"
    with bot.services.db.session() as session:
        accounts.set_api_token(session=session, username=f"{role}-staff",
                               token_hash=hashlib.sha256(token.encode()).hexdigest())
    checked = 0
    for method, path in _routes(bot):
        if path == "/admin/logout":
            continue  # checked last: it ends the session
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/admin/api") else {}
        response = bot.client.request(method, concrete, headers=headers, follow_redirects=False)
        assert response.status_code < 500, (method, path, response.text[:200])
        denied = RANK[role] < RANK[_need(method, path)]
        assert _refused_for_role(response) == denied, (role, method, path, response.status_code, response.text[:200])
        checked += 1
    assert checked >= 60


def test_a_disabled_account_token_and_a_wrong_token_get_401(bot: Bot) -> None:
    login_as(bot, "editor")
    with bot.services.db.session() as session:
        accounts.set_api_token(session=session, username="editor-staff", token_hash=hashlib.sha256(b"t").hexdigest())
        accounts.set_disabled(session=session, username="editor-staff", disabled=True)
    assert bot.client.get("/admin/api/knowledge", headers={"Authorization": "Bearer t"}).status_code == 401
    assert bot.client.get("/admin/api/knowledge", headers={"Authorization": "Bearer nope"}).status_code == 401
