"""Building an assistant for :mod:`bot.live_knowledge`, in a fork server.

This module is preloaded into the multiprocessing fork server of each web worker: importing it
loads the libraries, the shipped knowledge and the phonetic tables once, so every later build
forks with all of that ready and only builds the indexes — two or three seconds on another
core, while the worker keeps answering.
"""
from __future__ import annotations

import pickle
from typing import Any

from knowledge.assistant import Assistant
from knowledge.editing import apply
from knowledge.loader import default_knowledge
from knowledge.phonetic import load_phonetics

__all__ = ["build", "build_pickled"]

default_knowledge()
load_phonetics()


def build(overlay: dict[str, Any], out_of_scope: list[str]) -> Assistant:
    """The assistant over the shipped knowledge with these staff changes."""
    return Assistant(apply(default_knowledge(), overlay, out_of_scope=out_of_scope))


def build_pickled(overlay: dict[str, Any], out_of_scope: list[str]) -> bytes:
    """The built assistant, pickled to travel back (its indexes go as arrays)."""
    return pickle.dumps(build(overlay, out_of_scope), protocol=pickle.HIGHEST_PROTOCOL)
