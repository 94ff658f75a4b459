"""The Telegram channel: python-telegram-bot 22 (`ExtBot` and a rate limiter of ours) over the Bot API.

Calls go to `{api_url}/bot{token}/{method}`, so `TELEGRAM_API_URL` can point at a local Bot API
server or at the fake one the tests use.

Receiving
- Webhook mode (a `public_url` is set): `POST /telegram/webhook` on our own aiohttp app. The
  `X-Telegram-Bot-Api-Secret-Token` header is compared in constant time; wrong or missing → 403 and
  nothing is read. `start()` calls setWebhook with that secret and our `allowed_updates`.
- Long-polling mode (no `public_url`): our own getUpdates loop over PTB's bot, not
  `Application`/`Updater`. The Updater confirms an update (moves the offset past it) as soon as it
  is fetched, before any handler ran, so an update whose processing failed because Redis or the
  database was down would be lost. Our loop moves the offset only past updates the engine has
  processed: Telegram hands the others back on the next call. It also lives inside the service's
  own event loop, with no signal handlers or second loop of its own.

Never losing an update. The webhook awaits `engine.handle` before answering, and answers 503 when
it raises `StoreUnavailable`: Telegram keeps the update and retries it, and the polling loop does the
same by not moving its offset. Processing before answering is the simplest correct choice: the
engine works in milliseconds, far under Telegram's ~60 s wait, and a 200 then means "the state and
the event are stored". Other errors (a bug on one odd update) are logged and answered 200, so one
poison update is not redelivered forever. The *replies* are sent after answering, in a per-chat
ordered background task: a 429 `retry_after` wait or a slow sendMessage never holds Telegram's
connection open (it would time out and redeliver).

Exactly-once. Each update becomes an Incoming with `message_id = "tg:{update_id}"`; the engine
dedupes on it under the jeune's lock, and this channel also keeps a small in-memory set of recent
update_ids (and joins a delivery that is still being processed) to answer redeliveries cheaply.

Sending. A PTB rate limiter (`_Limits`) keeps the bot under 30 messages/s overall, ~1/s per private
chat with short bursts, 20/min per group, and waits out a 429's `retry_after` (pausing every request,
as Telegram asks); nothing is dropped. 5xx and network errors get a few retries with backoff (a
timed-out send may rarely arrive twice: better than never). 403 (the jeune blocked the bot) is
final: no retry, `engine.mark_unreachable`, `send` returns False.

Only private chats talk to the engine. In a group, supergroup or channel the bot stays silent,
except that a mention or /start gets one short message pointing to the private chat, at most once
per group per hour.
"""
from __future__ import annotations

import asyncio
import contextvars
import heapq
import hmac
import json
import logging
import re
import secrets
import time
import warnings
from collections import OrderedDict
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Protocol

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter
from telegram import (
    BotCommand, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message,
    Update,
)
from telegram.error import (
    BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError,
)
from telegram.error import TimedOut
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import BaseRequest, RequestData
from telegram._utils.defaultvalue import DefaultValue
from telegram.warnings import PTBDeprecationWarning

from bot.channels import telegram_updates
from bot.channels.telegram_updates import ButtonPress, Pressed, TextMessage
from bot.clock import Clock, SystemClock
from bot.messages import Button, Incoming, Reply
from bot.stores import StoreUnavailable
from bot.stores.records import store_not_ready

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# the lane of the send in progress (0 crisis, 1 conversation, 2 background): set by `send`, read
# by the limiter, which gives Telegram's overall rate to the lowest lane first
_LANE: contextvars.ContextVar[int] = contextvars.ContextVar("telegram_lane", default=1)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# my_chat_member: Telegram tells us when a jeune blocks the bot, before we try to write.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_TEXT = 4096              # Telegram counts UTF-16 code units
MAX_CALLBACK_DATA = 64       # bytes
SHORT_LABEL = 16             # labels this short go two per row
_START_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")   # what Telegram allows in a deep link
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")       # what setWebhook allows as secret_token

GROUP_POINTER = ("Bonjour ! Je réponds seulement en message privé, pour que ce que tu écris reste "
                 "entre nous. Écris-moi ici : https://t.me/{username}")
FORWARD_NOTE = "Tu m'as transféré un message. Je le lis comme si tu me l'avais écrit."


class Engine(Protocol):
    """What the channel needs of the dialogue engine (bot/dialogue/engine.py)."""

    async def handle(self, incoming: Incoming) -> list[Reply]: ...

    async def mark_unreachable(self, channel: str, address: str) -> None: ...

    async def mark_reachable(self, channel: str, address: str) -> None: ...


class DeliveryFailed(Exception):
    """Telegram kept failing (5xx, network) after the retries: the caller may try again later."""


