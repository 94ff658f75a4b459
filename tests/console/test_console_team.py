"""The console as a team uses it, over real HTTP on a real server: an inbox that scales (search,
paging, preview, readable names), transcripts as a person reads them, every read audited, the
journal of a Mission Locale's data-protection officer with its CSV, accounts (password change
and reset, enable, TOTP), and response-time figures."""
from __future__ import annotations

import csv
import io

import pyotp
import pytest

from bot.console.accounts import AccountStore
from bot.console.tables import totp as totp_table
from bot.messages import Incoming
from tests.console.test_console_support import (
    PASSWORD, add_accounts, client, csrf_of, login, page_csrf, start_server,
)
from sqlalchemy import select


@pytest.fixture
async def server(tmp_path, clock, database_url):
    s = await start_server(tmp_path, clock, database_url=database_url)
    s.accounts = await add_accounts(s)
    yield s
    await s.close()


async def jeune(server, address: str, ml: str, first_name: str | None = None,
                commune: str | None = None, say: str = "bonjour") -> str:
    jeune_id = server.engine.jeune_id("web", address)
    await server.services.records.update_profile(jeune_id, mission_locale=ml, consent=True,
                                                 first_name=first_name, commune_nom=commune)
    await server.services.records.link_address(jeune_id, "web", address)
    await server.engine.handle(Incoming("web", address, say))
    return jeune_id


async def test_inbox_search_paging_preview_and_names(server, clock):
    ids = []
    for i in range(55):
        clock.advance(minutes=1)
        ids.append(await jeune(server, f"session-a-{i:015d}", "ml-a",
                               first_name=None if i % 2 else f"Prénom{i}",
                               commune="Périgueux" if i == 7 else "Agen",
                               say="je cherche un logement" if i == 11 else "bonjour"))
    other = await jeune(server, "session-b-000000000001", "ml-b", "Bilal", say="je cherche un logement")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        async with http.get(f"{server.url}/console/inbox") as r:
            page1 = await r.text()
        assert "55 conversations" in page1 and "Page 1 sur 2" in page1
        # newest first among the conversations with the bot; no "Jeune sans prénom"
        assert page1.index(ids[54]) < page1.index(ids[53])
        assert ids[0] not in page1 and ids[4] not in page1
        assert "Jeune sans prénom" not in page1
        assert f"Jeune {ids[53][2:6].upper()} · Agen" in page1
        # the last message's preview
        assert 'class="preview"' in page1
        async with http.get(f"{server.url}/console/inbox?page=2") as r:
            page2 = await r.text()
        assert ids[0] in page2 and ids[54] not in page2 and "Page 2 sur 2" in page2
        # search: commune, a word of a message, a first name; never another ML's
        async with http.get(f"{server.url}/console/inbox?q=p%C3%A9rigueux") as r:
            found = await r.text()
        assert ids[7] in found and "1 conversation" in found and ids[8] not in found
        async with http.get(f"{server.url}/console/inbox?q=logement") as r:
            found = await r.text()
        assert ids[11] in found and other not in found and "1 conversation" in found
        async with http.get(f"{server.url}/console/inbox?q=Pr%C3%A9nom10") as r:
            assert ids[10] in await r.text()
        async with http.get(f"{server.url}/console/inbox?q=100%25") as r:
            assert "0 conversation" in await r.text()
        async with http.get(f"{server.url}/console/inbox?page=zz") as r:
            assert r.status == 400


async def test_transcript_reads_as_a_person_reads_it_and_every_read_is_audited(server):
    address = "session-a-000000000077"
    jeune_id = await jeune(server, address, "ml-a", "Léa")
    records = server.services.records
    await server.engine.handle(Incoming("web", address, "", kind="button", button_value="conseiller"))
    # what the engine stores for a button, and a bubble that only introduced the next one
    clock_now = server.services.clock.now()
    await records.append_transcript(jeune_id, clock_now, "in", "jeune", "web", "[bouton] intent:rdv")
    await records.append_transcript(jeune_id, clock_now, "out", "bot", "web", "On reprend :")
    await records.append_transcript(jeune_id, clock_now, "out", "bot", "web", "Tu as quel âge ?")
    await records.append_transcript(jeune_id, clock_now, "out", "bot", "web", "")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        async with http.get(f"{server.url}/console/c/{jeune_id}") as r:
            html = await r.text()
        assert "[bouton]" not in html and "« Parler à un conseiller » (bouton)" in html
        assert "« Prendre rendez-vous » (bouton)" in html
        assert "On reprend : Tu as quel âge ?" in html
        assert '<div class="text"></div>' not in html
        async with http.get(f"{server.url}/console/c/{jeune_id}/messages?after=0") as r:
            lines = (await r.json())["messages"]
        assert all(line["text"] for line in lines)
        async with http.get(f"{server.url}/console/events?c={jeune_id}&after=0") as r:
            assert r.status == 200
            await r.content.readline()
    reads = [e["action"] for e in await server.console.audit.entries(jeune_id=jeune_id)]
    assert {"open_conversation", "read_messages", "stream_conversation"} <= set(reads)


