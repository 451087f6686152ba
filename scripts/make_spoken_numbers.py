"""Write tests/data/spoken_numbers/: short calls in which a card, SSN or account number is read
aloud, in several espeak-ng voices and speeds, for the audio round trip of
`aftercall eval redaction` (aftercall/evaluation/redaction_audio.py).

Each clip is three parts spoken apart and joined with short pauses: a lead-in ("my card number
is"), the number, and a closing phrase. Because the parts are joined here, the seconds in
which the number is read are known exactly; they are written to clips.jsonl beside the clips
(`number_s`), with the voice, the speed, the kind and the digits. Repeated digits ("four one
one one, one one one one ...") are there on purpose: Whisper merges them into few tokens whose
word times cover only part of the reading, which is what the round trip must survive.

Needs espeak-ng on PATH (Debian: apt-get install espeak-ng). The clips are committed, so tests
and CI need no espeak-ng: run this only to change the set.

    .venv/bin/python scripts/make_spoken_numbers.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from aftercall.nlp.audio import load_channels
from aftercall.nlp.audio_redact import write_flac

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "spoken_numbers"
# Telephone audio is 8 kHz; it also keeps the committed set small (~1 MB).
RATE = 16000
PAUSE_S = 0.35

LEAD = {
    "CARD": "Hi, I want to pay my bill today. My card number is",
    "SSN": "Sure, I can verify that. My social security number is",
    "ACCOUNT": "I am calling about a payment. My account number is",
}
CLOSE = {
    "CARD": "Thank you very much.",
    "SSN": "Is that enough to find me?",
    "ACCOUNT": "Can you check it for me please?",
}
# (name, kind, digits, how it is read, voice, words per minute). Every number is a published
# test number or made up (cards are Luhn-valid test cards); none is anyone's.
CLIPS = [
    (
        "card-ones-us-150",
        "CARD",
        "4111111111111111",
        "four one one one, one one one one, one one one one, one one one one",
        "en-us",
        150,
    ),
    (
        "card-ones-gb-190",
        "CARD",
        "4111111111111111",
        "four one one one, one one one one, one one one one, one one one one",
        "en-gb",
        190,
    ),
    (
        "card-fives-f3-130",
        "CARD",
        "5555555555554444",
        "five five five five, five five five five, five five five five, four four four four",
        "en-us+f3",
        130,
    ),
    (
        "card-mixed-scot-170",
        "CARD",
        "4539148803436467",
        "four five three nine, one four eight eight, oh three four three, six four six seven",
        "en-gb-scotland",
        170,
    ),
    (
        "card-amex-us-200",
        "CARD",
        "378282246310005",
        "three seven eight two, eight two two four six three, one oh oh oh five",
        "en-us",
        200,
    ),
    (
        "card-double-m3-160",
        "CARD",
        "6011111111111117",
        "six oh double one, double one double one, one one one one, one one one seven",
        "en-us+m3",
        160,
    ),
    (
        "ssn-us-140",
        "SSN",
        "123456789",
        "one two three, four five, six seven eight nine",
        "en-us",
        140,
    ),
    (
        "ssn-repeat-gb-180",
        "SSN",
        "555112222",
        "five five five, one one, two two two two",
        "en-gb",
        180,
    ),
    (
        "ssn-f2-160",
        "SSN",
        "078051120",
        "oh seven eight, oh five, one one two oh",
        "en-us+f2",
        160,
    ),
    (
        "account-us-170",
        "ACCOUNT",
        "000123456789",
        "zero zero zero one two three, four five six seven eight nine",
        "en-us",
        170,
    ),
    (
        "account-sevens-f3-150",
        "ACCOUNT",
        "7777777712",
        "seven seven seven seven, seven seven seven seven, one two",
        "en-us+f3",
        150,
    ),
    (
        "account-scot-190",
        "ACCOUNT",
        "9876543210",
        "nine eight seven six, five four three two, one oh",
        "en-gb-scotland",
        190,
    ),
]


def speak(text: str, voice: str, wpm: int, work: Path) -> np.ndarray:
    """`text` spoken by espeak-ng at RATE, with the silence it leaves at either end cut."""
    wav = work / "part.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text], check=True)
    audio = load_channels(wav, RATE)[0]
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    if not len(loud):
        raise SystemExit(f"espeak-ng produced no speech for {text!r}")
    return audio[loud[0] : loud[-1] + 1]


def main() -> None:
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not on PATH (Debian: apt-get install espeak-ng)")
    OUT.mkdir(parents=True, exist_ok=True)
    pause = np.zeros(int(PAUSE_S * RATE), dtype=np.float32)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, digits, said, voice, wpm in CLIPS:
            lead, number, close = (
                speak(text, voice, wpm, Path(tmp)) for text in (LEAD[kind], said, CLOSE[kind])
            )
            start = len(pause) + len(lead) + len(pause)
            audio = np.concatenate([pause, lead, pause, number, pause, close, pause, pause])
            write_flac(OUT / f"{name}.flac", [audio], RATE)
            rows.append(
                {
                    "file": f"{name}.flac",
                    "kind": kind,
                    "digits": digits,
                    "said": said,
                    "voice": voice,
                    "wpm": wpm,
                    "number_s": [round(start / RATE, 3), round((start + len(number)) / RATE, 3)],
                    "text": f"{LEAD[kind]} {said}. {CLOSE[kind]}",
                }
            )
    with (OUT / "clips.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in rows)
    size = sum(p.stat().st_size for p in OUT.glob("*.flac"))
    print(f"{len(rows)} clips in {OUT} ({size:,} bytes)")


if __name__ == "__main__":
    main()
