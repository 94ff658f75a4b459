"""The night shift in Debian's chromium: a crisis from a QR code reaching the QR's team (console
banner, sound, title badge; the SMTP alert received; the Telegram group), two référents at once
on one conversation (who is viewing, taking asks first and tells the other live, one "je prends
le relais"), and framing refused for the console but allowed for the chat."""
from __future__ import annotations

import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect

from bot.dialogue.textes import REFERENT_JOINED
from bot.messages import Incoming
from tests.console.night_support import GROUP_A, QR_CODE, night_server
from tests.console.test_console_browser import CHROMIUM_ARGS, GUARD_MS
from tests.console.test_console_support import PASSWORD, add_accounts, start_server
from tests.fakes.smtp_server import FakeSmtp
from tests.fakes.telegram_api import FakeBotAPI

SESSION = "webjeune-qr-browser-0001"


async def log_in(browser, base: str, email: str):
    page = await (await browser.new_context()).new_page()
    page.set_default_timeout(GUARD_MS)
    await page.goto(f"{base}/console/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#login button[type=submit]")
    await expect(page).to_have_url(f"{base}/console/inbox")
    await expect(page.locator("body")).to_have_attribute("data-live-open", "1")
    return page


@pytest.mark.browser
async def test_crisis_from_a_qr_code_reaches_the_qr_team(tmp_path, clock):
    async with FakeBotAPI(clock=clock) as api, FakeSmtp() as smtp:
        server = await night_server(tmp_path, clock, api, smtp)
        try:
            await add_accounts(server)
            base = server.url
            jeune = server.engine.jeune_id("web", SESSION)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path="/usr/bin/chromium",
                                                  headless=True, args=CHROMIUM_ARGS)
                try:
                    camille = await log_in(browser, base, "camille@ml-a.fr")   # ML A: the QR's
                    basile = await log_in(browser, base, "basile@ml-b.fr")     # ML B
                    await expect(camille.locator("body")).to_have_attribute("data-badge", "0")
                    # the jeune scans the maraude's poster: the chat opens with its code
                    young = await browser.new_context()
                    await young.add_init_script(
                        f"localStorage.setItem('insysteme.session', '{SESSION}')")
                    chat = await young.new_page()
                    chat.set_default_timeout(GUARD_MS)
                    await chat.goto(f"{base}/chat?source={QR_CODE}")
                    await expect(chat.locator(".msg.bot").first).to_be_visible()
                    await chat.fill("#text", "jveux plus vivre jvais me tuer")
                    await chat.press("#text", "Enter")
                    await expect(chat.locator(".msg.bot", has_text="3114")).to_have_count(1)

                    # A's console: banner, sound, title badge, the row; B's: nothing
                    alert = camille.locator("#alerts .alert.crisis")
                    await expect(alert).to_contain_text("Détresse")
                    await expect(camille.locator("body")).to_have_attribute("data-sound", "1")
                    await expect(camille).to_have_title("(1 !) Conversations — IN Système")
                    await expect(camille.locator(f'tr[data-jeune="{jeune}"]')).to_contain_text(
                        "Détresse")
                    await expect(camille.locator(f'tr[data-jeune="{jeune}"]')).to_contain_text(
                        "Mission Locale A")
                    await alert.get_by_role("link", name="Ouvrir").click()
                    await expect(camille.locator("#profile")).to_contain_text("Maraude du jeudi soir")
                    assert await basile.locator("#alerts .alert").count() == 0
                    assert await basile.locator(f'tr[data-jeune="{jeune}"]').count() == 0
                    await expect(basile.locator("body")).to_have_attribute("data-badge", "0")
                finally:
                    await browser.close()
            # the team's channels: the SMTP alert received, the Telegram group told
            mail = (await smtp.wait_for("camille@ml-a.fr"))[0]
            assert "equipe@ml-a.fr" in mail.recipients and f"/console/c/{jeune}" in mail.body
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP_A, timeout=15)
            assert "Détresse" in call.params["text"]
        finally:
            await server.telegram.stop()
            await server.close()


