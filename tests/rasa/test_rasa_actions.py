"""The Rasa action server, as Rasa calls it: real HTTP, the documented rasa-sdk `/webhook` request
(next_action, sender_id, tracker {slots, latest_message, events, active_loop…}, domain, version),
real stores. Each action's returned events and responses; `/health` and `/actions`; bad calls;
and a repérage made through Rasa counts in the report exactly like one made with the engine."""
from __future__ import annotations

import asyncio
import os
import base64
import json
import socket
import subprocess
import sys
import uuid
import zlib
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.messages import Incoming
from bot.rasa.bridge import RasaBridge
from bot.rasa.server import make_action_app
from bot.report.figures import build_report
from bot.stores.records import events as events_table
from tests.conftest import REDIS_URL
from tests.support import full_config, make_engine

ROOT = Path(__file__).resolve().parents[2]
FORM_SLOTS = ["age", "commune", "situation", "known_ml", "last_contact"]
SLOTS = FORM_SLOTS + ["disability", "commune_insee", "commune_nom", "mission_locale", "commune_outside",
                      "age_band", "minor", "cohort", "consent", "faq_topic", "crisis", "source",
                      "requested_slot", "rdv_slot", "rdv_next", "rdv_when", "rdv_booking",
                      "rdv_offered", "racc_session", "racc_next", "racc_when"]
DOMAIN = {
    "version": "3.1",
    "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    "intents": ["faq", "rdv", "conseiller", "detresse", "question", "inform", "affirm", "deny"],
    "entities": ["faq_topic"],
    "slots": {name: {"type": "any", "influence_conversation": False,
                     "mappings": [{"type": "custom"}]} for name in SLOTS},
    "responses": {"utter_ask_age": [{"text": "Tu as quel âge ?"}]},
    "actions": ["action_record_reperage", "validate_reperage_form"],
    "forms": {"reperage_form": {"required_slots": FORM_SLOTS}},
}
EXPECTED_ACTIONS = {
    "action_give_consent", "action_refuse_consent", "validate_reperage_form",
    "action_resolve_commune", "action_record_reperage", "action_answer_faq",
    "action_request_human", "action_raise_crisis", "action_forget_me",
    "action_list_slots", "action_book_slot", "action_cancel_rdv", "action_show_rdv",
    "action_list_sessions", "action_register_raccrochage",
}


def webhook_call(action: str, sender: str = "rasa-user-1", text: str = "", slots: dict | None = None,
                 intent: str | None = None, entities: list | None = None, candidates: dict | None = None,
                 form: str | None = None, metadata: dict | None = None, domain: dict | None = DOMAIN) -> dict:
    """The JSON Rasa POSTs to the action server. `candidates`: slot values a form extracted from
    the latest message, appended as trailing `slot` events as Rasa's FormAction does."""
    all_slots = {name: None for name in SLOTS}
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.93} if intent else {},
              "entities": entities or [], "message_id": uuid.uuid4().hex, "metadata": metadata or {}}
    events = [
        {"event": "action", "timestamp": 1.0, "name": "action_session_start"},
        {"event": "session_started", "timestamp": 1.0},
        {"event": "action", "timestamp": 1.0, "name": "action_listen"},
        {"event": "user", "timestamp": 2.0, "text": text, "parse_data": latest, "input_channel": "rest"},
    ]
    events += [{"event": "slot", "timestamp": 2.1, "name": k, "value": v}
               for k, v in (candidates or {}).items()]
    call = {
        "next_action": action,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender, "slots": all_slots, "latest_message": latest,
            "latest_event_time": 2.1, "followup_action": None, "paused": False, "events": events,
            "latest_input_channel": "rest", "latest_action_name": "action_listen",
            "latest_action": {"action_name": "action_listen"},
            "active_loop": {"name": form} if form else {},
        },
        "version": "3.6.20",
    }
    if domain is not None:
        call["domain"] = domain
    return call


def slot_events(body: dict) -> dict:
    out = {}
    for e in body["events"]:
        assert e["event"] == "slot"
        out[e["name"]] = e["value"]
    return out


