"""Deciding what to say: LINE-free handlers that read an event and return replies and effects.

* ``registry.py`` — every handler, registered in order in one place; ``router.py`` — first
  match wins; ``filters.py`` — composable predicates (``TEXT & ~IN_GROUP``).
* ``events.py`` — the event as plain data; ``context.py`` — what a handler gets; ``replies.py``
  — what it says (reply models); ``effects.py`` — what should happen after the reply.
* One module per intent: ``faq.py`` (questions, taps on answers), ``greeting.py``,
  ``countdown.py``, ``subscriptions.py``, ``kpis.py``, ``privacy.py``; ``dialogs/`` — forms by chat.

Handlers import ``db/`` and ``knowledge/``, never ``bot/``.
"""
