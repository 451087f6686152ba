"""Write tests/data/redaction_set.jsonl: utterances with the personal data in them marked.

Each line: {"text": ..., "pii": [[KIND, exact substring], ...]}; an empty list is a
look-alike that must stay (order numbers, prices, dates of service). Card, SSN, account and
phone numbers are random (seeded) and said in the forms callers use: written groups, digit
by digit, "double five", "oh" for zero, tens ("forty five"). Stdlib only; re-run to
regenerate byte-identically: python scripts/make_redaction_set.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction_set.jsonl"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
rng = random.Random(8)


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError


def aba() -> str:
    while True:
        d = "0" + "".join(rng.choice("0123456789") for _ in range(8))
        if sum(int(c) * w for c, w in zip(d, [3, 7, 1] * 3, strict=True)) % 10 == 0:
            return d


def digits(n: int) -> str:
    return rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(n - 1))


def spoken(ds: str, oh: bool = False, doubles: bool = False, groups: int = 0) -> str:
    out, i = [], 0
    while i < len(ds):
        if doubles and i + 1 < len(ds) and ds[i] == ds[i + 1]:
            out.append("double " + WORDS[int(ds[i])])
            i += 2
            continue
        out.append("oh" if oh and ds[i] == "0" else WORDS[int(ds[i])])
        i += 1
    if groups:  # a comma every `groups` words, as a transcriber writes pauses
        out = [
            w + ("," if (k + 1) % groups == 0 and k + 1 < len(out) else "")
            for k, w in enumerate(out)
        ]
    return " ".join(out)


def grouped(ds: str, sizes: list[int], sep: str = " ") -> str:
    parts, i = [], 0
    for s in sizes:
        parts.append(ds[i : i + s])
        i += s
    return sep.join(parts)


rows: list[dict] = []


def add(text: str, *pii: tuple[str, str]) -> None:
    for _, value in pii:
        assert value in text, (value, text)
    rows.append({"text": text, "pii": [list(p) for p in pii]})


# Cards: 30 utterances, written and spoken.
for k in range(30):
    prefix, length = rng.choice([("4", 16), ("51", 16), ("37", 15), ("6011", 16)])
    card = luhn_complete(prefix, length)
    sizes = [4, 6, 5] if length == 15 else [4, 4, 4, 4]
    form = k % 6
    if form == 0:
        said = grouped(card, sizes)
    elif form == 1:
        said = grouped(card, sizes, "-")
    elif form == 2:
        said = card
    elif form == 3:
        said = spoken(card)
    elif form == 4:
        said = spoken(card, oh=True, doubles=True)
    else:
        said = spoken(card, oh=True, groups=4)
    lead = rng.choice(
        [
            "sure, the card number is {}",
            "it's {}",
            "my visa is {} okay",
            "yeah so {} is the card",
            "the number on the card is {}",
            "I'll read it, {}",
        ]
    )
    add(lead.format(said), ("CARD", said))

# CVV and expiry said with a card (10).
for k in range(10):
    card = luhn_complete("4", 16)
    said = grouped(card, [4, 4, 4, 4]) if k % 2 else spoken(card, oh=True)
    cvv = digits(3)
    cvv_said = cvv if k % 3 == 0 else spoken(cvv, oh=True)
    month, year = rng.randint(1, 12), rng.randint(26, 31)
    years = ["twenty six", "twenty seven", "twenty eight", "twenty nine", "thirty", "thirty one"]
    exp_said = f"{spoken(f'{month:02d}', oh=True)} {years[year - 26]}"
    exp = f"{month:02d}/{year}" if k % 2 else exp_said
    add(
        f"card is {said}, expires {exp}, and the security code is {cvv_said}",
        ("CARD", said),
        ("EXPIRY", exp),
        ("CVV", cvv_said),
    )

# SSNs (20).
for k in range(20):
    ssn = f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    form = k % 5
    if form == 0:
        said = grouped(ssn, [3, 2, 4], "-")
    elif form == 1:
        said = grouped(ssn, [3, 2, 4])
    elif form == 2:
        said = spoken(ssn)
    elif form == 3:
        said = spoken(ssn, oh=True, doubles=True, groups=3)
    else:  # "one two three, forty five, six seven eight nine"
        tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        mid = ssn[3:5]
        mid_said = (
            f"{tens[int(mid[0]) - 2]} {WORDS[int(mid[1])]}"
            if mid[0] >= "2" and mid[1] != "0"
            else spoken(mid)
        )
        said = f"{spoken(ssn[:3])}, {mid_said}, {spoken(ssn[5:])}"
    lead = rng.choice(
        [
            "my social is {}",
            "social security number {}",
            "the SSN on file should be {}",
            "okay it's {}",
            "for verification, {}",
        ]
    )
    add(lead.format(said), ("SSN", said))

# Bank details (8).
for k in range(8):
    routing, account = aba(), digits(rng.choice([8, 10, 12]))
    r_said = routing if k % 2 else spoken(routing, oh=True)
    a_said = account if k % 3 else spoken(account)
    add(
        f"the routing number is {r_said} and the checking account is {a_said}",
        ("ROUTING", r_said),
        ("ACCOUNT", a_said),
    )

# E-mail (8).
for name, host in [
    ("maria.lopez", "gmail.com"),
    ("jdoe42", "yahoo.com"),
    ("k_nguyen", "outlook.com"),
    ("sam.ortiz", "acme.org"),
]:
    add(f"you can email me at {name}@{host}", ("EMAIL", f"{name}@{host}"))
    user = name.replace(".", " dot ").replace("_", " underscore ")
    said = f"{user} at {host.replace('.', ' dot ')}"
    add(f"it's {said} thanks", ("EMAIL", said))

# Phones (10).
for k in range(10):
    ph = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
    form = k % 4
    said = [
        f"({ph[:3]}) {ph[3:6]}-{ph[6:]}",
        f"{ph[:3]}-{ph[3:6]}-{ph[6:]}",
        spoken(ph, oh=True),
        spoken(ph, doubles=True, groups=3),
    ][form]
    lead = rng.choice(
        ["call me back at {}", "my cell is {}", "the best number is {}", "{} is my phone"]
    )
    add(lead.format(said), ("PHONE", said))

# Dates of birth (6).
for said in [
    "March 3rd, 1980",
    "03/15/1972",
    "July fourth nineteen sixty two",
    "twelfth of May 1990",
    "oh three fifteen nineteen eighty",
    "December 1, 1985",
]:
    lead = rng.choice(["I was born {}", "date of birth is {}", "my birthday is {}"])
    add(lead.format(said), ("DOB", said))

# Addresses (6).
for said in [
    "123 Main Street",
    "4500 Oak Avenue, Apt 12",
    "77 Sunset Blvd",
    "one twenty three Elm Road",
    "9 Harbor View Drive",
    "P.O. Box 4412",
]:
    add(f"please send it to {said} thank you", ("ADDRESS", said))

# Look-alikes that must stay (order numbers and such as configured in keep_after, prices,
# dates of service, counts, times).
for text in [
    f"my order number is {digits(9)}",
    f"order {digits(10)} never arrived",
    f"the tracking number is {digits(12)}",
    "tracking number 1Z999AA10123456784",
    f"confirmation number {digits(8)}",
    f"the invoice number was {digits(7)}",
    f"my ticket number is {spoken(digits(6))}",
    f"case number {digits(8)} please",
    f"reference {digits(9)} from last week",
    f"claim {digits(10)} was denied",
    f"flight {digits(4)} was delayed",
    f"the model number is {digits(7)}",
    f"extension {digits(4)}",
    "it cost $1,299.99",
    "you charged me 49.99 twice",
    "the bill was forty nine dollars",
    "I paid 250 dollars on March 3rd",
    "the technician came on 3/15 and again on 3/22",
    "I called three times last week",
    "it's been two weeks since I called",
    "I waited 45 minutes on hold",
    "we had 2 outages in January",
    "since 2019 I have been a customer",
    "the fee went from 15 to 25 dollars",
    "my appointment was at 10:30",
    "I was told 5 to 7 business days",
    "the agent said twenty four hours",
    "room 305 was not cleaned",
    "I have 3 lines on my plan",
    "it happened on the 12th of March",
    "that was version 2.1 of the app",
    "I need 100 more minutes",
    "oh I see, that makes sense",
    "one moment please",
    "I was on the phone for an hour",
    "my card was declined twice",
    "the account was closed in 2022",
    "my social media account got hacked",
    "it expires next month",
    "the store at the mall was closed",
]:
    add(text)

OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
print(f"{len(rows)} utterances -> {OUT}")
