"""Transcription on a GPU: faster-whisper on CUDA against the same machine's CPU cores, same
audio, same decoding settings, same run.

    # here, where aftercall is installed: decode the calls, copy the model, write the settings
    .venv/bin/python benchmarks/gpu_asr.py prepare --out .gpu [FILES ...]
    # on the GPU machine (needs only numpy, ctranslate2 and faster-whisper)
    python3 benchmarks/gpu_asr.py run --data .gpu [--repeat 4] [--json FILE]

`prepare` writes DIR/audio.npz (each call's channels as aftercall hands them to Whisper:
16 kHz, the two legs of a stereo call apart), DIR/settings.json (aftercall's decoding
settings: beam, VAD and its padding, word times, thresholds) and DIR/model, an int8 copy of
the model (`--int8`, on by default). The copy exists because a GPU machine that can only be
sent a small bundle cannot take the 73 MB float16 tiny.en; its weights are quantized exactly
as CTranslate2's own converter does (per-row absmax to int8, scales beside them), and
`prepare` checks that the copy transcribes the first call as the original does.

`run` times each setting over the same channels (default: the 11 demo calls, 22 channels),
after one warm-up channel:
  cpu           int8 on every core: one stream per core (cpu_threads=1), as the CPU baseline
                of benchmarks/pipeline_scale.py; every ratio is against it
  cuda-1        float16, one stream: one channel after the other
  cuda-4        float16, four streams at once (num_workers=4, four Python threads)
  cuda-int8-4   int8 weights with float16 compute, four streams
  cuda-batch16  BatchedInferencePipeline, 16 VAD chunks per batch, one channel at a time
  cuda-batch16-4  the same, four channels at once
  cuda-8, cuda-batch16-8, cuda-batch16-16, cuda-batch32-16   more streams and larger batches
Throughput is audio seconds per wall second; GPU memory is nvidia-smi's peak "used" during
the setting; "same words" is 1 - word error rate of each setting's text against cpu's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SR = 16000

# --- the CTranslate2 model file (format of ctranslate2/specs/model_spec.py, binary v6) ------

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


def read_model(path: Path) -> tuple[str, int, list[tuple[str, np.ndarray]], list[tuple[str, str]]]:
    """(spec name, revision, variables, aliases) of a CTranslate2 model.bin."""
    data = path.read_bytes()
    pos = 0

    def take(fmt: str) -> int:
        nonlocal pos
        (value,) = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal pos
        n = take("H")
        value = data[pos : pos + n - 1].decode("utf-8")
        pos += n
        return value

    version = take("I")
    if version != 6:
        raise SystemExit(f"{path}: binary version {version}, this reader knows 6")
    name, revision = text(), take("I")
    variables = []
    for _ in range(take("I")):
        var = text()
        shape = [take("I") for _ in range(take("B"))]
        dtype = _DTYPES[take("B")]
        size = take("I")
        raw = data[pos : pos + size]
        pos += size
        if dtype == "bfloat16":
            raise SystemExit(f"{path}: bfloat16 variables are not handled")
        variables.append((var, np.frombuffer(raw, dtype=dtype).reshape(shape)))
    aliases = [(text(), text()) for _ in range(take("I"))]
    if pos != len(data):
        raise SystemExit(f"{path}: {len(data) - pos} bytes left after the aliases")
    return name, revision, variables, aliases


def write_model(path: Path, name: str, revision: int, variables, aliases) -> None:
    with path.open("wb") as f:

        def text(value: str) -> None:
            raw = value.encode("utf-8")
            f.write(struct.pack("H", len(raw) + 1) + raw + b"\0")

        f.write(struct.pack("I", 6))
        text(name)
        f.write(struct.pack("II", revision, len(variables)))
        for var, value in variables:
            text(var)
            dims = b"".join(struct.pack("I", d) for d in value.shape)
            f.write(struct.pack("B", value.ndim) + dims)
            f.write(struct.pack("<BI", _DTYPES.index(str(value.dtype)), value.nbytes))
            f.write(np.ascontiguousarray(value).tobytes())
        f.write(struct.pack("I", len(aliases)))
        for alias, target in aliases:
            text(alias)
            text(target)


def _quantizable(var: str) -> bool:
    """Weights whose spec has a `weight_scale` slot: linear, conv and embedding layers."""
    scope, _, key = var.rpartition("/")
    last = scope.rpartition("/")[2]
    return key == "weight" and (
        last.startswith(("linear", "conv")) or last in ("embeddings", "projection")
    )


def int8_copy(src: Path, dst: Path) -> int:
    """An int8 copy of a CTranslate2 model folder; returns how many weights were quantized."""
    name, revision, variables, aliases = read_model(src / "model.bin")
    out, done = [], 0
    for var, value in variables:
        if not (_quantizable(var) and value.dtype in (np.float16, np.float32)):
            out.append((var, value))
            continue
        # CTranslate2's converter: per output row, scale = 127 / max |w| (conv: rows flattened)
        flat = value.astype(np.float32).reshape(value.shape[0], -1)
        amax = np.abs(flat).max(axis=1)
        amax[amax == 0] = 127.0
        scale = (127.0 / amax).astype(np.float32)
        q = np.rint(flat * scale[:, None]).astype(np.int8).reshape(value.shape)
        out += [(var, q), (var + "_scale", scale)]
        done += 1
    # A tied weight (the projection is the embeddings) needs its scale tied too.
    quantized = {v for v, _ in out if v.endswith("_scale")}
    aliases = aliases + [
        (a + "_scale", t + "_scale") for a, t in aliases if t + "_scale" in quantized
    ]
    dst.mkdir(parents=True, exist_ok=True)
    write_model(dst / "model.bin", name, revision, out, aliases)
    for extra in src.iterdir():
        if extra.name != "model.bin" and extra.is_file():
            shutil.copy2(extra, dst / extra.name)
    return done


# --- prepare (here) ---------------------------------------------------------------------------


def decode_settings() -> dict:
    """aftercall's decoding settings, as keyword arguments of WhisperModel.transcribe."""
    from aftercall.nlp.transcribe import AsrConfig

    cfg = AsrConfig()
    return {
        "language": cfg.language,
        "beam_size": cfg.beam_size,
        "vad_filter": cfg.vad_filter,
        "vad_parameters": {"speech_pad_ms": cfg.vad_speech_pad_ms},
        "word_timestamps": cfg.word_timestamps,
        "condition_on_previous_text": cfg.condition_on_previous_text,
        "no_speech_threshold": cfg.no_speech_threshold,
        "compression_ratio_threshold": cfg.compression_ratio_threshold,
        "log_prob_threshold": cfg.log_prob_threshold,
    }


