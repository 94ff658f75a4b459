"""The Telegram channel over real HTTP: real python-telegram-bot, the fake Bot API, our aiohttp app.

The first part runs the channel in front of a small engine double that keeps the engine's contract
(per-jeune lock, dedupe on message_id, StoreUnavailable); the last part runs the real engine.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.channels.telegram import (
    FORWARD_NOTE, DeliveryFailed, TelegramChannel, TelegramStartError, keyboard, split_text,
    start_code, utf16_len,
)
from bot.messages import Attachment, Button, Incoming, Reply
from bot.stores import StoreUnavailable
from tests.fakes.telegram_api import FakeBotAPI

SECRET = "le_secret-du_webhook42"
CHAT = 5001
NOT_TEXT = "Je ne peux lire que les messages écrits."
LONG_TEXT = "\n\n".join(
    " ".join(f"mot{p}x{w}" for w in range(120)) + "." for p in range(16))   # ~17,000 chars


class EngineDouble:
    """The engine's contract, nothing more: one lock per jeune, exactly-once on message_id."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.handled: list[Incoming] = []
        self.attempts = 0
        self.unreachable: list[tuple[str, str]] = []
        self.down = False
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        async with self._locks[incoming.address]:
            self.attempts += 1
            if self.down:
                raise StoreUnavailable("redis is down")
            if incoming.message_id in self.seen:
                return []
            self.seen.add(incoming.message_id)
            self.handled.append(incoming)
            await asyncio.sleep(0)
            return self._answer(incoming)

    def _answer(self, incoming: Incoming) -> list[Reply]:
        if incoming.kind == "start":
            return [Reply("Salut ! Je suis l'assistant de la Mission Locale."),
                    Reply("Tu es d'accord pour répondre à 4 questions ?",
                          buttons=[Button("Oui", "consent:oui"), Button("Non", "consent:non")])]
        if incoming.kind == "button":
            if incoming.button_value == "consent:oui":
                return [Reply("Super. Tu as quel âge ?")]
            return [Reply("Ce bouton n'est plus valable. Voici où on en est :"),
                    Reply("Tu es d'accord ?", buttons=[Button("Oui", "consent:oui")])]
        if incoming.kind == "edited":
            return [Reply("J'ai vu que tu as modifié un message.")]
        if incoming.kind != "text":
            return [Reply(NOT_TEXT)]
        if incoming.text == "long":
            return [Reply(LONG_TEXT, buttons=[Button("Suite", "suite")])]
        return [Reply(f"Tu as écrit : {incoming.text}")]

    async def mark_unreachable(self, channel: str, address: str) -> None:
        self.unreachable.append((channel, address))

    async def mark_reachable(self, channel: str, address: str) -> None:
        if (channel, address) in self.unreachable:
            self.unreachable.remove((channel, address))


@dataclass
class Harness:
    api: FakeBotAPI
    channel: TelegramChannel
    engine: EngineDouble
    hook_url: str

    async def post(self, update: dict, secret: str | None = SECRET) -> int:
        status = await self.api.post_webhook(self.hook_url, update, secret)
        await self.channel.drain()
        return status


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def api(clock):
    async with FakeBotAPI(clock=clock) as api:
        yield api


@pytest.fixture
async def hooked(api, clock):
    """The channel in webhook mode on our own aiohttp app."""
    engine = EngineDouble()
    channel = TelegramChannel(api.token, api.url, engine, webhook_secret=SECRET,
                              public_url="http://replaced.below", clock=clock, retry_backoff=0.05)
    app = web.Application()
    channel.add_routes(app)
    runner, url = await serve(app)
    channel.public_url = url
    await channel.start()
    yield Harness(api, channel, engine, url + "/telegram/webhook")
    await channel.stop()
    await runner.cleanup()


@pytest.fixture
async def polling(api, clock):
    engine = EngineDouble()
    channel = TelegramChannel(api.token, api.url, engine, clock=clock, poll_timeout=1,
                              retry_backoff=0.05, poll_pause=0.1)
    await channel.start()
    yield Harness(api, channel, engine, "")
    await channel.stop()


