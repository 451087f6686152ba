"""Redaction: spoken and written numbers, context, word times, the marked set, Presidio offline."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aftercall.evaluation.redaction import score_set
from aftercall.nlp.redact import (
    RedactionConfig,
    aba_ok,
    digit_runs,
    find_spans,
    luhn_ok,
    redact_text,
    redact_transcript,
    says_number,
)
from aftercall.nlp.transcript import Transcript, Turn, Word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card is four one one one one one one one one one one one one one one one", "[CARD]"),
        (
            "it's five five five five double five five five five five five five four four four "
            "four",
            "[CARD]",
        ),
        ("four one one one, one one one one, one one one one, one one one one", "[CARD]"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("social is one two three, forty five, six seven eight nine", "[SSN]"),
        ("my ssn is 123 45 6789", "[SSN]"),
        # Whisper on "five five five, one one, two two two two": one "1" lost
        ("my social security number is 5, 5, 5, 1, 2, 2, 2, 2", "[SSN]"),
        ("call me on eight hundred five five five one two one two", "[PHONE]"),
        ("number is five oh three, two two two, oh one nine eight", "[PHONE]"),
        ("routing 021000021", "[ROUTING]"),
        ("email j dot doe at example dot com", "[EMAIL]"),
        ("I was born July fourth nineteen sixty two", "[DOB]"),
        ("send it to 4500 Oak Avenue, Apt 12", "[ADDRESS]"),
    ],
)
def test_forms_callers_use(text: str, expected: str) -> None:
    out = redact_text(text)
    assert expected in out
    assert not any(ch.isdigit() for ch in out), out
    for word in ("four one one one", "forty five", "five five five"):
        assert word not in out


@pytest.mark.parametrize(
    "text",
    [
        "my order number is 4111111111111111",  # Luhn-valid, but an order number
        "tracking number 123456789",
        "it cost $1,299.99 on March 3rd",
        "you charged me 49.99 and 19.99",
        "the technician came on 3/15",
        "I called three times in 2023",
        "oh, okay, one moment",
        "my card was declined in 2024",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert redact_text(text) == text


def test_order_numbers_are_kept_only_where_configured() -> None:
    text = "order 123456789"
    assert redact_text(text) == text
    assert redact_text(text, RedactionConfig(keep_after=[])) == "order [SSN]"


def test_cvv_and_expiry_only_near_a_card() -> None:
    near = "card 4111 1111 1111 1111, expires oh four twenty six, cvv three two one"
    assert redact_text(near) == "card [CARD], expires [EXPIRY], cvv [CVV]"
    assert redact_text("my subscription expires March 2027") == (
        "my subscription expires March 2027"
    )


def test_card_asked_in_one_turn_read_in_parts_over_the_next() -> None:
    texts = ["what's the card number?", "4111 1111", "okay", "1111 1111"]
    spans = find_spans(texts)
    assert [s.kind for s in spans[1]] == ["CARD"] and [s.kind for s in spans[3]] == ["CARD"]
    assert spans[2] == []


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert aba_ok("021000021") and not aba_ok("021000022")


def _said(text: str, start: float = 10.0) -> Turn:
    words = [
        Word(text=w, start_s=start + 0.4 * i, end_s=start + 0.4 * i + 0.3)
        for i, w in enumerate(text.split())
    ]
    return Turn(
        idx=0, speaker="customer", start_s=start, end_s=words[-1].end_s, text=text, words=words
    )


def test_words_keep_their_seconds_and_lose_their_values() -> None:
    turn = _said(
        "sure it's four one one one one one one one one one one one one one one one thanks"
    )
    red, spans = redact_transcript(Transcript(turns=[turn], source="asr-stereo"))
    out = red.turns[0]
    assert out.text == "sure it's [CARD] thanks"
    assert [w.text for w in out.words] == ["sure", "it's", "[CARD]", "thanks"]
    card = out.words[2]
    assert card.start_s == pytest.approx(10.8) and card.end_s == pytest.approx(10.8 + 6.3)
    assert len(spans) == 1
    assert (spans[0].kind, spans[0].turn_idx) == ("CARD", 0)
    assert spans[0].start_s == pytest.approx(10.8)
    assert "one" not in repr(spans)


def test_typed_turns_without_words_are_redacted_too() -> None:
    t = Transcript(turns=[Turn(text="my social is 123-45-6789")], source="text")
    red, spans = redact_transcript(t)
    assert red.turns[0].text == "my social is [SSN]" and spans[0].start_s is None


def test_disabled_redaction_changes_nothing() -> None:
    t = Transcript(turns=[Turn(text="my social is 123-45-6789")], source="text")
    assert redact_transcript(t, RedactionConfig(enabled=False))[0] == t


def test_names_only_when_asked() -> None:
    text = "hi, my name is Maria Lopez and I'm calling about my bill"
    assert redact_text(text) == text
    assert redact_text(text, RedactionConfig(names=True)) == (
        "hi, my name is [NAME] and I'm calling about my bill"
    )


def test_the_marked_set_meets_the_targets() -> None:
    """`aftercall eval redaction` on tests/data/redaction_set.jsonl: recall 100% for cards
    and SSNs (the issue's target), and no kind below 90% recall or precision."""
    score = score_set()
    assert score.utterances >= 100
    for kind in ("CARD", "SSN"):
        assert score.kinds[kind].recall == 1.0, score.misses
    for kind, ks in score.kinds.items():
        if ks.gold:
            assert ks.recall >= 0.9, (kind, score.misses)
        if ks.predicted:
            assert ks.precision >= 0.9, (kind, score.false_alarms)


@pytest.mark.slow
def test_presidio_names_load_and_run_without_the_network() -> None:
    """Presidio with the installed spaCy model, every socket refused: nothing is fetched."""
    code = """
import socket
def refuse(*a, **k):
    raise SystemExit(f"network attempt: {a!r}")
socket.socket.connect = refuse
socket.create_connection = refuse
from aftercall.nlp.redact import RedactionConfig, redact_text
cfg = RedactionConfig(engine="presidio", names=True)
print(redact_text("thanks John Smith, your card 4111 1111 1111 1111 is updated", cfg))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "thanks [NAME], your card [CARD] is updated"


def test_eval_redaction_command_prints_every_kind() -> None:
    from typer.testing import CliRunner

    from aftercall.cli import app

    result = CliRunner().invoke(app, ["eval", "redaction", "--no-audio"])
    assert result.exit_code == 0, result.output
    for kind in ("CARD", "SSN", "CVV", "EXPIRY", "ROUTING", "EMAIL", "PHONE", "DOB", "ADDRESS"):
        assert kind in result.output
    assert "138 utterances" in result.output


def test_names_said_in_lower_case_as_asr_writes_them() -> None:
    cfg = RedactionConfig(names=True)
    assert redact_text("hi my name is patricia brown", cfg) == "hi my name is [NAME]"
    assert redact_text("my name is elizabeth and i lost my card", cfg) == (
        "my name is [NAME] and i lost my card"
    )
    assert redact_text("hello this is harper valley national bank", cfg) == (
        "hello this is harper valley national bank"
    )


def test_digit_runs_read_strictly_for_the_audio_round_trip() -> None:
    """What `eval redaction` counts in Whisper's reading of a redacted copy: every run of
    digits however written, amounts and stray digits included; a lone "oh" is no digit."""
    heard = "my card is 4,111 1 -1 -1, thanks, four one one one double five and $12.50"
    assert digit_runs(heard) == ["4111111", "411155", "1250"]
    assert digit_runs("oh I see, one moment") == ["1"]
    assert [says_number(w) for w in ("-1,", "four", "double", "forty-five", "4am", "for")] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
