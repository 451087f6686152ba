"""The transcription stage on real audio with the real default model (tiny.en), no mocks."""

from __future__ import annotations

import difflib
import json
import re
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from aftercall.nlp.audio import AudioError, load_channels
from aftercall.nlp.transcribe import (
    AsrConfig,
    _Seg,
    _turns,
    load_model,
    transcribe_audio,
    transcribe_detailed,
    transcribe_file,
)
from aftercall.nlp.transcript import Transcript, Word
from tests.conftest import DATA

JFK = DATA / "jfk.flac"  # 11 s, one speaker, the same on both channels
STEREO = DATA / "stereo_diarization.wav"  # 5 s, a different speaker on each channel
SR = 16000

# From /work/shared/data/audio/references.jsonl (faster-whisper's own test assertions).
JFK_REF = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
LEFT_REF = (
    "He began a confused complaint against the wizard, "
    "who had vanished behind the curtain on the left."
)
RIGHT_REF = "The horizon seems extremely distant."


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=norm(a).split(), b=norm(b).split()).ratio()


def full_text(transcript: Transcript) -> str:
    return norm(" ".join(t.text for t in transcript.turns))


def speech_onset(audio: np.ndarray) -> float:
    """Seconds to the first 20 ms frame louder than a quarter of the loudest: speech starts."""
    frame = SR // 50
    n = len(audio) // frame
    rms = np.sqrt((audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    return float(np.argmax(rms > 0.25 * rms.max()) * frame / SR)


def assert_well_formed(transcript: Transcript) -> None:
    assert [t.idx for t in transcript.turns] == list(range(len(transcript.turns)))
    starts = [t.start_s for t in transcript.turns]
    assert starts == sorted(starts)
    for turn in transcript.turns:
        assert turn.text.strip() and turn.words
        assert 0 <= turn.start_s <= turn.end_s <= transcript.duration_s
        assert turn.avg_logprob is not None and turn.avg_logprob <= 0
        assert 0 <= turn.no_speech_prob <= 1
        assert turn.words[0].start_s == turn.start_s
        word_starts = [w.start_s for w in turn.words]
        assert word_starts == sorted(word_starts)
        for w in turn.words:
            assert turn.start_s <= w.start_s <= w.end_s <= turn.end_s
            assert w.prob is not None and 0 <= w.prob <= 1


@pytest.fixture(scope="module")
def model():
    return load_model(AsrConfig())


# --- real recordings ------------------------------------------------------------------------


@pytest.mark.slow
def test_mono_jfk(model) -> None:
    result = transcribe_detailed(JFK, AsrConfig(), model)
    transcript = result.transcript
    # jfk.flac is stereo on disk with the same speech on both channels: one mono pass.
    assert result.mode == "dual-mono"
    assert transcript.source == "asr-mono"
    assert transcript.duration_s == pytest.approx(11.0, abs=0.01)
    assert transcript.language == "en"
    assert "ask not what your country can do for you" in full_text(transcript)
    assert similarity(full_text(transcript), JFK_REF) > 0.9
    assert transcript.turns and all(t.speaker == "unknown" for t in transcript.turns)
    assert_well_formed(transcript)
    assert transcript.turns[-1].end_s <= 11.0
    assert sum(len(t.words) for t in transcript.turns) >= 20  # the line has 23 words


@pytest.mark.slow
def test_stereo_diarization(model) -> None:
    transcript = transcribe_file(STEREO, AsrConfig(), model)
    assert transcript.source == "asr-stereo"
    assert_well_formed(transcript)
    assert {t.speaker for t in transcript.turns} == {"agent", "customer"}
    agent = " ".join(t.text for t in transcript.turns if t.speaker == "agent")
    customer = " ".join(t.text for t in transcript.turns if t.speaker == "customer")
    # agent_channel="left": the agent's text is the left channel's.
    assert similarity(agent, LEFT_REF) > 0.8 > similarity(agent, RIGHT_REF)
    assert similarity(customer, RIGHT_REF) > 0.8 > similarity(customer, LEFT_REF)

    swapped = transcribe_file(STEREO, AsrConfig(agent_channel="right"), model)
    assert [(t.speaker, t.text) for t in swapped.turns] == [
        ("customer" if t.speaker == "agent" else "agent", t.text) for t in transcript.turns
    ]


def test_references_match_shared_file() -> None:
    refs = Path("/work/shared/data/audio/references.jsonl")
    if not refs.exists():
        pytest.skip("shared references not on this machine")
    rows = [json.loads(line) for line in refs.read_text().splitlines() if line.strip()]
    by_key = {(Path(r["path"]).name, r["channel"]): r["reference"] for r in rows}
    assert by_key[("jfk.flac", None)] == JFK_REF
    assert by_key[("stereo_diarization.wav", 0)] == LEFT_REF  # channel 0 = left
    assert by_key[("stereo_diarization.wav", 1)] == RIGHT_REF


# --- a stereo call with known turns, built from real clips -----------------------------------


@pytest.fixture(scope="module")
def built_call(tmp_path_factory) -> tuple[Path, list[tuple[str, float, str]]]:
    """Agent (left) says the JFK line, the customer (right) answers, the agent speaks again."""
    jfk = load_channels(JFK)[0]
    left_clip, right_clip = load_channels(STEREO)
    plan = [  # (speaker, channel, clip, where the clip is placed, a word it says)
        ("agent", 0, jfk, 0.5, "country"),
        ("customer", 1, right_clip, 12.5, "horizon"),
        ("agent", 0, left_clip, 15.5, "wizard"),
    ]
    audio = np.zeros((21 * SR, 2), np.float32)
    expected = []
    for speaker, channel, clip, at, word in plan:
        start = int(at * SR)
        audio[start : start + len(clip), channel] += clip
        expected.append((speaker, at + speech_onset(clip), word))
    path = tmp_path_factory.mktemp("calls") / "built_call.wav"
    sf.write(path, audio, SR)
    return path, expected


def blocks(transcript: Transcript) -> list[tuple[str, float, str]]:
    """Consecutive turns of one speaker as one block: (speaker, first start, text)."""
    out: list[tuple[str, float, str]] = []
    for t in transcript.turns:
        if out and out[-1][0] == t.speaker:
            out[-1] = (t.speaker, out[-1][1], out[-1][2] + " " + t.text)
        else:
            out.append((t.speaker, t.start_s, t.text))
    return out


@pytest.mark.slow
def test_stereo_turn_order_and_times(model, built_call) -> None:
    path, expected = built_call
    result = transcribe_detailed(path, AsrConfig(), model)
    transcript = result.transcript
    assert result.mode == "stereo" and transcript.source == "asr-stereo"
    assert transcript.duration_s == pytest.approx(21.0)
    assert_well_formed(transcript)
    got = blocks(transcript)
    assert [b[0] for b in got] == [e[0] for e in expected]
    for (_, start, text), (_, true_start, word) in zip(got, expected, strict=True):
        assert abs(start - true_start) < 0.5, (start, true_start, text)
        assert word in norm(text)
    # Nothing from the silent stretches of either channel.
    assert "horizon" not in norm(" ".join(b[2] for b in got if b[0] == "agent"))

    # One thread per channel gives exactly what one channel after the other gives.
    sequential = transcribe_file(path, replace(AsrConfig(), parallel_channels=False), model)
    assert sequential.model_dump() == transcript.model_dump()


@pytest.mark.slow
def test_silence_gives_an_empty_transcript(model, tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros((8 * SR, 2), np.float32), SR)
    result = transcribe_detailed(path, AsrConfig(), model)
    assert result.transcript.turns == []
    assert result.transcript.duration_s == pytest.approx(8.0)
    # Faint hiss, mono: the VAD finds nothing, so Whisper has nothing to hallucinate on.
    hiss = (np.random.default_rng(0).standard_normal(8 * SR) * 0.003).astype(np.float32)
    assert transcribe_audio([hiss], AsrConfig(), model).transcript.turns == []


@pytest.mark.slow
def test_model_is_loaded_once(model) -> None:
    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(load_model(AsrConfig()))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(m is model for m in got) and len(got) == 4
    # Fields that do not change the model share it too.
    assert load_model(AsrConfig(beam_size=1, agent_channel="right")) is model


# --- no Whisper needed ----------------------------------------------------------------------


def test_unreadable_file_raises_audio_error(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    path.write_text("not audio")
    with pytest.raises(AudioError, match="not an audio file or corrupt"):
        transcribe_file(path)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        AsrConfig(agent_channel="middle")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        AsrConfig(turn_gap_s=0)


def _seg(words: list[tuple[str, float, float]], logprob: float, nsp: float, tokens: int) -> _Seg:
    ws = [Word(text=t, start_s=s, end_s=e, prob=0.9) for t, s, e in words]
    return _Seg(" ".join(w.text for w in ws), ws[0].start_s, ws[-1].end_s, logprob, nsp, tokens, ws)


def test_turns_split_on_word_gaps() -> None:
    a = _seg([("Hello", 0.0, 0.4), ("there.", 0.5, 0.9), ("My", 2.0, 2.2)], -0.2, 0.1, 6)
    b = _seg([("bill", 2.3, 2.6), ("is", 2.7, 2.8), ("wrong.", 2.9, 3.3)], -0.5, 0.3, 4)
    stereo = _turns([a, b], "customer", 0.8, split_at_segments=False)
    assert [t.text for t in stereo] == ["Hello there.", "My bill is wrong."]
    assert [(t.start_s, t.end_s) for t in stereo] == [(0.0, 0.9), (2.0, 3.3)]
    assert stereo[0].avg_logprob == pytest.approx(-0.2)
    # "My" is 1/3 of segment a (6 tokens -> weight 2), the rest all of b (weight 4).
    assert stereo[1].avg_logprob == pytest.approx((2 * -0.2 + 4 * -0.5) / 6, abs=1e-4)
    assert stereo[1].no_speech_prob == pytest.approx(0.3)  # the max of its segments
    assert all(t.speaker == "customer" for t in stereo)
    # Mono: a segment boundary also ends a turn (a speaker may change without a pause).
    mono = _turns([a, b], "unknown", 0.8, split_at_segments=True)
    assert [t.text for t in mono] == ["Hello there.", "My", "bill is wrong."]


def seg(text: str, start: float) -> _Seg:
    words = [
        Word(text=w, start_s=start + i * 0.3, end_s=start + i * 0.3 + 0.25, prob=0.5)
        for i, w in enumerate(text.split())
    ]
    return _Seg(text, start, start + len(words) * 0.3, -0.5, 0.1, len(words), words)


def test_decoding_loops_are_dropped_but_short_real_repeats_stay() -> None:
    from aftercall.nlp.transcribe import _drop_repeats

    loop = [seg("We are now looking for a", 0.0)] + [seg("a", 2.0 + i) for i in range(6)]
    kept, dropped = _drop_repeats(loop, max_repeats=2)
    assert [s.text for s in kept] == ["We are now looking for a", "a", "a"]
    assert dropped == 4
    answers = [seg("yes", 0.0), seg("yes", 1.0), seg("no", 2.0)]
    assert _drop_repeats(answers, 2) == (answers, 0)
    inner = seg("I'm not sure " * 6 + "okay", 0.0)
    (cut,), _ = _drop_repeats([inner], 2)
    assert cut.text == "I'm not sure I'm not sure I'm not sure okay"
    assert [w.text for w in cut.words] == cut.text.split()
    assert _drop_repeats(loop, 0) == (loop, 0)  # 0 turns the guard off


def test_windows_cut_in_pauses_and_cover_the_channel() -> None:
    from aftercall.nlp.transcribe import _windows

    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(200 * SR) * 0.1).astype(np.float32)
    audio[int(55.0 * SR) : int(55.4 * SR)] = 0.0  # the only pause before the 60 s limit
    audio[int(110.0 * SR) : int(110.4 * SR)] = 0.0
    cuts = _windows(audio, 60.0)
    assert cuts[0][0] == 0 and cuts[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:], strict=False))
    assert all(hi - lo <= 60 * SR for lo, hi in cuts)
    assert 55.0 <= cuts[0][1] / SR <= 55.4 and 110.0 <= cuts[1][1] / SR <= 110.4
    assert _windows(audio, 0) == [(0, len(audio))]
    assert _windows(audio[: 30 * SR], 60.0) == [(0, 30 * SR)]