def texts(body: dict) -> list[str]:
    return [r["text"] for r in body["responses"]]


class Stack:
    def __init__(self, engine, services, server, http):
        self.engine, self.services, self.server, self.http = engine, services, server, http

    async def post(self, call, raw: bytes | None = None, headers: dict | None = None):
        data = raw if raw is not None else json.dumps(call).encode()
        async with self.http.post(self.server.make_url("/webhook"), data=data,
                                  headers={"Content-Type": "application/json", **(headers or {})}) as r:
            return r.status, await r.json()

    async def run(self, *args, **kw) -> dict:
        status, body = await self.post(webhook_call(*args, **kw))
        assert status == 200, body
        return body

    async def events(self, kind: str | None = None) -> list:
        q = select(events_table).order_by(events_table.c.id)
        if kind:
            q = q.where(events_table.c.kind == kind)
        async with self.services.records.engine.connect() as conn:
            return list(await conn.execute(q))


async def start_stack(tmp_path, clock, database_url=None, redis_url=None, redis_prefix="t:"):
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=database_url,
                                         redis_url=redis_url, redis_prefix=redis_prefix)
    server = TestServer(make_action_app(services, RasaBridge(services, engine)), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    return Stack(engine, services, server, http)


async def stop_stack(stack: Stack) -> None:
    await stack.http.close()
    await stack.server.close()
    await stack.services.close()


@pytest.fixture
async def stack(tmp_path, clock):
    s = await start_stack(tmp_path, clock)
    yield s
    await stop_stack(s)


# protocol ------------------------------------------------------------------------------------------
async def test_health_and_actions(stack):
    async with stack.http.get(stack.server.make_url("/health")) as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok"}
    async with stack.http.get(stack.server.make_url("/actions")) as r:
        assert r.status == 200
        names = {item["name"] for item in await r.json()}
    assert names == EXPECTED_ACTIONS


async def test_bad_calls_get_clear_answers(stack):
    status, body = await stack.post(None, raw=b"{not json")
    assert status == 400 and body["error"] == "Invalid body request"
    status, body = await stack.post(webhook_call("action_nope"))
    assert status == 404 and body["action_name"] == "action_nope"
    status, body = await stack.post(webhook_call("action_record_reperage", domain=None))
    assert status == 449 and body["action_name"] == "action_record_reperage"
    call = webhook_call("action_answer_faq")
    del call["tracker"]["sender_id"]
    status, body = await stack.post(call)
    assert status == 400 and "sender_id" in body["error"]
    status, body = await stack.post(webhook_call("action_answer_faq", sender="x" * 129))
    assert status == 400 and "sender_id" in body["error"]
    call = webhook_call("action_answer_faq")
    call["tracker"]["slots"] = ["age"]
    status, body = await stack.post(call)
    assert status == 400 and "tracker.slots" in body["error"]
    call = webhook_call("action_answer_faq")
    call["tracker"]["latest_message"]["text"] = 42
    status, body = await stack.post(call)
    assert status == 400 and body["error"] == "tracker.latest_message.text must be a text"
    call = webhook_call("action_answer_faq", entities=["faq_topic"])
    status, body = await stack.post(call)
    assert status == 400 and "entities" in body["error"]
    status, body = await stack.post(["next_action"])
    assert status == 400 and "JSON object" in body["error"]
    assert await stack.events() == []        # nothing half-recorded


async def test_deflated_body_is_read(stack):
    raw = zlib.compress(json.dumps(webhook_call("action_answer_faq", text="c koi le cej")).encode())
    status, body = await stack.post(None, raw=raw, headers={"Content-Encoding": "deflate"})
    assert status == 200
    assert texts(body) == [stack.services.faq.answer("cej")]


# the repérage form ---------------------------------------------------------------------------------
async def form(stack, slot, value, slots=None, **kw):
    return await stack.run("validate_reperage_form", text=str(value), form="reperage_form",
                           slots={"requested_slot": slot, **(slots or {})}, candidates={slot: value}, **kw)


async def test_form_validates_age(stack):
    body = await form(stack, "age", "jai 17 ans")
    assert slot_events(body) == {"age": 17, "age_band": "ok", "minor": True}
    assert body["responses"] == []
    body = await form(stack, "age", "bof")
    assert slot_events(body) == {"age": None}
    assert texts(body) == ["Je n'ai pas compris ton âge. Écris-le en chiffres, par exemple 19."]
    body = await form(stack, "age", "passer")
    assert slot_events(body) == {"age": "inconnu"}       # answered (skipped): the form moves on
    body = await form(stack, "age", {"what": "bleu"})     # whatever a custom mapping put there
    assert slot_events(body) == {"age": None}
    body = await form(stack, "age", "27")
    assert slot_events(body) == {"age": 27, "age_band": "handicap", "minor": False}


async def test_form_validates_commune(stack):
    body = await form(stack, "commune", "perigeux")
    assert slot_events(body) == {"commune": "Périgueux", "commune_insee": "24322",
                                 "commune_nom": "Périgueux", "mission_locale": "ml-grand-perigueux",
                                 "commune_outside": False}
    body = await form(stack, "commune", "saint martin")
    assert slot_events(body) == {"commune": None}
    [reply] = body["responses"]
    assert reply["text"] == "J'ai trouvé plusieurs communes. C'est laquelle ?"
    payloads = [b["payload"] for b in reply["buttons"]]
    assert len(payloads) >= 2 and all(p.startswith("insee:") for p in payloads)
    assert "Saint-Martin-de-Ré (Charente-Maritime)" in [b["title"] for b in reply["buttons"]]
    # the jeune presses a button: its payload comes back as the slot's value
    body = await form(stack, "commune", "insee:17369")
    assert slot_events(body)["commune"] == "Saint-Martin-de-Ré"
    assert slot_events(body)["mission_locale"] == full_config().territory.ml_for("17369").id
    body = await form(stack, "commune", "Montpellier")
    assert slot_events(body) == {"commune": "hors_region", "commune_outside": True}
    body = await form(stack, "commune", "xyzzy")
    assert slot_events(body) == {"commune": None}
    assert "code postal" in texts(body)[0]


async def test_form_validates_situation_and_known(stack):
    body = await form(stack, "situation", "sans_activite")
    assert slot_events(body) == {"situation": "sans_activite"}
    body = await form(stack, "situation", "je suis en formation")
    assert slot_events(body) == {"situation": "formation"}
    body = await form(stack, "situation", "bleu")
    assert slot_events(body) == {"situation": None}
    [reply] = body["responses"]
    assert reply["text"] == "Choisis un bouton, ou écris « passer »."
    assert [b["payload"] for b in reply["buttons"]] == [
        "scolaire", "formation", "emploi", "sans_activite", "autre"]
    body = await form(stack, "known_ml", False)             # a bool from an affirm/deny mapping
    assert slot_events(body) == {"known_ml": False}
    body = await form(stack, "known_ml", "ouais")
    assert slot_events(body) == {"known_ml": True}
    body = await form(stack, "last_contact", "il y a 2 ans")
    assert slot_events(body) == {"last_contact": 24}
    body = await form(stack, "last_contact", "je sais plus")
    assert slot_events(body) == {"last_contact": "inconnu"}


async def test_crisis_in_a_form_answer_stops_the_form(stack):
    body = await form(stack, "age", "jveux plus vivre")
    got = slot_events(body)
    assert got["age"] is None and got["requested_slot"] is None and got["crisis"] == "suicide"
    assert "3114" in texts(body)[0]
    [crisis] = await stack.events("crisis")
    assert crisis.data == {"category": "suicide"}
    row = await stack.services.conversations.get(crisis.jeune_id)
    assert row["status"] == "crisis"


async def test_record_reperage_sets_cohort_and_saves_the_event(stack):
    await stack.run("action_give_consent", sender="lea")
    slots = {"age": 17, "commune": "Périgueux", "commune_insee": "24322",
             "mission_locale": "ml-grand-perigueux", "situation": "sans_activite", "known_ml": True,
             "last_contact": 12}
    body = await stack.run("action_record_reperage", sender="lea", slots=slots)
    assert slot_events(body) == {"cohort": "reactive"}
    [event] = await stack.events("reperage")
    jeune_id = stack.engine.jeune_id("rasa", "lea")
    assert (event.jeune_id, event.channel, event.mission_locale, event.cohort, event.minor) == (
        jeune_id, "rasa", "ml-grand-perigueux", "reactive", True)
    assert event.data == {"situation": "sans_activite"}
    # Tuesday 22:30 in Périgueux: out of its hours, inside its evening permanence
    assert event.out_of_hours is True
    assert event.action_id == "permanence-numerique-soir-perigueux"
    profile = await stack.services.records.get_profile(jeune_id)
    assert profile["consent"] is True and profile["cohort"] == "reactive"
    # skipped answers read as unknown, not as values
    body = await stack.run("action_record_reperage", sender="zoe",
                           slots={"age": "inconnu", "known_ml": True, "last_contact": "inconnu"})
    assert slot_events(body) == {"cohort": "inconnu"}


async def test_without_consent_personal_answers_are_not_kept(stack):
    await stack.run("action_refuse_consent", sender="sam")
    await form(stack, "age", "19", sender="sam")
    await form(stack, "commune", "Bordeaux", sender="sam")
    jeune_id = stack.engine.jeune_id("rasa", "sam")
    profile = await stack.services.records.get_profile(jeune_id)
    assert profile["consent"] is False
    assert profile["age"] is None and profile["commune_insee"] is None
    assert profile["mission_locale"] == "ml-bordeaux"        # not personal: routes the figures
    [contact] = await stack.events("contact")
    assert contact.mission_locale == "ml-bordeaux"


async def test_one_contact_per_session_and_a_pseudonymous_id(stack, clock):
    await stack.run("action_answer_faq", sender="+33612345678", text="c koi le cej")
    await stack.run("action_answer_faq", sender="+33612345678", text="et le permis ?")
    assert len(await stack.events("contact")) == 1
    clock.advance(hours=2)
    await stack.run("action_answer_faq", sender="+33612345678", text="et le logement")
    contacts = await stack.events("contact")
    assert len(contacts) == 2
    everything = await stack.events()
    assert {e.jeune_id for e in everything} == {stack.engine.jeune_id("rasa", "+33612345678")}
    assert all("+3361" not in json.dumps(e.data) for e in everything)


async def test_resolve_commune_action(stack):
    body = await stack.run("action_resolve_commune", text="jhabite a 24000")
    assert slot_events(body)["mission_locale"] == "ml-grand-perigueux"
    body = await stack.run("action_resolve_commune", slots={"commune": "bordeau"})
    assert slot_events(body)["commune_insee"] == "33063"


async def test_source_code_names_the_extra_muros_action(stack):
    await stack.run("action_answer_faq", sender="qr", text="c koi le cej",
                    metadata={"source": "maraude-perigueux"})
    [contact] = await stack.events("contact")
    assert contact.action_id == "maraude-perigueux"


# FAQ, a person, a crisis, erasure -----------------------------------------------------------------
async def test_faq_answers(stack):
    faq = stack.services.faq
    body = await stack.run("action_answer_faq", text="c koi le cej")
    [reply] = body["responses"]
    assert reply["text"] == faq.answer("cej")
    assert [b["payload"] for b in reply["buttons"]] == ["/rdv", "/conseiller", "/question"]
    # the topic Rasa already knows (entity, retrieval intent) wins over our matcher
    body = await stack.run("action_answer_faq", text="et ça ?",
                           entities=[{"entity": "faq_topic", "value": "permis"}])
    assert texts(body) == [faq.answer("permis")]
    body = await stack.run("action_answer_faq", text="truc", intent="faq/logement")
    assert texts(body) == [faq.answer("logement")]
    # a button's topic is answered once, then the slot is cleared
    body = await stack.run("action_answer_faq", text='/faq{"faq_topic": "sante"}',
                           slots={"faq_topic": "sante"})
    assert texts(body) == [faq.answer("sante")]
    assert slot_events(body) == {"faq_topic": None}
    # horaires of the jeune's own Mission Locale
    body = await stack.run("action_answer_faq", text="vous ouvrez quand",
                           slots={"mission_locale": "ml-bordeaux"})
    assert "Bordeaux" in texts(body)[0]
    body = await stack.run("action_answer_faq", text="zzkx wop")
    [reply] = body["responses"]
    assert reply["buttons"][-1]["payload"] == "/conseiller"
    topics = [e.data["topic"] for e in await stack.events("faq")]
    assert topics == ["cej", "permis", "logement", "sante", "horaires", None]


async def test_faq_same_understanding_as_insysteme_faq_json(stack):
    # issue 17: Rasa takes "slt c koi le cej" for a greeting; the action reads the words as
    # `insysteme faq --json` does
    from bot.understanding.faq import faq_json
    faq = stack.services.faq
    assert faq_json(faq, "slt c koi le cej")["topic"] == "cej"
    body = await stack.run("action_answer_faq", text="slt c koi le cej", intent="salutation")
    assert texts(body) == [faq.answer("cej")]


async def test_faq_never_answers_distress(stack):
    body = await stack.run("action_answer_faq", text="mon copain me frappe c quoi le cej")
    [reply] = body["responses"]
    from bot.understanding.crisis import crisis_answer, detect_crisis
    found = detect_crisis("mon copain me frappe c quoi le cej")
    assert found.category == "violence_conjugale"
    assert reply["text"] == crisis_answer(stack.services.config.crisis, found)
    assert "3919" in reply["text"]
    assert slot_events(body) == {"crisis": "violence_conjugale"}
    assert await stack.events("faq") == []


async def test_request_human(stack):
    alerts = []

    async def listen(alert):
        alerts.append(alert)
    stack.services.alerts.subscribe(listen)
    body = await stack.run("action_request_human", sender="max", slots={"mission_locale": "ml-bordeaux"})
    [reply] = body["responses"]
    # Tuesday 22:30: nobody there; the next opening is said honestly
    # issue 17: the Mission Locale named, closed now, and when someone reads
    assert reply["text"].startswith("C'est noté. Mission Locale Bordeaux est fermée en ce moment")
    assert "mercredi 25" in reply["text"]
    assert reply["buttons"] == [{"title": "Prendre rendez-vous", "payload": "/rdv"}]
    jeune_id = stack.engine.jeune_id("rasa", "max")
    row = await stack.services.conversations.get(jeune_id)
    assert (row["status"], row["mission_locale"]) == ("waiting", "ml-bordeaux")
    assert [(a["kind"], a["jeune_id"]) for a in alerts] == [("handoff", jeune_id)]
    [handoff] = await stack.events("handoff")
    assert handoff.mission_locale == "ml-bordeaux"
    # the référent reads what was asked
    said = await stack.services.records.transcript(jeune_id)
    assert [t["direction"] for t in said][-1] == "out"


async def test_raise_crisis(stack):
    body = await stack.run("action_raise_crisis", text="jsuis a la rue ce soir", intent="detresse")
    assert slot_events(body) == {"crisis": "sans_abri"}
    body = await stack.run("action_raise_crisis", sender="other", text="hmm", intent="detresse")
    from bot.understanding.crisis import Crisis, crisis_answer
    assert texts(body) == [crisis_answer(stack.services.config.crisis, Crisis("autre", ""))]
    assert body["responses"][0]["buttons"] == [{"title": "Parler à un conseiller", "payload": "/conseiller"}]
    assert [e.data["category"] for e in await stack.events("crisis")] == ["sans_abri", "autre"]


async def test_forget_me(stack):
    await stack.run("action_give_consent", sender="eve")
    await form(stack, "age", "20", sender="eve")
    jeune_id = stack.engine.jeune_id("rasa", "eve")
    assert (await stack.services.records.get_profile(jeune_id))["age"] == 20
    body = await stack.run("action_forget_me", sender="eve")
    assert "effacé" in texts(body)[0]
    assert await stack.services.records.get_profile(jeune_id) is None
    assert await stack.services.records.addresses(jeune_id) == []
    assert all(e.jeune_id != jeune_id for e in await stack.events())


# appointments and raccrochage ----------------------------------------------------------------------
PERIGUEUX = {"mission_locale": "ml-grand-perigueux"}


async def test_list_book_and_cancel_an_appointment(stack):
    body = await stack.run("action_list_slots", sender="ana", text="je veux un rdv", slots=PERIGUEUX)
    intro, question = body["responses"]
    assert intro["text"] == "Voici les prochains rendez-vous libres :"
    assert question["text"].startswith("Lequel te va ?")
    payloads = [b["payload"] for b in question["buttons"]]
    assert payloads[-1] == "rdv:autres" and all(p.startswith("slot:") for p in payloads[:-1])
    offered = slot_events(body)
    assert offered["rdv_next"] == "choisir" and len(offered["rdv_offered"]) == len(payloads) - 1
    # "2" is the second button, as in the built-in chat
    body = await stack.run("action_book_slot", sender="ana", text="2", slots={**PERIGUEUX, **offered})
    [confirm] = body["responses"]
    assert confirm["text"].startswith("C'est noté ! Ton rendez-vous :")
    ics = base64.b64decode(confirm["custom"]["attachment"]["base64"]).decode()
    assert "BEGIN:VCALENDAR" in ics and confirm["custom"]["attachment"]["mime"] == "text/calendar"
    booked = slot_events(body)
    assert booked["rdv_booking"] and booked["rdv_when"]
    [event] = await stack.events("rdv_booked")
    assert event.data["slot"] == offered["rdv_offered"][1]
    assert event.mission_locale == "ml-grand-perigueux"
    # an answer that is no slot: asked again, with the same buttons
    body = await stack.run("action_book_slot", sender="ana", text="bleu", slots=PERIGUEUX)
    assert body["responses"][0]["text"].startswith("Choisis un bouton")
    assert [b["payload"] for b in body["responses"][0]["buttons"]] == payloads
    body = await stack.run("action_show_rdv", sender="ana")
    assert texts(body)[0].startswith("Ton rendez-vous : ") and booked["rdv_when"] in texts(body)[0]
    body = await stack.run("action_cancel_rdv", sender="ana")
    assert texts(body)[0].startswith("C'est annulé")
    assert len(await stack.events("rdv_cancelled")) == 1
    body = await stack.run("action_cancel_rdv", sender="ana")
    assert texts(body) == ["Je ne trouve pas de rendez-vous à annuler."]


async def test_slots_need_a_mission_locale(stack):
    body = await stack.run("action_list_slots", sender="noml", text="rdv")
    assert slot_events(body)["rdv_next"] == "commune"
    assert texts(body) == ["Pour te proposer un rendez-vous, j'ai besoin de ta commune. "
                           "Écris son nom ou son code postal."]


async def test_register_for_a_raccrochage_session(stack):
    body = await stack.run("action_list_sessions", sender="rob", slots=PERIGUEUX)
    listing, question = body["responses"]
    assert "Ateliers « Je reprends »" in listing["text"]
    first = question["buttons"][0]["payload"]
    assert first.startswith("sess:")
    body = await stack.run("action_register_raccrochage", sender="rob", text=first,
                           slots={**PERIGUEUX, "racc_session": first})
    assert texts(body)[0].startswith("C'est noté, tu es inscrit !")
    [event] = await stack.events("raccrochage_registered")
    assert event.action_id == "ateliers-reprise-perigueux"
    report = await build_report(stack.services.records, date(2026, 11, 24), date(2026, 11, 24), None,
                                stack.services.config.actions)
    assert report["raccrochage_registered"] == 1
    assert report["actions_by_type"]["raccrochage"]["jeunes"] == 1


# same figures as the built-in engine -----------------------------------------------------------------
ANSWERS = {"age": "17", "commune": "Perigueux", "situation": "sans_activite", "known_ml": "non"}


async def reperage_with_engine(engine) -> None:
    def m(text, **kw):
        return Incoming("web", "session-1", text=text, **kw)
    await engine.handle(m("slt"))
    await engine.handle(m("Me présenter", kind="button", button_value="reperage"))
    await engine.handle(m("oui", kind="button", button_value="oui"))
    for slot in ("age", "commune"):
        await engine.handle(m(ANSWERS[slot]))
    await engine.handle(m("Rien", kind="button", button_value=ANSWERS["situation"]))
    replies = await engine.handle(m(ANSWERS["known_ml"], kind="button", button_value="non"))
    assert "Merci ! C'est noté." in [r.text for r in replies]


async def reperage_with_rasa(stack) -> None:
    sender = "rasa-session-1"
    await stack.run("action_give_consent", sender=sender, text="oui", intent="affirm")
    slots: dict = {}
    for slot in ("age", "commune", "situation", "known_ml"):
        body = await form(stack, slot, ANSWERS[slot], slots=slots, sender=sender)
        slots.update(slot_events(body))
    body = await stack.run("action_record_reperage", sender=sender, slots=slots)
    assert slot_events(body) == {"cohort": "repere"}


@pytest.mark.parametrize("backend", ["sqlite+memory", "postgresql+redis"])
async def test_report_counts_a_rasa_reperage_like_an_engine_one(backend, tmp_path, clock, redis_prefix):
    from tests.conftest import create_pg_database, drop_pg_database
    reports = {}
    for side in ("engine", "rasa"):
        url = await create_pg_database() if backend.startswith("postgresql") else None
        s = await start_stack(tmp_path / side, clock, database_url=url,
                              redis_url=REDIS_URL if url else None, redis_prefix=redis_prefix + side)
        try:
            await (reperage_with_engine(s.engine) if side == "engine" else reperage_with_rasa(s))
            day = date(2026, 11, 24)
            reports[side] = await build_report(s.services.records, day, day, None,
                                               s.services.config.actions)
        finally:
            await stop_stack(s)
            if url:
                await drop_pg_database(url)
    engine_report, rasa_report = reports["engine"], reports["rasa"]
    assert rasa_report == engine_report
    # and the figures are the ones a reader expects, not two equal zeros
    assert (engine_report["jeunes"], engine_report["repere"], engine_report["minors_share"],
            engine_report["contacts_out_of_hours"]) == (1, 1, 1.0, 1)
    assert engine_report["actions_by_type"]["temps-additionnel"]["jeunes"] == 1
    assert list(engine_report["mission_locale"]) == ["ml-grand-perigueux"]


# the command ------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_insysteme_actions_command_serves(tmp_path):
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "INSYSTEME_CONFIG": str(ROOT / "config"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'records.db'}", "INSYSTEME_VAR": str(tmp_path),
           "INSYSTEME_SECRET": "test", "INSYSTEME_CACHE": os.environ["INSYSTEME_CACHE"]}
    proc = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "actions", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(900):   # it listens once its crisis model is ready: trained (~10 s) or loaded
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode())
                try:
                    async with http.get(f"http://127.0.0.1:{port}/health") as r:
                        assert r.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the action server did not start")
            call = webhook_call("action_answer_faq", text="c koi le cej")
            async with http.post(f"http://127.0.0.1:{port}/webhook", json=call) as r:
                assert r.status == 200
                body = await r.json()
        assert "CEJ" in texts(body)[0] or "Contrat" in texts(body)[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bad_port_is_refused(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INSYSTEME_CONFIG": str(ROOT / "config"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'records.db'}", "INSYSTEME_VAR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "bot.app.cli", "actions", "--port", "70000"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--port 70000" in r.stderr and "Traceback" not in r.stderr
