"""The grader behind every quality number: a fact stated in quotation marks still counts, a
missing fact never does, and a fallback is never a pass for a question the documents answer."""
from __future__ import annotations

from bench.quality import evaluate, reply_holds, stateless


def test_quotation_marks_do_not_hide_a_stated_fact() -> None:
    assert reply_holds("上傳到YouTube，設定為「公開」", [["設定為公開"]])
    assert reply_holds("Set it to “public”", [["to public"]])


def test_the_kind_of_dash_does_not_hide_a_stated_range() -> None:
    assert reply_holds("預定入選公告：113年3–4月（預定）", [["3-4月"]])
    assert not reply_holds("預定入選公告：113年3–5月", [["3-4月"]])


def test_a_missing_fact_fails_however_it_is_quoted() -> None:
    assert not reply_holds("設定為「不公開」也可以", [["設定為公開"]])
    assert not reply_holds("影片5分鐘以內", [["5分鐘"], ["公開"]])


def test_fallback_fails_a_faq_and_passes_out_of_scope() -> None:
    questions = [{"id": "f", "q": "A類截止？", "kind": "faq", "must": [["3月7日"]]},
                 {"id": "o", "q": "SBIR？", "kind": "out_of_scope"}]
    report = evaluate(questions, stateless(lambda q: ("fallback", "抱歉，這個問題我沒有把握回答")))
    assert [o.passed for o in report.outcomes] == [False, True]
    wrong = evaluate(questions[:1], stateless(lambda q: ("answer", "A類截止是2月22日")))
    assert wrong.confident_wrong == 1
