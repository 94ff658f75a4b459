"""The durable outbox's table on SQLite and PostgreSQL: rows written with the turn, claims that keep
one address to one worker and its order, leases a dead worker loses, idempotent hand-over by key."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.clock import PARIS
from bot.messages import Reply
from bot.stores.outbox import (
    BACKGROUND, CONVERSATION, CRISIS, PENDING, SENT, NewReply, OutboxStore,
)

NOW = datetime(2026, 11, 24, 23, 0, tzinfo=PARIS)
LEASE = 10.0


def rows(address: str, *lanes: int, channel: str = "telegram", **kw) -> list[NewReply]:
    return [NewReply(channel, address, Reply(f"{address}-{i}").to_payload(), lane=lane, **kw)
            for i, lane in enumerate(lanes)]


async def test_rows_written_in_the_turns_transaction_or_not_at_all(records):
    store = OutboxStore(records.engine)
    out = rows("100", CONVERSATION, CONVERSATION, jeune_id="j1")
    saved = await records.save_turn([], jeune_id="j1", replies=out, message_id="tg:1", at=NOW)
    assert saved == [] and all(r.id for r in out)
    assert [r["payload"]["text"] for r in await store.rows(PENDING)] == ["100-0", "100-1"]
    # the same message again (a redelivery after a crash that followed the commit): nothing more
    again = rows("100", CONVERSATION, jeune_id="j1")
    assert await records.save_turn([], jeune_id="j1", replies=again, message_id="tg:1", at=NOW) is None
    assert len(await store.rows()) == 2 and again[0].id is None


async def test_a_claim_takes_an_address_whole_and_in_order(records):
    store = OutboxStore(records.engine)
    await store.add(rows("a", CONVERSATION, CRISIS, CONVERSATION) + rows("b", BACKGROUND), NOW)
    got = await store.claim_address("telegram", "a", "w1", NOW, LEASE)
    assert [r.payload["text"] for r in got] == ["a-1", "a-0", "a-2"]      # crisis first, then in order
    # another worker gets nothing of "a" while w1's lease lives, not even a row written since
    await store.add(rows("a", CONVERSATION), NOW)
    assert await store.claim_address("telegram", "a", "w2", NOW, LEASE) == []
    swept = await store.claim_ready(["telegram"], "w2", NOW + timedelta(seconds=5), LEASE,
                                    older_than=timedelta(seconds=3))
    assert [r.address for r in swept] == ["b"]
    # w1 dies: once its lease ran out, w2 takes the address, the rows it had started included
    assert await store.started(got[0], "w1", NOW, LEASE)
    later = NOW + timedelta(seconds=LEASE + 1)
    taken = await store.claim_address("telegram", "a", "w2", later, LEASE)
    assert [r.payload["text"] for r in taken] == ["a-1", "a-0", "a-2", "a-0"]
    assert taken[0].send_started_at is not None and taken[1].send_started_at is None
    # the dead worker's late outcome is refused: w2 holds the rows now
    assert not await store.finish(got[0], "w1", later)
    assert await store.finish(taken[0], "w2", later)
    assert {r["id"] for r in await store.rows()} == {r.id for r in taken[1:]} | {swept[0].id}


async def test_lease_renewed_while_alive_and_retry_waits(records):
    store = OutboxStore(records.engine)
    await store.add(rows("a", CONVERSATION, CONVERSATION), NOW)
    got = await store.claim_address("telegram", "a", "w1", NOW, LEASE)
    assert await store.renew("w1", NOW + timedelta(seconds=8), LEASE) == 2
    assert await store.claim_address("telegram", "a", "w2", NOW + timedelta(seconds=15), LEASE) == []
    await store.retry([r.id for r in got], "w1", NOW + timedelta(seconds=30), "HTTP 502")
    assert {r["status"] for r in await store.rows()} == {PENDING}
    assert await store.claim_address("telegram", "a", "w2", NOW + timedelta(seconds=29), LEASE) == []
    assert len(await store.claim_address("telegram", "a", "w2", NOW + timedelta(seconds=30), LEASE)) == 2


async def test_hand_over_by_key_is_idempotent_and_kept_once_sent(records):
    store = OutboxStore(records.engine)
    first = rows("a", BACKGROUND, key="rdv:b1:j-1#0@telegram:a")
    await store.add(first, NOW)
    second = rows("a", BACKGROUND, key="rdv:b1:j-1#0@telegram:a")
    await store.add(second, NOW)
    assert first[0].id is not None and second[0].id is None
    (row,) = await store.claim_address("telegram", "a", "w1", NOW, LEASE)
    assert await store.started(row, "w1", NOW, LEASE)
    assert await store.finish(row, "w1", NOW, SENT)
    assert [r["status"] for r in await store.rows()] == [SENT]       # kept: the key still answers
    assert await store.has_key_prefix("rdv:b1:j-1#")
    assert await store.purge_done(NOW + timedelta(days=31)) == 1


async def test_two_workers_racing_never_share_an_address(records):
    store = OutboxStore(records.engine)
    for address in "abcdefgh":
        await store.add(rows(address, CONVERSATION, CONVERSATION, CONVERSATION), NOW)
    claims = await asyncio.gather(*(store.claim_ready(["telegram"], f"w{i}", NOW + timedelta(seconds=5),
                                                      LEASE, older_than=timedelta(0), limit=7)
                                    for i in range(4)))
    owners: dict[str, set[str]] = {}
    for worker, got in enumerate(claims):
        for row in got:
            owners.setdefault(row.address, set()).add(f"w{worker}")
    assert all(len(o) == 1 for o in owners.values()), owners
    assert sum(len(g) for g in claims) == len({r.id for g in claims for r in g})


async def test_erasure_removes_the_jeunes_rows(records):
    store = OutboxStore(records.engine)
    await store.add(rows("a", CONVERSATION, jeune_id="j1") + rows("b", CONVERSATION, jeune_id="j2"), NOW)
    await records.forget("j1")
    assert [r["address"] for r in await store.rows()] == ["b"]


async def test_a_batch_is_written_claimed_except_behind_rows_waiting(records):
    """One batch, several addresses: the writer's rows are written claimed by it, unless their
    address has rows waiting (pending, or another worker's claim): then all of that address's rows
    of the batch queue behind them. Ids follow the batch's order; a key present adds nothing."""
    store = OutboxStore(records.engine)
    until = NOW + timedelta(seconds=LEASE)
    await store.add(rows("p", CONVERSATION), NOW)                           # pending
    await store.add(rows("o", CONVERSATION, claim_by="w2", claim_until=until), NOW)   # w2 holds it
    await store.add(rows("m", CONVERSATION, claim_by="w1", claim_until=until), NOW)   # w1's own
    await store.add(rows("k", BACKGROUND, key="rdv:1#0"), NOW)
    batch = (rows("p", CONVERSATION, CONVERSATION, claim_by="w1", claim_until=until)
             + rows("o", CONVERSATION, claim_by="w1", claim_until=until)
             + rows("m", CONVERSATION, claim_by="w1", claim_until=until)
             + rows("f", CRISIS, CONVERSATION, claim_by="w1", claim_until=until)
             + rows("k", BACKGROUND, key="rdv:1#0", claim_by="w1", claim_until=until)
             + rows("n", BACKGROUND, key="rdv:2#0", claim_by="w1", claim_until=until))
    saved = await records.save_turn([], jeune_id="j1", replies=batch, message_id="tg:9", at=NOW)
    assert saved == []
    written = [r for r in batch if r.id is not None]
    assert [r.id for r in written] == sorted(r.id for r in written)
    assert batch[-2].id is None and batch[-2].claim_by is None           # the key was there
    by_id = {r["id"]: r for r in await store.rows()}
    claimed = {r.address for r in written if r.claim_by == "w1"}
    assert claimed == {"m", "f", "n"}
    for r in written:
        row = by_id[r.id]
        assert row["status"] == ("claimed" if r.address in claimed else PENDING)
        assert row["claimed_by"] == ("w1" if r.address in claimed else None)
        assert row["attempts"] == (1 if r.address in claimed else 0)
        assert row["payload"] == r.payload and row["lane"] == r.lane
    assert [by_id[r.id]["payload"]["text"] for r in batch[:2]] == ["p-0", "p-1"]
