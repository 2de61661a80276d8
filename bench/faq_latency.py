"""FAQ latency per question, and how it grows when the knowledge base is replicated ×10, ×100."""
from __future__ import annotations

import time

from knowledge.assistant import Assistant
from knowledge.loader import KnowledgeBase

__all__ = ["measure", "replicated"]


def replicated(kb: KnowledgeBase, factor: int) -> KnowledgeBase:
    """The knowledge base with every entry copied ``factor`` times under new ids."""
    if factor == 1:
        return kb
    entries = tuple(e.model_copy(update={"id": f"{e.id}-r{n}"}) if n else e for n in range(factor) for e in kb.entries)
    return kb.model_copy(update={"entries": entries})


def measure(kb: KnowledgeBase, questions: list[str], *, repeat: int = 3) -> list[float]:
    """Milliseconds per answer (after one warm-up pass), over ``repeat`` passes."""
    assistant = Assistant(kb)
    for q in questions:
        assistant.respond(q)
    samples = []
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter()
            assistant.respond(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples
