"""Contract of the durable records store, run on SQLite and PostgreSQL (the `records` fixture)."""
from datetime import datetime, timedelta, timezone

from bot.app.schema import migrate
from bot.stores.db import make_engine
from bot.stores.records import Event, transcripts


def ev(kind="contact", jeune="j_a", at=None, **kw):
    return Event(at=at or datetime(2026, 11, 24, 21, 30, tzinfo=timezone.utc), channel="web",
                 jeune_id=jeune, kind=kind, **kw)


async def test_events_roundtrip_and_filters(records):
    ids = await records.add_events([ev(), ev("faq", data={"topic": "cej"}), ev(jeune="j_b",
                                   mission_locale="ml-bordeaux", out_of_hours=True)])
    assert len(ids) == 3 and ids == sorted(ids)
    all_ = await records.list_events()
    assert [e.kind for e in all_] == ["contact", "faq", "contact"]
    assert all_[1].data == {"topic": "cej"}
    assert all_[0].at.tzinfo is not None
    assert [e.jeune_id for e in await records.list_events(mission_locale="ml-bordeaux")] == ["j_b"]
    await records.update_event(ids[0], mission_locale="ml-pau")
    assert (await records.list_events(jeune_id="j_a", kind="contact"))[0].mission_locale == "ml-pau"


async def test_profile_upsert(records):
    assert await records.get_profile("j_a") is None
    await records.update_profile("j_a", consent=True, age=17)
    await records.update_profile("j_a", commune_nom="Périgueux")
    p = await records.get_profile("j_a")
    assert (p["consent"], p["age"], p["commune_nom"]) == (True, 17, "Périgueux")


async def test_forget_erases_personal_and_keeps_counts(records):
    await records.update_profile("j_a", consent=True, first_name="Léa", age=17)
    await records.link_address("j_a", "telegram", "12345")
    await records.append_transcript("j_a", datetime.now(timezone.utc), "in", "jeune", "web", "salut")
    await records.add_events([ev(), ev("reperage")])
    anon = await records.forget("j_a")
    assert await records.get_profile("j_a") is None
    assert await records.addresses("j_a") == []
    assert await records.transcript("j_a") == []
    assert await records.count(transcripts) == 0
    kept = await records.list_events()
    assert len(kept) == 2 and {e.jeune_id for e in kept} == {anon}


async def test_migrate_is_idempotent(database_url):
    engine = make_engine(database_url)
    first = await migrate(engine)
    second = await migrate(engine)
    await engine.dispose()
    assert first and second == []


async def test_workers_migrating_a_fresh_database_at_once(database_url):
    """Two workers starting together on an empty database: one migrates, none fails."""
    import asyncio
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(e) for e in engines))
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(len(r) for r in results)[-1] >= 1
    assert sum(1 for r in results if r) == 1


async def test_workers_remembering_the_actions_at_once_all_start(database_url):
    """Every worker records the configured actions at start-up: on a fresh database they all find
    them new at the same moment, and none may fail for it (a worker of `--workers 2` exited on
    PostgreSQL's duplicate key)."""
    import asyncio
    from types import SimpleNamespace

    from bot.stores.records import RecordStore, actions_history
    actions = [SimpleNamespace(id=f"ta-{i}", type="temps_additionnel", mission_locale="ml-a",
                               title=f"Soirée {i}") for i in range(5)]
    engines = [make_engine(database_url) for _ in range(4)]
    try:
        await migrate(engines[0])
        stores = [RecordStore(e) for e in engines]
        now = datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc)
        for _ in range(3):                       # a few tries: the race is a matter of timing
            for e in engines[1:]:
                await e.dispose()
            async with engines[0].begin() as conn:
                await conn.execute(actions_history.delete())
            await asyncio.gather(*(s.remember_actions(actions, now) for s in stores))
        assert sorted(await stores[0].known_actions()) == [f"ta-{i}" for i in range(5)]
    finally:
        for e in engines:
            await e.dispose()


