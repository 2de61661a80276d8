"""LINE itself: the one API client per process, our postback format, and the renderer that turns
reply models into LINE messages — the only code that knows LINE's message types and limits."""
