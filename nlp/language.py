"""Is this call in English? Decided from the transcription itself, so a call in another
language is marked and set aside instead of being fed as garbage to the English detector.

Two ways, by model:
- A multilingual Whisper model with `language` unset detects the language itself; its answer
  (and its probability) is used.
- An English-only model (the default tiny.en) cannot name another language: it writes
  English-looking words for any speech, with low confidence, or nothing at all, or loops.
  What it cannot hide is how much of the speech the VAD found it understood: the seconds of
  speech covered by words, each weighted by the word's probability, over the seconds of
  speech. Measured with tiny.en (README, "Transcription"): real English 0.64-0.84
  (jfk, katiesteve, the Azure enrollment clips, asterisk prompts with 5 s of speech or more),
  the demo calls 0.67-0.76; German, Spanish, French, Polish, Mandarin (espeak-ng) 0.05-0.39
  over repeated runs (Whisper samples hard windows, so the figure varies); the real recording
  that is half English, half German 0.42. The threshold sits between the two: 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

from aftercall.nlp.transcript import Transcript

# Below this share of understood speech, an English-only model did not hear English.
MIN_UNDERSTOOD_SHARE = 0.5
# With less speech than this there is too little to judge: the call is taken as English.
MIN_SPEECH_S = 5.0
# A multilingual model's language detection is believed above this probability.
MIN_DETECTION_PROBABILITY = 0.5


@dataclass(frozen=True)
class LanguageCheck:
    english: bool
    language: str | None  # Whisper's code ("en", "de"), or None where it could not tell
    understood_share: float | None  # None for a multilingual model's detection
    reason: str | None  # why the call is not English, in words; None when it is


def understood_share(transcript: Transcript, speech_s: float) -> float:
    """Seconds of speech covered by words, weighted by word probability, over speech_s."""
    if speech_s <= 0:
        return 0.0
    covered = sum(
        (w.end_s - w.start_s) * (1.0 if w.prob is None else w.prob)
        for turn in transcript.turns
        for w in turn.words
    )
    return min(covered / speech_s, 1.0)


def check_english(
    transcript: Transcript,
    speech_s: float,
    *,
    multilingual: bool = False,
    detected_probability: float | None = None,
    min_understood_share: float = MIN_UNDERSTOOD_SHARE,
) -> LanguageCheck:
    """Decide whether an ASR transcript is English (see the module docstring)."""
    if multilingual and transcript.language:
        sure = detected_probability is None or detected_probability >= MIN_DETECTION_PROBABILITY
        if transcript.language != "en" and sure:
            p = "" if detected_probability is None else f", p={detected_probability:.2f}"
            return LanguageCheck(
                False,
                transcript.language,
                None,
                f"the call is in another language (Whisper detected '{transcript.language}'"
                f"{p}); not analysed: route it to someone who speaks it",
            )
        return LanguageCheck(True, transcript.language, None, None)
    if speech_s < MIN_SPEECH_S:
        return LanguageCheck(True, "en", None, None)
    share = understood_share(transcript, speech_s)
    if share < min_understood_share:
        return LanguageCheck(
            False,
            None,
            share,
            f"the speech does not sound like English: the English model understood "
            f"{share:.0%} of {speech_s:.0f} s of speech (needs {min_understood_share:.0%}); "
            f"not analysed: listen to it, or route it to someone who speaks the caller's "
            f"language",
        )
    return LanguageCheck(True, "en", share, None)
