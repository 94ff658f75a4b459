"""Booking, moving and cancelling an appointment; registering for a raccrochage session.

Used by flows/rdv.yml and flows/raccrochage.yml. Slots are offered as buttons the engine keeps as
options (`_engine.options`); the jeune may press one, type its number, or write a wish ("plutôt
jeudi aprem") that re-offers matching slots. Booking is atomic in the store: if the place went to
someone else a second earlier, the jeune is told and offered the next slots. Events carry the slot
key (a time and a Mission Locale), never who the jeune is.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.contract import ActionContext, Validation, action, choose, validator
from bot.clock import as_utc
from bot.rdv.ics import make_ics
from bot.messages import Attachment, Button
from bot.rdv.slots import (
    RdvConfig, Slot, find_slot, fold, french_datetime, next_free_slots, parse_wish, rdv_intent,
)
from bot.rdv.store import REGISTERED, session_key
from bot.rdv.reminders import (
    bookings_of, cancel_booking_messages, due_queue_of, plan_booking_reminders,
    plan_session_messages,
)

MORE = "rdv:autres"
_MORE_WORDS = re.compile(r"\b(?:autres?|aucun|aucune|rien|pas dispo|plus tard|d autres|ca va pas|"
                         r"marche pas|peux pas)\b")


def _cfg(ctx: ActionContext) -> RdvConfig | None:
    return getattr(ctx.services.config, "rdv", None)


def _closures(ctx: ActionContext, ml_id: str) -> list:
    ml = ctx.services.config.ml_by_id.get(ml_id)
    return list(ml.closures) if ml else []


def _engine(ctx: ActionContext, **values: Any) -> None:
    ctx.slots.setdefault("_engine", {}).update(values)


def _button(slot: Slot, several: bool) -> Button:
    label = slot.label() + (f" ({slot.who})" if several else "")
    return Button(label, slot.value)


def _buttons(slots: list[Slot], more: bool = True) -> list[Button]:
    several = len({s.resource for s in slots}) > 1
    out = [_button(s, several) for s in slots]
    if more and slots:
        out.append(Button("D'autres dates", MORE))
    return out


async def _free_slots(ctx: ActionContext, ml_id: str, wish=None, exclude=(), not_before=None,
                      limit: int | None = None) -> list[Slot]:
    """next_free_slots with the places taken read from the store (one query)."""
    cfg = _cfg(ctx)
    store = bookings_of(ctx.services)
    now = as_utc(ctx.now)
    if not_before is not None:
        now = max(now, as_utc(not_before) - timedelta(minutes=cfg.min_notice_minutes))
    candidates = next_free_slots(cfg, ml_id, now, ctx.services.holidays, {}, wish=wish,
                                 closures=_closures(ctx, ml_id), exclude=exclude, limit=10_000)
    taken = await store.taken([s.key for s in candidates[:200]])
    return [s for s in candidates[:200] if taken.get(s.key, 0) < s.capacity][:limit or cfg.offer_count]


def _offer(ctx: ActionContext, slots: list[Slot]) -> None:
    buttons = _buttons(slots)
    _engine(ctx, options=buttons)
    ctx.slots["rdv_offered"] = [s.key for s in slots]


# --- the appointment flow ---------------------------------------------------------------------------
@action("rdv_start")
async def rdv_start(ctx: ActionContext) -> None:
    """Where the rdv flow goes: `rdv_next` = commune | telephone | gerer | annuler | voir | choisir.
    Reads what the jeune asked ("je dois annuler mon rdv") and any wish ("jeudi aprem")."""
    intent = rdv_intent(ctx.text) or "book"
    ctx.slots["rdv_wish"] = ctx.text if parse_wish(ctx.text, ctx.now) else None
    ctx.slots["rdv_next"] = None
    booking = await bookings_of(ctx.services).active_booking(ctx.jeune_id, ctx.now)
    if booking is not None:
        ctx.slots["rdv_when"] = french_datetime(booking.start)
        ctx.slots["rdv_booking"] = booking.id
        ctx.slots["rdv_next"] = {"cancel": "annuler", "show": "voir", "move": "choisir"}.get(
            intent, "gerer")
        if intent == "move":
            await _prepare_offer(ctx, booking.ml_id)
        return
    ctx.slots["rdv_booking"] = None
    if intent in ("cancel", "show"):
        ctx.say("Je ne trouve pas de rendez-vous à ton nom pour l'instant.")
    ml = ctx.mission_locale
    if ml is None:
        ctx.slots["rdv_next"] = "commune"
        return
    await _prepare_offer(ctx, ml.id)


@action("rdv_offer")
async def rdv_offer(ctx: ActionContext) -> None:
    """Offer the next free slots of the jeune's Mission Locale (matching their wish, if any)."""
    ml = ctx.mission_locale
    ctx.slots["rdv_next"] = None
    if ml is None:
        ctx.slots["rdv_next"] = "telephone"
        return
    await _prepare_offer(ctx, ml.id)


