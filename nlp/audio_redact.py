"""A redacted copy of a recording: the redacted spans beeped (1 kHz) or silenced.

The spans come from the redacted transcript's word times ("[CARD]" words, see nlp/redact.py),
but a number read aloud is where Whisper's word times are worst: "four one one one, one one
one one, ..." comes back as "4 -1 -1 -1" with the rest merged or dropped, and the words it
kept cover the first second or two of a reading that lasts six. So each redacted word is
widened to the whole reading before it is covered:

- number words next to it ("-1", "seven", "double"), and words that sound like digits
  ("fine" for five), however far apart Whisper put them while the speaker kept talking,
  join it (one digit left after the span is still a digit);
- its edges move out to the neighbouring words of the same speaker, as far as the speech
  goes (Silero VAD): speech between a number and the next word Whisper wrote down is speech
  it merged or dropped, most likely more of the number;
- a run of number words with a second or more of speech with no words in it, inside or
  beside it, is taken as a number whose other digits were dropped (too few left for the text
  to call it a card), and four or more digits read one at a time ("4 -1 -1 -1") are taken as
  part of one even with no context word: the audio errs further on the side of privacy than
  the text (an order number read digit by digit is beeped, though the transcript keeps it).

Then a pad. Every channel is covered, since the other side's microphone often picks up what
the customer says. `aftercall eval redaction` checks the result the only way that counts:
Whisper reads the redacted copy back, and no run of digits may survive
(aftercall/evaluation/redaction_audio.py). The copy is 16 kHz FLAC (the rate the audio was
transcribed at): it is for reviewers to listen to, not for archiving.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from aftercall.nlp.audio import load_channels
from aftercall.nlp.redact import FILLERS, KINDS, digit_runs, says_number

if TYPE_CHECKING:
    from aftercall.nlp.transcript import Transcript, Word

RATE = 16000
BEEP_HZ = 1000.0
BEEP_LEVEL = 0.25  # loud enough to be obvious, quieter than full scale
# A number word this close after a redacted span continues it even across a pause the VAD
# calls silence (people pause between groups of a card).
JOIN_GAP_S = 2.0
# This much speech with no word in it, next to number words, is digits Whisper dropped.
DROPPED_S = 1.0
# Digits read one at a time ("4 -1 -1 -1", "one two three four"): an identifier (a group of
# a card, a PIN, the last four), beeped even where the text has no context to call it one.
ONE_BY_ONE = 4
# Speech stretches: a pause under a second does not end one (people pause between the groups
# of a card they read out).
VAD = VadOptions(min_silence_duration_ms=1000, speech_pad_ms=200)

# What Whisper writes for a digit it mishears ("five five five" -> "fine, fine, fine"): such a
# word joins a number next to it, never starts one, so "for" or "to" in a sentence stays.
SOUNDS_LIKE_DIGITS = frozenset(
    ["won", "to", "too", "tree", "free", "for", "fore", "fine", "hive", "sex", "sick", "ate"]
    + ["nein", "hero", "owe"]
)

_MARK = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")


def cover(
    channels: list[np.ndarray],
    spans: list[tuple[float, float]],
    mode: Literal["beep", "silence"] = "beep",
    pad_s: float = 0.15,
    rate: int = RATE,
) -> list[np.ndarray]:
    """Copies of `channels` with each (start_s, end_s) span, padded, beeped or silenced."""
    out = [ch.copy() for ch in channels]
    length = len(out[0]) if out else 0
    for start_s, end_s in spans:
        a = max(0, int((start_s - pad_s) * rate))
        b = min(length, int(np.ceil((end_s + pad_s) * rate)))
        if b <= a:
            continue
        if mode == "beep":
            t = np.arange(a, b, dtype=np.float32) / rate
            fill = (BEEP_LEVEL * np.sin(2 * np.pi * BEEP_HZ * t)).astype(np.float32)
        else:
            fill = np.zeros(b - a, dtype=np.float32)
        for ch in out:
            ch[a:b] = fill
    return out


def speech_stretches(channel: np.ndarray, rate: int = RATE) -> list[tuple[float, float]]:
    """(start_s, end_s) of each stretch of speech in one 16 kHz channel (Silero VAD)."""
    found = get_speech_timestamps(channel, VAD, sampling_rate=rate)
    return [(s["start"] / rate, s["end"] / rate) for s in found]


@dataclass
class _Speech:
    """One speaker's words in time order and the speech stretches of their channel."""

    words: list[Word]
    stretches: list[tuple[float, float]]
    duration: float

    def stretch_at(self, t: float) -> tuple[float, float] | None:
        return next((s for s in self.stretches if s[0] <= t <= s[1]), None)

    def spoken_between(self, a: float, b: float) -> bool:
        """The whole of a..b lies in one stretch of speech."""
        s = self.stretch_at(a)
        return s is not None and b <= s[1]

    def joins(self, i: int, j: int) -> bool:
        """Word j (next to word i) can be part of the same number as word i."""
        w = self.words[j]
        if not (_MARK.fullmatch(w.text) or says_number(w.text) or _bare(w.text) in _JOINERS):
            return False
        a, b = sorted((i, j))
        gap = (self.words[a].end_s, self.words[b].start_s)
        return gap[1] - gap[0] <= JOIN_GAP_S or self.spoken_between(*gap)

    def widened(self, a: int, b: int) -> tuple[float, float]:
        """Words a..b as seconds, their edges moved out over speech to the next words."""
        start, end = self.words[a].start_s, self.words[b].end_s
        before = self.words[a - 1].end_s if a > 0 else 0.0
        after = self.words[b + 1].start_s if b + 1 < len(self.words) else self.duration
        if s := self.stretch_at(end):
            end = max(end, min(after, s[1]))
        if s := self.stretch_at(start):
            start = min(start, max(before, s[0]))
        return start, end

    def dropped_in(self, a: int, b: int) -> bool:
        """A second or more of speech with no words in it inside or beside words a..b."""
        edges = [0.0] + [t for w in self.words[a : b + 1] for t in (w.start_s, w.end_s)]
        if a > 0:
            edges[0] = self.words[a - 1].end_s
        edges.append(self.words[b + 1].start_s if b + 1 < len(self.words) else self.duration)
        gaps = zip(edges[::2], edges[1::2], strict=True)
        return any(y - x >= DROPPED_S and self.spoken_between(x, y) for x, y in gaps)

    def spans(self) -> list[tuple[float, float]]:
        out = []
        words, i = self.words, 0
        while i < len(words):
            marked = bool(_MARK.fullmatch(words[i].text))
            if not marked and not says_number(words[i].text):
                i += 1
                continue
            a = b = i
            while b + 1 < len(words) and self.joins(b, b + 1):
                b += 1
            while a > 0 and self.joins(a, a - 1):
                a -= 1
            run = words[a : b + 1]
            marked = marked or any(_MARK.fullmatch(w.text) for w in run)
            digits = sum(says_number(w.text) for w in run)
            singles = sum(len("".join(digit_runs(w.text))) == 1 for w in run)
            if marked or singles >= ONE_BY_ONE or (digits >= 2 and self.dropped_in(a, b)):
                out.append(self.widened(a, b))
            i = b + 1
        return out