@pytest.mark.browser
async def test_two_referents_on_one_conversation(tmp_path, clock):
    server = await start_server(tmp_path, clock)
    try:
        accounts = await add_accounts(server)
        from bot.console.accounts import AccountStore
        await AccountStore(server.services.records.engine).add(
            "dominique@ml-a.fr", "Dominique", "referent", "ml-a", PASSWORD, clock.now())
        records, engine = server.services.records, server.engine
        address = "session-a-000000000042"
        jeune = engine.jeune_id("web", address)
        await records.update_profile(jeune, mission_locale="ml-a", consent=True, first_name="Léa")
        await records.link_address(jeune, "web", address)
        await engine.handle(Incoming("web", address, "bonjour"))
        await engine.handle(Incoming("web", address, "", kind="button", button_value="conseiller"))
        base = server.url
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROMIUM_ARGS)
            try:
                camille = await log_in(browser, base, "camille@ml-a.fr")
                dominique = await log_in(browser, base, "dominique@ml-a.fr")
                for page in (camille, dominique):
                    await page.goto(f"{base}/console/c/{jeune}")
                    await expect(page.locator("body")).to_have_attribute("data-live-open", "1")
                # each sees who else is viewing
                await expect(camille.locator("#viewers")).to_contain_text("Dominique")
                await expect(dominique.locator("#viewers")).to_contain_text("Camille")
                # Camille takes it; Dominique's page says so live
                await camille.click("#take")
                await expect(camille.locator("#flash")).to_contain_text("Vous avez pris")
                await expect(dominique.locator("#conv-status")).to_have_text("Pris en charge par Camille")
                # Dominique's take asks first
                await dominique.click("#take")
                await expect(dominique.locator("#take-confirm")).to_contain_text(
                    "Camille a déjà cette conversation")
                await dominique.click("#take-confirmed")
                await expect(dominique.locator("#flash")).to_contain_text("Vous avez pris")
                # Camille is told, live, and her page shows the new holder
                await expect(camille.locator("#notices .notice")).to_contain_text(
                    "Dominique a pris la conversation")
                await expect(camille.locator("#conv-status")).to_have_text(
                    "Pris en charge par Dominique")
                # and Dominique gives it back to Camille
                await dominique.select_option("#give-to", str(accounts["a"].id))
                await dominique.click("#give")
                await expect(dominique.locator("#flash")).to_contain_text("Conversation confiée")
                await expect(camille.locator("#notices .notice").last).to_contain_text(
                    "Dominique vous a confié une conversation")
                await expect(camille.locator("#conv-status")).to_have_text("Pris en charge par Camille")
            finally:
                await browser.close()
        texts = [x["text"] for x in await records.transcript(jeune) if x["author"].startswith("referent:")]
        joined = [t for t in texts if "Je prends le relais" in t]
        assert joined == [REFERENT_JOINED.format(name="Camille")], texts
        audit = [e["action"] for e in reversed(await server.console.audit.entries(jeune_id=jeune))
                 if e["action"] in ("take_over", "give")]
        assert audit == ["take_over", "take_over", "give"]
    finally:
        await server.close()


@pytest.mark.browser
async def test_another_site_cannot_frame_the_console_but_can_frame_the_chat(tmp_path, clock):
    server = await start_server(tmp_path, clock)
    other = web.Application()

    async def embedding(request):
        return web.Response(content_type="text/html", text=(
            f'<iframe id="console" src="{server.url}/console/login"></iframe>'
            f'<iframe id="chat" src="{server.url}/chat"></iframe>'))
    other.router.add_get("/", embedding)
    runner = web.AppRunner(other)
    await runner.setup()
    site = web.TCPSite(runner, "localhost", 0)     # another origin (host and port)
    await site.start()
    other_url = f"http://localhost:{runner.addresses[0][1]}/"
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROMIUM_ARGS)
            try:
                page = await (await browser.new_context()).new_page()
                page.set_default_timeout(GUARD_MS)
                await page.goto(other_url)
                await expect(page.frame_locator("#chat").locator("#text")).to_be_visible()
                frame = page.frame_locator("#console")
                assert await frame.locator("input[name=password]").count() == 0
            finally:
                await browser.close()
    finally:
        await runner.cleanup()
        await server.close()


