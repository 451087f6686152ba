"""Regenerate tests/data/{german,spanish}.flac: a customer's complaint read by espeak-ng in
German and Spanish, 16 kHz mono FLAC. Needs `espeak-ng` (Debian package). Synthetic speech:
these test that non-English calls are set aside; the real mixed-language recording beside them
(multilingual.mp3, from faster-whisper's tests) is the check on real speech.

    python scripts/make_language_samples.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import av
import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
TEXTS = {
    "german": (
        "de",
        "Guten Tag, ich rufe an, weil meine Rechnung in diesem Monat viel zu hoch ist. Ich "
        "habe letzte Woche schon einmal angerufen und niemand hat sich bei mir gemeldet. "
        "Können Sie mir bitte helfen?",
    ),
    "spanish": (
        "es",
        "Buenos días, llamo porque mi factura de este mes es demasiado alta. Ya llamé la "
        "semana pasada y nadie me devolvió la llamada. ¿Me puede ayudar, por favor?",
    ),
}


def main() -> None:
    from aftercall.nlp.audio import load_channels

    for name, (voice, text) in TEXTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "speech.wav"
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True
            )
            (audio,) = load_channels(wav, 16000)
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)[None, :]
        with av.open(str(OUT / f"{name}.flac"), "w") as container:
            stream = container.add_stream("flac", rate=16000, layout="mono")
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = 16000
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
        print(OUT / f"{name}.flac")


if __name__ == "__main__":
    main()
