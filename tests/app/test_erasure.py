"""Erasure complete from every door (issue 18): after it, no table and no Redis key holds the
jeune's id, channel address or first name; events and the console's audit entries stay, re-keyed
to the same random id; the appointment's place is free again and its reminders gone.

The jeune is real: they book an appointment through the chat (a booking, two reminders queued),
a référent writes a note, the console's audit log and alert relay mention them. Then one door
erases them: the chat ("supprime mes données" → « Oui, efface tout »), `insysteme forget`
(Engine.forget, what the command runs), or the retention purge of the scheduler.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

import bot.app.schema  # noqa: F401  (the whole schema on `metadata`, as in every process)
from bot.clock import FixedClock, PARIS
from bot.console.audit import AuditLog
from bot.console.notes import NoteStore
from bot.console.tables import relayed_alerts
from bot.messages import Incoming
from bot.rdv.store import slot_places
from bot.stores.db import metadata
from bot.stores.due_queue import DueQueue
from bot.stores.records import events
from scheduler.jobs import purge_retention
from tests.conftest import REDIS_URL
from tests.support import full_config, make_engine

ADDRESS = "erase-addr-5f3c2a91"
FIRST_NAME = "Zéphyrine"


class _Author:
    id, name = 1, "Camille"


async def _everything(services, redis_url: str, prefix: str) -> list[str]:
    """Every row of every table and every key (name and value) under the test's prefix, as text."""
    out: list[str] = []
    async with services.records.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                out.append(f"{table.name}: {tuple(row)!r}")
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        async for key in client.scan_iter(match=prefix + "*", count=500):
            kind = await client.type(key)
            value = (await client.get(key) if kind == "string" else
                     await client.lrange(key, 0, -1) if kind == "list" else
                     await client.hgetall(key) if kind == "hash" else kind)
            out.append(f"redis {key}: {value!r}")
    finally:
        await client.aclose()
    return out


@pytest.mark.parametrize("door", ["chat", "cli", "retention"])
async def test_erasure_leaves_nothing_of_the_jeune_anywhere(tmp_path, pg_url, door):
    clock = FixedClock(datetime(2026, 10, 20, 19, 0, tzinfo=PARIS))
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=pg_url, redis_url=REDIS_URL,
                                         redis_prefix=prefix)
    try:
        async def say(text="", **kw):
            return await engine.handle(Incoming("web", ADDRESS, text=text, at=clock.now(),
                                                message_id=f"web:{uuid.uuid4().hex[:12]}", **kw))

        await say("bonjour")
        jeune_id = engine.jeune_id("web", ADDRESS)
        # the jeune gave consent and a first name earlier (reperage), kept in profile and inbox
        await services.records.update_profile(jeune_id, consent=True, first_name=FIRST_NAME)
        await services.conversations.touch(jeune_id, "web", clock.now(), status="waiting",
                                           first_name=FIRST_NAME)
        await services.state.delete(engine.state_key(jeune_id))     # the profile read again
        await say("bonjour")
        await say(kind="button", button_value="rdv")
        await say("33000")
        replies = await say("le 26 octobre vers 14h")
        slot = replies[-1].buttons[0].value
        replies = await say(kind="button", button_value=slot)
        assert replies[-1].text.startswith("C'est noté")
        queue = DueQueue(services.records.engine, services.config.rdv.quiet)
        assert len(await queue.list(jeune_id=jeune_id)) == 2, "the reminders are queued"

        notes = NoteStore(services.records.engine, clock)
        await notes.add(jeune_id, _Author(), f"{FIRST_NAME} rappelle demain")
        audit = AuditLog(services.records.engine, clock)
        await audit.record("open", email="camille@ml.fr", jeune_id=jeune_id)
        async with services.records.engine.begin() as conn:
            await conn.execute(relayed_alerts.insert().values(
                key=f"crisis:{jeune_id}:{clock.now().isoformat()}", at=clock.now()))

        before = "\n".join(await _everything(services, REDIS_URL, prefix))
        assert jeune_id in before and ADDRESS in before and FIRST_NAME in before
        n_events = len(await services.records.list_events(jeune_id=jeune_id))

        if door == "chat":
            await say("supprime mes données")
            replies = await say(kind="button", button_value="oui")
        elif door == "cli":
            await engine.forget(jeune_id)
        else:
            clock.set(clock.now() + timedelta(days=services.config.settings.retention_days + 1))
            assert await purge_retention(services, clock.now()) == 1

        after = await _everything(services, REDIS_URL, prefix)
        left = [line for line in after
                if jeune_id in line or ADDRESS in line or FIRST_NAME in line]
        assert not left, "\n".join(left)
        async with services.records.engine.connect() as conn:
            anon = {r[0] for r in await conn.execute(select(events.c.jeune_id))}
            places = (await conn.execute(select(func.count()).select_from(slot_places))).scalar()
        assert len(anon) == 1 and next(iter(anon)).startswith("anon_")
        (anon_id,) = anon
        assert len(await services.records.list_events(jeune_id=anon_id)) >= n_events
        entries = await audit.entries(jeune_id=anon_id)
        assert [e["action"] for e in entries] == ["open"], "audit re-keyed like the events"
        assert places == 0, "the appointment's place is free again (bookings' erasure hook)"
        assert await queue.list(jeune_id=jeune_id) == []
    finally:
        await services.close()


async def test_emptied_erasure_hooks_leave_the_place_taken(tmp_path, pg_url):
    """The guard of the test above: without the bookings' hook, the place stays taken."""
    clock = FixedClock(datetime(2026, 10, 20, 19, 0, tzinfo=PARIS))
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=pg_url, redis_url=REDIS_URL,
                                         redis_prefix=prefix)
    try:
        async def say(text="", **kw):
            return await engine.handle(Incoming("web", ADDRESS, text=text, at=clock.now(), **kw))
        await say("bonjour")
        await say(kind="button", button_value="rdv")
        await say("33000")
        replies = await say("le 26 octobre vers 14h")
        await say(kind="button", button_value=replies[-1].buttons[0].value)
        services.forget_hooks.clear()
        await say("supprime mes données")
        await say(kind="button", button_value="oui")
        async with services.records.engine.connect() as conn:
            places = (await conn.execute(select(func.count()).select_from(slot_places))).scalar()
        assert places == 1
    finally:
        await services.close()
        client = aioredis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