# --------------------------------------------------------------------------- pure helpers
def test_split_text_cuts_on_paragraphs_then_words():
    parts = split_text(LONG_TEXT)
    assert len(parts) >= 5
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == LONG_TEXT.split()          # no word was cut in two
    assert all(p.endswith(".") for p in parts)                   # every cut on a paragraph end
    one_paragraph = " ".join(f"mot{i}" for i in range(2000))     # no paragraph: word boundaries
    parts = split_text(one_paragraph, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert " ".join(parts).split() == one_paragraph.split()


def test_split_text_counts_utf16_like_telegram():
    text = "😀" * 3000                                           # 6,000 UTF-16 units, no spaces
    parts = split_text(text)
    assert [utf16_len(p) for p in parts] == [4096, 6000 - 4096]
    assert "".join(parts) == text
    assert split_text("  court  ") == ["court"]
    assert split_text("   ") == []


def test_keyboard_layout_and_callback_data_limit():
    short = keyboard([Button("Oui", "o"), Button("Non", "n"), Button("Passer", "p")])
    assert [[b.text for b in row] for row in short.inline_keyboard] == [["Oui", "Non"], ["Passer"]]
    long = keyboard([Button("Oui", "o"), Button("Parler à un conseiller", "c")])
    assert [[b.text for b in row] for row in long.inline_keyboard] == [["Oui"], ["Parler à un conseiller"]]
    assert keyboard([]) is None
    assert keyboard([Button("Ok", "é" * 32)]) is not None                        # 64 bytes: fits
    with pytest.raises(ValueError, match="65 bytes"):
        keyboard([Button("Ok", "é" * 32 + "x")])
    with pytest.raises(ValueError):
        keyboard([Button("Ok", "")])


def test_start_codes():
    assert start_code("/start") == (True, None)
    assert start_code("/start QR_ML33-2026") == (True, "QR_ML33-2026")
    assert start_code("/start@insysteme_bot MARAUDE") == (True, "MARAUDE")
    assert start_code("/start <script>") == (True, None)
    assert start_code("/start " + "a" * 65) == (True, None)
    assert start_code("/starter") == (False, None)
    assert start_code("salut /start") == (False, None)


def test_bad_settings_get_a_clear_error():
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        TelegramChannel("", "http://x")
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramChannel("1:a", "http://x", webhook_secret="avec des espaces")


async def test_start_problems_are_plain_errors(api):
    wrong = TelegramChannel("42:not-the-token", api.url)
    with pytest.raises(TelegramStartError, match="refused TELEGRAM_BOT_TOKEN"):
        await wrong.start()
    bad_url = TelegramChannel(api.token, api.url, public_url="ftp://nope")
    with pytest.raises(TelegramStartError, match="refused setWebhook"):
        await bad_url.start()
    await bad_url.stop()
    nowhere = TelegramChannel(api.token, "http://127.0.0.1:9", request_timeout=1)
    with pytest.raises(TelegramStartError, match="unreachable"):
        await nowhere.start()


async def test_send_only_mode_neither_polls_nor_sets_a_webhook(api):
    channel = TelegramChannel(api.token, api.url, EngineDouble(), receive=False)
    await channel.start()
    api.text_update(CHAT, "hello")
    assert await channel.send(str(CHAT), [Reply("Rappel : atelier CV demain 14 h")]) is True
    await channel.stop()
    assert channel.mode == "send-only"
    assert [c.method for c in api.calls] == ["getMe", "sendMessage"]


# --------------------------------------------------------------------------- webhook mode
async def test_start_sets_the_webhook_with_secret(hooked):
    hook = hooked.api.webhook
    assert hook["url"] == hooked.hook_url
    assert hook["secret_token"] == SECRET
    assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query",
                                            "my_chat_member"}
    assert hooked.api.commands[0]["command"] == "start"
    assert hooked.channel.mode == "webhook"


async def test_start_welcome_button_next_step(hooked):
    api, engine = hooked.api, hooked.engine
    assert await hooked.post(api.text_update(CHAT, "/start QR_ML33")) == 200
    first = engine.handled[0]
    assert (first.kind, first.source, first.channel, first.address) == ("start", "QR_ML33", "telegram", str(CHAT))
    assert first.first_name == "Léa" and first.at is not None
    assert api.sent(CHAT) == ["Salut ! Je suis l'assistant de la Mission Locale.",
                              "Tu es d'accord pour répondre à 4 questions ?"]
    question = api.calls_of("sendMessage", CHAT)[-1]
    assert question.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "Oui", "callback_data": "consent:oui"}, {"text": "Non", "callback_data": "consent:non"}]]
    asked = question.response["result"]["message_id"]

    press = api.callback_update(CHAT, "consent:oui", asked)
    assert await hooked.post(press) == 200
    button = engine.handled[1]
    assert (button.kind, button.button_value, button.text) == ("button", "consent:oui", "Oui")
    assert button.message_id == f"tg:{press['update_id']}"
    assert press["callback_query"]["id"] in api.answered_callbacks          # spinner stopped
    closed = api.messages[(CHAT, asked)]
    assert "reply_markup" not in closed and closed["text"].endswith("👉 Oui")  # old keyboard gone
    assert api.sent(CHAT)[-1] == "Super. Tu as quel âge ?"


async def test_deep_link_code_is_checked(hooked):
    await hooked.post(hooked.api.text_update(CHAT, "/start ../../etc/passwd"))
    await hooked.post(hooked.api.text_update(CHAT + 1, "/start"))
    assert [(i.kind, i.source) for i in hooked.engine.handled] == [("start", None), ("start", None)]


async def test_same_update_three_times_gives_one_reply(hooked):
    update = hooked.api.text_update(CHAT, "salut")
    for _ in range(3):
        assert await hooked.post(update) == 200
    concurrent = hooked.api.text_update(CHAT, "re")
    statuses = await asyncio.gather(*(hooked.post(concurrent) for _ in range(3)))
    assert statuses == [200, 200, 200]
    assert [i.text for i in hooked.engine.handled] == ["salut", "re"]
    assert hooked.api.sent(CHAT) == ["Tu as écrit : salut", "Tu as écrit : re"]