async def _prepare_offer(ctx: ActionContext, ml_id: str) -> None:
    cfg = _cfg(ctx)
    if cfg is None or cfg.for_ml(ml_id) is None:
        ctx.slots["rdv_next"] = "telephone"
        return
    wish = parse_wish(ctx.slots.get("rdv_wish") or "", ctx.now)
    slots = await _free_slots(ctx, ml_id, wish=wish, exclude=_current_slot(ctx))
    intro = "Voici les prochains rendez-vous libres :"
    if wish is not None and wish.label and slots:
        intro = f"Pour {wish.label}, voici ce qui est libre :"
    elif wish is not None and not slots:
        slots = await _free_slots(ctx, ml_id, exclude=_current_slot(ctx))
        intro = f"Je n'ai rien de libre {wish.label}. Voici les plus proches :"
    if not slots:
        ctx.slots["rdv_next"] = "telephone"
        return
    ctx.say(intro)
    _offer(ctx, slots)
    ctx.slots["rdv_next"] = ctx.slots.get("rdv_next") or "choisir"


def _current_slot(ctx: ActionContext) -> list[str]:
    return [ctx.slots["rdv_current_slot"]] if ctx.slots.get("rdv_current_slot") else []


@validator("rdv_slot")
async def validate_rdv_slot(ctx: ActionContext, text: str) -> Validation:
    """A slot: its button, its number; or "d'autres dates", or a wish ("plutôt jeudi aprem").

    A wish is accepted as an answer (no slot yet, `rdv_wish` set) and `rdv_book` re-offers: were
    it refused, the engine would first try the text as a FAQ question ("jeudi" → hours)."""
    offered = [b if isinstance(b, Button) else Button(**b) for b in ctx.params.get("buttons", [])]
    raw = text.strip()
    if raw.startswith("slot:"):
        return Validation(ok=True, value=raw, slots={"rdv_more": None, "rdv_wish": None})
    chosen = choose(raw, offered) if offered else None
    if chosen is not None and chosen.value != MORE:
        return Validation(ok=True, value=chosen.value, slots={"rdv_more": None, "rdv_wish": None})
    if chosen is not None or _MORE_WORDS.search(" " + fold(raw) + " "):
        return Validation(ok=True, value=None, slots={"rdv_more": True, "rdv_wish": None})
    if parse_wish(raw, ctx.now) is not None:
        return Validation(ok=True, value=None, slots={"rdv_more": None, "rdv_wish": raw})
    return Validation(ok=False)


async def _reoffer(ctx: ActionContext, ml_id: str) -> None:
    """After "d'autres dates" or a wish: offer again and ask again (`rdv_next: creneau`)."""
    if ctx.slots.pop("rdv_more", None):
        offered = [find_slot(_cfg(ctx), k, ctx.services.holidays)
                   for k in ctx.slots.get("rdv_offered") or []]
        last = max((s.start for s in offered if s), default=None)
        after = last + timedelta(minutes=1) if last else None
        slots = await _free_slots(ctx, ml_id, not_before=after, exclude=_current_slot(ctx))
        if slots:
            ctx.say("Voici d'autres dates :")
        else:
            slots = await _free_slots(ctx, ml_id, exclude=_current_slot(ctx))
            ctx.say("Je n'ai pas d'autres dates pour l'instant. Voici les premières :")
    else:
        wish = parse_wish(ctx.slots.pop("rdv_wish", None) or "", ctx.now)
        slots = await _free_slots(ctx, ml_id, wish=wish, exclude=_current_slot(ctx))
        if slots and wish is not None and wish.label:
            ctx.say(f"Pour {wish.label}, voici ce qui est libre :")
        else:
            slots = await _free_slots(ctx, ml_id, exclude=_current_slot(ctx))
            ctx.say(f"Je n'ai rien de libre {wish.label if wish else 'à ce moment-là'}. "
                    "Voici les plus proches :")
    if not slots:
        ctx.slots["rdv_next"] = "telephone"
        return
    _offer(ctx, slots)
    ctx.slots["rdv_next"] = "creneau"


