"""Contract of the référents' inbox rows, on SQLite and PostgreSQL: touching many jeunes at once
(a group commit's turns) gives what touching them one by one gives."""
from datetime import datetime, timedelta, timezone

from bot.stores.conversations import ConversationStore, conversations

T0 = datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc)


async def _touch_all(store, touches, together: bool):
    async with store.engine.begin() as conn:
        if together:
            await store.touch_many_in(conn, touches)
        else:
            for t in touches:
                await store.touch_in(conn, **t)


def _touches(round_: int):
    at = T0 + timedelta(minutes=round_)
    return [
        dict(jeune_id="j_new", channel="telegram", at=at, status=None, unread=0),
        dict(jeune_id="j_crisis", channel="telegram", at=at, status="crisis", unread=1,
             first_name="Léa", mission_locale="ml-bordeaux"),
        dict(jeune_id="j_waiting", channel="web", at=at, status="waiting" if round_ else "taken",
             unread=1),
        dict(jeune_id="j_quiet", channel="web", at=T0, status=None, unread=0),   # no change after
    ]


async def test_touching_many_at_once_is_touching_each_in_turn(records):
    store = ConversationStore(records.engine)
    ids = ["j_new", "j_crisis", "j_waiting", "j_quiet"]
    results = {}
    for together in (False, True):
        async with store.engine.begin() as conn:
            await conn.execute(conversations.delete())
        for round_ in range(3):
            await _touch_all(store, _touches(round_), together)
            if round_ == 1:
                await store.set_status("j_crisis", "closed", T0 + timedelta(minutes=1, seconds=30))
        results[together] = [await store.get(j) for j in ids]
    assert results[True] == results[False]
    crisis = results[True][1]
    assert (crisis["status"], crisis["unread"], crisis["first_name"]) == ("crisis", 3, "Léa")
    waiting = results[True][2]
    assert waiting["status"] == "waiting" and waiting["unread"] == 3   # waiting outranks taken
    assert results[True][3]["last_message_at"] == T0
