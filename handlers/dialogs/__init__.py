"""Guided forms by chat: ``chat.py`` (what starts a form, the live-form step, joining a cluster),
``machine.py`` (the state table), ``engine.py`` (its transitions), ``questions.py`` (how a question
is put), ``hooks.py`` (what particular forms do), ``summary.py`` and ``notice.py``."""