@pytest.mark.browser
async def test_inbox_search_paging_transcript_journal_and_password_in_the_browser(tmp_path, clock):
    server = await start_server(tmp_path, clock)
    try:
        await add_accounts(server)
        from bot.console.accounts import AccountStore
        await AccountStore(server.services.records.engine).add(
            "dpo@ml-a.fr", "Dana", "dpo", "ml-a", PASSWORD, clock.now())
        records, engine = server.services.records, server.engine
        ids = []
        for i in range(52):
            clock.advance(minutes=1)
            address = f"session-a-{i:015d}"
            jid = engine.jeune_id("web", address)
            await records.update_profile(jid, mission_locale="ml-a", consent=True,
                                         commune_nom="Nontron" if i == 3 else "Agen")
            await records.link_address(jid, "web", address)
            await engine.handle(Incoming("web", address, "bonjour"))
            ids.append(jid)
        await engine.handle(Incoming("web", "session-a-000000000000003", "", kind="button",
                                     button_value="conseiller"))
        base = server.url
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROMIUM_ARGS)
            try:
                page = await log_in(browser, base, "camille@ml-a.fr")
                await expect(page.locator("#inbox-total")).to_have_text("52 conversations")
                await expect(page.locator("#inbox-rows tr")).to_have_count(50)
                # the waiting one first, then the newest
                await expect(page.locator("#inbox-rows tr").first).to_have_attribute("data-jeune", ids[3])
                await expect(page.locator("#inbox-rows tr").nth(1)).to_have_attribute("data-jeune", ids[51])
                await page.click("#next-page")
                await expect(page.locator("#page-of")).to_have_text("Page 2 sur 2")
                await expect(page.locator("#inbox-rows tr")).to_have_count(2)
                await page.fill("#search", "nontron")
                await page.press("#search", "Enter")
                await expect(page.locator("#inbox-rows tr")).to_have_count(1)
                row = page.locator(f'tr[data-jeune="{ids[3]}"]')
                await expect(row).to_contain_text(f"Jeune {ids[3][2:6].upper()} · Nontron")
                await row.get_by_role("link").click()
                await expect(page.locator("#transcript")).to_contain_text(
                    "« Parler à un conseiller » (bouton)")
                assert "[bouton]" not in await page.locator("#transcript").inner_text()
                # the data-protection officer reads that this transcript was opened
                dpo = await (await browser.new_context()).new_page()
                dpo.set_default_timeout(GUARD_MS)
                await dpo.goto(f"{base}/console/login")
                await dpo.fill("input[name=email]", "dpo@ml-a.fr")
                await dpo.fill("input[name=password]", PASSWORD)
                await dpo.click("#login button[type=submit]")
                await dpo.click("text=Journal")
                await dpo.select_option("select[name=action]", "open_conversation")
                await dpo.click("#journal-filters button[type=submit]")
                await expect(dpo.locator("table.journal tbody")).to_contain_text(ids[3])
                await expect(dpo.locator("table.journal tbody")).to_contain_text("camille@ml-a.fr")
                async with dpo.expect_download() as info:
                    await dpo.click("#export-csv")
                download = await info.value
                assert download.suggested_filename.startswith("journal-ml-a-")
                assert ids[3] in (await download.path()).read_text(encoding="utf-8-sig")
                # Camille changes her password
                await page.click("text=Mon compte")
                await page.fill("input[name=current]", PASSWORD)
                await page.fill("input[name=new]", "un tout nouveau secret")
                await page.fill("input[name=again]", "un tout nouveau secret")
                await page.click("#change-password")
                await expect(page.locator("#flash")).to_contain_text("Mot de passe changé")
            finally:
                await browser.close()
        assert await AccountStore(server.services.records.engine).verify(
            "camille@ml-a.fr", "un tout nouveau secret") is not None
    finally:
        await server.close()
