"""Persistence: SQLAlchemy 2 models, the engine/session factory, and keyword-only data functions.

Nothing here knows about LINE; rows are keyed by the LINE user id as an opaque string.
"""