_JOINERS = FILLERS | SOUNDS_LIKE_DIGITS


def _bare(text: str) -> str:
    return text.strip(".,;:!?\"'").lower()


def _speakers(transcript: Transcript) -> list[list[Word]]:
    """Each speaker's words in time order: per speaker for two-channel calls, where each
    side has its own channel; one list for a mono call, where all speech shares one."""
    by: dict[str, list[Word]] = {}
    for turn in transcript.turns:
        key = turn.speaker if transcript.source == "asr-stereo" else ""
        by.setdefault(key, []).extend(turn.words)
    return [sorted(ws, key=lambda w: (w.start_s, w.end_s)) for ws in by.values() if ws]


def _loudest(channels: list[np.ndarray], words: list[Word], rate: int) -> int:
    """The channel a speaker's words are loudest in: their own leg of a two-channel call."""
    if len(channels) == 1:
        return 0
    energy = [
        sum(
            float(np.square(ch[int(w.start_s * rate) : int(w.end_s * rate) + 1]).sum())
            for w in words
        )
        for ch in channels
    ]
    return int(np.argmax(energy))


def audio_spans(
    transcript: Transcript, channels: list[np.ndarray], rate: int = RATE
) -> list[tuple[float, float]]:
    """The seconds to cover in a recording whose redacted transcript is `transcript`: every
    redacted word widened to the whole number read (see the module's docstring), and the
    redactions of typed turns (no words) by their turn's seconds."""
    duration = len(channels[0]) / rate if channels else 0.0
    spans = [
        (t.start_s, t.end_s)
        for t in transcript.turns
        if not t.words and t.start_s is not None and t.end_s is not None and _MARK.search(t.text)
    ]
    vad: dict[int, list[tuple[float, float]]] = {}
    for words in _speakers(transcript):
        if not any(_MARK.fullmatch(w.text) or says_number(w.text) for w in words):
            continue  # nothing to cover, so no need to find the speech
        leg = _loudest(channels, words, rate)
        if leg not in vad:
            vad[leg] = speech_stretches(channels[leg], rate)
        spans += _Speech(words, vad[leg], duration).spans()
    return sorted(spans)


def write_flac(path: Path, channels: list[np.ndarray], rate: int = RATE) -> None:
    """Write float channels as 16-bit FLAC, atomically (a temp file renamed into place)."""
    pcm = np.clip(np.stack(channels), -1.0, 1.0)
    pcm = (pcm * 32767).astype(np.int16)
    layout = "mono" if pcm.shape[0] == 1 else "stereo"
    tmp = path.with_name(f".{path.name}.part")
    try:
        with av.open(str(tmp), "w", format="flac") as container:
            stream = container.add_stream("flac", rate=rate, layout=layout)
            # Packed s16: samples interleaved, one row.
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm.T).reshape(1, -1), format="s16", layout=layout
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def redact_recording(
    source: Path,
    transcript: Transcript,
    target: Path,
    mode: Literal["beep", "silence"] = "beep",
    pad_s: float = 0.15,
) -> Path:
    """Write `target`: `source` with every number and other redaction of its redacted
    `transcript` covered. Raises AudioError when the source cannot be decoded and OSError
    when the target cannot be written."""
    channels = load_channels(source, RATE)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_flac(target, cover(channels, audio_spans(transcript, channels), mode, pad_s))
    return target
