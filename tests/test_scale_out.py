"""Two web workers (two real `insysteme web` processes) behind the same Redis and PostgreSQL.

A load balancer may send one jeune's successive messages to either worker, and Telegram may deliver
the same update twice, to both: the conversation must stay one, in order, each message taken once.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.test_faults import (
    AGE_Q, COMMUNE_Q, CONSENT_Q, MENU_Q, Service, Telegram, api, private_redis, services,  # noqa: F401
    texts, wait_text,
)

pytestmark = pytest.mark.slow


async def test_two_workers_one_conversation_in_order_and_exactly_once(tmp_path, api, private_redis,
                                                                       pg_url, services):
    workers = [Service(tmp_path, api, pg_url, private_redis.url) for _ in range(2)]
    services.extend(workers)
    for worker in workers:               # one after the other: two first starts migrating at once collide
        await worker.start()
    posters = [Telegram(api, w) for w in workers]
    chats = [730_001 + i for i in range(8)]

    async def jeune(index: int, chat: int) -> None:
        steps = [(lambda: api.text_update(chat, "/start"), MENU_Q),
                 (lambda: api.callback_update(chat, "reperage"), CONSENT_Q),
                 (lambda: api.callback_update(chat, "oui"), AGE_Q),
                 (lambda: api.text_update(chat, "19"), COMMUNE_Q)]
        for step, (make, expect) in enumerate(steps):
            update = make()
            mark = api.mark()
            # the next message goes to the other worker; every other one is delivered to both at once
            first = posters[(index + step) % 2]
            if step % 2:
                await asyncio.gather(first.deliver(update), posters[(index + step + 1) % 2].deliver(update))
            else:
                await first.deliver(update)
            await wait_text(api, chat, expect, mark)

    await asyncio.gather(*(jeune(i, chat) for i, chat in enumerate(chats)))
    await api.wait_idle(quiet=1.0, timeout=15)
    for chat in chats:
        said = texts(api, chat)
        order = [q for t in said for q in (MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q) if q in t]
        assert order == [MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q], f"chat {chat}: {said}"
    for worker in workers:
        assert worker.proc.poll() is None


async def test_two_workers_a_burst_of_one_jeune_is_handled_in_arrival_order(tmp_path, api, private_redis,
                                                                           pg_url, services):
    """Messages of one jeune arriving together at both workers are handled one at a time: the
    conversation state never forks (each answer is read against the question before it)."""
    workers = [Service(tmp_path, api, pg_url, private_redis.url) for _ in range(2)]
    services.extend(workers)
    for worker in workers:               # one after the other: two first starts migrating at once collide
        await worker.start()
    posters = [Telegram(api, w) for w in workers]
    chat = 731_001
    for make, expect in ((lambda: api.text_update(chat, "/start"), MENU_Q),
                         (lambda: api.callback_update(chat, "reperage"), CONSENT_Q),
                         (lambda: api.callback_update(chat, "oui"), AGE_Q)):
        mark = api.mark()
        await posters[0].deliver(make())
        await wait_text(api, chat, expect, mark)
    # five copies of the same answer at once, spread over both workers: one is taken, once
    answer = api.text_update(chat, "19")
    mark = api.mark()
    await asyncio.gather(*(posters[i % 2].deliver(answer) for i in range(5)))
    await api.wait_idle(quiet=1.0, timeout=15)
    said = texts(api, chat, mark)
    assert sum(COMMUNE_Q in t for t in said) == 1, said
