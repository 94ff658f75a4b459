"""A seeded, realistic events dataset: two years of a regional programme, for tests and benchmarks.

Jeunes write mostly in the evening and at night, more in September, less in August; about a
quarter are minors; they come from QR posters (extra-muros), during temps-additionnel evenings,
or at any time; some get repérés or réactivés, book a rendez-vous, register on a raccrochage
session, reach an outcome; a few are in crisis or ask for a human. Contacts are attributed with
the real `bot.reperage.attribution` rules, so `action_id` and `out_of_hours` are what the bot would write.

    events = generate_events(seed=1, n_events=50_000).events        # pure, no database
    dataset = await generate(records, seed=1, n_events=50_000)      # and written to a RecordStore
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from bot.reperage.actions_config import Action, ActionsConfig, load_actions
from bot.reperage.attribution import DEFAULT_NETWORK_HOURS, attribute
from bot.clock import as_utc
from bot.territoire.jours_feries import JoursFeries
from bot.territoire.missions_locales import MissionLocale
from bot.stores.records import Event, RecordStore

SATISFACTION_KIND = "raccrochage_avis"   # bot/report: the question after a raccrochage session
SATISFACTION_QUESTIONS = ("aide_connue", "envie_continuer", "recontact")

ROOT = Path(__file__).resolve().parent.parent
KNOWN_ML_IDS = [
    "ml-grand-perigueux", "ml-bordeaux", "ml-poitiers", "ml-limoges", "ml-pau", "ml-la-rochelle",
    "ml-angouleme", "ml-niort", "ml-agen", "ml-landes", "ml-pays-basque", "ml-creuse",
    "ml-bergerac", "ml-libournais",
]
N_MLS = 43  # the Missions Locales of Nouvelle-Aquitaine (the network of the benchmark)
POSTS_ID = "system:posts"

# Relative weight of each hour of the day (Paris time) for a jeune's first message: night-heavy.
HOUR_WEIGHTS = [6, 4, 3, 2, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 9, 11, 13, 14, 13, 9]
# Relative weight of each month (January first): September peaks, August is low.
MONTH_WEIGHTS = [1.1, 1.0, 1.0, 0.95, 0.9, 0.85, 0.7, 0.4, 1.7, 1.3, 1.1, 0.8]
SITUATIONS = ["sans_activite", "decrochage", "recherche_emploi", "fin_de_contrat", "sortie_formation"]
FAQ_TOPICS = ["cej", "emploi", "formation", "apprentissage", "logement", "permis", "allocation",
              "horaires", "documents", "service-civique", "sante", "mobilite"]
CRISIS_CATEGORIES = ["suicide", "violence", "danger", "sans_abri"]
OUTCOME_WEIGHTS = {"rdv_pris": 30, "oriente": 18, "entree_cej": 14, "entree_pacea": 6,
                   "emploi": 9, "formation": 9, "service_civique": 4, "sans_suite": 10}


@dataclass
class Dataset:
    events: list[Event]
    ml_ids: list[str]
    actions: ActionsConfig
    start: date
    end: date
    jeunes: int = 0
    extra: dict = field(default_factory=dict)


def config_ml_ids(config_dir: Path = ROOT / "config") -> list[str]:
    """The Mission Locale ids of config/missions_locales.yml, or the known list if not there."""
    path = config_dir / "missions_locales.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        ids = [m["id"] for m in data.get("missions_locales", []) if isinstance(m, dict) and "id" in m]
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        ids = []
    return ids or list(KNOWN_ML_IDS)


def _synthetic_actions(ml_ids: list[str], config: ActionsConfig, rng: random.Random) -> ActionsConfig:
    """The config's actions, plus one of each type for the MLs that have none of it."""
    actions: list[Action] = list(config.actions)
    for ml_id in ml_ids:
        have = {a.type for a in config.for_ml(ml_id)}
        slug = ml_id.removeprefix("ml-")
        if "temps-additionnel" not in have:
            days = sorted(rng.sample(["lun", "mar", "mer", "jeu", "ven"], 2),
                          key=["lun", "mar", "mer", "jeu", "ven"].index)
            actions.append(Action.model_validate({
                "id": f"soirees-{slug}", "type": "temps-additionnel", "mission_locale": ml_id,
                "title": "Les soirées", "description": "Le soir, on te répond.",
                "windows": [{"days": days, "from": "18:00", "to": rng.choice(["21:00", "22:00"])}]}))
        if "extra-muros" not in have:
            actions.append(Action.model_validate({
                "id": f"maraude-{slug}", "type": "extra-muros", "mission_locale": ml_id,
                "title": "Maraude", "description": "On vient te voir.", "code": f"qr-{slug}",
                "kind": rng.choice(["maraude", "stand", "forum", "live"])}))
        if "raccrochage" not in have:
            actions.append(Action.model_validate({
                "id": f"ateliers-{slug}", "type": "raccrochage", "mission_locale": ml_id,
                "title": "Ateliers", "description": "Un atelier pour repartir.",
                "sessions": [{"start": "2026-01-15 14:00", "end": "2026-01-15 16:00",
                              "place": "Mission Locale", "capacity": 12}]}))
    return ActionsConfig(actions)


