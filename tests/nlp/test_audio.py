"""Reading recordings: real files decode, broken ones fail with a message a person can read."""

from __future__ import annotations

import re
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from aftercall.nlp.audio import (
    AudioError,
    call_legs,
    is_dual_mono,
    load_audio,
    load_channels,
    probe,
)
from tests.conftest import DATA, DEMO

JFK = DATA / "jfk.flac"  # 11 s, 44.1 kHz, one speaker on both channels
STEREO = DATA / "stereo_diarization.wav"  # 5 s, 16 kHz, a different speaker per channel


def assert_readable(exc: AudioError, expected: str, path: Path) -> None:
    msg = str(exc)
    assert msg.startswith(expected), msg
    assert path.name in msg
    for jargon in ("Errno", "avcodec", "FFmpeg", "Traceback"):
        assert jargon not in msg


def test_probe_real_files() -> None:
    info = probe(JFK)
    assert (info.channels, info.sample_rate, info.codec) == (2, 44100, "flac")
    assert info.duration_s == pytest.approx(11.0, abs=0.01)
    info = probe(STEREO)
    assert (info.channels, info.sample_rate, info.codec) == (2, 16000, "pcm_s16le")
    assert info.duration_s == pytest.approx(5.0, abs=0.01)


def test_load_channels_resamples_to_16k_float32() -> None:
    left, right = load_channels(JFK)  # 44.1 kHz in
    assert left.dtype == right.dtype == np.float32
    assert len(left) == len(right) == 11 * 16000
    assert 0.05 < float(np.sqrt(np.mean(left**2))) < 0.5  # real speech, not silence
    assert float(np.abs(left).max()) <= 1.0


