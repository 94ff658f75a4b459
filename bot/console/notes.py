"""Private notes of the référents on a conversation: never shown to the jeune, never sent on a
channel, erased with the jeune's other personal data (a forget hook)."""
from __future__ import annotations

from sqlalchemy import delete, select

from bot.console.tables import notes
from bot.stores.records import _utc

MAX_NOTE = 4000


class NoteStore:
    def __init__(self, engine, clock):
        self.engine = engine
        self.clock = clock

    async def add(self, jeune_id: str, author, text: str) -> int:
        async with self.engine.begin() as conn:
            res = await conn.execute(notes.insert().values(
                jeune_id=jeune_id, at=self.clock.now(), author_id=author.id,
                author_name=author.name, text=text[:MAX_NOTE]))
            return res.inserted_primary_key[0]

    async def of(self, jeune_id: str) -> list[dict]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(notes).where(notes.c.jeune_id == jeune_id)
                                      .order_by(notes.c.id))
            return [{**dict(r._mapping), "at": _utc(r.at)} for r in rows]

    async def forget(self, jeune_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(notes).where(notes.c.jeune_id == jeune_id))
