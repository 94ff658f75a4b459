"""Hostile input on the Telegram webhook: 10,000 generated updates through real HTTP and the real engine.

Random text and unicode, every update kind, huge and nested payloads, wrong types, forged callback
data, out-of-order and duplicated update_ids. Nothing may crash (no 5xx, no exception logged by the
channel), and afterwards every jeune's conversation still works. Plus the engine's flood control.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.web import make_app
from bot.channels.telegram import TelegramChannel
from bot.clock import PARIS, FixedClock
from bot.messages import Incoming
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import full_config, make_engine

SECRET = "fuzz_secret_0123456789"
CHATS = [800_001 + i for i in range(12)]
BATCH = 20
EXAMPLES = 500                     # 500 × 20 = 10,000 updates


class Server:
    """The app, the channel and the fake Bot API on an event loop of their own (a thread), so that
    hypothesis' synchronous examples can post to them."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.errors: list[logging.LogRecord] = []
        self.statuses: dict[int, int] = {}
        self.posted = 0

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self):
        self.clock = FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
        self.api = FakeBotAPI(clock=self.clock)
        await self.api.start()
        self.engine, self.services = await make_engine(self.tmp_path, self.clock, config=full_config())
        app = make_app(self.services, self.engine)
        self.channel = TelegramChannel(self.api.token, self.api.url, self.engine, webhook_secret=SECRET,
                                       public_url="http://later", clock=self.clock, chat_rate=0,
                                       overall_rate=0, send_retries=0)
        self.channel.add_routes(app)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.channel.public_url = self.url
        await self.channel.start()
        self.session = aiohttp.ClientSession()
        for chat in CHATS:                 # the fake knows these private chats
            self.api.text_update(chat, "hello")

    async def _post(self, body: bytes) -> int:
        async with self.session.post(self.url + "/telegram/webhook", data=body, headers={
                "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
            await r.read()
            return r.status

    async def _stop(self):
        await self.session.close()
        await self.channel.stop()
        await self.runner.cleanup()
        await self.services.close()
        await self.api.close()

    def start(self):
        self.thread.start()
        self.run(self._start())
        handler = logging.Handler(level=logging.ERROR)
        handler.emit = self.errors.append
        self._handler = handler
        for name in ("bot", "aiohttp.server", "aiohttp.web"):
            logging.getLogger(name).addHandler(handler)

    def stop(self):
        for name in ("bot", "aiohttp.server", "aiohttp.web"):
            logging.getLogger(name).removeHandler(self._handler)
        self.run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("fuzz"))
    srv.start()
    yield srv
    srv.stop()


# ----------------------------------------------------------------------- strategies
texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["/start", "/start abc", "/start " + "x" * 80, "/start@insysteme_test_bot", "STOP",
                     "stop", "supprime mes données", "jveu 1 rdv", "je veux mourir", "19", "33000",
                     "Bordeaux", "oui", "non", "passer", "\u202e\u200b\x00", "🙂" * 50, ""]),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(500, 5000)),
)
junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=30)
chat_ids = st.one_of(st.sampled_from(CHATS), st.sampled_from(CHATS).map(str), st.integers(-10**13, 10**13), junk)
update_ids = st.one_of(st.integers(1, 50), st.integers(0, 2**31), st.integers(-5, 0), st.sampled_from([2**63, -2**63]))


