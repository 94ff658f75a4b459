"""The inbox as one SQL query: the team of each row (teams.py), search (first name, commune, a
word of the transcript), filters, paging, the last message as a preview.

Order: crisis first, then the requests for a person (the longest wait first: they are the ones
to answer), then everything else newest first (`sort=recent`: newest first throughout).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, true

from bot.console.teams import team_column, with_profile
from bot.stores.conversations import conversations
from bot.stores.records import _utc, profiles, transcripts

PER_PAGE = 50
PREVIEW = 90


@dataclass
class InboxQuery:
    ml: str | None = None             # None: every Mission Locale (admins)
    status: str | None = None
    unread: bool = False
    q: str = ""
    page: int = 1
    sort: str = "priority"            # or "recent"
    assigned_to: str | None = None    # "me": mine


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def display_name(row: dict) -> str:
    """A name a person can say: the first name, else "Jeune" with a short stable mark and the
    commune or the channel ("Jeune 7F3A · Périgueux")."""
    if row.get("first_name"):
        return row["first_name"]
    mark = (row.get("jeune_id") or "")[2:6].upper() or "?"
    where = row.get("commune_nom") or {"web": "chat du site", "telegram": "Telegram"}.get(
        row.get("channel") or "", row.get("channel") or "")
    return f"Jeune {mark}" + (f" · {where}" if where else "")


async def inbox_page(engine, config: Any, query: InboxQuery, me: str | None = None
                     ) -> tuple[list[dict], int]:
    team = team_column(config)
    last_text = (select(transcripts.c.text)
                 .where(transcripts.c.jeune_id == conversations.c.jeune_id,
                        transcripts.c.text != "")
                 .order_by(transcripts.c.id.desc()).limit(1).correlate(conversations)
                 .scalar_subquery())
    cols = [*conversations.c, profiles.c.commune_nom, profiles.c.source_action,
            team.label("team"), last_text.label("preview")]
    where = []
    if query.ml is not None:
        where.append(team == query.ml)
    if query.status is not None:
        where.append(conversations.c.status == query.status)
    if query.unread:
        where.append(conversations.c.unread > 0)
    if query.assigned_to == "me" and me:
        where.append(conversations.c.assigned_to == me)
    text = (query.q or "").strip()[:100]
    if text:
        like = _like(text.lower())
        where.append(or_(
            func.lower(conversations.c.first_name).like(like, escape="\\"),
            func.lower(profiles.c.commune_nom).like(like, escape="\\"),
            conversations.c.jeune_id == text,
            exists(select(transcripts.c.id).where(
                transcripts.c.jeune_id == conversations.c.jeune_id,
                func.lower(transcripts.c.text).like(like, escape="\\")).correlate(conversations))))
    base = select(*cols).select_from(with_profile()).where(and_(true(), *where))
    if query.sort == "recent":
        order = [conversations.c.last_message_at.desc()]
    else:
        urgent = conversations.c.priority <= 1
        order = [conversations.c.priority,
                 case((urgent, conversations.c.since), else_=None).asc().nulls_last(),
                 conversations.c.last_message_at.desc()]
    page = max(1, query.page)
    q = base.order_by(*order, conversations.c.jeune_id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    count = select(func.count()).select_from(with_profile()).where(and_(true(), *where))
    async with engine.connect() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(q)]
        total = (await conn.execute(count)).scalar_one()
    for row in rows:
        for key in ("since", "last_message_at"):
            row[key] = _utc(row[key])
        row["mission_locale"] = row["team"]
        row["display_name"] = display_name(row)
        preview = " ".join((row.get("preview") or "").split())
        row["preview"] = preview if len(preview) <= PREVIEW else preview[:PREVIEW - 1] + "…"
    return rows, total


async def signature(engine, config: Any, ml: str | None) -> str:
    """Changes whenever a row of this inbox changes (the live stream reloads the rows then)."""
    import hashlib
    team = team_column(config)
    q = select(conversations.c.jeune_id, conversations.c.status, conversations.c.unread,
               conversations.c.last_message_at, conversations.c.assigned_to).select_from(
        with_profile())
    if ml is not None:
        q = q.where(team == ml)
    q = q.order_by(conversations.c.last_message_at.desc()).limit(500)
    digest = hashlib.sha1()
    async with engine.connect() as conn:
        for r in await conn.execute(q):
            digest.update(f"{r.jeune_id}|{r.status}|{r.unread}|{r.last_message_at}|"
                          f"{r.assigned_to}\n".encode())
    return digest.hexdigest()


async def badge(engine, config: Any, ml: str | None) -> dict:
    """For the title badge: how many crises and requests for a person wait, not taken."""
    team = team_column(config)
    q = (select(conversations.c.status, func.count()).select_from(with_profile())
         .where(conversations.c.status.in_(("crisis", "waiting"))))
    if ml is not None:
        q = q.where(team == ml)
    q = q.group_by(conversations.c.status)
    async with engine.connect() as conn:
        counts = {r[0]: r[1] for r in await conn.execute(q)}
    return {"crisis": counts.get("crisis", 0), "waiting": counts.get("waiting", 0)}
