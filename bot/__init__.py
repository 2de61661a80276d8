"""The composition root and every adapter: where LINE, HTTP and the clock meet the rest.

* ``app.py`` — the FastAPI app factory (``bot.app:app``); ``services.py`` — the long-lived
  objects of a process (database, assistant, clock, router); ``settings.py`` — configuration;
  ``__main__.py`` — the CLI (``serve``, ``ask``, ``unanswered``, ``staff-add``, ``migrate``);
  ``clock.py`` — the scheduler process; ``logs.py`` — logging without personal data;
  ``ratelimit.py`` — the per-user flood guard.
* ``webhook/`` — the endpoint that acknowledges, the inbox that keeps, the dispatcher that handles.
* ``handler.py`` — the handler process beside each web worker, which answers what it acknowledged.
* ``metrics.py`` — Prometheus counters and histograms shared by every process (``/metrics``).
* ``line/`` — the one LINE API client per process, the postback format, the renderer that alone
  knows LINE's message types and limits.
* ``outbox/`` — notices, reminders and the exactly-once delivery queue.
* ``admin/`` — the staff console and JSON API; ``dev/`` — the local chat page and LINE stand-in.
"""
