"""Reading call recordings: what is in the file, and its channels as 16 kHz float arrays.

PyAV (FFmpeg, bundled with faster-whisper) does the decoding, so every container and codec
FFmpeg knows works (wav, flac, mp3, m4a, ogg, opus, the audio track of an mp4, ...) without a
system ffmpeg. Every failure to read a file becomes an `AudioError` whose message a person who
uploaded the file can act on; nothing from PyAV or the OS leaks out.
"""

from __future__ import annotations

import logging
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import av
import av.audio.fifo
import av.audio.resampler
import numpy as np

log = logging.getLogger(__name__)

# Samples (at the input rate) handed to the resampler at a time: one call per ~10 s of 48 kHz
# audio instead of one per codec frame, as faster_whisper.decode_audio does.
_GROUP_SAMPLES = 500_000

# Pearson correlation of left and right above which a two-channel file is really one mono
# recording stored twice ("dual mono": jfk.flac measures 0.9996, a real agent/customer
# stereo call about 0.0). Separately recorded call legs never come close: each channel holds
# one side, the other side only as faint, delayed echo.
DUAL_MONO_CORRELATION = 0.98

# RMS below which a channel counts as silent (about -60 dBFS): an unused channel of a 5.1 file
# or a call leg that never spoke. Line hiss on a real leg measures -50 dBFS and above.
SILENT_RMS = 1e-3

# More channels than any call recorder writes; past this a file is more likely hostile.
MAX_CHANNELS = 8


class AudioError(Exception):
    """The file cannot be used as a call recording; str() is a message for the uploader."""


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float | None  # None only when the container does not say
    channels: int
    sample_rate: int
    codec: str


def _fail(kind: str, path: Path, detail: str = "") -> AudioError:
    msg = f"{kind}: {path}"
    return AudioError(f"{msg} ({detail})" if detail else msg)


def _open(path: str | os.PathLike[str]) -> tuple[Path, av.container.InputContainer]:
    """Open `path` with PyAV after the checks that give clearer messages than FFmpeg's."""
    p = Path(path)
    try:
        if not p.exists():
            raise _fail("file not found", p)
        if p.is_dir():
            raise _fail("not a file (a folder)", p)
        if not stat.S_ISREG(p.stat().st_mode):  # a named pipe would block FFmpeg's open
            raise _fail("not a regular file (a pipe, socket or device)", p)
        if p.stat().st_size == 0:
            raise _fail("empty file", p)
        container = av.open(str(p), mode="r", metadata_errors="ignore")
    except AudioError:
        raise
    except PermissionError as exc:
        raise _fail("no permission to read the file", p) from exc
    except (av.FFmpegError, OSError, ValueError, UnicodeError) as exc:
        # InvalidDataError (not audio at all), EOFError (cut off inside the header), ...
        raise _fail("not an audio file or corrupt", p) from exc
    if not container.streams.audio:
        container.close()
        raise _fail("no audio stream", p, "the file has no sound track")
    return p, container


def _info(container: av.container.InputContainer) -> AudioInfo:
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    duration: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return AudioInfo(
        duration_s=duration,
        channels=int(ctx.layout.nb_channels) if ctx.layout else int(ctx.channels or 0),
        sample_rate=int(ctx.sample_rate or 0),
        codec=ctx.name,
    )


