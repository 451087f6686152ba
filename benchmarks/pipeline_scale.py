"""End-to-end pipeline throughput: 1 worker vs 2 workers vs raw faster-whisper, same files.

    .venv/bin/python benchmarks/pipeline_scale.py [--calls 200] [--settings raw,thread1,dask2]

Builds N calls from the demo recordings, each given distinct bytes (a FLAC PADDING block
holding its number: same audio, a different hash, so the pipeline sees N new calls). Each
setting runs in its own process, in the same run, on the same files:
  raw      faster-whisper alone, one process, each channel with aftercall's ASR settings
           (beam, VAD, word timestamps), one stream per core (model num_workers = cores,
           cpu_threads = 1, a thread pool over the files: the fastest plain use of these cores
           per ../shared/STACK.md): the baseline every ratio is against.
  raw1     the same, one stream: one file and one channel after the other (uses one core).
  rawkeep  raw with the allocator setting the pipeline uses ([asr] keep_freed_memory,
           nlp/memory.py): how much of the pipeline's speed is that setting, not its design.
  default  `aftercall run` with no config: [run] workers = "auto" (half the cores, at least 2).
  thread1  `aftercall run` with [run] workers = 1 (ThreadPoolTaskRunner).
  thread2  `aftercall run` with workers = 2 (two calls at once in one process).
  dask2    `aftercall run` with task_runner = "dask", workers = 2 (a local Dask cluster).
The pipeline settings are end to end: Prefect start-up, intake, ASR, NLP, redaction, the
DuckDB writes and the case refresh, all included. Peak memory is sampled (psutil, every
0.2 s) per process of the setting's process tree: the largest single process is "per worker".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "aftercall" / "demo_calls" / "inbox"
AFTERCALL = str(Path(sys.executable).with_name("aftercall"))


def with_marker(data: bytes, n: int) -> bytes:
    """The FLAC with an extra PADDING metadata block holding `n`: audio unchanged."""
    assert data[:4] == b"fLaC"
    i = 4
    while True:
        last = data[i] & 0x80
        size = int.from_bytes(data[i + 1 : i + 4], "big")
        if last:
            head = bytes([data[i] & 0x7F]) + data[i + 1 : i + 4]
            block = bytes([0x80 | 1]) + (8).to_bytes(3, "big") + n.to_bytes(8, "big")
            return data[:i] + head + data[i + 4 : i + 4 + size] + block + data[i + 4 + size :]
        i += 4 + size


def build_inbox(calls: int, folder: Path) -> float:
    """N distinct calls in `folder`; returns their total audio seconds."""
    from aftercall.nlp.audio import probe

    sources = sorted(DEMO.glob("*.flac"))
    durations = {p: probe(p).duration_s or 0.0 for p in sources}
    total = 0.0
    for n in range(calls):
        src = sources[n % len(sources)]
        (folder / f"call_{n:05d}.flac").write_bytes(with_marker(src.read_bytes(), n))
        total += durations[src]
    return total


def raw_child(inbox: str, streams: int, keep_freed_memory: bool = False) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from faster_whisper import decode_audio

    from aftercall.evaluation.asr import raw_segments
    from aftercall.nlp.transcribe import AsrConfig, load_model

    # plain faster-whisper: glibc's allocator as it comes, unless rawkeep asks
    cfg = replace(
        AsrConfig(), cpu_threads=1, num_workers=streams, keep_freed_memory=keep_freed_memory
    )
    model = load_model(cfg)

    def one_file(path: Path) -> None:
        audio = decode_audio(str(path), split_stereo=True)
        for channel in audio if isinstance(audio, tuple) else (audio,):
            raw_segments(model, channel, cfg)

    # CTranslate2 releases the GIL while decoding, so Python threads run in parallel
    with ThreadPoolExecutor(streams) as pool:
        list(pool.map(one_file, sorted(Path(inbox).glob("*.flac"))))


def watch(proc: subprocess.Popen) -> tuple[float, dict[int, float]]:
    """Wait for `proc`; wall seconds and the peak RSS (MB) of every process in its tree."""
    import psutil

    peaks: dict[int, float] = {}
    started = time.perf_counter()
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            for p in [root, *root.children(recursive=True)]:
                rss = p.memory_info().rss / 2**20
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    return time.perf_counter() - started, peaks


CONFIGS = {
    "default": "",
    "thread1": "[run]\nworkers = 1\n",
    "thread2": "[run]\nworkers = 2\n",
    "dask2": '[run]\nworkers = 2\ntask_runner = "dask"\n',
}


def run_setting(name: str, inbox: Path, tmp: Path) -> dict:
    env = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "warning"}
    env["DASK_TEMPORARY_DIRECTORY"] = str(tmp / "dask")
    if name in ("raw", "raw1", "rawkeep"):
        streams = 1 if name == "raw1" else os.cpu_count() or 1
        cmd = [sys.executable, __file__, "--raw-child", str(inbox), "--streams", str(streams)]
        if name == "rawkeep":
            cmd.append("--keep-freed-memory")
    else:
        config = tmp / f"{name}.toml"
        config.write_text(CONFIGS[name])
        db = Path(tempfile.mkdtemp(dir=tmp)) / f"{name}.duckdb"  # fresh: every run does all
        cmd = [AFTERCALL, "run", "--inbox", str(inbox), "--db", str(db), "--config", str(config),
               "--format", "json"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    box: dict = {}
    t = threading.Thread(target=lambda: box.update(out=proc.communicate()))
    t.start()
    wall, peaks = watch(proc)
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{box['out'][1].decode()[-3000:]}")
    counts = json.loads(box["out"][0])["counts"] if name in CONFIGS else {}
    return {"wall_s": wall, "peaks": peaks, "counts": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--settings", default="raw,default,thread1,thread2,dask2")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the settings in turn this many times; the table shows each one's median",
    )
    parser.add_argument("--raw-child", help=argparse.SUPPRESS)
    parser.add_argument("--streams", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--keep-freed-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_child:
        raw_child(args.raw_child, args.streams, args.keep_freed_memory)
        return 0
    names = args.settings.split(",")
    with tempfile.TemporaryDirectory(prefix="aftercall-scale-") as name:
        tmp = Path(name)
        inbox = tmp / "inbox"
        inbox.mkdir()
        audio_s = build_inbox(args.calls, inbox)
        print(
            f"{args.calls} calls, {audio_s / 3600:.2f} h of audio, {os.cpu_count()} cores",
            flush=True,
        )
        runs: dict[str, list[dict]] = {n: [] for n in names}
        for _ in range(args.repeat):  # in turn, so a slow spell of the machine hits them all
            for n in names:  # each as it ends, so an interrupted run still leaves figures
                runs[n].append(run_setting(n, inbox, tmp))
                print(f"  {n}: {runs[n][-1]['wall_s']:.1f} s", flush=True)
            shutil.rmtree(tmp / "dask", ignore_errors=True)
        middle = (args.repeat - 1) // 2
        results = {n: sorted(r, key=lambda x: x["wall_s"])[middle] for n, r in runs.items()}
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs of each setting; vs raw in each round:")
        for n, r in runs.items():
            if n != "raw" and "raw" in runs:
                pairs = zip(runs["raw"], r, strict=True)
                ratios = [f"{a['wall_s'] / b['wall_s']:.2f}" for a, b in pairs]
                print(f"  {n}: {', '.join(ratios)}")
    print(f"{'':9}{'wall s':>8}{'audio h/h':>11}{'vs raw':>8}{'peak MB/proc':>14}"
          f"{'peak MB sum':>13}{'analysed':>10}")  # fmt: skip
    base = results.get("raw", {}).get("wall_s")
    for n, r in results.items():
        speed = audio_s / r["wall_s"]
        ratio = f"{base / r['wall_s']:8.2f}" if base else f"{'':>8}"
        peaks = r["peaks"].values()
        print(
            f"{n:9}{r['wall_s']:8.1f}{speed:11.1f}{ratio}{max(peaks):14.0f}{sum(peaks):13.0f}"
            f"{r['counts'].get('analysed', ''):>10}"
        )
    pipelines = [(r["wall_s"], n) for n, r in results.items() if n in CONFIGS]
    if base and pipelines:
        best = min(pipelines)
        print(f"best pipeline setting: {best[1]}, {base / best[0]:.2f} of raw faster-whisper's "
              "throughput (target >= 0.9)")  # fmt: skip
        if "rawkeep" in results:
            keep = results["rawkeep"]["wall_s"]
            print(f"  and {keep / best[0]:.2f} of raw faster-whisper given the same allocator "
                  "setting (rawkeep): the pipeline's own overhead")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