@action("rdv_book")
async def rdv_book(ctx: ActionContext) -> None:
    """Book (or move to) the chosen slot. Taken meanwhile → say so, offer the next ones and set
    `rdv_next: creneau` so the flow asks again."""
    cfg = _cfg(ctx)
    ctx.slots["rdv_next"] = None
    value = ctx.slots.get("rdv_slot") or ""
    ml = ctx.mission_locale
    if not value and ml is not None and cfg is not None:
        await _reoffer(ctx, ml.id)
        return
    slot = find_slot(cfg, value, ctx.services.holidays,
                     _closures(ctx, ml.id) if ml else ()) if cfg else None
    if slot is None or slot.start < as_utc(ctx.now):
        ctx.say("Ce rendez-vous n'est plus proposé.")
        await _again(ctx, slot.ml_id if slot else (ml.id if ml else None))
        return
    store = bookings_of(ctx.services)
    queue = due_queue_of(ctx.services)
    current = await store.active_booking(ctx.jeune_id, ctx.now)
    if current is not None and current.slot == slot.key:
        ctx.say(f"C'est déjà ton rendez-vous : {french_datetime(slot.start)}.")
        return
    if current is not None:
        booking = await store.move(current.id, slot, ctx.now)
    else:
        booking = await store.book(ctx.jeune_id, slot, ctx.now)
    if booking is None:
        ctx.say("Oups, quelqu'un vient de prendre ce rendez-vous.")
        await _again(ctx, slot.ml_id)
        return
    if current is not None:
        await cancel_booking_messages(queue, current.id, ctx.now)
        ctx.emit("rdv_moved", slot=slot.key, from_slot=current.slot)
    else:
        ctx.emit("rdv_booked", slot=slot.key)
    await plan_booking_reminders(queue, cfg, booking, ctx.now)
    ctx.slots["rdv_booking"] = booking.id
    ctx.slots["rdv_when"] = french_datetime(slot.start)
    _confirm(ctx, slot, booking, moved=current is not None)


async def _again(ctx: ActionContext, ml_id: str | None) -> None:
    slots = await _free_slots(ctx, ml_id, exclude=_current_slot(ctx)) if ml_id else []
    if not slots:
        ctx.slots["rdv_next"] = "telephone"
        return
    _offer(ctx, slots)
    ctx.slots["rdv_next"] = "creneau"


def _place(ctx: ActionContext, ml_id: str) -> tuple[str, str]:
    ml = ctx.services.config.ml_by_id.get(ml_id)
    ml_rdv = _cfg(ctx).for_ml(ml_id)
    name = ml.name if ml else "la Mission Locale"
    # never an empty or unchecked fact: the checked address, else the town (issue 19)
    address = ml_rdv.address if ml_rdv and ml_rdv.address else (ml.place() if ml else "")
    return name, address


def _confirm(ctx: ActionContext, slot: Slot, booking, moved: bool) -> None:
    name, address = _place(ctx, slot.ml_id)
    bring = _cfg(ctx).bring(slot.ml_id)
    head = "C'est changé !" if moved else "C'est noté !"
    who = f", avec {slot.who}" if slot.who else ""
    text = (f"{head} Ton rendez-vous : {french_datetime(slot.start)}{who}.\n"
            f"Où : {name}, {address}.")
    if bring:
        text += "\nApporte :\n" + "\n".join(f"- {x}" for x in bring)
    text += ("\nJe t'envoie le rendez-vous pour ton agenda, et un rappel la veille.\n"
             "Pour changer ou annuler, écris-moi « changer » ou « annuler ».")
    ics = make_ics(
        uid=booking.uid, start=slot.start, end=slot.end,
        summary=f"Rendez-vous {name}", location=f"{name}, {address}",
        description="Rendez-vous" + who + ".\nApporte : " + ", ".join(bring), stamp=ctx.now,
        sequence=booking.sequence)
    ctx.say(text, attachment=Attachment("rendez-vous-mission-locale.ics",
                                        "text/calendar", ics))


@action("rdv_cancel")
async def rdv_cancel(ctx: ActionContext) -> None:
    store = bookings_of(ctx.services)
    booking = await store.active_booking(ctx.jeune_id, ctx.now)
    if booking is None:
        ctx.say("Je ne trouve pas de rendez-vous à annuler.")
        return
    cancelled = await store.cancel(booking.id, ctx.now)
    if cancelled is None:
        ctx.say("Ce rendez-vous était déjà annulé.")
        return
    await cancel_booking_messages(due_queue_of(ctx.services), booking.id, ctx.now)
    ctx.emit("rdv_cancelled", slot=booking.slot)
    name, address = _place(ctx, booking.ml_id)
    ctx.slots["rdv_booking"] = None
    ics = make_ics(uid=booking.uid, start=booking.start, end=booking.end,
                   summary=f"Rendez-vous {name}", location=f"{name}, {address}",
                   description="Rendez-vous annulé.", stamp=ctx.now,
                   sequence=booking.sequence + 1, cancelled=True)
    ctx.say(f"C'est annulé : ton rendez-vous du {french_datetime(booking.start)}.\n"
            "Quand tu veux, écris « rdv » pour en prendre un autre.",
            attachment=Attachment("rendez-vous-annule.ics", "text/calendar", ics))