async def test_journal_for_the_data_protection_officer_of_one_ml(server, clock):
    jeune_a = await jeune(server, "session-a-000000000001", "ml-a", "Aya")
    jeune_b = await jeune(server, "session-b-000000000001", "ml-b", "Bilal")
    for email, jid in (("camille@ml-a.fr", jeune_a), ("basile@ml-b.fr", jeune_b)):
        async with client() as http:
            await login(http, server.url, email)
            async with http.get(f"{server.url}/console/c/{jid}") as r:
                assert r.status == 200
    await AccountStore(server.services.records.engine).add(
        "dpo@ml-a.fr", "Dana", "dpo", "ml-a", PASSWORD, clock.now())
    async with client() as http:
        await login(http, server.url, "dpo@ml-a.fr")
        async with http.get(f"{server.url}/console/journal") as r:
            html = await r.text()
        assert r.status == 200 and jeune_a in html and jeune_b not in html
        async with http.get(f"{server.url}/console/journal?ml=ml-b") as r:
            assert r.status == 403
        for url in (f"/console/c/{jeune_a}", "/console/inbox"):
            async with http.get(server.url + url, allow_redirects=False) as r:
                assert r.status == 403      # the DPO reads the journal, not the conversations
        async with http.get(f"{server.url}/console/journal?from=2026-11-24&to=2026-11-24"
                            f"&action=open_conversation") as r:
            html = await r.text()
        assert "1 entrée" in html and jeune_a in html
        async with http.get(f"{server.url}/console/journal?from=2026-11-25") as r:
            assert "0 entrée" in await r.text()
        async with http.get(f"{server.url}/console/journal.csv?action=open_conversation") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in r.headers["Content-Disposition"]
            body = (await r.read()).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body), delimiter=";"))
        assert rows[0][0] == "date (heure de Paris)"
        assert [(row[1], row[2], row[3], row[4]) for row in rows[1:]] == [
            ("camille@ml-a.fr", "open_conversation", jeune_a, "ml-a")]
        assert rows[1][0] == "2026-11-24 22:30:00"
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")     # a référent: no journal
        async with http.get(f"{server.url}/console/journal", allow_redirects=False) as r:
            assert r.status == 403
    exports = await server.console.audit.entries(action="export_journal")
    assert len(exports) == 1 and exports[0]["mission_locale"] == "ml-a"


