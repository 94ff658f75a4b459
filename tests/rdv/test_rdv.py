"""Slots from config/rdv.yml, French wishes, reminder times across DST, the .ics file."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from bot.clock import PARIS, as_utc
from bot.rdv.ics import fold, make_ics
from bot.territoire.jours_feries import JoursFeries
from bot.rdv.slots import (
    MAX_BUTTON_VALUE, QuietHours, RdvConfig, find_slot, load_rdv, next_free_slots, parse_slot_value,
    parse_wish, rdv_intent, reminder_plan, slots_between,
)
from bot.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ML_IDS = ["ml-bordeaux", "ml-grand-perigueux", "ml-angouleme", "ml-la-rochelle", "ml-landes",
          "ml-limoges", "ml-pau", "ml-pays-basque", "ml-poitiers"]
FERIES = JoursFeries()
NOW = datetime(2026, 11, 24, 22, 30, tzinfo=PARIS)   # a Tuesday evening


@pytest.fixture(scope="module")
def cfg() -> RdvConfig:
    return load_rdv(ROOT / "config" / "rdv.yml", ML_IDS)


def small_cfg(**ml) -> RdvConfig:
    return RdvConfig.model_validate({"missions_locales": {"ml-test": {
        "availability": [{"days": ["lun", "mar", "mer", "jeu", "ven"], "hours": ["09:00-12:00", "14:00-17:00"],
                          "with": "l'accueil", "resource": "accueil"}], **ml}}})


# --- config --------------------------------------------------------------------------------------
def test_shipped_config_is_valid_and_button_values_fit(cfg):
    assert set(cfg.missions_locales) <= set(ML_IDS)
    for ml_id in cfg.missions_locales:
        for slot in slots_between(cfg, ml_id, NOW, NOW + timedelta(days=14), FERIES):
            assert len(slot.value.encode()) <= MAX_BUTTON_VALUE
            assert parse_slot_value(slot.value)[0] == ml_id


def test_config_problems_have_file_and_line(tmp_path):
    path = tmp_path / "rdv.yml"
    path.write_text(
        "quiet_hours: \"21:00-09:00\"\n"
        "missions_locales:\n"
        "  ml-bordeaux:\n"
        "    availability:\n"
        "      - {days: [lun, lundi], hours: [\"14:00-17:00\"]}\n"
        "  ml-nulle-part:\n"
        "    availability:\n"
        "      - {days: [mar], hours: [\"17:00-14:00\"]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rdv(path, ML_IDS)
    text = "\n".join(err.value.problems)
    assert f"{path}:5:" in text and "unknown day 'lundi'" in text
    assert f"{path}:8:" in text and "end must be after the start" in text
    path.write_text("missions_locales:\n  ml-nulle-part:\n    availability:\n"
                    "      - {days: [mar], hours: [\"14:00-17:00\"]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rdv(path, ML_IDS)
    assert err.value.problems == [
        f"{path}:2: missions_locales.ml-nulle-part: unknown Mission Locale 'ml-nulle-part' "
        "(not in config/missions_locales.yml)"]


def test_unquoted_yaml_time_is_read_as_a_time(tmp_path):
    path = tmp_path / "rdv.yml"
    path.write_text("reminders:\n  day_before: 18:30\n", encoding="utf-8")
    assert load_rdv(path, []).reminders.day_before == time(18, 30)


# --- slots ---------------------------------------------------------------------------------------
def test_slots_follow_weekly_availability_duration_and_capacity(cfg):
    monday = datetime(2026, 11, 30, tzinfo=PARIS)
    slots = slots_between(cfg, "ml-bordeaux", monday, monday + timedelta(days=1), FERIES)
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["14:00", "14:45", "15:30", "16:15"]
    assert all(s.capacity == 2 and s.resource == "accueil" for s in slots)
    assert all(s.end - s.start == timedelta(minutes=45) for s in slots)
    assert slots[0].key == "ml-bordeaux:202611301400:accueil"
    assert slots[0].label() == "lun. 30 nov. à 14h00"


def test_holidays_and_closures_are_skipped():
    cfg = small_cfg(closures=["2026-12-24"])
    week = datetime(2026, 12, 21, tzinfo=PARIS)   # Mon 21 .. Sun 27; 25 is Noël
    days = {s.local_start.date() for s in slots_between(
        cfg, "ml-test", week, week + timedelta(days=7), FERIES, closures=[date(2026, 12, 22)])}
    assert days == {date(2026, 12, 21), date(2026, 12, 23)}


def test_slots_keep_wall_clock_time_across_dst():
    cfg = small_cfg()
    before = slots_between(cfg, "ml-test", datetime(2026, 10, 23, tzinfo=PARIS),
                           datetime(2026, 10, 24, tzinfo=PARIS), FERIES)[0]
    after = slots_between(cfg, "ml-test", datetime(2026, 10, 26, tzinfo=PARIS),
                          datetime(2026, 10, 27, tzinfo=PARIS), FERIES)[0]
    assert before.local_start.time() == after.local_start.time() == time(9, 0)
    assert before.start == datetime(2026, 10, 23, 7, 0, tzinfo=timezone.utc)   # CEST, UTC+2
    assert after.start == datetime(2026, 10, 26, 8, 0, tzinfo=timezone.utc)    # CET, UTC+1


def test_next_free_slots_skip_full_ones_and_respect_notice():
    cfg = small_cfg()
    now = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)   # Monday: 2 h notice → first is 14:00
    first = next_free_slots(cfg, "ml-test", now, FERIES, taken={})
    assert [s.local_start.strftime("%d %H:%M") for s in first] == ["30 14:00", "30 14:30", "30 15:00"]
    taken = {first[0].key: 1, first[1].key: 1}
    again = next_free_slots(cfg, "ml-test", now, FERIES, taken=taken, limit=2)
    assert [s.key for s in again] == [first[2].key, first[2].key.replace("1500", "1530")]


def test_find_slot_rejects_forged_values(cfg):
    real = slots_between(cfg, "ml-bordeaux", NOW, NOW + timedelta(days=7), FERIES)[0]
    assert find_slot(cfg, real.value, FERIES) == real
    assert find_slot(cfg, "slot:ml-bordeaux:202612010300:accueil", FERIES) is None   # 3 a.m.
    assert find_slot(cfg, "slot:ml-bordeaux:202612251400:accueil", FERIES) is None   # Noël
    assert find_slot(cfg, "slot:nope", FERIES) is None
    assert find_slot(cfg, "slot:ml-bordeaux:2026130114:accueil", FERIES) is None


# --- wishes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected_days,expected_times", [
    ("mardi aprem", {date(2026, 12, 1)}, {"14:00", "14:30", "16:30"}),   # tonight is too late
    ("demain matin", {date(2026, 11, 25)}, {"09:00", "11:30"}),
    ("jeudi 14h", {date(2026, 11, 26)}, {"14:00"}),
    ("lundi prochain", {date(2026, 11, 30)}, {"09:00", "16:30"}),
    ("le 3 décembre", {date(2026, 12, 3)}, {"09:00", "16:30"}),
    ("le 3/12 vers 10h30", {date(2026, 12, 3)}, {"10:30"}),
    ("la semaine pro", {date(2026, 11, 30), date(2026, 12, 4)}, {"09:00"}),
    ("slt c possible aprés-demain dans l'aprem ?", {date(2026, 11, 26)}, {"14:00"}),
    ("vendredi apres 15h", {date(2026, 11, 27)}, {"15:00", "16:30"}),
])
def test_french_wishes_filter_slots(text, expected_days, expected_times):
    cfg = small_cfg()
    wish = parse_wish(text, NOW)
    assert wish is not None, text
    slots = [s for s in slots_between(cfg, "ml-test", NOW, NOW + timedelta(days=28), FERIES)
             if wish.matches(s)]
    days = {s.local_start.date() for s in slots}
    times = {s.local_start.strftime("%H:%M") for s in slots}
    assert expected_days <= days
    assert all(min(expected_days) <= d <= max(expected_days) for d in days)
    assert expected_times <= times
    if wish.before or wish.after:
        assert all((not wish.after or s.local_start.time() >= wish.after) and
                   (not wish.before or s.local_start.time() < wish.before) for s in slots)


def test_wish_with_an_hour_offers_the_closest_first():
    cfg = small_cfg()
    wish = parse_wish("jeudi vers 14h", NOW)
    offered = next_free_slots(cfg, "ml-test", NOW, FERIES, taken={}, wish=wish)
    assert [s.local_start.strftime("%H:%M") for s in offered] == ["14:00", "14:30", "15:00"]
    assert wish.label == "jeudi vers 14h00"
    taken = {offered[0].key: 1}
    assert next_free_slots(cfg, "ml-test", NOW, FERIES, taken=taken, wish=wish)[0] \
        .local_start.strftime("%H:%M") == "14:30"


def test_weekday_wish_on_that_very_day_includes_next_week():
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    wish = parse_wish("lundi", monday)
    assert (wish.first_day, wish.last_day) == (date(2026, 11, 30), date(2026, 12, 7))
    assert parse_wish("lundi prochain", monday).first_day == date(2026, 12, 1)


def test_no_time_in_text_is_no_wish():
    assert parse_wish("slt jvoudrai 1 rdv", NOW) is None
    assert parse_wish("ok merci", NOW) is None
    assert parse_wish("le plus tôt possible", NOW).label == "le plus tôt possible"


def test_date_in_the_past_means_next_year():
    assert parse_wish("le 3 janvier", NOW).first_day == date(2027, 1, 3)
    assert parse_wish("le 31/02", NOW) is None or parse_wish("le 31/02", NOW).first_day is None


@pytest.mark.parametrize("text,intent", [
    ("je dois annuler mon rdv", "cancel"),
    ("je pourrai pas venir demain", "cancel"),
    ("je peux changer l'heure ?", "move"),
    ("on peut décaler a jeudi", "move"),
    ("c quand mon rdv deja", "show"),
    ("slt jvoudrai 1 rdv", "book"),
    ("bonjour", None),
])
def test_rdv_intents(text, intent):
    assert rdv_intent(text) == intent


# --- reminders -----------------------------------------------------------------------------------
def test_reminders_across_the_autumn_dst_change(cfg):
    start = as_utc(datetime(2026, 10, 26, 10, 0, tzinfo=PARIS))      # Monday after the change
    plan = dict(reminder_plan(cfg, start, datetime(2026, 10, 20, 12, 0, tzinfo=PARIS)))
    assert plan["j-1"] == datetime(2026, 10, 25, 17, 0, tzinfo=timezone.utc)   # 18:00 CET
    assert plan["h-2"] == datetime(2026, 10, 26, 8, 0, tzinfo=timezone.utc)    # 09:00 CET
    spring = as_utc(datetime(2027, 3, 29, 14, 0, tzinfo=PARIS))
    plan = dict(reminder_plan(cfg, spring, datetime(2027, 3, 20, tzinfo=PARIS)))
    assert plan["j-1"] == datetime(2027, 3, 28, 16, 0, tzinfo=timezone.utc)    # 18:00 CEST


def test_reminders_in_quiet_hours_are_postponed_or_dropped(cfg):
    at_0930 = as_utc(datetime(2026, 12, 1, 9, 30, tzinfo=PARIS))
    plan = dict(reminder_plan(cfg, at_0930, NOW))
    assert plan["h-2"] == as_utc(datetime(2026, 12, 1, 9, 0, tzinfo=PARIS))   # 07:30 → 09:00
    at_0900 = as_utc(datetime(2026, 12, 1, 9, 0, tzinfo=PARIS))
    assert "h-2" not in dict(reminder_plan(cfg, at_0900, NOW))              # would be after start
    soon = as_utc(datetime(2026, 11, 25, 14, 0, tzinfo=PARIS))              # tomorrow: J-1 past
    assert [k for k, _ in reminder_plan(cfg, soon, NOW)] == ["h-2"]


def test_quiet_hours_window():
    q = QuietHours("21:00-09:00")
    assert q.holds(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
    assert q.holds(datetime(2026, 11, 25, 8, 59, tzinfo=PARIS))
    assert not q.holds(datetime(2026, 11, 25, 9, 0, tzinfo=PARIS))
    assert q.postpone(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS)) == \
        as_utc(datetime(2026, 11, 25, 9, 0, tzinfo=PARIS))
    # the night of the autumn change is one hour longer: still 09:00 local
    assert q.postpone(datetime(2026, 10, 25, 1, 0, tzinfo=PARIS)) == \
        datetime(2026, 10, 25, 8, 0, tzinfo=timezone.utc)
    day = QuietHours("12:00-14:00")
    assert day.postpone(datetime(2026, 11, 25, 13, 0, tzinfo=PARIS)) == \
        as_utc(datetime(2026, 11, 25, 14, 0, tzinfo=PARIS))


# --- .ics ----------------------------------------------------------------------------------------
def unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_rfc5545():
    start = as_utc(datetime(2026, 10, 26, 10, 0, tzinfo=PARIS))
    long_place = "Mission Locale Technowest, 12 rue de l'Église; bâtiment B, 2ᵉ étage — accueil"
    data = make_ics("rdv-abc@insysteme", start, start + timedelta(minutes=45),
                    "Rendez-vous à la Mission Locale", long_place,
                    "Apporte :\n- ta pièce d'identité, ta carte Vitale", stamp=NOW)
    raw = data.decode("utf-8")
    assert raw.endswith("\r\n")
    for line in raw.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "DTSTART;TZID=Europe/Paris:20261026T100000" in lines
    assert "DTEND;TZID=Europe/Paris:20261026T104500" in lines
    assert "UID:rdv-abc@insysteme" in lines
    assert "TZID:Europe/Paris" in lines and "BEGIN:VTIMEZONE" in lines
    assert "DTSTAMP:20261124T213000Z" in lines
    loc = next(l for l in lines if l.startswith("LOCATION:"))
    assert loc == "LOCATION:" + long_place.replace(";", "\\;").replace(",", "\\,")
    desc = next(l for l in lines if l.startswith("DESCRIPTION:"))
    assert "\\n- ta pièce d'identité\\, ta carte Vitale" in desc
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


# --- end to end, through the engine with the shipped config and flows ------------------------------
class RecordingChannel:
    name = "web"

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send(self, address, replies):
        self.sent.extend((address, r.text) for r in replies)
        return True


async def test_booking_end_to_end_with_ics_and_reminders_across_dst(tmp_path, database_url):
    from bot.clock import FixedClock
    from bot.messages import Incoming
    from bot.stores.due_queue import DueQueue, DueWorker
    from scheduler.jobs import OutboxDeliverer
    from tests.support import full_config, make_engine

    clock = FixedClock(datetime(2026, 10, 20, 19, 0, tzinfo=PARIS))     # Tuesday evening
    engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                         database_url=database_url)
    channel = RecordingChannel()
    services.outbox.register(channel)
    try:
        async def say(text="", **kw):
            return await engine.handle(Incoming("web", "addr-1", text=text, at=clock.now(), **kw))

        await say("bonjour")
        replies = await say(kind="button", button_value="rdv")
        assert "commune" in replies[-1].text
        replies = await say("33000")
        assert replies[-1].buttons and replies[-1].buttons[0].value.startswith("slot:ml-bordeaux:")
        replies = await say("le 26 octobre vers 14h")
        assert replies[-2].text == "Pour le lundi 26 octobre vers 14h00, voici ce qui est libre :"
        first = replies[-1].buttons[0]
        assert first.value == "slot:ml-bordeaux:202610261400:accueil"
        assert len(first.value.encode()) <= MAX_BUTTON_VALUE
        replies = await say(kind="button", button_value=first.value)
        confirm = replies[-1]
        assert confirm.text.startswith("C'est noté ! Ton rendez-vous : lundi 26 octobre à 14h00")
        assert "Apporte" in confirm.text
        ics = unfold(confirm.attachment.content)
        assert confirm.attachment.mime == "text/calendar"
        assert "DTSTART;TZID=Europe/Paris:20261026T140000" in ics

        jeune_id = await services.records.jeune_for_address("web", "addr-1")
        [event] = await services.records.list_events(kind="rdv_booked")
        assert event.data == {"slot": "ml-bordeaux:202610261400:accueil"}
        assert event.jeune_id == jeune_id and event.mission_locale == "ml-bordeaux"

        queue = DueQueue(services.records.engine, services.config.rdv.quiet)
        planned = [(m.payload["which"], m.due_at) for m in await queue.list(jeune_id=jeune_id)]
        assert planned == [("j-1", datetime(2026, 10, 25, 17, 0, tzinfo=timezone.utc)),
                           ("h-2", datetime(2026, 10, 26, 11, 0, tzinfo=timezone.utc))]

        worker = DueWorker(queue, OutboxDeliverer(services), clock, "w")
        clock.set(datetime(2026, 10, 25, 17, 59, tzinfo=PARIS))
        await worker.sweep()
        assert channel.sent == []
        clock.set(datetime(2026, 10, 25, 18, 0, tzinfo=PARIS))
        await worker.sweep()
        assert len(channel.sent) == 1 and channel.sent[0][0] == "addr-1"
        assert channel.sent[0][1].startswith(
            "Petit rappel : tu as rendez-vous demain, lundi 26 octobre à 14h00")

        # the jeune cancels from the chat: the H-2 reminder is cancelled with the appointment
        clock.set(datetime(2026, 10, 26, 9, 30, tzinfo=PARIS))
        replies = await say("je dois annuler mon rdv")
        assert "annuler ton rendez-vous (lundi 26 octobre à 14h00)" in replies[-1].text
        replies = await say("oui")
        assert replies[-1].text.startswith("C'est annulé")
        assert "METHOD:CANCEL" in unfold(replies[-1].attachment.content)
        assert [e.data for e in await services.records.list_events(kind="rdv_cancelled")] == [
            {"slot": "ml-bordeaux:202610261400:accueil"}]
        clock.set(datetime(2026, 10, 26, 12, 0, tzinfo=PARIS))
        await worker.sweep()
        assert len(channel.sent) == 1
    finally:
        await services.close()


async def test_slot_taken_meanwhile_offers_the_next_ones(tmp_path, sqlite_url):
    from bot.clock import FixedClock
    from bot.messages import Incoming
    from bot.rdv.store import BookingStore
    from tests.support import full_config, make_engine

    clock = FixedClock(NOW)
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=sqlite_url)
    try:
        async def say(text="", **kw):
            return await engine.handle(Incoming("web", "addr-2", text=text, at=clock.now(), **kw))
        await say("bonjour")
        await say(kind="button", button_value="rdv")
        offered = (await say("Bordeaux"))[-1].buttons
        chosen = find_slot(services.config.rdv, offered[0].value, FERIES)
        store = BookingStore(services.records.engine)
        for i in range(chosen.capacity):                 # others take every place first
            assert await store.book(f"other-{i}", chosen, NOW)
        replies = await say(kind="button", button_value=offered[0].value)
        assert replies[0].text == "Oups, quelqu'un vient de prendre ce rendez-vous."
        again = [b.value for b in replies[-1].buttons]
        assert offered[0].value not in again and again[0] == offered[1].value
        replies = await say("1")
        assert replies[-1].text.startswith("C'est noté !")
        assert await services.records.list_events(kind="rdv_booked")
    finally:
        await services.close()
