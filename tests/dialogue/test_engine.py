"""The engine on its own flows (tests/data/flows_engine): steps, interruptions, order, exactly-once,
bad input — with the memory state store and with Redis + PostgreSQL."""
import asyncio

import pytest

from bot.messages import Incoming
from bot.stores.records import profiles, transcripts
from tests.conftest import REDIS_URL
from tests.support import make_engine


def texts(replies):
    return [r.text for r in replies]


@pytest.fixture(params=["embedded", "redis+postgresql"])
async def engine(request, tmp_path, clock, redis_prefix):
    if request.param == "embedded":
        eng, services = await make_engine(tmp_path, clock)
        yield eng
        await services.close()
    else:
        from tests.conftest import create_pg_database, drop_pg_database
        url = await create_pg_database()
        eng, services = await make_engine(tmp_path, clock, database_url=url, redis_url=REDIS_URL,
                                          redis_prefix=redis_prefix)
        yield eng
        await services.close()
        await drop_pg_database(url)


def msg(text="", user="u1", **kw):
    return Incoming("web", user, text=text, **kw)


async def test_flow_steps_call_and_return(engine):
    r = await engine.handle(msg("bonjour"))
    assert texts(r) == ["Bienvenue.", "Tu veux quoi ?"]
    assert [b.value for b in r[1].buttons] == ["quiz", "conseiller"]
    r = await engine.handle(msg("Quiz", kind="button", button_value="quiz"))
    assert texts(r) == ["Ton prénom ?"]
    r = await engine.handle(msg("Léa"))
    assert texts(r) == ["Oui ou non ?"]
    r = await engine.handle(msg("ouais"))
    # the quiz ends and the calling flow resumes after its branch
    assert texts(r) == ["Tu as dit oui, Léa.", "Fin du menu, Léa."]


async def test_reprompt_then_on_fail(engine):
    for t in ("salut", "1", "Zoé"):
        await engine.handle(msg(t))
    r = await engine.handle(msg("bof"))
    assert texts(r) == ["Réponds juste « oui » ou « non »."]
    r = await engine.handle(msg("peut-être"))
    assert "Tant pis." in texts(r)


async def test_number_and_label_choose_a_button(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("1"))
    assert texts(r) == ["Ton prénom ?"]


async def test_forged_or_stale_button_gets_expired_and_the_question_again(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("x", kind="button", button_value="slot:ml-x:999999"))
    assert texts(r)[0].startswith("Ce bouton n'est plus valable")
    assert texts(r)[-1] == "Tu veux quoi ?"


async def test_duplicate_message_id_processed_once(engine):
    first = await engine.handle(msg("salut", message_id="tg:1"))
    again = await engine.handle(msg("salut", message_id="tg:1"))
    assert first and again == []
    events = await engine.s.records.list_events(kind="contact")
    assert len(events) == 1


async def test_ten_concurrent_messages_are_answered_in_order(engine):
    await engine.handle(msg("salut"))
    await engine.handle(msg("1"))
    # the prénom question waits; ten answers at once: each is handled whole, in arrival order
    results = await asyncio.gather(*(engine.handle(msg(f"m{i}", message_id=f"w{i}")) for i in range(10)))
    assert texts(results[0]) == ["Oui ou non ?"]
    assert all(r for r in results)
    state = await engine.s.state.get(engine.state_key(engine.jeune_id("web", "u1")))
    assert state["slots"]["prenom"] == "m0"
    assert state["seen"][-10:] == [f"w{i}" for i in range(10)]


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "🙂🙂🙂", "x" * 10_000, "é" * 5000 + "\u202e"])
async def test_bad_input_gets_a_clear_reply(engine, text):
    r = await engine.handle(msg(text))
    assert r and all(isinstance(x.text, str) and x.text for x in r)


@pytest.mark.parametrize("kind", ["sticker", "voice", "photo", "video", "document", "location"])
async def test_non_text_kinds(engine, kind):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("", kind=kind))
    # issue 17: one short message, not the question and its menu again
    assert len(r) == 1
    assert "écrits" in r[0].text or "vocaux" in r[0].text or "mots" in r[0].text


