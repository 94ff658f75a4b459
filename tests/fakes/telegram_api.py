"""A fake Telegram Bot API server: the real protocol over real HTTP, on 127.0.0.1.

Point python-telegram-bot (or `TELEGRAM_API_URL`) at `FakeBotAPI.url`; calls arrive at
`{url}/bot{token}/{method}` with JSON, urlencoded or multipart bodies exactly as PTB sends them, and
get the result objects and error bodies Telegram gives. Tests build updates with the `*_update`
helpers, queue them for getUpdates (`push_update`) or POST them to a webhook (`post_webhook`), make
the server misbehave (`fail_next`, `slow`, `block`, `enforce_limits`) and read what the bot did
(`calls`, `sent`, `wait_for`).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import aiohttp
from aiohttp import web

# Fields that are always strings: never JSON-decode them (a text "123" stays "123").
_STRING_FIELDS = {
    "text", "caption", "callback_query_id", "url", "secret_token", "action", "parse_mode",
    "language_code", "ip_address", "inline_message_id", "business_connection_id", "message_effect_id",
    "certificate", "description", "short_description", "name",
}
_SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto"}
_CHAT_METHODS = _SEND_METHODS | {"sendChatAction", "editMessageText", "editMessageReplyMarkup"}
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    """One request the bot made, decoded, and what the fake answered."""
    method: str
    params: dict[str, Any]
    status: int = 200
    response: Any = None
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # name → (filename, bytes, mime)
    at: float = field(default_factory=time.monotonic)
    via_webhook: bool = False      # sent in a webhook's HTTP answer, performed by "Telegram"

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        return _chat_key(self.params.get("chat_id"))


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str | None
    times: int


class _Bucket:
    """Token bucket, the way Telegram tolerates short bursts. `slack` (a fraction of a token) stands
    for Telegram's own imprecision and for network jitter between the sender's clock and ours."""

    def __init__(self, rate: float, capacity: float, slack: float = 0.2):
        self.rate, self.capacity, self.slack = rate, capacity, slack
        self.tokens, self.stamp = capacity, time.monotonic()

    def take(self) -> float:
        """0 when allowed, else seconds until a token is back."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1 - self.slack:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def _chat_key(value: Any) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotAPI:
    """`async with FakeBotAPI() as api:` then `Bot(token=api.token, base_url=api.base_url)`."""

    def __init__(self, token: str = "123456789:AAFakeTokenForInsystemeTests_abcdefgh",
                 *, clock: Any = None, bot_username: str = "insysteme_test_bot",
                 enforce_limits: bool = False, chat_burst: int = 3):
        self.token = token
        self.clock = clock
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": "IN Système",
                         "username": bot_username}
        self.enforce_limits = enforce_limits
        self.chat_burst = chat_burst
        self.calls: list[Call] = []
        self.chats: dict[int | str, dict] = {}
        self.messages: dict[tuple[int | str, int], dict] = {}
        self.callback_queries: dict[str, dict] = {}   # id → query, for answerCallbackQuery
        self.answered_callbacks: dict[str, dict] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict] = []
        self.updates: list[dict] = []
        self.blocked: set[int | str] = set()
        self._failures: dict[str, list[_Failure]] = {}
        self._slow: dict[str, float] = {}
        self._next_update_id = itertools.count(random.randint(100_000, 900_000))
        self._message_ids: dict[int | str, itertools.count] = {}
        self._chat_buckets: dict[int | str, _Bucket] = {}
        self._group_buckets: dict[int | str, _Bucket] = {}
        self._overall = _Bucket(30, 30)
        self._poll_generation = 0
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> str:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()
        return self.url

    async def close(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeBotAPI":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """What PTB wants as `base_url` (it appends the token)."""
        return f"{self.url}/bot"

    # ------------------------------------------------------------------ misbehaviour
    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 2,
                  times: int = 1, description: str | None = None) -> None:
        """The next `times` calls of `method` fail with `status` (429 carries retry_after)."""
        self._failures.setdefault(method, []).append(
            _Failure(status, retry_after if status == 429 else None, description, times))

    def slow(self, method: str, seconds: float) -> None:
        self._slow[method] = seconds

    def block(self, chat_id: int | str) -> None:
        """The user blocked the bot: every call to that chat gets 403."""
        self.blocked.add(_chat_key(chat_id))

    # ------------------------------------------------------------------ reading what happened
    def sent(self, chat_id: int | str) -> list[str]:
        """Texts the bot delivered to a chat, in order (successful sendMessage only)."""
        key = _chat_key(chat_id)
        return [c.params.get("text", "") for c in self.calls
                if c.method == "sendMessage" and c.ok and c.chat_id == key]

    def calls_of(self, method: str, chat_id: int | str | None = None, ok: bool | None = None) -> list[Call]:
        key = _chat_key(chat_id)
        return [c for c in self.calls if c.method == method
                and (chat_id is None or c.chat_id == key) and (ok is None or c.ok == ok)]

    def mark(self) -> int:
        """Position in `calls`, to wait for calls made after this point."""
        return len(self.calls)

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None,
                       timeout: float = 5.0, *, since: int = 0, ok: bool | None = True) -> Call:
        """The first call of `method` (from `calls[since:]`) matching `predicate`; TimeoutError otherwise."""
        assert self._changed is not None, "start() the fake first"

        def find() -> Call | None:
            for call in self.calls[since:]:
                if call.method == method and (ok is None or call.ok == ok) and (
                        predicate is None or predicate(call)):
                    return call
            return None

        async with self._changed:
            found = await asyncio.wait_for(self._changed.wait_for(find), timeout)
        return found

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Until no call but getUpdates has arrived for `quiet` seconds (to check nothing more comes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(quiet / 3)
        raise TimeoutError("the bot kept calling the API")

    # ------------------------------------------------------------------ building updates
    def _now(self) -> int:
        return int(self.clock.now().timestamp()) if self.clock is not None else int(time.time())

    def _new_message_id(self, chat_id: int | str) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user(self, user_id: int, first_name: str) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}

    def _private_chat(self, chat_id: int, first_name: str) -> dict:
        chat = {"id": chat_id, "type": "private", "first_name": first_name}
        self.chats[chat_id] = chat
        return chat

    def _wrap(self, key: str, payload: dict, update_id: int | None) -> dict:
        return {"update_id": next(self._next_update_id) if update_id is None else update_id,
                key: payload}

    def message_update(self, chat_id: int, update_id: int | None = None, first_name: str = "Léa",
                       **fields: Any) -> dict:
        """A private message with arbitrary Bot API fields (`text`, `sticker`, `poll`, …)."""
        chat = self._private_chat(chat_id, first_name)
        message = {"message_id": self._new_message_id(chat_id), "from": self._user(chat_id, first_name),
                   "chat": chat, "date": self._now(), **fields}
        self.messages[(chat_id, message["message_id"])] = message
        return self._wrap("message", message, update_id)

    def text_update(self, chat_id: int, text: str, update_id: int | None = None,
                    first_name: str = "Léa") -> dict:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self.message_update(chat_id, update_id, first_name, **fields)

    def callback_update(self, chat_id: int, data: str, message_id: int | None = None,
                        update_id: int | None = None, first_name: str = "Léa") -> dict:
        """A press on an inline button of the bot's message `message_id` (default: its last one)."""
        if message_id is None:
            mine = [mid for (cid, mid), m in self.messages.items()
                    if cid == chat_id and m.get("from", {}).get("id") == self.bot_id]
            message_id = max(mine) if mine else 1
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id, "from": self.bot_user,
            "chat": self.chats.get(chat_id) or self._private_chat(chat_id, first_name),
            "date": self._now(), "text": "…"}
        query = {"id": str(random.randint(10**17, 10**18)), "from": self._user(chat_id, first_name),
                 "message": message, "chat_instance": str(-abs(chat_id) * 7919), "data": data}
        self.callback_queries[query["id"]] = query
        return self._wrap("callback_query", query, update_id)

    def _file(self, prefix: str, **extra: Any) -> dict:
        uid = f"{prefix}{random.randint(10**9, 10**10)}"
        return {"file_id": "A" + uid, "file_unique_id": uid, **extra}

    def sticker_update(self, chat_id: int, emoji: str = "👍", **kw: Any) -> dict:
        return self.message_update(chat_id, sticker=self._file(
            "stk", type="regular", width=512, height=512, is_animated=False, is_video=False,
            emoji=emoji), **kw)

    def photo_update(self, chat_id: int, caption: str | None = None, **kw: Any) -> dict:
        sizes = [self._file("ph", width=w, height=w, file_size=w * 40) for w in (90, 320, 1280)]
        extra = {"caption": caption} if caption else {}
        return self.message_update(chat_id, photo=sizes, **extra, **kw)

    def voice_update(self, chat_id: int, duration: int = 7, **kw: Any) -> dict:
        return self.message_update(chat_id, voice=self._file(
            "vo", duration=duration, mime_type="audio/ogg", file_size=duration * 2000), **kw)

    def audio_update(self, chat_id: int, **kw: Any) -> dict:
        return self.message_update(chat_id, audio=self._file(
            "au", duration=180, mime_type="audio/mpeg", title="son"), **kw)

    def video_update(self, chat_id: int, **kw: Any) -> dict:
        return self.message_update(chat_id, video=self._file(
            "vi", width=720, height=1280, duration=12, mime_type="video/mp4"), **kw)

    def video_note_update(self, chat_id: int, **kw: Any) -> dict:
        return self.message_update(chat_id, video_note=self._file("vn", length=240, duration=9), **kw)

    def document_update(self, chat_id: int, file_name: str = "cv.pdf", **kw: Any) -> dict:
        return self.message_update(chat_id, document=self._file(
            "doc", file_name=file_name, mime_type="application/pdf", file_size=48_000), **kw)

    def location_update(self, chat_id: int, latitude: float = 44.8378, longitude: float = -0.5792,
                        **kw: Any) -> dict:
        return self.message_update(chat_id, location={"latitude": latitude, "longitude": longitude}, **kw)

    def contact_update(self, chat_id: int, phone_number: str = "+33600000000", first_name: str = "Sam",
                       **kw: Any) -> dict:
        return self.message_update(chat_id, contact={
            "phone_number": phone_number, "first_name": first_name}, **kw)

    def poll_update(self, chat_id: int, question: str = "On sort ?", **kw: Any) -> dict:
        return self.message_update(chat_id, poll={
            "id": str(random.randint(10**9, 10**10)), "question": question,
            "options": [{"persistent_id": "0", "text": "oui", "voter_count": 0},
                        {"persistent_id": "1", "text": "non", "voter_count": 0}],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}, **kw)

    def edited_update(self, chat_id: int, message_id: int, text: str, update_id: int | None = None,
                      first_name: str = "Léa") -> dict:
        """The jeune edited their earlier message `message_id`."""
        chat = self._private_chat(chat_id, first_name)
        original = self.messages.get((chat_id, message_id), {})
        message = {"message_id": message_id, "from": self._user(chat_id, first_name), "chat": chat,
                   "date": original.get("date", self._now()), "edit_date": self._now(), "text": text}
        self.messages[(chat_id, message_id)] = message
        return self._wrap("edited_message", message, update_id)

    def forwarded_update(self, chat_id: int, text: str, from_name: str = "Yanis", **kw: Any) -> dict:
        origin = {"type": "user", "date": self._now() - 3600,
                  "sender_user": self._user(chat_id + 1, from_name)}
        return self.message_update(chat_id, text=text, forward_origin=origin, **kw)

    def group_update(self, chat_id: int, text: str, chat_type: str = "group", title: str = "Les potes",
                     user_id: int = 555001, first_name: str = "Léa", update_id: int | None = None) -> dict:
        """A message in a group or supergroup the bot was added to (`chat_id` negative)."""
        chat = {"id": chat_id, "type": chat_type, "title": title}
        self.chats[chat_id] = chat
        message = {"message_id": self._new_message_id(chat_id), "from": self._user(user_id, first_name),
                   "chat": chat, "date": self._now(), "text": text}
        mention = "@" + self.bot_user["username"]
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0,
                             "length": _utf16_len(text.split()[0])})
        if mention in text:
            entities.append({"type": "mention", "offset": _utf16_len(text[:text.index(mention)]),
                             "length": _utf16_len(mention)})
        if entities:
            message["entities"] = entities
        return self._wrap("message", message, update_id)

    def my_chat_member_update(self, chat_id: int, status: str = "kicked", first_name: str = "Léa",
                              update_id: int | None = None) -> dict:
        """The jeune blocked ("kicked") or unblocked ("member") the bot in their private chat
        (a negative `chat_id`: the bot was removed from / added to a group)."""
        if chat_id < 0:
            chat = self.chats.setdefault(chat_id, {"id": chat_id, "type": "group", "title": "Groupe"})
        else:
            chat = self._private_chat(chat_id, first_name)
        old = "member" if status == "kicked" else "kicked"

        def member(state: str) -> dict:
            return {"status": state, "user": self.bot_user, **({"until_date": 0} if state == "kicked" else {})}

        change = {"chat": chat, "from": self._user(chat_id, first_name), "date": self._now(),
                  "old_chat_member": member(old), "new_chat_member": member(status)}
        if status == "kicked":
            self.blocked.add(chat_id)
        else:
            self.blocked.discard(chat_id)
        return self._wrap("my_chat_member", change, update_id)

    def channel_post_update(self, chat_id: int, text: str, update_id: int | None = None) -> dict:
        chat = {"id": chat_id, "type": "channel", "title": "Infos"}
        self.chats[chat_id] = chat
        post = {"message_id": self._new_message_id(chat_id), "chat": chat, "date": self._now(), "text": text}
        return self._wrap("channel_post", post, update_id)

    # ------------------------------------------------------------------ delivering updates
    async def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates (a duplicate update_id is queued again, as on a resend)."""
        self.updates.append(update)
        await self._notify()

    async def post_webhook(self, url: str, update: dict, secret: str | None = None) -> int:
        """POST an update to a webhook the way Telegram does; returns the HTTP status."""
        assert self._session is not None, "start() the fake first"
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with self._session.post(url, data=json.dumps(update), headers=headers) as resp:
            body = await resp.read()
            status = resp.status
            inline = json.loads(body) if status == 200 and resp.content_type == "application/json" else None
        if isinstance(inline, dict) and isinstance(inline.get("method"), str):
            # a method in the webhook's answer: Telegram performs it (and tells nobody the outcome)
            params = dict(inline)
            await self._perform(params.pop("method"), params, {}, self.token, via_webhook=True)
        return status

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # ------------------------------------------------------------------ the HTTP side
    async def _handle(self, request: web.Request) -> web.Response:
        params, files = await self._read_params(request)
        call = await self._perform(request.match_info["method"], params, files,
                                   request.match_info["token"])
        return web.json_response(call.response, status=call.status)

    async def _perform(self, method: str, params: dict, files: dict, token: str,
                       via_webhook: bool = False) -> "Call":
        call = Call(method, params, files=files, via_webhook=via_webhook)
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if method in self._slow:
                await asyncio.sleep(self._slow[method])
            self._maybe_fail(method)
            handler = getattr(self, "_api_" + method, None)
            if handler is None:
                raise ApiError(404, "Not Found")
            if method in _CHAT_METHODS:
                self._check_chat(method, params)
            result = await handler(params, files)
            call.response = {"ok": True, "result": result}
            if method == "setWebhook":
                call.response["description"] = "Webhook was set"
        except ApiError as err:
            call.status, call.response = err.status, err.body()
        call.at = time.monotonic()
        self.calls.append(call)
        await self._notify()
        return call

    async def _read_params(self, request: web.Request) -> tuple[dict, dict]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.content_type == "application/json":
            raw = await request.read()
            if raw:
                params.update(json.loads(raw))
            return params, files
        if request.body_exists:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read(), value.content_type)
                    params[key] = f"<file {value.filename}>"
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and key not in _STRING_FIELDS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params, files

    def _maybe_fail(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        if failure.status == 429:
            wait = failure.retry_after or 1
            raise ApiError(429, failure.description or f"Too Many Requests: retry after {wait}",
                           {"retry_after": wait})
        phrase = _PHRASES.get(failure.status, "Error")
        raise ApiError(failure.status, failure.description or phrase)

    def _check_chat(self, method: str, params: dict) -> None:
        chat_id = _chat_key(params.get("chat_id"))
        if chat_id is None:
            if method.startswith("edit") and params.get("inline_message_id"):
                return
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.enforce_limits and method in _SEND_METHODS:
            wait = self._overall.take()
            if isinstance(chat_id, int) and chat_id < 0:
                bucket = self._group_buckets.setdefault(chat_id, _Bucket(20 / 60, 20))
            else:
                bucket = self._chat_buckets.setdefault(chat_id, _Bucket(1.0, self.chat_burst))
            wait = max(wait, bucket.take())
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    def _markup(self, params: dict) -> dict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _bot_message(self, chat_id: int | str, **fields: Any) -> dict:
        message = {"message_id": self._new_message_id(chat_id), "from": self.bot_user,
                   "chat": self.chats[chat_id], "date": self._now(),
                   **{k: v for k, v in fields.items() if v is not None}}
        self.messages[(chat_id, message["message_id"])] = message
        return message

    # ------------------------------------------------------------------ methods
    async def _api_getMe(self, params, files):
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _api_setWebhook(self, params, files):
        url = params.get("url", "")
        if url and not re.match(r"^https?://[^/\s]+", url):
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        if not url:
            self.webhook = {}
            return True
        self.webhook = {"url": url, "secret_token": secret,
                        "allowed_updates": params.get("allowed_updates"),
                        "max_connections": params.get("max_connections", 40)}
        return True

    async def _api_deleteWebhook(self, params, files):
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {}
        return True

    async def _api_getWebhookInfo(self, params, files):
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _api_getUpdates(self, params, files):
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if offset > 0:   # confirms every update below offset: they are gone for good
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()          # an older long poll still waiting ends with 409

        def ready() -> list[dict]:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")
            pending = self.updates[offset:] if offset < 0 else self.updates
            if allowed:
                pending = [u for u in pending if any(k in u for k in allowed)]
            return pending[:limit]

        batch = ready()
        if batch or timeout <= 0:
            return batch
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (batch := ready()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except asyncio.TimeoutError:
                    break
        return ready()

    async def _api_sendMessage(self, params, files):
        text = params.get("text")
        if text is None or not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(str(text)) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        return self._bot_message(_chat_key(params["chat_id"]), text=str(text), reply_markup=markup)

    async def _api_editMessageText(self, params, files):
        chat_id, message = self._editable(params)
        text = params.get("text")
        if text is None or not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and reply "
                                "markup of the message")
        message["text"] = str(text)
        message["edit_date"] = self._now()
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    async def _api_editMessageReplyMarkup(self, params, files):
        chat_id, message = self._editable(params)
        markup = self._markup(params)
        if markup == {"inline_keyboard": []}:
            markup = None
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and reply "
                                "markup of the message")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = self._now()
        return message

    def _editable(self, params: dict) -> tuple[int | str, dict]:
        chat_id = _chat_key(params.get("chat_id"))
        message = self.messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message

    async def _api_answerCallbackQuery(self, params, files):
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self.callback_queries or query_id in self.answered_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                                "query ID is invalid")
        self.answered_callbacks[query_id] = params
        return True

    async def _api_sendChatAction(self, params, files):
        return True

    async def _api_sendDocument(self, params, files):
        if "document" not in files and not isinstance(params.get("document"), str):
            raise ApiError(400, "Bad Request: there is no document in the request")
        filename, content, mime = files.get("document", (params.get("document"), b"", ""))
        markup = self._markup(params)
        document = self._file("doc", file_name=filename, mime_type=mime, file_size=len(content))
        return self._bot_message(_chat_key(params["chat_id"]), document=document,
                                 caption=params.get("caption"), reply_markup=markup)

    async def _api_sendPhoto(self, params, files):
        if "photo" not in files and not isinstance(params.get("photo"), str):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        _, content, _ = files.get("photo", ("", b"", ""))
        photo = [self._file("ph", width=320, height=320, file_size=len(content))]
        return self._bot_message(_chat_key(params["chat_id"]), photo=photo,
                                 caption=params.get("caption"), reply_markup=self._markup(params))

    async def _api_setMyCommands(self, params, files):
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _api_getChat(self, params, files):
        chat_id = _chat_key(params.get("chat_id"))
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {**chat, "accent_color_id": abs(hash(chat_id)) % 7, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    async def _api_close(self, params, files):
        return True

    async def _api_logOut(self, params, files):
        return True
