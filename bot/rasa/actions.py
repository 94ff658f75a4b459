"""The rasa-sdk actions: each one calls the registered domain code of bot/actions (the code the
built-in flows call), through the bridge. See docs/rasa.md for the domain.yml a Rasa project needs.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.contract import Validation
from bot.dialogue import textes
from bot.dialogue.registry import ACTIONS, VALIDATORS, load_registry
from bot.messages import Button
from bot.rasa.bridge import (
    DEFAULT_VALIDATORS,
    FORM_SLOTS,
    OUTSIDE,
    SKIPPED,
    RasaBridge,
    RasaTurn,
    declared,
    slot_event,
    user_text,
)
from bot.understanding.crisis import detect_crisis

REQUESTED_SLOT = "requested_slot"
SMALL_TALK = {"merci": "Avec plaisir ! " + textes.ANYTHING_ELSE,
              "salutation": "Salut ! " + textes.ANYTHING_ELSE}


class InsystemeAction(Action):
    """One domain action per Rasa action; subclasses say which (`domain_action`) or override act()."""
    rasa_name = ""
    domain_action = ""

    def __init__(self, bridge: RasaBridge):
        self.bridge = bridge

    def name(self) -> str:
        return self.rasa_name

    def available(self) -> bool:
        """False when the domain action is not part of this installation (not registered)."""
        return not self.domain_action or self.domain_action in ACTIONS

    def params(self, tracker: Tracker) -> dict[str, Any]:
        return {}

    async def act(self, t: RasaTurn, tracker: Tracker, domain: dict) -> None:
        await self.bridge.call(t, ACTIONS[self.domain_action], self.params(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict) -> list[dict]:
        async with self.bridge.turn(tracker) as t:
            await self.act(t, tracker, domain)
        return self.bridge.respond(t, dispatcher, domain)


# consent and repérage ----------------------------------------------------------------------------
class ActionGiveConsent(InsystemeAction):
    """The jeune agreed that their answers are kept (asked before any personal question)."""
    rasa_name, domain_action = "action_give_consent", "give_consent"

    async def act(self, t, tracker, domain):
        await super().act(t, tracker, domain)
        t.slots["consent"] = True


class ActionRefuseConsent(InsystemeAction):
    rasa_name, domain_action = "action_refuse_consent", "refuse_consent"

    async def act(self, t, tracker, domain):
        await super().act(t, tracker, domain)
        t.slots["consent"] = False


class ActionRecordReperage(InsystemeAction):
    """The repérage is complete: its cohort (slot `cohort`) and the `reperage` event."""
    rasa_name, domain_action = "action_record_reperage", "record_reperage"


def validation_slots(slot: str, v: Validation) -> dict[str, Any]:
    """A validator's verdict as Rasa slot values. Rasa re-asks a form slot while it is None, so
    an answer the jeune skipped is `inconnu`, a commune outside the region `hors_region`."""
    if not v.ok:
        return {slot: None}
    out = dict(v.slots)
    out.pop("age_ok", None)
    if slot == "commune":
        if v.value is None:
            out["commune"] = OUTSIDE if v.slots.get("commune_outside") else SKIPPED
        else:
            out.update(commune=v.slots.get("commune_nom") or v.value, commune_insee=v.value)
    else:
        out[slot] = SKIPPED if v.value is None else v.value
    return out


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


async def validate_answer(bridge: RasaBridge, t: RasaTurn, slot: str, value: Any) -> dict[str, Any]:
    """The repérage question's own validator (and buttons) from flows/reperage.yml; on a wrong
    answer, the validator's message or the question's reprompt is said."""
    step = _reperage_step(bridge, FORM_SLOTS[slot])
    name = step.validator if step is not None else DEFAULT_VALIDATORS[slot]
    params = {"buttons": list(step.buttons)} if step is not None else {}
    v = await bridge.validate(t, VALIDATORS[name], _as_text(value), params)
    if not v.ok:
        message = v.message or (step.reprompt if step is not None else None)
        if message:
            t.say(message, v.buttons or (step.buttons if step is not None else []))
    return validation_slots(slot, v)


def _reperage_step(bridge: RasaBridge, flow_slot: str):
    flow = bridge.s.config.flows.get("reperage") if bridge.s.config.flows else None
    for step in (flow.steps if flow else []):
        if step.kind == "ask" and step.slot == flow_slot:
            return step
    return None


class ValidateReperageForm(FormValidationAction):
    """Validates the slots of a Rasa form `reperage_form` (age, commune, situation, known_ml,
    last_contact, disability) with the validators the built-in repérage flow uses."""

    def __init__(self, bridge: RasaBridge):
        self.bridge = bridge

    def name(self) -> str:
        return "validate_reperage_form"

    def available(self) -> bool:
        return True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict) -> list[dict]:
        text = user_text(tracker)
        found = detect_crisis(text) if text else None
        if found is not None and not found.soft:    # a soft find: the answer to the question first
            # crisis first: nothing of this message is an answer; the form stops
            async with self.bridge.turn(tracker) as t:
                self.bridge.crisis(t)
            events = self.bridge.respond(t, dispatcher, domain)
            pending = [k for k in tracker.slots_to_validate() if k in FORM_SLOTS]
            return events + [slot_event(k, None) for k in pending] + [slot_event(REQUESTED_SLOT, None)]
        return await super().run(dispatcher, tracker, domain)

    async def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher,
                        tracker: Tracker, domain: dict) -> dict[str, Any]:
        if value in (SKIPPED, OUTSIDE):
            return {slot: value}
        async with self.bridge.turn(tracker) as t:
            out = await validate_answer(self.bridge, t, slot, value)
        self.bridge.respond(t, dispatcher, domain)
        return {k: v for k, v in out.items() if k == slot or declared(domain, k)}

    async def validate_age(self, value, dispatcher, tracker, domain):
        return await self._validate("age", value, dispatcher, tracker, domain)

    async def validate_commune(self, value, dispatcher, tracker, domain):
        return await self._validate("commune", value, dispatcher, tracker, domain)

    async def validate_situation(self, value, dispatcher, tracker, domain):
        return await self._validate("situation", value, dispatcher, tracker, domain)

    async def validate_known_ml(self, value, dispatcher, tracker, domain):
        return await self._validate("known_ml", value, dispatcher, tracker, domain)

    async def validate_last_contact(self, value, dispatcher, tracker, domain):
        return await self._validate("last_contact", value, dispatcher, tracker, domain)

    async def validate_disability(self, value, dispatcher, tracker, domain):
        return await self._validate("disability", value, dispatcher, tracker, domain)


class ActionResolveCommune(InsystemeAction):
    """A commune (slot `commune`, else the latest message) → `commune_insee`, `commune_nom`,
    `mission_locale`; several candidates → buttons to choose."""
    rasa_name = "action_resolve_commune"

    async def act(self, t, tracker, domain):
        value = tracker.get_slot("commune")
        text = value if isinstance(value, str) and value not in (SKIPPED, OUTSIDE) else t.text
        t.rasa_slots.update(await validate_answer(self.bridge, t, "commune", text))


# FAQ, a person, a crisis, erasure ---------------------------------------------------------------
def _asked_topic(tracker: Tracker, faq, explicit_only: bool = False) -> str | None:
    """The topic Rasa already knows: a `faq_topic` entity or slot (a button), or — unless
    `explicit_only` — a retrieval intent (`faq/cej`) or an intent named like a topic."""
    latest = tracker.latest_message or {}
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "faq_topic" and entity.get("value"):
            return str(entity["value"])
    if tracker.get_slot("faq_topic"):
        return str(tracker.get_slot("faq_topic"))
    selector = (latest.get("response_selector") or {}).get("faq") or {}
    intent = ((selector.get("response") or {}).get("intent_response_key")
              or (latest.get("intent") or {}).get("name") or "")
    if explicit_only and not intent.startswith("faq/"):
        return None      # a plain intent ("salutation") is no topic named: our matcher reads the words
    topic = intent.split("/", 1)[1] if intent.startswith("faq/") else intent
    return topic if topic in faq.faq.topics else None


class ActionAnswerFaq(InsystemeAction):
    """An answer from config/faq.yml: the topic Rasa names, else insysteme's own matcher on the
    message. Distress is never answered with a FAQ."""
    rasa_name = "action_answer_faq"

    async def act(self, t, tracker, domain):
        bridge = self.bridge
        faq = bridge.s.faq
        if bridge.crisis(t):
            return
        if faq is None:
            t.say(textes.NOT_UNDERSTOOD, [Button(textes.BTN_CONSEILLER, "intent:conseiller")])
            return
        if tracker.get_slot("faq_topic") is not None:
            t.slots["faq_topic"] = None            # answered once, not again next time
        # the same understanding as `insysteme faq --json` and the engine: a button's topic, else
        # insysteme's matcher on the words, and Rasa's own intent only when ours finds nothing
        # (Rasa takes "slt c koi le cej" for a greeting)
        topic = _asked_topic(tracker, faq, explicit_only=True)
        match = None
        if topic is None and t.text:
            match = faq.match(t.text)
            if match.topic is not None and not match.ambiguous:
                topic = match.topic
        if topic is None and (match is None or match.topic is None):
            topic = _asked_topic(tracker, faq)
        ml = t.context(bridge.s).mission_locale
        answer = faq.answer(topic, ml) if topic else None
        if answer is not None:
            t.say(answer, faq.follow_up(topic))
            t.events.append({"kind": "faq", "data": {"topic": topic}})
        elif topic == "conseiller":
            await bridge.call(t, ACTIONS["request_human"], {"reason": "demande"})
        elif topic == "rdv":
            t.say("Pour prendre rendez-vous, appuie sur le bouton.",
                  [Button(textes.BTN_RDV, "intent:rdv")])
        elif topic in SMALL_TALK:
            t.say(SMALL_TALK[topic])
        else:
            buttons = [Button(faq.label(tid), f"faq:{tid}") for tid, _score in
                       (match.candidates[:3] if match else [])
                       if faq.answer(tid) is not None]
            buttons.append(Button(textes.BTN_CONSEILLER, "intent:conseiller"))
            t.say(textes.WHICH_ONE if match and match.ambiguous else textes.NOT_UNDERSTOOD, buttons)
            t.events.append({"kind": "faq", "data": {"topic": None}})


class ActionRequestHuman(InsystemeAction):
    """To the référents' inbox (status waiting), an alert, and an honest answer about when."""
    rasa_name, domain_action = "action_request_human", "request_human"

    def params(self, tracker):
        return {"reason": tracker.get_slot("handoff_reason") or "demande"}


