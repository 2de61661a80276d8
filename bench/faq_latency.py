"""FAQ latency per question, and how it grows when the knowledge base is replicated ×10, ×100."""
from __future__ import annotations

import time

from knowledge.assistant import Assistant
from knowledge.loader import KnowledgeBase, default_knowledge

__all__ = ["during_rebuild", "measure", "replicated"]


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


def during_rebuild(questions: list[str], *, isolated: bool, seconds: float = 6.0) -> tuple[list[float], float]:
    """Milliseconds per answer while staff's publish rebuilds the index, and how long the rebuild
    took. ``isolated``: the way the web workers do it (a fork-server process, unpickled in a
    thread); otherwise built in a thread of this process, for comparison."""
    import threading

    from bot.live_knowledge import _build_in_process, build, warm_builder

    assistant = Assistant(default_knowledge())
    if isolated:
        warm_builder()
        _build_in_process({}, [])  # the fork server is up and preloaded, as in a running worker
    done = threading.Event()
    took: list[float] = []

    def rebuild() -> None:
        started = time.perf_counter()
        (_build_in_process if isolated else build)({}, ["一個不回答的問題"])
        took.append(time.perf_counter() - started)
        done.set()

    samples: list[float] = []
    worker = threading.Thread(target=rebuild, daemon=True)
    worker.start()
    deadline = time.perf_counter() + seconds
    while not done.is_set() and time.perf_counter() < deadline:
        for q in questions:
            start = time.perf_counter()
            assistant.respond(q)
            samples.append((time.perf_counter() - start) * 1000)
            if done.is_set():
                break
    worker.join()
    return samples, took[0] if took else float("nan")
