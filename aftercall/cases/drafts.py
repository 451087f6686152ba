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
UNNAMED_OWNER = "[your name]"


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


def draft_message(ctx: RecoveryContext) -> str:
    """A short written message (e-mail or SMS) in the owner's own voice."""
    owner = ctx.owner or UNNAMED_OWNER
    lines = [f"Hi {_first_name(ctx.customer_name)},", ""]
    opening = (
        f"I'm {owner} from {ctx.company}. I'm sorry that your problem was not sorted out "
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
        owner,
    ]
    return "\n".join(lines)


def call_script(ctx: RecoveryContext) -> str:
    """Numbered steps for the outreach call."""
    owner = ctx.owner or UNNAMED_OWNER
    steps = [
        f'Open: "Hi {_first_name(ctx.customer_name)}, this is {owner} from {ctx.company}. '
        f"You called us {_when(ctx.call_started_at)}, and I'm sorry it didn't get fixed.\"",
    ]
    if ctx.problem_quote:
        said = f'they said "{quote(ctx.problem_quote)}"'
        if ctx.problem_at_s is not None:
            said += f" (at {clock(ctx.problem_at_s)} in the call)"
        steps.append(f"Show you understood: {said}. Say it back in your own words.")
    steps.append('Ask: "What would you like to happen next?" Listen before offering a fix.')
    undone = [
        *ctx.left_undone,
        *(f'promise broken: "{p}"' for p in ctx.broken_promises),
        *(f'promise made on the call: "{p}"' for p in ctx.open_promises),
        *(f'past due, not known kept or broken: "{p}" (ask)' for p in ctx.unverified_promises),
    ]
    if undone:
        steps.append("Left undone on the call: " + "; ".join(quote(u, 120) for u in undone))
    steps.append(f"Next step: {NEXT_STEPS.get(ctx.category, NEXT_STEPS['other'])}.")
    if ctx.atonement:
        steps.append(f"Atonement ({ctx.atonement}): offer it as regret, not as a bargain.")
    steps.append("Close: say what you will do and by when, and that you will check back.")
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
