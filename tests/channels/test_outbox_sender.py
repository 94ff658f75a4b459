"""The sender of the durable outbox: a turn's replies survive the process, go out in order, crisis
first, retried while the channel fails; exactly once into the web chat's mailbox, at least once to
Telegram (which has no idempotency key); a STOP said before a reminder leaves wins."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from aiohttp import web
from aiolimiter import AsyncLimiter

from bot.channels.outbox import Outbox
from bot.channels.telegram import TelegramChannel, _InTurn
from bot.channels.web import WebChannel
from bot.clock import PARIS, FixedClock
from bot.messages import Incoming, Reply
from bot.stores.outbox import outbox as outbox_table
from bot.stores.outbox import BACKGROUND, CONVERSATION, CRISIS, FAILED, PENDING, NewReply
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import full_config, make_engine

NOW = datetime(2026, 11, 24, 23, 0, tzinfo=PARIS)


class Durable:
    """A channel as the outbox sees it, that can fail on demand; no `was_delivered` (like Telegram)."""
    durable = True

    def __init__(self, name="telegram"):
        self.name = name
        self.sent: list[tuple[str, str, int | None]] = []
        self.failing = 0
        self.blocked: set[str] = set()

    async def send(self, address, replies, *, key=None, lane=None):
        if self.failing:
            self.failing -= 1
            raise ConnectionError("502 Bad Gateway")
        if address in self.blocked:
            return False
        self.sent += [(address, r.text, lane) for r in replies]
        return True


@pytest.fixture
async def stack(tmp_path, database_url):
    clock = FixedClock(NOW)
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=database_url)
    channel = Durable()
    services.outbox.register(channel)
    yield engine, services, channel, clock
    await services.close()


def other_process(services, channel, clock) -> Outbox:
    """What starts after a kill -9: the same tables, another worker."""
    outbox = Outbox(services.records, services.outbox.store, clock=clock)
    outbox.register(channel)
    return outbox


async def say(engine, clock, text, address="42", **kw):
    return await engine.handle(Incoming("telegram", address, text=text, at=clock.now(), **kw))


async def said(engine, services, clock, text, **kw):
    """A turn, then the flush its channel does after it."""
    replies = await say(engine, clock, text, **kw)
    await services.outbox.flush("telegram", "42", [r.queued for r in replies if r.queued is not True])
    return replies


async def test_a_turns_replies_are_committed_with_it_and_survive_the_process(stack):
    engine, services, channel, clock = stack
    replies = await say(engine, clock, "bonjour", message_id="tg:1")
    assert replies and all(r.queued for r in replies)
    # committed with the turn, claimed by this process for the send that follows the turn
    rows = await services.outbox.store.rows()
    assert [r["payload"]["text"] for r in rows] == [r.text for r in replies]
    assert {r["status"] for r in rows} == {"claimed"}
    assert channel.sent == []          # the process "dies" here, before anything was sent
    survivor = other_process(services, channel, clock)
    clock.advance(seconds=5)
    assert await survivor.sweep_once() == 0                 # the dead worker's lease still runs
    clock.advance(seconds=6)
    assert await survivor.sweep_once() == len(replies)
    assert [t for _a, t, _l in channel.sent] == [r.text for r in replies]
    assert await services.outbox.store.rows() == []
    # the redelivered update (Telegram had no 200) writes nothing twice and sends nothing twice
    again = await say(engine, clock, "bonjour", message_id="tg:1")
    assert again == [] or all(r.queued for r in again)
    await survivor.sweep_once()
    assert len(channel.sent) == len(replies)


async def test_a_turn_queues_behind_rows_still_waiting_for_its_address(stack):
    """After a crash the next turn's answer must not overtake the question the jeune never saw."""
    engine, services, channel, clock = stack
    first = await say(engine, clock, "bonjour", message_id="tg:1")        # never sent: "crash"
    async with services.records.engine.begin() as conn:                 # …of the process holding it
        await conn.execute(outbox_table.update().values(claimed_by="dead-worker"))
    clock.advance(seconds=11)
    second = await say(engine, clock, "c quoi le cej", message_id="tg:2")
    assert {r["status"] for r in await services.outbox.store.rows()} == {"claimed", "pending"}
    await services.outbox.flush("telegram", "42", [r.queued for r in second])
    assert [t for _a, t, _l in channel.sent] == [r.text for r in first + second]


