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
MAX_SERIES = 8  # Missions Locales drawn one by one in a chart; the rest are "autres"
CHART_W = 560   # every chart fits a phone once scaled (390 px): no chart wider than this
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
.card .p{font-size:.78rem;color:#5b6878;margin-top:2px}.card .t{font-size:.8rem;color:#1d6b45;
margin-top:2px;font-weight:600}.bar-t{height:6px;background:#e1e6ee;border-radius:3px;margin-top:4px}
.bar-t i{display:block;height:6px;background:#2f9e6e;border-radius:3px}
h3{font-size:1rem;margin:14px 0 6px}
@media (max-width:600px){main{padding:10px 8px 30px}header{padding:14px 12px}
header h1{font-size:1.2rem}section{padding:12px 10px}.cards{grid-template-columns:1fr 1fr;gap:8px}
.card .v{font-size:1.25rem}table.rows,table.rows tbody,table.rows tr,table.rows td{display:block;
width:100%}table.rows thead{display:none}table.rows tr{border:1px solid #e1e6ee;border-radius:6px;
margin:0 0 8px;padding:4px 8px}table.rows td{border:0;text-align:right;padding:2px 0}
table.rows td:first-child{text-align:left;font-weight:600}table.rows td[data-l]::before{
content:attr(data-l);float:left;color:#4a5868;font-weight:400;margin-right:8px}}
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
    for h in range(0, 24, 3):
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


PATH_LABELS = {"rdv": "Rendez-vous", "entree_cej": "CEJ", "entree_pacea": "PACEA",
               "emploi": "Emploi", "formation": "Formation", "service_civique": "Service civique"}
SATISFACTION_LABELS = {
    "aide_connue": "connaissent mieux les aides proposées",
    "envie_continuer": "ont envie de continuer",
    "recontact": "ont repris contact avec France Travail ou la Mission Locale"}
TARGET_LABELS = {
    "jeunes": "jeunes", "remobilised": "jeunes repérés ou réactivés", "repere": "jeunes repérés",
    "reactive": "jeunes réactivés", "minors": "mineurs", "remobilised_minors":
    "mineurs repérés ou réactivés", "contacts": "contacts", "rdv_booked": "rendez-vous pris",
    "raccrochage_registered": "inscriptions en raccrochage",
    "remobilised_on_raccrochage": "repérés ou réactivés inscrits en raccrochage"}


def _name(names: dict[str, str], ml_id: str | None) -> str:
    if not ml_id:
        return "réseau (ARML)"
    return names.get(ml_id, ml_id)


def _monthly_totals(extra: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """One column per month: the region's total (a chart of 43 colours says nothing)."""
    months = list(extra.get("months", []))
    by_month = extra.get("remobilised_by_month", {})
    return months, [("jeunes repérés ou réactivés",
                     [sum(by_month.get(m, {}).values()) for m in months])]


def _card(value: str, label: str, main: bool = False, before: str | None = None,
          target: dict | None = None) -> str:
    out = (f'<div class="card{" main" if main else ""}"><div class="v">{escape(value)}</div>'
           f'<div class="l">{escape(label)}</div>')
    if before is not None:
        out += f'<div class="p">période précédente : {escape(before)}</div>'
    if target:
        share = target["share"]
        out += (f'<div class="t">{escape(_pct0(share))} de la cible {target["year"]} '
                f'({escape(_n(target["target"]))})</div><div class="bar-t"><i style="width:'
                f'{min(100.0, share * 100):.0f}%"></i></div>')
    return out + "</div>"


def _pct0(share: float) -> str:
    return f"{share * 100:.0f}\u00a0%"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table that becomes one card per row on a phone (the header as labels)."""
    out = ['<table class="rows"><thead><tr>'] + [f"<th>{escape(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(
            f'<td data-l="{escape(head[i])}">{escape(c)}</td>' if i else f"<td>{escape(c)}</td>"
            for i, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(report: dict[str, Any], extra: dict[str, Any]) -> str:
    period = report["period"]
    names: dict[str, str] = dict(extra.get("names", {}))
    for ml_id, row in report.get("mission_locale", {}).items():
        names.setdefault(ml_id, row.get("name", ml_id))
    scope = report.get("scope", "region")
    scope_label = ("Nouvelle-Aquitaine (toutes les Missions Locales)" if scope == "region"
                   else report.get("name") or _name(names, scope))
    title = extra.get("title") or "IN Système — les chiffres du programme"
    prev = report.get("previous")
    targets = report.get("targets", {})
    outcomes = report["outcomes"]
    out: list[str] = []
    w = out.append

    def before(key: str, fmt=_n) -> str | None:
        return fmt(prev[key]) if prev and key in prev else None

    w(f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
      f'<meta name="viewport" content="width=device-width, initial-scale=1">'
      f"<title>{escape(title)} — {escape(period['from'])} au {escape(period['to'])}</title>"
      f"<style>{CSS}</style></head><body>")
    w(f"<header><h1>{escape(title)}</h1><p>{escape(scope_label)} · du {escape(period['from'])} "
      f"au {escape(period['to'])} inclus (heure de Paris)"
      + (f" · période précédente : du {escape(prev['period']['from'])} au "
         f"{escape(prev['period']['to'])}" if prev else "") + "</p></header><main>")

    # Chiffres clés ---------------------------------------------------------------------------
    w('<section id="chiffres-cles"><h2>Chiffres clés</h2><div class="cards">')
    w(_card(_n(report["remobilised"]),
            f"jeunes repérés ou réactivés, dont {_pct(report['minors_share'])} de mineurs",
            main=True, before=before("remobilised"), target=targets.get("remobilised")))
    w(_card(_n(report["repere"]),
            f"repérés (inconnus de toute Mission Locale), dont "
            f"{_pct(report['repere_minors_share'])} de mineurs",
            before=before("repere"), target=targets.get("repere")))
    w(_card(_n(report["reactive"]),
            f"réactivés (sans contact depuis 6 mois ou plus), dont "
            f"{_pct(report['reactive_minors_share'])} de mineurs",
            before=before("reactive"), target=targets.get("reactive")))
    w(_card(_pct(report["raccrochage_rate"]),
            f"taux de raccrochage : {_n(report['remobilised_on_raccrochage'])} repérés ou "
            "réactivés inscrits à une action de raccrochage",
            before=before("raccrochage_rate", _pct),
            target=targets.get("remobilised_on_raccrochage")))
    for t in ACTION_TYPES:
        a = report["actions_by_type"][t]
        pa = prev["actions_by_type"][t] if prev else None
        w(_card(_n(a["actions"]), f"actions {TYPE_LABELS[t].lower()} : {_n(a['contacts'])} "
                                  f"contacts, {_n(a['jeunes'])} jeunes",
                before=(f"{_n(pa['actions'])} actions, {_n(pa['contacts'])} contacts"
                        if pa else None)))
    w(_card(_n(report["minors"]), "mineurs parmi les jeunes qui ont donné leur âge "
                                  f"({_n(report['ages_known'])})",
            before=before("minors"), target=targets.get("minors")))
    w(_card(_n(report["jeunes"]), "jeunes en contact avec le bot (tous)",
            before=before("jeunes"), target=targets.get("jeunes")))
    contacts = report.get("contacts", 0)
    w(_card(_n(report["contacts_out_of_hours"]),
            "contacts hors des horaires d'ouverture" +
            (f" ({_pct(report['contacts_out_of_hours'] / contacts)} des contacts)" if contacts else ""),
            before=before("contacts_out_of_hours")))
    w(_card(_n(report["rdv_booked"]), "rendez-vous pris", before=before("rdv_booked"),
            target=targets.get("rdv_booked")))
    w("</div>")
    for name, t in targets.items():
        if name not in ("remobilised", "repere", "reactive", "remobilised_on_raccrochage",
                        "minors", "jeunes", "rdv_booked"):
            w(f'<p class="note">Cible {t["year"]} : {_n(t["target"])} '
              f'{escape(TARGET_LABELS.get(name, name))} — {_n(t["value"])}, soit '
              f'{escape(_pct0(t["share"]))} de la cible.</p>')

    # Paths after raccrochage and without --------------------------------------------------------
    paths = report["paths"]
    after, without = paths["after_raccrochage"], paths["without_raccrochage"]
    w("<h3>Parcours des jeunes, après une action de raccrochage et sans</h3>")
    rows = []
    for step, label in PATH_LABELS.items():
        rows.append([label,
                     f"{_n(after[step])} ({_pct(after[step] / after['jeunes']) if after['jeunes'] else '–'})",
                     f"{_n(without[step])} ({_pct(without[step] / without['jeunes']) if without['jeunes'] else '–'})"])
    w(_table(["Étape", f"après raccrochage ({_n(after['jeunes'])} jeunes)",
              f"sans raccrochage ({_n(without['jeunes'])} jeunes)"], rows))
    sat = report["satisfaction"]
    w("<h3>Ce que les séances de raccrochage ont apporté (l'avis des jeunes)</h3>")
    if sat["answers"]:
        w('<div class="cards">' + "".join(
            _card(_pct(sat[q] / sat["answers"]), f"{label} ({_n(sat[q])})")
            for q, label in SATISFACTION_LABELS.items()) + "</div>")
        w(f'<p class="note">{_n(sat["answers"])} réponses à la question posée après une séance '
          "(boutons oui / non).</p>")
    else:
        w('<p class="note">Aucune réponse sur la période.</p>')
    w("</section>")

    # Repérés / réactivés by month, and by Mission Locale ----------------------------------------
    months, series = _monthly_totals(extra)
    w('<section id="par-mois"><h2>Jeunes repérés ou réactivés, par mois</h2>')
    w(stacked_columns(months, series, "Jeunes repérés ou réactivés par mois", width=CHART_W,
                      height=260))
    w('<p class="note">Un jeune compte le mois de son repérage (heure de Paris).</p>')
    by_ml = sorted(((_name(names, k), f["remobilised"]) for k, f in
                    report.get("mission_locale", {}).items() if f["remobilised"]),
                   key=lambda r: (-r[1], r[0]))
    if len(by_ml) > 1:
        w("<h3>Par Mission Locale</h3>")
        w(hbars(by_ml, "Jeunes repérés ou réactivés par Mission Locale", width=CHART_W,
                label_width=230))
    w("</section>")

    # Minors, funnel, heatmap ---------------------------------------------------------------------
    w('<div class="two"><section id="mineurs"><h2>Part des mineurs</h2>')
    w(donut(report["minors_share"], "Part des mineurs parmi les jeunes repérés ou réactivés",
            "mineurs"))
    ml_rows = [(_name(names, ml_id), f["minors_share"])
               for ml_id, f in report["mission_locale"].items()
               if f["repere"] + f["reactive"] >= MIN_FOR_SHARE]
    ml_rows.sort(key=lambda r: (-r[1], r[0]))
    if len(ml_rows) > 1:
        w(hbars(ml_rows[:15], "Part des mineurs par Mission Locale", color=PALETTE[1], fmt=_pct,
                width=CHART_W, label_width=230))
        w(f'<p class="note">Missions Locales avec au moins {MIN_FOR_SHARE} jeunes repérés ou '
          "réactivés (en dessous, la part ne veut pas dire grand-chose).</p>")
    w("</section>")
    w('<section id="entonnoir"><h2>Du contact à la sortie</h2>')
    w(funnel(extra.get("funnel", []), "Jeunes à chaque étape : contact, repérage, rendez-vous, "
             "raccrochage, sortie", width=CHART_W))
    w('<p class="note">Jeunes distincts ayant atteint chaque étape sur la période.</p></section></div>')
    w('<section id="heures"><h2>Contacts par heure et par jour (heure de Paris)</h2>')
    w(heatmap(extra.get("heatmap", [[0] * 24 for _ in range(7)]), "Contacts par jour et par heure",
              width=CHART_W))
    w("</section>")

    # Actions -----------------------------------------------------------------------------------
    w('<section id="actions"><h2>Actions par type et ce qu\'elles ont apporté</h2>')
    groups = [TYPE_LABELS[t] for t in ACTION_TYPES]
    abt = report["actions_by_type"]
    w(grouped_hbars(groups, [
        ("actions", [abt[t]["actions"] for t in ACTION_TYPES]),
        ("contacts", [abt[t]["contacts"] for t in ACTION_TYPES]),
        ("jeunes", [abt[t]["jeunes"] for t in ACTION_TYPES]),
    ], "Actions, contacts et jeunes par type d'action", width=CHART_W))
    w(_legend(["actions", "contacts", "jeunes"]))
    rows_a = sorted(extra.get("actions", report.get("actions", {})).items(),
                    key=lambda kv: (-kv[1]["jeunes"], kv[0]))
    if rows_a:
        w(_table(["Action", "Type", "Mission Locale", "Contacts", "Jeunes",
                  "dont repérés/réactivés", "avec rendez-vous", "inscrits en raccrochage"],
                 [[a["title"], TYPE_LABELS.get(a["type"] or "", "type inconnu"),
                   _name(names, a["mission_locale"]), _n(a["contacts"]), _n(a["jeunes"]),
                   _n(a["remobilised"]), _n(a["rdv_booked"]), _n(a["raccrochage_registered"])]
                  for _id, a in rows_a[:40]]))
        if len(rows_a) > 40:
            w(f'<p class="note">Les 40 actions qui ont touché le plus de jeunes, sur {len(rows_a)}.</p>')
    w("</section>")

    # Outcomes, crises ----------------------------------------------------------------------------
    labels = [o for o in outcomes["total"]]
    w('<div class="two"><section id="sorties"><h2>Sorties, avec ou sans raccrochage</h2>')
    w(grouped_hbars([OUTCOME_LABELS.get(o, o) for o in labels], [
        ("après raccrochage", [outcomes["after_raccrochage"].get(o, 0) for o in labels]),
        ("sans raccrochage", [outcomes["without_raccrochage"].get(o, 0) for o in labels]),
    ], "Sorties après une action de raccrochage et sans", width=CHART_W))
    w(_legend(["après raccrochage", "sans raccrochage"]))
    w("</section>")
    w('<section id="alertes"><h2>Détresse et passages à un conseiller</h2><div class="cards">')
    w(_card(_n(report["crises"]), "situations de détresse détectées", before=before("crises")))
    w(_card(_n(report["handoffs"]), "conversations passées à un conseiller",
            before=before("handoffs")))
    w("</div>")
    categories = extra.get("crisis_categories", {})
    if categories:
        w(hbars(list(categories.items()), "Détresse par catégorie", color=PALETTE[3],
                width=CHART_W))
    w("</section></div>")

    # Per ML table --------------------------------------------------------------------------------
    if report["mission_locale"]:
        w('<section id="missions-locales"><h2>Par Mission Locale</h2>')
        w(_table(["Mission Locale", "Jeunes", "Repérés", "Réactivés", "Mineurs",
                  "Contacts hors horaires", "Rendez-vous", "Raccrochage", "Conseiller", "Détresse"],
                 [[_name(names, ml_id), _n(f["jeunes"]), _n(f["repere"]), _n(f["reactive"]),
                   _pct(f["minors_share"]), _n(f["contacts_out_of_hours"]), _n(f["rdv_booked"]),
                   _pct(f["raccrochage_rate"]), _n(f["handoffs"]), _n(f["crises"])]
                  for ml_id, f in report["mission_locale"].items()]))
        w('<p class="note">« Non attribué » : les jeunes qui n\'ont donné ni commune ni code d\'une '
          "action d'une Mission Locale ; avec eux, les lignes font le total de la région.</p>")
        w("</section>")
    w('<p class="note">Calculé à partir des événements seuls (identifiants pseudonymes) : '
      "l'effacement d'un jeune ne change pas ces chiffres.</p></main></body></html>")
    return "".join(out)
