"""Two web workers (two real `insysteme web` processes) behind the same Redis and PostgreSQL.

A load balancer may send one jeune's successive messages to either worker, and Telegram may deliver
the same update twice, to both: the conversation must stay one, in order, each message taken once.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.app.test_faults import (
    AGE_Q, COMMUNE_Q, CONSENT_Q, MENU_Q, ROOT, Service, Telegram, api, private_redis,  # noqa: F401
    services, texts, wait_text,  # noqa: F401
)

pytestmark = pytest.mark.slow


async def test_two_workers_one_conversation_in_order_and_exactly_once(tmp_path, api, private_redis,
                                                                       pg_url, services):
    workers = [Service(tmp_path, api, pg_url, private_redis.url) for _ in range(2)]
    services.extend(workers)
    for worker in workers:               # one after the other: two first starts migrating at once collide
        await worker.start()
    posters = [Telegram(api, w) for w in workers]
    chats = [730_001 + i for i in range(8)]

    async def jeune(index: int, chat: int) -> None:
        steps = [(lambda: api.text_update(chat, "/start"), MENU_Q),
                 (lambda: api.callback_update(chat, "reperage"), CONSENT_Q),
                 (lambda: api.callback_update(chat, "oui"), AGE_Q),
                 (lambda: api.text_update(chat, "19"), COMMUNE_Q)]
        for step, (make, expect) in enumerate(steps):
            update = make()
            mark = api.mark()
            # the next message goes to the other worker; every other one is delivered to both at once
            first = posters[(index + step) % 2]
            if step % 2:
                await asyncio.gather(first.deliver(update), posters[(index + step + 1) % 2].deliver(update))
            else:
                await first.deliver(update)
            await wait_text(api, chat, expect, mark)

    await asyncio.gather(*(jeune(i, chat) for i, chat in enumerate(chats)))
    await api.wait_idle(quiet=1.0, timeout=15)
    for chat in chats:
        said = texts(api, chat)
        order = [q for t in said for q in (MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q) if q in t]
        assert order == [MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q], f"chat {chat}: {said}"
    for worker in workers:
        assert worker.proc.poll() is None


async def test_two_workers_a_burst_of_one_jeune_is_handled_in_arrival_order(tmp_path, api, private_redis,
                                                                           pg_url, services):
    """Messages of one jeune arriving together at both workers are handled one at a time: the
    conversation state never forks (each answer is read against the question before it)."""
    workers = [Service(tmp_path, api, pg_url, private_redis.url) for _ in range(2)]
    services.extend(workers)
    for worker in workers:               # one after the other: two first starts migrating at once collide
        await worker.start()
    posters = [Telegram(api, w) for w in workers]
    chat = 731_001
    for make, expect in ((lambda: api.text_update(chat, "/start"), MENU_Q),
                         (lambda: api.callback_update(chat, "reperage"), CONSENT_Q),
                         (lambda: api.callback_update(chat, "oui"), AGE_Q)):
        mark = api.mark()
        await posters[0].deliver(make())
        await wait_text(api, chat, expect, mark)
    # five copies of the same answer at once, spread over both workers: one is taken, once
    answer = api.text_update(chat, "19")
    mark = api.mark()
    await asyncio.gather(*(posters[i % 2].deliver(answer) for i in range(5)))
    await api.wait_idle(quiet=1.0, timeout=15)
    said = texts(api, chat, mark)
    assert sum(COMMUNE_Q in t for t in said) == 1, said


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class OneConnectionPerUpdate(Telegram):
    """Telegram opens many connections to a webhook; each update on its own connection here, so
    the kernel spreads them over the workers (a pooled client could keep all on one)."""

    async def post(self, update: dict, once: bool = False) -> int:
        import json

        import aiohttp

        from tests.app.test_faults import SECRET
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s:
                async with s.post(self.service.hook, data=json.dumps(update), headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                    await resp.read()
                    status = resp.status
        except (aiohttp.ClientError, OSError):
            status = 0
        self.statuses[status] += 1
        return status


async def test_one_service_with_two_workers_shares_its_port_and_its_conversations(
        tmp_path, api, private_redis, pg_url, services):
    """`insysteme web --workers 2`: two processes on one port (the kernel spreads the
    connections); every conversation goes on in order whichever worker takes a message; both
    workers do part of the work; SIGTERM stops both cleanly."""
    service = Service(tmp_path, api, pg_url, private_redis.url, extra_args=("--workers", "2"))
    services.append(service)
    await service.start()
    # each worker registers the webhook once it listens: wait for both
    for _ in range(200):
        if len([c for c in api.calls_of("setWebhook") if str(service.port) in c.params.get("url", "")]) >= 2:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the second worker never started:\n" + service.log.read_text()[-2000:])
    [child] = _children(service.proc.pid)
    before = {pid: _cpu_seconds(pid) for pid in (service.proc.pid, child)}
    poster = OneConnectionPerUpdate(api, service)
    chats = [732_001 + i for i in range(16)]

    async def jeune(chat: int) -> None:
        for make, expect in ((lambda: api.text_update(chat, "/start"), MENU_Q),
                             (lambda: api.callback_update(chat, "reperage"), CONSENT_Q),
                             (lambda: api.callback_update(chat, "oui"), AGE_Q),
                             (lambda: api.text_update(chat, "19"), COMMUNE_Q)):
            mark = api.mark()
            await poster.deliver(make())
            await wait_text(api, chat, expect, mark)

    await asyncio.gather(*(jeune(chat) for chat in chats))
    await api.wait_idle(quiet=1.0, timeout=15)
    for chat in chats:
        said = texts(api, chat)
        order = [q for t in said for q in (MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q) if q in t]
        assert order == [MENU_Q, CONSENT_Q, AGE_Q, COMMUNE_Q], f"chat {chat}: {said}"
    spent = {pid: _cpu_seconds(pid) - before[pid] for pid in before}
    assert all(s > 0.05 for s in spent.values()), f"a worker did nothing: {spent}"
    service.proc.terminate()
    assert await asyncio.to_thread(service.proc.wait, 30) == 0
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


async def test_a_worker_that_dies_stops_the_service_loudly(tmp_path, api, private_redis, pg_url,
                                                            services):
    """Half the capacity gone unnoticed is worse than a restart: the supervisor exits with an
    error naming the worker, and its process manager restarts the whole service."""
    service = Service(tmp_path, api, pg_url, private_redis.url, extra_args=("--workers", "2"))
    services.append(service)
    await service.start()
    [child] = _children(service.proc.pid)
    os.kill(child, signal.SIGKILL)
    assert await asyncio.to_thread(service.proc.wait, 30) == 1
    assert f"web worker {child} exited (signal 9)" in service.log.read_text()


def test_workers_refuse_a_configuration_they_cannot_share(tmp_path):
    """Without Redis each worker would keep its own conversation state: refused at once."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": "", "TELEGRAM_BOT_TOKEN": "",
           "INSYSTEME_VAR": str(tmp_path / "var"), "INSYSTEME_CONFIG": str(ROOT / "config")}
    done = subprocess.run([sys.executable, "-m", "bot.app.cli", "web", "--workers", "2"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert "--workers needs REDIS_URL" in done.stderr
    env["REDIS_URL"] = REDIS_URL              # refused before it connects
    env["TELEGRAM_BOT_TOKEN"] = "123:abc"
    env["PUBLIC_URL"] = ""
    done = subprocess.run([sys.executable, "-m", "bot.app.cli", "web", "--workers", "2"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert "--workers needs PUBLIC_URL" in done.stderr
