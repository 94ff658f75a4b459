"""Facts said to jeunes: sourced and dated once, right in every text, warned about when stale.

Reads the shipped config/ and flows/ (issue 19): no amount without a source and a date, no empty
or unchecked contact fact in any text a jeune can receive, for every Mission Locale.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import os
from datetime import date
from pathlib import Path

import pytest

from bot.app.config import load_config
from bot.understanding.facts import Fact, FactText, fact_warnings, fill_facts, french_date
from bot.understanding.faq import FAQ_TOPICS, FaqMatcher

ROOT = Path(__file__).resolve().parents[2]
AMOUNT = re.compile(r"\d[\d\s,.]*\s?(€|euros?\b|%)", re.IGNORECASE)
EMPTY_CONTACT = re.compile(r"\bau\s*\.|\bau\s*$|Adresse\s*:\s*\.|Téléphone\s*:\s*\.|:\s*\.|\(\s*\)|,\s*\.",
                           re.IGNORECASE | re.MULTILINE)


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config")


@pytest.fixture(scope="module")
def matcher(config):
    return FaqMatcher(config.faq)


def _without_placeholders(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)


def _flow_texts(config):
    for flow in config.flows.values():
        for step in flow.steps:
            for text in (step.text, step.reprompt, *(b.label for b in step.buttons)):
                if text:
                    yield flow.name, step.line, text


# --- no amount without a source and a date -----------------------------------------------------

def test_every_shipped_fact_has_a_source_and_a_check_date(config):
    for name, fact in config.faq.facts.items():
        assert fact.source, name
        assert fact.checked is not None, name


def test_no_amount_is_written_outside_a_fact(config):
    """An amount in an answer or a flow text must come from a sourced, dated fact."""
    for tid, topic in config.faq.topics.items():
        for text in (topic.answer, topic.fallback):
            if text:
                assert not AMOUNT.search(_without_placeholders(text)), (tid, text)
    raw_flows = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "flows").glob("*.yml")}
    for name, text in raw_flows.items():
        for line in text.splitlines():
            if not line.lstrip().startswith("#"):
                assert not AMOUNT.search(_without_placeholders(line)), (name, line)


def test_every_amount_a_jeune_reads_is_a_dated_sourced_fact(config, matcher):
    dated = {f.value for f in config.faq.facts.values() if f.source and f.checked}
    for tid in FAQ_TOPICS:
        text = matcher.answer(tid)
        for m in AMOUNT.finditer(text):
            assert any(m.group(0).strip() in v for v in dated), (tid, m.group(0))


def test_answers_carry_their_sources_and_check_date(config):
    for tid in FAQ_TOPICS:
        topic = config.faq.topics[tid]
        assert topic.sources and topic.checked, tid


def test_the_issue_19_facts_are_said(config, matcher):
    cej, alloc = matcher.answer("cej"), matcher.answer("allocation")
    assert "545" not in cej + alloc
    assert all(x in alloc for x in ("561,68 €", "337 €", "224,68 €", "1er avril 2025", "RSA"))
    assert "France Travail automatiquement (depuis le 1er janvier 2025)" in cej
    assert "France Travail automatiquement" in matcher.answer("pacea")
    assert "6 fois le montant du RSA" in matcher.answer("pacea")
    # 29 ans with a RQTH is the CEJ's, not the whole Mission Locale's
    for tid in ("mission-locale", "inscription"):
        assert "29" not in matcher.answer(tid)
    assert "CEJ jusqu'à 29 ans" in matcher.answer("handicap")
    permis = matcher.answer("permis")
    assert "n'existe plus" in permis and "demandeur d'emploi" in permis
    assert "500 €" not in matcher.answer("apprentissage")
    sante = matcher.answer("sante")
    assert "moins de 1 € par jour" in sante and "pas gratuit" in sante and "3114" in sante
    assert "psy gratuitement" not in sante
    assert "3949 (service gratuit + prix d'un appel)" in matcher.answer("emploi")


def test_privacy_answer_says_who_reads_what_is_kept_and_for_how_long(config, matcher):
    text = matcher.answer("donnees-personnelles")
    assert "robot" in text and "ta Mission Locale" in text
    sunday = [a for a in config.actions.actions if a.mission_locale is None]
    assert sunday and "dimanche soir" in text and "ARML" in text     # actions.yml: arml-dimanche-soir
    for kept in ("prénom", "âge", "commune", "situation", "déjà été suivi", "messages"):
        assert kept in text, kept
    assert f"{config.settings.retention_days} jours après ta dernière conversation" in text
    consent = next(s.text for s in config.flows["reperage"].steps if s.id == "consent")
    assert f"{config.settings.retention_days} jours après ta dernière conversation" in consent
    assert "1 an au plus" not in consent


def test_a_conservation_fact_that_disagrees_with_the_purge_is_a_config_error(tmp_path):
    d = tmp_path / "config"
    shutil.copytree(ROOT / "config", d)
    settings = d / "settings.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "retention_days: 365", "retention_days: 180"), encoding="utf-8")
    from bot.yamlconf import ConfigError
    with pytest.raises(ConfigError) as exc:
        load_config(d, ROOT / "flows")
    assert any("facts.conservation" in p and "180 jours" in p and str(d / "faq.yml") in p
               for p in exc.value.problems)


# --- no empty contact fact in any text a jeune can receive -------------------------------------

def test_every_answer_for_every_mission_locale_has_no_empty_contact_fact(config, matcher):
    assert len(config.missions_locales) == 43
    for ml in config.missions_locales:
        for tid in FAQ_TOPICS:
            text = matcher.answer(tid, ml)
            assert "{" not in text and not EMPTY_CONTACT.search(text), (ml.id, tid, text)
        horaires = matcher.answer("horaires", ml)
        assert ml.name in horaires and ml.town in horaires, ml.id
        if not ml.is_confirmed("phone"):
            assert "Téléphone" not in horaires and "unml.info" in horaires, ml.id


def test_a_checked_phone_and_address_are_shown(config, matcher):
    ml = config.ml_by_id["ml-bordeaux"].model_copy(update={
        "phone": "05 56 00 00 00", "address": "1 rue Exemple, 33000 Bordeaux", "to_confirm": []})
    text = matcher.answer("horaires", ml)
    assert "Téléphone : 05 56 00 00 00." in text and "Adresse : 1 rue Exemple" in text
    assert "vérifier" not in text


def test_flow_texts_are_filled_with_facts_and_never_use_unchecked_contacts(config):
    for flow, line, text in _flow_texts(config):
        names = re.findall(r"\{([a-z_][a-z0-9_.]*)\}", text)
        # left for the engine: slots only; contact facts would be said even when unchecked
        assert not {"ml_phone", "ml_address"} & set(names), (flow, line, text)
        assert not [n for n in names if n in config.faq.facts or "." in n], (flow, line, text)
        assert not EMPTY_CONTACT.search(text), (flow, line, text)


def test_how_to_reach_a_mission_locale_never_says_au_point(config):
    for ml in config.missions_locales:
        sentence = ml.how_to_reach(config.settings.network_website)
        assert not EMPTY_CONTACT.search(sentence + "."), sentence
        assert ml.place(), ml.id


# --- the first message and the under-15 path -----------------------------------------------------

def test_the_first_message_says_robot_who_reads_and_how_to_reach_a_person(config):
    first = config.flows["welcome"].steps[0].text
    assert "robot" in first and "pas une personne" in first
    assert "conseillers de ta Mission Locale" in first and "dimanche soir" in first and "ARML" in first
    assert "conseiller" in first.splitlines()[-1]
    assert "l'assistant" not in first


def test_under_15_keeps_nothing_and_gets_what_fits_them(config):
    steps = config.flows["reperage"].steps
    ids = [s.id for s in steps]
    branch = next(s for s in steps if s.kind == "branch" and any(t == "moins-de-15" for _, _, t in s.cases))
    cond = next(c for c, _, t in branch.cases if t == "moins-de-15")
    assert cond == {"age": {"lt": 15}}
    at = ids.index("moins-de-15")
    assert steps[at].kind == "action" and steps[at].name == "refuse_consent"
    said = steps[at + 1].text
    assert "je ne garde pas tes réponses" in said and "parent" in said
    assert "119" in said and "3114" in said and "0 800 235 236" in said


# --- the staleness warnings, with the injected clock ---------------------------------------------

def test_fact_warnings_unsourced_stale_ended_and_recheck(tmp_path):
    facts = {
        "ok": Fact(value="1", source="https://x", checked=date(2026, 6, 1)),
        "nosource": Fact(value="2", checked=date(2026, 6, 1)),
        "old": Fact(value="3", source="https://x", checked=date(2025, 11, 30)),
        "ended": Fact(value="4", source="https://x", checked=date(2026, 6, 1),
                      valid_until=date(2026, 3, 31)),
        "again": Fact(value="5", source="https://x", checked=date(2026, 6, 1), recheck="avril"),
    }
    out = fact_warnings("faq.yml", None, facts, date(2026, 12, 1))
    assert not any(" ok " in w for w in out)
    assert any("nosource has no source" in w for w in out)
    assert any("old was checked on 2025-11-30, more than 12 months ago" in w for w in out)
    assert any("ended ended on 2026-03-31" in w for w in out)
    assert any("again: to check again: avril" in w for w in out)
    assert all(w.startswith("faq.yml:1: warning: ") for w in out)
    # one day earlier, "old" is still under 12 months
    assert not any("old was checked" in w for w in fact_warnings("f", None, facts, date(2026, 11, 29)))


def _check(config_dir, tmp_path, *args):
    env = dict(os.environ, INSYSTEME_CONFIG=str(config_dir), INSYSTEME_VAR=str(tmp_path / "var"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "bot.app.cli", "check", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_check_warns_with_file_and_line_but_does_not_fail(tmp_path):
    d = tmp_path / "config"
    shutil.copytree(ROOT / "config", d)
    faq = d / "faq.yml"
    text = faq.read_text(encoding="utf-8")
    old = '''  age_min:
    value: "16 ans"
    source: https://www.unml.info/les-missions-locales/
    page: "UNML, les Missions Locales"
    checked: 2026-12-01
'''
    assert old in text
    faq.write_text(text.replace(old, '''  age_min:
    value: "16 ans"
    checked: 2025-01-15
'''), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    proc = _check(d, tmp_path, "--at", "2026-12-01T12:00")
    assert proc.returncode == 0 and proc.stdout.startswith("ok: 43 Missions Locales"), proc.stderr
    warnings = proc.stderr.splitlines()
    assert f"{faq}:{line}: warning: fact age_min has no source: add the page that says it" in warnings
    assert f"{faq}:{line + 2}: warning: fact age_min was checked on 2025-01-15, more than 12 months " \
           f"ago: check it again" in warnings
    # the CEJ amounts of 1 April 2025 ended on 31 March 2026
    assert any("cej_allocation_majeur ended on 2026-03-31" in w for w in warnings)
    # the clock is injected: before April 2026 they had not ended
    early = _check(d, tmp_path, "--at", "2026-02-01T12:00")
    assert not any("ended on" in w for w in early.stderr.splitlines())


def test_check_reads_source_and_checked_of_crisis_lines(tmp_path, config):
    """crisis.yml's `lines:` mapping (issue 17) gets the same warnings as the facts; the shipped
    lines all carry a source and a date."""
    from bot.understanding.facts import crisis_line_warnings
    from bot.yamlconf import load_yaml
    shipped = ROOT / "config" / "crisis.yml"
    assert load_yaml(shipped).get("lines")
    assert not any("has no source" in w or "no checked date" in w
                   for w in crisis_line_warnings(shipped, load_yaml(shipped), date(2026, 12, 1)))
    crisis = tmp_path / "crisis.yml"
    crisis.write_text('''
lines:
  ligne_3114:
    name: "3114"
    number: "3114"
    source: https://3114.fr/
    checked: 2026-11-01
  ligne_3018:
    name: "3018"
    number: "3018"
    checked: 2024-05-01
''', encoding="utf-8")
    out = crisis_line_warnings(crisis, load_yaml(crisis), date(2026, 12, 1))
    assert not any("ligne_3114" in w for w in out)
    text = crisis.read_text(encoding="utf-8").splitlines()
    at = text.index("  ligne_3018:") + 1
    assert f"{crisis}:{at}: warning: crisis line ligne_3018 has no source: add the page that says it" in out
    assert any(w.startswith(f"{crisis}:{at + 3}: warning: crisis line ligne_3018 was checked on 2024-05-01")
               for w in out)


def test_fill_facts_and_dates():
    v = {"m": FactText(Fact(value="561,68 €", effective_from=date(2025, 4, 1)))}
    assert french_date(date(2025, 4, 1)) == "1er avril 2025" and french_date(date(2026, 3, 31)) == "31 mars 2026"
    assert fill_facts("{m} depuis le {m.depuis}, {slot}", v) == "561,68 € depuis le 1er avril 2025, {slot}"


def test_a_14_year_old_through_insysteme_chat_keeps_no_profile(tmp_path):
    """End to end with the shipped flows: the age of an under-15 is not saved, consent is off."""
    import sqlite3
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    db = tmp_path / "db.sqlite"
    env.update(DATABASE_URL=f"sqlite:///{db}", INSYSTEME_VAR=str(tmp_path / "var"),
               INSYSTEME_SECRET="facts-test", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot.app.cli", "chat", "--user", "u14"],
                          input="slt\nMe présenter\noui\n14\n", capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "bot> Salut ! Je suis un robot" in out
    assert "je ne garde pas tes réponses" in out and "119" in out
    assert "Tu habites dans quelle commune" not in out
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select consent, age, birth_year from profiles").fetchall()
    assert rows == [(0, None, None)]