class TelegramStartError(RuntimeError):
    """The bot could not start (token refused, API unreachable, webhook refused): say it plainly."""


class _Unreachable(Exception):
    """The chat cannot receive messages (bot blocked, user deactivated, chat gone)."""


# --------------------------------------------------------------------------- pure helpers
def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages Telegram accepts, on a paragraph, else line, else word boundary.

    A cut is taken at the last boundary of the strongest kind found in the second half of the
    window, so parts stay reasonably full. Only a single "word" longer than the limit is cut inside.
    """
    text = text.strip()
    parts: list[str] = []
    while utf16_len(text) > limit:
        window = _prefix_within(text, limit)
        cut = -1
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at > len(window) // 2 or (at > 0 and sep == " "):
                cut = at
                break
        if cut <= 0:
            cut = len(window)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        if head:
            parts.append(head)
    if text:
        parts.append(text)
    return parts


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` UTF-16 units (never halves a character)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """Inline keyboard: two per row when every label is short, else one per row (readable on a phone).

    Raises ValueError when a value does not fit Telegram's 64-byte callback_data: a flow bug that
    must show up in tests, not as a button that silently does nothing.
    """
    rows = keyboard_rows(buttons)
    if rows is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.value) for b in row]
                                 for row in rows])


def keyboard_json(buttons: list[Button]) -> dict | None:
    """The same keyboard as Bot API JSON (`reply_markup`), for the calls sent without PTB objects."""
    rows = keyboard_rows(buttons)
    if rows is None:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.value} for b in row]
                                for row in rows]}


def keyboard_rows(buttons: list[Button]) -> list[list[Button]] | None:
    if not buttons:
        return None
    for button in buttons:
        size = len(button.value.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise ValueError(f"button {button.label!r}: value is {size} bytes, Telegram allows 1 to "
                             f"{MAX_CALLBACK_DATA}")
        if not button.label.strip():
            raise ValueError(f"button with value {button.value!r} has an empty label")
    per_row = 2 if all(len(b.label) <= SHORT_LABEL for b in buttons) else 1
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def start_code(text: str) -> tuple[bool, str | None]:
    """(is it /start, the valid deep-link code or None). `/start@mybot CODE` counts too."""
    command, _, rest = text.strip().partition(" ")
    if command.split("@", 1)[0].lower() != "/start":
        return False, None
    code = rest.strip()
    return True, (code if _START_CODE.match(code) else None)


def _shown_text(reply: Reply) -> str:
    if reply.author.startswith("referent:"):
        name = reply.author.split(":", 1)[1].strip() or "Ta conseillère ou ton conseiller"
        return f"{name} (Mission Locale) :\n{reply.text}"
    return reply.text


# --------------------------------------------------------------------------- small state
class _RecentIds:
    """The last N update_ids processed, to short-circuit Telegram's redeliveries."""

    def __init__(self, size: int = 10_000):
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> None:
        self._ids[update_id] = None
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)


class _Limits(BaseRateLimiter[int]):
    """Telegram's flood limits on our side: 30 requests/s overall, ~1/s per private chat with a burst
    of a few, 20/min per group; a 429 pauses every request for its `retry_after`, then retries.

    PTB's AIORateLimiter does the overall, group and 429 parts but does not pace private chats,
    and pacing in front of it loses its spacing when a 429 pause releases everyone at once; so the
    per-chat bucket sits here, after the pause. Buckets run on the event loop's monotonic time:
    they pace network calls, not domain time.
    """

    def __init__(self, overall_rate: float = 30, chat_rate: float = 1.0, chat_burst: int = 3,
                 group_per_minute: float = 20, max_retries: int = 10):
        self.max_retries = max_retries
        self._chat_rate, self._chat_burst, self._group_rate = chat_rate, chat_burst, group_per_minute
        # Sustained `overall_rate`/s, but a burst of only 2/3 of it: our bucket starts leaking when a
        # request is queued, Telegram's when it arrives; the margin absorbs that skew.
        burst = max(1.0, overall_rate * 2 / 3)
        self._overall = _InTurn(AsyncLimiter(burst, burst / overall_rate)) if overall_rate > 0 else None
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _chat(self, chat_id: int | str) -> AsyncLimiter | None:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > 10_000:          # forget idle chats (their bucket is empty)
                for key, old in list(self._chats.items()):
                    if old.has_capacity(old.max_rate):
                        del self._chats[key]
            group = isinstance(chat_id, str) or chat_id < 0
            if group:
                limiter = AsyncLimiter(self._group_rate, 60) if self._group_rate > 0 else None
            else:
                limiter = (AsyncLimiter(self._chat_burst, self._chat_burst / self._chat_rate)
                           if self._chat_rate > 0 else None)
            if limiter is None:
                return None
            self._chats[chat_id] = limiter
        return limiter

    async def _wait_pause(self) -> None:
        loop = asyncio.get_running_loop()
        while (left := self._paused_until - loop.time()) > 0:
            await asyncio.sleep(left)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_pause()
            if chat_id is not None:
                chat = self._chat(chat_id)
                if chat is not None:
                    await chat.acquire()
                if self._overall is not None:
                    await self._overall.acquire(_LANE.get())
                await self._wait_pause()           # a 429 may have come in while we queued
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                if attempt == retries:
                    raise
                loop = asyncio.get_running_loop()
                self._paused_until = max(self._paused_until, loop.time() + _seconds(err) + 0.1)
                log.info("Telegram asked to wait %.0f s (%s)", _seconds(err), endpoint)
        raise AssertionError("unreachable")


