"""Reading transcripts a company already has: `Speaker: utterance` text and our own JSON.

Both are input boundaries: anything malformed raises TranscriptError with a message that
says which line is wrong, never a traceback.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from aftercall.nlp.transcript import Speaker, Transcript, Turn

# The label before the colon: a short name, no sentence punctuation. Timestamps such as
# "[00:12] Agent: hi" are allowed before it and skipped.
_LINE = re.compile(
    r"^\s*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\]?\)?\s*)?"
    r"(?P<label>[^\W\d_][\w .'\-]{0,39}?)\s*:\s*(?P<text>.*)$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_AGENT_LABELS = {
    "agent",
    "rep",
    "representative",
    "csr",
    "advisor",
    "adviser",
    "operator",
    "support",
    "associate",
    "specialist",
    "system",
}
_CUSTOMER_LABELS = {"customer", "caller", "client", "user", "member", "consumer"}

MAX_TEXT_CHARS = 2_000_000


class TranscriptError(ValueError):
    """A transcript file that cannot be read as a call."""


def role_of_label(label: str | None) -> Speaker:
    """Map a speaker label that names a role outright; names of people stay unknown."""
    if not label:
        return "unknown"
    word = label.strip().lower().split()[0] if label.strip() else ""
    if word in _AGENT_LABELS:
        return "agent"
    if word in _CUSTOMER_LABELS:
        return "customer"
    return "unknown"


def clean_text(text: str) -> str:
    """Drop control characters and collapse runs of whitespace."""
    return " ".join(_CONTROL.sub(" ", text).split())


def parse_text_transcript(text: str) -> tuple[Transcript, list[str | None]]:
    """Parse `Speaker: utterance` lines; returns the transcript and each turn's raw label.

    A line without a label continues the previous turn. A file where most lines carry no
    label at all is read as one turn per line with the speaker unknown, for role inference.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise TranscriptError(f"transcript is larger than {MAX_TEXT_CHARS:,} characters")
    lines = [clean_text(raw) for raw in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise TranscriptError("the transcript is empty")
    matches = [_LINE.match(line) for line in lines]
    labelled = sum(1 for m in matches if m and m.group("text").strip())
    if labelled * 2 < len(lines):
        turns = [Turn(text=line) for line in lines]
        return Transcript(turns=turns, source="text").renumber(), [None] * len(turns)

    turns: list[Turn] = []
    labels: list[str | None] = []
    for line, match in zip(lines, matches, strict=True):
        if match and match.group("text").strip():
            label = match.group("label").strip()
            turns.append(Turn(speaker=role_of_label(label), text=match.group("text").strip()))
            labels.append(label)
        elif turns:
            turns[-1] = turns[-1].model_copy(update={"text": f"{turns[-1].text} {line}"})
        # else: a header such as "Transcript:" before anyone speaks
    return Transcript(turns=turns, source="text").renumber(), labels


def parse_json_transcript(text: str) -> Transcript:
    """Parse aftercall's own JSON: {"turns": [{"speaker", "start_s", "end_s", "text"}, ...]}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError:  # json's decoder recurses once per nesting level: "[[[[...]]]]"
        raise TranscriptError("JSON nested too deeply to be a transcript") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise TranscriptError('JSON transcript must be an object with a "turns" list')
    try:
        # a typed transcript says nothing trustworthy about a recording's completeness
        transcript = Transcript.model_validate({**data, "source": "json", "truncated": None})
    except RecursionError:  # nesting shallow enough for json, too deep for validation
        raise TranscriptError("JSON nested too deeply to be a transcript") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TranscriptError(f"invalid JSON transcript at {where}: {first['msg']}") from exc
    turns = [t.model_copy(update={"text": clean_text(t.text)}) for t in transcript.turns]
    turns = [t for t in turns if t.text]
    if not turns:
        raise TranscriptError("JSON transcript has no turns with text")
    return transcript.model_copy(update={"turns": turns}).renumber()
