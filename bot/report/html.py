"""The programme's report as one self-contained HTML file (issue 9).

Sent by e-mail, opened offline, printed for a board meeting: so inline CSS, charts drawn here as
inline SVG, no script, no CDN. Text for the direction and the ARML: precise, in French.
"""
from __future__ import annotations

from html import escape
from typing import Any, Sequence

from bot.reperage.actions_config import ACTION_TYPES

PALETTE = ["#1f5fa8", "#e07b39", "#2f9e6e", "#c0392b", "#7d5ba6", "#d4a017", "#17a2b8",
           "#8c564b", "#e377c2", "#7f7f7f"]
TYPE_LABELS = {"temps-additionnel": "Temps additionnel", "extra-muros": "Extra-muros",
               "raccrochage": "Raccrochage"}
OUTCOME_LABELS = {
    "rdv_pris": "Rendez-vous pris", "oriente": "Orienté", "entree_cej": "Entrée en CEJ",
    "entree_pacea": "Entrée en PACEA", "emploi": "Emploi", "formation": "Formation",
    "service_civique": "Service civique", "sans_suite": "Sans suite",
}
WEEKDAY_LABELS = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
MONTHS_FR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
             "nov.", "déc."]
MAX_SERIES = 8  # Missions Locales drawn one by one in the monthly chart; the rest are "autres"
MIN_FOR_SHARE = 10  # a share per ML is drawn only over this many jeunes repérés or réactivés

CSS = """
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
margin:0;color:#1d2733;background:#f5f7fa;line-height:1.4}
header{background:#1f5fa8;color:#fff;padding:20px 28px}header h1{margin:0 0 4px;font-size:1.5rem}
header p{margin:0;opacity:.9}main{max-width:1180px;margin:0 auto;padding:20px 20px 40px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 20px;
margin:0 0 18px}h2{font-size:1.15rem;margin:0 0 12px;color:#1f5fa8}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.card{border:1px solid #e1e6ee;border-radius:6px;padding:10px 12px}
.card .v{font-size:1.6rem;font-weight:700}.card .l{font-size:.85rem;color:#4a5868}
.card.main{background:#eef4fb;border-color:#c5d9f0}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{padding:4px 6px;
border-bottom:1px solid #e8ecf2;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f0f3f7;font-weight:600}svg.chart{display:block;max-width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:.8rem;margin:6px 0}
.legend span::before{content:"";display:inline-block;width:10px;height:10px;margin-right:4px;
background:var(--c);border-radius:2px}.two{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:800px){.two{grid-template-columns:1fr}}.note{font-size:.8rem;color:#5b6878}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid}}
"""


def _n(value: float | int) -> str:
    """12 345 (narrow no-break space), French style."""
    return f"{int(value):,}".replace(",", "\u202f")


def _pct(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + "\u00a0%"


def _month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{MONTHS_FR[int(m) - 1]} {year[2:]}"


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{body}</svg>")


def _empty(width: int, title: str) -> str:
    return _svg(width, 60, title, '<rect x="0" y="0" width="100%" height="60" fill="#f5f7fa"/>'
                '<text x="12" y="36" font-size="13" fill="#5b6878">Aucune donnée sur la période</text>')


def hbars(rows: Sequence[tuple[str, float]], title: str, width: int = 540, color: str = PALETTE[0],
          fmt=_n, label_width: int = 190) -> str:
    """Horizontal bars, one per (label, value)."""
    if not rows or max(v for _l, v in rows) <= 0:
        return _empty(width, title)
    top = max(v for _l, v in rows)
    bar_h, gap = 20, 8
    plot = width - label_width - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        w = max(1.0, plot * value / top) if value else 0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" font-size="12" text-anchor="end" '
            f'fill="#1d2733">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{color}" rx="2"><title>{escape(label)} : {fmt(value)}</title></rect>'
            f'<text x="{label_width + w + 5:.1f}" y="{y + 14}" font-size="12" fill="#1d2733">'
            f"{fmt(value)}</text>")
    return _svg(width, len(rows) * (bar_h + gap) + 8, title, "".join(parts))


