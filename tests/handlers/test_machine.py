"""The form dialog's state table, on its own: what each message means in each status."""
from __future__ import annotations

import pytest

from handlers.dialogs.engine import Engine
from handlers.dialogs.machine import OPEN, STATUSES, TABLE, read_command, transition


@pytest.mark.parametrize("status,text,method", [
    ("consent", "同意", "agree"), ("consent", "好", "agree"), ("consent", "看全文", "show_consent"),
    ("consent", "不同意", "decline"), ("consent", "暫停", "decline"), ("consent", "我叫王小明", "ask_consent_again"),
    ("active", "上一題", "back"), ("active", "略過", "skip"), ("active", "暫停", "pause"), ("active", "取消", "ask_cancel"),
    ("active", "修改 3", "edit"), ("active", "完成", "done"), ("active", "好", "answer"), ("active", "竹山光采", "answer"),
    ("editing", "上一題", "back"), ("editing", "12", "answer"),
    ("confirm_cancel", "確定取消", "cancel"), ("confirm_cancel", "繼續填寫", "keep_going"), ("confirm_cancel", "12", "keep_going"),
    ("review", "送出", "submit"), ("review", "修改 2", "edit"), ("review", "摘要", "summary"), ("review", "隨便打", "review_hint"),
])
def test_each_message_in_each_status_goes_to_its_transition(status: str, text: str, method: str) -> None:
    assert transition(status, read_command(text, status)) == method


def test_consent_words_are_answers_outside_consent() -> None:
    assert read_command("好", "consent").name == "agree"
    assert read_command("好", "active").name == "answer"


def test_an_edit_carries_its_question_number() -> None:
    command = read_command("修改 第12題", "review")
    assert command.name == "edit" and command.number == 12


def test_every_transition_is_an_engine_method() -> None:
    for method in set(TABLE.values()):
        assert callable(getattr(Engine, method, None)), method


def test_every_open_status_has_a_row_in_the_table() -> None:
    statuses = {status for status, _ in TABLE}
    assert set(OPEN) <= statuses <= set(STATUSES)


def test_every_status_fits_the_column_that_stores_it() -> None:
    from db.models import FormSession

    width = FormSession.__table__.c.status.type.length
    assert all(len(status) <= width for status in STATUSES), [s for s in STATUSES if len(s) > width]
