"""The référent console (`/console`): référents watch their Mission Locale's conversations, take one
over, answer as themselves, hand it back; admins (ARML) see every Mission Locale; the
communication role sees the figures only.

`setup_console(app, services, engine)` adds the routes to the service's aiohttp application.
Imports stay inside the function: `bot.console.tables` is imported by every migration, and must not
pull the web layer with it.
"""
from __future__ import annotations

from typing import Any


def setup_console(app: Any, services: Any, engine: Any, console_config: Any = None) -> Any:
    """Routes, live alerts (SSE, Telegram référents group) and `services.extra["referents_online"]`.

    Returns the Console object (also at `app["console"]`)."""
    from bot.console.web import Console
    console = Console(services, engine, console_config)
    console.install(app)
    return console
