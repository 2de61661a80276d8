"""Deciding what to say: routing LINE events to the FAQ, lookups, dialogs and commands.

``registry.build_router`` is the one place where every handler is registered, in order.
"""