def test_decoding_leaves_no_reference_cycles() -> None:
    """load_channels skips faster-whisper's gc.collect() (slow in a big process): that is
    safe only while PyAV's decoder and resampler leave nothing for the cycle collector."""
    import gc

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to look at it
    try:
        for path in (JFK, STEREO):  # resampled from 44.1 kHz, and not resampled
            load_channels(path)
        gc.collect()
        left = [type(o) for o in gc.garbage if type(o).__module__.split(".")[0] == "av"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left, f"PyAV objects left in cycles: {left[:5]}"


def test_mono_file_gives_one_channel(tmp_path: Path) -> None:
    left, _ = load_channels(STEREO)
    path = tmp_path / "mono.wav"
    sf.write(path, left, 16000)
    (only,) = load_channels(path, sampling_rate=8000)
    assert len(only) == len(left) // 2


def test_more_than_two_channels_gives_every_channel(tmp_path: Path) -> None:
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    quad = np.stack([0.1 * (k + 1) * np.sin(2 * np.pi * 440 * t) for k in range(4)], axis=1)
    path = tmp_path / "quad.wav"
    sf.write(path, quad.astype(np.float32), sr)
    assert probe(path).channels == 4
    chans = load_channels(path)
    assert len(chans) == 4
    peaks = [float(np.abs(c).max()) for c in chans]
    assert peaks == pytest.approx([0.1, 0.2, 0.3, 0.4], abs=0.01)


def test_call_legs_leave_out_silent_channels_and_copies() -> None:
    left, right = load_channels(STEREO)
    silent = np.zeros_like(left)
    hiss = (np.random.default_rng(1).standard_normal(len(left)) * 1e-4).astype(np.float32)
    # 5.1 as a phone system writes it: legs on FR and LFE, FL a copy of FR, the rest empty.
    assert call_legs([right, right.copy(), silent, left, hiss, silent]) == [0, 3]
    assert call_legs([silent, left, silent]) == [1]
    assert call_legs([silent, hiss]) == []


def test_dual_mono_detection() -> None:
    assert is_dual_mono(load_channels(JFK))  # same speech on both channels
    assert not is_dual_mono(load_channels(STEREO))  # two call legs
    left, _ = load_channels(STEREO)
    assert not is_dual_mono([left, np.zeros_like(left)])  # one side silent: still stereo
    assert not is_dual_mono([left])


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    path.write_bytes(b"")
    for read in (probe, load_channels):
        with pytest.raises(AudioError) as err:
            read(path)
        assert_readable(err.value, "empty file", path)


def test_text_file_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    path.write_text("Agent: hello, this is a transcript, not a recording\n")
    for read in (probe, load_channels):
        with pytest.raises(AudioError) as err:
            read(path)
        assert_readable(err.value, "not an audio file or corrupt", path)


def test_truncated_flac_header(tmp_path: Path) -> None:
    path = tmp_path / "cut.flac"
    path.write_bytes(JFK.read_bytes()[:2048])
    for read in (probe, load_channels):
        with pytest.raises(AudioError) as err:
            read(path)
        assert_readable(err.value, "not an audio file or corrupt", path)


def test_recording_cut_off_midway_keeps_what_decodes(tmp_path: Path) -> None:
    data = JFK.read_bytes()
    path = tmp_path / "half.flac"
    path.write_bytes(data[: len(data) // 2])
    left, _ = load_channels(path)
    assert 4.0 < len(left) / 16000 < 7.0  # about half of the 11 s


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as err:
        probe(tmp_path / "nope.wav")
    assert_readable(err.value, "file not found", tmp_path / "nope.wav")
    with pytest.raises(AudioError) as err:
        load_channels(tmp_path)
    assert str(err.value).startswith("not a file")


def test_no_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "screen.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    for read in (probe, load_channels):
        with pytest.raises(AudioError) as err:
            read(path)
        assert_readable(err.value, "no audio stream", path)


def test_zero_length_audio(tmp_path: Path) -> None:
    path = tmp_path / "nothing.wav"
    sf.write(path, np.zeros((0, 2), np.float32), 16000)
    for read in (probe, load_channels):
        with pytest.raises(AudioError) as err:
            read(path)
        assert_readable(err.value, "audio is 0 seconds long", path)


def test_silence_decodes_as_silence(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros((3 * 16000, 2), np.float32), 16000)
    chans = load_channels(path)
    assert [len(c) for c in chans] == [48000, 48000]
    assert not any(c.any() for c in chans)


# --- issue 20: a recording cut short says so -------------------------------------------------

DEMO_CALL = DEMO / "01_internet_outage_resolved.flac"


@pytest.fixture(scope="module")
def whole_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 26.2 s stereo call as 16-bit WAV (4 bytes a frame)."""
    path = tmp_path_factory.mktemp("wav") / "whole.wav"
    data, rate = sf.read(DEMO_CALL, dtype="int16")
    sf.write(path, data, rate, subtype="PCM_16")
    return path


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        (30_000, "truncated: 0.5 s of 26.2 s"),  # the probe's 30 KB: whole frames
        (30_001, "truncated: 0.5 s of 26.2 s, ending mid-frame"),
        (None, None),
    ],
)
def test_a_wav_whose_header_promises_more_than_it_holds_is_truncated(
    whole_wav: Path, tmp_path: Path, keep: int | None, expected: str | None
) -> None:
    """FFmpeg and libsndfile clamp a WAV's length to its bytes: neither said it was cut."""
    path = tmp_path / "call.wav"
    path.write_bytes(whole_wav.read_bytes()[:keep])
    decoded = load_audio(path)
    assert decoded.truncated == expected
    assert len(decoded.channels) == 2


def test_a_streamed_wav_with_no_size_in_its_header_is_not_called_truncated(
    whole_wav: Path, tmp_path: Path
) -> None:
    data = bytearray(whole_wav.read_bytes()[:30_000])
    at = data.index(b"data") + 4
    data[at : at + 4] = b"\xff\xff\xff\xff"  # a writer that never came back to fill it in
    path = tmp_path / "stream.wav"
    path.write_bytes(bytes(data))
    assert load_audio(path).truncated is None


def test_a_compressed_stream_cut_short_is_truncated(tmp_path: Path) -> None:
    data = DEMO_CALL.read_bytes()
    path = tmp_path / "third.flac"
    path.write_bytes(data[: len(data) // 3])
    cut = load_audio(path).truncated
    assert cut is not None and re.fullmatch(r"truncated: (8|9)\.\d s of 26\.2 s", cut), cut
    assert load_audio(DEMO_CALL).truncated is None


def test_a_wav_a_few_bytes_short_is_not_called_truncated(whole_wav: Path, tmp_path: Path) -> None:
    path = tmp_path / "nearly.wav"
    path.write_bytes(whole_wav.read_bytes()[:-3])  # a writer's rounding, mid-frame
    assert load_audio(path).truncated is None
