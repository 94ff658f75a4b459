"""Issue 17: a crisis is never missed and never left alone — in every state of the engine.

Each test puts the engine in one state (in a flow, waiting for a person, taken over, flooding,
after STOP, while erasure is being confirmed, an edited message, a photo's caption, the stores
down) and checks that "je veux mourir" / "jai pris des cachets" gets the crisis answer first, an
alert, and the crisis mode (the bot stays: no menu, no FAQ, no questionnaire)."""
import asyncio
import socket
import subprocess

import pytest

from bot.messages import Incoming
from bot.stores import StoreUnavailable
from bot.stores.state import RedisStateStore
from tests.support import make_engine


def texts(replies):
    return [r.text for r in replies]


@pytest.fixture
async def engine(tmp_path, clock):
    eng, services = await make_engine(tmp_path, clock)
    yield eng
    await services.close()


def msg(text="", user="u1", **kw):
    return Incoming("web", user, text=text, **kw)


def assert_crisis(r, number="3114"):
    assert r, "no reply to a crisis"
    assert r[0].priority == "crisis"
    assert number in r[0].text, r[0].text
    assert any("sécurité" in x.text for x in r)


async def crisis_events(engine):
    return await engine.s.records.list_events(kind="crisis")


async def test_in_a_flow_then_the_bot_stays(engine):
    await engine.handle(msg("salut"))
    await engine.handle(msg("1"))                         # the quiz: "Ton prénom ?"
    r = await engine.handle(msg("je veux mourir"))
    assert_crisis(r)
    for follow in ("jsais pas", "jsuis tout seul", "Léa", "c koi le cej"):
        r = await engine.handle(msg(follow))
        assert r[0].priority == "crisis" and "Je reste là" in r[0].text, (follow, texts(r))
        assert not any("prénom" in x or "Tu veux quoi" in x for x in texts(r))
    r = await engine.handle(msg("jai pris des cachets"))  # now the danger is now: 15 first
    assert r[0].text.startswith("Appelle le 15")
    r = await engine.handle(msg("ok"))                    # still with the jeune, the urgent line again
    assert "15" in r[0].text
    r = await engine.handle(msg("ça va mieux, je suis en sécurité"))
    assert "reprendre" in texts(r)[-1]
    assert len(await crisis_events(engine)) == 2


async def test_safe_button_ends_the_crisis_mode_unsafe_repeats_the_number(engine):
    r = await engine.handle(msg("jsuis sur le pont jvais sauter"))
    assert_crisis(r)
    assert "15 ou le 112" in r[0].text.splitlines()[0]
    r = await engine.handle(msg("Non", kind="button", button_value="crisis:unsafe"))
    assert "112" in r[0].text
    r = await engine.handle(msg("Oui", kind="button", button_value="crisis:safe"))
    assert "reprendre" in texts(r)[-1]


async def test_while_waiting_for_a_person(engine):
    await engine.handle(msg("salut"))
    await engine.handle(msg("Conseiller", kind="button", button_value="conseiller"))
    r = await engine.handle(msg("jai pris des cachets"))
    assert_crisis(r, "15")
    inbox = await engine.s.conversations.inbox()
    assert inbox[0]["status"] == "crisis"


async def test_taken_over_by_a_referent(engine):
    await engine.handle(msg("salut"))
    jid = engine.jeune_id("web", "u1")
    await engine.take_over(jid, "Awa")
    r = await engine.handle(msg("je vais me tuer ce soir"))
    assert_crisis(r)
    assert len(await crisis_events(engine)) == 1


async def test_flooding_never_silences_a_crisis(engine, clock):
    await engine.handle(msg("salut"))
    for i in range(14):
        await engine.handle(msg(f"a{i}"))
    assert await engine.handle(msg("encore")) == []        # flood control on
    r = await engine.handle(msg("je veux mourir"))
    assert_crisis(r)


async def test_after_stop(engine):
    await engine.handle(msg("salut"))
    await engine.handle(msg("STOP"))
    r = await engine.handle(msg("jsais pas ou dormir ce soir"))
    assert_crisis(r, "115")


async def test_while_erasure_is_being_confirmed(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("efface mes données"))
    assert "Tu confirmes ?" in texts(r)
    r = await engine.handle(msg("mon copain me frappe"))
    assert_crisis(r, "3919")
    assert "17" in r[0].text


async def test_edited_message_is_scanned(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("jveux en finir", kind="edited"))
    assert_crisis(r)


async def test_photo_caption_is_scanned(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("je me scarifie", kind="photo"))
    assert_crisis(r)
    assert not any("écrits" in x for x in texts(r))


async def test_long_message_is_read_whole(engine):
    story = "Bonjour, je vous raconte. " + "Ma vie est compliquée en ce moment. " * 80
    r = await engine.handle(msg(story + " Hier j'ai avalé toute la boite de doliprane."))
    assert_crisis(r, "15")


async def test_sticker_gets_one_short_message(engine):
    await engine.handle(msg("salut"))
    r = await engine.handle(msg("", kind="sticker"))
    assert len(r) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_crisis_answer_when_the_stores_are_down(tmp_path, clock):
    # our own real Redis, stopped once the engine is up: the state store then raises
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    eng, services = await make_engine(tmp_path, clock, redis_url=f"redis://127.0.0.1:{port}/0")
    server.terminate()
    server.wait(timeout=10)
    try:
        with pytest.raises(StoreUnavailable) as info:
            await eng.handle(msg("jai pris des cachets", message_id="m1"))
        replies = info.value.replies
        assert replies[0].priority == "crisis" and replies[0].text.startswith("Appelle le 15")
        with pytest.raises(StoreUnavailable) as again:       # the redelivery: not said twice
            await eng.handle(msg("jai pris des cachets", message_id="m1"))
        assert not getattr(again.value, "replies", None)
        with pytest.raises(StoreUnavailable) as calm:
            await eng.handle(msg("c koi le cej", message_id="m2"))
        assert not getattr(calm.value, "replies", None)
    finally:
        await services.close()
    assert isinstance(services.state, RedisStateStore)


async def test_taken_over_a_soft_find_goes_to_the_referent_not_over_them(engine):
    """Only the learned model's guess while a référent holds the conversation: the bot says
    nothing over the person, the inbox row says crisis and the référent is alerted."""
    from bot.understanding.crisis import detect_crisis
    text = "oui stp jsuis perdue"
    found = detect_crisis(text)
    assert found is not None and found.soft, found       # the case this test is about
    await engine.handle(msg("salut"))
    jid = engine.jeune_id("web", "u1")
    await engine.take_over(jid, "Awa")
    seen = []

    async def listen(alert):
        seen.append(alert)

    engine.s.alerts.subscribe(listen)
    assert await engine.handle(msg(text)) == []
    for _ in range(100):                 # through Redis pub/sub when the engine has Redis
        if seen:
            break
        await asyncio.sleep(0.02)
    assert [(a["kind"], a.get("soft"), a["jeune_id"]) for a in seen] == [("crisis", True, jid)]
    events = await crisis_events(engine)
    assert [e.data.get("soft") for e in events] == [True]
    inbox = await engine.s.conversations.inbox()
    assert inbox[0]["status"] == "crisis"
    # a crisis the rules name is still answered at once
    assert_crisis(await engine.handle(msg("je vais me tuer ce soir")))
