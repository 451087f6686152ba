"""WER on speech no one here recorded, beside raw faster-whisper in the same run.

A small slice in CI (the shared references and 12 asterisk telephone prompts) so a change
that makes our transcription worse than the engine's own defaults fails the build; the full
set runs with `aftercall eval asr` (README has the figures).
"""

from __future__ import annotations

import pytest

from aftercall.evaluation.asr import asterisk_samples, evaluate, normalise, shared_samples

pytestmark = pytest.mark.slow


def test_normaliser_ignores_spelling_of_numbers_and_case() -> None:
    assert normalise("Press 2, then the pound key.") == normalise("press two then the pound key")
    assert normalise("Mr. Smith") == normalise("mister smith")


def test_asterisk_prompts_are_real_telephone_speech_with_text() -> None:
    from aftercall.nlp.audio import probe

    samples = asterisk_samples()
    assert len(samples) > 400  # ~568 prompts, less the tones and notes
    assert all(s.reference and "[" not in s.reference for s in samples)
    info = probe(samples[0].path)
    assert info.sample_rate == 8000 and info.channels == 1
    slice_ = asterisk_samples(limit=12)
    assert len(slice_) == 12 and slice_[0].path.name < slice_[-1].path.name


def test_ours_is_not_worse_than_raw_faster_whisper(shared_data) -> None:
    samples = shared_samples() + asterisk_samples(limit=12)
    report = evaluate(samples)
    for name, systems in report.by_set.items():
        raw, ours = systems["raw"].wer(), systems["ours"].wer()
        # Measured: shared 0.000 vs 0.000; asterisk 30-prompt slice 0.080 raw vs 0.074 ours.
        assert ours <= raw + 0.02, f"{name}: aftercall WER {ours:.3f} vs raw {raw:.3f}"
        assert ours < 0.15, f"{name}: WER {ours:.3f}"
    assert report.by_set["shared"]["ours"].wer() < 0.05
