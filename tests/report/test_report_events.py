"""What the bot writes, end to end through the real engine (real stores), and how the report
counts it: a QR code at a maraude with no commune given, a 16-year-old who stops after the age
question, the satisfaction question after a raccrochage session."""
from __future__ import annotations

from datetime import date, datetime, timezone

from bot.clock import PARIS, FixedClock
from bot.messages import Incoming
from bot.rdv.reminders import SESSION_FOLLOWUP, plan_session_messages, render
from bot.rdv.store import BookingStore
from bot.report.figures import NON_ATTRIBUE, build_report
from bot.stores.due_queue import DueQueue
from tests.support import full_config, make_engine


def names():
    return {ml.id: ml.name for ml in full_config().missions_locales}


async def test_qr_code_without_commune_counts_for_the_actions_mission_locale(tmp_path,
                                                                             database_url):
    clock = FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=database_url)
    try:
        await engine.handle(Incoming("telegram", "qr-1", text="/start live-pau", kind="start",
                                     source="live-pau", at=clock.now()))
        await engine.handle(Incoming("telegram", "qr-1", text="c quoi le cej", at=clock.now()))
        evs = await services.records.list_events()
        assert evs and all(e.action_id == "live-tiktok-pau" for e in evs)
        assert all((e.action_type, e.action_ml, e.mission_locale)
                   == ("extra-muros", "ml-pau", "ml-pau") for e in evs)
        r = await build_report(services.records, date(2026, 11, 24), date(2026, 11, 24), None,
                               services.config.actions, names())
        assert r["mission_locale"]["ml-pau"]["jeunes"] == 1
        assert r["mission_locale"][NON_ATTRIBUE]["jeunes"] == 0
        assert r["actions_by_type"]["extra-muros"] == {"actions": 1, "contacts": 1, "jeunes": 1}
        assert r["mission_locale"]["ml-pau"]["name"] == names()["ml-pau"]
    finally:
        await services.close()


async def test_a_sixteen_year_old_who_stops_after_the_age_question_is_a_minor(tmp_path,
                                                                              database_url):
    clock = FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=database_url)
    try:
        async def say(text="", **kw):
            return await engine.handle(Incoming("web", "age-1", text=text, at=clock.now(), **kw))

        await say("bonjour")
        await say(kind="button", button_value="reperage")
        replies = await say(kind="button", button_value="oui")
        assert replies[-1].text == "Tu as quel âge ?"
        replies = await say("16")
        assert "commune" in replies[-1].text          # and the jeune writes nothing more
        [contact] = await services.records.list_events(kind="contact")
        assert contact.minor is True
        r = await build_report(services.records, date(2026, 11, 24), date(2026, 11, 24), None,
                               services.config.actions, names())
        assert (r["jeunes"], r["minors"], r["ages_known"]) == (1, 1, 1)
        assert r["mission_locale"][NON_ATTRIBUE]["minors"] == 1
    finally:
        await services.close()


async def test_satisfaction_question_after_a_raccrochage_session(tmp_path, database_url):
    clock = FixedClock(datetime(2026, 12, 10, 10, 0, tzinfo=PARIS))
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=database_url)
    try:
        jeune = engine.jeune_id("web", "avis-1")
        store = BookingStore(services.records.engine)
        start = datetime(2026, 12, 16, 14, 0, tzinfo=PARIS).astimezone(timezone.utc)
        reg = await store.register(jeune, "atelier-permis-limoges", start, 8, clock.now())
        queue = DueQueue(services.records.engine, services.config.rdv.quiet)
        await plan_session_messages(queue, services.config.rdv, reg, clock.now())
        [followup] = [m for m in await queue.list(jeune_id=jeune) if m.kind == SESSION_FOLLOWUP]
        assert followup.due_at == datetime(2026, 12, 17, 18, 0, tzinfo=PARIS)
        [message] = await render(followup, services, store)
        assert "atelier" in message.text.lower() or "«" in message.text
        assert [b.value for b in message.buttons] == ["flow:raccrochage_avis"]

        clock.set(datetime(2026, 12, 17, 18, 5, tzinfo=PARIS))

        async def press(value):
            return await engine.handle(Incoming("web", "avis-1", kind="button",
                                                button_value=value, at=clock.now()))

        replies = await press("flow:raccrochage_avis")
        assert replies[-1].text.startswith("Après « ") and replies[-1].buttons
        await press("oui")
        await press("non")
        replies = await press("oui")
        assert replies[-1].text.startswith("Merci")
        [avis] = await services.records.list_events(kind="raccrochage_avis")
        assert avis.action_id == "atelier-permis-limoges" and avis.action_type == "raccrochage"
        assert {k: avis.data[k] for k in ("aide_connue", "envie_continuer", "recontact")} == {
            "aide_connue": "oui", "envie_continuer": "non", "recontact": "oui"}
        r = await build_report(services.records, date(2026, 12, 1), date(2026, 12, 31), None,
                               services.config.actions, names())
        assert r["satisfaction"] == {"answers": 1, "aide_connue": 1, "envie_continuer": 0,
                                     "recontact": 1}
    finally:
        await services.close()