@action("rdv_show")
async def rdv_show(ctx: ActionContext) -> None:
    booking = await bookings_of(ctx.services).active_booking(ctx.jeune_id, ctx.now)
    if booking is None:
        ctx.say("Tu n'as pas de rendez-vous pour l'instant. Écris « rdv » pour en prendre un.")
        return
    name, address = _place(ctx, booking.ml_id)
    ctx.say(f"Ton rendez-vous : {french_datetime(booking.start)}, à {name}, {address}.")


@action("rdv_phone")
async def rdv_phone(ctx: ActionContext) -> None:
    """No online slot (or no Mission Locale known): how to get one anyway."""
    ml = ctx.mission_locale
    if ml is not None:
        directory = ctx.services.config.settings.network_website
        ctx.say(f"Pour un rendez-vous, {ml.how_to_reach(directory)}. "
                "Tu peux aussi écrire « conseiller » : je préviens quelqu'un.")
    elif ctx.slots.get("commune_outside"):
        place = ctx.slots.get("commune_outside_name") or "ta ville"
        ctx.say(f"{place} n'est pas dans notre région : ici je ne peux pas te donner de rendez-vous. "
                f"Va à la Mission Locale de {place} : elle fait la même chose, gratuitement. "
                "Son adresse et son téléphone sont sur unml.info (« Trouver ma Mission Locale »).")
    else:
        ctx.say("Pour un rendez-vous, il faut savoir quelle est ta Mission Locale. "
                "Écris « conseiller » : je préviens quelqu'un qui t'aidera.")


# --- raccrochage sessions ---------------------------------------------------------------------------
def _sessions(ctx: ActionContext) -> list[tuple[Any, Any]]:
    """(action, session) of raccrochage actions of the jeune's ML (and the network's), upcoming."""
    actions = getattr(ctx.services.config, "actions", None)
    if actions is None:
        return []
    ml = ctx.mission_locale
    pool = actions.for_ml(ml.id) if ml else []
    pool = pool + actions.for_ml(None)
    now = as_utc(ctx.now)
    out = [(a, s) for a in pool if a.type == "raccrochage" for s in a.sessions
           if as_utc(s.start) > now]
    out.sort(key=lambda x: as_utc(x[1].start))
    return out


def _session_value(action_obj, session) -> str:
    return "sess:" + session_key(action_obj.id, as_utc(session.start))


@action("raccrochage_offer")
async def raccrochage_offer(ctx: ActionContext) -> None:
    """Upcoming sessions as buttons; `racc_next` = commune | aucune | gerer | choisir."""
    ctx.slots["racc_next"] = None
    store = bookings_of(ctx.services)
    mine = await store.registrations_of(ctx.jeune_id, after=ctx.now)
    if mine and rdv_intent(ctx.text) == "cancel":
        reg = mine[0]
        ctx.slots["racc_registration"] = reg.id
        ctx.slots["racc_when"] = french_datetime(reg.start)
        ctx.slots["racc_next"] = "annuler"
        return
    if ctx.mission_locale is None and not ctx.slots.get("racc_asked_commune"):
        ctx.slots["racc_asked_commune"] = True
        ctx.slots["racc_next"] = "commune"
        return
    sessions = _sessions(ctx)[:8]
    if not sessions:
        ctx.slots["racc_next"] = "aucune"
        return
    counts = await store.session_counts(session_key(a.id, as_utc(s.start)) for a, s in sessions)
    lines, buttons = [], []
    for a, s in sessions:
        key = session_key(a.id, as_utc(s.start))
        registered, _waiting = counts.get(key, (0, 0))
        full = registered >= s.capacity
        lines.append(f"- {a.title} : {french_datetime(as_utc(s.start))}, {s.place}"
                     + (" (complet : liste d'attente)" if full else ""))
        label = f"{a.title[:28]} – {french_datetime(as_utc(s.start))}"
        buttons.append(Button(label[:60], _session_value(a, s)))
    ctx.say("Voici les prochaines séances :\n" + "\n".join(lines))
    _engine(ctx, options=buttons)
    ctx.slots["racc_next"] = "choisir"


