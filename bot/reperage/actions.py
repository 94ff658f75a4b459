"""Repérage: age, commune → Mission Locale, situation, known or not → cohort, and its event."""
from __future__ import annotations

from bot.contract import SKIP, ActionContext, Validation, action, fold, validator
from bot.messages import Button
from bot.reperage.facts import AGE_MAX, AGE_MAX_DISABILITY, AGE_MIN, cohort, months_since, parse_age

DEPARTEMENTS = {"16": "Charente", "17": "Charente-Maritime", "19": "Corrèze", "23": "Creuse",
                "24": "Dordogne", "33": "Gironde", "40": "Landes", "47": "Lot-et-Garonne",
                "64": "Pyrénées-Atlantiques", "79": "Deux-Sèvres", "86": "Vienne", "87": "Haute-Vienne"}


def _skipped(text: str) -> bool:
    return bool(SKIP.match(text))


@validator("age")
async def validate_age(ctx: ActionContext, text: str) -> Validation:
    if _skipped(text):
        return Validation(ok=True, value=None, slots={"age_ok": None})
    answer = parse_age(text, ctx.now.date())
    if answer is None:
        return Validation(ok=False, message="Je n'ai pas compris ton âge. Écris-le en chiffres, par exemple 19.")
    age = answer.age
    if age < 10 or age > 80:
        return Validation(ok=False, message="Hmm, ça me paraît étrange. Tu as quel âge, en chiffres ?")
    band = "ok" if AGE_MIN <= age <= AGE_MAX else (
        "handicap" if AGE_MAX < age <= AGE_MAX_DISABILITY else ("trop_jeune" if age < AGE_MIN else "trop_age"))
    ctx.remember(age=age, birth_year=answer.birth_year)
    return Validation(ok=True, value=age, slots={"age_band": band, "minor": age < 18})


def _place_name(text: str) -> str:
    """ "jsuis sur lyon" -> "Lyon": the place a jeune named, to name their Mission Locale."""
    import re
    words = re.sub(r"^(j ?habite|je vis|je suis|jsuis|moi)\s+(a|à|au|en|sur|vers|dans)?\s*", "",
                   text.strip().lower())
    return " ".join(w.capitalize() if len(w) > 2 else w for w in words.split()[:5])[:40]


@validator("commune")
async def validate_commune(ctx: ActionContext, text: str) -> Validation:
    """A name (typos welcome) or a postal code. Several matches → buttons; outside the region →
    said so, and the flow explains how to find their own Mission Locale."""
    if _skipped(text):
        return Validation(ok=True, value=None)
    config = ctx.services.config
    value = text.strip()
    if value.startswith("insee:"):
        commune = config.communes.by_insee.get(value[6:])
        if commune is None:
            return Validation(ok=False)
        return _found(ctx, commune)
    resolution = config.communes.resolve(text)
    if resolution.status == "found":
        return _found(ctx, resolution.commune)
    if resolution.status == "ambiguous":
        buttons = [Button(_label(c), f"insee:{c.insee}") for c in resolution.candidates[:5]]
        return Validation(ok=False, message="J'ai trouvé plusieurs communes. C'est laquelle ?",
                          buttons=buttons)
    if resolution.status == "outside":
        return Validation(ok=True, value=None, slots={"commune_outside": True,
                                                      "commune_outside_name": _place_name(text)})
    return Validation(ok=False, message="Je ne trouve pas cette commune. Tu peux écrire son nom "
                      "ou son code postal (par exemple 24000) ?")


def _label(commune) -> str:
    dep = DEPARTEMENTS.get(commune.departement, commune.departement)
    return f"{commune.nom} ({dep})"


def _found(ctx: ActionContext, commune) -> Validation:
    ml = ctx.services.config.territory.ml_for(commune.insee)
    ctx.remember(commune_insee=commune.insee, commune_nom=commune.nom,
                 mission_locale=ml.id if ml else None)
    return Validation(ok=True, value=commune.insee, slots={
        "commune_nom": commune.nom, "mission_locale": ml.id if ml else None, "commune_outside": False})


@validator("last_contact")
async def validate_last_contact(ctx: ActionContext, text: str) -> Validation:
    if text in ("recent", "old", "unknown"):
        months = {"recent": 1, "old": 12, "unknown": None}[text]
    elif _skipped(text) or fold(text).strip() in ("je sais plus", "je ne sais plus", "sais plus"):
        months = None
    else:
        months = months_since(text, ctx.now.date())
        if months is None:
            return Validation(ok=False, message="C'était il y a moins de 6 mois, ou plus ?",
                              buttons=[Button("Moins de 6 mois", "recent"),
                                       Button("6 mois ou plus", "old")])
    label = "inconnu" if months is None else ("6m+" if months >= 6 else "-6m")
    ctx.remember(last_contact=label)
    return Validation(ok=True, value=months)


@action("record_reperage")
async def record_reperage(ctx: ActionContext) -> None:
    """The repérage is done: the cohort, and one `reperage` event the figures count."""
    known = ctx.slots.get("known_ml")
    group = cohort(known if isinstance(known, bool) else None, ctx.slots.get("last_contact"),
                   ctx.services.config.settings.reactive_after_months)
    situation = ctx.slots.get("situation")
    ctx.slots["cohort"] = group
    ctx.remember(cohort=group, situation=situation,
                 known_ml=known if isinstance(known, bool) else None)
    ctx.emit("reperage", situation=situation)
