"""The rich menu: drawn from data, installed through the Messaging API (here the stand-in), and every
button leads where its label says."""
from __future__ import annotations

import io

from PIL import Image

from bot.line import richmenu
from knowledge.forms import load_forms
from tests.bot.test_cli import run
from tests.utils import openapi
from tests.utils.chat import Bot, quick_replies, text_of


def _install(standin) -> None:  # type: ignore[no-untyped-def]
    result = run("richmenu", env={"LINE_API_BASE_URL": standin.url, "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40})
    assert result.returncode == 0, result.stderr
    assert "installed" in result.stdout


def test_installing_twice_leaves_one_default_menu_with_its_image(bot: Bot) -> None:
    standin = bot.standin
    _install(standin)
    first = standin.default_rich_menu
    _install(standin)
    assert list(standin.rich_menus) == [standin.default_rich_menu] != [first]
    menu = standin.rich_menus[standin.default_rich_menu]
    definition = {k: v for k, v in menu.items() if k != "richMenuId"}
    assert openapi.errors(definition, "RichMenuRequest") == []
    data, kind = standin.rich_menu_images[standin.default_rich_menu]
    assert kind == "image/png" and len(data) < 1024 * 1024
    assert Image.open(io.BytesIO(data)).size == (2500, 843)
    assert [a["action"]["label"] for a in menu["areas"]] == ["問問題", "自我評估", "月報", "提醒", "我的資料", "找專人"]


def test_every_button_leads_where_its_label_says(bot: Bot) -> None:
    said = {b.label: b.says for b in richmenu.buttons()}
    topics = bot.say(said["問問題"])
    assert "直接打字問我" in text_of(topics) and len(quick_replies(topics[-1])) > 5
    assert load_forms()["dc_member"].title in text_of(bot.say(said["自我評估"]))
    bot.say("不同意")
    assert "加入群聚" in text_of(bot.say(said["月報"]))
    assert "訂閱" in text_of(bot.say(said["提醒"]))
    assert "這是我們保存的您的資料" in text_of(bot.say(said["我的資料"]))
    assert "📞" in text_of(bot.say(said["找專人"]))


def test_the_image_can_be_saved_without_a_channel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "menu.png"
    result = run("richmenu", "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert Image.open(target).size == (2500, 843)


def test_without_a_channel_token_it_says_what_to_set() -> None:
    result = run("richmenu")
    assert result.returncode == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN" in result.stderr
