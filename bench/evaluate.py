"""``python -m bench.evaluate [--dev] [--heldout] [--failures]``: answer quality per set, kind,
language and style. Failures are printed for dev sets only: held-out sets are run, never read.
"""
from __future__ import annotations

import argparse
import sys

from bench.quality import Answerer, Report, evaluate
from bench.sets import dev_sets, heldout_sets
from knowledge.assistant import Assistant, Context

__all__ = ["assistant_answerer", "main", "summary_lines"]


def assistant_answerer(assistant: Assistant) -> Answerer:
    def ask(question: str, state: Context | None) -> tuple[str, str, Context]:
        response = assistant.respond(question, state or Context())
        return response.outcome, response.text, response.context

    return ask


def summary_lines(name: str, report: Report) -> list[str]:
    lines = [f"{name}: {sum(o.passed for o in report.outcomes)}/{len(report.outcomes)} passed "
             f"({report.pass_rate:.1%}), {report.confident_wrong} confident wrong"]
    for attr in ("lang", "kind", "style"):
        cells = [f"{k} {p}/{n}" + (f" ({w} wrong)" if w else "") for k, (n, p, w) in report.by(attr).items()]
        lines.append(f"  by {attr}: " + " · ".join(cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate")
    parser.add_argument("--dev", action="store_true")
    parser.add_argument("--heldout", action="store_true")
    parser.add_argument("--failures", action="store_true", help="print dev failures")
    args = parser.parse_args(argv)
    from knowledge.loader import default_knowledge

    assistant = Assistant(default_knowledge())
    answerer = assistant_answerer(assistant)
    chosen = {}
    if args.dev or not args.heldout:
        chosen.update(dev_sets())
    if args.heldout:
        chosen.update(heldout_sets())
    for name, questions in chosen.items():
        report = evaluate(questions, answerer)
        print("\n".join(summary_lines(name, report)))
        if args.failures and name.startswith("dev/"):
            for o in report.failures():
                flat = o.reply[:160].replace("\n", " / ")
                print(f"    ✗ {o.id} [{o.kind}/{o.lang}/{o.style}] {o.question}\n        → {o.reply_kind}: {flat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
