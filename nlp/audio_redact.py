"""A redacted copy of a recording: the redacted spans beeped (1 kHz) or silenced.

The spans come from the redacted transcript's word times ("[CARD]" words, see nlp/redact.py),
widened by a pad because word times are approximate. Every channel is covered, since the
other side's microphone often picks up what the customer says. The copy is 16 kHz FLAC (the
rate the audio was transcribed at): it is for reviewers to listen to, not for archiving.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import numpy as np

from aftercall.nlp.audio import load_channels

if TYPE_CHECKING:
    from aftercall.nlp.redact import Redacted

RATE = 16000
BEEP_HZ = 1000.0
BEEP_LEVEL = 0.25  # loud enough to be obvious, quieter than full scale


def cover(
    channels: list[np.ndarray],
    spans: list[tuple[float, float]],
    mode: Literal["beep", "silence"] = "beep",
    pad_s: float = 0.15,
    rate: int = RATE,
) -> list[np.ndarray]:
    """Copies of `channels` with each (start_s, end_s) span, padded, beeped or silenced."""
    out = [ch.copy() for ch in channels]
    length = len(out[0]) if out else 0
    for start_s, end_s in spans:
        a = max(0, int((start_s - pad_s) * rate))
        b = min(length, int(np.ceil((end_s + pad_s) * rate)))
        if b <= a:
            continue
        if mode == "beep":
            t = np.arange(a, b, dtype=np.float32) / rate
            fill = (BEEP_LEVEL * np.sin(2 * np.pi * BEEP_HZ * t)).astype(np.float32)
        else:
            fill = np.zeros(b - a, dtype=np.float32)
        for ch in out:
            ch[a:b] = fill
    return out


def write_flac(path: Path, channels: list[np.ndarray], rate: int = RATE) -> None:
    """Write float channels as 16-bit FLAC, atomically (a temp file renamed into place)."""
    pcm = np.clip(np.stack(channels), -1.0, 1.0)
    pcm = (pcm * 32767).astype(np.int16)
    layout = "mono" if pcm.shape[0] == 1 else "stereo"
    tmp = path.with_name(f".{path.name}.part")
    try:
        with av.open(str(tmp), "w", format="flac") as container:
            stream = container.add_stream("flac", rate=rate, layout=layout)
            # Packed s16: samples interleaved, one row.
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm.T).reshape(1, -1), format="s16", layout=layout
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def redact_recording(
    source: Path,
    redactions: list[Redacted],
    target: Path,
    mode: Literal["beep", "silence"] = "beep",
    pad_s: float = 0.15,
) -> Path:
    """Write `target`: `source` with every timed redaction covered. Raises AudioError when
    the source cannot be decoded and OSError when the target cannot be written."""
    channels = load_channels(source, RATE)
    spans = [
        (r.start_s, r.end_s) for r in redactions if r.start_s is not None and r.end_s is not None
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    write_flac(target, cover(channels, spans, mode, pad_s))
    return target
