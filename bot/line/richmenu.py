"""The rich menu: six buttons under the chat, drawn from data and installed through the Messaging API.

The buttons are data (``knowledge/messages.yaml`` → ``rich_menu``); this module draws them with
Pillow and a CJK font from the system (Debian's ``fonts-noto-cjk``) — no hand-drawn asset to
drift from the labels — and installs the menu. Installing is idempotent: the new menu is
created, given its image and made the default first, and only then are older menus of the same
name deleted, so users never see the chat without a menu.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from linebot.v3.messaging import (
    MessageAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from PIL import Image, ImageDraw, ImageFont

from bot.line.client import LineClient
from knowledge.errors import AssistantError
from knowledge.loader import default_knowledge

__all__ = ["MENU_NAME", "Button", "RichMenuError", "buttons", "draw", "install", "request"]

MENU_NAME = "計畫小幫手主選單"
WIDTH, HEIGHT = 2500, 843  # LINE's compact full-width size
COLUMNS, ROWS = 3, 2
_COLOURS = ("#06C755", "#2E7D5B", "#1F6FB2", "#E08A00", "#6B5BA8", "#C0392B")
#: Where Debian, Ubuntu and Fedora put a CJK font; the first that exists is used.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class RichMenuError(AssistantError):
    """The rich menu cannot be drawn or installed (no CJK font, LINE refused it)."""


@dataclass(frozen=True)
class Button:
    label: str
    en: str
    says: str
    hint: str


def buttons() -> list[Button]:
    spec = default_knowledge().text("zh", "rich_menu")
    found = [Button(**b) for b in spec["buttons"]]
    if len(found) != COLUMNS * ROWS:
        raise RichMenuError(f"the rich menu needs {COLUMNS * ROWS} buttons, messages.yaml has {len(found)}")
    return found


def chat_bar() -> str:
    return str(default_knowledge().text("zh", "rich_menu")["chat_bar"])[:14]


def _font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    raise RichMenuError("找不到中文字型：請安裝 fonts-noto-cjk（apt-get install fonts-noto-cjk）")


def _cell(index: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) of button ``index``; the last column and row take the remainder."""
    col, row = index % COLUMNS, index // COLUMNS
    w, h = WIDTH // COLUMNS, HEIGHT // ROWS
    x, y = col * w, row * h
    return x, y, (WIDTH - x if col == COLUMNS - 1 else w), (HEIGHT - y if row == ROWS - 1 else h)


def draw(menu: list[Button] | None = None) -> bytes:
    """The menu image as PNG: one coloured tile per button, its label large, English and a hint small."""
    menu = menu or buttons()
    path = _font_path()
    big, small = ImageFont.truetype(str(path), 120), ImageFont.truetype(str(path), 50)
    image = Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF")
    pen = ImageDraw.Draw(image)
    for index, button in enumerate(menu):
        x, y, w, h = _cell(index)
        pen.rectangle((x + 6, y + 6, x + w - 6, y + h - 6), fill=_COLOURS[index % len(_COLOURS)])
        centre = x + w / 2
        pen.text((centre, y + h * 0.40), button.label, font=big, fill="#FFFFFF", anchor="mm")
        pen.text((centre, y + h * 0.68), button.en, font=small, fill="#FFFFFF", anchor="mm")
        pen.text((centre, y + h * 0.84), button.hint, font=small, fill="#E8F5E9", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def request(menu: list[Button] | None = None) -> RichMenuRequest:
    """The menu's definition: each tile says its button's words, as if the user typed them."""
    menu = menu or buttons()
    areas = []
    for index, button in enumerate(menu):
        x, y, w, h = _cell(index)
        areas.append(RichMenuArea(bounds=RichMenuBounds(x=x, y=y, width=w, height=h),
                                  action=MessageAction(label=button.label[:20], text=button.says)))
    return RichMenuRequest(size=RichMenuSize(width=WIDTH, height=HEIGHT), selected=True, name=MENU_NAME,
                           chatBarText=chat_bar(), areas=areas)


async def install(line: LineClient) -> str:
    """Create the menu, make it the default, then delete older copies; returns the new menu's id."""
    old = [menu_id for menu_id, name in await line.rich_menus() if name == MENU_NAME]
    menu_id = await line.create_rich_menu(request(), draw())
    await line.set_default_rich_menu(menu_id)
    for menu_id_old in old:
        await line.delete_rich_menu(menu_id_old)
    return menu_id
