"""The audio round trip of `aftercall eval redaction`: is a number read aloud gone from the
redacted recording?

Each clip of tests/data/spoken_numbers/ (scripts/make_spoken_numbers.py: cards, SSNs and
account numbers read by espeak-ng in several voices and speeds) goes the way a call goes:
Whisper transcribes it, the transcript is redacted, and the redacted copy is written
(nlp/audio_redact.py). Then the same Whisper reads the copy back. A clip fails (MISS) when a
run of SURVIVES digits or more can be read back from it: part of a card, SSN or account is
still there. Because the clips were assembled from parts, the seconds in which the number is
read are known; how much of them the copy changed is reported too (a listener hears what
Whisper misses), and a clip with more than MAX_LEFT_S of them unchanged (about one digit)
fails as PART.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel

from aftercall.nlp.audio import load_channels
from aftercall.nlp.audio_redact import RATE, redact_recording
from aftercall.nlp.redact import RedactionConfig, digit_runs, redact_transcript
from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_file

CLIPS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "spoken_numbers"
SURVIVES = 4  # digits in a row: a group of a card, the last four of an SSN
MAX_LEFT_S = 0.5
_FRAME = RATE // 100  # 10 ms


@dataclass(frozen=True)
class Clip:
    path: Path
    kind: str
    voice: str
    wpm: int
    number_s: tuple[float, float]  # when the number is read, known from how the clip was made

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class RoundTrip:
    clip: Clip
    found: list[str]  # kinds the text redactor found in Whisper's transcript
    covered: float  # share of the number's 10 ms frames the redacted copy changed
    outside_s: float  # seconds changed outside the number (the pad, and over-redaction)
    read_back: list[str]  # digit runs Whisper reads from the redacted copy

    @property
    def left_s(self) -> float:
        """Seconds of the number the redacted copy left as they were."""
        return (1.0 - self.covered) * (self.clip.number_s[1] - self.clip.number_s[0])

    @property
    def longest(self) -> int:
        return max((len(d) for d in self.read_back), default=0)

    @property
    def verdict(self) -> str:
        if self.longest >= SURVIVES:
            return "MISS"
        return "PART" if self.left_s > MAX_LEFT_S else "ok"


def clips(folder: Path = CLIPS_DIR, only: str | None = None) -> list[Clip]:
    """The clips listed in `folder`/clips.jsonl, those whose name contains `only` if given."""
    index = folder / "clips.jsonl"
    if not index.is_file():
        raise FileNotFoundError(f"no clip list at {index} (scripts/make_spoken_numbers.py)")
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            clip = Clip(
                folder / row["file"],
                row["kind"],
                row["voice"],
                int(row["wpm"]),
                (float(row["number_s"][0]), float(row["number_s"][1])),
            )
            if only is None or only in clip.name:
                out.append(clip)
    return out


def read_back(path: Path, model: WhisperModel, cfg: AsrConfig) -> list[str]:
    """The digit runs Whisper reads in a recording (all turns as one text, so a run cut
    between two turns still counts whole)."""
    transcript = transcribe_file(path, cfg, model)
    return digit_runs(" ".join(t.text for t in transcript.turns))


def changed(original: Path, redacted: Path, span: tuple[float, float]) -> tuple[float, float]:
    """(share of the 10 ms frames within `span` that differ between the two recordings,
    seconds that differ outside it): what the redacted copy actually covers."""
    a, b = load_channels(original, RATE)[0], load_channels(redacted, RATE)[0]
    n = min(len(a), len(b)) // _FRAME * _FRAME
    diff = np.abs(a[:n] - b[:n]).reshape(-1, _FRAME).max(axis=1) > 2e-3
    first, last = int(span[0] * 100), int(np.ceil(span[1] * 100))
    inside = diff[first:last]
    outside = int(diff.sum() - inside.sum())
    return float(inside.mean()) if len(inside) else 0.0, outside / 100


def round_trip(
    clip: Clip,
    model: WhisperModel,
    work: Path,
    asr: AsrConfig | None = None,
    cfg: RedactionConfig | None = None,
) -> RoundTrip:
    """Transcribe, redact and write the redacted copy of one clip, then read the copy back."""
    asr = asr or AsrConfig()
    cfg = cfg or RedactionConfig()
    redacted, spans = redact_transcript(transcribe_file(clip.path, asr, model), cfg)
    mode = "silence" if cfg.audio == "silence" else "beep"
    copy = redact_recording(clip.path, redacted, work / f"{clip.name}.flac", mode, cfg.pad_s)
    covered, outside = changed(clip.path, copy, clip.number_s)
    return RoundTrip(
        clip, sorted({s.kind for s in spans}), covered, outside, read_back(copy, model, asr)
    )


def score_audio(
    folder: Path = CLIPS_DIR, only: str | None = None, asr: AsrConfig | None = None
) -> list[RoundTrip]:
    """The round trip of every clip (of those matching `only`), with one Whisper model."""
    asr = asr or AsrConfig()
    chosen = clips(folder, only)
    if not chosen:
        return []
    model = load_model(asr)
    with tempfile.TemporaryDirectory(prefix="aftercall-redaction-") as tmp:
        return [round_trip(c, model, Path(tmp), asr) for c in chosen]
