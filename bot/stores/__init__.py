"""Stores: conversation state (memory | Redis) and durable records (SQLite | PostgreSQL)."""


class StoreUnavailable(Exception):
    """A store did not answer (Redis or the database down). Callers must not lose the message:
    the Telegram webhook answers 503 so Telegram retries, the web chat tells the client to retry."""