def _ml(ml_id: str) -> MissionLocale:
    return MissionLocale(id=ml_id, name=ml_id, address="-", phone="-",
                         hours={d: list(r) for d, r in DEFAULT_NETWORK_HOURS.items()})


def generate_events(seed: int = 1, n_events: int = 50_000, start: date = date(2025, 1, 1),
                    days: int = 730, config_dir: Path = ROOT / "config",
                    n_mls: int = N_MLS) -> Dataset:
    """At least `n_events` events (whole jeunes' stories), sorted by time; no database."""
    rng = random.Random(seed)
    known = config_ml_ids(config_dir)
    ml_ids = known + [f"ml-synthetique-{i:02d}" for i in range(1, n_mls - len(known) + 1)]
    actions = _synthetic_actions(
        ml_ids, load_actions(config_dir / "actions.yml", ml_ids), rng)
    mls = {ml_id: _ml(ml_id) for ml_id in ml_ids}
    feries = JoursFeries()
    end = start + timedelta(days=days - 1)
    ml_weights = [rng.uniform(0.3, 1.0) * (4 if i < len(known) else 1) for i in range(len(ml_ids))]
    if "ml-bordeaux" in ml_ids:
        ml_weights[ml_ids.index("ml-bordeaux")] *= 3
    day_list = [start + timedelta(days=i) for i in range(days)]
    day_weights = [MONTH_WEIGHTS[d.month - 1] for d in day_list]
    coded = {ml_id: [a for a in actions.for_ml(ml_id) if a.code] for ml_id in ml_ids}
    racc = {ml_id: [a for a in actions.for_ml(ml_id) if a.type == "raccrochage"] for ml_id in ml_ids}
    last = as_utc(datetime.combine(end, datetime.max.time()))

    out: list[Event] = []
    n_jeunes = 0
    while len(out) < n_events:
        n_jeunes += 1
        jeune = f"j{seed:x}{n_jeunes:06d}{rng.getrandbits(24):06x}"
        story = _story(rng, jeune, ml_ids, ml_weights, mls, coded, racc, actions, feries,
                       day_list, day_weights)
        out.extend(e for e in story if e.at <= last)

    # The weekly posts of each ML: not a jeune's events.
    for ml_id in ml_ids[:8]:
        d = start + timedelta(days=rng.randrange(7))
        while d <= end:
            at = as_utc(datetime(d.year, d.month, d.day, 12, 0))
            ml_actions = actions.for_ml(ml_id)
            out.append(Event(at=at, channel="telegram", jeune_id=POSTS_ID, kind="post_published",
                             mission_locale=ml_id,
                             action_id=rng.choice(ml_actions).id if ml_actions else None))
            d += timedelta(days=7)
    out.sort(key=lambda e: e.at)
    return Dataset(events=out, ml_ids=ml_ids, actions=actions, start=start, end=end,
                   jeunes=n_jeunes)