def grouped_hbars(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str,
                  width: int = 540, label_width: int = 150) -> str:
    """Per group, one bar per series (e.g. outcomes with / without raccrochage)."""
    values = [v for _name, vs in series for v in vs]
    if not values or max(values) <= 0:
        return _empty(width, title)
    top = max(values)
    bar_h, gap = 12, 10
    plot = width - label_width - 60
    group_h = len(series) * bar_h + gap
    parts = []
    for g, label in enumerate(groups):
        y0 = g * group_h + 4
        parts.append(f'<text x="{label_width - 6}" y="{y0 + len(series) * bar_h / 2 + 4}" '
                     f'font-size="12" text-anchor="end">{escape(label)}</text>')
        for s, (name, vs) in enumerate(series):
            v = vs[g]
            w = max(1.0, plot * v / top) if v else 0
            y = y0 + s * bar_h
            parts.append(
                f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)}, {escape(name)} : '
                f'{_n(v)}</title></rect><text x="{label_width + w + 4:.1f}" y="{y + 10}" '
                f'font-size="10">{_n(v)}</text>')
    return _svg(width, len(groups) * group_h + 8, title, "".join(parts))


def stacked_columns(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                    title: str, width: int = 1100, height: int = 300) -> str:
    """Stacked columns: one column per category (month), one colour per series (ML)."""
    totals = [sum(vs[i] for _n_, vs in series) for i in range(len(categories))]
    if not categories or max(totals, default=0) <= 0:
        return _empty(width, title)
    top = max(totals)
    left, bottom, right, top_pad = 44, 40, 10, 10
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    step = plot_w / len(categories)
    bar_w = max(2.0, step * 0.75)
    parts = []
    for k in range(5):  # horizontal grid with values
        v = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e1e6ee"/><text x="{left - 4}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="#5b6878">{_n(round(v))}</text>')
    every = max(1, len(categories) // 12)
    for i, cat in enumerate(categories):
        x = left + i * step + (step - bar_w) / 2
        y = top_pad + plot_h
        for s, (name, vs) in enumerate(series):
            v = vs[i]
            if v <= 0:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"><title>'
                         f'{escape(_month_label(cat))}, {escape(name)} : {_n(v)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
                         f'text-anchor="middle" fill="#5b6878">{escape(_month_label(cat))}</text>')
    return _svg(width, height, title, "".join(parts))


def donut(share: float, title: str, label: str, size: int = 180) -> str:
    """One share of a whole (minors among jeunes repérés or réactivés)."""
    r, cx, cy, sw = size * 0.36, size / 2, size / 2, size * 0.14
    circumference = 2 * 3.141592653589793 * r
    filled = circumference * max(0.0, min(1.0, share))
    body = (f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" fill="none" stroke="#e1e6ee" '
            f'stroke-width="{sw:.1f}"/>'
            f'<circle class="arc" cx="{cx}" cy="{cy}" r="{r:.1f}" fill="none" stroke="{PALETTE[1]}" '
            f'stroke-width="{sw:.1f}" stroke-dasharray="{filled:.2f} {circumference:.2f}" '
            f'transform="rotate(-90 {cx} {cy})"/>'
            f'<text x="{cx}" y="{cy + 2}" font-size="{size * 0.14:.0f}" font-weight="700" '
            f'text-anchor="middle">{escape(_pct(share))}</text>'
            f'<text x="{cx}" y="{cy + size * 0.13:.0f}" font-size="11" text-anchor="middle" '
            f'fill="#5b6878">{escape(label)}</text>')
    return _svg(size, size, title, body)