class ActionRaiseCrisis(InsystemeAction):
    """The assistant recognised distress (`detresse`): emergency numbers at once, référents
    alerted; the category comes from insysteme's detection, else the general answer."""
    rasa_name = "action_raise_crisis"

    async def act(self, t, tracker, domain):
        self.bridge.crisis(t, insist=True)


class ActionForgetMe(InsystemeAction):
    """Erasure on request: profile, addresses, transcript and state; events stay pseudonymous."""
    rasa_name, domain_action = "action_forget_me", "forget_me"


# appointments and raccrochage (bot/rdv/actions.py) -----------------------------------------------
class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def ask(bridge: RasaBridge, t: RasaTurn, flow: str, step_id: str, buttons: list[Button] | None = None,
        reprompt: bool = False) -> None:
    """Say a question of flows/<flow>.yml (the text a Mission Locale edits), with its buttons or
    the ones an action offered."""
    found = bridge.s.config.flows.get(flow) if bridge.s.config.flows else None
    index = found.index_of(step_id) if found else None
    if index is None:
        if buttons:
            t.say("Choisis :", buttons)
        return
    step = found.steps[index]
    text = (step.reprompt if reprompt and step.reprompt else step.text) or ""
    try:
        text = text.format_map(_Blank({k: v for k, v in t.slots.items() if v is not None}))
    except (ValueError, IndexError, AttributeError):
        pass
    t.say(text, buttons if buttons is not None else step.buttons)


