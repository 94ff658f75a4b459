"""The fake Bot API answers real python-telegram-bot calls like Telegram does."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.fakes.telegram_api import FakeBotAPI

CHAT = 4242


@pytest.fixture
async def api(clock):
    async with FakeBotAPI(clock=clock) as api:
        yield api


@pytest.fixture
async def bot(api):
    bot = Bot(api.token, base_url=api.base_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def raw(api: FakeBotAPI, method: str, *, json_body=None, data=None, token=None):
    url = f"{api.url}/bot{token or api.token}/{method}"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=json_body, data=data) as resp:
            return resp.status, await resp.json()


async def test_get_me_and_identity(bot, api):
    assert bot.username == "insysteme_test_bot"
    assert bot.id == api.bot_id
    assert api.calls[0].method == "getMe"


async def test_send_message_result_and_ids_per_chat(bot, api, clock):
    api.text_update(CHAT, "salut")          # the jeune wrote first: message 1 in that chat
    api.text_update(777, "yo")
    first = await bot.send_message(CHAT, "Bonjour")
    second = await bot.send_message(CHAT, "Ça va ?")
    other = await bot.send_message(777, "Salut")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 2)
    assert first.from_user.id == api.bot_id and first.chat.id == CHAT and first.chat.type == "private"
    assert first.date == clock.now().replace(microsecond=0)
    assert api.sent(CHAT) == ["Bonjour", "Ça va ?"]


async def test_text_that_looks_like_json_stays_text(bot, api):
    api.text_update(CHAT, "hi")
    await bot.send_message(CHAT, "123")
    await bot.send_message(CHAT, "true")
    assert api.sent(CHAT) == ["123", "true"]


async def test_bad_requests_like_telegram(bot, api):
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(999, "personne")
    api.text_update(CHAT, "hi")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("trop long", callback_data="x" * 65)]]))
    assert [c.status for c in api.calls_of("sendMessage")] == [400, 400, 400]


async def test_error_body_exactly_as_telegram(api):
    api.text_update(CHAT, "hi")
    api.fail_next("sendMessage", 429, retry_after=2)
    status, body = await raw(api, "sendMessage", json_body={"chat_id": CHAT, "text": "x"})
    assert status == 429
    assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 2",
                    "parameters": {"retry_after": 2}}
    api.block(CHAT)
    status, body = await raw(api, "sendMessage", json_body={"chat_id": CHAT, "text": "x"})
    assert (status, body) == (403, {"ok": False, "error_code": 403,
                                    "description": "Forbidden: bot was blocked by the user"})
    status, body = await raw(api, "getMe", token="1:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = await raw(api, "sendTelepathy", json_body={})
    assert (status, body["description"]) == (404, "Not Found")


async def test_json_and_form_bodies(api):
    api.text_update(CHAT, "hi")
    status, body = await raw(api, "sendMessage", json_body={"chat_id": CHAT, "text": "en JSON"})
    assert status == 200 and body["result"]["text"] == "en JSON"
    status, body = await raw(api, "sendMessage", data={"chat_id": str(CHAT), "text": "en formulaire",
                                                      "reply_markup": json.dumps({"inline_keyboard": [
                                                          [{"text": "A", "callback_data": "a"}]]})})
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_ptb_exceptions_for_failures(bot, api):
    api.text_update(CHAT, "hi")
    api.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(CHAT, "x")
    assert "retry in 3 seconds" in err.value.message.lower()
    api.fail_next("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await bot.send_message(CHAT, "x")
    assert (await bot.send_message(CHAT, "enfin")).text == "enfin"
    api.block(CHAT)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(CHAT, "x")
    with pytest.raises(InvalidToken):
        await Bot("1:nope", base_url=api.base_url).get_me()


async def test_get_updates_offset_semantics(bot, api):
    ids = []
    for text in ("un", "deux", "trois"):
        update = api.text_update(CHAT, text)
        ids.append(update["update_id"])
        await api.push_update(update)
    got = await bot.get_updates()
    assert [u.update_id for u in got] == ids
    assert [u.message.text for u in got] == ["un", "deux", "trois"]
    again = await bot.get_updates(offset=ids[1])       # confirms the first
    assert [u.update_id for u in again] == ids[1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]   # the first is gone for good
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert api.updates == []


async def test_get_updates_long_poll_wakes_on_new_update(bot, api):
    async def later():
        await asyncio.sleep(0.2)
        await api.push_update(api.text_update(CHAT, "coucou"))

    pusher = asyncio.create_task(later())
    got = await bot.get_updates(timeout=10)
    await pusher
    assert [u.message.text for u in got] == ["coucou"]
    assert await bot.get_updates(offset=got[0].update_id + 1, timeout=0.3) == ()


async def test_second_poller_terminates_the_first(bot, api):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    other_instance = Bot(api.token, base_url=api.base_url)
    async with other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=1))
        with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
            await first
        assert await second == ()


async def test_webhook_lifecycle_and_conflict(bot, api):
    assert await bot.set_webhook("https://example.org/telegram/webhook", secret_token="abc_DEF-1",
                                 allowed_updates=["message", "callback_query"])
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/telegram/webhook"
    assert info.allowed_updates == ("message", "callback_query")
    assert api.webhook["secret_token"] == "abc_DEF-1"
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match="(?i)unallowed characters"):
        await bot.set_webhook("https://example.org/x", secret_token="pas de blancs")
    await api.push_update(api.text_update(CHAT, "en attente"))
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_edit_and_callback_answer(bot, api):
    api.text_update(CHAT, "hi")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="oui")]])
    sent = await bot.send_message(CHAT, "On y va ?", reply_markup=markup)
    update = Update.de_json(api.callback_update(CHAT, "oui", sent.message_id), bot)
    assert update.callback_query.message.reply_markup == markup
    assert await bot.answer_callback_query(update.callback_query.id)
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query(update.callback_query.id)
    edited = await bot.edit_message_text("On y va ? Oui", chat_id=CHAT, message_id=sent.message_id)
    assert edited.text == "On y va ? Oui" and edited.reply_markup is None
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("On y va ? Oui", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=99)
    with pytest.raises(BadRequest, match="(?i)can't be edited"):   # the jeune's own message
        await bot.edit_message_text("x", chat_id=CHAT, message_id=1)


async def test_files_commands_chat_and_misc(bot, api):
    api.text_update(CHAT, "hi", first_name="Inès")
    doc = await bot.send_document(CHAT, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="rdv.ics")
    assert doc.document.file_name == "rdv.ics"
    call = api.calls_of("sendDocument")[0]
    assert call.files["document"][0] == "rdv.ics"
    assert call.files["document"][1].startswith(b"BEGIN:VCALENDAR")
    photo = await bot.send_photo(CHAT, b"\x89PNG fake", caption="Le plan")
    assert photo.caption == "Le plan" and photo.photo
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.set_my_commands([("start", "Commencer")])
    assert api.commands == [{"command": "start", "description": "Commencer"}]
    chat = await bot.get_chat(CHAT)
    assert chat.first_name == "Inès" and chat.type == "private"
    assert await bot.log_out() and await bot.close()


async def test_limits_enforced_like_telegram(bot, api):
    api.enforce_limits = True
    api.text_update(CHAT, "hi")
    for i in range(api.chat_burst):                     # a short burst is allowed
        await bot.send_message(CHAT, f"m{i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "one too many")
    assert len(api.sent(CHAT)) == api.chat_burst
    api.group_update(-100123, "salut")
    for i in range(20):                                 # 20 a minute in a group
        await bot.send_message(-100123, f"g{i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(-100123, "g20")


async def test_slow_and_wait_for(bot, api):
    api.text_update(CHAT, "hi")
    api.slow("sendMessage", 0.3)
    mark = api.mark()
    task = asyncio.create_task(bot.send_message(CHAT, "lent"))
    call = await api.wait_for("sendMessage", lambda c: c.params["text"] == "lent", since=mark)
    await task
    assert call.chat_id == CHAT
    with pytest.raises(TimeoutError):
        await api.wait_for("sendMessage", lambda c: c.params["text"] == "jamais", timeout=0.2)


@pytest.mark.parametrize("builder, attribute", [
    ("sticker_update", "sticker"), ("photo_update", "photo"), ("voice_update", "voice"),
    ("audio_update", "audio"), ("video_update", "video"), ("video_note_update", "video_note"),
    ("document_update", "document"), ("location_update", "location"),
    ("contact_update", "contact"), ("poll_update", "poll"),
])
async def test_update_builders_parse_as_real_updates(bot, api, builder, attribute):
    update = Update.de_json(getattr(api, builder)(CHAT), bot)
    assert getattr(update.message, attribute)
    assert update.effective_chat.id == CHAT and update.message.from_user.first_name == "Léa"


async def test_other_builders(bot, api):
    text = Update.de_json(api.text_update(CHAT, "/start QR_ML33", update_id=5), bot)
    assert text.update_id == 5 and text.message.parse_entities() and text.message.text == "/start QR_ML33"
    edited = Update.de_json(api.edited_update(CHAT, text.message.message_id, "/start autre"), bot)
    assert edited.edited_message.edit_date is not None
    forwarded = Update.de_json(api.forwarded_update(CHAT, "regarde ça"), bot)
    assert forwarded.message.forward_origin.sender_user.first_name == "Yanis"
    group = Update.de_json(api.group_update(-42, "@insysteme_test_bot t'es qui ?"), bot)
    assert group.effective_chat.type == "group"
    assert list(group.message.parse_entities(["mention"]).values()) == ["@insysteme_test_bot"]
    post = Update.de_json(api.channel_post_update(-1001, "annonce"), bot)
    assert post.channel_post.text == "annonce"


async def test_post_webhook_sends_the_secret_header(api):
    seen = {}

    async def receive(request):
        seen["secret"] = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        seen["body"] = await request.json()
        return aiohttp.web.Response(status=200)

    app = aiohttp.web.Application()
    app.router.add_post("/hook", receive)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        update = api.text_update(CHAT, "yo")
        assert await api.post_webhook(f"http://127.0.0.1:{port}/hook", update, "s3cr3t") == 200
        assert seen == {"secret": "s3cr3t", "body": update}
    finally:
        await runner.cleanup()
