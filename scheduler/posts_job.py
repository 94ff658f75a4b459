"""The weekly posts in the scheduler: what to register on `scheduler.runner.Scheduler.add_job`.

Two jobs call the same idempotent `Posts.publish_due` (leader only, like every recurring job):
- `posts-publish`: a CronTrigger on the configured weekday and time, Europe/Paris (APScheduler
  applies the DST change), so the post goes out on time;
- `posts-tick`: every 5 minutes, for the rest: filling the calendar, the approval reminder,
  scheduling approved weeks, retries with backoff, and reconciling after a crash.
Usage, in the runner: `for job in posts_jobs(services): scheduler.add_job(*job)`.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from bot.clock import PARIS
from bot.posts.config import load_posts_config
from bot.posts.publishers.telegram import TelegramChannelPublisher
from bot.posts.workflow import Posts
from bot.yamlconf import ConfigError

log = logging.getLogger(__name__)

APS_DAYS = {"lun": "mon", "mar": "tue", "mer": "wed", "jeu": "thu", "ven": "fri", "sam": "sat",
            "dim": "sun"}
TICK_MINUTES = 5


def publish_trigger(cfg: Any):
    from apscheduler.triggers.cron import CronTrigger
    return CronTrigger(day_of_week=APS_DAYS[cfg.day], hour=cfg.time.hour, minute=cfg.time.minute,
                       timezone=PARIS)


def reminder_notifier(services: Any, chat_id: int | str | None) -> Callable[[str], Awaitable[Any]] | None:
    """The approval reminder also goes to a Telegram chat (posts.yml `reminder_chat_id`), sent
    with the bot's token; the posts log (console) has it either way."""
    env = services.env
    if chat_id is None or not env.telegram_bot_token:
        return None
    sender = TelegramChannelPublisher(env.telegram_api_url, env.telegram_bot_token, chat_id)

    async def notify(message: str) -> None:
        try:
            await sender.publish(message, key="reminder")
        finally:
            await sender.close()
    return notify


def posts_jobs(services: Any, posts: Any = None) -> list[tuple[str, Callable[[], Awaitable[Any]], Any]]:
    """(job id, coroutine function, trigger) for `Scheduler.add_job`; none when
    config/posts.yml is absent (the service runs without weekly posts)."""
    from apscheduler.triggers.interval import IntervalTrigger


    if posts is None:
        cfg = services.config.extra.get("posts")
        if cfg is None:
            path = services.config.dir / "posts.yml"
            if not path.exists():
                log.info("no %s: weekly posts are off", path)
                return []
            try:
                cfg = load_posts_config(path)
            except ConfigError as exc:
                for problem in exc.problems:
                    log.error("%s", problem)
                return []
        posts = Posts.from_services(services, cfg=cfg,
                                    notify=reminder_notifier(services, cfg.reminder_chat_id))

    async def publish_posts():
        return await posts.publish_due()
    publish_posts.__name__ = "publish_posts"
    return [
        ("posts-publish", publish_posts, publish_trigger(posts.cfg)),
        ("posts-tick", publish_posts, IntervalTrigger(minutes=TICK_MINUTES)),
    ]
