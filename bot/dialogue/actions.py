"""Validators and actions every flow may use: free text, a choice among buttons, yes/no, consent,
asking for a person, erasing one's data."""
from __future__ import annotations

from bot.contract import ActionContext, Validation, action, choose, fold, validator
from bot.dialogue import textes
from bot.messages import Button
from bot.understanding.normalize import normalize

_YES = {"oui", "ouais", "ouai", "ok", "okay", "okk", "dacc", "dac", "d'accord", "daccord", "yes", "yep",
        "ui", "wi", "oe", "carrement", "bien sur", "vas y", "vasy", "go", "c bon", "cest bon", "o"}
_NO = {"non", "nan", "no", "nope", "pas du tout", "jamais", "nn", "non merci", "pas maintenant"}


@validator("text")
async def any_text(ctx: ActionContext, text: str) -> Validation:
    text = text.strip()
    if not text:
        return Validation(ok=False)
    return Validation(ok=True, value=text[:500])


@validator("choice")
async def choice(ctx: ActionContext, text: str) -> Validation:
    buttons = ctx.params.get("buttons") or ctx.slots.get("_buttons") or []
    chosen = choose(text, [Button(**b) if isinstance(b, dict) else b for b in buttons])
    if chosen is not None:
        return Validation(ok=True, value=chosen.value)
    # the ways the flow says a jeune writes each answer ("jfai rien" -> sans_activite)
    words = f" {normalize(text)} "
    for value, phrases in (ctx.params.get("answers") or {}).items():
        if any(f" {normalize(p)} " in words for p in phrases):
            return Validation(ok=True, value=value)
    return Validation(ok=False)


def yes_no(text: str) -> bool | None:
    f = fold(text)
    if f in _YES or f.startswith(("oui ", "ok ", "ouais ", "d'accord")):
        return True
    if f in _NO or f.startswith(("non ", "nan ")):
        return False
    return None


@validator("yes_no")
async def validate_yes_no(ctx: ActionContext, text: str) -> Validation:
    if text in ("oui", "non"):
        return Validation(ok=True, value=text == "oui")
    answer = yes_no(text)
    if answer is None:
        return Validation(ok=False, message="Réponds juste « oui » ou « non ».")
    return Validation(ok=True, value=answer)


@action("give_consent")
async def give_consent(ctx: ActionContext) -> None:
    ctx.remember(consent=True, consent_at=ctx.now.isoformat())


@action("refuse_consent")
async def refuse_consent(ctx: ActionContext) -> None:
    ctx.remember(consent=False)


@action("request_human")
async def request_human(ctx: ActionContext) -> None:
    """The jeune asked for a person: into the référents' inbox, an alert, and an honest answer
    about when someone will read it."""
    ml = ctx.mission_locale
    ctx.emit("handoff", reason=ctx.params.get("reason", "demande"))
    ctx.slots["_engine"] = {"inbox_status": "waiting",
                            "alert": {"kind": "handoff", "reason": ctx.params.get("reason", "demande")}}
    online = ctx.services.extra.get("referents_online")
    # presence counts only people of the jeune's Mission Locale: unknown Mission Locale, no promise
    if ml is not None and online is not None and await online(ml.id):
        ctx.say("C'est noté. Un conseiller ou une conseillère va te répondre ici dans quelques minutes.")
        return
    if ml is not None and ml.is_open(ctx.now, ctx.services.holidays):
        ctx.say(f"C'est noté. {ml.name} est ouverte en ce moment : une personne lira ton message "
                "aujourd'hui, ici. Je garde tes messages pour elle.")
        return
    if ml is not None:
        nxt = ml.next_opening(ctx.now, ctx.services.holidays)
        when = _when(nxt) if nxt else "dès que possible"
        ctx.say(f"C'est noté. {ml.name} est fermée en ce moment. "
                f"Quelqu'un lira ton message {when}.\nTu peux aussi prendre rendez-vous tout de suite.",
                buttons=[Button("Prendre rendez-vous", "intent:rdv")])
    else:
        ctx.say("C'est noté. Un conseiller ou une conseillère lira ton message dès que possible "
                "(les Missions Locales sont ouvertes en semaine, en journée).\n"
                "Tu peux aussi prendre rendez-vous tout de suite.",
                buttons=[Button("Prendre rendez-vous", "intent:rdv")])


JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _when(at) -> str:
    return f"{JOURS[at.weekday()]} {at.day} à {at.hour}h{at.minute:02d}".replace("h00", "h")


@action("forget_me")
async def forget_me(ctx: ActionContext) -> None:
    ctx.emit("forget")
    ctx.slots["_engine"] = {"forget": True}
    ctx.say(textes.FORGOTTEN)
