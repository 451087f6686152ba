"""The redacted copy of a recording covers the whole number read aloud, not just the part
Whisper's word times cover: real espeak-ng speech (tests/data/spoken_numbers, made by
scripts/make_spoken_numbers.py), the real Silero VAD and, in the slow test, real Whisper
reading the redacted copy back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aftercall.nlp.audio import load_channels
from aftercall.nlp.audio_redact import BEEP_HZ, RATE, audio_spans, redact_recording
from aftercall.nlp.redact import digit_runs, redact_transcript
from aftercall.nlp.transcript import Transcript
from tests.conftest import DATA

CLIPS = DATA / "spoken_numbers"
# "My card number is four one one one, one one one one, one one one one, one one one one.
# Thank you very much." (en-us, 150 words a minute)
ONES = CLIPS / "card-ones-us-150.flac"


def _number_s(clip: Path) -> tuple[float, float]:
    """When the number is read in `clip`: known from how the clip was assembled."""
    for line in (CLIPS / "clips.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["file"] == clip.name:
            return row["number_s"][0], row["number_s"][1]
    raise KeyError(clip.name)


def _transcript(*turns: list[tuple[str, float, float]], source: str = "asr-mono") -> Transcript:
    return Transcript.model_validate(
        {
            "source": source,
            "turns": [
                {
                    "idx": i,
                    "speaker": "customer",
                    "start_s": words[0][1],
                    "end_s": words[-1][2],
                    "text": " ".join(w for w, _, _ in words),
                    "words": [{"text": w, "start_s": a, "end_s": b} for w, a, b in words],
                }
                for i, words in enumerate(turns)
            ],
        }
    )


# What tiny.en made of ONES: the sixteen digits as "4 -1 -1 -1" in the first 1.6 s of the
# 5.4 s they take, the rest merged away; the redacted word covers only those 1.6 s.
MERGED = _transcript(
    [("My", 3.6, 3.68), ("card", 3.68, 4.0), ("number", 4.0, 4.4), ("is", 4.4, 5.08)]
    + [("[CARD]", 5.08, 6.66)],
    [("Thank", 10.7, 11.04), ("you", 11.04, 11.32), ("very", 11.32, 11.6), ("much.", 11.6, 12.0)],
)


def _tone_share(x: np.ndarray, hz: float = BEEP_HZ) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(spectrum[np.abs(freqs - hz) < 20].sum() / max(spectrum.sum(), 1e-12))


def test_a_card_whisper_merged_is_covered_to_the_next_word(tmp_path: Path) -> None:
    start, end = _number_s(ONES)
    [(a, b)] = audio_spans(MERGED, load_channels(ONES, RATE))
    # from the first digit to where the next word starts: the merged seconds included
    assert a <= start + 0.2 and end <= b <= 10.7

    out = redact_recording(ONES, MERGED, tmp_path / "ones.flac", "beep", pad_s=0.15)
    original, beeped = load_channels(ONES, RATE)[0], load_channels(out, RATE)[0]
    number = slice(int(start * RATE), int(end * RATE))
    assert _tone_share(beeped[number]) > 0.95  # all of it a 1 kHz tone now
    lead, close = slice(0, int(4.9 * RATE)), slice(int(10.9 * RATE), None)
    # "my card number is" and "thank you very much" kept (to the copy's 16-bit rounding)
    np.testing.assert_allclose(beeped[lead], original[lead], atol=1e-4)
    np.testing.assert_allclose(beeped[close], original[close], atol=1e-4)


def test_what_only_sounds_like_a_number_starts_nothing() -> None:
    channels = [np.zeros(3 * RATE, dtype=np.float32)]  # no speech: the words alone decide
    talk = _transcript(
        [("I", 0.2, 0.4), ("paid", 0.4, 0.7), ("for", 0.7, 0.9), ("it", 0.9, 1.0)]
        + [("to", 1.0, 1.2), ("you", 1.2, 1.4), ("three", 1.5, 1.8), ("times.", 1.8, 2.2)]
    )
    assert audio_spans(talk, channels) == []
    # four digits read one at a time are covered even with no context word for the text
    digits = _transcript([("it's", 0.2, 0.5), ("4", 0.6, 0.8), ("-1", 0.8, 1.0)])
    assert audio_spans(digits, channels) == []
    digits = _transcript(
        [("it's", 0.2, 0.5), ("4", 0.6, 0.8), ("-1", 0.8, 1.0), ("-1", 1.0, 1.2)]
        + [("-1", 1.2, 1.4), ("okay", 1.6, 2.0)]
    )
    assert audio_spans(digits, channels) == [(0.6, 1.4)]


def test_a_typed_turn_is_covered_by_its_seconds() -> None:
    typed = Transcript.model_validate(
        {"source": "json", "turns": [{"start_s": 2.0, "end_s": 4.5, "text": "it's [SSN]"}]}
    )
    assert audio_spans(typed, load_channels(ONES, RATE)) == [(2.0, 4.5)]


@pytest.mark.slow
def test_whisper_reads_no_digits_back_from_the_redacted_copy(tmp_path: Path) -> None:
    """The issue's case end to end: the card read with repeated digits, transcribed and
    redacted as a call is, and the copy read back by the same Whisper: no four digits in a
    row survive (before the fix it read back twelve "1"s)."""
    # lazy: loads Whisper, which the fast tests above do not need
    from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_file

    model = load_model(AsrConfig())
    redacted, _ = redact_transcript(transcribe_file(ONES, model=model))
    out = redact_recording(ONES, redacted, tmp_path / "ones.flac")
    heard = " ".join(t.text for t in transcribe_file(out, model=model).turns)
    assert all(len(run) < 4 for run in digit_runs(heard)), heard
    original = " ".join(t.text for t in transcribe_file(ONES, model=model).turns)
    assert any(len(run) >= 4 for run in digit_runs(original)), original  # the check can fail
