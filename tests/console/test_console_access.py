"""Console access control over real HTTP (a real server, real stores, SQLite and PostgreSQL):
login required everywhere, Mission Locale isolation, roles, CSRF, lockout, sessions, audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web

from bot.console.accounts import AccountStore
from bot.console.tables import audit as audit_table
from bot.messages import Incoming
from tests.console.test_console_support import (
    PASSWORD, add_accounts, client, csrf_of, login, page_csrf, start_server,
)

PUBLIC = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/static/{name}")}


@pytest.fixture
async def server(tmp_path, clock, database_url):
    s = await start_server(tmp_path, clock, database_url=database_url)
    s.accounts = await add_accounts(s)
    yield s
    await s.close()


async def waiting_jeune(server, address: str, ml: str, first_name: str = "Léa") -> str:
    """A jeune of `ml` who asked for a person (through the engine, as the web chat does)."""
    engine, records = server.engine, server.services.records
    jeune_id = engine.jeune_id("web", address)
    await records.update_profile(jeune_id, mission_locale=ml, consent=True, first_name=first_name)
    await records.link_address(jeune_id, "web", address)
    await engine.handle(Incoming("web", address, "bonjour"))
    await engine.handle(Incoming("web", address, "", kind="button", button_value="conseiller"))
    assert (await server.services.conversations.get(jeune_id))["status"] == "waiting"
    return jeune_id


def console_routes(app: web.Application) -> list[tuple[str, str]]:
    """Every (method, path pattern) of the console sub-application, plus /console itself."""
    out = [("GET", "/console")]
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            for route in resource.get_info()["app"].router.routes():
                if route.method != "HEAD":
                    out.append((route.method, route.resource.canonical))
    return out


def fill(pattern: str, jeune_id: str) -> str:
    return (pattern.replace("{jeune_id}", jeune_id).replace("{name}", "console.css")
            .replace("{account_id}", "1"))


async def test_every_route_needs_a_session(server):
    jeune_b = await waiting_jeune(server, "session-b-000000001", "ml-b")
    routes = console_routes(server.app)
    assert len(routes) >= 18, routes
    checked = 0
    async with client() as http:
        for method, pattern in routes:
            if (method, pattern) in PUBLIC:
                continue
            url = server.url + fill(pattern, jeune_b)
            async with http.request(method, url, data={"text": "x", "outcome": "sans_suite"},
                                    allow_redirects=False) as r:
                assert r.status == 303, (method, pattern, r.status)
                assert r.headers["Location"].startswith("/console/login"), (method, pattern)
                checked += 1
        async with http.get(server.url + "/console/static/console.js") as r:
            assert r.status == 200
    assert checked == len(routes) - len(PUBLIC)
    # nothing happened to the conversation
    assert (await server.services.conversations.get(jeune_b))["status"] == "waiting"


async def test_referent_of_a_gets_nothing_of_b(server):
    jeune_a = await waiting_jeune(server, "session-a-000000001", "ml-a", "Aya")
    jeune_b = await waiting_jeune(server, "session-b-000000001", "ml-b", "Bilal")
    before = await server.services.records.transcript(jeune_b)
    async with client() as http:
        r = await login(http, server.url, "camille@ml-a.fr")
        assert r.status == 303
        csrf = await page_csrf(http, f"{server.url}/console/inbox")
        async with http.get(f"{server.url}/console/inbox") as r:
            html = await r.text()
        assert jeune_a in html and "Aya" in html
        assert jeune_b not in html and "Bilal" not in html
        async with http.get(f"{server.url}/console/inbox/rows") as r:
            rows = await r.text()
        assert jeune_a in rows and jeune_b not in rows
        for method, pattern in console_routes(server.app):
            if "{jeune_id}" not in pattern:
                continue
            url = server.url + fill(pattern, jeune_b)
            async with http.request(method, url, allow_redirects=False, data={
                    "csrf": csrf, "text": "coucou", "outcome": "sans_suite"}) as r:
                assert r.status in (403, 404), (method, pattern, r.status)
        async with http.get(f"{server.url}/console/events?c={jeune_b}") as r:
            assert r.status == 404
        for url in ("/console/inbox?ml=ml-b", "/console/inbox/rows?ml=ml-b",
                    "/console/tableau-de-bord?ml=ml-b", "/console/tableau-de-bord/rapport?ml=ml-b",
                    "/console/journal"):
            async with http.get(server.url + url, allow_redirects=False) as r:
                assert r.status == 403, (url, r.status)
        # an id that does not exist looks the same as another ML's
        async with http.get(f"{server.url}/console/c/j_000000000000000000000000") as r:
            assert r.status == 404
        async with http.get(f"{server.url}/console/c/..%2Fetc") as r:
            assert r.status == 404
        # their own: fine
        async with http.get(f"{server.url}/console/c/{jeune_a}") as r:
            assert r.status == 200 and "Aya" in await r.text()
    conv_b = await server.services.conversations.get(jeune_b)
    assert conv_b["status"] == "waiting" and conv_b["assigned_to"] is None
    assert await server.services.records.transcript(jeune_b) == before
    assert await server.console.notes.of(jeune_b) == []
    opened = await server.console.audit.entries(action="open_conversation")
    assert [e["jeune_id"] for e in opened] == [jeune_a]


async def test_admin_sees_every_ml_and_communication_no_conversation(server):
    jeune_a = await waiting_jeune(server, "session-a-000000001", "ml-a", "Aya")
    jeune_b = await waiting_jeune(server, "session-b-000000001", "ml-b", "Bilal")
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")
        async with http.get(f"{server.url}/console/inbox") as r:
            html = await r.text()
        assert jeune_a in html and jeune_b in html
        async with http.get(f"{server.url}/console/inbox?ml=ml-b") as r:
            html = await r.text()
        assert jeune_b in html and jeune_a not in html
        for jid in (jeune_a, jeune_b):
            async with http.get(f"{server.url}/console/c/{jid}") as r:
                assert r.status == 200
        async with http.get(f"{server.url}/console/journal") as r:
            assert r.status == 200 and "open_conversation" in await r.text()
        async with http.get(f"{server.url}/console/inbox?status=nimporte") as r:
            assert r.status == 400 and "Statut inconnu" in await r.text()
    async with client() as http:
        await login(http, server.url, "charlie@arml.fr")
        async with http.get(f"{server.url}/console/", allow_redirects=False) as r:
            assert r.headers["Location"] == "/console/tableau-de-bord"
        for url in ("/console/inbox", "/console/inbox/rows", f"/console/c/{jeune_a}",
                    f"/console/c/{jeune_a}/messages", f"/console/events?c={jeune_a}"):
            async with http.get(server.url + url, allow_redirects=False) as r:
                assert r.status == 403, (url, r.status)
        async with http.get(f"{server.url}/console/tableau-de-bord?from=2026-11-01&to=2026-11-30") as r:
            assert r.status == 200
        async with http.get(f"{server.url}/console/tableau-de-bord?from=demain") as r:
            assert r.status == 400 and "AAAA-MM-JJ" in await r.text()


async def test_forged_csrf_is_refused(server):
    jeune_a = await waiting_jeune(server, "session-a-000000001", "ml-a")
    before = await server.services.records.transcript(jeune_a)
    async with client() as other:
        await login(other, server.url, "basile@ml-b.fr")
        others_token = await page_csrf(other, f"{server.url}/console/inbox")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        good = await page_csrf(http, f"{server.url}/console/c/{jeune_a}")
        for token in (None, "", "forged" + good[6:], others_token, good + "x"):
            data = {"text": "coucou"}
            if token is not None:
                data["csrf"] = token
            for action in ("reply", "take", "note", "hand-back"):
                async with http.post(f"{server.url}/console/c/{jeune_a}/{action}", data=data,
                                     allow_redirects=False) as r:
                    assert r.status == 403, (token, action, r.status)
            async with http.post(f"{server.url}/console/logout", data=data,
                                 allow_redirects=False) as r:
                assert r.status == 403
        # the header form, for scripts, is checked the same way
        async with http.post(f"{server.url}/console/c/{jeune_a}/take",
                             headers={"X-CSRF-Token": "nope"}, allow_redirects=False) as r:
            assert r.status == 403
        # another site's form is refused even with the right token
        async with http.post(f"{server.url}/console/c/{jeune_a}/take", data={"csrf": good},
                             headers={"Origin": "https://evil.example"}, allow_redirects=False) as r:
            assert r.status == 403
        assert await server.services.records.transcript(jeune_a) == before
        assert (await server.services.conversations.get(jeune_a))["status"] == "waiting"
        # and the real token works
        async with http.post(f"{server.url}/console/c/{jeune_a}/take", data={"csrf": good},
                             allow_redirects=False) as r:
            assert r.status == 303
    assert (await server.services.conversations.get(jeune_a))["status"] == "taken"
    # the login form has its own token
    async with client() as http:
        async with http.get(f"{server.url}/console/login") as r:
            csrf_of(await r.text())
        async with http.post(f"{server.url}/console/login", data={
                "email": "camille@ml-a.fr", "password": PASSWORD, "csrf": "forged"},
                allow_redirects=False) as r:
            assert r.status == 403 and "Set-Cookie" not in r.headers or \
                "insysteme_console=" not in r.headers.get("Set-Cookie", "")


async def test_guessing_is_slowed_for_that_address_only_never_locking_the_account(server, clock):
    """Five wrong passwords from one address slow *that address* for that account (30 s, then
    twice as long after each further failure); the référent, from anywhere else, logs in at
    once: a stranger cannot lock anyone out."""
    stranger = {"X-Forwarded-For": "203.0.113.5"}     # ignored (no trusted proxy): same peer
    async with client(headers=stranger) as http:
        for _ in range(5):
            r = await login(http, server.url, "camille@ml-a.fr", "wrong password")
            assert r.status == 401
        r = await login(http, server.url, "camille@ml-a.fr")     # right password, too soon
        assert r.status == 429 and "réessayez dans 31 secondes" in await r.text()
        assert "insysteme_console=" not in "".join(r.headers.getall("Set-Cookie", []))
        # the same address, another account: not slowed (one NAT, one office)
        r = await login(http, server.url, "basile@ml-b.fr")
        assert r.status == 303
        clock.advance(seconds=31)
        r = await login(http, server.url, "camille@ml-a.fr", "wrong again")
        assert r.status == 401
        r = await login(http, server.url, "camille@ml-a.fr")
        assert r.status == 429 and "réessayez dans 61 secondes" in await r.text()   # doubled
        clock.advance(seconds=61)
        r = await login(http, server.url, "camille@ml-a.fr")
        assert r.status == 303 and r.headers["Location"] == "/console/"
    locked = await server.console.audit.entries(action="login_locked")
    assert len(locked) == 2
    failed = await server.console.audit.entries(action="login_failed")
    assert len(failed) == 6 and all(e["account_email"] == "camille@ml-a.fr" for e in failed)
    # unknown e-mails count as failures too, and are told the same thing
    async with client() as http:
        r = await login(http, server.url, "nobody@nowhere.fr", "whatever123")
        assert r.status == 401 and "Adresse ou mot de passe incorrect" in await r.text()


async def test_a_stranger_elsewhere_cannot_lock_the_referent_out(tmp_path, clock):
    """Behind a trusted proxy each client counts apart: an attacker failing 40 times on
    Camille's account slows only their own tries; Camille logs in from her office at once, and
    so do her colleagues behind the same office NAT while someone there guesses."""
    import ipaddress
    from tests.console.test_console_support import console_config
    config = console_config(trusted_proxies=[ipaddress.ip_network("127.0.0.1/32")])
    s = await start_server(tmp_path, clock, config=config)
    try:
        await add_accounts(s)
        office = {"X-Forwarded-For": "198.51.100.7"}
        async with client(headers=office) as http:       # Basile has logged in from the office
            assert (await login(http, s.url, "basile@ml-b.fr")).status == 303
        async with client(headers={"X-Forwarded-For": "203.0.113.5"}) as http:
            for _ in range(40):
                assert (await login(http, s.url, "camille@ml-a.fr", "guess")).status in (401, 429)
            assert (await login(http, s.url, "camille@ml-a.fr")).status == 429
        async with client(headers={"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}) as http:
            assert (await login(http, s.url, "camille@ml-a.fr")).status == 303
        # someone in the office guesses many accounts (spraying): past 30 failures the address
        # is slowed for accounts never used from it, not for Basile, who works there
        async with client(headers=office) as http:
            for i in range(31):
                await login(http, s.url, f"nobody{i}@nowhere.fr", "guess")
            assert (await login(http, s.url, "sam@arml.fr")).status == 429
            assert (await login(http, s.url, "basile@ml-b.fr")).status == 303
        failed = await s.console.audit.entries(action="login_failed", limit=1000)
        assert {e["ip"] for e in failed} == {"203.0.113.5", "198.51.100.7"}
    finally:
        await s.close()


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(server):
    """Without trusted proxies a forged X-Forwarded-For changes nothing: the throttle still
    counts the real address, so rotating the header does not buy more attempts."""
    for i in range(5):
        async with client(headers={"X-Forwarded-For": f"192.0.2.{i}"}) as http:
            assert (await login(http, server.url, "camille@ml-a.fr", "guess")).status == 401
    async with client(headers={"X-Forwarded-For": "192.0.2.99"}) as http:
        assert (await login(http, server.url, "camille@ml-a.fr")).status == 429
    failed = await server.console.audit.entries(action="login_failed")
    assert {e["ip"] for e in failed} == {"127.0.0.1"}


async def test_sessions_cookie_rotation_expiry_logout_disable(server, clock, tmp_path):
    async with client() as http:
        r = await login(http, server.url, "camille@ml-a.fr")
        cookie = next(c for c in r.headers.getall("Set-Cookie") if c.startswith("insysteme_console="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie          # plain HTTP here (no https PUBLIC_URL)
        first = http.cookie_jar.filter_cookies(server.url + "/console/")["insysteme_console"].value
        # logging in again rotates the session: the old token is dead
        r = await login(http, server.url, "camille@ml-a.fr")
        second = http.cookie_jar.filter_cookies(server.url + "/console/")["insysteme_console"].value
        assert first != second
        assert await server.console.sessions.get(first) is None
        assert await server.console.sessions.get(second) is not None
        # idle expiry
        clock.advance(minutes=121)
        async with http.get(f"{server.url}/console/inbox", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"].startswith("/console/login")
        # logout ends it server-side
        await login(http, server.url, "camille@ml-a.fr")
        token = http.cookie_jar.filter_cookies(server.url + "/console/")["insysteme_console"].value
        csrf = await page_csrf(http, f"{server.url}/console/inbox")
        async with http.post(f"{server.url}/console/logout", data={"csrf": csrf},
                             allow_redirects=False) as r:
            assert r.status == 303
        assert await server.console.sessions.get(token) is None
        # disabling an account ends its sessions at once
        await login(http, server.url, "camille@ml-a.fr")
        await AccountStore(server.services.records.engine).disable("camille@ml-a.fr", clock.now())
        async with http.get(f"{server.url}/console/inbox", allow_redirects=False) as r:
            assert r.status == 303
        r = await login(http, server.url, "camille@ml-a.fr")
        assert r.status == 401


async def test_secure_cookie_behind_https(tmp_path, clock):
    s = await start_server(tmp_path, clock, public_url="https://insysteme.example.fr")
    try:
        await add_accounts(s)
        async with client() as http:
            # a browser sends Secure cookies over https only: here, over plain HTTP, by hand
            async with http.get(f"{s.url}/console/login") as r:
                token = csrf_of(await r.text())
                login_cookie = next(c for c in r.headers.getall("Set-Cookie")
                                    if c.startswith("insysteme_login_csrf="))
                assert "Secure" in login_cookie
            r = await http.post(f"{s.url}/console/login", data={
                "email": "camille@ml-a.fr", "password": PASSWORD, "csrf": token},
                headers={"Cookie": f"insysteme_login_csrf={token}"}, allow_redirects=False)
            assert r.status == 303
            cookies = r.headers.getall("Set-Cookie")
            session = next(c for c in cookies if c.startswith("__Secure-insysteme_console="))
            assert "Secure" in session and "HttpOnly" in session and "SameSite=Strict" in session
    finally:
        await s.close()


async def test_audit_log_records_reads_and_actions(server):
    jeune_a = await waiting_jeune(server, "session-a-000000001", "ml-a")
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        csrf = await page_csrf(http, f"{server.url}/console/c/{jeune_a}")
        for action, data in (("take", {}), ("reply", {"text": "Bonjour Léa"}),
                             ("note", {"text": "Rappeler jeudi"}),
                             ("reply", {"canned": "rdv"}), ("close", {"outcome": "rdv_pris"})):
            async with http.post(f"{server.url}/console/c/{jeune_a}/{action}",
                                 data={"csrf": csrf, **data}, allow_redirects=False) as r:
                assert r.status == 303, (action, r.status)
                assert "err=" not in r.headers["Location"], (action, r.headers["Location"])
        async with http.post(f"{server.url}/console/c/{jeune_a}/close",
                             data={"csrf": csrf, "outcome": "nimporte"}, allow_redirects=False) as r:
            assert r.headers["Location"].endswith("err=bad_outcome")
        async with http.post(f"{server.url}/console/c/{jeune_a}/reply",
                             data={"csrf": csrf, "text": "   "}, allow_redirects=False) as r:
            assert r.headers["Location"].endswith("err=empty")
    entries = await server.console.audit.entries(jeune_id=jeune_a)
    camille = server.accounts["a"]
    assert [e["action"] for e in reversed(entries)] == [
        "open_conversation", "take_over", "reply", "note", "reply", "close"]
    assert all(e["account_id"] == camille.id and e["mission_locale"] == "ml-a" for e in entries)
    assert entries[0]["detail"] == {"outcome": "rdv_pris"}
    replies = [e for e in entries if e["action"] == "reply"]
    assert replies[0]["detail"]["canned"] == "rdv" and "text" not in replies[0]["detail"]
    # what the jeune got, signed; the note stays private; the outcome feeds the report
    log = await server.services.records.transcript(jeune_a)
    sent = [x["text"] for x in log if x["author"] == "referent:Camille"]
    assert sent[1] == "Bonjour Léa" and sent[2].startswith("On peut se voir")
    assert all("Rappeler jeudi" not in x["text"] for x in log)
    assert [n["text"] for n in await server.console.notes.of(jeune_a)] == ["Rappeler jeudi"]
    outcomes = await server.services.records.list_events(kind="outcome", jeune_id=jeune_a)
    assert [e.data["outcome"] for e in outcomes] == ["rdv_pris"]
    assert (await server.services.conversations.get(jeune_a))["status"] == "closed"
    logins = await server.console.audit.entries(action="login", account_id=camille.id)
    assert len(logins) == 1
    assert await server.services.records.count(audit_table) >= 7


async def test_referents_online_for_request_human(server, clock):
    online = server.services.extra["referents_online"]
    assert not await online("ml-a") and not await online("ml-b") and not await online(None)
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        assert await online("ml-a") and not await online("ml-b") and not await online(None)
        clock.advance(minutes=4)     # past presence_minutes without a request
        assert not await online("ml-a")
        async with http.get(f"{server.url}/console/inbox") as r:
            assert r.status == 200
        assert await online("ml-a")
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")
        # an ARML admin watching the region is no promise for a Mission Locale's jeune (issue 17)
        assert not await online("ml-b") and not await online(None)
    async with client() as http:
        await login(http, server.url, "basile@ml-b.fr")
        assert await online("ml-b") and not await online(None)
    # and the jeune is told so by the bot
    clock.advance(seconds=30)
    jeune = server.engine.jeune_id("web", "session-b-000000009")
    await server.services.records.update_profile(jeune, mission_locale="ml-b", consent=True)
    await server.services.records.link_address(jeune, "web", "session-b-000000009")
    await server.engine.handle(Incoming("web", "session-b-000000009", "bonjour"))
    replies = await server.engine.handle(Incoming("web", "session-b-000000009", "", kind="button",
                                                  button_value="conseiller"))
    assert any("dans quelques minutes" in r.text for r in replies)
    clock.advance(minutes=10)
    jeune = "session-b-000000010"
    await server.services.records.update_profile(server.engine.jeune_id("web", jeune),
                                                 mission_locale="ml-b", consent=True)
    await server.engine.handle(Incoming("web", jeune, "bonjour"))
    replies = await server.engine.handle(Incoming("web", jeune, "", kind="button",
                                                  button_value="conseiller"))
    assert any("en ce moment" in r.text for r in replies)      # honest: open now, or when it opens
    assert not any("dans quelques minutes" in r.text for r in replies)


async def test_accounts_store_refuses_bad_values(server, clock):
    store = AccountStore(server.services.records.engine)
    from bot.console.accounts import AccountError
    bad = [("pas-un-email", "Léa", "referent", "ml-a", PASSWORD),
           ("x@y.fr", "", "referent", "ml-a", PASSWORD),
           ("x@y.fr", "Léa", "referent", None, PASSWORD),
           ("x@y.fr", "Léa", "admin", "ml-a", PASSWORD),
           ("x@y.fr", "Léa", "chef", None, PASSWORD),
           ("x@y.fr", "Léa", "referent", "ml-a", "court"),
           ("CAMILLE@ml-a.fr", "Camille", "referent", "ml-a", PASSWORD)]
    for args in bad:
        with pytest.raises(AccountError):
            await store.add(*args, now=clock.now(), known_mls={"ml-a", "ml-b"})
    with pytest.raises(AccountError):
        await store.add("z@y.fr", "Zoé", "referent", "ml-z", PASSWORD, clock.now(),
                        known_mls={"ml-a", "ml-b"})
    assert await store.verify("Camille@ML-A.fr ", PASSWORD) is not None
    assert await store.verify("camille@ml-a.fr", PASSWORD + "x") is None
    stored = (await store.list())
    assert all("password_hash" not in row for row in stored)
    assert len(stored) == 4


def test_session_touch_interval_is_shorter_than_presence():
    from bot.console.config import ConsoleConfig
    from bot.console.sessions import TOUCH_EVERY
    assert TOUCH_EVERY < timedelta(minutes=ConsoleConfig().presence_minutes)


async def test_erasure_removes_private_notes(server):
    jeune_a = await waiting_jeune(server, "session-a-000000001", "ml-a")
    await server.console.notes.add(jeune_a, server.accounts["a"], "Vit chez sa tante")
    assert len(await server.console.notes.of(jeune_a)) == 1
    await server.engine.forget(jeune_a)
    assert await server.console.notes.of(jeune_a) == []
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        async with http.get(f"{server.url}/console/c/{jeune_a}") as r:
            assert r.status == 404


@pytest.mark.parametrize("peer, header, expected", [
    ("10.0.0.2", "203.0.113.5", "203.0.113.5"),                    # through the proxy
    ("::ffff:10.0.0.2", "203.0.113.5", "203.0.113.5"),             # dual-stack socket
    ("10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),          # two proxies of ours
    ("10.0.0.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),      # the left part is the client's say
    ("10.0.0.2", "not-an-address", "10.0.0.2"),
    ("10.0.0.2", None, "10.0.0.2"),
    ("192.0.2.7", "203.0.113.5", "192.0.2.7"),                     # not a proxy of ours: ignored
])
def test_client_address_behind_trusted_proxies(peer, header, expected):
    import ipaddress
    from unittest.mock import Mock

    from aiohttp.test_utils import make_mocked_request

    from bot.app.web import client_address
    transport = Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default)
    headers = {"X-Forwarded-For": header} if header else {}
    request = make_mocked_request("GET", "/console/login", headers=headers, transport=transport)
    assert client_address(request, [ipaddress.ip_network("10.0.0.0/8")]) == expected
