"""Storage: the only package that writes a query. It imports at most ``knowledge/``.

* ``engine.py`` — engine and unit of work; ``models.py`` — the tables; ``migrate.py`` and
  ``migrations/`` — Alembic.
* One repository module per aggregate, all keyword-only: ``users.py``, ``questions.py``
  (unanswered questions, feedback), ``forms.py`` (form sessions, answers, evidence),
  ``clusters.py``, ``subscriptions.py``, ``audience.py`` (who a notice reaches), ``notices.py``,
  ``deliveries.py`` (the send queue), ``inbox.py`` (webhook events), ``calendar.py``, ``audit.py``,
  ``staff.py``, and ``erase.py`` (刪除我的資料).
"""
