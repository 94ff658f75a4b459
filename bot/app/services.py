"""Everything a request needs, built once at start and passed in (no global singletons)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

from bot.app.config import Config, load_config
from bot.channels.outbox import Outbox
from bot.clock import Clock
from bot.dialogue.alerts import Alerts
from bot.rdv.store import BookingStore
from bot.settings import Env
from bot.stores.conversations import ConversationStore
from bot.app.schema import migrate
from bot.stores.db import default_database_url, make_engine
from bot.stores.due_queue import DueQueue
from bot.stores.outbox import OutboxStore
from bot.stores.records import Event, RecordStore
from bot.stores.state import StateStore, make_state_store
from bot.territoire.jours_feries import JoursFeries
from bot.understanding.faq import FaqMatcher


@dataclass
class Services:
    env: Env
    config: Config
    clock: Clock
    records: RecordStore
    state: StateStore
    outbox: Outbox
    alerts: Alerts
    conversations: ConversationStore | None
    holidays: Any
    faq: Any                      # bot.understanding.faq.FaqMatcher
    key: bytes
    bookings: Any = None          # bot.rdv.store.BookingStore
    due_queue: Any = None         # bot.stores.due_queue.DueQueue
    forget_hooks: list[Callable[[str], Awaitable[None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    async def events_for(self, jeune_id: str, kind: str, at: datetime, data: dict | None = None,
                         action_id: str | None = None) -> None:
        """An event outside a conversation turn (console, scheduler), with the jeune's known facts."""
        profile = await self.records.get_profile(jeune_id) or {}
        age = profile.get("age")
        await self.records.add_events([Event(
            at=at, channel="console", jeune_id=jeune_id, kind=kind,
            mission_locale=profile.get("mission_locale"), cohort=profile.get("cohort") or "inconnu",
            minor=(age < 18) if isinstance(age, int) else None, action_id=action_id,
            data=data or {})])

    async def close(self) -> None:
        await self.outbox.stop()
        for closer in reversed(self.closers):
            await closer()
        await self.alerts.stop()
        await self.state.close()
        await self.records.engine.dispose()



def prepare_understanding(env: Env) -> str:
    """The crisis second opinion ready before the first message. Stored under the cache dir, so a
    restart loads it in a fraction of a second instead of training it for ~10 s while a jeune waits.
    Every process that answers jeunes calls it at start, off its event loop."""
    import logging

    from bot.understanding.crisis import prepare
    done = prepare(env.cache)
    logging.getLogger("insysteme").info("crisis model: %s", done)
    return done

async def build_services(env: Env, clock: Clock, config: Config | None = None,
                         state: StateStore | None = None, state_snapshot: str | None = None) -> Services:
    config = config or load_config(env.config_dir)
    engine = make_engine(env.database_url or default_database_url())
    await migrate(engine)
    records = RecordStore(engine)
    if config.actions is not None:   # the actions history: a report names them once removed
        await records.remember_actions(config.actions.actions, clock.now())
    state = state or make_state_store(env.redis_url, state_snapshot, prefix=env.redis_prefix)
    redis = getattr(state, "redis", None)
    alerts = Alerts(redis)
    await alerts.start()
    faq = None
    if config.faq is not None:
        faq = FaqMatcher(config.faq)
    bookings = BookingStore(engine)
    due_queue = DueQueue(engine, config.rdv.quiet if config.rdv else None)
    return Services(
        env=env, config=config, clock=clock, records=records, state=state,
        outbox=Outbox(records, OutboxStore(engine), clock=clock), alerts=alerts, conversations=ConversationStore(engine),
        holidays=JoursFeries(), faq=faq, key=env.pseudonym_key(),
        bookings=bookings, due_queue=due_queue,
        # erasure reaches every store that keeps something about the jeune
        forget_hooks=[bookings.forget, due_queue.forget],
    )
