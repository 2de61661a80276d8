"""Form definitions: skip conditions, cross-field checks and per-session sections, as declared in YAML."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge.forms import Form, FormSection, load_forms

FORMS = load_forms()


def test_export_questions_are_asked_only_after_international_experience() -> None:
    survey = FORMS["ia_survey"]
    export = survey.item("export_product_1")
    reason = survey.item("intl_no_reason")
    assert not survey.asks(export, {"intl_experience": {"has": False}})
    assert survey.asks(reason, {"intl_experience": {"has": False}})
    assert survey.asks(export, {"intl_experience": {"has": True, "note": ""}})
    assert not survey.asks(export, {})  # unanswered: not yet


def test_the_two_revenue_shares_may_not_pass_100_percent() -> None:
    member = FORMS["dc_member"]
    assert member.check_sum("revenue_online_pct", {"revenue_offline_pct": 70, "revenue_online_pct": 50}) is not None
    assert member.check_sum("revenue_online_pct", {"revenue_offline_pct": 70, "revenue_online_pct": 30}) is None


def test_a_condition_on_an_option_the_question_does_not_have_is_refused_at_load() -> None:
    survey = FORMS["ia_survey"].model_dump(by_alias=True)
    for section in survey["sections"]:
        for item in section["items"]:
            if item["id"] == "diag_platforms":
                item["when"] = {"item": "diag_mode", "is": ["視訊"]}
    with pytest.raises(ValidationError, match="can only be"):
        Form.model_validate(survey)


def test_session_sections_are_seen_even_after_the_form_was_used() -> None:
    checkin = FORMS["checkin"]
    before = len(checkin.items)  # caches the item list on the shared form
    extra = FormSection(id="kpis", title="自訂", items=(checkin.items[0].model_copy(update={"id": "kpi_1"}),))
    assert len(checkin.with_sections((extra,)).items) == before + 1
    assert len(checkin.items) == before