def heatmap(grid: Sequence[Sequence[int]], title: str, width: int = 1100) -> str:
    """Contacts by weekday (rows) × hour (columns), Paris time."""
    total = sum(sum(row) for row in grid)
    if total <= 0:
        return _empty(width, title)
    top = max(max(row) for row in grid)
    left, top_pad, cell_h = 40, 22, 26
    cell_w = (width - left - 10) / 24
    parts = []
    for h in range(24):
        parts.append(f'<text x="{left + h * cell_w + cell_w / 2:.1f}" y="14" font-size="10" '
                     f'text-anchor="middle" fill="#5b6878">{h}h</text>')
    for d, row in enumerate(grid):
        y = top_pad + d * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{WEEKDAY_LABELS[d]}</text>')
        for h, v in enumerate(row):
            t = v / top if top else 0
            # from pale (#eef4fb) to deep blue (#0b3d7a)
            r_, g_, b_ = (round(238 + (11 - 238) * t), round(244 + (61 - 244) * t),
                          round(251 + (122 - 251) * t))
            parts.append(f'<rect class="cell" x="{left + h * cell_w:.1f}" y="{y}" '
                         f'width="{cell_w - 1:.1f}" height="{cell_h - 1}" '
                         f'fill="rgb({r_},{g_},{b_})"><title>{WEEKDAY_LABELS[d]} {h}h : {_n(v)} '
                         f'contacts</title></rect>')
    return _svg(width, top_pad + 7 * cell_h + 6, title, "".join(parts))


def funnel(steps: Sequence[dict[str, Any]], title: str, width: int = 540) -> str:
    """Distinct jeunes at each step, centred bars narrowing down, with the share of the first."""
    first = steps[0]["jeunes"] if steps else 0
    if not first and not any(s["jeunes"] for s in steps):
        return _empty(width, title)
    top = max(s["jeunes"] for s in steps)
    bar_h, gap, label_w = 30, 6, 110
    plot = width - label_w - 10
    parts = []
    for i, step in enumerate(steps):
        v = step["jeunes"]
        w = max(1.0, plot * v / top) if v else 0
        x = label_w + (plot - w) / 2
        y = i * (bar_h + gap) + 2
        share = f" ({_pct(v / first)})" if first and i else ""
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 19}" font-size="12" text-anchor="end">'
            f'{escape(step["label"])}</text>'
            f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{PALETTE[i % len(PALETTE)]}" rx="3"/>'
            f'<text x="{label_w + plot / 2:.1f}" y="{y + 19}" font-size="12" text-anchor="middle" '
            f'fill="#1d2733" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f'{_n(v)}{escape(share)}</text>')
    return _svg(width, len(steps) * (bar_h + gap) + 4, title, "".join(parts))


def _legend(names: Sequence[str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span style="--c:{PALETTE[i % len(PALETTE)]}">{escape(n)}</span>'
        for i, n in enumerate(names)) + "</div>"


def _card(value: str, label: str, main: bool = False) -> str:
    return (f'<div class="card{" main" if main else ""}"><div class="v">{escape(value)}</div>'
            f'<div class="l">{escape(label)}</div></div>')


def _monthly_series(extra: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[float]]]]:
    months = list(extra.get("months", []))
    by_month = extra.get("remobilised_by_month", {})
    totals: dict[str, int] = {}
    for m in months:
        for ml_id, n in by_month.get(m, {}).items():
            totals[ml_id] = totals.get(ml_id, 0) + n
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    shown, rest = ranked[:MAX_SERIES], ranked[MAX_SERIES:]
    series = [(ml_id, [by_month.get(m, {}).get(ml_id, 0) for m in months]) for ml_id in shown]
    if rest:
        series.append((f"autres ({len(rest)})",
                       [sum(by_month.get(m, {}).get(k, 0) for k in rest) for m in months]))
    return months, series


