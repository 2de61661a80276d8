"""The program assistant's web service: FastAPI app, LINE webhook, settings, LINE client, CLI."""