async def test_web_mailbox_gets_a_row_exactly_once_across_a_crash(tmp_path, database_url):
    clock = FixedClock(NOW)
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=database_url)
    try:
        web_channel = WebChannel(engine, services.state, clock)
        services.outbox.register(web_channel)
        session = "s" * 20
        replies = await engine.handle(Incoming("web", session, text="bonjour", at=clock.now()))
        store = services.outbox.store
        first = (await store.rows())[0]
        # the mailbox took the first reply, then the process died before marking it sent
        await web_channel.send(session, [Reply.from_payload(first["payload"])], key=f"o{first['id']}")
        clock.advance(seconds=11)
        survivor = other_process(services, web_channel, clock)
        await survivor.sweep_once()
        box = [item for _seq, item in await services.state.mailbox_read(web_channel.mailbox(session))]
        assert [i["text"] for i in box] == [r.text for r in replies]      # each once, in order
        assert await store.rows() == []
    finally:
        await services.close()


async def test_crisis_first_then_conversation_then_background(stack):
    _engine, services, _channel, clock = stack
    channel = Durable()
    outbox = Outbox(services.records, services.outbox.store, clock=clock, background_slots=1,
                    address_slots=1)
    outbox.register(channel)
    items = []
    for i in range(3):
        items.append(NewReply("telegram", f"b{i}", Reply(f"rappel {i}").to_payload(), lane=BACKGROUND))
    items.append(NewReply("telegram", "c1", Reply("question").to_payload(), lane=CONVERSATION))
    items.append(NewReply("telegram", "x1", Reply("appelle le 3114").to_payload(), lane=CRISIS))
    await services.outbox.store.add(items, clock.now())
    clock.advance(seconds=4)
    await outbox.sweep_once()
    texts = [t for _a, t, _l in channel.sent]
    assert texts[0] == "appelle le 3114"
    # background rows have slots of their own: they never take a conversation's, and the
    # conversation reply does not wait for the reminders to be done
    assert texts.index("question") < texts.index("rappel 2")
    lanes = {t: lane for _a, t, lane in channel.sent}
    assert lanes == {"appelle le 3114": CRISIS, "question": CONVERSATION,
                     **{f"rappel {i}": BACKGROUND for i in range(3)}}


async def test_a_failing_channel_is_retried_with_backoff_then_delivered_in_order(stack):
    engine, services, channel, clock = stack
    channel.failing = 3
    replies = await say(engine, clock, "bonjour", message_id="tg:1")
    outbox = services.outbox
    assert await outbox.flush("telegram", "42", [r.queued for r in replies]) == 0
    [row, *_] = await outbox.store.rows()
    assert row["status"] == PENDING and row["not_before"] is not None
    for _ in range(6):                  # 1 s, 2 s, 4 s… of backoff on the injected clock
        clock.advance(seconds=5)
        await outbox.sweep_once()
    assert [t for _a, t, _l in channel.sent] == [r.text for r in replies]
    assert outbox.retried >= 3


async def test_a_reminder_is_not_sent_when_stop_came_before_it_left(stack):
    engine, services, channel, clock = stack
    await said(engine, services, clock, "bonjour", message_id="tg:1")
    jeune_id = engine.jeune_id("telegram", "42")
    channel.failing = 1                      # Telegram is down when the reminder is handed over
    assert await services.outbox.deliver(jeune_id, [Reply("Rappel : demain 14h")], key="rdv:b1:j-1")
    assert not any("Rappel" in t for _a, t, _l in channel.sent)
    await said(engine, services, clock, "STOP", message_id="tg:2")
    clock.advance(minutes=5)
    await services.outbox.sweep_once()
    assert not any("Rappel" in t for _a, t, _l in channel.sent), "a reminder went out after STOP"
    [kept] = [r for r in await services.outbox.store.rows() if r["key"]]
    assert kept["status"] == FAILED and "stopped" in kept["last_error"]
    # handed over again (the due queue re-claimed it after a crash): nothing is written twice
    assert await services.outbox.was_handed_over("rdv:b1:j-1")