async def test_wrong_or_missing_secret_is_refused(hooked):
    update = hooked.api.text_update(CHAT, "salut")
    assert await hooked.post(update, secret=None) == 403
    assert await hooked.post(update, secret="le_secret-du_webhook41") == 403
    assert await hooked.post(update, secret=SECRET + "x") == 403
    assert hooked.engine.attempts == 0 and hooked.api.sent(CHAT) == []
    assert await hooked.post(update) == 200                    # the same update, now authentic
    assert hooked.api.sent(CHAT) == ["Tu as écrit : salut"]


async def test_bad_bodies_get_a_clear_status(hooked):
    import aiohttp
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as session:
        async with session.post(hooked.hook_url, data="pas du json", headers=headers) as resp:
            assert resp.status == 400
        async with session.post(hooked.hook_url, json=[1, 2], headers=headers) as resp:
            assert resp.status == 400
        weird = {"update_id": 7, "message": {"message_id": "oops"}}       # not a valid Message
        async with session.post(hooked.hook_url, json=weird, headers=headers) as resp:
            assert resp.status == 200                                      # dropped, not retried forever
    assert hooked.engine.attempts == 0


async def test_stores_down_answers_503_then_the_retry_is_processed_once(hooked):
    hooked.engine.down = True
    update = hooked.api.text_update(CHAT, "tu es là ?")
    assert await hooked.post(update) == 503
    assert await hooked.post(update) == 503
    assert hooked.api.sent(CHAT) == []
    hooked.engine.down = False
    assert await hooked.post(update) == 200
    assert await hooked.post(update) == 200
    assert hooked.api.sent(CHAT) == ["Tu as écrit : tu es là ?"]
    assert len(hooked.engine.handled) == 1


async def test_a_press_is_answered_in_the_webhooks_answer_and_not_when_the_stores_are_down(hooked):
    """The webhook answers a press with answerCallbackQuery in its HTTP answer (Telegram performs
    it): no call of our own. Stores down: 503 and no answer (the press comes again, answered then)."""
    api = hooked.api
    await hooked.post(api.text_update(CHAT, "/start"))
    asked = api.calls_of("sendMessage", CHAT)[-1].response["result"]["message_id"]
    hooked.engine.down = True
    press = api.callback_update(CHAT, "consent:oui", asked)
    assert await hooked.post(press) == 503
    assert api.calls_of("answerCallbackQuery") == []
    hooked.engine.down = False
    assert await hooked.post(press) == 200
    await hooked.channel.drain()
    answers = api.calls_of("answerCallbackQuery")
    assert [(a.via_webhook, a.ok, a.params["callback_query_id"]) for a in answers] == [
        (True, True, press["callback_query"]["id"])]


async def test_a_press_whose_handling_fails_is_still_answered(hooked, caplog):
    """A bug in the handling (not a store down): the update is dropped with 200, and the button's
    spinner is stopped by a call of our own since the webhook's answer carries nothing."""
    api = hooked.api
    await hooked.post(api.text_update(CHAT, "/start"))
    asked = api.calls_of("sendMessage", CHAT)[-1].response["result"]["message_id"]

    async def broken(incoming):
        raise RuntimeError("a bug")
    hooked.engine.handle = broken
    press = api.callback_update(CHAT, "consent:oui", asked)
    assert await hooked.post(press) == 200
    await hooked.channel.drain()
    answers = api.calls_of("answerCallbackQuery")
    assert [(a.via_webhook, a.params["callback_query_id"]) for a in answers] == [
        (False, press["callback_query"]["id"])]
    assert "could not be processed" in caplog.text


async def test_polling_answers_presses_with_its_own_call(polling):
    api = polling.api
    await api.push_update(api.text_update(CHAT, "/start"))
    asked = (await api.wait_for("sendMessage", lambda c: "reply_markup" in c.params)
             ).response["result"]["message_id"]
    press = api.callback_update(CHAT, "consent:oui", asked)
    await api.push_update(press)
    await api.wait_for("answerCallbackQuery")
    (answer,) = api.calls_of("answerCallbackQuery")
    assert not answer.via_webhook and answer.params["callback_query_id"] == press["callback_query"]["id"]


async def test_429_is_waited_out_and_delivered_once(hooked):
    api = hooked.api
    api.fail_next("sendMessage", 429, retry_after=1)
    await hooked.post(api.text_update(CHAT, "salut"))
    calls = api.calls_of("sendMessage", CHAT)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0                       # obeyed retry_after
    assert api.sent(CHAT) == ["Tu as écrit : salut"]


