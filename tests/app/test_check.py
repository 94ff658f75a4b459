"""`insysteme check` on the shipped config, on broken ones; the service refuses to start on them."""
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def insysteme(args, config_dir, tmp_path, timeout=60):
    env = dict(os.environ, INSYSTEME_CONFIG=str(config_dir), INSYSTEME_VAR=str(tmp_path / "var"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)


def test_shipped_config_is_valid(tmp_path):
    proc = insysteme(["check"], ROOT / "config", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok:")


def broken_copy(tmp_path, name, old, new):
    d = tmp_path / "config"
    shutil.copytree(ROOT / "config", d)
    path = d / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    return d, f"{path}:{line}: "


@pytest.mark.parametrize("name, old, new, fragment", [
    ("actions.yml", "mission_locale: ml-grand-perigueux", "mission_locale: ml-grand-perigeux", "ml-grand-perigeux"),
    ("missions_locales.yml", '"09:00-12:30"', '"09:00-32:30"', "09:00-32:30"),
    ("faq.yml", "threshold: 0.36", "threshold: [", ""),
])
def test_broken_config_is_reported_with_file_and_line(tmp_path, name, old, new, fragment):
    config, where = broken_copy(tmp_path, name, old, new)
    proc = insysteme(["check"], config, tmp_path)
    assert proc.returncode == 1
    problems = [l for l in proc.stderr.splitlines() if l.startswith(str(config))]
    assert problems and all(":" in p for p in problems)
    path, line = where.rstrip(": ").rsplit(":", 1)
    # a YAML syntax error is found where the parser gives up: it names the line it started at
    assert any((p.startswith(where) or p.endswith(f"starts at line {line})")) and fragment in p
               for p in problems), proc.stderr


def test_service_refuses_to_start_on_a_broken_config(tmp_path):
    config, _ = broken_copy(tmp_path, "actions.yml", "mission_locale: ml-grand-perigueux",
                            "mission_locale: ml-inconnue")
    check = insysteme(["check"], config, tmp_path)
    run = insysteme(["run", "--port", "0"], config, tmp_path)
    assert run.returncode == 1
    same = [l for l in check.stderr.splitlines() if l.startswith(str(config))]
    assert same and all(l in run.stderr for l in same)
