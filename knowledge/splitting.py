"""Several questions in one message: 「A類幾家？B類呢？」, 「截止是哪天？要交哪些文件？」.

A message is cut at sentence ends (？ ? ！ ! 。 ； and line breaks), and at a comma only when
the next clause is plainly a new question leaning on the previous one («，那B類呢», «, and what
about the alliance?»). A single question that happens to contain 「，」 stays one question, and a
statement is never a question of its own: before a question it is that question's context
(«我們是國際主題聯盟的廠商。截止是哪天？»), after one it finishes it.
"""
from __future__ import annotations

import re

__all__ = ["asking_clause", "split_questions"]

_ENDS = re.compile(r"(?<=[？?！!。；;\n])")
_COMMA_FOLLOW_UP = re.compile(r"[，,、]\s*(?=(?:那麼?|那如果|至於|還有|另外|再來|以及|and what about|what about|how about|and for|also)\b|(?:那麼?|至於|還有|另外|再來)[^，,]{1,20}[呢嗎？?]\s*$)",
                              re.IGNORECASE)
#: «…, and what is the maximum funding?»: an English clause joined by "and" that asks anew.
_AND_QUESTION = re.compile(r",?\s+(?=and\s+(?:what|where|when|how|who|which|whether|is|are|can|could|do|does|did|should|must|will)\b)",
                           re.IGNORECASE)
_CONTENT = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
#: Where one question's clauses part: sentence ends (an English full stop before a space too)
#: and commas (not 、, which lists things).
_CLAUSE = re.compile(r"(?:[，,。；;！!？?\n]|\.(?=\s))+")
#: What makes a piece a question of its own: a question mark, a question word, a follow-up opener.
_ASKS = re.compile(
    r"[？?]|嗎|吗|呢|幾|几|多少|什麼|甚麼|什么|啥|哪|怎|如何|為何|為什麼|是否|能否|可否|可不可以|能不能|要不要|有沒有|會不會|是不是|"
    r"那麼?|至於|還有|另外|"
    r"(?i:\b(?:what|when|where|which|who|whom|whose|why|how|is|are|can|could|do|does|did|should|must|will|would|may|any)\b)"
)


def split_questions(text: str) -> list[str]:
    """The questions of a message, in order; never an empty or punctuation-only piece."""
    pieces: list[str] = []
    for sentence in _ENDS.split(text):
        for clause in _COMMA_FOLLOW_UP.split(sentence):
            parts = _AND_QUESTION.split(clause) if clause.rstrip().endswith("?") or "?" not in text else [clause]
            pieces.extend(parts if all(len(p.split()) >= 3 for p in parts) else [clause])
    questions: list[str] = []
    story = ""  # statements before any question: context for the question that follows
    for piece in (p.strip() for p in pieces if len(_CONTENT.findall(p)) >= 2):
        if _ASKS.search(piece):
            questions.append(f"{story} {piece}".strip())
            story = ""
        elif questions:
            questions[-1] = f"{questions[-1]} {piece}"  # «…close? date and time please»: one question
        else:
            story = f"{story} {piece}".strip()  # «We did the cluster last year. How many…?»
    if story:
        questions.append(story)
    return questions or ([text.strip()] if text.strip() else [])


def asking_clause(question: str) -> str | None:
    """The last clause of a question that asks («我們想…賣保健食品，至少要幾家？» → «至少要幾家»);
    None when the question is a single clause."""
    clauses = [c for c in _CLAUSE.split(question) if _CONTENT.search(c)]
    if len(clauses) < 2:
        return None
    return next((c for c in reversed(clauses) if _ASKS.search(c)), clauses[-1])
