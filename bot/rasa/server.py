"""The action server: rasa-sdk's protocol (`POST /webhook`, `GET /health`, `GET /actions`) on
aiohttp, so the actions share the process's event loop with our stores (SQLAlchemy, Redis).

Dispatch, tracker parsing and domain caching are rasa-sdk's own ActionExecutor; the status codes
are those of rasa_sdk.endpoint (400 rejected, 404 unknown action, 449 domain missing, 500 error).
"""
from __future__ import annotations

import json
import logging
import warnings
import zlib

from aiohttp import web
from rasa_sdk import utils as sdk_utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException,
)

from bot.rasa.actions import all_actions
from bot.rasa.bridge import BadRequest, RasaBridge, check_sender

log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024      # a long tracker (events of a whole session) stays well below this


def make_executor(bridge: RasaBridge) -> ActionExecutor:
    executor = ActionExecutor()
    for action in all_actions(bridge):
        executor.register_action(action)
    return executor


def _error(status: int, message: str, action_name: str | None = None) -> web.Response:
    body = {"error": message}
    if action_name is not None:
        body["action_name"] = action_name
    return web.json_response(body, status=status)


def _check_call(call) -> None:
    """What the executor would otherwise crash on, said plainly."""
    if not isinstance(call, dict):
        raise BadRequest("the body must be a JSON object (the rasa-sdk action call)")
    name = call.get("next_action")
    if name is not None and not isinstance(name, str):
        raise BadRequest("next_action must be an action name")
    if not name:
        return
    tracker = call.get("tracker")
    if not isinstance(tracker, dict):
        raise BadRequest("tracker must be an object with sender_id, slots, latest_message, events")
    check_sender(tracker.get("sender_id"))
    for key, kind in (("slots", dict), ("latest_message", dict), ("events", list)):
        if tracker.get(key) is not None and not isinstance(tracker[key], kind):
            raise BadRequest(f"tracker.{key} must be a JSON {'object' if kind is dict else 'array'}")
    latest = tracker.get("latest_message") or {}
    for key, kind, what in (("text", str, "a text"), ("intent", dict, "an object"),
                            ("entities", list, "an array"), ("metadata", dict, "an object")):
        if latest.get(key) is not None and not isinstance(latest[key], kind):
            raise BadRequest(f"tracker.latest_message.{key} must be {what}")
    if any(not isinstance(e, dict) for e in latest.get("entities") or []):
        raise BadRequest("tracker.latest_message.entities must hold objects")
    domain = call.get("domain")
    if domain is not None and not isinstance(domain, dict):
        raise BadRequest("domain must be an object")


def make_action_app(services, bridge: RasaBridge | None = None) -> web.Application:
    bridge = bridge or RasaBridge(services)
    executor = make_executor(bridge)
    app = web.Application(client_max_size=MAX_BODY)

    async def health(request: web.Request) -> web.Response:
        try:
            ok = bool(await services.records.ping()) and bool(await services.state.ping())
        except Exception as exc:
            log.warning("health: stores down: %s", exc)
            ok = False
        return web.json_response({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)

    async def actions(request: web.Request) -> web.Response:
        return web.json_response([item.model_dump() for item in executor.list_actions()])

    async def webhook(request: web.Request) -> web.Response:
        raw = await request.read()     # aiohttp inflates a `deflate` body itself…
        try:
            call = json.loads(raw) if raw else None
        except ValueError:
            try:                         # …unless a proxy kept the header and not the encoding
                call = json.loads(zlib.decompress(raw))
            except (zlib.error, ValueError):
                return _error(400, "Invalid body request")
        if call is None:
            return _error(400, "Invalid body request")
        try:
            _check_call(call)
        except BadRequest as exc:
            return _error(400, str(exc), call.get("next_action") if isinstance(call, dict) else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sdk_utils.check_version_compatibility(call.get("version"))
        name = call.get("next_action")
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as exc:
            return _error(400, exc.message, exc.action_name)
        except ActionNotFoundException as exc:
            return _error(404, exc.message, exc.action_name)
        except ActionMissingDomainException as exc:
            return _error(449, exc.message, exc.action_name)
        except BadRequest as exc:
            return _error(400, str(exc), name)
        except Exception:
            log.exception("action %s failed", name)
            return _error(500, f"the action {name!r} failed; see the action server's log", name)
        return web.json_response(result.model_dump() if result else None)

    app.router.add_get("/health", health)
    app.router.add_get("/actions", actions)
    app.router.add_post("/webhook", webhook)
    return app