def _frames(container: av.container.InputContainer) -> Iterator[av.AudioFrame]:
    """Decoded frames of the first audio stream, skipping damaged packets."""
    frames = container.decode(container.streams.audio[0])
    skipped = 0
    while True:
        try:
            yield next(frames)
        except StopIteration:
            return
        except av.InvalidDataError:
            skipped += 1  # a damaged packet: skip it, keep what decodes
            if skipped > 1000:
                raise


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Duration, channel count, sample rate and codec of the first audio stream.

    Reads the header only (cheap). Raises AudioError for a missing, empty, non-audio or
    corrupt file, a file without an audio stream, or one whose audio is 0 seconds long.
    """
    p, container = _open(path)
    with container:
        try:
            info = _info(container)
            if info.duration_s is None:
                # Header says nothing (an empty WAV, some raw streams): count what decodes.
                samples = sum(f.samples for f in _frames(container))
                if info.sample_rate > 0:
                    info = replace(info, duration_s=samples / info.sample_rate)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise _fail("not an audio file or corrupt", p) from exc
    if info.channels < 1 or info.sample_rate < 1:
        raise _fail("not an audio file or corrupt", p, "no channels or sample rate")
    if info.duration_s is not None and info.duration_s <= 0:
        raise _fail("audio is 0 seconds long", p)
    return info


@dataclass(frozen=True)
class Decoded:
    """A recording decoded: its channels, and whether it holds less than the call."""

    channels: list[np.ndarray]
    # "truncated: 0.5 s of 27.2 s" when the header promises more than the file holds or the
    # stream ends mid-frame; None for a whole recording (as far as its container can say)
    truncated: str | None = None


def _riff_promise(path: Path) -> tuple[float, float, bool] | None:
    """(seconds the file holds, seconds its header promises, ends mid-frame) for a RIFF/WAVE
    file whose data chunk is cut short; None for a whole WAV or any other container.

    FFmpeg and libsndfile both clamp a WAV's length to the bytes present, so neither can say
    a file was cut: the data chunk's size in the header is read here (12 + 8-byte chunk
    headers, struct, no decoding). A size of 0 or 0xFFFFFFFF is a writer that never came back
    to fill it in (streaming): no promise."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = os.fstat(fh.fileno()).st_size
            byte_rate = block_align = 0
            for _ in range(64):  # a real WAV has a handful of chunks before its data
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return None
                kind, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if kind == b"fmt ":
                    fmt = fh.read(min(length, 16))
                    if len(fmt) < 14:
                        return None
                    byte_rate, block_align = (
                        struct.unpack("<I", fmt[8:12])[0],
                        fmt[12] | fmt[13] << 8,
                    )
                    fh.seek(length + length % 2 - len(fmt), os.SEEK_CUR)
                elif kind == b"data":
                    if not byte_rate or length in (0, 0xFFFFFFFF):
                        return None
                    held = size - fh.tell()
                    if held >= length:
                        return None
                    mid_frame = bool(block_align) and held % block_align != 0
                    return max(held, 0) / byte_rate, length / byte_rate, mid_frame
                else:
                    fh.seek(length + length % 2, os.SEEK_CUR)
    except OSError:
        return None
    return None


def load_channels(path: str | os.PathLike[str], sampling_rate: int = 16000) -> list[np.ndarray]:
    """The channels of `load_audio` (float32 in [-1, 1] at `sampling_rate`, one per channel)."""
    return load_audio(path, sampling_rate).channels


def load_audio(path: str | os.PathLike[str], sampling_rate: int = 16000) -> Decoded:
    """Decode to float32 arrays in [-1, 1] at `sampling_rate`, one per channel.

    A mono file gives one array, a stereo file two (left, right), all the same length; a file
    with more channels (5.1, a conference recorder) gives every channel, up to MAX_CHANNELS,
    in FFmpeg's order: `call_legs` decides which of them carry the call.

    Frames FFmpeg cannot decode are skipped, so a recording cut off mid-write yields the audio
    before the damage (with a warning); a file with no decodable audio at all raises
    AudioError, as do the cases `probe` rejects.
    """
    p, container = _open(path)
    buffer = _Buffer()
    cut_short = False
    with container:
        stream = container.streams.audio[0]
        header_s = _info(container).duration_s
        buffer.expect(header_s, sampling_rate)
        stream.thread_type = "AUTO"
        # layout=None keeps the input's channels; planar float gives (channels, samples).
        resampler = av.audio.resampler.AudioResampler(
            format="fltp", layout=None, rate=sampling_rate
        )
        fifo = av.audio.fifo.AudioFifo()

        def drain(frames: list[av.AudioFrame]) -> None:
            for out in frames:
                buffer.add(out.to_ndarray().reshape(out.layout.nb_channels, -1))

        try:
            for frame in _frames(container):
                frame.pts = None  # resampler: do not check timestamps of grouped frames
                fifo.write(frame)
                if fifo.samples >= _GROUP_SAMPLES:
                    drain(resampler.resample(fifo.read()))
            if fifo.samples > 0:
                drain(resampler.resample(fifo.read()))
            drain(resampler.resample(None))  # flush
        except (av.FFmpegError, OSError, ValueError) as exc:
            if not buffer.samples:
                raise _fail("not an audio file or corrupt", p) from exc
            cut_short = True
            log.warning("%s: decoding stopped early: %s", p, exc)
        finally:
            # No gc.collect() here, unlike faster-whisper's decode_audio (its #390: old PyAV's
            # resampler sat in a reference cycle holding native buffers). PyAV 18 leaves no
            # cycle (tests/test_audio.py checks), and a full collection in a process holding
            # spaCy and Prefect took ~0.45 s with the GIL held, twice per call.
            del resampler, fifo

    audio = buffer.audio()
    if audio is None or audio.shape[1] == 0:
        raise _fail("audio is 0 seconds long", p)
    decoded_s = audio.shape[1] / sampling_rate
    truncated = _truncation(p, decoded_s, header_s, cut_short)
    if truncated:
        log.warning("%s: %s; using what decodes", p, truncated)
    if audio.shape[0] > MAX_CHANNELS:
        log.warning("%s: %d channels; using the first %d", p, audio.shape[0], MAX_CHANNELS)
    np.clip(audio, -1.0, 1.0, out=audio)
    # Each row of the (channels, samples) buffer is contiguous: no copy is made here.
    return Decoded([np.ascontiguousarray(ch) for ch in audio[:MAX_CHANNELS]], truncated)