async def test_blocked_bot_is_one_attempt_and_marked_unreachable(hooked):
    api = hooked.api
    api.text_update(CHAT, "hello")
    api.block(CHAT)
    await hooked.post(api.text_update(CHAT, "salut"))
    assert [c.status for c in api.calls_of("sendMessage", CHAT)] == [403]
    assert hooked.engine.unreachable == [("telegram", str(CHAT))]
    assert await hooked.channel.send(str(CHAT), [Reply("Rappel : ton rendez-vous"), Reply("encore")]) is False
    assert [c.status for c in api.calls_of("sendMessage", CHAT)] == [403, 403]   # no retry, no storm
    assert hooked.engine.unreachable == [("telegram", str(CHAT))] * 2


async def test_server_errors_are_retried_then_give_up(hooked):
    api = hooked.api
    api.fail_next("sendMessage", 500, times=2)
    await hooked.post(api.text_update(CHAT, "salut"))
    assert [c.status for c in api.calls_of("sendMessage", CHAT)] == [500, 500, 200]
    assert api.sent(CHAT) == ["Tu as écrit : salut"]

    api.text_update(CHAT + 1, "hello")
    api.fail_next("sendMessage", 502, times=50)
    mark = api.mark()
    with pytest.raises(DeliveryFailed):
        await hooked.channel.send(str(CHAT + 1), [Reply("rappel")])
    tries = [c for c in api.calls[mark:] if c.method == "sendMessage"]
    assert len(tries) == hooked.channel.send_retries + 1           # bounded


async def test_long_reply_is_split_with_keyboard_on_last_part(hooked):
    api = hooked.api
    await hooked.post(api.text_update(CHAT, "long"))
    calls = api.calls_of("sendMessage", CHAT, ok=True)
    assert len(calls) >= 5
    assert all(utf16_len(c.params["text"]) <= 4096 for c in calls)
    assert " ".join(c.params["text"] for c in calls).split() == LONG_TEXT.split()
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]


@pytest.mark.parametrize("builder, kind", [
    ("sticker_update", "sticker"), ("photo_update", "photo"), ("voice_update", "voice"),
    ("audio_update", "audio"), ("video_update", "video"), ("video_note_update", "video_note"),
    ("document_update", "document"), ("location_update", "location"),
    ("contact_update", "contact"), ("poll_update", "poll"),
])
async def test_every_unusual_kind_is_answered(hooked, builder, kind):
    update = getattr(hooked.api, builder)(CHAT)
    assert await hooked.post(update) == 200
    assert [(i.kind, i.message_id) for i in hooked.engine.handled] == [(kind, f"tg:{update['update_id']}")]
    assert hooked.api.sent(CHAT) == [NOT_TEXT]


async def test_photo_caption_is_kept_as_text(hooked):
    await hooked.post(hooked.api.photo_update(CHAT, caption="mon CV"))
    assert (hooked.engine.handled[0].kind, hooked.engine.handled[0].text) == ("photo", "mon CV")


async def test_edited_message_is_not_a_new_answer(hooked):
    api = hooked.api
    original = api.text_update(CHAT, "j'ai 19 ans")
    await hooked.post(original)
    edit = api.edited_update(CHAT, original["message"]["message_id"], "j'ai 20 ans")
    await hooked.post(edit)
    await hooked.post(edit)
    assert [(i.kind, i.text) for i in hooked.engine.handled] == [("text", "j'ai 19 ans"), ("edited", "j'ai 20 ans")]
    assert api.sent(CHAT)[-1] == "J'ai vu que tu as modifié un message."


async def test_forwarded_message_is_text_with_a_note(hooked):
    await hooked.post(hooked.api.forwarded_update(CHAT, "c quoi le CEJ"))
    assert (hooked.engine.handled[0].kind, hooked.engine.handled[0].text) == ("text", "c quoi le CEJ")
    assert hooked.api.sent(CHAT) == [FORWARD_NOTE, "Tu as écrit : c quoi le CEJ"]


async def test_groups_get_silence_or_one_pointer_an_hour(hooked, clock):
    api, group = hooked.api, -100777
    await hooked.post(api.group_update(group, "salut tout le monde"))
    assert api.sent(group) == []
    await hooked.post(api.group_update(group, "@insysteme_test_bot tu fais quoi ?"))
    assert len(api.sent(group)) == 1 and "t.me/insysteme_test_bot" in api.sent(group)[0]
    await hooked.post(api.group_update(group, "/start"))
    await hooked.post(api.group_update(group, "@insysteme_test_bot allo ?"))
    assert len(api.sent(group)) == 1                                   # once per group per hour
    await hooked.post(api.group_update(-100888, "/start@insysteme_test_bot", chat_type="supergroup"))
    assert len(api.sent(-100888)) == 1                                 # another group
    clock.advance(hours=1, minutes=1)
    await hooked.post(api.group_update(group, "/start"))
    assert len(api.sent(group)) == 2
    await hooked.post(api.channel_post_update(-100999, "@insysteme_test_bot"))
    assert hooked.engine.attempts == 0                                 # the engine never saw a group


