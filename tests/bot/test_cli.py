"""``python -m bot``: the commands a newcomer and staff actually run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DEV_MODE", "ADMIN_TOKEN"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
        env={**clean, **(env or {})}, timeout=120,
    )


def test_ask_prints_one_json_object_without_credentials() -> None:
    result = run("ask", "A類截止是哪天？")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"text", "entry", "score", "fallback", "suggestions", "outcome", "answers", "lang"} <= set(data)
    assert "3月7日" in data["text"] and data["entry"] == "dc-deadline-a"
    assert 0 <= data["score"] <= 100 and data["fallback"] is False


def test_ask_reads_stdin_one_json_line_per_question_in_order() -> None:
    result = run("ask", stdin="B類截止？\n明天會下雨嗎\n\n竹山鎮第幾分群？\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert "2月22日" in lines[0]["text"]
    assert lines[1]["fallback"] is True and lines[1]["entry"] is None
    assert "分群3" in lines[2]["text"]


def test_ask_answers_english_social_turns_and_two_questions() -> None:
    result = run("ask", stdin="When is the Category A deadline?\n謝謝\nA類幾家？B類呢？\n")
    english, thanks, two = (json.loads(line) for line in result.stdout.splitlines())
    assert english["lang"] == "en" and "March 7, 2023" in english["text"]
    assert thanks["outcome"] == "social" and "不客氣" in thanks["text"] and not thanks["fallback"]
    assert [a["entry"] for a in two["answers"]] == ["dc-class-size-a", "dc-class-size-b"]


def test_ask_chat_mode_carries_follow_ups() -> None:
    result = run("ask", "--chat", stdin="A類截止是哪天？\n那B類呢？\n")
    second = json.loads(result.stdout.splitlines()[1])
    assert "2月22日" in second["text"]


def test_production_without_secrets_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    result = run("serve", "--production", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode == 2
    assert "LINE_CHANNEL_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_unanswered_lists_fallback_questions(tmp_path: Path) -> None:
    from bot.settings import Settings
    from db import questions
    from db.engine import Database

    url = f"sqlite:///{tmp_path / 'u.db'}"
    db = Database(Settings(_env_file=None, database_url=url).database_url)
    db.migrate()
    with db.session() as session:
        questions.record_unanswered(session=session, line_user_id="U1", text="勞保怎麼算", reason="fallback",
                               candidates=[["dc-funding", 12.0]])
    result = run("unanswered", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "勞保怎麼算" in result.stdout and "fallback" in result.stdout
