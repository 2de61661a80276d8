"""Staff keep the knowledge right from the console: drafts, publishing with checks, versions and
rollback, conflicts, a new program year, learning from what users asked — and users get the
change in the chat."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.admin import editing
from db.models import AuditLog, KnowledgeDraft, Milestone
from knowledge.editing import as_dict
from knowledge.loader import default_knowledge
from tests.utils.chat import Bot, text_of
from tests.utils.staff import login_as, refresh

ENTRY = "dc-deadline-a"


def _form(entry_id: str, **changes: str) -> dict[str, str]:
    data = as_dict(default_knowledge().entry(entry_id))  # type: ignore[arg-type]
    form = {"title": data["title"], "program": data["program"], "year": str(data["year"]), "topic": data["topic"],
            "questions": "\n".join(data["questions"]), "keywords": "\n".join(data.get("keywords", [])),
            "answer": data["answer"], "source_file": data["source"]["file"], "source_section": data["source"]["section"],
            "class": (data.get("facets") or {}).get("class", "")}
    if data.get("en"):
        form.update(en_title=data["en"]["title"], en_questions="\n".join(data["en"]["questions"]),
                    en_keywords="\n".join(data["en"].get("keywords", [])), en_answer=data["en"]["answer"])
    return {**form, **changes}


def _save(bot: Bot, csrf: str, entry_id: str, action: str = "save", revision: str = "0", **changes: str):  # type: ignore[no-untyped-def]
    return bot.client.post(f"/admin/knowledge/entry/{entry_id}",
                           data={"csrf": csrf, "action": action, "revision": revision, **_form(entry_id, **changes)})


NEW_ANSWER = "A類提案截止時間：112年3月7日（週二）下午5點前，於線上系統完成送件（同仁補充：請預留上傳時間）。"


def test_an_edit_is_a_draft_until_published_then_users_get_it_and_rollback_undoes_it(bot: Bot) -> None:
    before = text_of(bot.say("A類截止是哪天？"))
    csrf = login_as(bot, "editor")
    saved = _save(bot, csrf, ENTRY, answer=NEW_ANSWER)
    assert saved.status_code == 200 and "草稿已儲存" in saved.text
    assert "-A類提案截止時間" not in saved.text and "+answer" in saved.text or "同仁補充" in saved.text
    refresh(bot)
    assert "同仁補充" not in text_of(bot.say("A類截止是哪天？"))  # a draft is not an answer
    published = bot.client.post("/admin/knowledge/publish", data={"csrf": csrf, "note": "補充上傳時間"})
    assert "已發布第 1 版" in published.text
    assert refresh(bot)
    after = text_of(bot.say("A類截止是哪天？"))
    assert "同仁補充：請預留上傳時間" in after and "📄" in after
    versions = bot.client.get("/admin/knowledge/versions").text
    assert "補充上傳時間" in versions and "editor-staff" in versions and "同仁補充" in versions
    with bot.services.db.session() as session:
        assert session.query(AuditLog).filter_by(action="knowledge_published").count() == 1
    rolled = bot.client.post("/admin/knowledge/versions/1/rollback", data={"csrf": csrf})
    assert "已還原第 1 版" in rolled.text
    refresh(bot)
    assert text_of(bot.say("A類截止是哪天？")) == before


def test_english_words_staff_add_as_keywords_bring_english_questions_to_the_entry(bot: Bot) -> None:
    question = "What's the stipend cap?"  # «stipend» is in no entry
    assert "100萬" not in text_of(bot.say(question))
    csrf = login_as(bot, "editor")
    keywords = "\n".join([*default_knowledge().entry("dc-funding").en.keywords, "stipend"])  # type: ignore[union-attr]
    assert "草稿已儲存" in _save(bot, csrf, "dc-funding", en_keywords=keywords).text
    bot.client.post("/admin/knowledge/publish", data={"csrf": csrf})
    assert refresh(bot)
    answer = text_of(bot.say(question))
    assert "NT$1,000,000" in answer and "📄 Source" in answer and "Did you mean" not in answer
    page = bot.client.get("/admin/knowledge/entry/dc-funding").text
    assert "stipend" in page  # the editor shows the keyword it saved


def test_a_broken_draft_cannot_be_published_and_the_message_says_why(bot: Bot) -> None:
    csrf = login_as(bot, "editor")
    other = default_knowledge().entry("dc-deadline-b").questions[0]  # type: ignore[union-attr]
    _save(bot, csrf, ENTRY, title="這是一個超過二十個字的標題，按鈕放不下的那種長度",
          questions=f"A類截止是哪天\n{other}", source_file="")
    refused = bot.client.post("/admin/knowledge/publish", data={"csrf": csrf})
    assert "有草稿還不能發布" in refused.text
    assert "LINE 按鈕最多 20 字" in refused.text
    assert f"問法「{other}」已經是條目 dc-deadline-b 的問法" in refused.text
    assert "請填出處" in refused.text
    with bot.services.db.session() as session:
        assert session.query(KnowledgeDraft).count() == 1  # still there to fix
    refresh(bot)
    assert "3月7日" in text_of(bot.say("A類截止是哪天？"))


def test_two_staff_saving_the_same_draft_get_a_conflict_not_a_lost_edit(bot: Bot) -> None:
    csrf = login_as(bot, "editor")
    _save(bot, csrf, ENTRY, answer=NEW_ANSWER)  # revision 1
    _save(bot, csrf, ENTRY, revision="1", answer=NEW_ANSWER + "（第二人）")  # revision 2
    stale = _save(bot, csrf, ENTRY, revision="1", answer=NEW_ANSWER + "（第一人，過時）")
    assert "也改了這個草稿" in stale.text
    with bot.services.db.session() as session:
        assert "（第二人）" in session.get(KnowledgeDraft, ENTRY).data["answer"]  # type: ignore[union-attr]


def test_publishing_over_a_change_published_meanwhile_is_a_conflict(bot: Bot) -> None:
    with bot.services.db.session() as session:
        editing.save(session, entry_id=ENTRY, data={**as_dict(default_knowledge().entry(ENTRY)), "answer": NEW_ANSWER},  # type: ignore[arg-type]
                     revision=None, actor="a")
        base = session.get(KnowledgeDraft, ENTRY).base_hash  # type: ignore[union-attr]
        editing.publish(session, actor="a")
        editing.save(session, entry_id=ENTRY, data={**as_dict(default_knowledge().entry(ENTRY)), "answer": "舊底稿改的"},  # type: ignore[arg-type]
                     revision=None, actor="b")
        session.get(KnowledgeDraft, ENTRY).base_hash = base  # type: ignore[union-attr] # b opened it before a published
    with pytest.raises(editing.EditError) as refused, bot.services.db.session() as session:
        editing.publish(session, actor="b")
    assert "已有人發布了這個條目的新版本" in " ".join(refused.value.details)


def test_a_newly_shipped_seed_never_overwrites_a_staff_edit_and_shows_the_conflict(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    csrf = login_as(bot, "editor")
    _save(bot, csrf, ENTRY, action="publish", answer=NEW_ANSWER)
    shipped = default_knowledge()
    newer = shipped.model_copy(update={"entries": tuple(
        e.model_copy(update={"answer": "新版須知：A類截止改為3月8日。"}) if e.id == ENTRY else e for e in shipped.entries)})
    monkeypatch.setattr(editing, "_seed", lambda: newer)  # a deploy with a changed YAML
    page = bot.client.get("/admin/knowledge").text
    assert "新版須知與同仁修改衝突" in page and ENTRY in page
    with bot.services.db.session() as session:
        assert editing.entry_state(session, ENTRY)["live"]["answer"] == NEW_ANSWER  # the staff edit still stands
    bot.client.post(f"/admin/knowledge/conflicts/{ENTRY}", data={"csrf": csrf, "keep": "seed"})
    with bot.services.db.session() as session:
        assert editing.conflicts(session) == []
        assert "3月8日" in editing.entry_state(session, ENTRY)["live"]["answer"]


def test_a_new_program_year_is_prepared_as_drafts_and_answers_in_its_name_once_published(bot: Bot) -> None:
    csrf = login_as(bot, "editor")
    page = bot.client.post("/admin/knowledge/year", data={"csrf": csrf, "program": "digital_cluster",
                                                          "from_year": "112", "to_year": "115"})
    assert re.search(r"建立 115 年的 \d+ 個草稿（\d+ 個要對照新須知）和 \d+ 個行事曆日期", page.text), page.text
    with bot.services.db.session() as session:
        draft = session.get(KnowledgeDraft, f"{ENTRY}-115")
        assert draft is not None and draft.check_note and "對照" in draft.check_note
        assert session.query(Milestone).filter_by(year=115, draft=True).count() > 0
    assert "112年3月7日" in text_of(bot.say("A類截止是哪天？"))  # nothing changes before publishing
    data = {**draft.data, "answer": "115年A類提案截止時間：115年3月10日（週二）17:00（以115年須知為準）。"}
    with bot.services.db.session() as session:
        editing.save(session, entry_id=f"{ENTRY}-115", data=data, revision=draft.revision, actor="editor-staff")
    published = bot.client.post("/admin/knowledge/publish", data={"csrf": csrf, "note": "115年度"})
    assert "已發布" in published.text, published.text
    refresh(bot)
    assert "115年3月10日" in text_of(bot.say("A類截止是哪天？"))
    assert "115年3月10日" in text_of(bot.say("今年A類什麼時候截止？", user_id="U" + "2" * 32))
    assert "112年3月7日" in text_of(bot.say("112年A類截止是哪天？", user_id="U" + "3" * 32))
    with bot.services.db.session() as session:
        assert session.query(Milestone).filter_by(year=115, draft=True).count() == 0


def test_unanswered_questions_are_grouped_and_a_group_becomes_phrasings(bot: Bot) -> None:
    for i, question in enumerate(["停車位在哪裡？", "請問停車位在哪", "停車位在哪邊啊", "你們的停車位在哪裡", "吉祥物叫什麼名字"]):
        bot.say(question, user_id=f"U{i:032d}")
    csrf = login_as(bot, "editor")
    page = bot.client.get("/admin/unanswered").text
    first = page.index("4 次")
    assert first < page.index("1 次") and "停車位在哪裡" in page[first:page.index("1 次")]
    with bot.services.db.session() as session:
        group = editing.group_unanswered(session, bot.services)[0]
    bot.client.post("/admin/unanswered/act", data={"csrf": csrf, "action": "means", "entry": "dc-contact",
                                                   "ids": ",".join(map(str, group.ids)), "texts": "\n".join(group.texts)})
    bot.client.post("/admin/knowledge/publish", data={"csrf": csrf})
    refresh(bot)
    assert "停車位在哪裡？" not in default_knowledge().entry("dc-contact").questions  # type: ignore[union-attr]  # the seed is untouched
    assert "停車位在哪裡？" in bot.services.kb.entry("dc-contact").questions  # type: ignore[union-attr]
    assert "dc-contact" == editing.try_question(bot.services, "停車位在哪邊啊")["entry"]
    assert "停車位在哪" not in bot.client.get("/admin/unanswered").text


def test_out_of_scope_sends_similar_questions_straight_to_the_contact(bot: Bot) -> None:
    bot.say("吉祥物叫什麼名字？")
    csrf = login_as(bot, "editor")
    with bot.services.db.session() as session:
        group = editing.group_unanswered(session, bot.services)[0]
    bot.client.post("/admin/unanswered/act", data={"csrf": csrf, "action": "out_of_scope",
                                                   "ids": ",".join(map(str, group.ids)), "texts": "\n".join(group.texts)})
    refresh(bot)
    result = editing.try_question(bot.services, "吉祥物叫什麼名字")
    assert result["intent"] == "out_of_scope" and "📞" in result["answers"][0]


def test_try_it_shows_the_outcome_the_matched_phrasing_and_the_runners_up(bot: Bot) -> None:
    login_as(bot, "viewer")
    page = bot.client.get("/admin/knowledge/try", params={"q": "A類截止是哪天"}).text
    assert ENTRY in page and "對上的問法" in page and "3月7日" in page
    assert re.search(r"分數 \d+", page)


def test_html_in_an_answer_is_shown_as_text(bot: Bot) -> None:
    csrf = login_as(bot, "editor")
    _save(bot, csrf, ENTRY, action="publish", answer="<script>alert(1)</script> A類截止 112年3月7日")
    refresh(bot)
    assert "<script>alert(1)</script>" in text_of(bot.say("A類截止是哪天？"))  # LINE shows text as text
    page = bot.client.get(f"/admin/knowledge/entry/{ENTRY}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_live_knowledge_exports_as_yaml_for_review(bot: Bot, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csrf = login_as(bot, "editor")
    _save(bot, csrf, ENTRY, action="publish", answer=NEW_ANSWER)
    from tests.bot.test_cli import run

    result = run("knowledge", "export", "--out", str(tmp_path), env={"DATABASE_URL": settings.database_url, "DEV_MODE": "1"})
    assert result.returncode == 0, result.stderr
    exported = {e["id"]: e for f in tmp_path.glob("*.yaml") if f.name != "out_of_scope.yaml"
                for e in yaml.safe_load(f.read_text(encoding="utf-8"))}
    assert exported[ENTRY]["answer"] == NEW_ANSWER
    assert len(exported) == len(default_knowledge().entries)