class _InTurn:
    """The overall bucket served lane by lane: a waiting crisis reply goes before every queued
    conversation reply, and those before queued reminders (FIFO within a lane). Only one request
    at a time waits inside the bucket; the others wait here, ordered."""

    def __init__(self, limiter: AsyncLimiter):
        self.limiter = limiter
        self._waiting: list[tuple[int, int, asyncio.Future]] = []
        self._seq = 0
        self._busy = False

    async def acquire(self, lane: int) -> None:
        if self._busy:
            future = asyncio.get_running_loop().create_future()
            self._seq += 1
            heapq.heappush(self._waiting, (lane, self._seq, future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._next()            # the turn was ours: pass it on
                raise
        self._busy = True
        try:
            await self.limiter.acquire()
        finally:
            self._next()

    def _next(self) -> None:
        while self._waiting:
            _lane, _seq, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self._busy = False


def _seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():                # PTB 22 warns about the int/timedelta switch
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _JsonBody:
    """A Bot API call's parameters as one JSON body (Telegram accepts application/json), read by
    AiohttpRequest.do_request where PTB passes its RequestData."""
    __slots__ = ("body",)
    multipart_data = None

    def __init__(self, params: dict[str, Any]):
        self.body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()


class AiohttpRequest(BaseRequest):
    """PTB's HTTP layer on aiohttp instead of httpx: the same requests on the wire (urlencoded form,
    multipart with files), about a third of the CPU per call. Under a burst of webhook updates the
    replies' sends were two thirds of the process's time with httpx (docs/performance.md)."""

    def __init__(self, connection_pool_size: int = 64, timeout: float | None = 10.0):
        self._pool_size = connection_pool_size
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        def chosen(value):
            return self._timeout if isinstance(value, DefaultValue) else value

        read, connect, pool = chosen(read_timeout), chosen(connect_timeout), chosen(pool_timeout)
        write = chosen(write_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None if None in (read, write, connect, pool) else read + write + connect + pool,
            connect=None if None in (connect, pool) else connect + pool,
            sock_connect=connect, sock_read=read)
        files = request_data.multipart_data if request_data else None
        if isinstance(request_data, _JsonBody):
            body, headers = request_data.body, {"Content-Type": "application/json"}
        elif files:
            body: Any = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime)
            headers = None
        elif request_data is not None and request_data.parameters:
            body = request_data.url_encoded_parameters()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        else:
            body, headers = None, None
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


class _ChatLocks:
    """One FIFO lock per chat, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int | str, tuple[asyncio.Lock, int]] = {}

    def hold(self, chat_id: int | str) -> "_Held":
        return _Held(self, chat_id)

    def acquire_ref(self, chat_id: int | str) -> asyncio.Lock:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        return lock

    def release_ref(self, chat_id: int | str) -> None:
        lock, users = self._locks[chat_id]
        if users <= 1:
            del self._locks[chat_id]
        else:
            self._locks[chat_id] = (lock, users - 1)


class _Held:
    def __init__(self, locks: _ChatLocks, chat_id: int | str):
        self._locks, self._chat_id = locks, chat_id

    async def __aenter__(self) -> None:
        self._lock = self._locks.acquire_ref(self._chat_id)
        await self._lock.acquire()

    async def __aexit__(self, *exc: Any) -> None:
        self._lock.release()
        self._locks.release_ref(self._chat_id)


# --------------------------------------------------------------------------- the channel
class TelegramChannel:
    """One bot account. `start()`/`stop()` around the service; `add_routes(app)` for the webhook."""

    name = CHANNEL
    durable = True          # replies go through the durable outbox once it is bound

    def __init__(self, token: str, api_url: str = "https://api.telegram.org",
                 engine: Engine | None = None, webhook_secret: str | None = None,
                 public_url: str | None = None, *, clock: Clock | None = None,
                 webhook_path: str = WEBHOOK_PATH, poll_timeout: int = 25,
                 send_retries: int = 3, retry_backoff: float = 0.5, chat_rate: float = 1.0,
                 chat_burst: int = 3, group_pointer_every: timedelta = timedelta(hours=1),
                 request_timeout: float = 10.0, receive: bool = True, poll_pause: float = 1.0,
                 overall_rate: float = 30, typing_after: float = 0.4):
        if not token or ":" not in token:
            raise ValueError("TELEGRAM_BOT_TOKEN looks like 123456:ABC… (from @BotFather)")
        if webhook_secret is not None and not _SECRET.match(webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: 1 to 256 characters among A-Z a-z 0-9 _ -")
        self.engine = engine
        self.receive = receive
        self.api_url = api_url.rstrip("/")
        self.public_url = public_url.rstrip("/") if public_url else None
        self.webhook_path = webhook_path
        # Without a configured secret, a random one: only Telegram (told by setWebhook) knows it.
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        self.clock = clock or SystemClock()
        self.poll_timeout = poll_timeout
        self.poll_pause = poll_pause
        # "…is typing" (sendChatAction) when a reply takes longer than this to prepare: the fast
        # path costs no call (issue 17)
        self.typing_after = typing_after
        self.send_retries = send_retries
        self.retry_backoff = retry_backoff
        self.group_pointer_every = group_pointer_every
        self._request = AiohttpRequest(connection_pool_size=64, timeout=request_timeout)
        self._limits = _Limits(overall_rate=overall_rate, chat_rate=chat_rate, chat_burst=chat_burst)
        self.bot = ExtBot(
            token=token,
            base_url=f"{self.api_url}/bot",
            base_file_url=f"{self.api_url}/file/bot",
            request=self._request,
            get_updates_request=AiohttpRequest(connection_pool_size=2, timeout=request_timeout),
            rate_limiter=self._limits,
        )
        self._recent = _RecentIds()
        self._inflight: dict[int, asyncio.Future] = {}
        self._chat_locks = _ChatLocks()
        self._tasks: set[asyncio.Task] = set()
        self._group_pointed: dict[int, datetime] = {}
        self._poller: asyncio.Task | None = None
        self._started = False
        self.outbox = None

    def bind_outbox(self, outbox) -> None:
        """The durable outbox (bot/channels/outbox.py) delivers the turns' replies: this channel
        flushes a chat's rows after each update instead of keeping them in memory."""
        self.outbox = outbox

    @classmethod
    def from_env(cls, env: Any, engine: Engine | None, *, receive: bool = True,
                 clock: Clock | None = None, **options: Any) -> "TelegramChannel":
        """From `bot.settings.Env`. `receive=False` (a scheduler process): send only; the web
        process owns the webhook or the polling."""
        return cls(env.telegram_bot_token, env.telegram_api_url, engine,
                   webhook_secret=env.telegram_webhook_secret, public_url=env.public_url,
                   clock=clock, receive=receive, **options)

    @property
    def mode(self) -> str:
        if not self.receive:
            return "send-only"
        return "webhook" if self.public_url else "polling"

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url}{self.webhook_path}" if self.public_url else None

    def bind(self, engine: Engine) -> None:
        """Set the engine later (the app builds the channel before the engine's Outbox is complete)."""
        self.engine = engine

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Log in (getMe), then set the webhook or start polling (unless send-only)."""
        try:
            await self.bot.initialize()
        except InvalidToken as err:
            raise TelegramStartError(f"Telegram refused TELEGRAM_BOT_TOKEN ({err.message})") from err
        except NetworkError as err:
            raise TelegramStartError(
                f"Telegram API unreachable at {self.api_url} ({err.message})") from err
        self._started = True
        if not self.receive:
            return
        try:
            await self.bot.set_my_commands([BotCommand("start", "Commencer ou recommencer")])
        except TelegramError as err:
            log.warning("setMyCommands failed: %s", err)
        try:
            if self.public_url:
                await self.bot.set_webhook(url=self.webhook_url, secret_token=self.webhook_secret,
                                           allowed_updates=ALLOWED_UPDATES, max_connections=40)
            else:
                await self.bot.delete_webhook(drop_pending_updates=False)
        except TelegramError as err:
            what = f"setWebhook {self.webhook_url}" if self.public_url else "deleteWebhook"
            raise TelegramStartError(f"Telegram refused {what} ({err.message})") from err
        if self.public_url:
            log.info("Telegram webhook set to %s", self.webhook_url)
        else:
            self._poller = asyncio.create_task(self._poll(), name="telegram-polling")
            log.info("Telegram long polling started")

    async def stop(self) -> None:
        """Stop polling, finish sending what is queued, close the HTTP clients.

        The webhook stays set: Telegram keeps updates while we are down and delivers them later."""
        if self._poller is not None:
            self._poller.cancel()
            try:
                await self._poller
            except asyncio.CancelledError:
                pass
            self._poller = None
        await self.drain()
        if self._started:
            await self.bot.shutdown()
            self._started = False

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for background sends (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - time.monotonic()))

    # ------------------------------------------------------------------ webhook
    def routes(self) -> list[web.RouteDef]:
        return [web.post(self.webhook_path, self.webhook)]

    def add_routes(self, app: web.Application) -> None:
        app.add_routes(self.routes())

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="the body is not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        try:
            inline = await self.process_update(data, inline_answer=True)
        except StoreUnavailable:
            log.warning("stores unavailable: update %s refused with 503, Telegram will retry",
                        data["update_id"])
            return web.Response(status=503, text="retry later", headers={"Retry-After": "5"})
        except Exception:
            log.exception("update %s could not be processed; dropped", data["update_id"])
            return web.Response(status=200)
        if inline is not None:           # Telegram performs it: one HTTP call fewer per button press
            return web.json_response(inline)
        return web.Response(status=200)

    # ------------------------------------------------------------------ polling
    async def _poll(self) -> None:
        offset: int | None = None
        pause = self.poll_pause
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=self.poll_timeout,
                                                     allowed_updates=ALLOWED_UPDATES)
            except asyncio.CancelledError:
                raise
            except TelegramError as err:
                log.warning("getUpdates failed (%s); retrying in %.0f s", err, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            if not updates:
                pause = self.poll_pause
                continue
            next_offset, failed = await self._process_batch(updates)
            offset = next_offset
            if failed:
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
            else:
                pause = self.poll_pause

    async def _process_batch(self, updates: list[Update]) -> tuple[int, bool]:
        """Process a getUpdates batch: chats in parallel, each chat in order.

        Returns the next offset (the first update not processed) and whether one failed."""
        by_chat: dict[Any, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat
            by_chat.setdefault(chat.id if chat else ("update", update.update_id), []).append(update)

        async def run(chain: list[Update]) -> int | None:
            for update in chain:
                try:
                    await self.process_update(update)
                except StoreUnavailable:
                    log.warning("stores unavailable: update %s left for the next getUpdates",
                                update.update_id)
                    return update.update_id
                except Exception:
                    log.exception("update %s could not be processed; dropped", update.update_id)
            return None

        failed = [f for f in await asyncio.gather(*(run(c) for c in by_chat.values())) if f is not None]
        if failed:
            return min(failed), True
        return max(u.update_id for u in updates) + 1, False

    # ------------------------------------------------------------------ one update
    async def process_update(self, update: Update | dict, *, inline_answer: bool = False) -> dict | None:
        """Turn one update into an Incoming, run the engine, queue the replies.

        With `inline_answer` (the webhook), a button press's answerCallbackQuery is not sent but
        returned, as {"method": …, params}, for the webhook's HTTP answer: Telegram performs it
        (https://core.telegram.org/bots/api#making-requests-when-getting-updates). Its outcome is
        not known, which is fine for a call whose only effect is to stop the button's spinner.

        Raises StoreUnavailable (the update must be delivered again)."""
        update_id = update["update_id"] if isinstance(update, dict) else update.update_id
        if update_id in self._recent:
            return None
        running = self._inflight.get(update_id)
        if running is not None:         # the same update is being processed: share its outcome
            await asyncio.shield(running)
            return None
        future = asyncio.get_running_loop().create_future()
        self._inflight[update_id] = future
        try:
            common = telegram_updates.read(update) if isinstance(update, dict) else None
            if common is not None:       # a text or a button press: no PTB objects needed
                inline = await self._on_common(common, inline_answer)
                self._recent.add(update_id)
                future.set_result(None)
                return inline
            if isinstance(update, dict):
                try:
                    update = Update.de_json(update, self.bot)
                except Exception:
                    log.warning("malformed update %s ignored", update_id, exc_info=True)
                    self._recent.add(update_id)
                    future.set_result(None)
                    return None
            inline = await self._dispatch(update, inline_answer)
            self._recent.add(update_id)
            future.set_result(None)
            return inline
        except BaseException as err:
            if isinstance(err, Exception) and not isinstance(err, StoreUnavailable) \
                    and store_not_ready(err):
                # a store that is not ready (PostgreSQL starting up or read-only, Redis loading…)
                # reached here outside the engine (mark_unreachable): "try again", not "dropped"
                err = StoreUnavailable(f"store not ready: {err!r}")
            future.set_exception(err)
            future.exception()   # retrieved: no "never retrieved" warning when nobody joined
            raise err
        finally:
            del self._inflight[update_id]

    async def _on_common(self, common: TextMessage | ButtonPress, inline_answer: bool) -> dict | None:
        """The two usual updates, read from JSON; the same outcome as `_dispatch` on PTB objects."""
        if isinstance(common, ButtonPress):
            pressed = common.pressed
            incoming = Incoming(channel=CHANNEL, address=str(pressed.chat_id), kind="button",
                                text=pressed.label or "", button_value=common.data,
                                message_id=f"tg:{common.update_id}", first_name=common.first_name)
            async with self._answering(common.query_id, inline_answer) as inline:
                replies = await self._handle(incoming)
            self._send_later(pressed.chat_id, replies, close_keyboard=pressed)
            return inline
        incoming = self._text_incoming(common.update_id, common.chat_id, common.text, common.date,
                                       common.first_name)
        self._send_later(common.chat_id, await self._handle(incoming))
        return None

    @asynccontextmanager
    async def _answering(self, query_id: str, inline_answer: bool) -> AsyncIterator[dict | None]:
        """The spinner on the jeune's button must stop whatever happens next: answered at once in
        the background, or in the webhook's answer, or, when the handling fails otherwise than
        by a store being down (the update then comes again), in the background after all."""
        if not inline_answer:
            self._spawn(self._answer_query(query_id))
            yield None
            return
        try:
            yield {"method": "answerCallbackQuery", "callback_query_id": query_id}
        except StoreUnavailable:
            raise
        except Exception:
            self._spawn(self._answer_query(query_id))
            raise

    def _text_incoming(self, update_id: int, chat_id: int, text: str, at: datetime,
                       first_name: str | None) -> Incoming:
        base = dict(channel=CHANNEL, address=str(chat_id), message_id=f"tg:{update_id}",
                    first_name=first_name, at=at)
        is_start, code = start_code(text)
        if is_start:
            if code is None and len(text.split()) > 1:
                log.info("deep-link code rejected (charset/length) in update %s", update_id)
            return Incoming(kind="start", text=text, source=code, **base)
        return Incoming(kind="text", text=text, **base)

    async def _dispatch(self, update: Update, inline_answer: bool = False) -> dict | None:
        chat = update.effective_chat
        if chat is not None and (not isinstance(chat.id, int) or isinstance(chat.id, bool)):
            log.warning("update %s: chat id %r is not a number; ignored", update.update_id, chat.id)
            return None                  # Telegram never sends that: a forged or broken update
        if update.callback_query is not None:
            return await self._on_button(update, update.callback_query, inline_answer)
        member = update.my_chat_member
        if member is not None:
            status = member.new_chat_member.status
            if member.chat.type == "private" and status in ("kicked", "member"):
                if self.engine is None:
                    raise StoreUnavailable("the engine is not ready yet")
                if status == "kicked":
                    await self.engine.mark_unreachable(CHANNEL, str(member.chat.id))
                else:                    # unblocked: reachability follows the jeune
                    await self.engine.mark_reachable(CHANNEL, str(member.chat.id))
            return
        message = update.message or update.edited_message
        if message is None:              # channel posts, polls' states, membership changes…
            return
        if message.chat.type != "private":
            if update.message is not None:
                await self._on_group_message(message)
            return
        incoming, note = self._incoming(update, message)
        if incoming is None:
            return
        replies = await self._handle(incoming)
        if replies and note:
            replies = [Reply(text=note), *replies]
        self._send_later(message.chat.id, replies)

    def _incoming(self, update: Update, message: Message) -> tuple[Incoming | None, str | None]:
        base = dict(channel=CHANNEL, address=str(message.chat.id), message_id=f"tg:{update.update_id}",
                    first_name=message.from_user.first_name if message.from_user else None)
        text = message.text or message.caption or ""
        if update.edited_message is not None:
            return Incoming(kind="edited", text=text, at=message.edit_date or message.date, **base), None
        at = message.date
        if message.text is not None:
            incoming = self._text_incoming(update.update_id, message.chat.id, message.text, at,
                                           base["first_name"])
            note = (FORWARD_NOTE if incoming.kind == "text" and message.forward_origin is not None
                    else None)
            return incoming, note
        kind = self._media_kind(message)
        if kind is None:                 # a service message (pinned, users shared…): nothing to say
            return None, None
        return Incoming(kind=kind, text=text, at=at, **base), None

    @staticmethod
    def _media_kind(message: Message) -> str | None:
        for attr, kind in (("sticker", "sticker"), ("photo", "photo"), ("voice", "voice"),
                           ("audio", "audio"), ("video_note", "video_note"), ("animation", "video"),
                           ("video", "video"), ("document", "document"), ("venue", "location"),
                           ("location", "location"), ("contact", "contact"), ("poll", "poll")):
            if getattr(message, attr):
                return kind
        if any(getattr(message, attr, None) for attr in ("dice", "game", "story", "invoice", "paid_media")):
            return "other"
        return None

    async def _on_button(self, update: Update, query: CallbackQuery,
                         inline_answer: bool = False) -> dict | None:
        message = query.message if isinstance(query.message, Message) else None
        chat = query.message.chat if query.message is not None else None
        async with self._answering(query.id, inline_answer) as inline:
            if chat is None or chat.type != "private" or query.data is None:
                return inline
            label = self._pressed_label(message, query.data)
            incoming = Incoming(channel=CHANNEL, address=str(chat.id), kind="button",
                                text=label or "", button_value=query.data,
                                message_id=f"tg:{update.update_id}",
                                first_name=query.from_user.first_name if query.from_user else None)
            replies = await self._handle(incoming)
        pressed = Pressed(chat.id, message.message_id, message.text, message.reply_markup is not None,
                          label) if message else None
        self._send_later(chat.id, replies, close_keyboard=pressed)
        return inline

    @staticmethod
    def _pressed_label(message: Message | None, data: str) -> str | None:
        if message is None or message.reply_markup is None:
            return None
        for row in message.reply_markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
        return None

    async def _answer_query(self, query_id: str) -> None:
        try:
            await self._with_retries(lambda: self._post("answerCallbackQuery", callback_query_id=query_id))
        except (BadRequest, DeliveryFailed) as err:   # already answered (a redelivery) or too old
            log.debug("answerCallbackQuery %s: %s", query_id, err)

    async def _on_group_message(self, message: Message) -> None:
        """Silent in groups, except a pointer to the private chat when called (once an hour)."""
        text = message.text or ""
        username = (self.bot.username or "").lower()
        is_start, _ = start_code(text)
        mentioned = any(
            (e.type == "mention" and message.parse_entity(e).lower() == f"@{username}")
            or (e.type == "text_mention" and e.user is not None and e.user.id == self.bot.id)
            for e in (message.entities or []))
        if not (is_start or mentioned):
            return
        now = self.clock.now()
        last = self._group_pointed.get(message.chat.id)
        if last is not None and now - last < self.group_pointer_every:
            return
        self._group_pointed[message.chat.id] = now
        self._send_later(message.chat.id, [Reply(text=GROUP_POINTER.format(username=self.bot.username))])

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        if self.engine is None:
            raise StoreUnavailable("the engine is not ready yet")
        typing = None
        if incoming.kind != "button" and self.typing_after is not None:
            typing = asyncio.get_running_loop().call_later(
                self.typing_after, lambda: self._spawn(self._typing(incoming.address)))
        try:
            return await self.engine.handle(incoming)
        except StoreUnavailable as err:
            # a crisis answer does not wait for the stores (issue 17): sent now, straight to Telegram
            replies = getattr(err, "replies", None)
            if replies:
                self._send_later(int(incoming.address), replies)
            raise
        finally:
            if typing is not None:
                typing.cancel()

    async def _typing(self, address: str) -> None:
        """The typing indicator, through the same path as every call (limits, retries)."""
        try:
            chat_id = int(address)
            await self._call(chat_id, lambda: self._post("sendChatAction", chat_id=chat_id,
                                                         action="typing"))
        except Exception as err:    # a hint only: never a reason to fail a message
            log.debug("sendChatAction: %s", err)

    # ------------------------------------------------------------------ sending
    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram background send failed", exc_info=task.exception())

    def _send_later(self, chat_id: int, replies: list[Reply],
                    close_keyboard: Pressed | None = None) -> None:
        """After the webhook answered: the keyboard of the pressed button closes, then the replies
        go out. Replies the engine wrote to the durable outbox are flushed from there (they
        survive this process); the others (a crisis answer while the stores are down, a group
        pointer) are sent from memory."""
        durable = self.outbox is not None and self.outbox.durable(self.name)
        direct = [r for r in replies if not (durable and r.queued)]
        queued = durable and len(direct) < len(replies)
        if not direct and not queued and close_keyboard is None:
            return

        async def job() -> None:
            async with self._chat_locks.hold(chat_id):
                if close_keyboard is not None and replies:
                    await self._close_keyboard(close_keyboard)
                if direct:
                    try:
                        await self._deliver(chat_id, direct)
                    except DeliveryFailed as err:
                        log.error("replies to a Telegram chat lost after retries: %s", err)
            if queued:
                await self.outbox.flush(self.name, str(chat_id),
                                        [r.queued for r in replies
                                         if r.queued is not None and r.queued is not True])

        self._spawn(job())

    async def _close_keyboard(self, pressed: Pressed) -> None:
        """The answered question loses its buttons; the choice stays visible under it."""
        if not pressed.has_keyboard:
            return
        chat_id, message_id = pressed.chat_id, pressed.message_id
        try:
            if pressed.label and pressed.text:
                text = f"{pressed.text}\n\n👉 {pressed.label}"
                if utf16_len(text) <= MAX_TEXT:
                    await self._call(chat_id, lambda: self._post(
                        "editMessageText", text=text, chat_id=chat_id, message_id=message_id))
                    return
            await self._call(chat_id, lambda: self._post(   # no markup: the keyboard goes
                "editMessageReplyMarkup", chat_id=chat_id, message_id=message_id))
        except (BadRequest, DeliveryFailed, _Unreachable) as err:   # already edited, too old…
            log.debug("could not close the keyboard: %s", err)

    async def send(self, address: str, replies: list[Reply], *, key: str | None = None,
                   lane: int | None = None) -> bool:
        """Deliver in order (crisis first); False when the jeune cannot be reached (blocked the bot).
        `lane` (0 crisis, 1 conversation, 2 background) decides who gets Telegram's overall rate
        first; `key` is not used: the Bot API has no idempotency key (the outbox resends).

        Raises DeliveryFailed when Telegram keeps failing after the retries."""
        try:
            chat_id = int(address)
        except (TypeError, ValueError):
            log.error("not a Telegram chat id: %r", address)
            return False
        async with self._chat_locks.hold(chat_id):
            return await self._deliver(chat_id, replies, lane)

    @staticmethod
    def permanent_error(err: BaseException) -> bool:
        """A 400 (bad markup, text refused): sending it again later cannot help."""
        return isinstance(err, BadRequest)

    async def _deliver(self, chat_id: int, replies: list[Reply], lane: int | None = None) -> bool:
        ordered = sorted(replies, key=lambda r: r.priority != "crisis")
        try:
            for reply in ordered:
                token = _LANE.set(0 if reply.priority == "crisis" else (1 if lane is None else lane))
                try:
                    await self._send_one(chat_id, reply)
                finally:
                    _LANE.reset(token)
        except _Unreachable as err:
            log.info("Telegram chat unreachable (%s): marked", err)
            if self.engine is not None:
                await self.engine.mark_unreachable(CHANNEL, str(chat_id))
            return False
        return True

    async def _send_one(self, chat_id: int, reply: Reply) -> None:
        markup = keyboard_json(reply.buttons)
        parts = split_text(_shown_text(reply)) if reply.text.strip() else []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1 and reply.attachment is None
            await self._call(chat_id, lambda part=part, last=last: self._post(
                "sendMessage", chat_id=chat_id, text=part, reply_markup=markup if last else None))
        if reply.attachment is not None:
            attachment = reply.attachment
            document = InputFile(attachment.content, filename=attachment.filename)
            document.mimetype = attachment.mime or document.mimetype
            await self._call(chat_id, lambda: self.bot.send_document(
                chat_id, document, reply_markup=keyboard(reply.buttons)))

    def _post(self, method: str, **params: Any):
        """A Bot API call whose answer we do not read (replies, edits, callback answers): one JSON
        body through our rate limiter and PTB's request layer (`BaseRequest.post`: its error
        classes, 429 → RetryAfter), without PTB's Bot pipeline turning parameters into objects and
        the answer into a Message: that pipeline was a sixth of the CPU under load
        (docs/performance.md). No PTB `Defaults` are used, so nothing is lost by skipping it."""
        data = {key: value for key, value in params.items() if value is not None}
        return self._limits.process_request(
            self._request.post, (f"{self.bot.base_url}/{method}",),
            {"request_data": _JsonBody(data)}, method, data, None)

    async def _call(self, chat_id: int, make_call) -> Any:
        try:
            return await self._with_retries(make_call)
        except Forbidden as err:
            raise _Unreachable(err.message) from err
        except ChatMigrated as err:      # a group became a supergroup: its id changed
            raise _Unreachable(f"chat migrated to {err.new_chat_id}") from err
        except BadRequest as err:
            if "chat not found" in err.message.lower():
                raise _Unreachable(err.message) from err
            raise

    async def _with_retries(self, make_call) -> Any:
        """5xx and network errors: a few tries with backoff. 429s are waited out by _Limits."""
        for attempt in range(self.send_retries + 1):
            try:
                return await make_call()
            except RetryAfter as err:    # still limited after _Limits' own retries
                raise DeliveryFailed(f"rate limited: {err.message}") from err
            except BadRequest:           # a NetworkError subclass in PTB, but retrying cannot help
                raise
            except NetworkError as err:
                if attempt == self.send_retries:
                    raise DeliveryFailed(f"{err.message} after {attempt + 1} tries") from err
                delay = self.retry_backoff * (2 ** attempt)
                log.info("Telegram error %r, retry %d in %.1f s", err.message, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
