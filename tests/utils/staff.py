"""Acting as program staff in tests: logging in with a role, and letting published knowledge reach
the assistant (as every worker's background refresh would)."""
from __future__ import annotations

import asyncio
import re

from bot.admin import sessions
from db import staff as accounts
from tests.utils.chat import Bot

__all__ = ["account", "login_as", "refresh"]


def account(bot: Bot, name: str, role: str, password: str = "a good long password") -> None:
    with bot.services.db.session() as session:
        accounts.set_account(session=session, username=name, password_hash=sessions.hash_password(password), role=role)


def login_as(bot: Bot, role: str) -> str:
    """Log in as a fresh account with ``role``; returns the session's CSRF token."""
    name = f"{role}-staff"
    account(bot, name, role)
    bot.client.cookies.clear()
    response = bot.client.post("/admin/login", data={"username": name, "password": "a good long password"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text
    page = bot.client.get("/admin/account")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def refresh(bot: Bot, *, isolated: bool = False) -> bool:
    """Swap in what staff published (the background refresh, run now); True when it changed."""
    live = bot.services.live
    assert live is not None
    live.isolated = isolated
    return asyncio.run(live.refresh(bot.services))