@pytest.mark.slow
def test_long_call_in_windows_keeps_true_times(model) -> None:
    """JFK's line 7 times over 84 s, cut into windows of at most 60 s: each repetition is
    found where it was placed (Whisper's own word times err by up to ~1.7 s now and then on
    repeated text, with or without windows, and it samples hard windows, so two misses are
    allowed)."""
    from aftercall.nlp.transcribe import _windows

    jfk = load_channels(JFK)[0]
    period = len(jfk) + SR  # one second of silence between repetitions
    audio = np.zeros(7 * period + SR, np.float32)
    for k in range(7):
        audio[SR + k * period : SR + k * period + len(jfk)] = jfk
    assert len(_windows(audio, 60.0)) == 2
    result = transcribe_audio([audio], replace(AsrConfig(), window_s=60.0), model)
    assert_well_formed(result.transcript)
    words = [w for t in result.transcript.turns for w in t.words]
    firsts = [w.start_s for w in words if norm(w.text) == "and"]
    truth = [1 + k * period / SR + speech_onset(jfk) for k in range(7)]
    hits = sum(any(abs(f - t) < 0.5 for f in firsts) for t in truth)
    # The first window holds repetitions 0-3, the second 4-6: five hits need at least one
    # repetition of the second window at its true time, which a wrong offset cannot give.
    assert hits >= 5, (firsts, truth)
    assert full_text(result.transcript).count("fellow americans") >= 6
