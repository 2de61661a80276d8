"""The program's knowledge: data files plus loading, validation and retrieval.

Nothing in this package knows about LINE: it turns a question into facts, and the handlers turn
facts into messages.
"""
