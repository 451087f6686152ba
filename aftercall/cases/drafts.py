"""The words of a recovery: the draft message and the call script an outreach agent uses.

PLAYBOOK rules 3, 4, 5 and 8 in text: open with a first-person apology from a named person,
quote the customer's own problem, ask what they would like to happen next, and name the
step the call left undone. Never "we apologise for any inconvenience".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# What the outreach agent should get done, by problem category.
NEXT_STEPS = {
    "billing": "check the charge, correct it, and confirm the correction in writing",
    "technical": "find out whether the fault is still there and book the fix with a date",
    "delivery": "trace the order and give a firm delivery date, or replace it",
    "account_access": "get the customer back into their account while on the phone",
    "cancellation": "understand why they want to leave and what would make it right",
    "product_quality": "arrange a replacement or refund for the faulty product",
    "service_appointment": "confirm an appointment time that works for the customer",
    "other": "find out what is still wrong and agree the fix with the customer",
}
# A case nobody owns yet (held for a supervisor) is worded for the team, never with a blank
# for a name that a person might send as it is.


@dataclass
class RecoveryContext:
    customer_name: str | None
    owner: str | None
    company: str
    category: str
    problem_quote: str | None  # the customer's own words
    problem_at_s: float | None  # second in the call where they said it
    call_started_at: datetime | None
    open_promises: list[str] = field(default_factory=list)  # what the agent promised, quoted
    left_undone: list[str] = field(default_factory=list)  # e.g. "customer still asked to call back"
    broken_promises: list[str] = field(default_factory=list)  # promises we did not keep, quoted
    # past due with no evidence either way: neither an apology nor a claim it happened
    unverified_promises: list[str] = field(default_factory=list)
    atonement: str | None = None  # what the owner may offer without approval, in words


def money(amount: float, currency: str) -> str:
    """An amount as a person writes it: "USD 25", "$25", "EUR 12.50"."""
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{currency}{text}" if len(currency) == 1 else f"{currency} {text}"


def atonement_words(tier: str, cap: float, currency: str) -> str:
    """What the owner may offer on their own, in words (rule 6)."""
    if cap <= 0:
        return f"{tier}: a sincere apology; any gesture needs a manager's approval"
    return f"{tier}: you may offer up to {money(cap, currency)} without approval"


def clock(seconds: float) -> str:
    """A second in a call as m:ss, the way a reviewer finds it in the recording."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _when(started: datetime | None) -> str:
    return f"on {started.strftime('%A %-d %B')}" if started else "recently"


def _first_name(name: str | None) -> str:
    return name.split()[0] if name and name.split() else "there"


# What people open a sentence with, that a quote of their problem does without ("Hi, um, my
# internet keeps dropping" -> "My internet keeps dropping").
OPENERS = re.compile(
    r"^(?:(?:hi|hello|hey|um+|uh+|erm)(?:\s+there)?\s*[,.!]?\s+"
    r"|(?:yes|yeah|so|okay|ok|well|right|good\s+(?:morning|afternoon|evening))\s*[,.!]\s*)+",
    re.I,
)


# A sentence cut from the middle of a turn: "and I'll call you back tomorrow".
CONJUNCTION = re.compile(r"^(?:and|but|so|then)\s+(?=\w)")


def quote(text: str, limit: int = 160) -> str:
    """The words to put inside quotation marks: one line, no greeting before them, no closing
    full stop, not too long."""
    text = " ".join(text.split()).rstrip(".,;: ")
    trimmed = CONJUNCTION.sub("", OPENERS.sub("", text))
    if trimmed and trimmed != text:
        text = trimmed[0].upper() + trimmed[1:]
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _signature(ctx: RecoveryContext) -> str:
    return ctx.owner or f"Customer care, {ctx.company}"


def _introduce(ctx: RecoveryContext) -> str:
    return f"I'm {ctx.owner} from {ctx.company}" if ctx.owner else f"I'm writing from {ctx.company}"


def draft_message(ctx: RecoveryContext) -> str:
    """A short written message (e-mail or SMS) in the owner's own voice."""
    lines = [f"Hi {_first_name(ctx.customer_name)},", ""]
    opening = (
        f"{_introduce(ctx)}. I'm sorry that your problem was not sorted out "
        f"when you called us {_when(ctx.call_started_at)}."
    )
    lines.append(opening)
    if ctx.problem_quote:
        lines.append(
            f'You told us: "{quote(ctx.problem_quote)}". I have read your call and '
            "I am taking this on myself until it is fixed."
        )
    else:
        lines.append("I have read your call and I am taking this on myself until it is fixed.")
    for promise in ctx.broken_promises[:1]:
        lines.append(
            f'You were told "{quote(promise, 120)}", and that did not happen. I\'m sorry: '
            "that should not have happened, and I will not make you chase us again."
        )
    for promise in ctx.open_promises[:2]:
        lines.append(
            f'You were told "{quote(promise, 120)}", and I will make sure that '
            "happens or tell you straight away if it cannot."
        )
    for promise in ctx.unverified_promises[:1]:
        lines.append(
            f'You were told "{quote(promise, 120)}". I am checking that it happened, '
            "and I will tell you what I find."
        )
    lines += [
        "",
        "What would you like to happen next? Reply here or call me, and I will take it from there.",
        "",
        _signature(ctx),
    ]
    return "\n".join(lines)


def _words(items: list[str], limit: int = 3) -> str:
    quoted = [f'"{quote(t, 80)}"' for t in items[:limit]]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def left_undone(ctx: RecoveryContext) -> str | None:
    """What the call left undone, in one sentence a person would say: the problem in the
    customer's words, then each promise by what is known of it."""
    said = [u.split('"')[1] for u in ctx.left_undone if u.count('"') >= 2]
    parts = []
    if said:
        parts.append(f"the problem was left open (the customer said {_words(said)})")
    if ctx.broken_promises:
        parts.append(f"we did not do what we promised ({_words(ctx.broken_promises, 2)})")
    if ctx.open_promises:
        parts.append(f"we promised {_words(ctx.open_promises, 2)}, not yet due")
    if ctx.unverified_promises:
        parts.append(
            f"we promised {_words(ctx.unverified_promises, 2)}; it is past due and nobody knows "
            "yet whether it happened: ask"
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return f"Left undone: {text}."


def call_script(ctx: RecoveryContext) -> str:
    """Numbered steps for the outreach call."""
    who = (
        f"this is {ctx.owner} from {ctx.company}"
        if ctx.owner
        else f"I'm calling from {ctx.company}"
    )
    steps = [
        f'Open: "Hi {_first_name(ctx.customer_name)}, {who}. '
        f"You called us {_when(ctx.call_started_at)}, and I'm sorry it didn't get fixed.\"",
    ]
    if ctx.problem_quote:
        said = f'they said "{quote(ctx.problem_quote)}"'
        if ctx.problem_at_s is not None:
            said += f" (at {clock(ctx.problem_at_s)} in the call)"
        steps.append(f"Show you understood: {said}. Say it back in your own words.")
    steps.append('Ask: "What would you like to happen next?" Listen before offering a fix.')
    undone = left_undone(ctx)
    if undone:
        steps.append(undone)
    steps.append(f"Next step: {NEXT_STEPS.get(ctx.category, NEXT_STEPS['other'])}.")
    if ctx.atonement:
        steps.append(f"Atonement ({ctx.atonement}): offer it as regret, not as a bargain.")
    steps.append("Close: say what you will do and by when, and that you will check back.")
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
