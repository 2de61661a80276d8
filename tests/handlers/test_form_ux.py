"""Where a person on a phone got stuck or misled in a form, walked again as they did.

Every test goes in through a signed webhook and reads what LINE received; :class:`Bot` checks
each reply against LINE's OpenAPI spec on the way.
"""
from __future__ import annotations

from bot.dev import line_events
from db.models import FormAnswer, FormSession
from tests.handlers.test_checkin import LEADER as CHECKIN_LEADER
from tests.handlers.test_checkin import make_cluster
from tests.utils.chat import Bot, quick_replies, text_of
from tests.utils.forms import FORMS, LEADER, MEMBER, USER, current_item, fill

SURVEY = FORMS["ia_survey"]


def labels(messages: list[dict]) -> list[str]:
    return [i["action"]["label"] for i in quick_replies(messages[-1])]


def tap(bot: Bot, messages: list[dict], label: str, user: str = USER) -> list[dict]:
    item = next(i for i in quick_replies(messages[-1]) if i["action"]["label"] == label)
    return bot.tap(item, user_id=user)


def answers(bot: Bot, form_id: str, user: str = USER) -> dict:
    with bot.services.db.session() as session:
        fs = session.query(FormSession).filter_by(line_user_id=user, form_id=form_id).order_by(FormSession.id.desc()).first()
        return {a.item_id: a.value for a in session.query(FormAnswer).filter_by(session_id=fs.id)}


def goto(bot: Bot, item_id: str, form=MEMBER, user: str = USER, trigger: str = "自我評估") -> list[dict]:  # type: ignore[no-untyped-def]
    """Fill a form with valid answers up to (not including) ``item_id``."""
    messages = fill(bot, trigger, form, user=user, stop_at=form.index(item_id) + 1)
    assert current_item(messages, form) == form.item(item_id), text_of(messages)
    return messages


# 1. Consent loop ------------------------------------------------------------------------------

def test_a_user_who_typed_past_the_consent_is_asked_for_it_again_and_can_then_answer(bot: Bot) -> None:
    first = bot.say("自我評估", user_id=USER)
    assert "同意" in labels(first)
    reply = bot.say("竹山光采文創", user_id=USER)  # typed an answer instead of 同意
    assert "同意" in text_of(reply)
    again = bot.say("自我評估", user_id=USER)
    assert "請問您同意嗎" in text_of(again) and "第 1/" not in text_of(again)
    started = tap(bot, again, "同意")
    assert current_item(started) == MEMBER.items[0]
    moved = bot.say("竹山光采文創", user_id=USER)
    assert current_item(moved) == MEMBER.items[1]
    assert "請先點" not in text_of(moved)
    assert answers(bot, "dc_member")["cluster_name"] == "竹山光采文創"


# 2. Details that belong to 「有」 -------------------------------------------------------------

def test_tapping_yes_opens_a_details_prompt_and_the_details_are_kept_with_the_answer(bot: Bot) -> None:
    messages = goto(bot, "o01")
    prompt = tap(bot, messages, "有")
    assert current_item(prompt) is None or current_item(prompt) == MEMBER.item("o01")
    assert "名稱" in text_of(prompt) or "數量" in text_of(prompt) or "說明" in text_of(prompt)
    after = bot.say("電商課程2場", user_id=USER)
    assert current_item(after) == MEMBER.item("o02")
    assert answers(bot, "dc_member")["o01"] == {"has": True, "note": "電商課程2場"}


def test_yes_with_details_typed_at_once_is_accepted_at_once(bot: Bot) -> None:
    messages = goto(bot, "o01")
    after = bot.say("有，電商課程2場", user_id=USER)
    assert current_item(after) == MEMBER.item("o02")
    assert answers(bot, "dc_member")["o01"] == {"has": True, "note": "電商課程2場"}
    assert current_item(messages) == MEMBER.item("o01")


# 3. Commands are never answers --------------------------------------------------------------

def test_a_bare_edit_or_a_follow_up_question_is_not_stored_as_an_answer(bot: Bot) -> None:
    bot.say("自我評估", user_id=USER)
    bot.say("同意", user_id=USER)
    edit = bot.say("修改", user_id=USER)
    assert "題號" in text_of(edit) or "修改" in text_of(edit)
    assert "cluster_name" not in answers(bot, "dc_member")
    bot.say("竹山光采文創", user_id=USER)
    asked = bot.say("那B類呢？", user_id=USER)
    assert "proposer" not in answers(bot, "dc_member")
    assert current_item(asked) == MEMBER.item("proposer")


