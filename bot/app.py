"""Wiring: one aiohttp application serving the web chat, the Telegram webhook, the console,
`/healthz` and `/metrics`; built from Services so tests and every command share it."""
from __future__ import annotations

import logging
import time

from aiohttp import web

from bot.channels.web import WebChannel
from bot.engine import Engine
from bot.services import Services

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors *",
}


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for key, value in SECURITY_HEADERS.items():
        if key == "X-Frame-Options" and request.path.startswith("/chat"):
            continue   # the web chat is made to be embedded on a Mission Locale's site
        response.headers.setdefault(key, value)
    if isinstance(response, web.HTTPException):
        raise response
    return response


class Metrics:
    """Counters in Prometheus text format, kept in-process (one series per worker)."""

    def __init__(self) -> None:
        self.counters: dict[str, float] = {}
        self.started = time.time()

    def inc(self, name: str, value: float = 1.0) -> None:
        self.counters[name] = self.counters.get(name, 0.0) + value

    def render(self) -> str:
        lines = ["# TYPE insysteme_uptime_seconds gauge",
                 f"insysteme_uptime_seconds {time.time() - self.started:.0f}"]
        for name, value in sorted(self.counters.items()):
            lines += [f"# TYPE {name} counter", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def make_app(services: Services, engine: Engine | None = None) -> web.Application:
    engine = engine or Engine(services)
    app = web.Application(middlewares=[security_headers], client_max_size=256 * 1024)
    app["services"] = services
    app["engine"] = engine
    metrics = Metrics()
    app["metrics"] = metrics
    web_channel = WebChannel(engine, services.state, services.clock)
    services.outbox.register(web_channel)
    web_channel.add_routes(app)
    app["web_channel"] = web_channel

    async def healthz(request: web.Request) -> web.Response:
        checks = {}
        for name, probe in (("state", services.state.ping), ("records", services.records.ping)):
            try:
                checks[name] = bool(await probe())
            except Exception as exc:
                checks[name] = False
                log.warning("healthz: %s down: %s", name, exc)
        ok = all(checks.values())
        return web.json_response({"ok": ok, **checks}, status=200 if ok else 503)

    async def metrics_view(request: web.Request) -> web.Response:
        return web.Response(text=metrics.render(), content_type="text/plain")

    async def root(request: web.Request) -> web.Response:
        raise web.HTTPFound("/chat")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/", root)
    from bot.console import setup_console
    setup_console(app, services, engine)
    return app
