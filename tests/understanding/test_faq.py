"""FAQ understanding: config checks with line numbers, answers fit for a jeune, matching quality.

The quality thresholds are asserted on tests/data/faq_heldout.csv, a set written before tuning
and never used to tune (benchmarks/faq_accuracy.py prints the same figures and the timings).
"""
from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

from bot.messages import Button
from bot.territoire.missions_locales import MissionLocale
from bot.understanding.crisis import detect_crisis, load_crisis
from bot.understanding.faq import (
    FAQ_TOPICS, FaqConfig, FaqMatcher, Match, Topic, faq_json, hours_line, load_faq,
)
from bot.understanding.normalize import normalize, sounds_like
from bot.yamlconf import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data"
INTENTS = {"rdv", "conseiller", "salutation", "merci"}
VALID_LABELS = set(FAQ_TOPICS) | INTENTS | {"detresse", ""}
VOUS = re.compile(r"(?<!rendez-)\bvous\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def faq(request):
    return load_faq(Path(request.config.rootpath) / "config" / "faq.yml")


@pytest.fixture(scope="module")
def matcher(faq):
    return FaqMatcher(faq)


@pytest.fixture
def ml():
    return MissionLocale(
        id="ml-graves", name="Mission Locale des Graves", address="12 rue des Écoles, 33140 Villenave",
        phone="05 56 00 00 00",
        hours={"lun": ["09:00-12:30", "13:30-17:30"], "mar": ["09:00-12:30", "13:30-17:30"],
               "mer": ["09:00-12:30"], "jeu": ["09:00-12:30", "13:30-17:30"],
               "ven": ["09:00-12:30", "13:30-17:00"]},
    )


def read_set(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return [(row["text"], (row["topic"] or "").strip()) for row in csv.DictReader(f)]


def predict(matcher: FaqMatcher, text: str) -> str | None:
    """As the engine does: crisis first, then the FAQ."""
    return "detresse" if detect_crisis(text) else matcher.match(text).topic


# --- config/faq.yml ---------------------------------------------------------------------------

def test_every_spec_topic_has_an_answer_and_the_intents_are_there(faq):
    for topic in FAQ_TOPICS:
        assert faq.topics[topic].kind == "faq"
        assert faq.topics[topic].answer
    for intent in INTENTS:
        assert faq.topics[intent].kind == "intent"
        assert faq.topics[intent].answer is None


def test_facts_carry_their_source_and_check_date(faq):
    # was: faq.checked == 2026-09-01 and "jusqu'à 545 €/mois", never an official CEJ figure
    assert faq.checked is None and not faq.figures
    cej = faq.facts["cej_allocation_majeur"]
    assert cej.value == "561,68 €" and cej.effective_from == date(2025, 4, 1)
    assert cej.source.startswith("https://www.service-public.fr/") and cej.checked == date(2026, 12, 1)


@pytest.mark.parametrize("topic", FAQ_TOPICS)
def test_answers_are_short_tutoiement_and_fully_filled(matcher, ml, topic):
    for mission_locale in (None, ml):
        text = matcher.answer(topic, mission_locale)
        assert text
        lines = [line for line in text.splitlines() if line.strip()]
        assert 2 <= len(lines) <= 5, text
        assert "{" not in text and "}" not in text, text
        assert not VOUS.search(text), text
        assert re.search(r"\b(tu|te|t'|ton|ta|tes|toi)\b", text, re.IGNORECASE), text


def test_answers_use_the_facts(matcher, faq):
    v = faq.values
    assert v["cej_allocation_majeur"] in matcher.answer("cej")
    for name in ("cej_allocation_majeur", "cej_allocation_tranche1", "cej_allocation_mineur"):
        assert v[name] in matcher.answer("allocation")
    assert "1er avril 2025" in matcher.answer("allocation")
    assert v["service_civique_indemnite"] in matcher.answer("service-civique")
    assert v["cej_age_handicap"] in matcher.answer("handicap")


def test_horaires_names_the_jeunes_own_mission_locale(matcher, ml):
    text = matcher.answer("horaires", ml)
    assert "Mission Locale des Graves" in text
    assert "05 56 00 00 00" in text
    assert "12 rue des Écoles" in text
    assert "du lundi au mardi" not in text
    assert "lundi et mardi 09h00-12h30, 13h30-17h30" in text
    assert "vendredi 09h00-12h30, 13h30-17h00" in text


def test_horaires_without_a_mission_locale_asks_for_the_commune(matcher):
    text = matcher.answer("horaires")
    assert "commune" in text
    assert "unml.info" in text


def test_hours_line_groups_days_and_handles_no_hours(ml):
    same = ml.model_copy(update={"hours": {d: ["09:00-17:00"] for d in ("lun", "mar", "mer", "jeu", "ven")}})
    assert hours_line(same) == "ouvert du lundi au vendredi 09h00-17h00"
    assert "téléphone" in hours_line(ml.model_copy(update={"hours": {}}))


def test_intents_have_no_answer_and_no_follow_up(matcher):
    for intent in INTENTS:
        assert matcher.answer(intent) is None
        assert matcher.follow_up(intent) == []
    assert matcher.answer("nope") is None


def test_follow_up_offers_rdv_conseiller_and_another_question(matcher):
    buttons = matcher.follow_up("cej")
    assert all(isinstance(b, Button) for b in buttons)
    assert [b.value for b in buttons] == ["intent:rdv", "intent:conseiller", "intent:question"]


def test_labels_are_short_and_human(matcher):
    assert matcher.label("cej") == "Le CEJ"
    assert matcher.label("logement") == "Le logement"
    for topic in FAQ_TOPICS:
        assert 0 < len(matcher.label(topic)) <= 40
    assert matcher.label("inconnu-ici") == "Inconnu ici"


# --- broken files give file:line: message ----------------------------------------------------

GOOD = """\
threshold: 0.36
figures:
  checked: 2026-09-01
  montant: "100 €"
follow_up:
  - {label: "Prendre un rendez-vous", value: "intent:rdv"}
topics:
"""


def _valid_topics(skip: str = "") -> str:
    out = []
    for topic in FAQ_TOPICS:
        if topic == skip:
            continue
        extra = "    fallback: |\n      Dis-moi ta commune.\n      Je te donne le numéro.\n" \
            if topic == "horaires" else ""
        out.append(f"  {topic}:\n    label: \"{topic}\"\n    answer: |\n      Ligne une.\n"
                   f"      Ligne deux.\n{extra}    examples: [a b, c d, e f]\n")
    for intent in ("rdv", "conseiller"):
        out.append(f"  {intent}:\n    kind: intent\n    label: \"{intent}\"\n    examples: [a b, c d, e f]\n")
    return "".join(out)


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "faq.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_faq(path)
    return info.value.problems


def test_a_minimal_valid_file_loads(tmp_path):
    path = tmp_path / "faq.yml"
    path.write_text(GOOD + _valid_topics(), encoding="utf-8")
    cfg = load_faq(path)
    assert cfg.figures == {"montant": "100 €"}
    assert FaqMatcher(cfg).answer("cej") == "Ligne une.\nLigne deux."


def test_yaml_syntax_error_points_at_its_line(tmp_path):
    problems = _problems(tmp_path, "threshold: 0.3\ntopics:\n  cej: [unclosed\n  emploi: {}\n")
    assert len(problems) == 1
    assert re.match(rf"^{re.escape(str(tmp_path / 'faq.yml'))}:\d+: ", problems[0])
    assert int(problems[0].split(":")[1]) in (3, 4)


def test_missing_spec_topic_is_reported_at_topics_line(tmp_path):
    problems = _problems(tmp_path, GOOD + _valid_topics(skip="permis"))
    assert problems == [f"{tmp_path / 'faq.yml'}:7: topics: missing FAQ topic 'permis' (spec)"]


def test_unknown_figure_vous_and_too_many_lines_point_at_the_answer(tmp_path):
    text = GOOD + _valid_topics().replace(
        '  cej:\n    label: "cej"\n    answer: |\n      Ligne une.\n      Ligne deux.\n',
        '  cej:\n    label: "cej"\n    answer: |\n      Jusqu\'à {montant_cej}.\n      Venez vous inscrire.\n'
        '      3\n      4\n      5\n      6\n',
    )
    problems = _problems(tmp_path, text)
    line = text.splitlines().index("  cej:") + 3  # the `answer:` line, 1-based
    where = f"{tmp_path / 'faq.yml'}:{line}: topics.cej.answer"
    assert f"{where}: 6 lines; write 2 to 5 short lines" in problems
    assert f"{where}: says 'vous'; talk to the jeune with 'tu'" in problems
    assert any(p.startswith(f"{where}: unknown fact {{montant_cej}}") for p in problems)


def test_wrong_types_point_at_their_line(tmp_path):
    text = GOOD.replace("threshold: 0.36", "threshold: beaucoup") + _valid_topics().replace(
        "    examples: [a b, c d, e f]\n", "    examples: [a b]\n", 1)
    problems = _problems(tmp_path, text)
    path = tmp_path / "faq.yml"
    assert any(p.startswith(f"{path}:1: threshold:") for p in problems), problems
    first_examples = text.splitlines().index("    examples: [a b]") + 1
    assert any(p.startswith(f"{path}:{first_examples}: topics.mission-locale.examples:")
               for p in problems), problems


def test_intent_with_answer_and_detresse_topic_are_refused(tmp_path):
    text = GOOD + _valid_topics().replace(
        "  rdv:\n    kind: intent\n", "  rdv:\n    kind: intent\n    answer: Viens.\n"
    ) + "  detresse:\n    kind: intent\n    label: x\n    examples: [a b, c d, e f]\n"
    problems = _problems(tmp_path, text)
    assert any("topics.rdv: an intent has no answer" in p for p in problems)
    assert any("topics.detresse: crises are detected" in p for p in problems)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_faq(tmp_path / "absent.yml")
    assert info.value.problems == [f"{tmp_path / 'absent.yml'}:1: file not found"]


# --- normalisation ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, plain", [
    ("jveu 1 rdv stp", "je veux un rdv stp"),
    ("G envie de mourir!!", "j ai envie de mourir"),
    ("Jme suis coupé", "je me suis coupe"),
    ("steuplaaait", "stp"),
    ("c koi le CEJ ?", "c est quoi le cej"),
    ("pk tkt", "pourquoi t inquiete"),
    ("jsp qd cmb", "je sais pas quand combien"),
    ("g pa d'taf ni de thune", "j ai pas d travail ni de argent"),
    ("Merciiii bcp", "merci beaucoup"),
    ("Rendez-vous s'il vous plaît", "rdv stp"),
    ("ya qqn mtn ds le bureau pr moi ?", "il y a quelqu un maintenant dans le bureau pour moi"),
])
def test_normalize_expands_sms_french(raw, plain):
    assert normalize(raw) == plain