# 4. A sticker mid-form ----------------------------------------------------------------------

def test_a_sticker_during_the_photo_question_keeps_the_question_and_its_done_button(bot: Bot) -> None:
    make_cluster(bot)  # a lead firm, whose 月報 is the cluster's
    messages = bot.say("月報", user_id=CHECKIN_LEADER)
    while "photo" not in text_of(messages[-1:]).lower() and "照片" not in text_of(messages[-1:]):
        messages = bot.say("2", user_id=CHECKIN_LEADER)
    sticker = bot.send(line_events.message_event(line_events.MEDIA_MESSAGES["sticker"], user_id=CHECKIN_LEADER))
    assert "照片" in text_of(sticker[-1:])
    assert "完成" in labels(sticker)
    assert "主選單" not in text_of(sticker)


# 5. The alliance survey branches --------------------------------------------------------------

def test_no_international_experience_skips_every_export_question(bot: Bot) -> None:
    messages = goto(bot, "intl_experience", SURVEY, trigger="聯盟調查")
    reason = bot.say("無", user_id=USER)
    assert current_item(reason, SURVEY) == SURVEY.item("intl_no_reason")
    after = bot.say("缺乏海外通路", user_id=USER)
    assert current_item(after, SURVEY) == SURVEY.item("digital_staff")
    assert "外銷" not in text_of(after)
    assert current_item(messages, SURVEY) == SURVEY.item("intl_experience")


def test_online_diagnosis_asks_for_the_platform_and_never_the_offline_place(bot: Bot) -> None:
    messages = goto(bot, "diag_mode", SURVEY, trigger="聯盟調查")
    online = tap(bot, messages, "線上")
    assert current_item(online, SURVEY) == SURVEY.item("diag_platforms")
    bot.tap(next(i for i in quick_replies(online[-1]) if i["action"]["label"].startswith("Google")), user_id=USER)
    after = bot.say("完成", user_id=USER)
    assert current_item(after, SURVEY) == SURVEY.item("main_industries")
    assert "線下" not in text_of(after)


def test_going_back_over_a_skipped_branch_lands_on_the_question_that_was_asked(bot: Bot) -> None:
    goto(bot, "intl_experience", SURVEY, trigger="聯盟調查")
    bot.say("無", user_id=USER)
    after = bot.say("缺乏海外通路", user_id=USER)
    assert current_item(after, SURVEY) == SURVEY.item("digital_staff")
    back = bot.say("上一題", user_id=USER)
    assert current_item(back, SURVEY) == SURVEY.item("intl_no_reason")


# 7. Shares that must add up ------------------------------------------------------------------

def test_offline_and_online_shares_over_100_percent_are_questioned(bot: Bot) -> None:
    goto(bot, "revenue_offline_pct")
    bot.say("70", user_id=USER)
    over = bot.say("50", user_id=USER)
    assert "超過 100%" in text_of(over)
    assert current_item(over) == MEMBER.item("revenue_online_pct")
    assert "revenue_online_pct" not in answers(bot, "dc_member")
    fine = bot.say("30", user_id=USER)
    assert current_item(fine) == MEMBER.item("monthly_sales_offline")


# 8. Loose values --------------------------------------------------------------------------------

def test_an_age_in_years_is_put_in_its_bracket(bot: Bot) -> None:
    goto(bot, "owner_age")
    after = bot.say("38歲", user_id=USER)
    assert current_item(after) == MEMBER.item("owner_email")
    assert answers(bot, "dc_member")["owner_age"] == "30-44歲"


def test_a_bare_small_amount_of_capital_asks_which_unit_was_meant(bot: Bot) -> None:
    goto(bot, "capital")
    asked = bot.say("3", user_id=USER)
    assert "capital" not in answers(bot, "dc_member")
    assert {"3萬元", "300萬元"} <= set(labels(asked)) or "萬" in text_of(asked)
    choice = next(label for label in labels(asked) if "300萬" in label)
    after = tap(bot, asked, choice)
    assert current_item(after) == MEMBER.item("industry")
    assert answers(bot, "dc_member")["capital"] == 3_000_000


