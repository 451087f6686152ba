"""A card number read in groups over several turns (issue 20 item 13).

Callers read a card four digits at a time, and the agent answers between the groups ("4111"
/ "okay" / "1111" / "next?" / "1111" / ...). Each group alone is four digits, which is no
card, and the context word "card" may be far back by the last one: the last group stayed in
clear. Here the digit groups one speaker says within a few tokens of each other are read
together: consecutive groups whose digits make 13-19 digits starting like a card (2-6) are
all a card when the whole passes the Luhn check and was said near the word "card" or grouped
as cards are read out (fours), or when one of them was already found as a card by its
context ("what's the card number?"), or grouped so near the word "card", and they make 15
or 16 digits (a digit misheard fails Luhn).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_GAP = 30  # tokens between two groups of one reading: the other side's "okay, go on"
MIN_GROUP, MAX_GROUP = 2, 8  # digits in one group ("4111", "4111 1111" said as one run)
MIN_CARD, MAX_CARD = 13, 19
CARD_FIRST = "23456"  # Mastercard 2/5, Amex 3, Visa 4, Discover 6


@dataclass(frozen=True)
class Group:
    """A run of digits said in one go: its first and last token in the call, the digits, who
    said it (None when unknown: one stream), whether it was found as a card already."""

    first: int
    last: int
    digits: str
    speaker: str | None = None
    card: bool = False
    near_card: bool = False  # "card" was said shortly before, or a card was found near


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _chains(groups: list[Group]) -> list[list[Group]]:
    """Per speaker, the groups close enough to each other to be one reading (others'
    turns in between count in the gap, but do not break it)."""
    chains: list[list[Group]] = []
    open_chain: dict[str | None, list[Group]] = {}
    for g in sorted(groups, key=lambda g: g.first):
        chain = open_chain.get(g.speaker)
        if chain and g.first - chain[-1].last - 1 <= MAX_GAP:
            chain.append(g)
        else:
            chain = open_chain[g.speaker] = [g]
            chains.append(chain)
    return chains


def _grouped_like_a_card(said: list[Group]) -> bool:
    """Fours with a shorter last group (4111 1111 1111 1111, or 13-19 digits), or Amex's
    4-6-5: how people read a card out, unlike section or invoice numbers."""
    sizes = [len(g.digits) for g in said]
    return sizes == [4, 6, 5] or (all(n == 4 for n in sizes[:-1]) and sizes[-1] <= 4)


def _reading(chain: list[Group], i: int) -> int | None:
    """The last group of the card read from group `i` on, if one is: the longest reading
    that passes Luhn and is grouped as cards are read or said near the word "card"; else (a
    digit misheard) one of the usual 15 or 16 digits holding a group already found as a card,
    or grouped as cards are read near the word "card".
    Every group but the last has four digits or more (section numbers are not cards)."""
    luhn = flagged = None
    digits = ""
    for j in range(i, len(chain)):
        if j > i and len(chain[j - 1].digits) < 4:
            break
        digits += chain[j].digits
        if len(digits) > MAX_CARD:
            break
        if j == i or len(digits) < MIN_CARD or digits[0] not in CARD_FIRST:
            continue
        said = chain[i : j + 1]
        if luhn_ok(digits) and (
            any(g.card or g.near_card for g in said) or _grouped_like_a_card(said)
        ):
            luhn = j
        elif len(digits) in (15, 16) and (
            any(g.card for g in said)
            or (any(g.near_card for g in said) and _grouped_like_a_card(said))
        ):
            flagged = j
    return luhn if luhn is not None else flagged


def card_groups(groups: list[Group]) -> list[Group]:
    """The groups that together read out a card number (only those of two groups or more;
    a card said in one run is found by the run's own checks)."""
    out: list[Group] = []
    for chain in _chains([g for g in groups if MIN_GROUP <= len(g.digits) <= MAX_GROUP]):
        i = 0
        while i < len(chain):
            end = _reading(chain, i)
            if end is None:
                i += 1
                continue
            out += chain[i : end + 1]
            i = end + 1
    return out
