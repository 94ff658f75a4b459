"""Faults with real processes: kill -9 of the web process, Redis stopped for 30 s, PostgreSQL restarted.

The service is a real `insysteme web` process in webhook mode, talking to the fake Bot API of the
test (tests/fakes/telegram_api.py). The machine's Redis and PostgreSQL are shared with other tests and
never stopped: Redis here is a private redis-server of the test, stopped and started again, and
PostgreSQL is reached through tests/fakes/tcp_proxy.py, cut and restored (a restart as the client
sees it). Updates are posted the way Telegram does: anything but 200 is delivered again later.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from sqlalchemy import select

from bot.dialogue.engine import Engine
from bot.settings import Env
from bot.stores.db import make_engine
from bot.stores.records import events as events_table
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
SECRET = "faults_secret_0123456789"

pytestmark = pytest.mark.slow

AGE_Q = "Tu as quel âge ?"
COMMUNE_Q = "Tu habites dans quelle commune ?"
MENU_Q = "Qu'est-ce que tu veux faire ?"
CONSENT_Q = "Tu es d'accord ?"
WELCOME = "Salut !"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own (no persistence of its own), stopped and started at will.
    `stop()` is a clean SHUTDOWN SAVE, so the data is there again after `start()`."""

    def __init__(self, tmp: Path):
        self.dir = tmp / "redis"
        self.dir.mkdir(exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await wait_port(self.port, self.proc)

    async def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "save"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        await asyncio.to_thread(self.proc.wait, 10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


async def wait_port(port: int, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Service:
    """`python -m bot.app.cli web` in webhook mode; several may share a port in turn (a restart)."""

    def __init__(self, tmp: Path, api: FakeBotAPI, database_url: str, redis_url: str | None,
                 port: int | None = None, key: str = "faults-pseudonym-key",
                 extra_args: tuple[str, ...] = ()):
        self.tmp, self.api = tmp, api
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": api.token,
                    "TELEGRAM_API_URL": api.url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "PUBLIC_URL": f"http://127.0.0.1:{self.port}", "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url or "", "INSYSTEME_SECRET": key,
                    "INSYSTEME_CONFIG": str(ROOT / "config"), "INSYSTEME_VAR": str(tmp / "var")}
        self.proc: subprocess.Popen | None = None
        self.log = tmp / f"web-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hook(self) -> str:
        return self.url + "/telegram/webhook"

    async def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "web", "--port", str(self.port),
                                          *self.extra_args],
                                         env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT)
        try:
            await wait_port(self.port, self.proc, 40)
        except RuntimeError:
            raise RuntimeError(self.log.read_text()[-3000:])
        await self.api.wait_for("setWebhook", lambda c: str(self.port) in c.params.get("url", ""),
                                timeout=20)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            await asyncio.to_thread(self.proc.wait, 20)

    async def health(self) -> int:
        async with aiohttp.ClientSession() as s:
            async with s.get(self.url + "/healthz") as r:
                return r.status


class Telegram:
    """Delivers updates as Telegram does: one chat's updates in order, each again until it gets 200."""

    def __init__(self, api: FakeBotAPI, service: Service):
        self.api, self.service = api, service
        self.statuses: Counter = Counter()

    async def post(self, update: dict, once: bool = False) -> int:
        try:
            status = await self.api.post_webhook(self.service.hook, update, SECRET)
        except (aiohttp.ClientError, OSError):
            status = 0                      # connection refused or reset: the process is gone
        self.statuses[status] += 1
        return status

    async def deliver(self, update: dict, timeout: float = 50.0, every: float = 0.5) -> None:
        deadline = time.monotonic() + timeout
        while await self.post(update) != 200:
            assert time.monotonic() < deadline, f"update {update['update_id']} never accepted"
            await asyncio.sleep(every)


def texts(api: FakeBotAPI, chat: int, since: int = 0) -> list[str]:
    return [c.params.get("text", "") for c in api.calls[since:]
            if c.method == "sendMessage" and c.ok and c.chat_id == chat]


