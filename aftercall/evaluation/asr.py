"""Word error rate of aftercall's transcription against raw faster-whisper, on speech no one
here recorded: the shared reference recordings and Debian's asterisk-core-sounds prompts (real
8 kHz telephone speech, one voice, CC BY-SA 3.0, with reference text).

Both systems get the same files, the same model and the same beam in the same run:
  raw   faster-whisper as a user calls it: decode_audio, then model.transcribe with its own
        defaults (no VAD, conditioning on previous text) and only language and beam set.
  ours  aftercall.nlp.transcribe.transcribe_audio with the configured defaults; the text is
        the turns of the chosen channel, in order.
Texts are normalised with Whisper's own English normaliser (whisper-normalizer) before WER
(jiwer), so "10" and "ten", "Mr." and "mister" do not count as errors.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_audio

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # the repository (aftercall/evaluation/ is two down)
SHARED_AUDIO = ROOT.parent / "shared" / "data" / "audio"
ASTERISK_DIR = ROOT / ".aftercall" / "data" / "asterisk"
ASTERISK_PACKAGES = ("asterisk-core-sounds-en-wav", "asterisk-core-sounds-en")
_ASTERISK_SOUNDS = "usr/share/asterisk/sounds/en_US_f_Allison"
_ASTERISK_TEXT = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"


class EvalDataError(Exception):
    """An evaluation set cannot be found or fetched; the message says how to get it."""


@dataclass(frozen=True)
class Sample:
    path: Path
    reference: str
    channel: int | None  # None: the whole (mono) recording; 0/1: left/right of a stereo one
    source: str  # "shared" or "asterisk"

    @property
    def name(self) -> str:
        suffix = "" if self.channel is None else f"[{'LR'[self.channel]}]"
        return f"{self.path.name}{suffix}"


# --- data -----------------------------------------------------------------------------------


def shared_samples(folder: Path = SHARED_AUDIO) -> list[Sample]:
    """The shared recordings that have a clean reference (references.jsonl, null = none)."""
    index = folder / "references.jsonl"
    if not index.is_file():
        raise EvalDataError(f"no reference list at {index} (the shared data folder is missing)")
    samples = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("reference"):
            samples.append(Sample(folder / row["path"], row["reference"], row["channel"], "shared"))
    return samples


def fetch_asterisk(target: Path = ASTERISK_DIR) -> Path:
    """Download and unpack Debian's asterisk-core-sounds (English) into `target` once.

    Uses `apt-get download` (the package registry this project may use) and `dpkg-deb -x`;
    nothing is installed system-wide. Returns the folder that holds the prompts' .wav files.
    """
    sounds = target / _ASTERISK_SOUNDS
    if (target / ".complete").is_file():
        return sounds
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise EvalDataError(f"{tool} not found: the asterisk prompts come from Debian packages")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        cmd = ["apt-get", "download", *ASTERISK_PACKAGES]
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 and os.geteuid() == 0:
            # A fresh machine has no package lists yet; root may fetch them once.
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600)
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise EvalDataError(
                f"`{' '.join(cmd)}` failed (run `apt-get update` first?): {done.stderr.strip()}"
            )
        for deb in sorted(Path(tmp).glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True, timeout=300)
    if not sounds.is_dir() or not (target / _ASTERISK_TEXT).is_file():
        raise EvalDataError(f"unpacked the asterisk packages but found no prompts in {target}")
    (target / ".complete").write_text("ok\n")
    return sounds


def asterisk_samples(target: Path = ASTERISK_DIR, limit: int | None = None) -> list[Sample]:
    """Prompts with a spoken reference (not "[beep]"-style descriptions), in name order.

    `limit` takes an evenly spaced subset, so a small slice still spans the whole set.
    """
    sounds = fetch_asterisk(target)
    samples = []
    with gzip.open(target / _ASTERISK_TEXT, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            name, sep, text = line.partition(":")
            text = text.strip()
            if not sep or line.startswith(";") or not text or "[" in text or "<" in text:
                continue  # comments, tones ("[beep]"), notes about the recording
            wav = sounds / f"{name.strip()}.wav"
            if wav.is_file():
                samples.append(Sample(wav, text, None, "asterisk"))
    samples.sort(key=lambda s: s.path.name)
    if limit is not None and 0 < limit < len(samples):
        step = len(samples) / limit
        samples = [samples[int(i * step)] for i in range(limit)]
    return samples


# --- scoring --------------------------------------------------------------------------------


def normalise(text: str) -> str:
    # lazy: slow import, needed only here
    from whisper_normalizer.english import EnglishTextNormalizer

    global _normaliser
    if _normaliser is None:
        _normaliser = EnglishTextNormalizer()
    return re.sub(r"\s+", " ", _normaliser(text)).strip()


_normaliser: Callable[[str], str] | None = None


@dataclass
class SystemScore:
    name: str
    refs: list[str] = field(default_factory=list)
    hyps: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def wer(self) -> float:
        import jiwer  # lazy: slow import, needed only here

        pairs = [(r, h) for r, h in zip(self.refs, self.hyps, strict=True) if r]
        if not pairs:
            return float("nan")
        return jiwer.wer([r for r, _ in pairs], [h or "" for _, h in pairs])


@dataclass
class EvalReport:
    audio_s: float
    by_set: dict[str, dict[str, SystemScore]]  # set name -> system name -> score
    worst: list[tuple[str, str, str, str]]  # (sample, reference, raw, ours) where ours lost most


def evaluate(
    samples: Iterable[Sample],
    cfg=None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Transcribe every sample both ways and score them per source set."""
    import numpy as np  # lazy: slow import, needed only here
    from faster_whisper import decode_audio  # lazy: slow import, needed only here

    cfg = cfg or AsrConfig()
    model = load_model(cfg)
    samples = list(samples)
    by_set: dict[str, dict[str, SystemScore]] = {}
    diffs: list[tuple[float, tuple[str, str, str, str]]] = []
    audio_s = 0.0
    for i, sample in enumerate(samples):
        audio = decode_audio(str(sample.path), split_stereo=sample.channel is not None)
        channels = list(audio) if isinstance(audio, tuple) else [audio]
        audio_s += len(channels[0]) / 16000
        scores = by_set.setdefault(
            sample.source, {"raw": SystemScore("raw"), "ours": SystemScore("ours")}
        )
        ref = normalise(sample.reference)

        started = time.perf_counter()
        chan = channels[sample.channel or 0]
        segments, _ = model.transcribe(chan, language=cfg.language, beam_size=cfg.beam_size)
        raw = normalise(" ".join(s.text for s in segments))
        scores["raw"].seconds += time.perf_counter() - started

        started = time.perf_counter()
        result = transcribe_audio(
            [np.asarray(c, dtype=np.float32) for c in channels],
            _as_stereo(cfg) if sample.channel is not None else cfg,
            model,
        )
        if sample.channel is None:
            turns = result.transcript.turns
        else:  # the channel's speaker, whichever role the config gives it
            agent_idx = 0 if cfg.agent_channel == "left" else 1
            want = "agent" if sample.channel == agent_idx else "customer"
            turns = [t for t in result.transcript.turns if t.speaker == want]
        ours = normalise(" ".join(t.text for t in turns))
        scores["ours"].seconds += time.perf_counter() - started

        for name, hyp in (("raw", raw), ("ours", ours)):
            scores[name].refs.append(ref)
            scores[name].hyps.append(hyp)
        if ours != raw:
            loss = _wer1(ref, ours) - _wer1(ref, raw)
            diffs.append((loss, (sample.name, ref, raw, ours)))
        if progress:
            progress(i + 1, len(samples))
    diffs.sort(key=lambda d: -d[0])
    return EvalReport(audio_s=audio_s, by_set=by_set, worst=[d for _, d in diffs[:5]])


def raw_segments(model, channel, cfg) -> list:
    """One channel through faster-whisper with aftercall's decoding settings (beam, VAD, word
    times, conditioning) and nothing of ours: the baseline of the speed and memory
    benchmarks. (WER's baseline, in `evaluate`, is faster-whisper's own defaults instead.)"""
    segments, _ = model.transcribe(
        channel,
        language=cfg.language,
        beam_size=cfg.beam_size,
        vad_filter=cfg.vad_filter,
        word_timestamps=cfg.word_timestamps,
        condition_on_previous_text=cfg.condition_on_previous_text,
    )
    return list(segments)  # decoding happens while the generator is consumed


def _as_stereo(cfg):
    """A reference per channel needs the channels kept apart, never mixed as dual mono."""

    return replace(cfg, channels="stereo")


def _wer1(ref: str, hyp: str) -> float:
    import jiwer  # lazy: slow import, needed only here

    return jiwer.wer(ref, hyp or "") if ref else 0.0
