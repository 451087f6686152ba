"""The audio round trip of `aftercall eval redaction`: real espeak-ng clips, real Whisper,
the real redacted copy read back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftercall.cli import app
from aftercall.evaluation.redaction_audio import CLIPS_DIR, RoundTrip, clips


def test_the_clip_set_has_every_kind_in_several_voices_and_speeds() -> None:
    found = clips()
    assert {c.kind for c in found} == {"CARD", "SSN", "ACCOUNT"}
    assert len({c.voice for c in found}) >= 4 and len({c.wpm for c in found}) >= 4
    for c in found:
        assert c.path.is_file() and 0 < c.number_s[0] < c.number_s[1]
    assert [c.name for c in clips(only="ssn-")] == [c.name for c in found if c.kind == "SSN"]


def test_a_digit_run_read_back_or_an_uncovered_number_fails_the_clip() -> None:
    clip = clips(only="card-ones-us")[0]
    assert RoundTrip(clip, ["CARD"], 1.0, 0.5, ["11"]).verdict == "ok"
    assert RoundTrip(clip, ["CARD"], 1.0, 0.5, ["111", "1111"]).verdict == "MISS"
    assert RoundTrip(clip, [], 0.5, 0.0, []).verdict == "PART"


def test_a_clip_list_that_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make_spoken_numbers"):
        clips(tmp_path)
    result = CliRunner().invoke(app, ["eval", "redaction", "--clips", "no-such-clip"])
    assert result.exit_code == 1 and "no round-trip clip matches" in result.output


@pytest.mark.slow
def test_eval_redaction_reads_no_digits_back_from_the_redacted_clips() -> None:
    """The command as a user runs it, on the issue's card (repeated digits, fast): the clip is
    ok, with nothing read back from the redacted copy."""
    assert (CLIPS_DIR / "card-ones-gb-190.flac").is_file()
    result = CliRunner().invoke(app, ["eval", "redaction", "--clips", "card-ones-gb"])
    assert result.exit_code == 0, result.output
    assert "Audio round trip: 1 clips" in result.output
    assert re.search(r"card-ones-gb-190 .*│ - +│ ok", result.output), result.output