def prepare(out: Path, files: list[Path], int8: bool) -> None:
    from faster_whisper import WhisperModel

    from aftercall.nlp.audio import load_channels
    from aftercall.nlp.transcribe import AsrConfig, _model_path

    out.mkdir(parents=True, exist_ok=True)
    channels = {}
    for path in files:
        for i, ch in enumerate(load_channels(path, SR)):
            channels[f"{path.name}/{i}"] = np.clip(ch * 32768, -32768, 32767).astype(np.int16)
    np.savez_compressed(out / "audio.npz", **channels)
    settings = decode_settings()
    (out / "settings.json").write_text(json.dumps(settings, indent=1))
    src = Path(_model_path(AsrConfig()))
    if int8:
        n = int8_copy(src, out / "model")
        first = next(iter(channels.values())).astype(np.float32) / 32768
        texts = []
        for model_dir in (src, out / "model"):
            model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")
            segments, _ = model.transcribe(first, **settings)
            texts.append(" ".join(s.text.strip() for s in segments))
        same = 1 - wer(texts[0], texts[1])
        print(f"int8 copy: {n} weights quantized; first channel, same words as the original: "
              f"{same:.3f}")  # fmt: skip
        if same < 0.95:
            raise SystemExit(f"the int8 copy transcribes differently:\n{texts[0]}\n{texts[1]}")
    else:
        shutil.copytree(src, out / "model", dirs_exist_ok=True)
    seconds = sum(len(c) for c in channels.values()) / SR
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
    print(f"{len(files)} files, {len(channels)} channels, {seconds:.1f} s of audio; "
          f"{out} holds {size:.1f} MB")  # fmt: skip


# --- run (on the GPU machine) -----------------------------------------------------------------


def wer(ref: str, hyp: str) -> float:
    """Word error rate of hyp against ref (lower-cased words, punctuation dropped)."""

    def words(s: str) -> list[str]:
        return "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in s).split()

    r, h = words(ref), words(hyp)
    if not r:
        return float(bool(h))
    row = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        prev, row[0] = row[0], i
        for j, hw in enumerate(h, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (rw != hw))
    return row[-1] / len(r)


