"""The whole schema: every module that declares tables, imported here, then migrated at once.

Each store declares its tables on `bot.stores.db.metadata`; the wiring knows them all, so a
store never imports the capabilities or the console above it to learn the schema.
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

import bot.console.tables  # noqa: F401  (accounts, sessions, audit, notes)
import bot.posts.store  # noqa: F401  (weeks, publications)
import bot.rdv.store  # noqa: F401  (bookings, registrations)
import bot.stores.conversations  # noqa: F401  (the inbox)
import bot.stores.due_queue  # noqa: F401  (due messages)
import bot.stores.outbox  # noqa: F401  (replies waiting for their channel)
import bot.stores.records  # noqa: F401  (events, profiles, transcripts, handled messages)
import scheduler.runner  # noqa: F401  (the scheduler's leader lease)
from bot.stores import db


async def migrate(engine: AsyncEngine) -> list[int]:
    """Run the pending migration steps on the whole schema; returns the versions applied."""
    return await db.migrate(engine)
