"""Calls in another language are marked and set aside, not fed to the English detector."""

from __future__ import annotations

import pytest

from aftercall.nlp.language import check_english, understood_share
from aftercall.nlp.transcript import Transcript, Turn, Word
from aftercall.pipeline.call import NotEnglishError, process_call
from tests.conftest import DATA, DEMO


def transcript(probs: list[float], word_s: float = 0.5, language: str = "en") -> Transcript:
    words = [
        Word(text="w", start_s=i * word_s, end_s=(i + 1) * word_s, prob=p)
        for i, p in enumerate(probs)
    ]
    turn = Turn(speaker="customer", start_s=0, end_s=len(probs) * word_s, text="w", words=words)
    return Transcript(turns=[turn], language=language, source="asr-mono")


def test_understood_share_weights_speech_by_word_probability() -> None:
    t = transcript([1.0] * 10 + [0.2] * 10)  # 5 s sure, 5 s unsure, of 10 s of speech
    assert understood_share(t, 10.0) == pytest.approx(0.6)
    assert understood_share(t, 20.0) == pytest.approx(0.3)  # half the speech got no words
    assert understood_share(t, 0.0) == 0.0


def test_english_only_model_decides_by_understood_share() -> None:
    assert check_english(transcript([0.9] * 20), 10.0).english
    low = check_english(transcript([0.3] * 20), 10.0)
    assert not low.english and low.language is None
    assert "30%" in low.reason and "does not sound like English" in low.reason
    # Too little speech to judge (a "yes, thanks" call): taken as English.
    assert check_english(transcript([0.1] * 4), 2.0).english
    # The threshold is the caller's to set.
    assert check_english(transcript([0.3] * 20), 10.0, min_understood_share=0.2).english


def test_multilingual_model_uses_whisper_detection() -> None:
    german = transcript([0.9] * 20, language="de")
    result = check_english(german, 10.0, multilingual=True, detected_probability=0.97)
    assert not result.english and result.language == "de" and "'de'" in result.reason
    unsure = check_english(german, 10.0, multilingual=True, detected_probability=0.3)
    assert unsure.english


@pytest.mark.slow
@pytest.mark.parametrize("name", ["german.flac", "spanish.flac", "multilingual.mp3"])
def test_non_english_recordings_are_set_aside(name: str) -> None:
    with pytest.raises(NotEnglishError) as caught:
        process_call(DATA / name)
    assert caught.value.status == "not_english"
    assert "not analysed" in str(caught.value)


@pytest.mark.slow
def test_english_recordings_pass(tmp_path) -> None:
    for path in (DATA / "jfk.flac", sorted(DEMO.glob("*.flac"))[0]):
        transcript_, analysis = process_call(path)
        assert transcript_.turns and analysis.outcome in ("resolved", "unresolved")
