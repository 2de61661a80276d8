"""The webhook, in three parts: the HTTP endpoint that acknowledges (``endpoint.py``), the inbox
that keeps what was acknowledged (``inbox.py``), and the dispatcher that handles it
(``dispatcher.py``); ``events.py`` translates LINE's events into ours."""