def test_an_address_must_look_like_one_and_same_as_above_copies_it(bot: Bot) -> None:
    messages = goto(bot, "reg_address")
    rejected = bot.say("王小明", user_id=USER)
    assert current_item(rejected) == MEMBER.item("reg_address")
    assert "地址" in text_of(rejected)
    bot.say("557 南投縣竹山鎮集山路三段 1000 號", user_id=USER)
    same = bot.say("同上", user_id=USER)
    assert current_item(same) == MEMBER.item("owner_name")
    stored = answers(bot, "dc_member")
    assert stored["biz_address"] == stored["reg_address"] == "557 南投縣竹山鎮集山路三段 1000 號"
    assert current_item(messages) == MEMBER.item("reg_address")


def test_a_date_question_offers_the_date_picker_and_the_picked_date_is_stored(bot: Bot) -> None:
    messages = goto(bot, "established_date")
    picker = next(i for i in quick_replies(messages[-1]) if i["action"]["type"] == "datetimepicker")
    after = bot.pick(picker, "2015-03-07", user_id=USER)
    assert current_item(after) == MEMBER.item("tax_id")
    assert answers(bot, "dc_member")["established_date"] == "2015-03-07"


def test_a_stale_date_picker_is_answered_politely(bot: Bot) -> None:
    messages = goto(bot, "established_date")
    picker = next(i for i in quick_replies(messages[-1]) if i["action"]["type"] == "datetimepicker")
    bot.say("暫停", user_id=USER)
    late = bot.pick(picker, "2015-03-07", user_id=USER)
    assert "過期" in text_of(late)
    assert "established_date" not in answers(bot, "dc_member")


# Long lists, 保留, multi-select ----------------------------------------------------------------

def test_a_long_list_is_numbered_and_a_number_picks_it(bot: Bot) -> None:
    messages = goto(bot, "industry")
    assert "1. 農、林、漁、牧業" in text_of(messages[-1:])
    after = bot.say("3", user_id=USER)
    assert current_item(after) == MEMBER.item("reg_address")
    assert answers(bot, "dc_member")["industry"] == "製造業"


def test_editing_an_answered_question_offers_keep_instead_of_answering_again(bot: Bot) -> None:
    goto(bot, "role")
    bot.say("群聚成員企業", user_id=USER)
    edit = bot.say("修改 4", user_id=USER)
    assert "保留" in labels(edit)
    kept = tap(bot, edit, "保留")
    assert answers(bot, "dc_member")["role"] == "群聚成員企業"
    assert current_item(kept) != MEMBER.item("role")


def test_a_multi_select_option_can_be_unticked(bot: Bot) -> None:
    messages = goto(bot, "owner_attributes")
    ticked = tap(bot, messages, "青年返鄉")
    assert any(label.startswith("✓") for label in labels(ticked))
    unticked = tap(bot, ticked, next(label for label in labels(ticked) if label.startswith("✓")))
    assert not any(label.startswith("✓") for label in labels(unticked))
    tap(bot, unticked, "原住民")
    bot.say("完成", user_id=USER)
    assert answers(bot, "dc_member")["owner_attributes"] == ["原住民"]


# 10. Join codes ----------------------------------------------------------------------------------

def test_a_join_code_one_character_short_or_missing_gets_asked_about(bot: Bot) -> None:
    short = bot.say("加入群聚 NVTGH", user_id=USER)
    assert "6 碼" in text_of(short) and "5 碼" in text_of(short)
    bare = bot.say("加入群聚", user_id=USER)
    assert "代碼" in text_of(bare) and len(text_of(bare)) < 200


# 6. The right 月報 ---------------------------------------------------------------------------------

def test_a_user_in_no_program_is_told_how_to_join_before_any_checkin(bot: Bot) -> None:
    reply = bot.say("月報", user_id=USER)
    assert "加入群聚" in text_of(reply)
    with bot.services.db.session() as session:
        assert session.query(FormSession).filter_by(line_user_id=USER).count() == 0


def test_an_alliance_member_who_sent_the_survey_gets_the_alliance_checkin(bot: Bot) -> None:
    fill(bot, "聯盟調查", SURVEY)
    bot.say("送出", user_id=USER)
    reply = bot.say("月報", user_id=USER)
    assert FORMS["ia_checkin"].title in text_of(reply) or current_item(reply, FORMS["ia_checkin"]) is not None
    with bot.services.db.session() as session:
        assert session.query(FormSession).filter_by(line_user_id=USER, form_id="checkin").count() == 0


# 9. Summary cards ------------------------------------------------------------------------------