async def test_sqlite_workers_starting_together_never_meet_a_locked_database(tmp_path):
    """SQLite refuses the switch to WAL without waiting while another worker migrates; the CI
    once failed on it. Many rounds of eight workers on fresh files, each must come up in WAL."""
    import asyncio
    for round_ in range(20):
        url = f"sqlite:///{tmp_path / f'round{round_}.db'}"
        engines = [make_engine(url) for _ in range(8)]
        try:
            results = await asyncio.gather(*(migrate(e) for e in engines))
            async with engines[0].connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        finally:
            for e in engines:
                await e.dispose()
        assert sum(1 for r in results if r) == 1
        assert mode == "wal"


async def test_a_turn_saved_twice_under_one_message_id_is_written_once(records):
    """A turn run again (its state write failed after the commit) writes nothing the second time."""
    at = datetime(2026, 11, 24, 21, 30, tzinfo=timezone.utc)
    line = [(at, "in", "jeune", "telegram", "salut")]
    first = await records.save_turn([ev(), ev("reperage")], jeune_id="j_a", transcript=line,
                                    profile_updates={"age": 17}, message_id="tg:7", at=at)
    again = await records.save_turn([ev(), ev("reperage")], jeune_id="j_a", transcript=line,
                                    profile_updates={"age": 18}, message_id="tg:7", at=at)
    other = await records.save_turn([ev("faq", jeune="j_b")], jeune_id="j_b", message_id="tg:7", at=at)
    assert len(first) == 2 and again is None and len(other) == 1   # ids are per jeune
    assert len(await records.list_events(jeune_id="j_a")) == 2
    assert len(await records.transcript("j_a")) == 1
    assert (await records.get_profile("j_a"))["age"] == 17


async def test_handled_messages_are_purged_after_a_while_and_forgotten_with_the_jeune(records):
    from bot.stores.records import handled_messages
    old = datetime(2026, 11, 1, tzinfo=timezone.utc)
    new = datetime(2026, 11, 24, tzinfo=timezone.utc)
    await records.save_turn([ev()], jeune_id="j_a", message_id="tg:1", at=old)
    await records.save_turn([ev()], jeune_id="j_a", message_id="tg:2", at=new)
    await records.save_turn([ev(jeune="j_b")], jeune_id="j_b", message_id="tg:3", at=new)
    assert await records.purge_handled(new - timedelta(days=7)) == 1
    assert await records.count(handled_messages) == 2
    await records.forget("j_a")
    assert await records.count(handled_messages) == 1


async def test_turns_saved_at_once_share_transactions_and_each_gets_its_own_ids(records):
    """Group commit: 60 turns at once are written in fewer transactions than turns, each turn
    gets back exactly its events' ids, its profile, transcript and address link."""
    import asyncio
    at = datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc)

    async def turn(n: int):
        jeune = f"j_{n}"
        kinds = ["contact"] + ["faq"] * (n % 3)
        ids = await records.save_turn(
            [ev(k, jeune=jeune, data={"n": n}) for k in kinds], jeune_id=jeune,
            profile_updates={"age": 16 + n % 10} if n % 2 else {"age": 16 + n % 10, "cohort": "repere"},
            transcript=[(at, "in", "jeune", "telegram", f"message {n}")],
            message_id=f"tg:{n}", at=at, link=("telegram", str(1000 + n)))
        return n, kinds, ids

    before = records._group.batches
    results = await asyncio.gather(*(turn(n) for n in range(60)))
    assert records._group.batches - before < 60
    all_ids = [i for _, _, ids in results for i in ids]
    assert len(all_ids) == len(set(all_ids))
    for n, kinds, ids in results:
        assert len(ids) == len(kinds)
        stored = await records.list_events(jeune_id=f"j_{n}")
        assert sorted(e.id for e in stored) == sorted(ids)
        by_id = {e.id: e.kind for e in stored}
        assert [by_id[i] for i in ids] == kinds          # in the order they were given
        assert all(e.data == {"n": n} for e in stored)
        assert (await records.get_profile(f"j_{n}"))["age"] == 16 + n % 10
        assert [t["text"] for t in await records.transcript(f"j_{n}")] == [f"message {n}"]
        assert await records.jeune_for_address("telegram", str(1000 + n)) == f"j_{n}"


