"""First contact: the follow greeting, the menu, and what to say to stickers and photos."""
from __future__ import annotations

from handlers.context import Ctx
from handlers.replies import menu_items, text

__all__ = ["GREETING", "on_follow", "on_media", "on_menu"]

GREETING = (
    "您好！我是中小企業數位群聚與國際主題聯盟的計畫小幫手 🙌\n"
    "提案截止日、申請資格、經費上限、應備文件、評分標準、鄉鎮數位發展分群……直接打字問我就好，"
    "我會附上須知的出處。\n"
    "例如：「A類截止是哪天？」「我們8家可以申請嗎？」「竹山鎮第幾分群？」\n"
    "也可以點下方的常見主題。"
)

MEDIA_REPLY = (
    "謝謝您傳來的內容！目前我只看得懂文字訊息 🙏\n"
    "請用文字輸入您的問題，例如「B類截止是哪天？」或「提案要準備哪些文件？」，也可以點下方的常見主題。"
)


def on_follow(ctx: Ctx) -> None:
    """Greets a new (or returning) friend and offers the topic menu."""
    ctx.reply(text(GREETING, menu_items()))


def on_menu(ctx: Ctx) -> None:
    """Shows the topic menu when the user asks for help or says hello."""
    ctx.reply(text("想問哪一類的問題呢？請點選下方主題，或直接打字問我。", menu_items()))


def on_media(ctx: Ctx) -> None:
    """Explains kindly that only text questions are understood (stickers, photos, files…)."""
    ctx.reply(text(MEDIA_REPLY, menu_items()))
