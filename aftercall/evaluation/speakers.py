"""How well mono calls get their speakers: text cues alone (nlp.roles) against voice
clustering plus text cues (nlp.diarize), scored per word against known truth.

Two sets, both built in memory from recordings with known speakers:
  demo     the 11 demo calls mixed down to mono (synthetic espeak-ng voices); truth: the
           scripts' turn times; scored as agent/customer (roles).
  azure    real voices: Katie's and Steve's enrollment recordings (Azure Speech SDK samples,
           MIT) cut at their pauses and interleaved into one mono call, in three orders;
           truth: which recording each stretch came from; scored as "same speaker" under
           the best matching of labels (no roles: they read passages, not a call).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from aftercall.nlp.audio import load_channels
from aftercall.nlp.diarize import diarize, voice_distance
from aftercall.nlp.roles import infer_roles
from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_audio

ROOT = Path(__file__).resolve().parents[2]  # the repository (aftercall/evaluation/ is two down)
DEMO = ROOT / "aftercall" / "demo_calls"
AZURE = ROOT.parent / "shared" / "data" / "audio" / "azure_speech_sdk"
SR = 16000


@dataclass
class Case:
    name: str
    audio: np.ndarray
    truth: list[tuple[float, float, str]]  # (start, end, speaker)
    roles: bool  # truth names agent/customer (else arbitrary speaker names)


def demo_cases() -> list[Case]:

    scripts = json.loads((DEMO / "scripts.json").read_text(encoding="utf-8"))
    cases = []
    for s in scripts:
        left, right = load_channels(DEMO / "inbox" / s["file"])
        truth = [(t["start_s"], t["end_s"], t["speaker"]) for t in s["turns"]]
        cases.append(Case(s["file"], (left + right) * np.float32(0.5), truth, True))
    return cases


def _phrases(audio: np.ndarray, min_gap_s: float = 0.35) -> list[np.ndarray]:
    """Cut a recording at its pauses (20 ms frames quieter than 5% of the loudest)."""
    frame = SR // 50
    n = len(audio) // frame
    rms = np.sqrt((audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    loud = rms > 0.05 * rms.max()
    phrases, start, quiet = [], None, 0
    for i, on in enumerate(loud):
        if on:
            start = i if start is None else start
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet * frame / SR >= min_gap_s:
                phrases.append(audio[start * frame : (i - quiet + 1) * frame])
                start, quiet = None, 0
    if start is not None:
        phrases.append(audio[start * frame :])
    return [p for p in phrases if len(p) > SR // 2]


def azure_cases() -> list[Case]:

    voices = {
        who: _phrases(load_channels(AZURE / f"enrollment_audio_{who}.wav")[0])
        for who in ("katie", "steve")
    }
    cases = []
    for order in (("katie", "steve"), ("steve", "katie")):
        for run in (1, 2):
            pieces = {who: list(voices[who]) for who in order}
            audio, truth, t = [np.zeros(SR // 2, np.float32)], [], 0.5
            turn = 0
            while any(pieces.values()):
                who = order[turn % 2]
                turn += 1
                take, pieces[who] = pieces[who][:run], pieces[who][run:]
                for clip in take:
                    truth.append((t, t + len(clip) / SR, who))
                    audio.append(clip)
                    t += len(clip) / SR
                    audio.append(np.zeros(int(0.15 * SR), np.float32))
                    t += 0.15
                audio.append(np.zeros(int(0.5 * SR), np.float32))
                t += 0.5
            name = f"katie+steve ({order[0]} first, {run} phrase{'s' if run > 1 else ''} a turn)"
            cases.append(Case(name, np.concatenate(audio), truth, False))
    return cases


def _truth_at(truth: list[tuple[float, float, str]], t: float) -> str:
    inside = [s for a, b, s in truth if a - 0.3 <= t <= b + 0.3]
    if inside:
        return inside[0]
    return min(truth, key=lambda x: min(abs(x[0] - t), abs(x[1] - t)))[2]


def _score(words: list[tuple[float, str]], truth, roles: bool) -> float:
    """Share of words attributed right (for names: under the better of the two matchings)."""
    if not words:
        return 0.0
    pairs = [(who, _truth_at(truth, t)) for t, who in words]
    if roles:
        return sum(a == b for a, b in pairs) / len(pairs)
    names = sorted({b for _, b in pairs})
    labels = sorted({a for a, _ in pairs})
    best = 0.0
    for flip in (False, True):
        mapping = dict(zip(labels, names if not flip else names[::-1], strict=False))
        best = max(best, sum(mapping.get(a) == b for a, b in pairs) / len(pairs))
    return best


def evaluate(cases: list[Case], cfg=None) -> list[dict]:

    cfg = replace(cfg or AsrConfig(), diarize=False)  # Whisper's turns, before the voices
    model = load_model(cfg)
    rows = []
    for case in cases:
        transcript = transcribe_audio([case.audio], cfg, model).transcript
        text_only = infer_roles(transcript)
        turns, labels = diarize(case.audio, transcript.turns)
        if labels:  # what transcribe_audio does with diarize on
            transcript = transcript.model_copy(update={"turns": turns}).renumber()
        if case.roles:
            voiced = infer_roles(transcript, labels) if labels else text_only
            got_text = [(w.start_s, t.speaker) for t in text_only.turns for w in t.words]
            got_voice = [(w.start_s, t.speaker) for t in voiced.turns for w in t.words]
        else:
            got_text = [(w.start_s, t.speaker) for t in text_only.turns for w in t.words]
            got_voice = [
                (w.start_s, lab or "?")
                for t, lab in zip(
                    transcript.turns, labels or [None] * len(transcript.turns), strict=True
                )
                for w in t.words
            ]
        rows.append(
            {
                "case": case.name,
                "turns": len(transcript.turns),
                "voice_distance": voice_distance(case.audio, transcript.turns),
                "two_voices": labels is not None,
                "text_only": _score(got_text, case.truth, case.roles),
                "voice_and_text": _score(got_voice, case.truth, case.roles),
            }
        )
    return rows
