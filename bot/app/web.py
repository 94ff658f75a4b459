"""Wiring: one aiohttp application serving the web chat, the Telegram webhook, the console,
`/healthz` and `/metrics`; built from Services so tests and every command share it."""
from __future__ import annotations

import ipaddress
import logging
import time

from aiohttp import web

from bot.app.services import Services
from bot.channels.web import WebChannel
from bot.console.web import setup_console
from bot.dialogue.engine import Engine

log = logging.getLogger(__name__)

_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors ")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": _CSP + "'none'",
}
# Framing: only the web chat may be embedded (on a Mission Locale's own site); the console's
# report is framed by the console's dashboard (same origin); nothing else, the console above all.
CHAT_FRAMING = {"Content-Security-Policy": _CSP + "*"}
SAME_ORIGIN_FRAMING = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": _CSP + "'self'"}


def framing_headers(path: str) -> dict[str, str]:
    """The security headers of a path: framing refused everywhere but the chat (and the report
    inside the console's own dashboard)."""
    headers = dict(SECURITY_HEADERS)
    if path == "/chat" or path.startswith("/chat/"):
        headers.pop("X-Frame-Options")     # CSP frame-ancestors decides, and allows any site
        headers.update(CHAT_FRAMING)
    elif path == "/console/tableau-de-bord/rapport":
        headers.update(SAME_ORIGIN_FRAMING)
    return headers


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for key, value in framing_headers(request.path).items():
        response.headers.setdefault(key, value)
    if isinstance(response, web.HTTPException):
        raise response
    return response


def client_address(request: web.Request, trusted: list) -> str | None:
    """The client's address: the peer, unless the peer is a trusted proxy; then X-Forwarded-For
    read from the right, skipping trusted proxies, and the first other address is the client."""
    peer = request.remote
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for v in request.headers.getall("X-Forwarded-For", []) for h in v.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _ip(text: str | None):
    try:
        ip = ipaddress.ip_address(text or "")
    except ValueError:
        return None
    # a dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d
    return getattr(ip, "ipv4_mapped", None) or ip


def _is_address(text: str | None) -> bool:
    return _ip(text) is not None


def _is_trusted(address: str | None, trusted: list) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in net for net in trusted if ip.version == net.version)


def forwarded_for(trusted: list):
    """Middleware: `request.remote` becomes the client's address behind trusted proxies."""
    @web.middleware
    async def middleware(request: web.Request, handler):
        address = client_address(request, trusted)
        if address != request.remote:
            request = request.clone(remote=address)
        return await handler(request)
    return middleware


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
    middlewares = [security_headers]
    trusted = list(services.config.settings.trusted_proxies)
    if trusted:
        middlewares.append(forwarded_for(trusted))
    app = web.Application(middlewares=middlewares, client_max_size=256 * 1024)
    app["services"] = services
    app["engine"] = engine
    metrics = Metrics()
    app["metrics"] = metrics
    web_channel = WebChannel(engine, services.state, services.clock,
                             branding=services.config.webchat)
    services.outbox.register(web_channel)
    web_channel.add_routes(app)
    app["web_channel"] = web_channel

    async def forget_web_files(jeune_id: str) -> None:   # the files kept with its web chats
        addresses = [a for ch, a in await services.records.addresses(jeune_id) if ch == "web"]
        await web_channel.assets.forget(addresses)
    services.forget_hooks.append(forget_web_files)

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
        outbox = services.outbox
        for name in ("sent", "failed", "retried"):
            metrics.counters[f"insysteme_outbox_{name}_total"] = float(getattr(outbox, name, 0))
        return web.Response(text=metrics.render(), content_type="text/plain")

    async def root(request: web.Request) -> web.Response:
        raise web.HTTPFound("/chat")

    async def start_outbox(_app: web.Application) -> None:
        # the sweep of the durable outbox: what a dead process left, retries, other processes' rows
        await services.outbox.start()

    async def stop_outbox(_app: web.Application) -> None:
        await services.outbox.stop()
    app.on_startup.append(start_outbox)
    app.on_cleanup.append(stop_outbox)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/", root)
    setup_console(app, services, engine)
    return app
