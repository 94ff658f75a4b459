"""Nobody gets in without authentication: every route of the real application, enumerated from its
router (console sub-application included), is tried over HTTP without a session; the webhook without
its secret; and the security headers of bot/app/web.py are on every answer."""
from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp import web

from bot.app.web import SECURITY_HEADERS, make_app
from bot.channels.telegram import TelegramChannel
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import full_config, make_engine

SECRET = "security_secret_0123456789"
# Public by design (SPEC: HTTP): the web chat needs no account, the webhook has its own secret,
# health and metrics for the deployment's probes, the root redirects to the chat.
PUBLIC = {"/", "/chat", "/healthz", "/metrics", "/favicon.ico"}   # the icon browsers ask for
PUBLIC_PREFIXES = ("/chat/",)   # /chat/api/files/<id> answers only its own session (test_webchat_config.py)
CONSOLE_OPEN = {"/console/login"}            # the login page itself
CONSOLE_STATIC = "/console/static/"          # stylesheet and script of the login page


def routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route, sub-applications included."""
    found = []
    for resource in app.router.resources():
        sub = getattr(resource, "_app", None)
        if sub is not None and isinstance(sub, web.Application):
            found += routes(sub)          # its resources already carry the prefix
            continue
        for route in resource:
            found.append((route.method, resource.canonical))
    return found


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "console.css" if m.group(0) == "{name}" else "j_0123456789abcdef01234567",
                  template)


@pytest.fixture
async def app_url(tmp_path, clock):
    async with FakeBotAPI() as api:
        engine, services = await make_engine(tmp_path, clock, config=full_config())
        app = make_app(services, engine)
        channel = TelegramChannel(api.token, api.url, engine, webhook_secret=SECRET,
                                  public_url="http://later", clock=clock)
        channel.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield app, url, api
        finally:
            await runner.cleanup()
            await services.close()


async def test_every_console_route_but_login_refuses_a_visitor_without_session(app_url):
    app, url, _ = app_url
    table = routes(app)
    console = [(m, p) for m, p in table if p.startswith("/console") and m != "HEAD"]
    assert len(console) >= 15, console            # the enumeration really saw the sub-application
    async with aiohttp.ClientSession() as s:
        for method, template in console:
            path = concrete(template)
            if template in CONSOLE_OPEN or template.startswith(CONSOLE_STATIC):
                continue
            async with s.request(method, url + path, allow_redirects=False,
                                 data={"text": "bonjour", "csrf": "forged"}) as r:
                body = await r.text()
                assert r.status in (302, 303, 401, 403), f"{method} {path} answered {r.status} without a session"
                if r.status in (302, 303):
                    assert "/console/login" in r.headers["Location"], (method, path, r.headers["Location"])
                assert "j_0123456789abcdef01234567" not in body or r.status != 200


async def test_no_other_route_is_open_unless_public_by_design(app_url):
    app, url, _ = app_url
    for method, template in routes(app):
        if template.startswith("/console") or template == "/telegram/webhook":
            continue
        assert template in PUBLIC or template.startswith(PUBLIC_PREFIXES), \
            f"{method} {template}: a new route; decide who may call it and test it here"


async def test_console_static_serves_only_its_files(app_url):
    _, url, _ = app_url
    async with aiohttp.ClientSession() as s:
        for path in ("/console/static/..%2f..%2fsettings.py", "/console/static/%2e%2e%2fweb.py",
                     "/console/static/../web.py", "/console/static/nope.css"):
            async with s.get(url + path, allow_redirects=False) as r:
                assert r.status in (302, 303, 400, 403, 404), (path, r.status)


async def test_webhook_without_or_with_a_wrong_secret_is_refused_and_reads_nothing(app_url):
    _, url, api = app_url
    update = api.text_update(4242, "/start")
    hook = url + "/telegram/webhook"
    for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1], SECRET.upper()):
        assert await api.post_webhook(hook, update, secret) == 403
    assert not api.calls_of("sendMessage"), "a refused update was processed"
    async with aiohttp.ClientSession() as s:
        for method in ("GET", "PUT", "DELETE"):
            async with s.request(method, hook) as r:
                assert r.status in (403, 405), (method, r.status)
    assert await api.post_webhook(hook, update, SECRET) == 200     # the right secret works


async def test_security_headers_on_every_kind_of_answer(app_url):
    _, url, api = app_url
    async with aiohttp.ClientSession() as s:
        for method, path, extra in (("GET", "/healthz", {}), ("GET", "/console/login", {}),
                                    ("GET", "/console/inbox", {}), ("GET", "/metrics", {}),
                                    ("POST", "/telegram/webhook", {}), ("GET", "/nope", {}),
                                    ("GET", "/chat", {})):
            async with s.request(method, url + path, allow_redirects=False, **extra) as r:
                for name, value in SECURITY_HEADERS.items():
                    if path.startswith("/chat") and name in ("X-Frame-Options", "Content-Security-Policy"):
                        continue     # below: the chat is made to be embedded on ML sites
                    assert r.headers.get(name) == value, (path, r.status, name, r.headers.get(name))


async def test_framing_refused_everywhere_but_the_web_chat(app_url):
    """The console cannot be framed by another site (clickjacking a référent into a takeover);
    the chat can (a Mission Locale embeds it); the report only inside the console's dashboard."""
    _, url, api = app_url
    async with aiohttp.ClientSession() as s:
        for path in ("/console/login", "/console/inbox", "/console/c/j_x", "/console/journal",
                     "/console/static/console.js", "/healthz", "/nope"):
            async with s.get(url + path, allow_redirects=False) as r:
                assert r.headers["X-Frame-Options"] == "DENY", path
                assert r.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'"), path
        for path in ("/chat", "/chat/", "/chat/api/messages?session=abcdefghijklmnop"):
            async with s.get(url + path, allow_redirects=False) as r:
                assert "X-Frame-Options" not in r.headers, path
                assert r.headers["Content-Security-Policy"].endswith("frame-ancestors *"), path
        async with s.get(url + "/console/tableau-de-bord/rapport", allow_redirects=False) as r:
            assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
            assert r.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