def _story(rng, jeune, ml_ids, ml_weights, mls, coded, racc, actions, feries, day_list,
           day_weights) -> list[Event]:
    """One jeune's events, in order: sessions of contact, maybe repérage, rdv, raccrochage..."""
    ml_id = rng.choices(ml_ids, ml_weights)[0]
    ml = mls[ml_id]
    channel = "telegram" if rng.random() < 0.7 else "web"
    cohort = rng.choices(["repere", "reactive", "suivi", None], [40, 25, 20, 15])[0]
    minor = rng.random() < 0.25
    day = rng.choices(day_list, day_weights)[0]
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    t = as_utc(datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60)))
    source = None
    if coded[ml_id] and rng.random() < 0.18:
        source = rng.choice(coded[ml_id]).code
    events: list[Event] = []
    known_ml = False   # the commune said (the engine then rewrites the session's contact)
    told = None  # cohort once the repérage is done
    aged = None  # the minor flag once the age is given
    session_action = None

    def emit(kind: str, action_id: str | None = None, **kw) -> Event:
        nonlocal t
        t += timedelta(seconds=rng.randint(20, 240))
        action = actions.by_id.get(action_id or session_action or "")
        # as bot/event_log.py writes them: the action's type and Mission Locale; the event's
        # Mission Locale is the jeune's, else the action's (a QR code at a maraude)
        e = Event(at=t, channel=channel, jeune_id=jeune, kind=kind,
                  mission_locale=ml_id if known_ml else (action.mission_locale if action else None),
                  cohort=told or "inconnu", minor=aged, action_id=action.id if action else None,
                  action_type=action.type if action else None,
                  action_ml=action.mission_locale if action else None, **kw)
        events.append(e)
        return e

    def fix_contact(contact: Event) -> None:
        if known_ml:
            contact.mission_locale = ml_id
        contact.minor = aged

    sessions = rng.choices([1, 2, 3, 4, 5], [45, 25, 15, 10, 5])[0]
    for n in range(sessions):
        if n:
            t += timedelta(hours=rng.choice([1, 3, 20, 26, 50, 170, 400]), minutes=rng.randrange(60))
            source = None
        att = attribute(t, ml if known_ml else None, source, actions, feries)
        session_action = att.action_id
        contact = emit("contact", out_of_hours=att.out_of_hours,
                       data={"source": source} if source else {})
        for _ in range(rng.choices([0, 1, 2], [50, 35, 15])[0]):
            emit("faq", data={"topic": rng.choice(FAQ_TOPICS)})
        if n == 0:
            if rng.random() < 0.85:   # the age, given or not
                aged = minor
                fix_contact(contact)
                if rng.random() < 0.04:   # and nothing more: stops after the age question
                    break
            known_ml = rng.random() < 0.9  # the commune, said or not
            fix_contact(contact)
            if cohort and known_ml and rng.random() < 0.9:
                told = cohort
                emit("reperage", data={"situation": rng.choice(SITUATIONS)})
            if rng.random() < 0.015:
                emit("crisis", data={"category": rng.choice(CRISIS_CATEGORIES)})
                emit("handoff")
                continue
        if not known_ml:
            continue
        if n and told and rng.random() < 0.04:  # the référent corrects the cohort later
            told = rng.choice([c for c in ("repere", "reactive", "suivi") if c != told])
            emit("reperage", data={"situation": rng.choice(SITUATIONS)})
        if rng.random() < 0.08:
            emit("handoff")
        if told and rng.random() < 0.35:
            emit("rdv_booked")
            r = rng.random()
            if r < 0.08:
                emit("rdv_cancelled")
            elif r < 0.15:
                emit("rdv_moved")
            elif rng.random() < 0.45:
                emit("outcome", data={"outcome": rng.choices(
                    list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]})
        if told in ("repere", "reactive") and racc[ml_id] and rng.random() < 0.12:
            racc_action = rng.choice(racc[ml_id]).id
            emit("raccrochage_registered", action_id=racc_action)
            if rng.random() < 0.4:   # the question after the session, answered with buttons
                t += timedelta(days=rng.randint(1, 20))
                emit(SATISFACTION_KIND, action_id=racc_action, data={
                    q: "oui" if rng.random() < p else "non"
                    for q, p in zip(SATISFACTION_QUESTIONS, (0.7, 0.6, 0.45))})
            if rng.random() < 0.5:
                t += timedelta(days=rng.randint(7, 40))
                emit("outcome", data={"outcome": rng.choices(
                    list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]})
        if rng.random() < 0.02:
            emit("stop")
            break
    return events


async def generate(records: RecordStore, seed: int = 1, n_events: int = 50_000,
                   start: date = date(2025, 1, 1), days: int = 730,
                   config_dir: Path = ROOT / "config", n_mls: int = N_MLS) -> Dataset:
    """Generate and write to the store (in chunks); returns the dataset with what was written."""
    dataset = generate_events(seed, n_events, start, days, config_dir, n_mls)
    for i in range(0, len(dataset.events), 5000):
        await records.add_events(dataset.events[i:i + 5000])
    return dataset
