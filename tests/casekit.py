"""Helpers for the case tests: real calls through the real detector into a real DuckDB file."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from aftercall.cases.refresh import list_cases, refresh_cases
from aftercall.config import CaseSettings
from aftercall.pipeline.call import process_call
from aftercall.pipeline.intake import CallMeta, InboxItem
from aftercall.store.calls import register_call, save_result
from aftercall.store.db import transaction

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
BILL_OPEN = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: I was charged twice for my bill this month.\n"
    "Agent: I'll call you back tomorrow with an answer.\n"
    "Customer: Okay, thanks.\n"
)
NOBODY_CALLED = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: Someone promised to call me back and nobody has called me back.\n"
    "Agent: I'm sorry, I will look into it.\n"
    "Customer: I've been told that before.\n"
)
BILL_FIXED = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: I'm calling about the double charge on my bill.\n"
    "Agent: I've refunded the second charge, you'll see it on your statement now.\n"
    "Customer: Great, I can see it, that fixed it. Thank you!\n"
)
ABUSIVE = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: My bill has a roaming charge and I never left the country.\n"
    "Agent: I can't remove that charge, I'm afraid.\n"
    "Customer: You are useless, you idiot. Forget it.\n"
)
SETTINGS = CaseSettings(agents={"*": ["Dana Cole", "Sam Ortiz"]})


def add_call(
    db: Path,
    tmp: Path,
    text: str,
    customer: str | None,
    at: datetime,
    phone: str | None = None,
    value: float | None = None,
    product: str | None = None,
    company: str | None = None,
) -> str:
    path = tmp / f"{hashlib.sha1(f'{text}{at}{customer}{phone}'.encode()).hexdigest()[:8]}.txt"
    path.write_text(text + f"\n# {at} {customer} {phone}\n", encoding="utf-8")
    item = InboxItem(
        path=path,
        kind="text",
        content_hash=hashlib.sha256(path.read_bytes()).hexdigest(),
        meta=CallMeta(
            customer_id=customer,
            started_at=at,
            phone=phone,
            customer_value=value,
            product=product,
            company=company,
        ),
    )
    transcript, analysis = process_call(path, at)
    with transaction(db) as con:
        register_call(con, item)
        save_result(con, item.call_id, transcript, analysis)
    return item.call_id


def refresh(
    db: Path, settings: CaseSettings = SETTINGS, at: datetime | None = None
) -> dict[str, int]:
    with transaction(db) as con:
        return refresh_cases(con, settings, at)


def core(counts: dict[str, int]) -> dict[str, int]:
    return {k: counts[k] for k in ("opened", "updated", "resolved_on_call")}


def cases(db: Path, review: bool = True) -> list[dict]:
    with transaction(db) as con:
        return list_cases(con, include_review=review)


REFUND_KEPT_PROMISE = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: My refund for the returned blender has not arrived.\n"
    "Agent: I've processed it now, the refund will post within 5 business days.\n"
    "Customer: Great, thank you, that's all I needed.\n"
)
REFUND_ARRIVED = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: I'm calling about my blender refund.\n"
    "Agent: I can see the refund has posted to your card today.\n"
    "Customer: Great, I can see it, that fixed it. Thank you!\n"
)
REFUND_PROMISE_BILLING = REFUND_KEPT_PROMISE.replace(
    "has not arrived", "is not on my card statement yet"
)
BILL_NO_PROMISE = (
    "Agent: Thank you for calling, how can I help?\n"
    "Customer: I was charged twice for my bill this month.\n"
    "Agent: I can only see one charge on the account.\n"
    "Customer: Well, I guess I'll check my statement again.\n"
)