@st.composite
def updates(draw) -> dict | list | str | int:
    chat = draw(chat_ids)
    chat_type = draw(st.sampled_from(["private", "private", "private", "group", "supergroup", "channel", 7]))
    user = {"id": chat if isinstance(chat, int) else 1, "is_bot": draw(st.booleans()),
            "first_name": draw(st.text(max_size=100))}
    message = {"message_id": draw(st.integers(-3, 10**6)), "date": draw(st.integers(-10, 2**33)),
               "chat": {"id": chat, "type": chat_type, "first_name": "x"}, "from": user}
    kind = draw(st.sampled_from(["text", "text", "text", "sticker", "photo", "voice", "location", "contact",
                                 "poll", "dice", "caption", "entities", "nothing", "junk"]))
    if kind == "text":
        message["text"] = draw(texts)
    elif kind == "sticker":
        message["sticker"] = {"file_id": "a", "file_unique_id": "b", "type": "regular", "width": 1,
                              "height": 1, "is_animated": False, "is_video": False}
    elif kind == "photo":
        message["photo"] = [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
        message["caption"] = draw(texts)
    elif kind == "voice":
        message["voice"] = {"file_id": "a", "file_unique_id": "b", "duration": draw(st.integers(-1, 10**6))}
    elif kind == "location":
        message["location"] = {"latitude": draw(st.floats(-1000, 1000)), "longitude": 0.0}
    elif kind == "contact":
        message["contact"] = {"phone_number": draw(st.text(max_size=20)), "first_name": "x"}
    elif kind == "poll":
        message["poll"] = draw(junk)
    elif kind == "dice":
        message["dice"] = {"emoji": "🎲", "value": draw(st.integers(-5, 10))}
    elif kind == "caption":
        message["caption"] = draw(texts)
    elif kind == "entities":
        message["text"] = draw(texts)
        message["entities"] = [{"type": draw(st.sampled_from(["bot_command", "mention", "url", "zz"])),
                                "offset": draw(st.integers(-5, 100)), "length": draw(st.integers(-5, 100))}]
    elif kind == "junk":
        message.update(draw(st.dictionaries(st.text(max_size=10), junk, max_size=5)))
    if draw(st.booleans()) and draw(st.booleans()):
        message["forward_origin"] = {"type": "user", "date": 1, "sender_user": user}
    shape = draw(st.sampled_from(["message", "message", "edited_message", "callback_query", "callback_query",
                                  "my_chat_member", "channel_post", "unknown", "empty", "not_dict",
                                  "wrong_id", "nested"]))
    update: dict = {"update_id": draw(update_ids)}
    if shape in ("message", "channel_post"):
        update[shape] = message
    elif shape == "edited_message":
        update[shape] = {**message, "edit_date": 5}
    elif shape == "callback_query":
        data = draw(st.one_of(st.sampled_from(["question", "rdv", "conseiller", "reperage", "oui", "non",
                                                "faq:cej", "faq:nope", "flow:rdv", "flow:../../etc",
                                                "intent:detresse", "insee:33063", "slot:1", "x" * 65]),
                              st.text(max_size=80)))
        query = {"id": draw(st.text(max_size=20)), "from": user, "chat_instance": "1", "data": data}
        if draw(st.booleans()):
            query["message"] = {**message, "from": {"id": 123456789, "is_bot": True, "first_name": "b"},
                                "reply_markup": {"inline_keyboard": [[{"text": "t", "callback_data": data[:64] or "d"}]]}}
        update["callback_query"] = query
    elif shape == "my_chat_member":
        update[shape] = {"chat": message["chat"], "from": user, "date": 1,
                         "old_chat_member": {"status": "member", "user": user},
                         "new_chat_member": {"status": draw(st.sampled_from(["kicked", "member", "left", "zz"])),
                                             "user": user, "until_date": 0}}
    elif shape == "unknown":
        update[draw(st.text(min_size=1, max_size=12))] = draw(junk)
    elif shape == "empty":
        pass
    elif shape == "not_dict":
        return draw(st.one_of(junk, st.lists(junk, max_size=3)))
    elif shape == "wrong_id":
        update["update_id"] = draw(st.one_of(st.text(max_size=5), st.floats(), st.none()))
        update["message"] = message
    elif shape == "nested":
        deep: dict = {"text": "x"}
        for _ in range(draw(st.integers(10, 400))):
            deep = {"a": deep}
        update["message"] = {**message, "text": draw(texts), "reply_to_message": deep}
    return update


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(batch=st.lists(updates(), min_size=BATCH, max_size=BATCH))
def test_10000_hostile_updates_no_crash_no_5xx(server, batch):
    import json

    async def post_all():
        statuses = []
        for update in batch:
            try:
                body = json.dumps(update).encode()
            except ValueError:
                body = b"{not json"
            statuses.append(await server._post(body))
        return statuses

    statuses = server.run(post_all())
    server.posted += len(batch)
    for status in statuses:
        server.statuses[status] = server.statuses.get(status, 0) + 1
    assert all(s in (200, 400, 413) for s in statuses), statuses
    assert not server.errors, [(r.getMessage(), repr(r.exc_info and r.exc_info[1])) for r in server.errors[:3]]


def test_after_the_fuzz_every_conversation_still_works(server):
    """Runs after the fuzz (same module): states are readable and the engine answers everyone."""
    assert server.posted >= BATCH * EXAMPLES, server.posted

    async def check():
        for chat in CHATS:
            replies = await server.engine.handle(Incoming(channel="telegram", address=str(chat), kind="start",
                                                          text="/start", message_id=f"after:{chat}"))
            state = await server.services.state.get(server.engine.state_key(server.engine.jeune_id("telegram", str(chat))))
            assert state is not None and isinstance(state["stack"], list) and isinstance(state["slots"], dict)
            assert replies, f"chat {chat} got no answer after the fuzz"
        async with server.session.get(server.url + "/healthz") as r:
            return r.status

    assert server.run(check()) == 200
    assert server.statuses.get(200, 0) > BATCH * EXAMPLES // 2, server.statuses


async def test_flood_a_jeune_sending_100_messages_in_10_s_is_slowed_not_served_100_replies(tmp_path):
    """settings flood_messages / flood_seconds: after the limit one 'slow down' and then silence
    until the window has passed; the messages are not each answered."""
    clock = FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))
    engine, services = await make_engine(tmp_path, clock, config=full_config())
    try:
        settings_ = services.config.settings
        start = clock.now()
        answered = 0
        slow_down = 0
        for i in range(100):
            at = start.timestamp() + i * 0.1          # 100 messages in 10 s
            incoming = Incoming(channel="telegram", address="555", kind="text", text=f"slt {i}",
                                message_id=f"flood:{i}", at=datetime.fromtimestamp(at, PARIS))
            replies = await engine.handle(incoming)
            if any("beaucoup de messages" in r.text for r in replies):
                slow_down += 1
            elif replies:
                answered += 1
        per_window = settings_.flood_messages
        windows = 10 / settings_.flood_seconds + 1
        assert answered <= per_window * windows, answered
        assert slow_down >= 1
        assert answered + slow_down < 50
        # once the window has passed, the jeune is answered again
        later = datetime.fromtimestamp(start.timestamp() + 10 + settings_.flood_seconds + 1, PARIS)
        replies = await engine.handle(Incoming(channel="telegram", address="555", kind="text", text="c quoi le cej",
                                               message_id="flood:after", at=later))
        assert replies and not any("beaucoup de messages" in r.text for r in replies)
    finally:
        await services.close()