def test_normalize_never_fails():
    assert normalize(None) == ""  # type: ignore[arg-type]
    assert normalize("🙂🙂") == ""
    assert normalize("ÉCOLE Œuvre") == "ecole oeuvre"


def test_sounds_like_joins_phonetic_spellings():
    assert sounds_like("lokal") == sounds_like("locale")
    assert sounds_like("servis") == sounds_like("service")
    assert sounds_like("formasion") == sounds_like("formation")
    assert sounds_like("travail") != sounds_like("logement")


# --- matching ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, topic", [
    ("jveu 1 rdv", "rdv"),
    ("je dois annuler mon rdv", "rdv"),
    ("je veux parler a qqn", "conseiller"),
    ("un humain stp", "conseiller"),
    ("slt", "salutation"),
    ("bjr", "salutation"),
    ("cc", "salutation"),
    ("merci", "merci"),
    ("c koi le cej", "cej"),
    ("le contra dengagemen jeune", "cej"),
    ("servis civik", "service-civique"),
    ("jcherche 1 alternence en coiffure", "apprentissage"),
    ("slt c koi le pacea", "pacea"),
    ("SALUT jcherche 1 logment", "logement"),
])
def test_sms_french_is_understood(matcher, text, topic):
    assert matcher.match(text).topic == topic


