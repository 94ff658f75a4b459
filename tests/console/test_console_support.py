"""Shared by the console tests (no tests here): two Missions Locales, a real server on a random
port (make_app + the console, real stores), accounts, and an HTTP client that logs in."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.app.web import make_app
from bot.console.web import setup_console
from bot.console.accounts import AccountStore
from bot.territoire.missions_locales import MissionLocale
from tests.support import make_engine, small_config

PASSWORD = "correct horse battery"
WEEK = {d: ["09:00-12:30", "13:30-17:30"] for d in ("lun", "mar", "mer", "jeu", "ven")}


def two_mls() -> list[MissionLocale]:
    return [MissionLocale(id="ml-a", name="Mission Locale A", address="1 rue A, Agen",
                          phone="05 00 00 00 01", hours=WEEK),
            MissionLocale(id="ml-b", name="Mission Locale B", address="2 rue B, Bordeaux",
                          phone="05 00 00 00 02", hours=WEEK)]


def console_config(**settings: Any):
    config = small_config()
    if settings:
        config = dataclasses.replace(config, settings=config.settings.model_copy(update=settings))
    return dataclasses.replace(config, missions_locales=two_mls())


@dataclass
class Server:
    engine: Any
    services: Any
    app: web.Application
    runner: web.AppRunner
    url: str

    @property
    def console(self):
        return self.app["console"]

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.services.close()


async def start_server(tmp_path, clock, database_url=None, redis_url=None, redis_prefix="t:",
                       config=None, before_start=None, **env: Any) -> Server:
    engine, services = await make_engine(tmp_path, clock, config=config or console_config(),
                                         database_url=database_url, redis_url=redis_url,
                                         redis_prefix=redis_prefix)
    if env:
        services.env = dataclasses.replace(services.env, **env)
    app = make_app(services, engine)
    if "console" not in app:
        setup_console(app, services, engine)
    if before_start is not None:
        before_start(app, services, engine)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return Server(engine, services, app, runner, f"http://127.0.0.1:{port}")


async def add_accounts(server: Server) -> dict[str, Any]:
    store = AccountStore(server.services.records.engine)
    now = server.services.clock.now()
    return {
        "a": await store.add("camille@ml-a.fr", "Camille", "referent", "ml-a", PASSWORD, now),
        "b": await store.add("basile@ml-b.fr", "Basile", "referent", "ml-b", PASSWORD, now),
        "admin": await store.add("sam@arml.fr", "Sam", "admin", None, PASSWORD, now),
        "com": await store.add("charlie@arml.fr", "Charlie", "communication", None, PASSWORD, now),
    }


def client(headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    # unsafe: keep cookies for 127.0.0.1 (an IP address)
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=headers)


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


async def login(http: aiohttp.ClientSession, base: str, email: str, password: str = PASSWORD
                ) -> aiohttp.ClientResponse:
    async with http.get(f"{base}/console/login") as r:
        token = csrf_of(await r.text())
    return await http.post(f"{base}/console/login", data={
        "email": email, "password": password, "csrf": token, "next": "/console/"},
        allow_redirects=False)


async def page_csrf(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as r:
        assert r.status == 200, (url, r.status)
        return csrf_of(await r.text())
