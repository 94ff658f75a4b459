"""config/console.yml (problems as file:line) and `insysteme referent add/list/disable` run as a
real process on a real database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console.config import OUTCOMES, ConsoleConfig, load_console_config
from bot.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_console_yml_is_valid():
    config = load_console_config(ROOT / "config" / "console.yml", ["ml-a"])
    assert set(config.outcomes) == set(OUTCOMES)
    assert config.lockout.max_failures == 5 and config.lockout.window_minutes == 15
    assert len(config.canned_answers) >= 3
    assert all("vous" not in a.text.lower().split() for a in config.canned_answers)  # tutoiement


def test_missing_file_means_defaults(tmp_path):
    assert load_console_config(tmp_path / "console.yml") == ConsoleConfig()


def test_problems_come_with_their_line(tmp_path):
    path = tmp_path / "console.yml"
    path.write_text(
        "session:\n"
        "  idle_minutes: 1\n"                 # line 2: too short
        "outcomes:\n"
        "  trouve_un_job: Emploi\n"           # line 4: unknown outcome
        "canned_answers:\n"
        "  - id: bonjour\n"
        "    title: Bonjour\n"
        "    text: Salut\n"
        "    couleur: bleu\n",                # line 9: unknown key
        encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_console_config(path)
    problems = err.value.problems
    assert any(p.startswith(f"{path}:2:") and "idle_minutes" in p for p in problems), problems
    assert any(p.startswith(f"{path}:3:") or p.startswith(f"{path}:4:") for p in problems
               if "trouve_un_job" in p), problems
    assert any(p.startswith(f"{path}:9:") and "couleur" in p for p in problems), problems


def test_canned_answer_for_an_unknown_mission_locale(tmp_path):
    path = tmp_path / "console.yml"
    path.write_text(
        "canned_answers:\n"
        "  - id: rdv\n"
        "    title: Rendez-vous\n"
        "    text: On se voit ?\n"
        "    missions_locales: [ml-a, ml-zzz]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_console_config(path, ["ml-a", "ml-b"])
    assert err.value.problems == [
        f"{path}:5: canned_answers.0: no Mission Locale 'ml-zzz' in missions_locales.yml"]
    config = load_console_config(path)            # without the list: not checked
    assert [a.id for a in config.canned_for("ml-a")] == ["rdv"]
    assert config.canned_for("ml-b") == []
    assert [a.id for a in config.canned_for(None)] == ["rdv"]   # admins see all


def run_cli(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=ROOT, timeout=120)


def test_referent_commands(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "INSYSTEME_CONFIG": str(ROOT / "config"), "INSYSTEME_VAR": str(tmp_path)}
    r = run_cli(["referent", "list"], env)
    assert r.returncode == 0 and "no account yet" in r.stdout
    r = run_cli(["referent", "add", "--email", "Camille@ML.fr", "--name", "Camille",
                 "--ml", "ml-angouleme", "--password-stdin"], env, "un mot de passe solide\n")
    assert r.returncode == 0, r.stderr
    assert "created referent of ml-angouleme: camille@ml.fr (Camille)" in r.stdout
    r = run_cli(["referent", "add", "--email", "sam@arml.fr", "--name", "Sam", "--role", "admin",
                 "--password-stdin"], env, "un autre mot de passe\n")
    assert r.returncode == 0, r.stderr
    # refusals: unknown ML, duplicate, short password, neither --ml nor --role
    r = run_cli(["referent", "add", "--email", "x@ml.fr", "--name", "X", "--ml", "ml-nulle-part",
                 "--password-stdin"], env, "un mot de passe solide\n")
    assert r.returncode == 1 and "Mission Locale inconnue" in r.stderr
    r = run_cli(["referent", "add", "--email", "camille@ml.fr", "--name", "C", "--ml",
                 "ml-angouleme", "--password-stdin"], env, "un mot de passe solide\n")
    assert r.returncode == 1 and "existe déjà" in r.stderr
    r = run_cli(["referent", "add", "--email", "y@ml.fr", "--name", "Y", "--role", "admin",
                 "--password-stdin"], env, "court\n")
    assert r.returncode == 1 and "trop court" in r.stderr
    r = run_cli(["referent", "add", "--email", "z@ml.fr", "--name", "Z", "--password-stdin"], env,
                "un mot de passe solide\n")
    assert r.returncode == 2
    r = run_cli(["referent", "disable", "--email", "camille@ml.fr"], env)
    assert r.returncode == 0
    r = run_cli(["referent", "disable", "--email", "personne@ml.fr"], env)
    assert r.returncode == 1
    r = run_cli(["referent", "list"], env)
    lines = sorted(r.stdout.strip().splitlines())
    assert len(lines) == 2
    assert lines[0].startswith("camille@ml.fr\tCamille\treferent\tml-angouleme\tdisabled")
    assert lines[1] == "sam@arml.fr\tSam\tadmin\t-\tactive"
    assert "argon2" not in r.stdout


def test_referent_passwd_enable_and_add_again(tmp_path):
    """`passwd` reads the new password from stdin (a pipe) and ends the sessions; `enable`
    undoes `disable`; `add` of a disabled address re-enables that account with what is given."""
    import asyncio
    from bot.console.accounts import AccountStore
    from bot.stores.db import make_engine
    db = tmp_path / "db.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}",
           "INSYSTEME_CONFIG": str(ROOT / "config"), "INSYSTEME_VAR": str(tmp_path)}
    r = run_cli(["referent", "add", "--email", "camille@ml.fr", "--name", "Camille",
                 "--ml", "ml-angouleme", "--password-stdin"], env, "un mot de passe solide\n")
    assert r.returncode == 0, r.stderr

    async def verify(password: str):
        engine = make_engine(f"sqlite:///{db}")
        try:
            return await AccountStore(engine).verify("camille@ml.fr", password)
        finally:
            await engine.dispose()
    r = run_cli(["referent", "passwd", "--email", "camille@ml.fr"], env, "tout nouveau secret\n")
    assert r.returncode == 0 and "new password for camille@ml.fr" in r.stdout, r.stderr
    assert asyncio.run(verify("tout nouveau secret")) is not None
    assert asyncio.run(verify("un mot de passe solide")) is None
    r = run_cli(["referent", "passwd", "--email", "camille@ml.fr"], env, "court\n")
    assert r.returncode == 1 and "trop court" in r.stderr
    r = run_cli(["referent", "passwd", "--email", "personne@ml.fr"], env, "tout nouveau secret\n")
    assert r.returncode == 1 and "no account" in r.stderr
    # an active address cannot be added again: the hint says what to do
    r = run_cli(["referent", "add", "--email", "camille@ml.fr", "--name", "C", "--ml",
                 "ml-angouleme", "--password-stdin"], env, "un mot de passe solide\n")
    assert r.returncode == 1 and "referent passwd --email camille@ml.fr" in r.stderr
    assert run_cli(["referent", "disable", "--email", "camille@ml.fr"], env).returncode == 0
    assert asyncio.run(verify("tout nouveau secret")) is None
    r = run_cli(["referent", "enable", "--email", "camille@ml.fr"], env)
    assert r.returncode == 0 and "enabled camille@ml.fr" in r.stdout
    assert asyncio.run(verify("tout nouveau secret")) is not None
    assert run_cli(["referent", "disable", "--email", "camille@ml.fr"], env).returncode == 0
    r = run_cli(["referent", "add", "--email", "camille@ml.fr", "--name", "Camille",
                 "--ml", "ml-grand-perigueux", "--password-stdin"], env, "de retour parmi nous\n")
    assert r.returncode == 0 and "re-enabled" in r.stdout, r.stderr
    lines = run_cli(["referent", "list"], env).stdout.strip().splitlines()
    assert lines == ["camille@ml.fr\tCamille\treferent\tml-grand-perigueux\tactive"]
    assert run_cli(["referent", "enable", "--email", "personne@ml.fr"], env).returncode == 1
