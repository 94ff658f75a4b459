"""Reminders of appointments and raccrochage sessions, nudges, and their texts.

A due message carries ids and times only (never personal data); its text is written at delivery
time from its kind and payload, so a reminder whose appointment was cancelled or moved finds out
before it is sent ("obsolete"). The scheduler's due worker delivers them.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, select

from bot.clock import as_utc, to_paris
from bot.messages import Button, Reply
from bot.rdv.slots import RdvConfig, french_date, french_datetime, reminder_plan
from bot.rdv.store import BOOKED, REGISTERED, Booking, BookingStore, Registration
from bot.stores.due_queue import DueMessage, DueQueue, NewMessage
from bot.stores.records import profiles

log = logging.getLogger(__name__)

# kinds of due messages
RDV_REMINDER = "rdv_reminder"
RDV_MISSED = "rdv_missed"
SESSION_REMINDER = "session_reminder"
SESSION_PROMOTED = "session_promoted"
REACTIVATION = "reactivation"
SESSION_FOLLOWUP = "session_followup"   # the satisfaction question, the day after the session
FOLLOWUP_AT = time(18, 0)               # Paris time, the day after the session (issue 20)


# --- planning (called by bot/rdv/actions.py and by the nudges job) --------------------------------
async def plan_booking_reminders(queue: DueQueue, cfg: RdvConfig, booking: Booking,
                                 now: datetime) -> int:
    """J-1 (18:00 Paris) and H-2 reminders of an appointment; keyed by booking, so idempotent."""
    items = [NewMessage(key=f"rdv:{booking.id}:{suffix}", jeune_id=booking.jeune_id,
                        kind=RDV_REMINDER, due_at=due, ref=booking.id,
                        payload={"booking_id": booking.id, "which": suffix})
             for suffix, due in reminder_plan(cfg, booking.start, now)]
    return await queue.enqueue_many(items, now=now)


async def cancel_booking_messages(queue: DueQueue, booking_id: str, now: datetime) -> int:
    return await queue.cancel(ref=booking_id, now=now, reason="appointment cancelled or moved")


async def plan_session_messages(queue: DueQueue, cfg: RdvConfig, reg: Registration,
                                now: datetime, promoted: bool = False) -> int:
    """The J-1 reminder of a raccrochage session, and the "a place is free" message."""
    ref = f"reg:{reg.id}"
    items = []
    if promoted:
        items.append(NewMessage(key=f"{ref}:promoted", jeune_id=reg.jeune_id,
                                kind=SESSION_PROMOTED, due_at=now, ref=ref,
                                payload={"registration_id": reg.id}))
    at = cfg.reminders.session_day_before
    if at is not None and reg.status == REGISTERED:
        d = to_paris(reg.start).date() - timedelta(days=1)
        due = as_utc(datetime.combine(d, at, tzinfo=to_paris(reg.start).tzinfo))
        due = cfg.quiet.postpone(due)
        if as_utc(now) <= due < reg.start:
            items.append(NewMessage(key=f"{ref}:j-1", jeune_id=reg.jeune_id,
                                    kind=SESSION_REMINDER, due_at=due, ref=ref,
                                    payload={"registration_id": reg.id}))
    if reg.status == REGISTERED:   # the day after: what did the session bring? (buttons)
        d = to_paris(reg.start).date() + timedelta(days=1)
        due = cfg.quiet.postpone(as_utc(datetime.combine(d, FOLLOWUP_AT,
                                                         tzinfo=to_paris(reg.start).tzinfo)))
        if as_utc(now) <= due:
            items.append(NewMessage(key=f"{ref}:avis", jeune_id=reg.jeune_id,
                                    kind=SESSION_FOLLOWUP, due_at=due, ref=ref,
                                    payload={"registration_id": reg.id}))
    return await queue.enqueue_many(items, now=now)


async def enqueue_nudges(services: Any, now: datetime) -> int:
    """Daily: a nudge two days after a missed appointment, and one to jeunes silent for N weeks.
    Keys make it idempotent: running it twice, or on two machines, sends each nudge once."""
    cfg: RdvConfig = services.config.rdv
    queue = due_queue_of(services)
    bookings = bookings_of(services)
    now = as_utc(now)
    items: list[NewMessage] = []
    r = cfg.reminders
    if r.missed_nudge_days:
        for b in await bookings.missed_since(now - timedelta(days=r.missed_nudge_days + 14)):
            due = max(b.start + timedelta(days=r.missed_nudge_days), now)
            items.append(NewMessage(key=f"rdv:{b.id}:missed", jeune_id=b.jeune_id,
                                    kind=RDV_MISSED, due_at=due, ref=b.id,
                                    payload={"booking_id": b.id}))
    if r.reactivation_weeks:
        silent_since = now - timedelta(weeks=r.reactivation_weeks)
        p = profiles.c
        async with services.records.engine.connect() as conn:
            rows = await conn.execute(select(p.jeune_id, p.last_seen_at).where(and_(
                p.last_seen_at < silent_since,
                p.last_seen_at >= silent_since - timedelta(days=7),   # catch up after downtime
                p.stopped.is_not(True), p.unreachable.is_not(True))))
            for jeune_id, last_seen in rows:
                items.append(NewMessage(
                    key=f"reactivation:{jeune_id}:{to_paris(as_utc(last_seen)):%Y%m%d}",
                    jeune_id=jeune_id, kind=REACTIVATION, due_at=now, payload={}))
    return await queue.enqueue_many(items, now=now)


def due_queue_of(services: Any) -> DueQueue:
    queue = getattr(services, "due_queue", None)
    if queue is None:
        rdv = getattr(services.config, "rdv", None)
        queue = DueQueue(services.records.engine, rdv.quiet if rdv else None)
    return queue


def bookings_of(services: Any) -> BookingStore:
    return getattr(services, "bookings", None) or BookingStore(services.records.engine)


def _ml(services: Any, ml_id: str | None):
    return services.config.ml_by_id.get(ml_id) if ml_id else None


async def render(msg: DueMessage, services: Any, bookings: BookingStore) -> list[Reply] | None:
    """The text of a due message, or None when it no longer applies."""
    cfg: RdvConfig = services.config.rdv
    p = msg.payload
    if msg.kind in (RDV_REMINDER, RDV_MISSED):
        b = await bookings.get(p.get("booking_id", ""))
        if b is None:
            return None
        ml = _ml(services, b.ml_id)
        name = ml.short_name or ml.name if ml else "la Mission Locale"
        if msg.kind == RDV_MISSED:
            if b.status != "missed":
                return None
            return [Reply(f"On ne t'a pas vu à ton rendez-vous de {french_date(b.start)}. "
                          "Ce n'est pas grave. Tu veux en choisir un autre ? "
                          "Écris « rdv » et je te propose des dates.")]
        if b.status != BOOKED:
            return None
        ml_rdv = cfg.for_ml(b.ml_id)
        address = (ml_rdv.address if ml_rdv and ml_rdv.address else ml.place() if ml else "")
        if p.get("which") == "j-1":
            bring = cfg.bring(b.ml_id)
            text = (f"Petit rappel : tu as rendez-vous demain, {french_datetime(b.start)}, "
                    f"à {name}.\nAdresse : {address}.")
            if bring:
                text += "\nPense à prendre :\n" + "\n".join(f"- {x}" for x in bring)
            text += "\nTu ne peux pas venir ? Écris « annuler » ou « changer »."
            return [Reply(text)]
        return [Reply(f"Ton rendez-vous à {name}, c'est aujourd'hui à {to_paris(b.start):%Hh%M}.\n"
                      f"Adresse : {address}.\nÀ tout à l'heure !")]
    if msg.kind in (SESSION_REMINDER, SESSION_PROMOTED, SESSION_FOLLOWUP):
        reg_id = p.get("registration_id")
        reg = await bookings.get_registration(reg_id) if isinstance(reg_id, int) else None
        if reg is None or reg.status != REGISTERED:
            return None
        action = services.config.actions.by_id.get(reg.action_id) if services.config.actions else None
        if action is None:
            return None
        session = next((s for s in action.sessions if as_utc(s.start) == reg.start), None)
        place = session.place if session else (action.place or "")
        if msg.kind == SESSION_FOLLOWUP:
            return [Reply(f"Hier, c'était « {action.title} ». Tu me dis en 3 clics ce que ça "
                          "t'a apporté ? Ça aide la Mission Locale à faire mieux.",
                          buttons=[Button("Oui, vas-y", "flow:raccrochage_avis")])]
        if msg.kind == SESSION_PROMOTED:
            return [Reply(f"Bonne nouvelle : une place s'est libérée ! Tu es inscrit à "
                          f"« {action.title} », {french_datetime(reg.start)}.\nLieu : {place}.\n"
                          "Tu ne peux plus venir ? Écris « annuler ».")]
        return [Reply(f"Petit rappel : demain, {french_datetime(reg.start)}, c'est "
                      f"« {action.title} ».\nLieu : {place}.\nOn t'attend !")]
    if msg.kind == REACTIVATION:
        return [Reply("Salut ! Ça fait un moment. Tu cherches un emploi, une formation, ou tu as "
                      "une question ? Écris-moi, je suis là. Un conseiller de la Mission Locale "
                      "peut aussi te recevoir. (Écris STOP pour ne plus recevoir de message.)")]
    log.warning("unknown due message kind %r", msg.kind)
    return None
