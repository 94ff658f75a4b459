"""Issue 17 through `insysteme chat`, as a newcomer writes at night: the conversations of the issue
and variants (the shipped config and flows, a real subprocess per call)."""
from __future__ import annotations

from tests.app.test_cli_chat import bot_lines, chat, env  # noqa: F401  (env is a fixture)

NIGHT = "2026-12-01T23:30:00+01:00"
THURSDAY_MORNING = "2026-12-03T10:30:00+01:00"


def said(out):
    return "\n".join(bot_lines(out))


def test_crisis_missed_before_are_caught(env):
    out = said(chat(env, "c1", ["jai pris des cachets"], at=NIGHT))
    assert out.splitlines()[0].startswith("bot> Appelle le 15")
    out = said(chat(env, "c2", ["je vais sauter"], at=NIGHT))
    assert "3114" in out and "15 ou le 112" in out
    out = said(chat(env, "c3", ["jsais pas ou dormir"], at=NIGHT))
    assert "115" in out and "Pas d'idée de métier" not in out


def test_after_a_crisis_the_bot_stays_then_a_gentle_way_back(env):
    out = chat(env, "c4", ["je veux mourir", "jsais pas", "jsuis tout seul", "jai pris des cachets",
                           "ça va mieux"], at=NIGHT)
    lines = bot_lines(out)
    text = "\n".join(lines)
    assert "Pas d'idée de métier" not in text and "Choisis un bouton" not in text
    assert "Qu'est-ce que tu veux faire ?" not in text          # no welcome menu
    assert text.count("Je reste là") >= 2
    assert "Appelle le 15 tout de suite" in text                 # the pills: 15/112
    assert "J'ai prévenu l'équipe" in text
    assert "reprendre" in lines[-1]


def test_waiting_answers_are_taken(env):
    base = ["slt", "Me présenter", "oui", "19", "perigueux"]
    out = said(chat(env, "w1", base + ["jfai rien"]))
    assert "Tu as déjà eu un conseiller" in out                 # taken as "rien pour l'instant"
    assert "préviens" not in out and "ça ne va pas fort" not in out
    out = said(chat(env, "w2", ["slt", "c ouvert quand ?", "jhabite a perigeux"]))
    assert "Grand Périgueux" in out and "FJT" not in out
    out = said(chat(env, "w3", ["bonjour", "c ouvert quand", "33000"]))
    assert "Bordeaux" in out and out.count("Salut ! Je suis un robot") == 1


def test_handoff_is_a_pause_with_honest_timing(env):
    out = said(chat(env, "h1", ["slt", "jhabite a perigeux", "Parler à un conseiller", "c koi le cej",
                                "allo ?"], at=THURSDAY_MORNING))
    assert "Grand Périgueux est ouverte en ce moment" in out and "jeudi à" not in out
    assert "Contrat d'Engagement" not in out                    # no FAQ while a person is expected
    assert out.count("Salut ! Je suis un robot") == 1         # no restart
    assert "je garde ton message" in out


def test_messages_as_people_write_them(env):
    out = said(chat(env, "p1", ["slt jvoudrai 1 rdv"]))
    assert "rendez-vous" in out and "Tu parles de quoi" not in out
    out = said(chat(env, "p2", ["slt c koi le cej", "c koi le cej ? et pour le permis y a des aides ?"]))
    assert "Contrat d'Engagement Jeune" in out
    assert "Tu as aussi posé une autre question" in out        # several questions: the others offered
    out = chat(env, "p3", ["slt", "👋", "😭", "🙏", "merci", "ok", "allo"])
    assert said(out).count("Je n'ai pas compris") == 0
    story = ("Bonjour, je m'appelle Sami, j'ai 19 ans. " + "J'ai arrêté le lycée l'an dernier et depuis "
             "je reste chez mes parents, je ne fais pas grand chose, je joue, je dors tard. " * 4
             + "Mon père me dit de chercher. Est-ce que je peux avoir l'allocation du CEJ ?")
    assert len(story) > 600
    out = said(chat(env, "p4", [story]))
    assert "allocation" in out.lower() and "Qu'est-ce que tu veux faire ?" not in out


def test_outside_the_region_the_rdv_names_where_to_go(env):
    out = said(chat(env, "o1", ["slt jvoudrai 1 rdv", "jsuis sur lyon"]))
    assert "Mission Locale de Lyon" in out and "Écris « conseiller »" not in out


def test_qr_reload_does_not_repeat_the_menu(env):
    first = chat(env, "q1", ["/start maraude-perigueux"])
    assert "Qu'est-ce que tu veux faire ?" in said(first)
    again = said(chat(env, "q1", ["/start maraude-perigueux"]))
    assert "Qu'est-ce que tu veux faire ?" not in again and "On reprend" not in again
