"""`insysteme posts …` as a real process against the shipped config and a fake Bot API, and the
scheduler jobs (their triggers across DST, their registration on the runner)."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from bot.clock import PARIS, FixedClock
from bot.console.tables import accounts
from bot.posts.config import load_posts_config
from bot.stores.db import make_engine
from scheduler.posts_job import posts_jobs, publish_trigger
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import make_engine as make_bot_engine, small_config
from tests.posts.test_posts import shipped_actions

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "@insysteme_na"


async def cli(env: dict, *args: str) -> tuple[int, str, str]:
    """`insysteme posts …` (the whole command line: the same parser and handlers)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "posts", *args, env=env, cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode, out.decode(), err.decode()


def project_env(tmp_path: Path, api: FakeBotAPI) -> dict:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = (config / "posts.yml").read_text(encoding="utf-8")
    (config / "posts.yml").write_text(text.replace("insysteme_na_bot", "insysteme_test_bot"),
                                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PUBLIC_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'insysteme.db'}", INSYSTEME_CONFIG=str(config),
               INSYSTEME_VAR=str(tmp_path / "var"), INSYSTEME_SECRET="test-secret",
               TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url,
               PUBLIC_URL="https://insysteme.example.org")
    env.pop("REDIS_URL", None)
    return env


async def add_account(tmp_path: Path, email: str, role: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'insysteme.db'}")
    async with engine.begin() as conn:
        await conn.execute(insert(accounts).values(
            email=email, name="Camille", role=role, password_hash="x", active=True,
            mission_locale="ml-bordeaux" if role == "referent" else None,
            created_at=datetime.now(timezone.utc)))
    await engine.dispose()


async def test_posts_commands_end_to_end(tmp_path):
    async with FakeBotAPI() as api:
        api.chats[CHANNEL] = {"id": CHANNEL, "type": "channel", "title": "IN Système"}
        env = project_env(tmp_path, api)
        monday = "--at=2026-11-30T09:00"
        code, out, err = await cli(env, monday, "calendar")
        assert code == 0, err
        assert out.splitlines()[0].startswith("2026-W49 Tue 01/12 10:00 draft")
        code, out, err = await cli(env, monday, "set", "--week", "2026-W49", "--ml", "ml-bordeaux",
                                   "--action", "forum-emploi-bordeaux", "--by", "com@arml.fr")
        assert code == 0 and "forum-emploi-bordeaux (choisi, draft)" in out, err
        code, out, err = await cli(env, monday, "preview", "--week", "2026-W49")
        assert code == 0, err
        assert "https://t.me/insysteme_test_bot?start=forum-bordeaux-2026" in out
        assert "https://insysteme.example.org/chat?source=forum-bordeaux-2026" in out
        assert "/4096 caractères, ok)" in out
        code, out, err = await cli(env, monday, "approve", "--week", "2026-W49", "--by", "nobody@x.fr")
        assert code == 1 and "pas de compte actif" in err and "Traceback" not in err
        await add_account(tmp_path, "ref@ml-bordeaux.fr", "referent")
        await add_account(tmp_path, "com@arml.fr", "communication")
        code, out, err = await cli(env, monday, "approve", "--week", "2026-W49", "--by", "ref@ml-bordeaux.fr")
        assert code == 1 and "compte communication ou admin" in err
        code, out, err = await cli(env, monday, "approve", "--week", "2026-W49", "--by", "COM@arml.fr")
        assert code == 0 and "approuvé par com@arml.fr" in out, err
        code, out, err = await cli(env, "--at=2026-12-01T09:59", "publish-due")
        assert code == 0 and api.sent(CHANNEL) == [], err
        code, out, err = await cli(env, "--at=2026-12-01T10:00", "publish-due")
        assert code == 0 and '"published": 1' in out, err
        assert len(api.sent(CHANNEL)) == 1 and "forum-bordeaux-2026" in api.sent(CHANNEL)[0]
        code, out, err = await cli(env, "--at=2026-12-01T10:05", "publish-due")
        assert code == 0 and len(api.sent(CHANNEL)) == 1
        code, out, err = await cli(env, "--at=2026-12-01T10:05", "calendar")
        assert "2026-W49 Tue 01/12 10:00 published*" in out and "[telegram:published]" in out
        # bad input: a clear answer, never a traceback
        code, out, err = await cli(env, monday, "preview", "--week", "2026-W60")
        assert code == 1 and "2026-W60" in err and "Traceback" not in err
        code, out, err = await cli(env, monday, "set", "--week", "2026-W50", "--ml", "ml-pau")
        assert code == 2 and "--action" in err
        posts_yml = Path(env["INSYSTEME_CONFIG"]) / "posts.yml"
        posts_yml.write_text("day: mardi\n", encoding="utf-8")
        code, out, err = await cli(env, monday, "calendar")
        assert code == 1 and f"{posts_yml}:1: day: unknown day 'mardi'" in err and "Traceback" not in err


def test_publish_trigger_is_paris_time_across_dst():
    trigger = publish_trigger(load_posts_config(ROOT / "config" / "posts.yml"))
    fires, at = [], datetime(2027, 3, 17, 12, tzinfo=PARIS)
    for _ in range(3):
        at = trigger.get_next_fire_time(None, at)
        fires.append(at.astimezone(timezone.utc))
        at = at.replace(minute=1)
    assert fires == [datetime(2027, 3, 23, 9, tzinfo=timezone.utc),     # winter: UTC+1
                     datetime(2027, 3, 30, 8, tzinfo=timezone.utc),     # summer: UTC+2
                     datetime(2027, 4, 6, 8, tzinfo=timezone.utc)]
    autumn = trigger.get_next_fire_time(None, datetime(2027, 10, 28, tzinfo=PARIS))
    assert autumn.astimezone(timezone.utc) == datetime(2027, 11, 2, 9, tzinfo=timezone.utc)


async def test_jobs_register_on_the_runner_and_run(tmp_path):
    from scheduler.runner import Scheduler
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=PARIS))
    _bot, services = await make_bot_engine(tmp_path, clock, config=small_config(actions=shipped_actions()))
    jobs = posts_jobs(services)
    assert [j[0] for j in jobs] == ["posts-publish", "posts-tick"]
    scheduler = Scheduler(services, clock)
    for job in jobs:
        scheduler.add_job(*job)
    summary = await jobs[1][1]()
    assert summary["reminders"] == 1           # Monday 09:00: W49 not approved yet
    assert "published" in summary
    await services.close()