def _bubbles(messages: list[dict]) -> list[dict]:
    found = []
    for message in messages:
        if message["type"] == "flex":
            contents = message["contents"]
            found += contents["contents"] if contents["type"] == "carousel" else [contents]
    return found


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return ([node["text"]] if node.get("type") == "text" else []) + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def test_the_cluster_summary_shows_every_tools_firm_counts_on_numbered_pages(bot: Bot) -> None:
    form = FORMS["dc_cluster"]
    messages = fill(bot, "群聚自評", form, user=LEADER)
    bubbles = _bubbles(messages)
    assert len(bubbles) > 1
    for n, bubble in enumerate(bubbles, 1):
        assert f"第 {n}/{len(bubbles)} 頁" in _texts(bubble["header"])
    shown = _texts(bubbles)
    tools = [(n, item) for n, item in enumerate(form.items, 1) if item.type == "count_pair"]
    assert len(tools) > 60
    for number, item in tools:
        assert any(t.startswith(f"{number}. ") and item.label in t for t in shown), item.label
    assert shown.count("3 → 8 家") == len(tools)
    assert not any("有=1" in t for t in shown)
    assert any("目前 → 輔導後預計" in t for t in shown)
    assert "送出" in labels(messages)


def test_the_member_summary_leads_with_the_subtotals_and_lists_every_answer(bot: Bot) -> None:
    messages = fill(bot, "自我評估")
    bubbles = _bubbles(messages)
    first = _texts(bubbles[0])
    for name in ("組織凝聚力(O)", "環境擴散力(E)", "服務優化力(S)", "資訊加值力(I)"):
        assert name in first
    shown = _texts(bubbles)
    for number, item in enumerate(MEMBER.items, 1):
        assert any(t.startswith(f"{number}. ") for t in shown), f"question {number} ({item.label}) missing"


# 11. No internal codes, no needless questions --------------------------------------------------

def test_my_data_names_programs_and_roles_in_chinese(bot: Bot) -> None:
    first = bot.say("訂閱", user_id=USER)
    roles = tap(bot, first, "國際主題聯盟")
    tap(bot, roles, "成員企業")
    mine = text_of(bot.say("我的資料", user_id=USER))
    assert "國際主題聯盟（成員企業）" in mine
    assert "intl_alliance" not in mine and "member" not in mine


def test_the_public_is_not_offered_the_staff_role(bot: Bot) -> None:
    roles = tap(bot, bot.say("訂閱", user_id=USER), "數位群聚 A類")
    assert "計畫同仁" not in labels(roles)
    assert {"成員企業", "領導企業"} <= set(labels(roles))


def test_a_lead_firm_is_not_asked_its_role_when_subscribing(bot: Bot) -> None:
    make_cluster(bot)
    done = tap(bot, bot.say("訂閱", user_id=CHECKIN_LEADER), "數位群聚 A類", user=CHECKIN_LEADER)
    assert "已訂閱：數位群聚 A類（領導企業）" in text_of(done)


def test_a_firm_in_both_programs_is_asked_which_checkin(bot: Bot) -> None:
    make_cluster(bot)
    fill(bot, "聯盟調查", SURVEY, user=CHECKIN_LEADER)
    bot.say("送出", user_id=CHECKIN_LEADER)
    asked = bot.say("月報", user_id=CHECKIN_LEADER)
    assert {"數位群聚月報", "聯盟月報"} <= set(labels(asked))
    alliance = tap(bot, asked, "聯盟月報", user=CHECKIN_LEADER)
    assert current_item(alliance, FORMS["ia_checkin"]) == FORMS["ia_checkin"].items[0]


# The fallback ------------------------------------------------------------------------------------

def test_the_fallback_offers_a_way_on_and_the_contact_of_the_program_being_discussed(bot: Bot) -> None:
    answered = bot.say("國際主題聯盟至少要幾家？", user_id=USER)
    assert "6家" in text_of(answered)
    unknown = bot.say("那要用哪一種字型和字體大小？", user_id=USER)
    assert "分機606" in text_of(unknown)
    assert {"主選單", "找專人"} <= set(labels(unknown))
    person = tap(bot, unknown, "找專人")
    assert "📞" in text_of(person)


def test_a_fallback_with_no_program_in_sight_gives_the_users_own_program_contact(bot: Bot) -> None:
    fill(bot, "聯盟調查", SURVEY)
    bot.say("送出", user_id=USER)
    unknown = bot.say("停車位在哪裡？", user_id=USER)
    assert "分機606" in text_of(unknown)
