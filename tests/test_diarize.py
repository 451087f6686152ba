"""Mono calls: two voices told apart by their sound, then named by what they say."""

from __future__ import annotations

import numpy as np
import pytest

from aftercall.nlp.diarize import speaker_labels, voice_signature
from aftercall.speakers_eval import AZURE, azure_cases, demo_cases, evaluate

pytestmark = pytest.mark.slow


def test_voice_signature_needs_enough_audio() -> None:
    assert voice_signature(np.zeros(1000, np.float32)) is None
    tone = np.sin(np.arange(16000) * 0.1).astype(np.float32)
    sig = voice_signature(tone)
    assert sig is not None and sig.shape == (38,) and np.isfinite(sig).all()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    if not AZURE.is_dir():
        pytest.fail(f"shared data missing: {AZURE}")
    return evaluate(demo_cases()[:3] + azure_cases()[:2])


def test_real_voices_are_told_apart_better_than_by_text(rows) -> None:
    real = [r for r in rows if "katie" in r["case"]]
    assert all(r["two_voices"] for r in real)
    voice = sum(r["voice_and_text"] for r in real) / len(real)
    text = sum(r["text_only"] for r in real) / len(real)
    # Measured: voice + text 0.97 and 0.97, text only 0.71 and 0.53.
    assert voice >= 0.9 and voice > text + 0.1, real


def test_roles_of_mono_demo_calls(rows) -> None:
    demo = [r for r in rows if "katie" not in r["case"]]
    assert all(r["voice_and_text"] >= 0.95 for r in demo), demo


def test_one_voice_is_not_split_in_two() -> None:
    from aftercall.nlp.audio import load_channels
    from aftercall.nlp.transcribe import AsrConfig, transcribe_audio

    for name in ("enrollment_audio_katie.wav", "enrollment_audio_steve.wav"):
        audio = load_channels(AZURE / name)[0]
        result = transcribe_audio([audio], AsrConfig())
        assert len(result.transcript.turns) >= 3
        assert speaker_labels(audio, result.transcript.turns) is None
        assert result.speaker_labels is None
