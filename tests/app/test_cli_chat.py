"""`insysteme chat` as a newcomer uses it: real subprocesses, the shipped config and flows.

The repérage transcripts of issue 4 (Tuesday 22:30 in Périgueux, a réactivée at 14:00, Christmas,
a QR code), the report over them, state persisted between two calls (embedded and Redis +
PostgreSQL), and erasure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, ROOT

INSYSTEME = [sys.executable, "-m", "bot.app.cli"]


def run(args, stdin="", env=None, check=True):
    proc = subprocess.run(INSYSTEME + args, input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    e.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", INSYSTEME_VAR=str(tmp_path / "var"),
             INSYSTEME_SECRET="cli-test", PYTHONPATH=str(ROOT))
    return e


def chat(env, user, lines, at=None, source=None):
    args = ["chat", "--user", user]
    if at:
        args += ["--at", at]
    if source:
        args += ["--source", source]
    return run(args, "\n".join(lines) + "\n", env).stdout


def bot_lines(out):
    return [line for line in out.splitlines() if line.startswith("bot> ")]


def report(env, start="2026-01-01", end="2027-12-31", ml=None):
    args = ["report", "--from", start, "--to", end, "--format", "json"] + (["--ml", ml] if ml else [])
    return json.loads(run(args, env=env).stdout)


REPERAGE_17 = ["slt", "Me présenter", "oui", "17", "perigueux", "Rien pour l'instant", "non"]


def test_output_format_and_numbers_for_buttons(env):
    out = chat(env, "fmt", ["salut", "4"])
    lines = out.splitlines()
    assert lines and all(l.startswith("bot> ") or l.startswith("  [") for l in lines)
    assert "  [1] Poser une question" in lines
    assert any("Tu es d'accord ?" in l for l in bot_lines(out))


def test_state_persists_between_two_calls_embedded(env):
    chat(env, "u1", ["salut", "Me présenter", "oui"])
    out = chat(env, "u1", ["19"])
    assert any("commune" in l for l in bot_lines(out)), out


def test_state_persists_between_two_calls_redis_postgresql(env, tmp_path):
    import asyncio

    from tests.conftest import create_pg_database, drop_pg_database
    url = asyncio.run(create_pg_database())
    try:
        # a prefix of the test's own: never the service's default keys on the shared server
        env = dict(env, DATABASE_URL=url, REDIS_URL=REDIS_URL,
                   REDIS_PREFIX=f"t{uuid.uuid4().hex[:10]}:",
                   INSYSTEME_SECRET="cli-test-" + uuid.uuid4().hex)
        chat(env, "u1", ["salut", "Me présenter", "oui"])
        out = chat(env, "u1", ["19"])
        assert any("commune" in l for l in bot_lines(out)), out
    finally:
        asyncio.run(drop_pg_database(url))


def test_reperage_transcripts_and_their_report(env):
    # 1. a 17-year-old from "perigueux", Tuesday 22:30: out of hours, evening action, repéré, minor
    out = chat(env, "lea", REPERAGE_17, at="2026-11-24T22:30")
    assert any("Et maintenant" in l for l in bot_lines(out)), out
    # 2. a 23-year-old who last saw her conseiller a year ago, Wednesday 14:00: réactivée, in hours
    out = chat(env, "ines", ["bonjour", "Me présenter", "ok", "j'ai 23 ans", "Bordeaux",
                             "Je travaille", "oui", "il y a un an"], at="2026-11-25T14:00")
    assert any("ça fait un moment" in l.lower() for l in bot_lines(out)), out
    # 3. Christmas day at 14:00: a question only
    chat(env, "noel", ["c quoi le cej"], at="2026-12-25T14:00")
    # 4. through the maraude's QR code, Thursday 10:00
    chat(env, "qr", ["slt"], at="2026-11-26T10:00", source="maraude-perigueux")

    import asyncio

    from bot.stores.db import make_engine
    from bot.stores.records import RecordStore

    async def events():
        engine = make_engine(env["DATABASE_URL"])
        try:
            return await RecordStore(engine).list_events()
        finally:
            await engine.dispose()
    evs = asyncio.run(events())
    rep = {e.data.get("situation"): e for e in evs if e.kind == "reperage"}
    lea, ines = rep["sans_activite"], rep["emploi"]
    assert (lea.mission_locale, lea.cohort, lea.minor, lea.out_of_hours, lea.action_id) == (
        "ml-grand-perigueux", "repere", True, True, "permanence-numerique-soir-perigueux")
    assert (ines.mission_locale, ines.cohort, ines.minor, ines.out_of_hours, ines.action_id) == (
        "ml-bordeaux", "reactive", False, False, None)
    contacts = [e for e in evs if e.kind == "contact"]
    assert len(contacts) == 4
    noel = [e for e in contacts if e.at.month == 12]
    assert len(noel) == 1 and noel[0].out_of_hours is True
    qr = [e for e in contacts if e.data.get("source") == "maraude-perigueux"]
    assert len(qr) == 1 and qr[0].action_id == "maraude-perigueux"
    lea_contact = [e for e in contacts if e.jeune_id == lea.jeune_id][0]
    assert lea_contact.action_id == "permanence-numerique-soir-perigueux"
    assert lea_contact.mission_locale == "ml-grand-perigueux"

    r = report(env)
    assert r["jeunes"] == 4
    assert r["repere"] == 1 and r["reactive"] == 1
    assert r["minors_share"] == 0.5
    assert r["contacts_out_of_hours"] == 2            # Tuesday 22:30 and Christmas
    assert r["actions_by_type"]["temps-additionnel"]["contacts"] == 1
    assert r["actions_by_type"]["extra-muros"]["contacts"] == 1
    assert r["mission_locale"]["ml-grand-perigueux"]["repere"] == 1
    assert r["mission_locale"]["ml-bordeaux"]["reactive"] == 1


def test_refused_consent_leaves_nothing_personal_and_forget_erases(env, tmp_path):
    chat(env, "refus", ["salut", "Me présenter", "non", "17", "Pau"], at="2026-11-24T22:30")
    chat(env, "lea", REPERAGE_17, at="2026-11-24T22:30")
    before = report(env)
    import sqlite3
    db = env["DATABASE_URL"].removeprefix("sqlite:///")

    def dump():
        con = sqlite3.connect(db)
        rows = []
        for (table,) in con.execute("select name from sqlite_master where type='table'"):
            if table == "actions_history":   # the config's own actions (titles name towns), no jeune
                continue
            rows += [(table, r) for r in con.execute(f"select * from {table}")]
        con.close()
        state = (Path(env["INSYSTEME_VAR"]) / "chat-state.json").read_text(encoding="utf-8")
        return rows, state

    rows, state = dump()
    profiles = [r for t, r in rows if t == "profiles"]
    assert len(profiles) == 2
    refus = [r for r in profiles if r[1] is False or r[1] == 0]
    assert refus and all(v in (None, False, 0) for v in refus[0][3:11])   # no personal field kept
    lea_id = run(["forget", "--user", "lea"], env=env).stdout.split()[1].rstrip(":;")
    assert lea_id.startswith("j_")
    rows, state = dump()
    text = repr(rows) + state
    for needle in (lea_id, "Périgueux", "24322"):
        assert needle not in text, needle
    assert report(env) == before


def test_booking_through_insysteme_chat_with_ics_and_reminders_planned_across_dst(env, tmp_path):
    """Issue 6 through the real command: booked on Tuesday 20 October (summer time) for Tuesday
    27 October (winter time, after the change of the 25th). The .ics carries the Paris wall-clock
    time; the reminders are planned for 18:00 the day before and 2 hours before, Paris time (the
    firing itself, with a fake clock: tests/rdv/test_rdv.py)."""
    import sqlite3
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    assert "Prendre rendez-vous" in chat(env, "b1", ["bonjour"], at="2026-10-20T19:00")
    out = chat(env, "b1", ["Prendre rendez-vous", "Périgueux"], at="2026-10-20T19:01")
    assert "prochains rendez-vous libres" in out
    out = chat(env, "b1", ["mardi 27 octobre"], at="2026-10-20T19:02")
    assert "mar. 27 oct. à 10h00" in out
    out = chat(env, "b1", ["mar. 27 oct. à 10h00"], at="2026-10-20T19:03")
    assert "Ton rendez-vous : mardi 27 octobre à 10h00" in out
    assert "Mission Locale du Grand Périgueux" in out
    ics = Path(env["INSYSTEME_VAR"]) / "attachments" / "rendez-vous-mission-locale.ics"
    assert f"→ {ics}]" in out
    text = ics.read_text(encoding="utf-8")
    assert "DTSTART;TZID=Europe/Paris:20261027T100000" in text
    assert "DTEND;TZID=Europe/Paris:20261027T103000" in text
    con = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    rows = con.execute("select key, due_at, status from due_messages order by due_at").fetchall()
    con.close()
    paris = ZoneInfo("Europe/Paris")
    planned = {key.rsplit(":", 1)[-1]: datetime.fromisoformat(due).replace(tzinfo=timezone.utc)
               .astimezone(paris).strftime("%Y-%m-%d %H:%M %Z") for key, due, _ in rows}
    # H-2 is 08:00, inside the quiet hours (21:00-09:00): it goes out when they end
    assert planned == {"j-1": "2026-10-26 18:00 CET", "h-2": "2026-10-27 09:00 CET"}
    assert {status for *_, status in rows} == {"pending"}
    con = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    kinds = [k for (k,) in con.execute("select kind from events where kind like 'rdv%'")]
    con.close()
    assert kinds == ["rdv_booked"]