@pytest.mark.parametrize("text", [
    "ta vu le match hier", "c koi ton signe astro", "donne moi une recette de crepes", "lol", "ok",
    "", "   ", "🙂", "?!", "tu connais un bon kebab a bordeaux",
])
def test_out_of_scope_gets_no_answer(matcher, text):
    m = matcher.match(text)
    assert m.topic is None
    assert m.ambiguous is False
    assert faq_json(matcher, text)["answer"] is None


def _small_matcher(threshold: float, margin: float = 0.05) -> FaqMatcher:
    topics = {
        "logement": Topic(label="Le logement", answer="a\nb", examples=["aide logement", "appartement", "studio"]),
        "mobilite": Topic(label="Se déplacer", answer="a\nb", examples=["aide transport", "voiture", "bus"]),
        "emploi": Topic(label="Travail", answer="a\nb", examples=["travail", "emploi", "cv"]),
    }
    return FaqMatcher(FaqConfig(topics=topics, threshold=threshold, ambiguity_margin=margin))


def test_below_threshold_still_gives_the_closest_candidates():
    m = _small_matcher(threshold=0.9).match("un studio pas cher a bordeaux")
    assert m.topic is None and m.ambiguous is False
    assert m.candidates[0][0] == "logement"
    assert 0 < m.score == m.candidates[0][1] < 0.9
    assert _small_matcher(threshold=0.2).match("un studio pas cher a bordeaux").topic == "logement"