async def test_forged_callback_data_is_answered_without_crash(hooked):
    api = hooked.api
    forged = api.callback_update(CHAT, "x" * 64, message_id=999)
    assert await hooked.post(forged) == 200
    assert forged["callback_query"]["id"] in api.answered_callbacks
    assert hooked.engine.handled[0].button_value == "x" * 64
    assert api.sent(CHAT)[0] == "Ce bouton n'est plus valable. Voici où on en est :"
    assert api.calls_of("editMessageText") == [] and api.calls_of("editMessageReplyMarkup") == []


async def test_redelivered_button_press_is_answered_once(hooked):
    api = hooked.api
    await hooked.post(api.text_update(CHAT, "/start"))
    asked = api.calls_of("sendMessage", CHAT)[-1].response["result"]["message_id"]
    press = api.callback_update(CHAT, "consent:oui", asked)
    for _ in range(3):
        assert await hooked.post(press) == 200
    assert [i.kind for i in hooked.engine.handled] == ["start", "button"]
    assert api.sent(CHAT).count("Super. Tu as quel âge ?") == 1
    assert len(api.calls_of("answerCallbackQuery", ok=True)) == 1


async def test_send_orders_crisis_first_with_author_and_attachment(hooked):
    api = hooked.api
    api.text_update(CHAT, "hello")
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    ok = await hooked.channel.send(str(CHAT), [
        Reply("Ton rendez-vous est noté.", attachment=Attachment("rdv.ics", "text/calendar", ics),
              buttons=[Button("Annuler", "rdv:cancel")]),
        Reply("Je te réponds demain matin.", author="referent:Nadia"),
        Reply("Appelle le 3114 maintenant.", priority="crisis"),
    ])
    assert ok is True
    assert api.sent(CHAT) == ["Appelle le 3114 maintenant.", "Ton rendez-vous est noté.",
                              "Nadia (Mission Locale) :\nJe te réponds demain matin."]
    document = api.calls_of("sendDocument", CHAT, ok=True)[0]
    assert document.files["document"] == ("rdv.ics", ics, "text/calendar")
    assert document.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rdv:cancel"
    assert "reply_markup" not in api.calls_of("sendMessage", CHAT)[1].params
    assert await hooked.channel.send("pas-un-id", [Reply("x")]) is False


async def test_unknown_chat_is_unreachable(hooked):
    assert await hooked.channel.send("999999", [Reply("coucou")]) is False
    assert hooked.engine.unreachable == [("telegram", "999999")]


async def test_limits_are_kept_and_nothing_is_dropped(hooked):
    api = hooked.api
    api.enforce_limits = True
    chats = [7000 + i for i in range(12)]
    for chat in chats:
        api.text_update(chat, "hello")
    per_chat = [f"message {i}" for i in range(6)]
    results = await asyncio.gather(*(hooked.channel.send(str(c), [Reply(t) for t in per_chat])
                                     for c in chats))
    assert results == [True] * len(chats)
    for chat in chats:
        assert api.sent(chat) == per_chat                              # all, once, in order
    assert [c for c in api.calls if c.status == 429] == []            # we kept under the limits
    # ~1/s sustained after the burst. Measured on arrival, so one message may come a little early
    # after a late one (the overall gate serves lanes in turn); the fake's own bucket, which
    # answers 429 to anything faster than Telegram allows, is the referee above
    first = api.calls_of("sendMessage", chats[0], ok=True)
    burst = api.chat_burst
    assert first[-1].at - first[0].at >= 0.9 * (len(first) - burst)


async def test_many_chats_at_once_stay_under_30_per_second(hooked):
    api = hooked.api
    api.enforce_limits = True
    chats = [8000 + i for i in range(75)]
    for chat in chats:
        api.text_update(chat, "hello")
    results = await asyncio.gather(*(hooked.channel.send(str(c), [Reply("Nouvel atelier CV jeudi")])
                                     for c in chats))
    assert results == [True] * len(chats)
    assert all(api.sent(c) == ["Nouvel atelier CV jeudi"] for c in chats)
    assert [c for c in api.calls if c.status == 429] == []
    calls = api.calls_of("sendMessage", ok=True)
    assert calls[-1].at - calls[0].at >= (len(chats) - 30) / 30 * 0.9   # not faster than allowed


async def test_blocking_the_bot_is_known_before_writing(hooked):
    api = hooked.api
    assert await hooked.post(api.my_chat_member_update(CHAT, "kicked")) == 200
    assert hooked.engine.unreachable == [("telegram", str(CHAT))]
    assert await hooked.post(api.my_chat_member_update(CHAT, "member")) == 200
    assert hooked.engine.unreachable == [], "unblocked: reachable again"
    assert await hooked.post(api.my_chat_member_update(CHAT, "kicked")) == 200
    assert await hooked.post(api.my_chat_member_update(-100555, "kicked")) == 200   # not a jeune
    assert hooked.engine.unreachable == [("telegram", str(CHAT))]
    assert api.calls_of("sendMessage") == []