async def _after_rdv(bridge: RasaBridge, t: RasaTurn) -> None:
    """What flows/rdv.yml does after its actions: ask to choose, ask the commune, or the phone."""
    step = {"commune": "commune", "gerer": "gerer", "annuler": "annuler"}.get(t.slots.get("rdv_next"))
    if t.options:
        ask(bridge, t, "rdv", "creneau", buttons=t.options)
    elif t.slots.get("rdv_next") == "telephone":
        await bridge.call(t, ACTIONS["rdv_phone"])
    elif t.slots.get("rdv_next") == "voir":
        await bridge.call(t, ACTIONS["rdv_show"])
    elif step:
        ask(bridge, t, "rdv", step)


class ActionListSlots(InsystemeAction):
    """The next free appointments of the jeune's Mission Locale as buttons (a wish in the message,
    "jeudi aprem", narrows them). `rdv_next` says what else is needed: commune, telephone (no
    online slot: the phone number is given), gerer/annuler/voir (a booking exists, `rdv_when`)."""
    rasa_name, domain_action = "action_list_slots", "rdv_start"

    async def act(self, t, tracker, domain):
        await super().act(t, tracker, domain)
        await _after_rdv(self.bridge, t)


class ActionBookSlot(InsystemeAction):
    """Book (or move to) the slot in `rdv_slot` (a button payload, its number, or a wish that
    re-offers); taken meanwhile → said, and the next slots offered. Sends the .ics."""
    rasa_name, domain_action = "action_book_slot", "rdv_book"

    async def act(self, t, tracker, domain):
        answer = tracker.get_slot("rdv_slot") or t.text
        v = await self.bridge.validate(t, VALIDATORS["rdv_slot"], str(answer or ""),
                                       {"buttons": t.offered()})
        if not v.ok:
            t.slots["rdv_slot"] = None
            ask(self.bridge, t, "rdv", "creneau", buttons=t.offered(), reprompt=True)
            return
        t.slots["rdv_slot"] = v.value
        t.slots.update(v.slots)
        await super().act(t, tracker, domain)
        await _after_rdv(self.bridge, t)