def test_close_scores_are_flagged_ambiguous():
    m = _small_matcher(threshold=0.2)
    both = m.match("logement ou transport")
    assert both.ambiguous is True
    assert {t for t, _ in both.candidates[:2]} == {"logement", "mobilite"}
    clear = m.match("je cherche un studio")
    assert clear.topic == "logement" and clear.ambiguous is False


def test_match_takes_any_input_without_failing(matcher):
    assert matcher.match(None) == Match(None, 0.0, [], False)  # type: ignore[arg-type]
    long = matcher.match("je cherche un travail " * 2000)
    assert long.topic == "emploi"


def test_faq_json_is_the_spec_cli_format(matcher, ml, request):
    out = faq_json(matcher, "c koi le cej")
    assert set(out) == {"topic", "score", "answer"}
    assert out["topic"] == "cej" and 0 < out["score"] <= 1 and "CEJ" in out["answer"]
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out
    assert "Mission Locale des Graves" in faq_json(matcher, "vous etes ouvert quand", ml)["answer"]
    none = faq_json(matcher, "ta vu le match hier")
    assert none["topic"] is None and none["answer"] is None
    crisis_cfg = load_crisis(Path(request.config.rootpath) / "config" / "crisis.yml")
    crisis = faq_json(matcher, "jveux en finir", crisis=crisis_cfg)
    assert crisis["topic"] == "detresse" and "3114" in crisis["answer"]
    assert faq_json(matcher, "jveux en finir")["topic"] == "detresse"


# --- the labelled sets ------------------------------------------------------------------------

def test_labelled_sets_are_big_enough_and_well_formed():
    labelled, heldout = read_set("faq_labelled.csv"), read_set("faq_heldout.csv")
    assert len(labelled) >= 300 and len(heldout) >= 120
    assert sum(1 for _, t in labelled if t == "") >= 40
    assert sum(1 for _, t in labelled if t == "detresse") >= 40
    for _, topic in labelled + heldout:
        assert topic in VALID_LABELS
    assert not {t.lower() for t, _ in labelled} & {t.lower() for t, _ in heldout}
    assert set(FAQ_TOPICS) <= {t for _, t in labelled} and set(FAQ_TOPICS) <= {t for _, t in heldout}


def test_heldout_quality_meets_the_targets(matcher):
    rows = read_set("faq_heldout.csv")
    predicted = [(predict(matcher, text), gold) for text, gold in rows]
    in_scope = [(p, g) for p, g in predicted if g]
    top1 = sum(p == g for p, g in in_scope) / len(in_scope)
    detresse = [p for p, g in predicted if g == "detresse"]
    unanswered = [g for p, g in predicted if p is None]
    oos_precision = sum(g == "" for g in unanswered) / len(unanswered)
    assert top1 >= 0.92, top1
    assert detresse and all(p == "detresse" for p in detresse)
    assert oos_precision >= 0.90, oos_precision
    # out-of-scope messages are mostly left unanswered, and never taken for a crisis
    oos = [p for p, g in predicted if g == ""]
    assert sum(p is None for p in oos) / len(oos) >= 0.7
    assert "detresse" not in oos


def test_labelled_quality_stays_high(matcher):
    rows = read_set("faq_labelled.csv")
    in_scope = [(predict(matcher, text), gold) for text, gold in rows if gold]
    assert sum(p == g for p, g in in_scope) / len(in_scope) >= 0.95
