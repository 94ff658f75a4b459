"""Response-time figures per Mission Locale, for the dashboard: how long a jeune who asked for a
person (a `handoff` event with a reason) or was in crisis (`crisis`) waited for the first message
of a référent, and how long those still waiting have waited so far.

A request counts once: a second request before the first answer is the same wait. Read from the
events (the Mission Locale there) and the transcripts (the first `referent:` line after it).
"""
from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import select

from bot.stores.records import _utc, events, transcripts


def _minutes(seconds: float) -> int:
    return int(round(seconds / 60))


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


async def response_times(engine, start: datetime, end: datetime, ml: str | None,
                         now: datetime) -> list[dict]:
    """One row per Mission Locale (ml None: every one, plus "—" for jeunes not placed yet)."""
    q = (select(events.c.jeune_id, events.c.at, events.c.kind, events.c.mission_locale,
                events.c.data)
         .where(events.c.at >= start, events.c.at < end, events.c.kind.in_(("handoff", "crisis")))
         .order_by(events.c.at))
    if ml is not None:
        q = q.where(events.c.mission_locale == ml)
    async with engine.connect() as conn:
        asks = [r for r in await conn.execute(q)
                if r.kind == "crisis" or not (r.data or {}).get("taken_by")]
        jeunes = sorted({r.jeune_id for r in asks})
        answers: dict[str, list[datetime]] = {}
        if jeunes:
            rows = await conn.execute(
                select(transcripts.c.jeune_id, transcripts.c.at)
                .where(transcripts.c.jeune_id.in_(jeunes), transcripts.c.at >= start,
                       transcripts.c.author.like("referent:%"))
                .order_by(transcripts.c.at))
            for r in rows:
                answers.setdefault(r.jeune_id, []).append(_utc(r.at))
    per_ml: dict[str, dict[str, Any]] = {}
    answered_until: dict[str, datetime] = {}
    for ask in asks:
        at = _utc(ask.at)
        if answered_until.get(ask.jeune_id) and at <= answered_until[ask.jeune_id]:
            continue      # asked again before the answer: the same wait
        key = ask.mission_locale or "—"
        row = per_ml.setdefault(key, {"mission_locale": ask.mission_locale, "requests": 0,
                                      "answered": [], "waiting": []})
        row["requests"] += 1
        first = next((a for a in answers.get(ask.jeune_id, []) if a >= at), None)
        if first is None:
            row["waiting"].append((now - at).total_seconds())
            answered_until[ask.jeune_id] = now
        else:
            row["answered"].append((first - at).total_seconds())
            answered_until[ask.jeune_id] = first
    out = []
    for key, row in sorted(per_ml.items()):
        answered, waiting = row["answered"], row["waiting"]
        out.append({
            "mission_locale": row["mission_locale"], "requests": row["requests"],
            "answered": len(answered),
            "median_first_answer_min": _minutes(median(answered)) if answered else None,
            "p90_first_answer_min": _minutes(_p90(answered)) if answered else None,
            "unanswered": len(waiting),
            "longest_wait_min": _minutes(max(waiting)) if waiting else None,
        })
    return out