async def test_one_bad_turn_in_a_batch_does_not_fail_the_others(records):
    """A turn whose write fails (here, its `batched` write raises) fails alone; the turns that
    shared its transaction are written again on their own and kept."""
    import asyncio

    async def broken(conn, items):
        raise ValueError("a bug in another store's write")

    async def turn(n: int):
        return await records.save_turn([ev("contact", jeune=f"j_{n}")], jeune_id=f"j_{n}",
                                       message_id=f"tg:{n}",
                                       batched=(broken, n) if n == 3 else None)

    results = await asyncio.gather(*(turn(n) for n in range(8)), return_exceptions=True)
    assert isinstance(results[3], ValueError)
    assert all(isinstance(r, list) and len(r) == 1 for i, r in enumerate(results) if i != 3)
    assert await records.list_events(jeune_id="j_3") == []
    assert len(await records.list_events()) == 7
    # the failed turn was not marked handled: its redelivery is written
    assert len(await records.save_turn([ev("contact", jeune="j_3")], jeune_id="j_3",
                                       message_id="tg:3")) == 1


async def test_a_turn_written_again_alone_gets_its_fix_with_its_new_ids(records):
    """When a batch fails and its turns are written alone, a turn's `fix` is asked again with the
    ids of the events that were finally kept, and its fix is applied."""
    import asyncio
    calls = []

    def fix(ids):
        calls.append(list(ids))
        return ids[0], {"mission_locale": "ml-pau"}

    async def broken(conn, items):
        raise ValueError("a bug in another store's write")

    fixed, failed = await asyncio.gather(
        records.save_turn([ev("contact", jeune="j_fix")], jeune_id="j_fix", fix=fix, message_id="tg:1"),
        records.save_turn([ev("contact", jeune="j_bad")], jeune_id="j_bad",
                          batched=(broken, None), message_id="tg:2"),
        return_exceptions=True)
    assert isinstance(failed, ValueError)
    (kept,) = await records.list_events(jeune_id="j_fix")
    assert kept.id == fixed[0] and kept.mission_locale == "ml-pau"
    assert len(calls) == 2 and calls[-1] == [kept.id]


async def test_a_batch_writes_each_table_in_one_statement(records):
    """A group commit's turns and their replies: one INSERT for the events and one for the outbox
    rows per transaction, on both backends. (On SQLite, SQLAlchemy's ordered executemany ran one
    INSERT per row, each a round trip to the driver's thread: benchmarks/webhook_load.py.)"""
    import asyncio

    from sqlalchemy import event

    from bot.messages import Reply
    from bot.stores.outbox import NewReply, OutboxStore

    at = datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc)
    inserts: dict[str, int] = {}

    def count(conn, cursor, statement, params, context, executemany):
        for table in ("events", "outbox"):
            if statement.lstrip().startswith(f"INSERT INTO {table} "):
                inserts[table] = inserts.get(table, 0) + 1

    async def turn(n: int):
        replies = [NewReply("telegram", str(2000 + n), Reply(f"r{n}-{i}").to_payload(),
                            jeune_id=f"k_{n}") for i in range(2)]
        ids = await records.save_turn(
            [ev(k, jeune=f"k_{n}", data={"n": n}) for k in ("contact", "faq")], jeune_id=f"k_{n}",
            replies=replies, message_id=f"tg:k{n}", at=at)
        return ids, replies

    event.listen(records.engine.sync_engine, "before_cursor_execute", count)
    try:
        before = records._group.batches
        results = await asyncio.gather(*(turn(n) for n in range(30)))
        batches = records._group.batches - before
    finally:
        event.remove(records.engine.sync_engine, "before_cursor_execute", count)
    assert batches < 30
    assert inserts == {"events": batches, "outbox": batches}, (inserts, batches)
    texts = {r["id"]: r["payload"]["text"] for r in await OutboxStore(records.engine).rows()}
    for n, (ids, replies) in enumerate(results):
        assert [texts[r.id] for r in replies] == [f"r{n}-0", f"r{n}-1"]
        stored = {e.id: e for e in await records.list_events(jeune_id=f"k_{n}")}
        assert [stored[i].kind for i in ids] == ["contact", "faq"]
