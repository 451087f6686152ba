"""The benchmark scripts run and print their ratios (figures are not asserted: machines vary)."""

from __future__ import annotations

import re

import pytest

from benchmarks import asr_memory, asr_speed

from .conftest import DATA

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
