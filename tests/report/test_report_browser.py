"""The HTML report opened in Debian's chromium: the charts are drawn, and nothing is fetched."""
from __future__ import annotations

import base64
from datetime import date

import pytest
from playwright.async_api import async_playwright

from benchmarks.dataset import generate
from bot.report.figures import build_html_report
from bot.app.schema import migrate
from bot.stores.db import make_engine
from bot.stores.records import RecordStore

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Drawn in the page itself from the screenshot: how many pixels are not the background, and how
# many distinct colours there are (a blank or failed page has one or two).
PIXELS_JS = """async (src) => {
  const img = new Image();
  await new Promise((ok, ko) => { img.onload = ok; img.onerror = ko; img.src = src; });
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const colours = new Set();
  let inked = 0;
  for (let i = 0; i < d.length; i += 16) {
    colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    if (!(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) inked++;
  }
  return {width: c.width, height: c.height, colours: colours.size, inked: inked, sampled: d.length / 16};
}"""


@pytest.mark.browser
async def test_html_report_renders_its_charts(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    await migrate(engine)
    records = RecordStore(engine)
    try:
        dataset = await generate(records, seed=3, n_events=3000)
        html = await build_html_report(records, date(2025, 1, 1), date(2026, 12, 31), None,
                                       dataset.actions)
    finally:
        await engine.dispose()
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    page_path = tmp_path / "report.html"
    page_path.write_text(html, encoding="utf-8")

    requests: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            await page.goto(page_path.as_uri())
            charts = await page.eval_on_selector_all(
                "svg.chart", "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return {w: r.width, h: r.height, label: e.getAttribute('aria-label'),"
                " marks: e.querySelectorAll('rect.bar, rect.cell, circle.arc').length}; })")
            bars = await page.eval_on_selector_all(
                "rect.bar", "els => els.filter(e => { const r = e.getBoundingClientRect();"
                " return r.width > 0 && r.height > 0; }).length")
            cells = await page.eval_on_selector_all("rect.cell", "els => els.length")
            key_figures = await page.inner_text("#chiffres-cles")
            shot = tmp_path / "report.png"
            await page.screenshot(path=str(shot), full_page=True)
            src = "data:image/png;base64," + base64.b64encode(shot.read_bytes()).decode()
            pixels = await page.evaluate(PIXELS_JS, src)
        finally:
            await browser.close()

    assert requests == [page_path.as_uri()], "the report must not fetch anything"
    assert len(charts) >= 7, charts
    for chart in charts:
        assert chart["w"] > 0 and chart["h"] > 0, chart
        assert chart["marks"] > 0, f"chart drawn empty: {chart}"
    assert bars > 50
    assert cells == 7 * 24
    assert "jeunes repérés ou réactivés" in key_figures and "mineurs" in key_figures
    assert shot.stat().st_size > 20_000
    assert pixels["width"] == 1280 and pixels["height"] > 1500
    assert pixels["colours"] > 20, pixels
    assert pixels["inked"] > pixels["sampled"] * 0.05, pixels


@pytest.mark.browser
async def test_html_report_reads_on_a_phone_with_names(sqlite_url, tmp_path):
    """390 px wide (a phone): nothing wider than the screen, tables turned into cards, charts
    scaled but their text still readable; Missions Locales and actions by their names."""
    from tests.support import full_config
    config = full_config()
    names = {ml.id: ml.name for ml in config.missions_locales}
    engine = make_engine(sqlite_url)
    await migrate(engine)
    records = RecordStore(engine)
    try:
        dataset = await generate(records, seed=3, n_events=3000)
        html = await build_html_report(records, date(2026, 1, 1), date(2026, 12, 31), None,
                                       dataset.actions, missions_locales=names)
    finally:
        await engine.dispose()
    assert names["ml-bordeaux"] in html and "Non attribué" in html
    assert "autres (" not in html
    page_path = tmp_path / "report.html"
    page_path.write_text(html, encoding="utf-8")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                          args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844},
                                          device_scale_factor=2)
            await page.goto(page_path.as_uri())
            widths = await page.evaluate(
                "() => ({doc: document.documentElement.scrollWidth,"
                " tables: [...document.querySelectorAll('table')].map(t =>"
                "   t.getBoundingClientRect().right),"
                " charts: [...document.querySelectorAll('svg.chart')].map(s =>"
                "   s.getBoundingClientRect().right),"
                " texts: [...document.querySelectorAll('svg.chart text')].map(t =>"
                "   t.getBoundingClientRect().height).filter(h => h > 0)})")
            ml_cells = await page.eval_on_selector_all(
                "#missions-locales td:first-child", "els => els.map(e => e.textContent)")
            key = await page.inner_text("#chiffres-cles")
        finally:
            await browser.close()
    assert widths["doc"] <= 390, widths["doc"]
    assert widths["tables"] and max(widths["tables"]) <= 390
    assert len(widths["charts"]) >= 6 and max(widths["charts"]) <= 390
    texts = sorted(widths["texts"])
    assert texts[len(texts) // 10] >= 6.5, texts[:20]   # 9 in 10 chart labels at least 6.5 px tall
    assert names["ml-bordeaux"] in ml_cells and "Non attribué" in ml_cells
    assert not any(c in names for c in ml_cells)   # no id where a name is known
    assert "dont" in key and "de mineurs" in key and "période précédente" in key
