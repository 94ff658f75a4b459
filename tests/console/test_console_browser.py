"""The console in Debian's chromium, against a real server (make_app + console, real stores, the
Telegram channel on the fake Bot API): a référent logs in, sees a jeune who asks for a person
appear live, takes over, replies; the jeune reads it in the web chat (a second page) and on
Telegram; the référent hands back and the bot answers again."""
from __future__ import annotations

import pytest
from playwright.async_api import async_playwright, expect

from bot.channels.telegram import TelegramChannel
from bot.dialogue.textes import HANDED_BACK
from tests.fakes.telegram_api import FakeBotAPI
from tests.console.test_console_support import PASSWORD, add_accounts, start_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SESSION = "webjeune000000000000001"
TELEGRAM_CHAT = 4242
GUARD_MS = 15_000     # only so that a broken test fails instead of hanging


@pytest.mark.browser
async def test_takeover_reply_hand_back_in_the_browser(tmp_path, clock, pg_url):
    async with FakeBotAPI(clock=clock) as api:
        holder = {}

        def attach(app, services, engine):
            channel = TelegramChannel(api.token, api.url, engine, clock=clock, receive=False,
                                      retry_backoff=0.05)
            services.outbox.register(channel)
            holder["telegram"] = channel

        server = await start_server(tmp_path, clock, database_url=pg_url, before_start=attach)
        await holder["telegram"].start()
        try:
            await add_accounts(server)
            records = server.services.records
            jeune = server.engine.jeune_id("web", SESSION)
            # a jeune of Mission Locale A, known on the web chat and on Telegram
            await records.update_profile(jeune, mission_locale="ml-a", consent=True, first_name="Léa")
            await records.link_address(jeune, "web", SESSION)
            await records.link_address(jeune, "telegram", str(TELEGRAM_CHAT))
            api.text_update(TELEGRAM_CHAT, "salut")          # the fake now knows this chat
            await run_browser(server, api, jeune)
        finally:
            await holder["telegram"].stop()
            await server.close()


