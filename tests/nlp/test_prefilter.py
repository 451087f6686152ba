"""The turn filter (nlp/prefilter.py) must never change what the detector finds: a turn it keeps
out of the tagger and parser is one no rule could match anyway."""

from __future__ import annotations

import pytest

from aftercall.nlp import detector
from aftercall.nlp.detector import analyse_many, load_pipeline
from aftercall.nlp.prefilter import LemmaForms, loosen, turn_filter
from aftercall.training.datasets import cfpb, dev_set, shared_data_dir, uss


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _analyses(transcripts, nlp):
    return [a.model_dump(mode="json") for a in analyse_many(transcripts, nlp=nlp)]


def test_lemma_forms_cover_irregular_and_regular_inflections(nlp) -> None:
    forms = LemmaForms(nlp)
    assert {"is", "was", "were", "'m", "are", "been"} <= forms("be")
    assert {"fixed", "fixes", "fixing"} <= forms("fix")
    assert {"tried", "tries"} <= forms("try")
    assert {"stopped", "stopping"} <= forms("stop")


def test_loose_rule_drops_what_a_tokenizer_cannot_see(nlp) -> None:
    rule = {
        "kind": "problem",
        "id": "x",
        "pattern": [{"LEMMA": "charge", "POS": "VERB"}, {"IS_SENT_START": True, "LOWER": "me"}],
        "exclude_prev": ["not"],
    }
    loose = loosen(rule, LemmaForms(nlp))
    first, second = loose["pattern"]
    assert "POS" not in first and "LEMMA" not in first
    assert {"charged", "charges", "charging"} <= set(first["LOWER"]["IN"])
    assert second == {"LOWER": "me"}
    assert loose["exclude_prev"] == []
    assert rule["pattern"][0]["LEMMA"] == "charge"  # the exact rule is untouched


def test_filter_keeps_signal_turns_and_drops_chatter(nlp) -> None:
    keep = turn_filter(nlp)
    assert keep is not None
    for text in (
        "It's still not working.",
        "I want to speak to your supervisor.",
        "I was charged twice for the same order.",
        "That fixed it, thanks.",
    ):
        assert keep.wanted(nlp.make_doc(text)), text
    for text in ("Okay.", "The postcode is CB4 3PE.", "One moment while I pull that up."):
        assert not keep.wanted(nlp.make_doc(text)), text


def test_analyses_identical_with_and_without_the_filter(nlp, monkeypatch) -> None:
    items = dev_set("test")
    root = shared_data_dir()
    if root is not None:  # real text we did not write, where the checkout has it
        items += uss(root, 30) + cfpb(root, 40)
    transcripts = [i.transcript for i in items]
    filtered = _analyses(transcripts, nlp)
    monkeypatch.setattr(detector, "turn_filter", lambda nlp: None)
    full = _analyses(transcripts, nlp)
    differing = [items[k].id for k, (a, b) in enumerate(zip(filtered, full, strict=True)) if a != b]
    assert differing == []
    assert sum(len(a["signals"]) for a in full) > 300  # the comparison saw real signals


def test_two_processes_give_the_same_analyses_as_one(nlp) -> None:
    import srsly.msgpack

    # the msgpack hook registries answer from their snapshot, and it still holds numpy's
    assert "numpy" in srsly.msgpack.msgpack_encoders.get_all()
    transcripts = [i.transcript for i in dev_set("test")[:12]]
    one = [a.model_dump(mode="json") for a in analyse_many(transcripts, nlp=nlp)]
    two = [a.model_dump(mode="json") for a in analyse_many(transcripts, nlp=nlp, n_process=2)]
    assert one == two
