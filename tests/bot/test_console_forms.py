"""The console's forms, 月報 and delivery pages as staff use them, and what exports contain."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from openpyxl import load_workbook

from knowledge.labels import TAIPEI
from tests.bot.test_console import login
from tests.handlers.test_checkin import LEADER, checkin, make_cluster
from tests.utils.chat import Bot
from tests.utils.forms import FORMS, USER, fill

SURVEY = FORMS["ia_survey"]


def _csv(bot: Bot, path: str) -> list[dict[str, str]]:
    response = bot.client.get(path)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _submit_checkin(bot: Bot) -> None:
    bot.services.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TAIPEI))
    make_cluster(bot)
    checkin(bot, ["2", "1", "1", "0", "30", "120", "略過", "略過", "略過"])
    bot.say("送出", user_id=LEADER)


def test_the_checkin_export_has_the_month_and_the_clusters_own_kpis(bot: Bot) -> None:
    _submit_checkin(bot)
    login(bot)
    rows = _csv(bot, "/admin/exports/checkin.csv")
    assert len(rows) == 1
    assert rows[0]["月份"] == "115年11月"
    assert rows[0]["自訂指標：體驗遊程人次（人次）"] == "120"
    assert rows[0]["自訂指標：體驗遊程人次（人次）｜目標"] == "500.0"
    assert rows[0]["群聚"] == "竹山光采群聚"
    assert rows[0]["送出時間"].startswith("115/11/20")


def test_the_alliance_survey_export_names_the_alliance_and_xlsx_matches_csv(bot: Bot) -> None:
    fill(bot, "聯盟調查", SURVEY)
    bot.say("送出", user_id=USER)
    login(bot)
    rows = _csv(bot, "/admin/exports/ia_survey.csv")
    assert rows[0]["所屬聯盟名稱"] == "竹山光采文創"
    response = bot.client.get("/admin/exports/ia_survey.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == list(rows[0].keys())
    assert sheet.cell(row=2, column=header.index("所屬聯盟名稱") + 1).value == "竹山光采文創"


def test_an_export_never_hands_excel_a_formula(bot: Bot) -> None:
    fill(bot, "聯盟調查", SURVEY)
    bot.say("修改 2", user_id=USER)
    bot.say("=HYPERLINK(\"http://x\")", user_id=USER)  # as the company name
    bot.say("送出", user_id=USER)
    login(bot)
    rows = _csv(bot, "/admin/exports/ia_survey.csv")
    assert rows[0]["公司名稱"] == "'=HYPERLINK(\"http://x\")"
    assert not any(value.startswith("=") for row in rows for value in row.values())


def test_staff_list_view_lock_and_unlock_a_submitted_form(bot: Bot) -> None:
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    csrf = login(bot)
    listing = bot.client.get("/admin/forms?form=dc_member")
    assert "數位群聚成員基本資料表" in listing.text and "竹山光采文創" in listing.text
    form_id = re.search(r'href="/admin/forms/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    page = bot.client.get(f"/admin/forms/{form_id}")
    assert "04595257" in page.text and "鎖定審閱" in page.text
    locked = bot.client.post(f"/admin/forms/{form_id}/lock", data={"csrf": csrf, "locked": "1"})
    assert "已鎖定" in locked.text
    reopened = bot.say("自我評估", user_id=USER)
    assert "鎖定" in reopened[0]["text"]
    unlocked = bot.client.post(f"/admin/forms/{form_id}/lock", data={"csrf": csrf, "locked": "0"})
    assert "還能修改" in unlocked.text
    refused = bot.client.post(f"/admin/forms/{form_id}/lock", data={"csrf": "wrong", "locked": "1"})
    assert refused.status_code == 403


def test_checkin_status_covers_clusters_and_alliances_with_a_drill_down(bot: Bot) -> None:
    _submit_checkin(bot)
    fill(bot, "聯盟調查", SURVEY)
    bot.say("送出", user_id=USER)
    login(bot)
    overview = bot.client.get("/admin/checkins?month=2026-11")
    assert "115年11月" in overview.text
    assert "竹山光采群聚" in overview.text and "✅ 已回報" in overview.text
    assert "竹山光采文創" in overview.text and "0/1" in overview.text  # the alliance: nobody reported yet
    cluster = bot.client.get("/admin/checkins/clusters/PQRSTU?month=2026-11")
    assert "領導企業" in cluster.text and "體驗遊程人次" in cluster.text and "120人次" in cluster.text
    alliance = bot.client.get("/admin/checkins/alliance", params={"name": "竹山光采文創", "month": "2026-11"})
    assert "竹山光采文創" in alliance.text and "尚未回報" in alliance.text
    bad = bot.client.get("/admin/checkins?month=11月")
    assert bad.status_code == 422 and "YYYY-MM" in bad.text


def test_the_calendar_page_speaks_program_names_and_roc_dates(bot: Bot) -> None:
    login(bot)
    page = bot.client.get("/admin/calendar").text
    assert "（暫定）（暫定）" not in page
    assert "digital_cluster</td>" not in page and "數位群聚" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d</td>", page)
    assert "112年" in page


def test_a_notice_keeps_its_line_breaks_as_line_sends_them(bot: Bot) -> None:
    from db import users

    with bot.services.db.session() as session:
        users.get_or_create_user(session=session, line_user_id=USER)
    csrf = login(bot)
    bot.client.post("/admin/notices", data={"csrf": csrf, "text": "第一行\r\n第二行", "audience": "all"})
    pushed = [c for c in bot.standin.calls if c.path.endswith(("/multicast", "/push"))]
    assert pushed and pushed[-1].body["messages"][0]["text"] == "第一行\n第二行"


def test_the_delivery_report_lists_each_recipient_by_name(bot: Bot) -> None:
    fill(bot, "自我評估")
    bot.say("送出", user_id=USER)
    csrf = login(bot)
    sent = bot.client.post("/admin/notices", data={"csrf": csrf, "text": "說明會提醒", "audience": "all"})
    assert sent.status_code == 200
    assert "竹山光采文創" in sent.text and "已送達" in sent.text


def test_an_unknown_cluster_code_is_explained_in_chinese(bot: Bot) -> None:
    csrf = login(bot)
    page = bot.client.post("/admin/notices/preview", data={"csrf": csrf, "text": "hi", "audience": "clusters",
                                                           "clusters": "ZZZZZZ"})
    assert "找不到群聚代碼：ZZZZZZ" in page.text
    assert bot.client.get("/admin/exports/checkin.csv?cluster=ZZZZZZ").status_code == 404