@validator("raccrochage_session")
async def validate_session(ctx: ActionContext, text: str) -> Validation:
    offered = [b if isinstance(b, Button) else Button(**b) for b in ctx.params.get("buttons", [])]
    raw = text.strip()
    if raw.startswith("sess:"):
        return Validation(ok=True, value=raw)
    chosen = choose(raw, offered) if offered else None
    if chosen is not None:
        return Validation(ok=True, value=chosen.value)
    return Validation(ok=False)


@action("raccrochage_register")
async def raccrochage_register(ctx: ActionContext) -> None:
    value = (ctx.slots.get("racc_session") or "").removeprefix("sess:")
    found = next(((a, s) for a, s in _sessions(ctx)
                  if session_key(a.id, as_utc(s.start)) == value), None)
    if found is None:
        ctx.say("Cette séance n'est plus proposée.")
        return
    a, s = found
    store = bookings_of(ctx.services)
    reg = await store.register(ctx.jeune_id, a.id, as_utc(s.start), s.capacity, ctx.now)
    cfg = _cfg(ctx)
    if reg.status == REGISTERED:
        if cfg is not None:
            await plan_session_messages(due_queue_of(ctx.services), cfg, reg, ctx.now)
        ctx.emit("raccrochage_registered", action_id=a.id, session=reg.session)
        ctx.say(f"C'est noté, tu es inscrit ! « {a.title} », {french_datetime(as_utc(s.start))}.\n"
                f"Lieu : {s.place}.\nJe t'enverrai un rappel la veille.")
    else:
        position = await store.waiting_position(reg)
        ctx.emit("raccrochage_waiting", action_id=a.id, session=reg.session)
        ctx.say(f"Cette séance est complète. Je t'ai mis sur la liste d'attente (tu es n°{position}).\n"
                "Si une place se libère, je te préviens ici.")


@action("raccrochage_cancel")
async def raccrochage_cancel(ctx: ActionContext) -> None:
    reg_id = ctx.slots.get("racc_registration")
    store = bookings_of(ctx.services)
    cancelled, promoted = await store.cancel_registration(reg_id, ctx.now) if reg_id else (None, None)
    if cancelled is None:
        ctx.say("Je ne trouve pas d'inscription à annuler.")
        return
    queue = due_queue_of(ctx.services)
    await queue.cancel(ref=f"reg:{cancelled.id}", now=ctx.now, reason="registration cancelled")
    ctx.emit("raccrochage_cancelled", action_id=cancelled.action_id, session=cancelled.session)
    ctx.say("C'est annulé. Merci de m'avoir prévenu : ta place va servir à quelqu'un d'autre.")
    if promoted is not None:
        cfg = _cfg(ctx)
        if cfg is not None:
            await plan_session_messages(queue, cfg, promoted, ctx.now, promoted=True)
        events_for = getattr(ctx.services, "events_for", None)
        if events_for is not None:
            await events_for(promoted.jeune_id, "raccrochage_registered", ctx.now,
                             {"session": promoted.session, "from_waiting_list": True},
                             action_id=promoted.action_id)


# --- after a raccrochage session: what it brought (issue 20) ------------------------------------
AVIS_QUESTIONS = ("aide_connue", "envie_continuer", "recontact")   # bot/report/figures.py


@action("raccrochage_avis_start")
async def raccrochage_avis_start(ctx: ActionContext) -> None:
    """The jeune's latest session that has started (still registered): the one asked about."""
    ctx.slots["racc_avis_action"] = None
    store = bookings_of(ctx.services)
    past = [r for r in await store.registrations_of(ctx.jeune_id)
            if r.status == REGISTERED and r.start <= as_utc(ctx.now)]
    if not past:
        return
    reg = past[-1]
    actions = getattr(ctx.services.config, "actions", None)
    a = actions.by_id.get(reg.action_id) if actions is not None else None
    ctx.slots["racc_avis_action"] = reg.action_id
    ctx.slots["racc_avis_session"] = reg.session
    ctx.slots["racc_avis_title"] = a.title if a is not None else "ta séance"


@action("record_raccrochage_avis")
async def record_raccrochage_avis(ctx: ActionContext) -> None:
    """One `raccrochage_avis` event, keyed to the session's action: oui / non per question (a
    question skipped is left out). No free text: nothing personal in it."""
    answers = {}
    for q in AVIS_QUESTIONS:
        value = ctx.slots.get(f"avis_{q}")
        if isinstance(value, bool):
            answers[q] = "oui" if value else "non"
    ctx.emit("raccrochage_avis", action_id=ctx.slots.get("racc_avis_action"),
             session=ctx.slots.get("racc_avis_session"), **answers)
