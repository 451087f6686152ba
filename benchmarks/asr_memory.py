"""Peak memory on a long call: aftercall against raw faster-whisper, in one run.

    .venv/bin/python benchmarks/asr_memory.py [--minutes 60] [FILE]

Without FILE, builds a stereo call of --minutes by repeating the demo calls (agent left,
customer right) as a 16 kHz FLAC in a temporary folder. Each way runs in its own process, so
one's peak cannot hide the other's, and prints that process's peak RSS (ru_maxrss):
  raw    faster_whisper.decode_audio(split_stereo=True), then model.transcribe on each channel
         with aftercall's settings (beam, VAD, word timestamps), one after the other.
  ours   aftercall.nlp.transcribe.transcribe_detailed (both channels at once, in windows).
Target (issue 3): ours < 1.5 GB on a 60-minute call with the default model.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "aftercall" / "demo_calls" / "inbox"


def build_call(minutes: float, folder: Path) -> Path:
    """The demo calls end to end, repeated to `minutes`, as one stereo 16 kHz FLAC."""
    import av
    import numpy as np

    from aftercall.nlp.audio import load_channels

    clips = [np.stack(load_channels(p)) for p in sorted(DEMO.glob("*.flac"))]
    target = int(minutes * 60 * 16000)
    path = folder / f"long_call_{minutes:g}min.flac"
    written = 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream("flac", rate=16000, layout="stereo")
        while written < target:
            for clip in clips:
                part = clip[:, : target - written]
                if part.shape[1] == 0:
                    break
                pcm = (np.clip(part, -1, 1) * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(pcm.T.reshape(1, -1)), format="s16", layout="stereo"
                )
                frame.sample_rate = 16000
                for packet in stream.encode(frame):
                    container.mux(packet)
                written += part.shape[1]
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def child(way: str, path: str) -> None:
    """Run one way in this process and print JSON: peak RSS, wall time, words."""
    from dataclasses import replace

    from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_detailed

    # raw is faster-whisper as it comes: glibc's allocator untouched ([asr] keep_freed_memory)
    cfg = replace(AsrConfig(), keep_freed_memory=way != "raw")
    model = load_model(cfg)
    started = time.perf_counter()
    if way == "raw":
        from faster_whisper import decode_audio

        from aftercall.evaluation.asr import raw_segments

        words = 0
        for channel in decode_audio(path, split_stereo=True):
            words += sum(len(s.words or []) for s in raw_segments(model, channel, cfg))
    else:
        result = transcribe_detailed(path, cfg, model)
        words = sum(len(t.words) for t in result.transcript.turns)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"peak_mb": peak_kb / 1024, "wall_s": time.perf_counter() - started, "words": words}
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--child", choices=["raw", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, str(args.file))
        return 0

    from aftercall.nlp.audio import probe

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or build_call(args.minutes, Path(tmp))
        duration = probe(path).duration_s or 0.0
        print(f"{path.name}: {duration / 60:.1f} min, model tiny.en int8 (default settings)")
        results = {}
        for way in ("raw", "ours"):
            done = subprocess.run(
                [sys.executable, __file__, str(path), "--child", way],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(f"{way} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                return 1
            results[way] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{'':6}{'peak RSS MB':>12}{'wall s':>9}{'x real time':>13}{'words':>8}")
    for way, r in results.items():
        speed = duration / r["wall_s"] if r["wall_s"] else 0.0
        print(f"{way:6}{r['peak_mb']:12.0f}{r['wall_s']:9.1f}{speed:13.1f}{r['words']:8d}")
    ratio = results["ours"]["peak_mb"] / results["raw"]["peak_mb"]
    print(f"peak memory ours / raw: {ratio:.2f}; target < 1500 MB on a 60-minute call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