async def wait_text(api: FakeBotAPI, chat: int, fragment: str, since: int, timeout: float = 20.0):
    return await api.wait_for("sendMessage", lambda c: c.chat_id == chat and fragment in c.params.get("text", ""),
                              timeout=timeout, since=since)


def press(api: FakeBotAPI, chat: int, value: str) -> dict:
    return api.callback_update(chat, value)


async def to_age_question(api: FakeBotAPI, tg: Telegram, chat: int) -> None:
    """/start → menu → « Me présenter » → consent « oui » → the age question is waiting."""
    for update, expect in ((lambda: api.text_update(chat, "/start"), MENU_Q),
                           (lambda: press(api, chat, "reperage"), CONSENT_Q),
                           (lambda: press(api, chat, "oui"), AGE_Q)):
        mark = api.mark()
        await tg.deliver(update())
        await wait_text(api, chat, expect, mark)


def jeune_id(key: bytes, chat: int) -> str:
    """The engine's pseudonymous id of a Telegram chat (Engine.jeune_id), without building services."""
    engine = Engine.__new__(Engine)
    engine.s = SimpleNamespace(key=key)
    return engine.jeune_id("telegram", str(chat))


async def events_by_jeune(database_url: str) -> dict[str, Counter]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(events_table.c.jeune_id, events_table.c.kind))).all()
    finally:
        await engine.dispose()
    out: dict[str, Counter] = {}
    for jeune_id, kind in rows:
        out.setdefault(jeune_id, Counter())[kind] += 1
    return out


@pytest.fixture
async def api():
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    await redis.start()
    yield redis
    redis.kill()


@pytest.fixture
async def services(tmp_path):
    started: list[Service] = []
    yield started
    for service in started:
        if service.proc is not None and service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait()


async def test_kill_9_mid_conversation_the_jeune_continues_at_the_same_step(
        tmp_path, api, private_redis, pg_url, services):
    first = Service(tmp_path, api, pg_url, private_redis.url)
    services.append(first)
    await first.start()
    tg = Telegram(api, first)
    chats = [700_001 + i for i in range(4)]
    await asyncio.gather(*(to_age_question(api, tg, chat) for chat in chats))

    # between two messages: kill -9, a new process on the same URL, the jeunes answer
    first.kill9()
    second = Service(tmp_path, api, pg_url, private_redis.url, port=first.port)
    services.append(second)
    await second.start()
    tg.service = second
    mark = api.mark()
    await asyncio.gather(*(tg.deliver(api.text_update(chat, "19")) for chat in chats))
    for chat in chats:
        await wait_text(api, chat, COMMUNE_Q, mark)
        assert not any(WELCOME in t for t in texts(api, chat, mark)), "the conversation started over"

    # in the middle of handling: the communes are posted at once and the process dies under them
    updates = {chat: api.text_update(chat, "33000") for chat in chats}
    posts = [asyncio.create_task(tg.post(u)) for u in updates.values()]
    await asyncio.sleep(0.05)
    second.kill9()
    first_try = await asyncio.gather(*posts)
    third = Service(tmp_path, api, pg_url, private_redis.url, port=first.port)
    services.append(third)
    await third.start()
    tg.service = third
    for (chat, update), status in zip(updates.items(), first_try):
        if status != 200:                   # Telegram had no answer: it delivers again
            await tg.deliver(update)
    # every commune was taken exactly once: each jeune is now one step further, all at the same one
    await api.wait_idle(quiet=1.5, timeout=20)
    mark = api.mark()
    asked = {}
    for chat in chats:
        await tg.deliver(api.text_update(chat, "/start"))
        # issue 17: a QR reload says it is still there and asks the question once (no "On reprend")
        reply = await wait_text(api, chat, "toujours là", mark)
        await api.wait_idle(quiet=1.2, timeout=10)
        after = texts(api, chat, mark)
        asked[chat] = after[-1] if after else None
        assert reply is not None
    questions = set(asked.values())
    assert len(questions) == 1, f"jeunes at different steps after the crash: {asked}"
    (question,) = questions
    assert COMMUNE_Q not in question and AGE_Q not in question and MENU_Q not in question, question


