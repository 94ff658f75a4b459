"""kill -9 of the web process, twice, while 30 jeunes go through the repérage with Telegram's pacing on.

Issue 18 measured 150 questions never delivered across 95 jeunes: the webhook answered 200 once the
turn was committed, the replies waited in an in-memory paced queue and died with the process. Now
each turn's replies are rows of the durable outbox written in the turn's transaction, so every
question a jeune was meant to see arrives, from the process that wrote it or from the next one.

Telegram has no idempotency key: a reply whose send had started when the process died is sent
again (at least once); the test counts those duplicates and says so, it does not hide them.
"""
from __future__ import annotations

import asyncio
import random
import time

from sqlalchemy import func, select

from bot.stores.db import make_engine
from bot.stores.outbox import outbox as outbox_table
from tests.app.test_faults import (
    AGE_Q, COMMUNE_Q, CONSENT_Q, MENU_Q, WELCOME, Service, Telegram, api, press, private_redis,  # noqa: F401
    services, texts,  # noqa: F401
)

CHATS = 30


def _script(api, chat: int):
    """(update factory, fragment of the question that must come back) for each step."""
    return [(lambda: api.text_update(chat, "/start"), MENU_Q),
            (lambda: press(api, chat, "reperage"), CONSENT_Q),
            (lambda: press(api, chat, "oui"), AGE_Q),
            (lambda: api.text_update(chat, "19"), COMMUNE_Q)]


async def _outbox_left(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(outbox_table.c.status, func.count())
                                      .group_by(outbox_table.c.status))
            return {status: n for status, n in rows}
    finally:
        await engine.dispose()


async def test_kill_9_twice_during_120_turns_loses_no_question(
        tmp_path, api, private_redis, pg_url, services):
    holder = {"service": Service(tmp_path, api, pg_url, private_redis.url)}
    services.append(holder["service"])
    await holder["service"].start()
    tg = Telegram(api, holder["service"])
    rng = random.Random(18)
    chats = [810_000 + i for i in range(CHATS)]
    missing: list[tuple[int, str]] = []

    async def jeune(chat: int) -> None:
        await asyncio.sleep(rng.random() * 2)
        for make, expect in _script(api, chat):
            mark = api.mark()
            update = make()
            deadline = time.monotonic() + 90
            while True:
                tg.service = holder["service"]
                if await tg.post(update) == 200:
                    break
                assert time.monotonic() < deadline, f"update of {chat} never accepted"
                await asyncio.sleep(0.3)
            try:
                await api.wait_for("sendMessage", lambda c: c.chat_id == chat
                                   and expect in c.params.get("text", ""), timeout=45, since=mark)
            except (asyncio.TimeoutError, TimeoutError):
                missing.append((chat, expect))
                return

    async def killer() -> None:
        for pause in (3.0, 4.0):          # the process dies twice, in the middle of the traffic
            await asyncio.sleep(pause)
            holder["service"].kill9()
            fresh = Service(tmp_path, api, pg_url, private_redis.url, port=holder["service"].port)
            services.append(fresh)
            await fresh.start()
            holder["service"] = fresh

    kills = asyncio.create_task(killer())
    await asyncio.gather(*(jeune(chat) for chat in chats))
    await kills
    assert not missing, f"{len(missing)} questions never delivered: {missing[:5]}"
    # nobody was sent back to the start, and every turn's replies left the table
    for chat in chats:
        got = texts(api, chat)
        later = next(i for i, t in enumerate(got) if CONSENT_Q in t)
        assert not any(WELCOME in t for t in got[later:]), f"a conversation started over: {got}"
    await api.wait_idle(quiet=1.5, timeout=30)
    left = await _outbox_left(pg_url)
    assert left.get("pending", 0) == 0 and left.get("claimed", 0) == 0, left
    sent = [c for c in api.calls if c.method == "sendMessage" and c.ok and c.chat_id in chats]
    seen: dict[tuple[int, str], int] = {}
    for c in sent:
        seen[(c.chat_id, c.params.get("text", ""))] = seen.get((c.chat_id, c.params.get("text", "")), 0) + 1
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    print(f"\n{len(sent)} messages to {CHATS} jeunes over 2 kills; {duplicates} sent twice "
          "(at least once: a send in flight when the process died)")
    # duplicates are bounded by the sends in flight at the two kills, never a replay of everything
    assert duplicates <= 2 * CHATS, duplicates
