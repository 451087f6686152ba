"""The transcript types every stage shares: words, speaker turns, a whole call.

Pydantic models so that our own JSON transcript format is validated on the way in
(it is an input boundary) and serialised the same way on the way out.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Speaker = Literal["agent", "customer", "unknown"]


class Word(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    prob: float | None = Field(default=None, ge=0, le=1)


class Turn(BaseModel):
    """One speaker's stretch of speech. `idx` is its position in the call, 0-based."""

    model_config = ConfigDict(extra="ignore")

    idx: int = Field(default=0, ge=0)
    speaker: Speaker = "unknown"
    start_s: float | None = Field(default=None, ge=0)
    end_s: float | None = Field(default=None, ge=0)
    text: str
    # Whisper's mean log-probability of the tokens (closer to 0 is surer) and the chance
    # the stretch was not speech at all; None for typed transcripts.
    avg_logprob: float | None = None
    no_speech_prob: float | None = Field(default=None, ge=0, le=1)
    words: list[Word] = Field(default_factory=list)

    @property
    def confidence(self) -> float | None:
        """A 0..1 figure for the QA view: exp(avg_logprob), discounted by no-speech prob."""
        if self.avg_logprob is None:
            return None

        conf = math.exp(min(self.avg_logprob, 0.0))
        if self.no_speech_prob is not None:
            conf *= 1.0 - self.no_speech_prob
        return round(conf, 3)


class Transcript(BaseModel):
    model_config = ConfigDict(extra="ignore")

    turns: list[Turn]
    duration_s: float | None = Field(default=None, ge=0)
    language: str | None = None
    # Where the turns came from: "asr-stereo", "asr-mono", "text" or "json".
    source: str = "json"
    # Set when the recording holds less than the call ("truncated: 0.5 s of 27.2 s"): its
    # header promised more, or its stream ends mid-frame. Such a call is analysed as far as it
    # goes but never trusted as a whole (the pipeline stores it `incomplete`).
    truncated: str | None = None

    def renumber(self) -> Transcript:
        """Order turns by start time when every turn has one, and number them 0..n-1."""
        turns = list(self.turns)
        if turns and all(t.start_s is not None for t in turns):
            turns.sort(key=lambda t: t.start_s)  # stable: ties keep their given order
        turns = [t.model_copy(update={"idx": i}) for i, t in enumerate(turns)]
        return self.model_copy(update={"turns": turns})
