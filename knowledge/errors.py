"""The one root of every error the project raises on purpose.

Catching :class:`AssistantError` catches anything we raise knowingly; anything else is a bug.
Each error's message is written for the person who will read it: a staff member, an operator,
or (translated into a polite reply) a user. ::

    AssistantError
    ├── KnowledgeError      a data file is missing, malformed or inconsistent   (knowledge/loader.py)
    ├── InvalidAnswer       a form answer cannot be accepted as typed            (knowledge/answers.py)
    ├── NoticeError         a notice cannot be sent as written                   (knowledge/notices.py)
    ├── AudienceError       an audience spec names nothing we know               (knowledge/notices.py)
    ├── SchemaOutOfDate     the database is not at the code's migration head     (db/migrate.py)
    ├── ConfigError         the configuration cannot run in this mode            (bot/settings.py)
    ├── BadPayload          a signed webhook body is not a webhook payload       (bot/webhook/endpoint.py)
    └── LineError           a LINE API call failed (``status`` says how)         (bot/line/client.py)
"""
from __future__ import annotations

__all__ = ["AssistantError"]


class AssistantError(Exception):
    """An error the project raises on purpose; the message says what to do about it."""