async def test_stop_then_writing_again(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("STOP"))
    assert "plus de messages" in r[0].text
    jid = engine.jeune_id("web", "u1")
    assert (await engine.s.records.get_profile(jid))["stopped"] is True
    from bot.messages import Reply
    assert await engine.s.outbox.deliver(jid, [Reply("rappel")]) is False
    await engine.handle(msg("re"))
    assert (await engine.s.records.get_profile(jid))["stopped"] is False


async def test_crisis_interrupts_and_the_flow_resumes(engine):
    await engine.handle(msg("salut"))
    await engine.handle(msg("1"))
    r = await engine.handle(msg("jveux en finir avec la vie"))
    assert r[0].priority == "crisis" and "3114" in r[0].text
    assert len(await engine.s.records.list_events(kind="crisis")) == 1
    inbox = await engine.s.conversations.inbox()
    assert inbox[0]["status"] == "crisis"
    # issue 17: the bot stays with the jeune (no questionnaire) until it is better
    r = await engine.handle(msg("Léa"))
    assert "Oui ou non ?" not in texts(r)
    assert r[0].priority == "crisis" and "Je reste là" in r[0].text
    r = await engine.handle(msg("ça va mieux"))
    assert "reprendre" in texts(r)[-1]
    r = await engine.handle(msg("Léa"))
    assert texts(r) == ["Oui ou non ?"]     # then the flow goes on where it was


async def test_handoff_takeover_and_hand_back(engine):
    sent = []

    class Capture:
        name = "web"

        async def send(self, address, replies):
            sent.append((address, [x.text for x in replies]))
            return True
    engine.s.outbox.register(Capture())
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("", kind="button", button_value="conseiller"))
    assert "Je préviens quelqu'un." in texts(r)
    jid = engine.jeune_id("web", "u1")
    assert (await engine.s.conversations.get(jid))["status"] == "waiting"
    await engine.take_over(jid, "Camille")
    assert sent[-1][0] == "u1" and "Camille" in sent[-1][1][0]
    assert await engine.handle(msg("vous êtes là ?")) == []        # the bot stays quiet
    r = await engine.handle(msg("je vais me tuer"))                   # crisis still answered
    assert r and r[0].priority == "crisis"
    await engine.say_as_referent(jid, "Camille", "Oui je suis là")
    log = await engine.s.records.transcript(jid)
    assert [x["author"] for x in log if x["text"] == "Oui je suis là"] == ["referent:Camille"]
    await engine.hand_back(jid, "Camille", close_outcome="oriente")
    assert (await engine.s.conversations.get(jid))["status"] == "closed"
    assert await engine.handle(msg("coucou"))                         # the bot answers again
    assert [e.data["outcome"] for e in await engine.s.records.list_events(kind="outcome")] == ["oriente"]


async def test_erasure_on_request(engine):
    await engine.handle(msg("salut", first_name="Léa"))
    r = await engine.handle(msg("supprime mes données stp"))
    assert texts(r) == ["Tu confirmes ?"]
    r = await engine.handle(msg("oui"))
    assert "effacé" in r[0].text
    jid = engine.jeune_id("web", "u1")
    assert await engine.s.records.get_profile(jid) is None
    assert await engine.s.state.get(engine.state_key(jid)) is None
    assert await engine.s.records.count(transcripts) == 0
    assert all(e.jeune_id != jid for e in await engine.s.records.list_events())


async def test_no_consent_no_personal_data(engine):
    await engine.handle(msg("salut", first_name="Léa"))
    await engine.handle(msg("1"))
    await engine.handle(msg("Léa"))
    jid = engine.jeune_id("web", "u1")
    profile = await engine.s.records.get_profile(jid)
    assert profile["first_name"] is None and profile["age"] is None
    assert await engine.s.records.count(transcripts) == 0
    assert await engine.s.records.count(profiles) == 1