class GpuMemory:
    """Peak memory used on GPU 0 while the block runs, from nvidia-smi every 0.2 s."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def _read(self) -> float:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
            capture_output=True,
            text=True,
            check=False,
        )
        return float(out.stdout.strip() or 0)

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_mb = max(self.peak_mb, self._read())

    def __enter__(self) -> GpuMemory:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


SETTINGS = {
    # name: (device, compute type, streams, batch size)
    "cpu": ("cpu", "int8", os.cpu_count() or 1, 0),
    "cuda-1": ("cuda", "float16", 1, 0),
    "cuda-4": ("cuda", "float16", 4, 0),
    "cuda-int8-4": ("cuda", "int8_float16", 4, 0),
    "cuda-batch16": ("cuda", "float16", 1, 16),
    "cuda-batch16-4": ("cuda", "float16", 4, 16),
    "cuda-8": ("cuda", "float16", 8, 0),
    "cuda-batch16-8": ("cuda", "float16", 8, 16),
    "cuda-batch16-16": ("cuda", "float16", 16, 16),
    "cuda-batch32-16": ("cuda", "float16", 16, 32),
}


def run_setting(name: str, model_dir: str, channels: list[np.ndarray], kwargs: dict) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    device, compute, streams, batch = SETTINGS[name]
    threads = {"cpu_threads": 1} if device == "cpu" else {}
    load = time.perf_counter()
    model = WhisperModel(
        model_dir, device=device, compute_type=compute, num_workers=streams, **threads
    )
    load = time.perf_counter() - load
    decoder = BatchedInferencePipeline(model) if batch else model
    extra = {"batch_size": batch} if batch else {}

    def one(audio: np.ndarray) -> str:
        segments, _ = decoder.transcribe(audio, **{**kwargs, **extra})
        return " ".join(s.text.strip() for s in segments)

    one(channels[0])  # warm-up: CUDA context, cuBLAS handles, VAD session
    with GpuMemory() if device == "cuda" else _NoMemory() as mem:
        started = time.perf_counter()
        with ThreadPoolExecutor(streams) as pool:
            texts = list(pool.map(one, channels))
        wall = time.perf_counter() - started
    audio_s = sum(len(c) for c in channels) / SR
    return {
        "setting": name,
        "device": device,
        "compute_type": compute,
        "streams": streams,
        "batch_size": batch,
        "load_s": round(load, 2),
        "wall_s": round(wall, 3),
        "audio_s": round(audio_s, 1),
        "x_real_time": round(audio_s / wall, 1),
        "gpu_peak_mb": round(mem.peak_mb),
        "texts": texts,
    }


class _NoMemory:
    peak_mb = 0.0

    def __enter__(self) -> _NoMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def run(data: Path, names: list[str], repeat: int, json_out: Path | None) -> None:
    import ctranslate2

    kwargs = json.loads((data / "settings.json").read_text())
    with np.load(data / "audio.npz") as npz:
        channels = [npz[k].astype(np.float32) / 32768 for k in sorted(npz.files)]
    channels = channels * repeat
    gpus = ctranslate2.get_cuda_device_count()
    seconds = sum(len(c) for c in channels) / SR
    print(f"ctranslate2 {ctranslate2.__version__}, {gpus} CUDA device(s), {os.cpu_count()} "
          f"cores; {len(channels)} channels, {seconds:.0f} s of audio")  # fmt: skip
    results = []
    for name in names:
        if SETTINGS[name][0] == "cuda" and not gpus:
            print(f"{name}: skipped, no CUDA device")
            continue
        try:
            r = run_setting(name, str(data / "model"), channels, kwargs)
        except Exception as exc:  # one broken setting must not lose the others' figures
            print(f"{name}: failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        base = results[0] if results and results[0]["setting"] == "cpu" else None
        r["vs_cpu"] = round(r["x_real_time"] / base["x_real_time"], 2) if base else None
        pairs = zip(base["texts"], r["texts"], strict=True) if base else []
        errors = [wer(a, b) * len(a.split()) for a, b in pairs]
        words = sum(len(a.split()) for a in base["texts"]) if base else 0
        r["same_words_as_cpu"] = round(1 - sum(errors) / words, 3) if words else None
        results.append(r)
        print(f"{name:15} {r['x_real_time']:7.1f}x real time  {r['wall_s']:7.2f} s"
              f"  vs cpu {r['vs_cpu'] or 1:5.2f}  GPU peak {r['gpu_peak_mb']:6} MB"
              f"  same words {r['same_words_as_cpu'] or 1:.3f}  load {r['load_s']} s",
              flush=True)  # fmt: skip
    if json_out:
        for r in results:
            r.pop("texts")
        json_out.write_text(json.dumps(results, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="decode the calls, copy the model (here)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--no-int8", dest="int8", action="store_false")
    p.add_argument("files", nargs="*", type=Path)
    r = sub.add_parser("run", help="time each setting (on the GPU machine)")
    r.add_argument("--data", type=Path, required=True)
    r.add_argument("--settings", default=",".join(SETTINGS))
    r.add_argument("--repeat", type=int, default=1, help="send the channels this many times")
    r.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        files = args.files or sorted((ROOT / "aftercall" / "demo_calls" / "inbox").glob("*.flac"))
        prepare(args.out, files, args.int8)
    else:
        unknown = set(args.settings.split(",")) - set(SETTINGS)
        if unknown:
            parser.error(f"unknown settings {sorted(unknown)}; known: {', '.join(SETTINGS)}")
        run(args.data, args.settings.split(","), args.repeat, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
