"""On-call and escalation, for real: a crisis from a jeune who came through Mission Locale A's QR
code (no commune yet) reaches A's team (its Telegram group through the real Telegram client on
the fake Bot API, its addresses and the person on duty by SMTP to a real local server, A's
console), and when nobody takes it the next person is alerted, then the region."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import PARIS
from bot.console.config import load_console_config
from bot.console.oncall import OnCall
from bot.messages import Incoming
from bot.yamlconf import ConfigError
from tests.console.night_support import GROUP_A, GROUP_REGION, QR_CODE, night_server
from tests.console.test_console_support import add_accounts, client, login, page_csrf
from tests.fakes.smtp_server import FakeSmtp
from tests.fakes.telegram_api import FakeBotAPI

GUARD = 15.0
ADDRESS = "webjeune-qr-0000000001"


def test_rota_covers_the_night_across_midnight_and_the_chain_ends_with_the_region():
    on_call = OnCall.model_validate({
        "teams": {"ml-a": {"emails": ["equipe@ml-a.fr"], "rota": [
            {"who": "camille@ml-a.fr", "days": ["mar"], "from": "18:00", "to": "02:00"},
            {"who": "dominique@ml-a.fr", "days": ["lun", "mar", "mer", "jeu", "ven"],
             "from": "09:00", "to": "17:30"}]}},
        "regional": {"emails": ["astreinte@arml.fr"], "rota": [{"who": "sam@arml.fr"}]}})
    tuesday_night = datetime(2026, 11, 24, 23, 0, tzinfo=PARIS)
    wednesday_small_hours = datetime(2026, 11, 25, 1, 30, tzinfo=PARIS)
    wednesday_night = datetime(2026, 11, 25, 23, 0, tzinfo=PARIS)
    wednesday_day = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)
    team = on_call.teams["ml-a"]
    assert [s.who for s in team.on_duty(tuesday_night)] == ["camille@ml-a.fr"]
    assert [s.who for s in team.on_duty(wednesday_small_hours)] == ["camille@ml-a.fr"]
    assert team.on_duty(wednesday_night) == []
    assert [s.who for s in team.on_duty(wednesday_day)] == ["dominique@ml-a.fr"]
    chain = on_call.chain("ml-a", tuesday_night)
    assert [t.emails for t in chain] == [("equipe@ml-a.fr", "camille@ml-a.fr"), ("sam@arml.fr",),
                                         ("astreinte@arml.fr",)]
    # nobody of A on duty: the team's address and the region's person on duty at once
    assert [t.emails for t in on_call.chain("ml-a", wednesday_night)] == [
        ("equipe@ml-a.fr", "sam@arml.fr"), ("astreinte@arml.fr",)]
    # a jeune with no Mission Locale at all: the region from the first step
    assert on_call.chain(None, tuesday_night)[0].emails == ("astreinte@arml.fr", "sam@arml.fr")


def test_on_call_problems_come_with_their_line(tmp_path):
    path = tmp_path / "console.yml"
    path.write_text("on_call:\n"
                    "  teams:\n"
                    "    ml-nulle-part:\n"                      # line 3: unknown ML
                    "      emails: [equipe@ml.fr]\n"
                    "    ml-a:\n"
                    "      rota:\n"
                    "        - {who: pas-une-adresse}\n",       # line 7: not an address
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_console_config(path, ["ml-a"])
    problems = err.value.problems
    assert any(p.startswith(f"{path}:7:") and "e-mail" in p for p in problems), problems
    path.write_text("on_call:\n  teams:\n    ml-nulle-part:\n      emails: [equipe@ml.fr]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_console_config(path, ["ml-a"])
    assert err.value.problems == [f"{path}:3: on_call.teams: no Mission Locale 'ml-nulle-part' "
                                  "in missions_locales.yml"]


def test_shipped_console_yml_has_on_call_for_every_team_it_names():
    from tests.support import full_config
    config = full_config()
    console = load_console_config(config.dir / "console.yml", [m.id for m in config.missions_locales])
    assert console.on_call.crisis_minutes <= 10
    assert set(console.on_call.teams) <= {m.id for m in config.missions_locales}


async def test_crisis_from_a_qr_code_reaches_that_team_then_escalates(tmp_path, clock):
    async with FakeBotAPI(clock=clock) as api, FakeSmtp() as smtp:
        server = await night_server(tmp_path, clock, api, smtp)
        try:
            await add_accounts(server)
            engine = server.engine
            jeune = engine.jeune_id("web", ADDRESS)
            await engine.handle(Incoming("web", ADDRESS, "", kind="start", source=QR_CODE))
            await engine.handle(Incoming("web", ADDRESS, "jveux plus vivre, jvais me tuer"))
            conv = await server.services.conversations.get(jeune)
            assert conv["status"] == "crisis" and conv["mission_locale"] is None   # no commune yet

            # step 0: A's Telegram group, A's team address and Camille (on duty) by e-mail
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP_A, timeout=GUARD)
            assert call.params["text"].startswith("🚨 Détresse")
            assert "Mission Locale A" in call.params["text"]
            assert f"/console/c/{jeune}" in call.params["text"]
            mails = await smtp.wait_for("camille@ml-a.fr")
            assert set(mails[0].recipients) == {"equipe@ml-a.fr", "camille@ml-a.fr"}
            assert "Détresse" in mails[0].subject and jeune in mails[0].body
            assert "D'astreinte : Camille" in mails[0].body
            assert not api.calls_of("sendMessage", chat_id=GROUP_REGION)

            # A's référent sees it (inbox and page); B's does not
            async with client() as http:
                await login(http, server.url, "camille@ml-a.fr")
                async with http.get(f"{server.url}/console/inbox") as r:
                    assert jeune in await r.text()
                async with http.get(f"{server.url}/console/c/{jeune}") as r:
                    assert r.status == 200 and "Maraude du jeudi soir" in await r.text()
            async with client() as http:
                await login(http, server.url, "basile@ml-b.fr")
                async with http.get(f"{server.url}/console/c/{jeune}") as r:
                    assert r.status == 404
                async with http.get(f"{server.url}/console/inbox") as r:
                    assert jeune not in await r.text()

            # nobody takes it: after 5 minutes the next person on duty in A (Dominique)
            escalator = server.console.escalator
            clock.advance(minutes=4)
            assert await escalator.tick() == 0
            clock.advance(minutes=1)
            assert await escalator.tick() == 1
            assert await escalator.tick() == 0            # once, not at every round
            relance = await smtp.wait_for("dominique@ml-a.fr")
            assert relance[0].recipients == ["dominique@ml-a.fr"]
            assert "Relance 1" in relance[0].body and "depuis 5 min" in relance[0].body
            # then the region's person on duty, then the regional team (its group and address)
            clock.advance(minutes=5)
            assert await escalator.tick() == 1
            await smtp.wait_for("sam@arml.fr")
            clock.advance(minutes=5)
            assert await escalator.tick() == 1
            await smtp.wait_for("astreinte@arml.fr")
            call = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP_REGION,
                                      timeout=GUARD)
            assert "Relance 3" in call.params["text"]
            steps = await server.console.audit.entries(action="escalation", jeune_id=jeune)
            assert [e["detail"]["step"] for e in reversed(steps)] == [1, 2, 3]

            # a référent takes it: no more alerts
            async with client() as http:
                await login(http, server.url, "camille@ml-a.fr")
                csrf = await page_csrf(http, f"{server.url}/console/c/{jeune}")
                async with http.post(f"{server.url}/console/c/{jeune}/take", data={"csrf": csrf},
                                     allow_redirects=False) as r:
                    assert r.status == 303
            clock.advance(minutes=30)
            assert await escalator.tick() == 0
            # a request left waiting for days (a backlog at start-up) is not escalated any more
            await engine.hand_back(jeune, "Camille")
            await engine.handle(Incoming("web", ADDRESS, "je veux mourir"))
            clock.advance(hours=25)
            assert await escalator.tick() == 0
        finally:
            await server.telegram.stop()
            await server.close()


async def test_a_jeune_waiting_too_long_alerts_the_next_person(tmp_path, clock):
    async with FakeBotAPI(clock=clock) as api, FakeSmtp() as smtp:
        server = await night_server(tmp_path, clock, api, smtp)
        try:
            await add_accounts(server)
            engine, records = server.engine, server.services.records
            jeune = engine.jeune_id("web", ADDRESS)
            await records.update_profile(jeune, mission_locale="ml-a", consent=True, first_name="Aya")
            await records.link_address(jeune, "web", ADDRESS)
            await engine.handle(Incoming("web", ADDRESS, "bonjour"))
            await engine.handle(Incoming("web", ADDRESS, "", kind="button", button_value="conseiller"))
            first = await smtp.wait_for("camille@ml-a.fr")
            assert "Demande" in first[0].subject and "Aya" in first[0].body
            clock.advance(minutes=14)
            assert await server.console.escalator.tick() == 0
            clock.advance(minutes=1)
            assert await server.console.escalator.tick() == 1
            mail = (await smtp.wait_for("dominique@ml-a.fr"))[0]
            assert "Relance 1" in mail.body and "Aya" in mail.body and "Mission Locale A" in mail.body
        finally:
            await server.telegram.stop()
            await server.close()
