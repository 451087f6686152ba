"""Redaction cost against transcription, on the same calls, in one run.

    .venv/bin/python benchmarks/redaction_speed.py [FILES...] [--repeat N]

Defaults to the first three demo calls. For each file: faster-whisper transcription through
aftercall (the baseline, `asr`), then redaction of that transcript three ways:
  patterns   nlp/redact.py's own recognisers (the default engine)
  +names     the same with the spoken-name patterns on
  presidio   patterns + Presidio's spaCy NER for person names (engine = "presidio")
Prints milliseconds per call and each one's cost as a share of transcription time. Presidio's
one-off model load is printed apart (it is paid once per process).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "aftercall" / "demo_calls" / "inbox"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="redaction passes per call")
    args = parser.parse_args(argv)
    files = args.files or sorted(DEMO.glob("*.flac"))[:3]
    if not files:
        print("no audio files given and no demo calls found", file=sys.stderr)
        return 2

    from aftercall.nlp.redact import RedactionConfig, _presidio_analyzer, redact_transcript
    from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_file

    asr_cfg = AsrConfig()
    load_model(asr_cfg)  # loaded before timing, as the pipeline holds it for a whole run
    started = time.perf_counter()
    _presidio_analyzer()
    load_s = time.perf_counter() - started
    ways = {
        "patterns": RedactionConfig(),
        "+names": RedactionConfig(names=True),
        "presidio": RedactionConfig(engine="presidio", names=True),
    }
    asr_s = 0.0
    spent = dict.fromkeys(ways, 0.0)
    turns = 0
    for path in files:
        started = time.perf_counter()
        transcript = transcribe_file(path, asr_cfg)
        asr_s += time.perf_counter() - started
        turns += len(transcript.turns)
        for name, cfg in ways.items():
            started = time.perf_counter()
            for _ in range(args.repeat):
                redact_transcript(transcript, cfg)
            spent[name] += (time.perf_counter() - started) / args.repeat
    n = len(files)
    print(f"{n} calls, {turns} turns; presidio model load {load_s:.2f} s (once per process)")
    print(f"{'asr':<10} {1000 * asr_s / n:9.1f} ms/call  (baseline)")
    for name, s in spent.items():
        print(
            f"{name:<10} {1000 * s / n:9.2f} ms/call  {100 * s / asr_s:6.2f}% of asr"
            f"  {1000 * s / max(turns, 1):.3f} ms/turn"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