async def test_password_change_reset_enable_and_totp(server, clock):
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        csrf = await page_csrf(http, f"{server.url}/console/compte")
        async with http.post(f"{server.url}/console/compte/mot-de-passe", data={
                "csrf": csrf, "current": "pas le bon", "new": "nouveau secret 1",
                "again": "nouveau secret 1"}, allow_redirects=False) as r:
            assert r.headers["Location"].endswith("err=bad_current")
        async with http.post(f"{server.url}/console/compte/mot-de-passe", data={
                "csrf": csrf, "current": PASSWORD, "new": "nouveau secret 1",
                "again": "nouveau secret 1"}, allow_redirects=False) as r:
            assert r.headers["Location"].endswith("ok=password")
        # still logged in here (a fresh session), with the new password from now on
        csrf = await page_csrf(http, f"{server.url}/console/compte")
        # turn on the second factor
        async with http.post(f"{server.url}/console/compte/totp", data={"csrf": csrf},
                             allow_redirects=False) as r:
            assert r.status == 303
        async with http.get(f"{server.url}/console/compte") as r:
            html = await r.text()
        assert "otpauth://totp/" in html
        async with server.services.records.engine.connect() as conn:
            secret = (await conn.execute(select(totp_table.c.secret))).scalar_one()
        otp = pyotp.TOTP(secret)
        now = clock.now()
        async with http.post(f"{server.url}/console/compte/totp/confirmer", data={
                "csrf": csrf, "code": "000000" if otp.at(now) != "000000" else "111111"},
                allow_redirects=False) as r:
            assert r.headers["Location"].endswith("err=totp_bad")
        async with http.post(f"{server.url}/console/compte/totp/confirmer", data={
                "csrf": csrf, "code": otp.at(now)}, allow_redirects=False) as r:
            assert r.headers["Location"].endswith("ok=totp_on")
    assert (await login(client_ := client(), server.url, "camille@ml-a.fr", PASSWORD)).status == 401
    await client_.close()
    async with client() as http:
        # the right password without the code: refused; with a fresh code: in
        r = await login(http, server.url, "camille@ml-a.fr", "nouveau secret 1")
        assert r.status == 401 and "Code de l'application" in await r.text()
        clock.advance(seconds=30)
        code = pyotp.TOTP(secret).at(clock.now())
        async with http.get(f"{server.url}/console/login") as page:
            token = csrf_of(await page.text())
        r = await http.post(f"{server.url}/console/login", data={
            "email": "camille@ml-a.fr", "password": "nouveau secret 1", "code": code,
            "csrf": token, "next": "/console/"}, allow_redirects=False)
        assert r.status == 303
        # the same code a second time is refused (replay)
    async with client() as http:
        async with http.get(f"{server.url}/console/login") as page:
            token = csrf_of(await page.text())
        r = await http.post(f"{server.url}/console/login", data={
            "email": "camille@ml-a.fr", "password": "nouveau secret 1", "code": code,
            "csrf": token}, allow_redirects=False)
        assert r.status == 401
    # an admin resets Basile's password, disables and enables him
    basile = server.accounts["b"]
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")
        csrf = await page_csrf(http, f"{server.url}/console/comptes")
        async with http.post(f"{server.url}/console/comptes/{basile.id}/mot-de-passe",
                             data={"csrf": csrf, "password": "réinitialisé 2026"},
                             allow_redirects=False) as r:
            assert r.headers["Location"].endswith("ok=reset")
        async with http.post(f"{server.url}/console/comptes/{basile.id}/desactiver",
                             data={"csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 303
    async with client() as http:
        assert (await login(http, server.url, "basile@ml-b.fr", "réinitialisé 2026")).status == 401
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")
        csrf = await page_csrf(http, f"{server.url}/console/comptes")
        async with http.post(f"{server.url}/console/comptes/{basile.id}/activer",
                             data={"csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 303
    async with client() as http:
        assert (await login(http, server.url, "basile@ml-b.fr", "réinitialisé 2026")).status == 303
        csrf = await page_csrf(http, f"{server.url}/console/inbox")
        async with http.post(f"{server.url}/console/comptes/{basile.id}/activer",
                             data={"csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 403          # admins only
    actions = {e["action"] for e in await server.console.audit.entries()}
    assert {"password_changed", "totp_enabled", "password_reset", "account_disabled",
            "account_enabled"} <= actions


async def test_response_times_per_ml_on_the_dashboard(server, clock):
    answered = await jeune(server, "session-a-000000000001", "ml-a", "Aya")
    await server.engine.handle(Incoming("web", "session-a-000000000001", "", kind="button",
                                        button_value="conseiller"))
    waiting = await jeune(server, "session-a-000000000002", "ml-a", "Inès")
    await server.engine.handle(Incoming("web", "session-a-000000000002", "", kind="button",
                                        button_value="conseiller"))
    clock.advance(minutes=12)
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        csrf = await page_csrf(http, f"{server.url}/console/c/{answered}")
        async with http.post(f"{server.url}/console/c/{answered}/take", data={"csrf": csrf},
                             allow_redirects=False) as r:
            assert r.status == 303
        clock.advance(minutes=8)
        async with http.get(f"{server.url}/console/tableau-de-bord") as r:
            html = await r.text()
    section = html[html.index('id="response-times"'):html.index('id="report"')]
    row = section[section.index('data-ml="ml-a"'):]
    row = row[:row.index("</tr>")]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[:7] == ["Mission Locale A", "2", "1", "12 min", "12 min", "1", "20 min"], cells
    assert waiting  # still waiting: the longest wait so far


async def test_admins_must_turn_on_the_second_factor_when_configured(tmp_path, clock):
    import dataclasses
    from bot.console.config import ConsoleConfig
    from tests.console.test_console_support import console_config
    config = console_config()
    config = dataclasses.replace(config, extra={**config.extra,
                                                "console": ConsoleConfig(totp="admins")})
    s = await start_server(tmp_path, clock, config=config)
    try:
        await add_accounts(s)
        async with client() as http:
            await login(http, s.url, "sam@arml.fr")
            async with http.get(f"{s.url}/console/inbox", allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/console/compte?err=totp_required"
            async with http.get(f"{s.url}/console/inbox") as r:     # followed
                assert r.status == 200 and "double authentification avant tout" in await r.text()
        async with client() as http:            # a référent is not forced
            await login(http, s.url, "camille@ml-a.fr")
            async with http.get(f"{s.url}/console/inbox", allow_redirects=False) as r:
                assert r.status == 200
    finally:
        await s.close()
