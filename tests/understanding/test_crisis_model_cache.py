"""The trained second opinion stored and loaded again: same answers, and never a stale model."""
from __future__ import annotations

import pickle

import pytest

from bot.understanding import crisis


@pytest.fixture
def fresh_model():
    """Each test starts with no model in the process, and leaves one (the suite's) behind."""
    saved = list(crisis._MODEL)
    crisis._MODEL.clear()
    yield
    crisis._MODEL[:] = saved or crisis._MODEL


def test_a_stored_model_is_loaded_and_answers_the_same(tmp_path, fresh_model):
    assert crisis.prepare(tmp_path).startswith("trained, stored in")
    stored = list(tmp_path.glob("crisis-model-*.pickle"))
    assert len(stored) == 1 and crisis.model_fingerprint() in stored[0].name
    texts = ["jvois plus comment continuer comme ca", "c quoi le cej", "je vais tout laisser a ma soeur"]
    before = [crisis._fast().proba(t) for t in texts]
    crisis._MODEL.clear()
    assert crisis.prepare(tmp_path) == f"loaded {stored[0]}"
    assert [crisis._fast().proba(t) for t in texts] == before


def test_a_damaged_file_is_trained_again_and_replaced(tmp_path, fresh_model):
    path = tmp_path / f"crisis-model-{crisis.model_fingerprint()}.pickle"
    path.write_bytes(b"\x80\x05 not a whole pickle")
    assert crisis.prepare(tmp_path).startswith("trained, stored in")
    assert isinstance(pickle.loads(path.read_bytes()), crisis._Fast)


def test_a_model_of_other_data_or_code_is_not_read(tmp_path, fresh_model):
    """A file of another fingerprint (an older rule set, older training lines) is removed, not used."""
    stale = tmp_path / "crisis-model-0123456789abcdef01234567.pickle"
    stale.write_bytes(b"whatever an older version stored")
    assert crisis.prepare(tmp_path).startswith("trained")
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == [f"crisis-model-{crisis.model_fingerprint()}.pickle"]


def test_the_fingerprint_follows_the_training_lines(tmp_path, monkeypatch):
    before = crisis.model_fingerprint()
    data = tmp_path / "data"
    data.mkdir()
    for name in ("crisis_train.csv", "faq_labelled.csv"):
        (data / name).write_bytes((crisis.DATA / name).read_bytes())
    monkeypatch.setattr(crisis, "DATA", data)
    assert crisis.model_fingerprint() == before
    with (data / "crisis_train.csv").open("a", encoding="utf-8") as f:
        f.write('"une ligne de plus",calm,\n')
    assert crisis.model_fingerprint() != before