async def test_a_turn_whose_state_write_failed_after_its_commit_counts_once(engine):
    """The turn's events are committed, then the state write fails (Redis gone at that instant,
    or the process killed): the channel delivers the message again. The second run must answer
    and save the state, and count nothing twice."""
    from bot.stores import StoreUnavailable
    state = engine.s.state
    original = state.locked

    def failing_once(*args, **kwargs):
        manager = original(*args, **kwargs)

        class Failing:
            async def __aenter__(self):
                held = await manager.__aenter__()
                real_save = held._save

                async def save(value, ttl=None):
                    state.locked = original          # only this once
                    raise StoreUnavailable("redis: connection lost (test)")
                held._save = save
                self.held, self.real_save = held, real_save
                return held

            async def __aexit__(self, *exc):
                self.held._save = self.real_save
                return await manager.__aexit__(*exc)
        return Failing()

    state.locked = failing_once
    with pytest.raises(StoreUnavailable):
        await engine.handle(msg("salut", message_id="tg:42"))
    again = await engine.handle(msg("salut", message_id="tg:42"))
    assert texts(again) == ["Bienvenue.", "Tu veux quoi ?"]
    assert len(await engine.s.records.list_events(kind="contact")) == 1
    assert await engine.handle(msg("salut", message_id="tg:42")) == []   # now seen in the state
    r = await engine.handle(msg("1", message_id="tg:43"))
    assert texts(r) == ["Ton prénom ?"]                                 # the conversation goes on


class RecordingChannel:
    """The web channel as the outbox sees it: records what it was given to deliver."""
    name = "web"

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send(self, address, replies):
        self.sent.extend((address, r.text) for r in replies)
        return True


async def test_stop_nothing_sent_after_stop_by_a_channel_that_did_deliver_before(engine):
    """The channel is registered and delivers (asserted before STOP): after STOP the outbox sends
    nothing; with the `stopped` check removed from Outbox.deliver this test fails."""
    from bot.messages import Reply
    channel = RecordingChannel()
    engine.s.outbox.register(channel)
    await engine.handle(msg("salut"))
    jid = engine.jeune_id("web", "u1")
    assert await engine.s.outbox.deliver(jid, [Reply("rappel 1")]) is True
    assert channel.sent == [("u1", "rappel 1")]
    await engine.handle(msg("STOP"))
    assert await engine.s.outbox.deliver(jid, [Reply("rappel 2")]) is False
    assert channel.sent == [("u1", "rappel 1")], "a message went out after STOP"


async def test_reachability_follows_the_jeune_blocked_unblocked_writes_again(engine):
    from bot.messages import Reply
    channel = RecordingChannel()
    engine.s.outbox.register(channel)
    await engine.handle(msg("salut"))
    jid = engine.jeune_id("web", "u1")
    await engine.mark_unreachable("web", "u1")                 # blocked the bot
    assert (await engine.s.records.get_profile(jid))["unreachable"] is True
    assert await engine.s.outbox.deliver(jid, [Reply("rappel")]) is False
    assert channel.sent == []
    await engine.handle(msg("re"))                             # unblocked and wrote again
    assert (await engine.s.records.get_profile(jid))["unreachable"] is False
    assert await engine.s.outbox.deliver(jid, [Reply("rappel")]) is True
    assert channel.sent == [("u1", "rappel")]
    state = await engine.s.state.get(engine.state_key(jid))
    assert state["profile"].get("unreachable") is False


async def test_mark_unreachable_waits_for_the_jeunes_lock(engine):
    """Under the lock: a turn in progress is not overwritten by the marking, nor the other way."""
    await engine.handle(msg("salut"))
    jid = engine.jeune_id("web", "u1")
    order: list[str] = []
    async with engine.s.state.lock(jid):
        task = asyncio.create_task(engine.mark_unreachable("web", "u1"))
        await asyncio.sleep(0.2)
        order.append("turn done")
        assert not task.done(), "mark_unreachable did not wait for the jeune's lock"
    await task
    assert (await engine.s.records.get_profile(jid))["unreachable"] is True
