"""A card read a group at a time over several turns (issue 20 item 13): every group is
redacted, whoever talks in between; numbers that only look like groups stay."""

from __future__ import annotations

import pytest

from aftercall.nlp.card_groups import Group, card_groups
from aftercall.nlp.redact import apply_spans, find_spans

LONG_ASK = (
    "Can I have your card number? Read it slowly, in groups of four, and I will type it into "
    "our billing system as you say it, no rush at all, take your time, whenever you are ready."
)


def _redacted(turns: list[tuple[str, str]]) -> list[str]:
    texts, speakers = [t for _, t in turns], [s for s, _ in turns]
    found = find_spans(texts, None, speakers)
    return [apply_spans(t, s) for t, s in zip(texts, found, strict=True)]


@pytest.mark.parametrize(
    "groups",
    [
        ["four one one one", "one one one one", "one one one one", "one one one one"],
        ["4111", "1111", "1111", "1111"],
        ["Sure, it is 4539", "1488", "0343", "6467"],
    ],
)
def test_a_card_read_in_four_turns_is_redacted_in_all_four(groups: list[str]) -> None:
    between = ["Okay, next four.", "Yes.", "Great, I have twelve digits, and the last ones?"]
    turns = [("agent", LONG_ASK), ("customer", groups[0])]
    for said, group in zip(between, groups[1:], strict=True):
        turns += [("agent", said), ("customer", group)]
    out = _redacted(turns)
    assert [t for t in out[1::2] if "[CARD]" not in t] == []
    assert not any(ch.isdigit() for t in out for ch in t)
    assert "one one one" not in " ".join(out)


def test_a_misheard_digit_still_redacts_a_card_asked_for() -> None:
    """4111 1111 1111 1112 fails Luhn; read in fours after "card number" it is a card anyway,
    also when the question was long ago for each group's own context."""
    turns = [("agent", LONG_ASK), ("customer", "4111"), ("agent", "ok"), ("customer", "1111")]
    turns += [("agent", "yes"), ("customer", "1111"), ("agent", "and?"), ("customer", "1112")]
    assert _redacted(turns)[1::2] == ["[CARD]"] * 4


@pytest.mark.parametrize(
    "turns",
    [
        # section numbers of a law, then more: groups of three are no card
        [("customer", "under Section 609 ( a ) ( 1 ) & Section 611 ( a ) ( 7 ) and 611 ( 5 )")],
        # an invoice and a year, no card said: not grouped as a card is read
        [("customer", "invoice 4111 11"), ("agent", "and the year?"), ("customer", "2024")],
    ],
)
def test_numbers_that_are_no_card_stay(turns: list[tuple[str, str]]) -> None:
    assert _redacted(turns) == [t for _, t in turns]


def test_groups_are_read_per_speaker() -> None:
    """The agent's own numbers between the customer's groups do not break the reading."""
    groups = [
        Group(0, 0, "4111", "customer"),
        Group(3, 3, "12", "agent"),
        Group(5, 5, "1111", "customer"),
        Group(8, 8, "1111", "customer"),
        Group(11, 11, "1111", "customer"),
    ]
    assert [g.first for g in card_groups(groups)] == [0, 5, 8, 11]
    one_stream = [Group(g.first, g.last, g.digits) for g in groups]
    assert card_groups(one_stream) == []  # without speakers the agent's "12" sits between
