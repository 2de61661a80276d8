"""The webhook, in four parts: the HTTP endpoint that acknowledges (``endpoint.py``), the writer
that appends acknowledged events to the inbox in shared commits (``inbox_writer.py``), the inbox
seen from the handling side (``inbox.py``), and the dispatcher that handles (``dispatcher.py``) —
in the handler process beside each web worker (``bot/handler.py``); ``events.py`` translates
LINE's events into ours."""