async def test_bot_blocking_during_a_reply_stops_the_rest(hooked):
    api = hooked.api
    api.text_update(CHAT, "hello")
    api.fail_next("sendMessage", 403, description="Forbidden: user is deactivated")
    assert await hooked.channel.send(str(CHAT), [Reply("un"), Reply("deux")]) is False
    assert len(api.calls_of("sendMessage", CHAT)) == 1


# --------------------------------------------------------------------------- long-polling mode
async def test_long_polling_end_to_end(polling):
    api, engine = polling.api, polling.engine
    assert polling.channel.mode == "polling"
    assert api.calls_of("deleteWebhook")
    start = api.text_update(CHAT, "/start MARAUDE_33")
    await api.push_update(start)
    await api.wait_for("sendMessage", lambda c: "d'accord" in c.params.get("text", ""))
    asked = api.calls_of("sendMessage", CHAT)[-1].response["result"]["message_id"]
    press = api.callback_update(CHAT, "consent:oui", asked)
    await api.push_update(press)
    await api.wait_for("sendMessage", lambda c: c.params.get("text") == "Super. Tu as quel âge ?")
    await api.wait_for("getUpdates", lambda c: c.params.get("offset") == press["update_id"] + 1)
    assert api.updates == []                                          # all confirmed
    assert [(i.kind, i.source or i.button_value) for i in engine.handled] == [
        ("start", "MARAUDE_33"), ("button", "consent:oui")]
    assert press["callback_query"]["id"] in api.answered_callbacks


async def test_long_polling_keeps_updates_while_stores_are_down(polling):
    api, engine = polling.api, polling.engine
    engine.down = True
    update = api.text_update(CHAT, "allo")
    await api.push_update(update)
    for _ in range(200):                                              # handed back at least twice
        if engine.attempts >= 2:
            break
        await asyncio.sleep(0.05)
    assert engine.attempts >= 2 and api.sent(CHAT) == []
    assert api.updates == [update]                                    # not confirmed
    engine.down = False
    await api.wait_for("sendMessage", lambda c: c.chat_id == CHAT, timeout=10)
    await api.wait_for("getUpdates", lambda c: c.params.get("offset") == update["update_id"] + 1)
    assert api.sent(CHAT) == ["Tu as écrit : allo"] and len(engine.handled) == 1


async def test_long_polling_same_update_twice(polling):
    api = polling.api
    update = api.text_update(CHAT, "doublon")
    await api.push_update(update)
    await api.push_update(update)
    await api.wait_for("getUpdates", lambda c: (c.params.get("offset") or 0) > update["update_id"])
    await polling.channel.drain()
    assert api.sent(CHAT) == ["Tu as écrit : doublon"]