def _truncation(p: Path, decoded_s: float, header_s: float | None, cut_short: bool) -> str | None:
    """Why the recording holds less than the call, in words; None when nothing says so."""
    riff = _riff_promise(p)
    # a WAV whose header promises more than the file holds; a writer a few bytes out (a
    # shortfall under half a second) loses nothing of the call worth the name
    if riff is not None and riff[1] - riff[0] >= 0.5:
        _, promised_s, mid_frame = riff
        frame = ", ending mid-frame" if mid_frame else ""
        return f"truncated: {decoded_s:.1f} s of {promised_s:.1f} s{frame}"
    if header_s is not None and (cut_short or decoded_s < 0.95 * header_s - 0.5):
        return f"truncated: {decoded_s:.1f} s of {header_s:.1f} s"
    if cut_short:  # decoding failed part-way, and no header says how long the call was
        return f"truncated: the stream ends mid-frame after {decoded_s:.1f} s"
    return None


class _Buffer:
    """Decoded audio written into one preallocated array sized from the header, so a long
    call is held once (60 min of 16 kHz stereo: 460 MB), not once in pieces and once joined."""

    def __init__(self) -> None:
        self.data: np.ndarray | None = None
        self.samples = 0
        self.capacity = 0

    def expect(self, seconds: float | None, rate: int) -> None:
        self.capacity = int((seconds or 60.0) * rate) + rate

    def add(self, chunk: np.ndarray) -> None:
        chunk = chunk.astype(np.float32, copy=False)
        n = chunk.shape[1]
        if self.data is None:
            self.data = np.empty((chunk.shape[0], max(self.capacity, n)), np.float32)
        elif chunk.shape[0] != self.data.shape[0]:
            raise ValueError("the channel count changed in the middle of the recording")
        if self.samples + n > self.data.shape[1]:  # the header under-stated the length
            grown = np.empty((self.data.shape[0], int((self.samples + n) * 1.5)), np.float32)
            grown[:, : self.samples] = self.data[:, : self.samples]
            self.data = grown
        self.data[:, self.samples : self.samples + n] = chunk
        self.samples += n

    def audio(self) -> np.ndarray | None:
        return None if self.data is None else self.data[:, : self.samples]


def is_dual_mono(channels: list[np.ndarray], threshold: float = DUAL_MONO_CORRELATION) -> bool:
    """True when two channels carry the same recording (correlation >= threshold).

    Many "stereo" files are a mono recording written to both channels; transcribing them
    as two speakers would repeat every word under both roles. A silent channel is not dual
    mono (its correlation is undefined): that is a stereo call where one side said nothing.
    """
    if len(channels) != 2:
        return False
    left, right = channels
    n = min(len(left), len(right))
    step = max(1, n // 4_000_000)  # a 4M-sample subsample is plenty, keeps memory small
    a = left[:n:step].astype(np.float64)
    b = right[:n:step].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    if denom < 1e-12:
        return False
    return float(np.dot(a, b)) / denom >= threshold


def _rms(channel: np.ndarray) -> float:
    step = max(1, len(channel) // 4_000_000)
    sample = channel[::step].astype(np.float64)
    return float(np.sqrt(np.mean(sample * sample))) if len(sample) else 0.0


def call_legs(channels: list[np.ndarray]) -> list[int]:
    """Indexes of the channels that carry distinct speech, in channel order.

    A 5.1 or multi-track file from a phone system usually holds the two legs of the call on
    two of its channels and silence (or copies) on the rest; a mono recording saved as stereo
    holds one voice twice. Silent channels and copies of an earlier channel are left out.
    Returns [] when every channel is silent.
    """
    kept: list[int] = []
    for i, channel in enumerate(channels):
        if _rms(channel) < SILENT_RMS:
            continue
        if any(is_dual_mono([channels[j], channel]) for j in kept):
            continue
        kept.append(i)
    return kept
