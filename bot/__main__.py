"""Command line: ``python -m bot serve | ask | unanswered | richmenu | staff-add | migrate``.

* ``serve`` — run the assistant locally: dev mode, SQLite, a built-in LINE API stand-in and the
  chat page at http://127.0.0.1:8000/dev/chat (no LINE channel needed). ``--production`` runs
  with the real configuration instead.
* ``ask "問題"`` — answer one question as JSON; without a question, one JSON line per stdin line.
  Needs no network and no LINE credentials. ``--chat`` carries follow-up context across lines.
* ``unanswered`` — the questions that fell to the fallback or were marked unhelpful.
* ``richmenu`` — draw the six-button menu and make it the channel's default (replaces the old one).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["main"]


def _answer_json(answer: Any) -> dict[str, Any]:
    return {
        "kind": answer.kind,
        "text": answer.text,
        "entry": answer.entry_id,
        "score": round(float(answer.score), 1),
        "lang": answer.lang,
        "intent": answer.intent,
        "fallback": answer.fallback,
        "suggestions": answer.suggestions,
    }


def _response_json(response: Any) -> dict[str, Any]:
    """One JSON object per message: the first answer's fields at the top (as before), the
    outcome of the whole reply, and every answer when the message held several questions."""
    first = _answer_json(response.answers[0])
    return {**first, "outcome": response.outcome, "answers": [_answer_json(a) for a in response.answers]}


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.live_knowledge import default_assistant
    from knowledge.assistant import Context

    assistant = default_assistant()
    if args.question:
        print(json.dumps(_response_json(assistant.respond(" ".join(args.question))), ensure_ascii=False))
        return 0
    context = Context()
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        response = assistant.respond(question, context if args.chat else None)
        if args.chat:
            context = response.context
        print(json.dumps(_response_json(response), ensure_ascii=False), flush=True)
    return 0


def cmd_unanswered(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from db import questions
    from db.engine import Database

    settings = get_settings()
    db = Database(settings.database_url)
    db.ready(dev_mode=settings.dev_mode)
    with db.session() as session:
        rows = questions.list_unanswered(session=session, limit=args.limit)
        if args.json:
            for row in rows:
                print(json.dumps({"time": row.created_at.isoformat(), "reason": row.reason, "text": row.text,
                                  "candidates": row.candidates}, ensure_ascii=False))
        else:
            if not rows:
                print("沒有待檢視的問題。")
            for row in rows:
                best = ", ".join(f"{c[0]}({c[1]})" for c in (row.candidates or [])[:3])
                print(f"{row.created_at:%Y-%m-%d %H:%M}  [{row.reason}]  {row.text}  → {best or '—'}")
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    """Create or reset a staff console account."""
    import getpass

    from bot.admin.sessions import hash_password
    from bot.settings import get_settings
    from db import staff
    from db.engine import Database

    password = args.password or getpass.getpass(f"password for {args.username}: ")
    if len(password) < 10:
        print("error: use a password of at least 10 characters", file=sys.stderr)
        return 2
    settings = get_settings()
    db = Database(settings.database_url)
    db.ready(dev_mode=settings.dev_mode)
    with db.session() as session:
        staff.set_account(session=session, username=args.username, password_hash=hash_password(password),
                          role=args.role)
    print(f"staff account {args.username} saved ({args.role}); its old sessions, if any, are ended")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if not args.production:
        os.environ.setdefault("DEV_MODE", "1")
        os.environ.setdefault("LINE_API_BASE_URL", f"http://127.0.0.1:{args.port}/dev/line-api")
        os.environ.setdefault("LINE_DATA_API_BASE_URL", os.environ["LINE_API_BASE_URL"])
        print(f"計畫小幫手 running in dev mode → open http://127.0.0.1:{args.port}/dev/chat", flush=True)
    from bot.settings import ConfigError, get_settings
    from db.engine import Database
    from db.migrate import SchemaOutOfDate

    try:
        settings = get_settings()
        settings.check_production()
        Database(settings.database_url).ready(dev_mode=settings.dev_mode)
    except (ConfigError, SchemaOutOfDate) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run("bot.app:app", host=args.host, port=args.port, workers=args.workers, log_level="info")
    return 0


def cmd_richmenu(args: argparse.Namespace) -> int:
    """Draw the rich menu and install it on the channel (replacing the old one), or only save the image."""
    import asyncio

    from bot.line import richmenu

    if args.out:
        with open(args.out, "wb") as out:
            out.write(richmenu.draw())
        print(f"rich menu image written to {args.out} ({richmenu.WIDTH}×{richmenu.HEIGHT})")
        return 0
    from bot.line.client import LineClient, LineError
    from bot.settings import get_settings

    settings = get_settings()
    if not settings.line_channel_access_token.strip():
        print("error: set LINE_CHANNEL_ACCESS_TOKEN (the channel's long-lived token) to install the rich menu; "
              "in dev mode `python -m bot serve` installs it into the built-in stand-in by itself.", file=sys.stderr)
        return 2

    async def install() -> str:
        line = LineClient(settings)
        try:
            return await richmenu.install(line)
        finally:
            await line.close()

    try:
        menu_id = asyncio.run(install())
    except (LineError, richmenu.RichMenuError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"rich menu {menu_id} installed as the default for every user")
    return 0


def cmd_knowledge_export(args: argparse.Namespace) -> int:
    """Write the live knowledge (shipped YAML + what staff published) as YAML files, for review in git.

    Entries keep the file they were shipped in; entries staff added go to ``staff.yaml``; questions
    marked out of scope to ``out_of_scope.yaml``. Retired entries are left out.
    """
    from pathlib import Path

    from bot.settings import get_settings
    from db import knowledge as staff_knowledge
    from db.engine import Database
    from db.migrate import SchemaOutOfDate
    from knowledge.editing import apply, as_dict, to_yaml
    from knowledge.loader import DATA_DIR, default_knowledge, read_yaml

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        db.ready(dev_mode=settings.dev_mode)
    except SchemaOutOfDate as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with db.session() as session:
        overlay, scope = staff_knowledge.live(session=session), staff_knowledge.out_of_scope(session=session)
        version = staff_knowledge.version(session=session)
    kb = apply(default_knowledge(), overlay, out_of_scope=scope)
    home = {}
    for path in sorted((DATA_DIR / "faq").glob("*.yaml")):
        for item in read_yaml(path.read_text(encoding="utf-8")) or []:
            home[item["id"]] = path.name
    files: dict[str, list] = {}
    for entry in kb.entries:
        files.setdefault(home.get(entry.id, "staff.yaml"), []).append(as_dict(entry))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, entries in sorted(files.items()):
        header = f"# Exported from the live knowledge (version {version}); shipped file: knowledge/faq/{name}\n"
        (out / name).write_text(header + to_yaml(entries), encoding="utf-8")
    if scope:
        (out / "out_of_scope.yaml").write_text(to_yaml([{"text": t} for t in scope]), encoding="utf-8")
    print(f"{len(kb.entries)} entries (version {version}) written to {out}/ in {len(files)} files")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """``alembic upgrade head`` with the app's settings."""
    from bot.settings import get_settings
    from db.engine import Database

    Database(get_settings().database_url).migrate()
    print("database schema is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the assistant (dev mode unless --production)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--production", action="store_true", help="use the real configuration (no dev pages)")
    serve.set_defaults(func=cmd_serve)
    ask = sub.add_parser("ask", help="answer a question (or stdin lines) as JSON")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--chat", action="store_true", help="stdin lines are one conversation (follow-ups)")
    ask.set_defaults(func=cmd_ask)
    unanswered = sub.add_parser("unanswered", help="list questions the assistant could not answer")
    unanswered.add_argument("--limit", type=int, default=100)
    unanswered.add_argument("--json", action="store_true")
    unanswered.set_defaults(func=cmd_unanswered)
    staff = sub.add_parser("staff-add", help="create or reset a staff console account")
    staff.add_argument("username")
    staff.add_argument("--password", help="(prompted when omitted)")
    staff.add_argument("--role", choices=("viewer", "editor", "admin"), default="editor",
                       help="viewer: reports and exports; editor: also knowledge, calendar, notices, handoffs; "
                            "admin: also accounts (default: editor)")
    staff.set_defaults(func=cmd_staff_add)
    knowledge = sub.add_parser("knowledge", help="the live knowledge: `knowledge export --out DIR` writes it as YAML")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    export = knowledge_sub.add_parser("export", help="write the shipped knowledge with staff changes as YAML files")
    export.add_argument("--out", default="knowledge-export", help="directory to write (default: knowledge-export)")
    export.set_defaults(func=cmd_knowledge_export)
    menu = sub.add_parser("richmenu", help="install the rich menu on the LINE channel (idempotent)")
    menu.add_argument("--out", help="only write the menu image to this PNG file")
    menu.set_defaults(func=cmd_richmenu)
    migrate = sub.add_parser("migrate", help="bring the database schema up to date (alembic upgrade head)")
    migrate.set_defaults(func=cmd_migrate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