class ActionCancelRdv(InsystemeAction):
    rasa_name, domain_action = "action_cancel_rdv", "rdv_cancel"


class ActionShowRdv(InsystemeAction):
    rasa_name, domain_action = "action_show_rdv", "rdv_show"


class ActionListSessions(InsystemeAction):
    """Upcoming raccrochage sessions (ateliers) of the jeune's Mission Locale and the network's.
    `racc_next`: choisir, commune (asked once when the Mission Locale is unknown), aucune, annuler."""
    rasa_name, domain_action = "action_list_sessions", "raccrochage_offer"

    async def act(self, t, tracker, domain):
        await super().act(t, tracker, domain)
        step = {"commune": "commune", "aucune": "aucune", "annuler": "annuler"}.get(
            t.slots.get("racc_next"))
        if t.options:
            ask(self.bridge, t, "raccrochage", "seance", buttons=t.options)
        elif step:
            ask(self.bridge, t, "raccrochage", step)


class ActionRegisterRaccrochage(InsystemeAction):
    """Register for the session in `racc_session` (a button payload or its number); full → the
    waiting list. The `raccrochage_registered` event carries the raccrochage action."""
    rasa_name, domain_action = "action_register_raccrochage", "raccrochage_register"

    async def act(self, t, tracker, domain):
        answer = tracker.get_slot("racc_session") or t.text
        v = await self.bridge.validate(t, VALIDATORS["raccrochage_session"], str(answer or ""),
                                       {"buttons": t.offered()})
        if not v.ok:
            t.slots["racc_session"] = None
            ask(self.bridge, t, "raccrochage", "seance", buttons=t.offered(), reprompt=True)
            return
        t.slots["racc_session"] = v.value
        await super().act(t, tracker, domain)


def all_actions(bridge: RasaBridge) -> list[Action]:
    """Every action this installation can serve (rdv ones only when their domain code exists)."""
    load_registry()
    candidates: list[Any] = [
        ActionGiveConsent(bridge), ActionRefuseConsent(bridge), ValidateReperageForm(bridge),
        ActionResolveCommune(bridge), ActionRecordReperage(bridge), ActionAnswerFaq(bridge),
        ActionRequestHuman(bridge), ActionRaiseCrisis(bridge), ActionForgetMe(bridge),
        ActionListSlots(bridge), ActionBookSlot(bridge), ActionCancelRdv(bridge),
        ActionShowRdv(bridge), ActionListSessions(bridge), ActionRegisterRaccrochage(bridge),
    ]
    return [a for a in candidates if a.available()]