async def test_a_blocked_jeune_fails_once_not_forever(stack):
    engine, services, channel, clock = stack
    channel.blocked.add("42")
    await said(engine, services, clock, "bonjour", message_id="tg:1")
    rows = await services.outbox.store.rows()
    assert rows and {r["status"] for r in rows} == {FAILED}
    clock.advance(minutes=5)
    assert await services.outbox.sweep_once() == 0


async def test_telegram_overall_rate_goes_to_the_lowest_lane_first():
    gate = _InTurn(AsyncLimiter(1, 0.05))
    order: list[int] = []

    async def take(lane: int) -> None:
        await gate.acquire(lane)
        order.append(lane)

    await gate.acquire(1)                       # the bucket is now empty
    tasks = []
    for lane in (2, 2, 1, 0, 2, 1):
        tasks.append(asyncio.create_task(take(lane)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    # the first one was already waiting inside the bucket; the others were served lane by lane
    assert order == [2, 0, 1, 1, 2, 2], order


async def test_telegram_down_for_a_while_replies_arrive_when_it_is_back(tmp_path, database_url):
    """The real channel against the fake Bot API: 502s for longer than the channel's own retries.
    Before the durable outbox these replies were logged "lost after retries"."""
    clock = FixedClock(NOW)
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=database_url)
    async with FakeBotAPI(clock=clock) as api:
        channel = TelegramChannel(api.token, api.url, engine, webhook_secret="s" * 20,
                                  public_url="http://127.0.0.1:9", clock=clock, retry_backoff=0.01)
        app = web.Application()
        channel.add_routes(app)
        services.outbox.register(channel)
        await channel.bot.initialize()
        try:
            api.fail_next("sendMessage", 502, times=8)
            await channel.process_update(api.text_update(4242, "bonjour"))
            await channel.drain()
            assert api.sent(4242) == []
            assert await services.outbox.store.rows(PENDING)
            for _ in range(8):
                clock.advance(seconds=10)
                await services.outbox.sweep_once()
            sent = api.sent(4242)
            assert sent and "Salut" in sent[0], sent
            assert await services.outbox.store.rows() == []
        finally:
            await channel.bot.shutdown()
            await services.close()


async def test_a_referents_reply_says_whether_it_will_arrive(stack):
    """The console tells the référent "envoyé" or "non remis": sent now or kept for a retry is
    True; every row failed (the jeune blocked the bot) is False."""
    engine, services, channel, clock = stack
    await said(engine, services, clock, "bonjour", message_id="tg:1")
    jeune_id = engine.jeune_id("telegram", "42")
    assert await services.outbox.deliver(jeune_id, [Reply("Bonjour, c'est Camille")], force=True)
    assert channel.sent[-1][1] == "Bonjour, c'est Camille" and channel.sent[-1][2] == CONVERSATION
    channel.failing = 1
    assert await services.outbox.deliver(jeune_id, [Reply("Tu es là ?")], force=True)   # retried
    channel.blocked.add("42")
    assert not await services.outbox.deliver(jeune_id, [Reply("Je reste dispo")], force=True)


async def test_a_message_refused_for_good_fails_at_once_and_the_next_ones_go(stack):
    engine, services, channel, clock = stack

    class Refused(Exception):
        pass
    channel.permanent_error = lambda err: isinstance(err, Refused)
    real_send = channel.send

    async def send(address, replies, **kw):
        if replies[0].text == "bad":
            raise Refused("400 Bad Request: can't parse entities")
        return await real_send(address, replies, **kw)
    channel.send = send
    await said(engine, services, clock, "bonjour", message_id="tg:1")
    jeune_id = engine.jeune_id("telegram", "42")
    await services.outbox.deliver(jeune_id, [Reply("bad"), Reply("good")], force=True)
    assert channel.sent[-1][1] == "good"
    [failed] = await services.outbox.store.rows(FAILED)
    assert "refused" in failed["last_error"] and failed["payload"]["text"] == "bad"