async def _flow_under_outage(tmp_path, api, services, database_url, redis_url, cut, restore,
                             outage: float, chats: list[int]):
    """A control jeune goes through the flow first; then the others go through it while a store
    is down for `outage` seconds. Returns (control chat, statuses seen, service)."""
    service = Service(tmp_path, api, database_url, redis_url)
    services.append(service)
    await service.start()
    tg = Telegram(api, service)
    control = chats[0]

    async def jeune(chat: int) -> None:
        await to_age_question(api, tg, chat)
        for text, expect in (("19", COMMUNE_Q), ("33000", "")):
            mark = api.mark()
            await tg.deliver(api.text_update(chat, text), timeout=outage + 25)
            await wait_text(api, chat, expect, mark, timeout=outage + 25)

    await jeune(control)
    await api.wait_idle(quiet=1.0, timeout=15)
    load = [asyncio.create_task(jeune(chat)) for chat in chats[1:]]
    await asyncio.sleep(0.3)
    await cut()
    down_at = time.monotonic()
    await asyncio.sleep(1.0)
    assert await service.health() == 503
    await asyncio.sleep(max(0.0, outage - (time.monotonic() - down_at)))
    await restore()
    await asyncio.wait_for(asyncio.gather(*load), timeout=40)
    assert await service.health() == 200
    assert service.proc.poll() is None, "the service had to be restarted"
    return control, tg.statuses, service


async def _assert_nothing_lost(api, database_url, chats: list[int], control: int, service: Service):
    """Every jeune went through the same steps as the control jeune, with exactly its events:
    none lost, none counted twice (a turn run again after a failure that followed its commit
    writes nothing: RecordStore.save_turn's handled message)."""
    key = Env(secret=service.env["INSYSTEME_SECRET"]).pseudonym_key()
    ids = {chat: jeune_id(key, chat) for chat in chats}
    by_jeune = await events_by_jeune(database_url)
    expected = by_jeune[ids[control]]
    assert expected["contact"] >= 1
    for chat in chats:
        got = by_jeune.get(ids[chat], Counter())
        missing, extra = expected - got, got - expected
        assert not missing, f"chat {chat}: events lost {dict(missing)} (has {dict(got)})"
        assert not extra, f"chat {chat}: events counted twice {dict(extra)} (has {dict(got)})"
        said = texts(api, chat)
        assert sum(COMMUNE_Q in t for t in said) == 1, said
        assert sum(AGE_Q in t for t in said) == 1, said


async def test_redis_stopped_30s_under_load_nothing_lost_and_recovers_without_restart(
        tmp_path, api, private_redis, pg_url, services):
    chats = [710_001 + i for i in range(6)]
    control, statuses, service = await _flow_under_outage(
        tmp_path, api, services, pg_url, private_redis.url, private_redis.stop, private_redis.start,
        outage=30.0, chats=chats)
    assert statuses[503] > 0, f"Redis down was not refused with 503: {statuses}"
    assert set(statuses) <= {200, 503}, statuses
    await _assert_nothing_lost(api, pg_url, chats, control, service)


async def test_postgresql_restart_under_load_nothing_lost_and_recovers_without_restart(
        tmp_path, api, private_redis, pg_url, services):
    proxy = TcpProxy("127.0.0.1", int(pg_url.split("@", 1)[1].split("/", 1)[0].split(":")[1]))
    await proxy.start()
    through_proxy = pg_url.replace(pg_url.split("@", 1)[1].split("/", 1)[0], proxy.url_host)
    chats = [720_001 + i for i in range(6)]
    try:
        control, statuses, service = await _flow_under_outage(
            tmp_path, api, services, through_proxy, private_redis.url, proxy.cut, proxy.restore,
            outage=10.0, chats=chats)
    finally:
        await proxy.close()
    assert statuses[503] > 0, f"the database down was not refused with 503: {statuses}"
    assert set(statuses) <= {200, 503}, statuses
    await _assert_nothing_lost(api, pg_url, chats, control, service)
