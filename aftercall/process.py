"""One call from file to findings, as plain functions (the flow's tasks call these).

No database and no Prefect here, so `aftercall analyze` and the tests use exactly the code
the pipeline runs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from .intake import file_kind
from .nlp.detector import Analysis, analyse
from .nlp.parse import TranscriptError, parse_json_transcript, parse_text_transcript
from .nlp.roles import infer_roles
from .nlp.transcribe import AsrConfig
from .nlp.transcript import Transcript

MAX_TRANSCRIPT_BYTES = 5_000_000


class CallError(Exception):
    """This one call cannot be processed; the message is shown to users as its reason."""

    status = "failed"  # the call's status in the store


class CallFailure(NamedTuple):
    """What the pipeline stores for a call it could not analyse."""

    status: str  # CallError.status of the error
    reason: str


class NotEnglishError(CallError):
    """The call is in a language the detector does not read: set aside for a person."""

    status = "not_english"


def read_transcript(path: Path, asr: AsrConfig | None = None) -> Transcript:
    """Transcribe audio or parse a transcript file; speakers get agent/customer roles."""
    kind = file_kind(path)
    try:
        if kind == "audio":
            from .nlp.audio import AudioError
            from .nlp.language import check_english
            from .nlp.transcribe import transcribe_detailed

            asr = asr or AsrConfig()
            try:
                result = transcribe_detailed(path, asr)
            except AudioError as exc:
                raise CallError(str(exc)) from exc
            transcript = result.transcript
            if asr.min_understood_share > 0:
                language = check_english(
                    transcript,
                    result.speech_s,
                    multilingual=result.multilingual,
                    detected_probability=result.language_probability,
                    min_understood_share=asr.min_understood_share,
                )
                if not language.english:
                    raise NotEnglishError(language.reason or "not English")
            if transcript.source == "asr-mono":
                transcript = infer_roles(transcript)
            return transcript
        if kind in ("text", "json"):
            if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
                raise CallError(f"transcript larger than {MAX_TRANSCRIPT_BYTES:,} bytes")
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise CallError("transcript is not UTF-8 text") from exc
            if kind == "text":
                transcript, labels = parse_text_transcript(text)
                return infer_roles(transcript, labels)
            transcript = parse_json_transcript(text)
            if any(t.speaker == "unknown" for t in transcript.turns):
                transcript = infer_roles(transcript)
            return transcript
    except TranscriptError as exc:
        raise CallError(str(exc)) from exc
    except OSError as exc:
        raise CallError(f"cannot read the file: {exc.strerror or exc}") from exc
    raise CallError(f"unsupported file type {path.suffix or '(none)'}")


def process_call(
    path: Path, started_at: datetime | None = None, asr: AsrConfig | None = None
) -> tuple[Transcript, Analysis]:
    transcript = read_transcript(path, asr)
    if not transcript.turns:
        raise CallError("no speech found in the recording")
    return transcript, analyse(transcript, started_at=started_at)
