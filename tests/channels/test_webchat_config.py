"""config/webchat.yml: the look of the web chat per Mission Locale, validated with lines; and the
files replies carry, reachable by their conversation only and erased with the jeune's data."""
from __future__ import annotations

import aiohttp
import pytest

from bot.app.config import load_config
from bot.channels.web_branding import contrast, load_webchat_config
from bot.messages import Attachment, Reply
from bot.yamlconf import ConfigError
from tests.channels.test_web_chat_widget import chat  # noqa: F401  (the fixture)
from tests.support import ROOT

ML = {"ml-a": "Mission Locale A", "ml-b": "Mission Locale B"}


def test_shipped_webchat_config_loads_with_the_network_look():
    config = load_config(ROOT / "config", ROOT / "flows")
    brand = config.webchat.brand("ml-angouleme")
    assert brand.name == "Mission Locale de l'Angoumois"      # its name from missions_locales.yml
    assert brand.logo_path and brand.logo_path.is_file()
    assert contrast(brand.primary, "#ffffff") >= 4.5 and contrast(brand.accent, "#ffffff") >= 4.5
    assert config.webchat.brand(None).name == "Mission Locale"
    assert config.webchat.brand("nope").ml_id is None


def test_problems_come_with_their_line(tmp_path):
    path = tmp_path / "webchat.yml"
    path.write_text(
        "defaults:\n"
        "  name: Réseau\n"
        "missions_locales:\n"
        "  ml-a:\n"
        "    colors:\n"
        "      primary: '#ffd700'\n"              # line 6: yellow behind white text
        "  ml-zz:\n"                              # line 7: no such Mission Locale
        "    name: Inconnue\n"
        "  ml-b:\n"
        "    logo: absent.svg\n"                  # line 10: no such file
        "    privacy_url: 'javascript:alert(1)'\n",  # line 11: not https
        encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_webchat_config(path, ML)
    problems = "\n".join(exc.value.problems)
    assert f"{path}:6: missions_locales.ml-a.colors.primary: #ffd700 is too light" in problems
    assert f"{path}:11: missions_locales.ml-b.privacy_url:" in problems
    # the first pass (pydantic) stops there; once fixed, the cross-checks speak
    path.write_text(path.read_text().replace("'#ffd700'", "'#7a1f00'").replace(
        "'javascript:alert(1)'", "https://ml-b.example/vie-privee"), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_webchat_config(path, ML)
    assert exc.value.problems == [
        f"{path}:7: missions_locales: no Mission Locale 'ml-zz' in missions_locales.yml",
        f"{path}:10: logo: no file 'absent.svg' in {tmp_path / 'webchat'}",
    ]


async def test_a_file_is_served_to_its_conversation_only_and_erased_with_the_jeune(chat):  # noqa: F811
    base, engine, services = chat
    session, other = "filesjeune0000000001", "filesjeune0000000002"
    async with aiohttp.ClientSession() as http:
        for s in (session, other):
            await http.post(f"{base}/chat/api/messages", json={"session": s, "start": True})
        channel = services.outbox.channels["web"]
        ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        await channel.send(session, [Reply("Ton rendez-vous", attachment=Attachment(
            "rdv.ics", "text/calendar", ics))])
        box = await (await http.get(f"{base}/chat/api/messages",
                                    params={"session": session, "after": "0"})).json()
        item = box["messages"][-1]
        assert item["priority"] == "normal" and item["attachment"]["filename"] == "rdv.ics"
        url = f"{base}/{item['attachment']['url']}"
        r = await http.get(url, params={"session": session})
        assert r.status == 200 and await r.read() == ics
        assert (await http.get(url, params={"session": other})).status == 404
        assert (await http.get(url)).status == 404
        await engine.forget(engine.jeune_id("web", session))
        assert (await http.get(url, params={"session": session})).status == 404