# --------------------------------------------------------------------------- with the real engine
class RedisCut:
    """A TCP relay in front of the real Redis that can be cut: a real outage, no mock."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 6379)):
        self.target = target
        self.down = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.url = f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def _client(self, reader, writer) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        self.down = True
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@dataclass
class Live:
    api: FakeBotAPI
    channel: TelegramChannel
    engine: object
    services: object
    redis: RedisCut
    hook_url: str

    async def post(self, update: dict, secret: str | None = SECRET) -> int:
        status = await self.api.post_webhook(self.hook_url, update, secret)
        await self.channel.drain()
        return status

    def jeune(self, chat: int = CHAT) -> str:
        return self.engine.jeune_id("telegram", str(chat))


@pytest.fixture
async def live(tmp_path, clock, api, database_url, redis_prefix):
    """The whole service: real engine, shipped flows and config, Redis state, SQL records, our app."""
    from bot.app.web import make_app
    from tests.support import full_config, make_engine

    redis = RedisCut()
    await redis.start()
    engine, services = await make_engine(tmp_path, clock, config=full_config(), database_url=database_url,
                                         redis_url=redis.url, redis_prefix=redis_prefix)
    app = make_app(services, engine)
    # Per-chat pacing is tested above; here a test sends a day's conversation in a second.
    channel = TelegramChannel(api.token, api.url, engine, webhook_secret=SECRET,
                              public_url="http://replaced.below", clock=clock, retry_backoff=0.05,
                              chat_rate=50, chat_burst=10)
    services.outbox.register(channel)
    channel.add_routes(app)
    runner, url = await serve(app)
    channel.public_url = url
    await channel.start()
    yield Live(api, channel, engine, services, redis, url + "/telegram/webhook")
    await channel.stop()
    await runner.cleanup()
    await services.close()
    await redis.close()


def last_keyboard(api: FakeBotAPI, chat: int = CHAT) -> tuple[int, list[dict]]:
    call = [c for c in api.calls_of("sendMessage", chat, ok=True) if "reply_markup" in c.params][-1]
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    return call.response["result"]["message_id"], buttons


async def test_real_engine_deep_link_welcome_button_next_step(live):
    api = live.api
    start = api.text_update(CHAT, "/start maraude-perigueux")
    assert await live.post(start) == 200
    assert api.sent(CHAT)[0].startswith("Salut ! Je suis un robot : un programme qui répond tout seul, pas une personne.")
    asked, buttons = last_keyboard(api)
    assert [b["text"] for b in buttons] == ["Poser une question", "Prendre rendez-vous",
                                            "Parler à un conseiller", "Me présenter"]
    present = next(b for b in buttons if b["text"] == "Me présenter")
    press = api.callback_update(CHAT, present["callback_data"], asked)
    assert await live.post(press) == 200
    assert press["callback_query"]["id"] in api.answered_callbacks
    assert "reply_markup" not in api.messages[(CHAT, asked)]
    assert "4 petites questions" in api.sent(CHAT)[-1]
    events = await live.services.records.list_events(jeune_id=live.jeune())
    contact = [e for e in events if e.kind == "contact"]
    assert len(contact) == 1 and contact[0].data["source"] == "maraude-perigueux"
    assert contact[0].channel == "telegram" and contact[0].action_id == "maraude-perigueux"
    profile = await live.services.records.get_profile(live.jeune())
    assert profile["source_action"] == "maraude-perigueux"


async def test_real_engine_same_update_three_times(live):
    api = live.api
    update = api.text_update(CHAT, "/start")
    assert await asyncio.gather(*(live.post(update) for _ in range(3))) == [200, 200, 200]
    assert await live.post(update) == 200
    events = await live.services.records.list_events(jeune_id=live.jeune())
    assert len([e for e in events if e.kind == "contact"]) == 1
    assert api.sent(CHAT).count("Qu'est-ce que tu veux faire ?") == 1


async def test_real_engine_stores_down_then_back(live):
    api = live.api
    await live.post(api.text_update(CHAT, "/start"))
    before = len(api.sent(CHAT))
    live.redis.cut()
    update = api.text_update(CHAT, "c quoi le CEJ")
    assert await live.post(update) == 503                      # Telegram will retry
    assert len(api.sent(CHAT)) == before
    live.redis.restore()
    assert await live.post(update) == 200
    assert await live.post(update) == 200
    assert len(api.sent(CHAT)) > before
    faq = [e for e in await live.services.records.list_events(jeune_id=live.jeune()) if e.kind == "faq"]
    assert len(faq) == 1


async def test_real_engine_unusual_kinds_forged_button_and_block(live):
    api = live.api
    await live.post(api.text_update(CHAT, "/start"))
    mark = len(api.sent(CHAT))
    await live.post(api.sticker_update(CHAT))
    # issue 17: a sticker or a voice note gets one short message, not three
    assert len(api.sent(CHAT)) == mark + 1
    assert api.sent(CHAT)[mark].startswith("Joli ! Écris-moi avec des mots")
    mark = len(api.sent(CHAT))
    await live.post(api.voice_update(CHAT))
    assert len(api.sent(CHAT)) == mark + 1
    assert "messages vocaux" in api.sent(CHAT)[mark]
    await live.post(api.callback_update(CHAT, "forged:\u00e9\u00e9", message_id=999))
    assert "Ce bouton n'est plus valable. Voici où on en est :" in api.sent(CHAT)
    api.block(CHAT)
    await live.post(api.text_update(CHAT, "encore moi"))
    profile = await live.services.records.get_profile(live.jeune())
    assert profile["unreachable"] is True
    delivered = await live.services.outbox.deliver(live.jeune(), [Reply("Rappel : ton rendez-vous demain")])
    assert delivered is False


async def test_real_engine_outbox_reaches_the_telegram_chat(live):
    api = live.api
    await live.post(api.text_update(CHAT, "/start"))
    ok = await live.services.outbox.deliver(live.jeune(), [Reply("Je regarde ça demain.")],
                                            author="referent:Nadia", force=True)
    assert ok is True
    assert api.sent(CHAT)[-1] == "Nadia (Mission Locale) :\nJe regarde ça demain."


async def test_real_engine_long_polling(tmp_path, clock, api):
    from tests.support import full_config, make_engine

    engine, services = await make_engine(tmp_path, clock, config=full_config())
    channel = TelegramChannel(api.token, api.url, engine, clock=clock, poll_timeout=1, poll_pause=0.1,
                              chat_rate=50, chat_burst=10)
    services.outbox.register(channel)
    await channel.start()
    try:
        await api.push_update(api.text_update(CHAT, "/start forum-bordeaux-2026"))
        await api.wait_for("sendMessage", lambda c: c.params.get("text") == "Qu'est-ce que tu veux faire ?")
        asked, buttons = last_keyboard(api)
        question = next(b for b in buttons if b["text"] == "Poser une question")
        await api.push_update(api.callback_update(CHAT, question["callback_data"], asked))
        await api.wait_for("sendMessage", lambda c: "écris ta question" in c.params.get("text", ""))
        jeune = engine.jeune_id("telegram", str(CHAT))
        contact = [e for e in await services.records.list_events(jeune_id=jeune) if e.kind == "contact"]
        assert [e.data.get("source") for e in contact] == ["forum-bordeaux-2026"]
    finally:
        await channel.stop()
        await services.close()


async def test_real_engine_restart_between_two_messages(tmp_path, clock, api, database_url, redis_prefix):
    """The whole service stops after a message and a new one starts: the conversation goes on at
    the same step (state in Redis, records in SQL), and an update Telegram redelivers after the
    restart is not answered twice."""
    from bot.app.web import make_app
    from tests.conftest import REDIS_URL
    from tests.support import full_config, make_engine

    async def start():
        engine, services = await make_engine(tmp_path, clock, config=full_config(),
                                             database_url=database_url, redis_url=REDIS_URL,
                                             redis_prefix=redis_prefix)
        app = make_app(services, engine)
        channel = TelegramChannel(api.token, api.url, engine, webhook_secret=SECRET,
                                  public_url="http://replaced.below", clock=clock, chat_rate=50, chat_burst=10)
        services.outbox.register(channel)
        channel.add_routes(app)
        runner, url = await serve(app)
        channel.public_url = url
        await channel.start()
        return channel, runner, services, url + "/telegram/webhook"

    async def stop(channel, runner, services, _url):
        await channel.stop()
        await runner.cleanup()
        await services.close()

    first = await start()
    hook = first[3]
    await api.post_webhook(hook, api.text_update(CHAT, "/start"), SECRET)
    await first[0].drain()
    asked, buttons = last_keyboard(api)
    present = next(b for b in buttons if b["text"] == "Me présenter")
    press = api.callback_update(CHAT, present["callback_data"], asked)
    assert await api.post_webhook(hook, press, SECRET) == 200
    await first[0].drain()
    assert "4 petites questions" in api.sent(CHAT)[-1]
    await stop(*first)

    second = await start()
    sent_before = len(api.sent(CHAT))
    assert await api.post_webhook(second[3], press, SECRET) == 200      # Telegram redelivers
    await second[0].drain()
    assert len(api.sent(CHAT)) == sent_before
    assert await api.post_webhook(second[3], api.text_update(CHAT, "oui"), SECRET) == 200
    await second[0].drain()
    assert api.sent(CHAT)[-1] == "Tu as quel âge ?"
    await stop(*second)


async def test_a_press_under_a_document_removes_its_keyboard(hooked):
    """A document (the .ics) has a caption, not a text: the keyboard goes with
    editMessageReplyMarkup, and the press is answered."""
    api = hooked.api
    api.text_update(CHAT, "hello")
    await hooked.channel.send(str(CHAT), [Reply(
        "", attachment=Attachment("rdv.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        buttons=[Button("Annuler", "rdv:cancel")])])
    document = api.calls_of("sendDocument", CHAT, ok=True)[0]
    mid = document.response["result"]["message_id"]
    assert api.messages[(CHAT, mid)]["reply_markup"]["inline_keyboard"]
    press = api.callback_update(CHAT, "rdv:cancel", message_id=mid)
    assert await hooked.post(press) == 200
    assert press["callback_query"]["id"] in api.answered_callbacks
    assert [c.ok for c in api.calls_of("editMessageReplyMarkup", CHAT)] == [True]
    assert "reply_markup" not in api.messages[(CHAT, mid)]


# issue 17: crisis first on every door ---------------------------------------------------------
async def test_real_engine_photo_caption_and_edited_message_are_scanned_for_a_crisis(live):
    api = live.api
    await live.post(api.text_update(CHAT, "/start"))
    mark = len(api.sent(CHAT))
    await live.post(api.photo_update(CHAT, caption="jai pris des cachets"))
    said = api.sent(CHAT)[mark:]
    assert said[0].startswith("Appelle le 15")
    assert not any("écrits" in x for x in said)
    sent = [c for c in api.calls_of("sendMessage", CHAT, ok=True)]
    mark = len(api.sent(CHAT))
    await live.post(api.edited_update(CHAT, sent[-1].response["result"]["message_id"], "je veux mourir"))
    assert any("3114" in x for x in api.sent(CHAT)[mark:])


async def test_real_engine_typing_indicator_through_the_send_path(live):
    api = live.api
    live.channel.typing_after = 0          # every reply "takes long": the indicator is sent
    await live.post(api.text_update(CHAT, "c koi le cej"))
    actions = api.calls_of("sendChatAction", CHAT, ok=True)
    assert actions and actions[0].params["action"] == "typing"
    live.channel.typing_after = 60         # a fast reply: no extra call
    before = len(api.calls_of("sendChatAction", CHAT))
    await live.post(api.text_update(CHAT, "merci"))
    assert len(api.calls_of("sendChatAction", CHAT)) == before


async def test_real_engine_crisis_answered_while_redis_is_down(live):
    api = live.api
    await live.post(api.text_update(CHAT, "/start"))
    live.redis.cut()
    mark = len(api.sent(CHAT))
    update = api.text_update(CHAT, "jsais pas ou dormir ce soir")
    assert await live.post(update) == 503          # kept by Telegram, delivered again later
    said = api.sent(CHAT)[mark:]
    assert said and "115" in said[0]
    assert await live.post(update) == 503          # the redelivery while still down: not repeated
    assert api.sent(CHAT)[mark:] == said
    live.redis.restore()
