"""Parsing typed transcripts: labels, continuation lines, unlabelled files, hostile text."""

from __future__ import annotations

import json

import pytest

from aftercall.nlp.parse import (
    TranscriptError,
    parse_json_transcript,
    parse_text_transcript,
    role_of_label,
)


def test_labels_roles_and_continuations() -> None:
    transcript, labels = parse_text_transcript(
        "Transcript:\n"
        "Agent: Thank you for calling, how can I help?\n"
        "[00:04] Maria Lopez: My bill is wrong.\n"
        "It has a charge I never made.\n"
        "\n"
        "Agent: Let me look.\n"
    )
    assert [t.text for t in transcript.turns] == [
        "Thank you for calling, how can I help?",
        "My bill is wrong. It has a charge I never made.",
        "Let me look.",
    ]
    assert labels == ["Agent", "Maria Lopez", "Agent"]
    assert [t.speaker for t in transcript.turns] == ["agent", "unknown", "agent"]
    assert [t.idx for t in transcript.turns] == [0, 1, 2]


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Agent", "agent"),
        ("CSR", "agent"),
        ("Customer", "customer"),
        ("caller 2", "customer"),
        ("John", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_role_of_label(label: str | None, role: str) -> None:
    assert role_of_label(label) == role


def test_unlabelled_file_becomes_one_turn_per_line() -> None:
    transcript, labels = parse_text_transcript("hello how can I help\nmy card was declined\n")
    assert [t.text for t in transcript.turns] == ["hello how can I help", "my card was declined"]
    assert labels == [None, None]
    assert {t.speaker for t in transcript.turns} == {"unknown"}


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\x00\x01\x02"])
def test_empty_transcripts_are_errors(text: str) -> None:
    with pytest.raises(TranscriptError):
        parse_text_transcript(text)


def test_control_characters_and_huge_line() -> None:
    transcript, _ = parse_text_transcript(
        "Agent: hi\x07 there\x1b[31m\nCustomer: " + "a " * 100_000
    )
    assert transcript.turns[0].text == "hi there [31m"
    assert len(transcript.turns[1].text) == 199_999
    with pytest.raises(TranscriptError, match="larger than"):
        parse_text_transcript("x" * 2_000_001)


def test_json_transcript_roundtrip_and_sorting() -> None:
    data = {
        "turns": [
            {"speaker": "customer", "start_s": 3.0, "end_s": 4.0, "text": "it is broken"},
            {"speaker": "agent", "start_s": 0.5, "end_s": 2.0, "text": "hello"},
            {"speaker": "agent", "start_s": 5.0, "end_s": 6.0, "text": "   "},
        ]
    }
    transcript = parse_json_transcript(json.dumps(data))
    assert [(t.idx, t.speaker, t.text) for t in transcript.turns] == [
        (0, "agent", "hello"),
        (1, "customer", "it is broken"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "must be an object"),
        ('{"turns": "no"}', "must be an object"),
        ('{"turns": [{"speaker": "boss", "text": "x"}]}', "turns.0.speaker"),
        ('{"turns": [{"text": "x", "start_s": -1}]}', "turns.0.start_s"),
        ('{"turns": [{"text": ""}]}', "no turns with text"),
    ],
)
def test_bad_json_transcripts(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        parse_json_transcript(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"turns": [{"text": "hi", "words": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
    ],
)
def test_deeply_nested_json_is_a_transcript_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(TranscriptError, match="nested too deeply"):
        parse_json_transcript(text)
