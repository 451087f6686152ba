"""One call from file to findings, as plain functions (the flow's tasks call these).

No database and no Prefect here, so `aftercall analyze` and the tests use exactly the code
the pipeline runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from aftercall.config import LimitSettings
from aftercall.nlp.audio import AudioError, probe
from aftercall.nlp.detector import Analysis, analyse, heard_customer, load_pipeline
from aftercall.nlp.language import check_english
from aftercall.nlp.parse import TranscriptError, parse_json_transcript, parse_text_transcript
from aftercall.nlp.redact import RedactionConfig, redact_transcript
from aftercall.nlp.roles import infer_roles
from aftercall.nlp.transcribe import AsrConfig, transcribe_detailed
from aftercall.nlp.transcript import Transcript
from aftercall.pipeline.inbox import NotRegularFileError, open_regular
from aftercall.pipeline.intake import file_kind

MAX_TRANSCRIPT_BYTES = 5_000_000
# Longest recording processed (Settings.max_audio_s): decoding holds the whole call in memory
# (16 kHz float32: ~460 MB per stereo hour) and a 3-hour "call" is a recorder left running.
MAX_AUDIO_S = 2 * 3600.0


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


def check_limits(transcript: Transcript, limits: LimitSettings) -> None:
    """CallError when analysing `transcript` would cost more than [limits] allows: too many
    turns, or one turn too long. Checked before roles, redaction and analysis, whose work
    grows with both."""
    turns = transcript.turns
    if len(turns) > limits.max_turns:
        raise CallError(
            f"transcript has {len(turns):,} turns; the limit is {limits.max_turns:,} per call "
            "(max_turns in [limits] of the config); not analysed"
        )
    longest = max(turns, key=lambda t: len(t.text), default=None)
    if longest is not None and len(longest.text) > limits.max_turn_chars:
        raise CallError(
            f"turn {longest.idx} is {len(longest.text):,} characters long; the limit is "
            f"{limits.max_turn_chars:,} per turn (max_turn_chars in [limits] of the config); "
            "not analysed"
        )


def incomplete_reason(transcript: Transcript) -> str | None:
    """Why an analysed call cannot be trusted as a whole call, or None. Such a call is stored
    `incomplete`: its transcript and analysis are kept for a reviewer, but it is left out of
    cases and outcome counts, since what it says of the call may be only the start of it."""
    if transcript.truncated:
        return (
            f"{transcript.truncated}; analysed as far as it goes, not counted as a whole "
            "call: find the complete recording"
        )
    if not heard_customer(transcript):
        return (
            "no customer speech in the call (a missing call leg, or a call that ended before "
            "they spoke); not counted as resolved"
        )
    return None


def read_transcript(
    path: Path,
    asr: AsrConfig | None = None,
    max_audio_s: float = MAX_AUDIO_S,
    limits: LimitSettings | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Transcript:
    """Transcribe audio or parse a transcript file; speakers get agent/customer roles.
    CallError past max_audio_s or `limits` ([limits] of the config; its defaults if None).
    TranscriptionStopped once `should_stop()` says True (the run is being stopped)."""
    limits = limits or LimitSettings()
    kind = file_kind(path)
    try:
        if kind == "audio":
            asr = asr or AsrConfig()
            try:
                seconds = probe(path).duration_s  # the header only: cheap, before decoding
                if seconds is not None and seconds > max_audio_s:
                    raise CallError(
                        f"recording is {seconds / 3600:.1f} h long; the limit is "
                        f"{max_audio_s / 3600:.1f} h (max_audio_s in the config)"
                    )
                result = transcribe_detailed(path, asr, should_stop=should_stop)
            except AudioError as exc:
                raise CallError(str(exc)) from exc
            transcript = result.transcript
            check_limits(transcript, limits)
            if asr.min_understood_share > 0:
                language = check_english(
                    transcript,
                    result.speech_s,
                    multilingual=result.multilingual,
                    detected_probability=result.language_probability,
                    min_understood_share=asr.min_understood_share,
                )
                if not language.english:
                    cut = f" ({transcript.truncated})" if transcript.truncated else ""
                    raise NotEnglishError((language.reason or "not English") + cut)
            if transcript.source == "asr-mono":
                transcript = infer_roles(transcript, result.speaker_labels)
            return transcript
        if kind in ("text", "json"):
            with open_regular(path) as fh:  # never blocks on a pipe put in place of the file
                data = fh.read(MAX_TRANSCRIPT_BYTES + 1)
            if len(data) > MAX_TRANSCRIPT_BYTES:
                raise CallError(f"transcript larger than {MAX_TRANSCRIPT_BYTES:,} bytes")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CallError("transcript is not UTF-8 text") from exc
            if kind == "text":
                transcript, labels = parse_text_transcript(text)
                check_limits(transcript, limits)
                return infer_roles(transcript, labels)
            transcript = parse_json_transcript(text)
            check_limits(transcript, limits)
            if any(t.speaker == "unknown" for t in transcript.turns):
                transcript = infer_roles(transcript)
            return transcript
    except TranscriptError as exc:
        raise CallError(str(exc)) from exc
    except OSError as exc:
        raise CallError(f"cannot read the file: {exc.strerror or exc}") from exc
    except NotRegularFileError as exc:
        raise CallError(str(exc)) from exc
    raise CallError(f"unsupported file type {path.suffix or '(none)'}")


def process_call(
    path: Path,
    started_at: datetime | None = None,
    asr: AsrConfig | None = None,
    redaction: RedactionConfig | None = None,
    max_audio_s: float = MAX_AUDIO_S,
    outcome_model: str | None = None,
    limits: LimitSettings | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Transcript, Analysis]:
    """The REDACTED transcript and its analysis: personal data is replaced before the
    detector sees the text, so signals, summaries and promises cannot quote it either.
    `outcome_model` is the outcome model file ([model] outcome_path); None = the shipped one.
    `limits`: [limits] of the config (its defaults when None). `should_stop`: asked during
    transcription; True stops it with TranscriptionStopped (see read_transcript)."""
    transcript = read_transcript(path, asr, max_audio_s, limits, should_stop)
    if not transcript.turns:
        cut = f" ({transcript.truncated})" if transcript.truncated else ""
        raise CallError(f"no speech found in the recording{cut}")
    transcript, _ = redact_transcript(transcript, redaction)
    nlp = load_pipeline(outcome_model=outcome_model)  # rebuilt when that file changes
    return transcript, analyse(transcript, started_at=started_at, nlp=nlp)
