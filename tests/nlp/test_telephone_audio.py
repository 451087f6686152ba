"""Telephone audio as contact centres store it: 8 kHz mu-law and A-law, MP3, M4A/AAC,
OGG/Opus, 5.1 files with the call's legs on two of six channels, hold music and long
silences. Each file is made in the test from real speech (jfk, stereo_diarization) with
PyAV's encoders, then goes through faster-whisper with the default model."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from aftercall.nlp.audio import load_channels, probe
from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_detailed
from tests.nlp.test_transcribe import JFK, JFK_REF, LEFT_REF, RIGHT_REF, STEREO, norm, similarity

pytestmark = pytest.mark.slow
SR = 16000


def encode(path: Path, channels: np.ndarray, codec: str, rate: int, layout: str) -> Path:
    """Write float32 (channels, samples) audio at 16 kHz with `codec` at `rate`."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        fmt = stream.codec_context.codec.audio_formats[0].name
        frame_size = stream.codec_context.frame_size or 1024
        resampler = av.audio.resampler.AudioResampler(
            format=fmt, layout=layout, rate=rate, frame_size=frame_size
        )
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(channels, dtype=np.float32), format="fltp", layout=layout
        )
        frame.sample_rate = SR
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def model():
    return load_model(AsrConfig())


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    return load_channels(JFK)[0][None, :]


@pytest.mark.parametrize(
    ("name", "codec", "rate"),
    [
        ("mulaw.wav", "pcm_mulaw", 8000),
        ("alaw.wav", "pcm_alaw", 8000),
        ("call.mp3", "libmp3lame", 16000),
        ("call.m4a", "aac", 16000),
        ("call.ogg", "libopus", 48000),
    ],
)
def test_telephone_codecs_transcribe(model, jfk, tmp_path, name, codec, rate) -> None:
    path = encode(tmp_path / name, jfk, codec, rate, "mono")
    info = probe(path)
    assert info.sample_rate == rate and info.channels == 1
    result = transcribe_detailed(path, AsrConfig(), model)
    text = " ".join(t.text for t in result.transcript.turns)
    assert similarity(text, JFK_REF) > 0.8, (name, text)
    assert result.transcript.duration_s == pytest.approx(11.0, abs=0.1)


def test_six_channels_find_the_two_call_legs(model, tmp_path) -> None:
    left, right = load_channels(STEREO)
    six = np.zeros((6, len(left)), np.float32)
    six[1], six[4] = left, right  # FR and BL carry the call; FL, FC, LFE, BR are empty
    path = encode(tmp_path / "surround.wav", six, "pcm_s16le", 16000, "5.1")
    assert probe(path).channels == 6
    result = transcribe_detailed(path, AsrConfig(), model)
    assert result.mode == "stereo" and result.channels_used == [1, 4]
    by_speaker = {
        who: " ".join(t.text for t in result.transcript.turns if t.speaker == who)
        for who in ("agent", "customer")
    }
    assert similarity(by_speaker["agent"], LEFT_REF) > 0.8  # first leg = cfg.agent_channel
    assert similarity(by_speaker["customer"], RIGHT_REF) > 0.8


def hold_music(seconds: float) -> np.ndarray:
    """Chords of harmonics with a slow tremolo and a melody: music, not speech."""
    t = np.arange(int(seconds * SR)) / SR
    notes = [220.0, 277.2, 329.6, 440.0, 370.0, 293.7]
    melody = np.array(notes)[(t // 0.5).astype(int) % len(notes)]
    wave = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate((110.0, 165.0, 220.0)))
    wave = wave + 0.8 * np.sin(2 * np.pi * melody * t) + 0.3 * np.sin(4 * np.pi * melody * t)
    return (0.08 * wave * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)


def test_hold_music_and_long_silence_produce_no_words(model, tmp_path) -> None:
    """Agent: 30 s of silence, then speech. Customer: 25 s of hold music, then speech."""
    left, right = load_channels(STEREO)
    call = np.zeros((2, 40 * SR), np.float32)
    call[1, : 25 * SR] = hold_music(25)
    call[0, 30 * SR : 30 * SR + len(left)] = left
    call[1, 35 * SR : 35 * SR + len(right)] = right
    path = encode(tmp_path / "hold.wav", call, "pcm_s16le", 16000, "stereo")
    result = transcribe_detailed(path, AsrConfig(), model)
    turns = result.transcript.turns
    assert [t for t in turns if t.start_s < 29.5] == []  # nothing made up from music/silence
    assert "wizard" in norm(" ".join(t.text for t in turns if t.speaker == "agent"))
    assert "distant" in norm(" ".join(t.text for t in turns if t.speaker == "customer"))
