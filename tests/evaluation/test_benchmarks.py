"""The benchmark scripts run and print their ratios (figures are not asserted: machines vary)."""

from __future__ import annotations

import re

import pytest

from benchmarks import asr_memory, asr_speed
from tests.conftest import DATA

pytestmark = pytest.mark.slow


def test_asr_speed_prints_every_way_against_raw(capsys: pytest.CaptureFixture[str]) -> None:
    assert asr_speed.main([str(DATA / "stereo_diarization.wav")]) == 0
    out = capsys.readouterr().out
    for name in ("raw ", "raw-2thr", "asr ", "pipeline"):
        assert name in out
    assert "vs raw-2thr" in out and "RTF" in out


def test_cases_refresh_prints_both_sizes_and_the_growth(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    from benchmarks import cases_refresh

    assert cases_refresh.main(["--sizes", "300", "900", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "    300 calls:" in out and "    900 calls:" in out
    assert "growth 3x calls: full refresh x" in out and "vs target 5 s" in out


def test_asr_memory_prints_peaks_of_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    assert asr_memory.main(["--minutes", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "raw " in out and "ours " in out and "peak memory ours / raw" in out


def test_redaction_speed_prints_each_engine_against_asr(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import redaction_speed

    assert redaction_speed.main([str(DATA / "card_call.flac"), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "(baseline)" in out
    for name in ("patterns", "+names", "presidio"):
        assert re.search(rf"^{re.escape(name)} .* ms/call .*% of asr", out, re.MULTILINE), out


def test_gpu_asr_model_file_round_trips_and_its_int8_copy_transcribes_alike(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    """The CTranslate2 model file is read and written back byte for byte; `prepare` checks
    its int8 copy transcribes a real call as the original does (it exits otherwise); `run`
    times the CPU setting and skips the CUDA ones on a machine without a GPU."""
    import json
    from pathlib import Path

    from aftercall.nlp.transcribe import AsrConfig, _model_path
    from benchmarks import gpu_asr

    original = Path(_model_path(AsrConfig())) / "model.bin"
    gpu_asr.write_model(tmp_path / "same.bin", *gpu_asr.read_model(original))
    assert (tmp_path / "same.bin").read_bytes() == original.read_bytes()

    assert gpu_asr.main(["prepare", "--out", str(tmp_path / "g"), str(DATA / "jfk.flac")]) == 0
    out = capsys.readouterr().out
    assert "same words as the original: 1.000" in out and "1 files, 2 channels, 22.0 s" in out
    name, _, variables, aliases = gpu_asr.read_model(tmp_path / "g" / "model" / "model.bin")
    kinds = {v: a.dtype.name for v, a in variables}
    assert (
        kinds["decoder/embeddings/weight"] == "int8" and "decoder/embeddings/weight_scale" in kinds
    )
    assert ("decoder/projection/weight_scale", "decoder/embeddings/weight_scale") in aliases

    report = tmp_path / "r.json"
    assert gpu_asr.main(["run", "--data", str(tmp_path / "g"), "--json", str(report)]) == 0
    (cpu,) = json.loads(report.read_text())
    assert cpu["setting"] == "cpu" and cpu["x_real_time"] > 0 and cpu["audio_s"] == 22.0
    if "no CUDA device" in capsys.readouterr().out:  # the CUDA settings say why they did not run
        assert len(json.loads(report.read_text())) == 1


def test_scale_calls_have_the_demo_audio_under_new_bytes(tmp_path) -> None:
    from aftercall.nlp.audio import load_channels
    from benchmarks.pipeline_scale import build_inbox
    from tests.conftest import DEMO

    seconds = build_inbox(12, tmp_path)
    files = sorted(tmp_path.glob("*.flac"))
    assert len(files) == 12 and len({f.read_bytes() for f in files}) == 12
    first, twelfth = files[0], files[11]  # the same demo recording, calls 0 and 11
    source = sorted(DEMO.glob("*.flac"))[0]
    for copy in (first, twelfth):
        assert all(
            (a == b).all() for a, b in zip(load_channels(copy), load_channels(source), strict=True)
        )
    assert 290 < seconds < 340