async def run_browser(server, api, jeune: str) -> None:
    base = server.url
    requests: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        try:
            # the référent, on a phone
            referent = await browser.new_context(viewport={"width": 390, "height": 844})
            console = await referent.new_page()
            console.set_default_timeout(GUARD_MS)
            console.on("request", lambda r: requests.append(r.url))
            await console.goto(f"{base}/console/")
            await expect(console).to_have_url(f"{base}/console/login")
            await console.fill("input[name=email]", "camille@ml-a.fr")
            await console.fill("input[name=password]", PASSWORD)
            await console.click("#login button[type=submit]")
            await expect(console).to_have_url(f"{base}/console/inbox")
            await expect(console.locator("body")).to_have_attribute("data-live-open", "1")
            assert await console.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth + 1"), "wider than a phone"
            await expect(console.locator(f'tr[data-jeune="{jeune}"]')).to_have_count(0)

            # the jeune, in the web chat
            young = await browser.new_context(viewport={"width": 390, "height": 844})
            await young.add_init_script(f"localStorage.setItem('insysteme.session', '{SESSION}')")
            chat = await young.new_page()
            chat.set_default_timeout(GUARD_MS)
            await chat.goto(f"{base}/chat")
            await chat.get_by_role("button", name="Parler à un conseiller").click()
            # a référent of their Mission Locale has the console open: "in a few minutes"
            await expect(chat.locator(".msg.bot").last).to_contain_text("dans quelques minutes")

            # live: the alert and the inbox row, without reloading
            alert = console.locator("#alerts .alert.handoff")
            await expect(alert).to_contain_text("Léa")
            row = console.locator(f'tr[data-jeune="{jeune}"]')
            await expect(row).to_contain_text("Demande un conseiller")
            await expect(row).to_contain_text("attend depuis")
            await alert.get_by_role("link", name="Ouvrir").click()
            await expect(console).to_have_url(f"{base}/console/c/{jeune}")
            await expect(console.locator("#profile")).to_contain_text("Mission Locale A")

            # take over: the jeune is told a person is here
            await console.click("#take")
            await expect(console.locator("#flash")).to_contain_text("Vous avez pris la conversation")
            await expect(chat.locator(".msg.referent").last).to_contain_text("c'est Camille")

            # reply with a canned answer, edited
            await console.select_option("#canned", "rdv")
            await expect(console.locator("#reply-text")).to_have_value(
                "On peut se voir à la Mission Locale pour en parler. Tu es disponible quel jour "
                "cette semaine ?")
            await console.fill("#reply-text", "Salut Léa, je suis là. Tu veux qu'on en parle ?")
            mark = api.mark()
            await console.click("#send")
            await expect(console.locator("#flash")).to_have_text("Message envoyé.")
            last = chat.locator(".msg.referent").last
            await expect(last).to_contain_text("Salut Léa, je suis là. Tu veux qu'on en parle ?")
            await expect(last.locator(".who")).to_have_text("Camille, Mission Locale")
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == TELEGRAM_CHAT,
                                      since=mark, timeout=GUARD_MS / 1000)
            assert call.params["text"] == (
                "Camille (Mission Locale) :\nSalut Léa, je suis là. Tu veux qu'on en parle ?")

            # the jeune answers; the référent sees it live; the bot stays quiet
            bot_lines = await chat.locator(".msg.bot:not(.referent)").count()
            await chat.fill("#text", "oui stp jsuis perdue")
            await chat.press("#text", "Enter")
            await expect(console.locator("#transcript .line.jeune").last).to_have_text(
                "Jeune · chat du site · 24/11 22:30oui stp jsuis perdue")

            # a private note, never sent
            await console.fill("#note-text", "Rappeler jeudi, parle de logement")
            await console.click("#add-note")
            await expect(console.locator("#notes")).to_contain_text("Rappeler jeudi")

            # hand back: the jeune is told, and the bot answers again
            await console.click("#hand-back")
            await expect(console.locator("#flash")).to_contain_text("rendue au bot")
            await expect(chat.locator(".msg.bot").last).to_have_text(HANDED_BACK)
            assert await chat.locator(".msg.bot:not(.referent)").count() == bot_lines + 1
            await chat.fill("#text", "bonjour")
            await chat.press("#text", "Enter")
            await expect(chat.locator(".msg.bot:not(.referent)")).to_have_count(bot_lines + 2)
            answer = await chat.locator(".msg.bot").last.inner_text()
            assert answer.strip() and answer != HANDED_BACK
            assert "Rappeler jeudi" not in await chat.locator("#log").inner_text()

            # close with an outcome; the inbox shows it closed
            await console.select_option("#outcome", "rdv_pris")
            await console.click("#close")
            await expect(console.locator("#conv-status")).to_have_text("Clos")
        finally:
            await browser.close()
    assert requests and all(u.startswith(base) for u in requests), \
        [u for u in requests if not u.startswith(base)]
    transcript = await server.services.records.transcript(jeune)
    texts = [x["text"] for x in transcript]
    after_reply = transcript[texts.index("oui stp jsuis perdue"):]
    # nothing from the bot while Camille had the conversation; it answers after the hand back
    assert [(x["author"], x["text"]) for x in after_reply[:3]] == [
        ("jeune", "oui stp jsuis perdue"), ("bot", HANDED_BACK), ("jeune", "bonjour")]
    assert after_reply[3]["author"] == "bot"
    entries = list(reversed(await server.console.audit.entries(jeune_id=jeune)))
    # the live stream of each open page is a read too, in the journal
    assert "stream_conversation" in {e["action"] for e in entries}
    audit = [e["action"] for e in entries if e["action"] != "stream_conversation"]
    assert audit == ["open_conversation", "take_over", "open_conversation", "reply",
                     "open_conversation", "note", "open_conversation", "hand_back",
                     "open_conversation", "close", "open_conversation"]


@pytest.mark.browser
async def test_dashboard_embeds_the_report(tmp_path, clock):
    from bot.messages import Incoming
    server = await start_server(tmp_path, clock)
    try:
        await add_accounts(server)
        for i, ml in enumerate(("ml-a", "ml-b", "ml-b")):
            address = f"webjeune00000000000001{i}"
            jeune = server.engine.jeune_id("web", address)
            await server.services.records.update_profile(jeune, mission_locale=ml, consent=True)
            await server.engine.handle(Incoming("web", address, "bonjour"))
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROMIUM_ARGS)
            try:
                for email, scope in (("sam@arml.fr", "Nouvelle-Aquitaine"),
                                     ("camille@ml-a.fr", "Mission Locale A")):   # names, not ids
                    page = await (await browser.new_context()).new_page()
                    page.set_default_timeout(GUARD_MS)
                    await page.goto(f"{server.url}/console/login")
                    await page.fill("input[name=email]", email)
                    await page.fill("input[name=password]", PASSWORD)
                    await page.click("#login button[type=submit]")
                    await page.click("text=Tableau de bord")
                    report = page.frame_locator("#report")
                    await expect(report.locator("header")).to_contain_text(scope)
                    await expect(report.locator("#chiffres-cles")).to_be_visible()
                    assert await report.locator("svg.chart").count() >= 5
                    await expect(page.locator("select[name=ml]")).to_have_count(
                        1 if email.startswith("sam") else 0)
            finally:
                await browser.close()
    finally:
        await server.close()
