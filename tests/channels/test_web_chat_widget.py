"""The web chat as a Mission Locale embeds it and a jeune uses it, in Debian's chromium
(Playwright): the one-line widget on a plain host site (another origin), a conversation through
the bubble kept across the site's pages, full screen on a phone, no leak into the host page;
crisis replies that stand out with working tel:/sms: links and an assertive live region; the
typing indicator; past buttons collapsed with the choice shown; the booking's .ics downloaded
from a URL only that conversation can reach; messages typed offline sent on reconnect, in order,
once; dark mode; per-Mission-Locale branding and favicon; axe-core with no serious or critical
violation on /chat and in the widget, in both themes."""
from __future__ import annotations

import asyncio
import socket
from datetime import datetime

import aiohttp
import pytest
from aiohttp import web

from bot.app.web import make_app
from bot.channels.web_branding import Brand, Colors, WebchatConfig
from bot.clock import PARIS, FixedClock
from tests.support import full_config, make_engine, small_config

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
GUARD_MS = 15_000          # only so that a broken test fails instead of hanging
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BRANDING = WebchatConfig(missions_locales={"ml-test": Brand(
    name="Mission Locale de Test", colors=Colors(primary="#8a1538", accent="#1d5e3a"),
    privacy_url="https://ml-test.example/confidentialite")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def serve(app: web.Application, host: str = "127.0.0.1"):
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://{host}:{port}"


async def start_chat(tmp_path, clock, config=None):
    config = config or small_config(webchat=BRANDING)
    engine, services = await make_engine(tmp_path, clock, config=config)
    app = make_app(services, engine)
    app["web_channel"].poll_seconds = 2.0
    runner, base = await serve(app)
    return runner, base, engine, services


@pytest.fixture
async def chat(tmp_path, clock):
    runner, base, engine, services = await start_chat(tmp_path, clock)
    yield base, engine, services
    await runner.cleanup()
    await services.close()


HOST_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>
  /* a host site's own, rather aggressive, styles: none may reach the widget */
  * {{ box-sizing: content-box; }}
  body {{ font-family: Georgia, serif; color: #222; background: #fdfdf5; }}
  button {{ background: #00ff00 !important; font-size: 30px !important; border-radius: 0 !important; }}
  iframe {{ border: 12px solid red !important; }}
  div {{ display: block; }}
</style></head><body>
<h1>{title}</h1>
<p><a href="/page2">Page deux</a> · <a href="/">Accueil</a></p>
<button id="own" type="button">Bouton du site</button>
{widget}
</body></html>"""


@pytest.fixture
async def host_site(chat):
    """A Mission Locale's plain site on another origin (localhost vs 127.0.0.1), with the widget."""
    base = chat[0]
    tag = (f'<script src="{base}/chat/widget.js" data-ml="ml-test" data-color="#8a1538" '
           'async></script>')

    def page(title, widget=True):
        async def handler(request):
            return web.Response(text=HOST_PAGE.format(title=title, widget=tag if widget else ""),
                                content_type="text/html")
        return handler

    app = web.Application()
    app.router.add_get("/", page("Accueil de la Mission Locale"))
    app.router.add_get("/page2", page("Nos actions"))
    app.router.add_get("/bare", page("Sans widget", widget=False))
    runner, url = await serve(app, host="localhost")
    yield url
    await runner.cleanup()


async def launch(p):
    return await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                   args=CHROMIUM_ARGS)


async def axe_serious(target) -> list[str]:
    """axe-core (bundled by axe-playwright-python, no network) on a page or a frame: the serious
    and critical violations, as 'rule: target'."""
    from axe_playwright_python.async_playwright import Axe
    results = await Axe().run(target)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


# --- the widget --------------------------------------------------------------------------------
@pytest.mark.browser
async def test_widget_on_a_host_site_conversation_kept_across_pages(chat, host_site):
    from playwright.async_api import async_playwright, expect
    base, engine, _ = chat
    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(viewport=DESKTOP)
        page = await context.new_page()
        page.set_default_timeout(GUARD_MS)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # the host page's globals and own styles, without the widget …
        await page.goto(f"{host_site}/bare")
        globals_without = set(await page.evaluate("Object.keys(window)"))
        own_style = await page.evaluate(
            "(() => { const s = getComputedStyle(document.getElementById('own'));"
            " return [s.backgroundColor, s.fontSize, s.borderRadius]; })()")
        # … and with it: nothing added, nothing changed
        await page.goto(f"{host_site}/")
        bubble = page.get_by_role("button", name="Discuter avec la Mission Locale")
        await expect(bubble).to_be_visible()
        assert set(await page.evaluate("Object.keys(window)")) == globals_without
        assert await page.evaluate(
            "(() => { const s = getComputedStyle(document.getElementById('own'));"
            " return [s.backgroundColor, s.fontSize, s.borderRadius]; })()") == own_style
        # the host's `button {…!important}` does not reach the bubble (shadow root)
        bubble_bg = await bubble.evaluate("b => getComputedStyle(b).backgroundColor")
        assert bubble_bg == "rgb(138, 21, 56)"                      # data-color="#8a1538"
        assert await bubble.get_attribute("aria-expanded") == "false"

        # a conversation through the bubble
        await bubble.click()
        assert await page.get_by_role("button", name="Fermer : Discuter avec la Mission Locale") \
            .get_attribute("aria-expanded") == "true"
        frame_el = page.locator("#insysteme-chat iframe")
        assert await frame_el.evaluate("f => getComputedStyle(f).borderTopWidth") == "0px"
        frame = page.frame_locator("#insysteme-chat iframe")
        await expect(frame.get_by_role("heading", name="Mission Locale de Test")).to_be_visible()
        await frame.get_by_text("Tu veux quoi ?").wait_for()
        await frame.get_by_role("button", name="Quiz").click()
        await frame.get_by_text("Ton prénom ?").wait_for()
        await frame.get_by_label("Ton message").fill("Léa")
        await frame.get_by_label("Ton message").press("Enter")
        await frame.get_by_text("Oui ou non ?").wait_for()

        # another page of the site: the widget opens again on the same conversation
        await page.click("text=Page deux")
        await expect(page).to_have_title("Nos actions")
        frame = page.frame_locator("#insysteme-chat iframe")
        await frame.get_by_text("Oui ou non ?").wait_for()
        await expect(frame.locator(".msg.jeune", has_text="Léa")).to_have_count(1)
        await frame.get_by_label("Ton message").fill("oui")
        await frame.get_by_label("Ton message").press("Enter")
        await frame.get_by_text("Tu as dit oui, Léa.").wait_for()

        # closing from inside the frame gives the focus back to the bubble
        await frame.get_by_role("button", name="Fermer le chat").click()
        await expect(page.locator("#insysteme-chat iframe")).to_be_hidden()
        assert await page.evaluate(
            "document.getElementById('insysteme-chat').shadowRoot.activeElement?.className") \
            == "bubble"
        assert errors == []
        await browser.close()


@pytest.mark.browser
async def test_widget_is_full_screen_on_a_phone_and_axe_clean_in_both_themes(chat, host_site):
    from playwright.async_api import async_playwright, expect
    async with async_playwright() as p:
        browser = await launch(p)
        for scheme in ("light", "dark"):
            context = await browser.new_context(viewport=PHONE, color_scheme=scheme,
                                                has_touch=True, is_mobile=True)
            page = await context.new_page()
            page.set_default_timeout(GUARD_MS)
            await page.goto(f"{host_site}/")
            bubble = page.get_by_role("button", name="Discuter avec la Mission Locale")
            box = await bubble.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44
            assert await axe_serious(page) == [], scheme
            await bubble.click()
            frame = page.frame_locator("#insysteme-chat iframe")
            await frame.get_by_text("Tu veux quoi ?").wait_for()
            panel = await page.locator("#insysteme-chat iframe").bounding_box()
            assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 390, 844)
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            close = frame.get_by_role("button", name="Fermer le chat")
            await expect(close).to_be_visible()
            frame_page = page.frames[1]
            assert await axe_serious(page) == [], scheme
            assert await axe_serious(frame_page) == [], scheme
            await context.close()
        await browser.close()


# --- /chat itself ------------------------------------------------------------------------------
@pytest.mark.browser
async def test_crisis_reply_stands_out_with_tel_and_sms_links(chat):
    from playwright.async_api import async_playwright, expect
    base, _, _ = chat
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        page.set_default_timeout(GUARD_MS)
        await page.goto(f"{base}/chat")
        await page.get_by_text("Tu veux quoi ?").wait_for()
        await page.fill("#text", "je veux mourir")
        await page.keyboard.press("Enter")
        # the crisis answer (and the "are you safe?" that follows it, also a crisis reply)
        await expect(page.locator(".msg.crisis").first).to_be_visible()
        crisis = page.locator(".msg.crisis", has_text="3114").first
        await expect(crisis).to_contain_text("3114")
        # it stands out: a border and a flag, unlike an ordinary bubble
        assert await crisis.evaluate("d => getComputedStyle(d).borderTopWidth") == "2px"
        await expect(crisis.locator(".flag")).to_be_visible()
        # read first: an assertive live region carries it (the log itself is polite)
        await expect(page.locator("[aria-live=assertive]")).to_contain_text("3114")
        assert await page.locator("#log").get_attribute("aria-live") == "polite"
        # numbers are links: tel: to call, sms: for the 114; no false link on "24h/24"
        call = crisis.get_by_role("link", name="Appeler le 3114").first
        assert await call.get_attribute("href") == "tel:3114"
        sms = crisis.get_by_role("link", name="Envoyer un SMS au 114")
        if await sms.count():
            assert await sms.first.get_attribute("href") == "sms:114"
        assert await crisis.locator('a[href="tel:24"]').count() == 0
        big = crisis.locator(".calls a", has_text="Appeler le 3114")
        box = await big.bounding_box()
        assert box["height"] >= 44
        # the link works: a real anchor whose click is not cancelled, handed to the phone app
        await page.evaluate("""() => { window.__tel = null;
            window.addEventListener('click', e => { const a = e.target.closest('a');
              window.__tel = a && !e.defaultPrevented ? a.href : null; e.preventDefault(); }); }""")
        await big.click()
        assert await page.evaluate("window.__tel") == "tel:3114"
        await browser.close()


@pytest.mark.browser
async def test_typing_indicator_and_past_buttons_collapsed_with_the_choice(chat):
    from playwright.async_api import async_playwright, expect
    base, _, _ = chat
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        page.set_default_timeout(GUARD_MS)
        await page.goto(f"{base}/chat")
        await page.get_by_text("Tu veux quoi ?").wait_for()
        release = asyncio.Event()

        async def slow(route):
            if route.request.method == "POST":
                await release.wait()       # the reply is "being prepared" until we let it go
            await route.continue_()
        await page.route("**/chat/api/messages*", slow)
        await page.get_by_role("button", name="Quiz").click()
        await expect(page.locator(".typing")).to_be_visible()
        await expect(page.locator(".typing")).to_contain_text("écrit")
        release.set()
        await page.get_by_text("Ton prénom ?").wait_for()
        await expect(page.locator(".typing")).to_have_count(0)
        # the answered row is collapsed: no button left, the choice shown
        done = page.locator(".buttons.done")
        await expect(done).to_have_count(1)
        await expect(done.locator(".chosen")).to_have_text("Ton choix : ✓ Quiz")
        await expect(page.get_by_role("button", name="Quiz")).to_have_count(0)
        # after a reload, the same (the choice is read back from the history)
        await page.unroute("**/chat/api/messages*")
        await page.reload()
        await page.get_by_text("Ton prénom ?").wait_for()
        await expect(page.locator(".buttons.done .chosen")).to_have_text("Ton choix : ✓ Quiz")
        await browser.close()


@pytest.mark.browser
async def test_messages_typed_offline_are_sent_on_reconnect_in_order_once(chat):
    from playwright.async_api import async_playwright, expect
    base, engine, services = chat
    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        page.set_default_timeout(GUARD_MS)
        await page.goto(f"{base}/chat")
        await page.get_by_role("button", name="Quiz").click()
        await page.get_by_text("Ton prénom ?").wait_for()
        await context.set_offline(True)
        for text in ("Léa", "oui"):
            await page.fill("#text", text)
            await page.keyboard.press("Enter")
        # kept on screen, marked as waiting, and in the page's outbox
        await expect(page.locator(".msg.jeune.pending")).to_have_count(2)
        await expect(page.locator("#status")).to_contain_text("connexion")
        await page.wait_for_timeout(1500)        # a retry or two fail meanwhile
        await context.set_offline(False)
        # in order: "Léa" answered the first name, "oui" the yes/no question
        await page.get_by_text("Tu as dit oui, Léa.").wait_for()
        await expect(page.locator(".msg.jeune.pending")).to_have_count(0)
        await expect(page.locator(".msg.jeune", has_text="Léa")).to_have_count(1)
        await expect(page.locator(".msg.bot", has_text="Oui ou non ?")).to_have_count(1)
        # once: the server received each message once
        session = await page.evaluate("localStorage.getItem('insysteme.session')")
        box = await services.state.mailbox_read(f"mbox:web:{session}", 0)
        said = [item["text"] for _, item in box if item["from"] == "jeune"]
        assert said == ["Quiz", "Léa", "oui"]
        assert [i["text"] for _, i in box].count("Tu as dit oui, Léa.") == 1
        assert await page.evaluate(f"localStorage.getItem('insysteme.outbox.{session}')") == "[]"
        await browser.close()


@pytest.mark.browser
async def test_dark_mode_branding_favicon_zoom_and_axe_on_chat(chat):
    from playwright.async_api import async_playwright, expect
    base, _, _ = chat
    async with async_playwright() as p:
        browser = await launch(p)
        for scheme, background in (("light", "rgb(244, 246, 248)"), ("dark", "rgb(17, 21, 27)")):
            context = await browser.new_context(viewport=PHONE, color_scheme=scheme)
            page = await context.new_page()
            page.set_default_timeout(GUARD_MS)
            missing = []
            page.on("response", lambda r: r.status >= 400 and missing.append(r.url))
            await page.goto(f"{base}/chat?ml=ml-test")
            await page.get_by_text("Tu veux quoi ?").wait_for()
            assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == background
            # the Mission Locale's name, colours, logo and privacy link
            await expect(page.get_by_role("heading", name="Mission Locale de Test")).to_be_visible()
            assert await page.evaluate(
                "getComputedStyle(document.querySelector('header.top')).backgroundColor") \
                == "rgb(138, 21, 56)"
            assert await page.get_by_role("link", name="Tes données").get_attribute("href") \
                == "https://ml-test.example/confidentialite"
            assert await page.locator("header img").evaluate("i => i.naturalWidth") > 0
            # keyboard only: Tab from the text field reaches the answer buttons, Enter presses one
            await page.focus("#text")
            for _ in range(12):
                await page.keyboard.press("Shift+Tab")
                if await page.evaluate("document.activeElement.textContent") == "Quiz":
                    break
            await page.keyboard.press("Enter")
            await page.get_by_text("Ton prénom ?").wait_for()
            await page.fill("#text", "je veux mourir")          # a crisis bubble in the check too
            await page.keyboard.press("Enter")
            await expect(page.locator(".msg.crisis", has_text="3114")).to_have_count(1)
            assert await axe_serious(page) == [], scheme
            # zoom 200 %: a 640 px desktop window seen as 320 CSS px wide, nothing cut off
            await page.set_viewport_size({"width": 320, "height": 422})
            assert await page.evaluate("document.documentElement.scrollWidth") <= 320
            await expect(page.get_by_role("button", name="Envoyer")).to_be_in_viewport()
            assert missing == [], missing
            await context.close()
        # the favicon, also where browsers look by themselves
        async with aiohttp.ClientSession() as http:
            for path in ("/favicon.ico", "/chat/favicon.svg", "/chat/widget.js",
                         "/chat/logo/ml-test", "/chat/confidentialite"):
                r = await http.get(base + path)
                assert r.status == 200, path
        await browser.close()


# --- the booking's .ics ------------------------------------------------------------------------
@pytest.mark.browser
async def test_booking_ics_is_downloadable_by_that_conversation_only(tmp_path):
    from playwright.async_api import async_playwright, expect
    clock = FixedClock(datetime(2026, 10, 20, 19, 0, tzinfo=PARIS))     # a Tuesday evening
    runner, base, engine, services = await start_chat(tmp_path, clock, config=full_config())
    try:
        async with async_playwright() as p:
            browser = await launch(p)
            context = await browser.new_context(viewport=PHONE, accept_downloads=True)
            page = await context.new_page()
            page.set_default_timeout(GUARD_MS)
            await page.goto(f"{base}/chat")
            await page.locator(".msg.bot").first.wait_for()
            for text, wait in (("je veux un rendez-vous", "commune"), ("33000", "libre"),
                               ("le 26 octobre vers 14h", "voici ce qui est libre")):
                await page.fill("#text", text)
                await page.keyboard.press("Enter")
                await page.locator(".msg.bot", has_text=wait).last.wait_for()
            await page.locator(".buttons:not(.done) button").first.click()
            link = page.get_by_role("link", name="rendez-vous-mission-locale.ics")
            await expect(link).to_be_visible()
            async with page.expect_download() as info:
                await link.click()
            download = await info.value
            assert download.suggested_filename == "rendez-vous-mission-locale.ics"
            ics = (await download.path()).read_text()
            assert "BEGIN:VCALENDAR" in ics and "DTSTART;TZID=Europe/Paris:20261026T14" in ics
            url = await link.get_attribute("href")
            await browser.close()
        async with aiohttp.ClientSession() as http:
            r = await http.get(base + url)
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/calendar")
            assert "attachment" in r.headers["Content-Disposition"]
            # another conversation, or a guessed id, gets nothing
            other = url.split("?")[0] + "?session=someoneelse0000000000"
            assert (await http.get(base + other)).status == 404
            guessed = base + "/chat/api/files/" + "A" * 24 + "?" + url.split("?")[1]
            assert (await http.get(guessed)).status == 404
    finally:
        await runner.cleanup()
        await services.close()