def render_html(report: dict[str, Any], extra: dict[str, Any]) -> str:
    period = report["period"]
    scope = report.get("scope", "region")
    scope_label = "Nouvelle-Aquitaine (toutes les Missions Locales)" if scope == "region" else scope
    title = extra.get("title") or "IN Système — les chiffres du programme"
    remob = report["repere"] + report["reactive"]
    outcomes = report["outcomes"]
    after_total = sum(outcomes["after_raccrochage"].values())
    without_total = sum(outcomes["without_raccrochage"].values())
    out: list[str] = []
    w = out.append
    w(f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
      f'<meta name="viewport" content="width=device-width, initial-scale=1">'
      f"<title>{escape(title)} — {escape(period['from'])} au {escape(period['to'])}</title>"
      f"<style>{CSS}</style></head><body>")
    w(f"<header><h1>{escape(title)}</h1><p>{escape(scope_label)} · du {escape(period['from'])} "
      f"au {escape(period['to'])} inclus (heure de Paris)</p></header><main>")

    # Chiffres clés ---------------------------------------------------------------------------
    w('<section id="chiffres-cles"><h2>Chiffres clés</h2><div class="cards">')
    w(_card(_n(remob), f"jeunes repérés ou réactivés, dont {_pct(report['minors_share'])} de mineurs",
            main=True))
    w(_card(_n(report["repere"]), "dont inconnus de toute Mission Locale (repérés)"))
    w(_card(_n(report["reactive"]), "dont sans contact depuis 6 mois ou plus (réactivés)"))
    w(_card(_pct(report["raccrochage_rate"]),
            "des repérés/réactivés remobilisés sur une action de raccrochage"))
    for t in ACTION_TYPES:
        a = report["actions_by_type"][t]
        w(_card(_n(a["actions"]), f"actions {TYPE_LABELS[t].lower()} : {_n(a['contacts'])} contacts, "
                                  f"{_n(a['jeunes'])} jeunes"))
    w(_card(_n(after_total), "sorties après une action de raccrochage"))
    w(_card(_n(without_total), "sorties sans action de raccrochage"))
    w(_card(_n(report["jeunes"]), "jeunes en contact avec le bot (tous)"))
    contacts = report.get("contacts", 0)
    w(_card(_n(report["contacts_out_of_hours"]),
            "contacts hors des horaires d'ouverture" +
            (f" ({_pct(report['contacts_out_of_hours'] / contacts)} des contacts)" if contacts else "")))
    w(_card(_n(report["rdv_booked"]), "rendez-vous pris"))
    w("</div></section>")

    # Repérés / réactivés by month and ML ------------------------------------------------------
    months, series = _monthly_series(extra)
    w('<section id="par-mois"><h2>Jeunes repérés ou réactivés, par mois et par Mission Locale</h2>')
    w(stacked_columns(months, series, "Jeunes repérés ou réactivés par mois et par Mission Locale"))
    w(_legend([name for name, _v in series]))
    w('<p class="note">Un jeune compte le mois de son repérage (heure de Paris).</p></section>')

    # Minors, heatmap ---------------------------------------------------------------------------
    w('<div class="two"><section id="mineurs"><h2>Part des mineurs</h2>')
    w(donut(report["minors_share"], "Part des mineurs parmi les jeunes repérés ou réactivés",
            "mineurs"))
    ml_rows = [(ml_id, f["minors_share"]) for ml_id, f in report["mission_locale"].items()
               if f["repere"] + f["reactive"] >= MIN_FOR_SHARE]
    ml_rows.sort(key=lambda r: (-r[1], r[0]))
    if len(ml_rows) > 1:
        w(hbars(ml_rows[:15], "Part des mineurs par Mission Locale", color=PALETTE[1], fmt=_pct))
        w(f'<p class="note">Missions Locales avec au moins {MIN_FOR_SHARE} jeunes repérés ou '
          "réactivés (en dessous, la part ne veut pas dire grand-chose).</p>")
    w("</section>")
    w('<section id="entonnoir"><h2>Du contact à la sortie</h2>')
    w(funnel(extra.get("funnel", []), "Jeunes à chaque étape : contact, repérage, rendez-vous, "
             "raccrochage, sortie"))
    w('<p class="note">Jeunes distincts ayant atteint chaque étape sur la période.</p></section></div>')
    w('<section id="heures"><h2>Contacts par heure et par jour (heure de Paris)</h2>')
    w(heatmap(extra.get("heatmap", [[0] * 24 for _ in range(7)]), "Contacts par jour et par heure"))
    w("</section>")

    # Actions -----------------------------------------------------------------------------------
    w('<section id="actions"><h2>Actions par type et ce qu\'elles ont apporté</h2>')
    groups = [TYPE_LABELS[t] for t in ACTION_TYPES]
    abt = report["actions_by_type"]
    w(grouped_hbars(groups, [
        ("actions", [abt[t]["actions"] for t in ACTION_TYPES]),
        ("contacts", [abt[t]["contacts"] for t in ACTION_TYPES]),
        ("jeunes", [abt[t]["jeunes"] for t in ACTION_TYPES]),
    ], "Actions, contacts et jeunes par type d'action", width=760))
    w(_legend(["actions", "contacts", "jeunes"]))
    rows = sorted(extra.get("actions", report.get("actions", {})).items(),
                  key=lambda kv: (-kv[1]["jeunes"], kv[0]))
    if rows:
        w("<table><thead><tr><th>Action</th><th>Type</th><th>Mission Locale</th><th>Contacts</th>"
          "<th>Jeunes</th><th>dont repérés/réactivés</th><th>avec rendez-vous</th>"
          "<th>inscrits en raccrochage</th></tr></thead><tbody>")
        for action_id, a in rows[:40]:
            w(f"<tr><td>{escape(a['title'])}</td><td>{escape(TYPE_LABELS.get(a['type'] or '', '?'))}"
              f"</td><td>{escape(a['mission_locale'] or 'réseau')}</td><td>{_n(a['contacts'])}</td>"
              f"<td>{_n(a['jeunes'])}</td><td>{_n(a['remobilised'])}</td>"
              f"<td>{_n(a['rdv_booked'])}</td><td>{_n(a['raccrochage_registered'])}</td></tr>")
        w("</tbody></table>")
        if len(rows) > 40:
            w(f'<p class="note">Les 40 actions qui ont touché le plus de jeunes, sur {len(rows)}.</p>')
    w("</section>")

    # Outcomes, crises ----------------------------------------------------------------------------
    names = [o for o in outcomes["total"]]
    w('<div class="two"><section id="sorties"><h2>Sorties, avec ou sans raccrochage</h2>')
    w(grouped_hbars([OUTCOME_LABELS.get(o, o) for o in names], [
        ("après raccrochage", [outcomes["after_raccrochage"].get(o, 0) for o in names]),
        ("sans raccrochage", [outcomes["without_raccrochage"].get(o, 0) for o in names]),
    ], "Sorties après une action de raccrochage et sans"))
    w(_legend(["après raccrochage", "sans raccrochage"]))
    w("</section>")
    w('<section id="alertes"><h2>Détresse et passages à un conseiller</h2><div class="cards">')
    w(_card(_n(report["crises"]), "situations de détresse détectées"))
    w(_card(_n(report["handoffs"]), "conversations passées à un conseiller"))
    w("</div>")
    categories = extra.get("crisis_categories", {})
    if categories:
        w(hbars(list(categories.items()), "Détresse par catégorie", color=PALETTE[3]))
    w("</section></div>")

    # Per ML table --------------------------------------------------------------------------------
    if report["mission_locale"]:
        w('<section id="missions-locales"><h2>Par Mission Locale</h2><table><thead><tr>'
          "<th>Mission Locale</th><th>Jeunes</th><th>Repérés</th><th>Réactivés</th>"
          "<th>Mineurs</th><th>Contacts hors horaires</th><th>Rendez-vous</th>"
          "<th>Raccrochage</th><th>Conseiller</th><th>Détresse</th></tr></thead><tbody>")
        for ml_id, f in report["mission_locale"].items():
            w(f"<tr><td>{escape(ml_id)}</td><td>{_n(f['jeunes'])}</td><td>{_n(f['repere'])}</td>"
              f"<td>{_n(f['reactive'])}</td><td>{_pct(f['minors_share'])}</td>"
              f"<td>{_n(f['contacts_out_of_hours'])}</td><td>{_n(f['rdv_booked'])}</td>"
              f"<td>{_pct(f['raccrochage_rate'])}</td><td>{_n(f['handoffs'])}</td>"
              f"<td>{_n(f['crises'])}</td></tr>")
        w("</tbody></table></section>")
    w('<p class="note">Calculé à partir des événements seuls (identifiants pseudonymes) : '
      "l'effacement d'un jeune ne change pas ces chiffres.</p></main></body></html>")
    return "".join(out)
