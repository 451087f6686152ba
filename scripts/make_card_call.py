"""Write tests/data/card_call.flac: a short mono call in which a card number is read aloud.

Used by the audio-redaction tests (real speech through faster-whisper, then the beep checked
in the audio). The card (4539 1488 0343 6467, Luhn-valid, no one's) has varied digits on
purpose: a run of repeated digits makes Whisper fall back to sampling at a higher
temperature, so its text would change from run to run. Spoken by espeak-ng, converted by sox
to 16 kHz mono FLAC; both must be on PATH (Debian: apt-get install espeak-ng sox
libsox-fmt-all). The file is committed, so tests and CI need neither tool: run this only to
change the call.

    python scripts/make_card_call.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "card_call.flac"
TEXT = (
    "Hello, I would like to pay my bill today. "
    "My card number is four five three nine, one four eight eight, oh three four three, "
    "six four six seven. "
    "Thank you very much."
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "call.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), TEXT], check=True)
        subprocess.run(
            ["sox", str(wav), "-r", "16000", "-c", "1", "-b", "16", str(OUT)], check=True
        )
    print(f"{OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
