"""The dashboard's exports over real HTTP: a référent downloads their own Mission Locale's figures
(csv for French Excel, xlsx), never another's; the ARML may choose."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from bot.stores.records import Event
from tests.console.test_console_support import add_accounts, client, login, start_server


@pytest.fixture
async def server(tmp_path, clock, database_url):
    s = await start_server(tmp_path, clock, database_url=database_url)
    s.accounts = await add_accounts(s)
    now = clock.now() - timedelta(hours=1)
    await s.services.records.add_events([
        Event(at=now, channel="web", jeune_id=f"j-{ml}-{i}", kind="contact", mission_locale=ml,
              cohort="repere", minor=i % 2 == 0)
        for ml, n in (("ml-a", 3), ("ml-b", 5)) for i in range(n)])
    yield s
    await s.close()


async def test_referent_exports_their_own_mission_locale_only(server):
    async with client() as http:
        await login(http, server.url, "camille@ml-a.fr")
        async with http.get(f"{server.url}/console/tableau-de-bord") as r:
            page = await r.text()
        assert "/console/tableau-de-bord/export?format=xlsx" in page
        assert "/console/tableau-de-bord/export?format=csv" in page
        async with http.get(f"{server.url}/console/tableau-de-bord/export?format=csv") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in r.headers["Content-Disposition"]
            body = (await r.read()).decode("utf-8")
        assert body.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
        assert [(row["scope"], row["jeunes"]) for row in rows] == [("ml-a", "3")]
        assert rows[0]["minors_share"] == "0,667"
        async with http.get(f"{server.url}/console/tableau-de-bord/export?format=xlsx") as r:
            assert r.status == 200
            book = load_workbook(io.BytesIO(await r.read()))
        sheet = book["Chiffres"]
        assert sheet.max_row == 3 and sheet.cell(3, 1).value == "ml-a"
        for url in ("/console/tableau-de-bord/export?format=csv&ml=ml-b",
                    "/console/tableau-de-bord/export?format=xlsx&ml=ml-b"):
            async with http.get(server.url + url, allow_redirects=False) as r:
                assert r.status == 403, url
        async with http.get(f"{server.url}/console/tableau-de-bord/export?format=pdf") as r:
            assert r.status == 400
    async with client() as http:
        await login(http, server.url, "sam@arml.fr")
        async with http.get(f"{server.url}/console/tableau-de-bord/export?format=csv") as r:
            body = (await r.read()).decode("utf-8")
        scopes = [row["scope"] for row in csv.DictReader(io.StringIO(body[1:]), delimiter=";")]
        assert "ml-a" in scopes and "ml-b" in scopes and scopes[-1] == "region"
    async with client() as http:
        async with http.get(f"{server.url}/console/tableau-de-bord/export?format=csv",
                            allow_redirects=False) as r:
            assert r.status == 303
