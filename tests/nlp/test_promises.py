"""Promise due times against a fixed call start, promise kinds, and promise extraction from
whole calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from spacy.language import Language

from aftercall.nlp.detector import analyse, load_pipeline
from aftercall.nlp.parse import parse_text_transcript
from aftercall.nlp.promises import add_business_days, classify, find_due, happens_during_call
from aftercall.nlp.transcript import Transcript, Turn

EST = timezone(timedelta(hours=-5))
START = datetime(2026, 11, 16, 9, 12, tzinfo=EST)  # a Monday


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_pipeline()


def due(text: str, base: datetime | None = START) -> tuple[datetime | None, str | None]:
    return find_due(text, base)


def test_tomorrow_is_end_of_business_tomorrow() -> None:
    assert due("I'll call you back tomorrow.") == (
        datetime(2026, 11, 17, 17, 0, tzinfo=EST),
        "tomorrow",
    )


def test_thursday_morning_is_noon_thursday() -> None:
    assert due("A technician will come Thursday morning.") == (
        datetime(2026, 11, 19, 12, 0, tzinfo=EST),
        "Thursday morning",
    )


def test_business_day_span_takes_the_later_bound_and_skips_the_weekend() -> None:
    got = due("The refund will post within 5 to 7 business days.")
    # Mon 16 + 7 business days = Wed 25 (Sat 21 and Sun 22 skipped)
    assert got == (datetime(2026, 11, 25, 17, 0, tzinfo=EST), "5 to 7 business days")


def test_by_end_of_day_is_today_at_five() -> None:
    assert due("I'll have it sorted by end of day.") == (
        datetime(2026, 11, 16, 17, 0, tzinfo=EST),
        "end of day",
    )


def test_end_of_day_after_five_rolls_to_the_next_day() -> None:
    evening = START.replace(hour=18, minute=30)
    assert due("by end of day", evening)[0] == datetime(2026, 11, 17, 17, 0, tzinfo=EST)


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("It will be credited within 48 hours.", datetime(2026, 11, 18, 9, 12), "48 hours"),
        ("Expect a call within the hour.", datetime(2026, 11, 16, 10, 12), "within the hour"),
        ("It should arrive on Friday.", datetime(2026, 11, 20, 17, 0), "Friday"),
        ("We'll call next Thursday.", datetime(2026, 11, 26, 17, 0), "next Thursday"),
        ("I'll email you this afternoon.", datetime(2026, 11, 16, 17, 0), "this afternoon"),
        ("Someone will ring you tonight.", datetime(2026, 11, 16, 21, 0), "tonight"),
        (
            "It will be there in a couple of days.",
            datetime(2026, 11, 18, 17, 0),
            "a couple of days",
        ),
        ("It takes 3 to 5 days.", datetime(2026, 11, 21, 17, 0), "3 to 5 days"),
        ("You'll get it by the end of the week.", datetime(2026, 11, 20, 17, 0), "end of the week"),
        (
            "between 2 and 4 pm tomorrow",
            datetime(2026, 11, 17, 16, 0),
            "between 2 and 4 pm tomorrow",
        ),
        (
            "the day after tomorrow at 3pm",
            datetime(2026, 11, 18, 15, 0),
            "the day after tomorrow at 3pm",
        ),
        ("on the 23rd", datetime(2026, 11, 23, 17, 0), "on the 23rd"),
        ("by November 30th", datetime(2026, 11, 30, 17, 0), "by November 30th"),
    ],
)
def test_more_due_phrases(text: str, expected: datetime, words: str) -> None:
    assert due(text) == (expected.replace(tzinfo=EST), words)


def test_bare_weekday_on_the_same_day_means_next_week() -> None:
    assert due("We'll call Monday.")[0] == datetime(2026, 11, 23, 17, 0, tzinfo=EST)


def test_without_a_start_time_the_words_are_kept() -> None:
    assert due("The refund will post in 5 to 7 business days.", None) == (
        None,
        "5 to 7 business days",
    )
    assert due("I'll call you back tomorrow.", None) == (None, "tomorrow")


def test_vague_and_missing_dates() -> None:
    assert due("You'll get an email shortly.") == (None, "shortly")
    assert due("I'll send you a replacement.") == (None, None)
    assert due("You may see a pending charge.") == (None, None)  # "may" is not a month


def test_naive_start_is_taken_as_utc_and_zones_are_kept() -> None:
    got, _ = find_due("tomorrow", datetime(2026, 11, 16, 9, 12))
    assert got == datetime(2026, 11, 17, 17, 0, tzinfo=UTC)
    paris = datetime(2026, 3, 28, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))  # DST starts on the 29th
    got, _ = find_due("within 48 hours", paris)
    assert got.utcoffset() == timedelta(hours=2)
    assert got.astimezone(UTC) - paris.astimezone(UTC) == timedelta(hours=48)  # real hours


def test_business_days_from_a_friday() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=EST)
    assert add_business_days(friday, 1).date().isoformat() == "2026-11-23"
    assert due("in 2 working days", friday)[0] == datetime(2026, 11, 24, 17, 0, tzinfo=EST)


@pytest.mark.parametrize(
    ("trigger", "sentence", "kind"),
    [
        ("I'll call", "I'll call you back tomorrow.", "callback"),
        ("refund will post", "The refund will post in 5 to 7 business days.", "refund"),
        ("technician will come", "A technician will come Thursday morning.", "visit"),
        ("We will send", "We will send you a replacement by Friday.", "delivery"),
        ("I'll get", "I'll get the line fixed today.", "fix"),
        ("I'll confirm", "I'll confirm it.", "other"),
    ],
)
def test_promise_kinds(trigger: str, sentence: str, kind: str) -> None:
    assert classify(trigger, sentence) == kind


def test_in_call_timings_are_not_ledger_promises() -> None:
    assert happens_during_call("a minute")
    assert not happens_during_call("tomorrow")
    assert not happens_during_call(None)


def call(*lines: tuple[str, str]) -> Transcript:
    return Transcript(
        turns=[
            Turn(idx=i, speaker=speaker, text=text, start_s=i * 6.0)
            for i, (speaker, text) in enumerate(lines)
        ]
    )


def test_promises_come_from_the_agent_with_due_times(nlp: Language) -> None:
    t = call(
        ("agent", "Thanks for calling, how can I help?"),
        ("customer", "My refund hasn't come through and the router keeps dropping."),
        ("agent", "The refund will post in 5 to 7 business days."),
        ("agent", "A technician will come Thursday morning, and I'll call you back tomorrow."),
        ("customer", "I'll call you back if it happens again."),
        ("agent", "It should come back up in a minute."),
    )
    a = analyse(t, started_at=START, nlp=nlp)
    got = [(p.kind, p.turn_idx, p.due_at, p.due_text) for p in a.promises]
    assert got == [
        ("refund", 2, datetime(2026, 11, 25, 17, 0, tzinfo=EST), "5 to 7 business days"),
        ("visit", 3, datetime(2026, 11, 19, 12, 0, tzinfo=EST), "Thursday morning"),
        ("callback", 3, datetime(2026, 11, 17, 17, 0, tzinfo=EST), "tomorrow"),
    ]
    assert all(p.speaker == "agent" for p in a.promises)
    assert a.promises[0].text == "The refund will post in 5 to 7 business days."
    assert a.promises[0].start_s == 12.0


def test_conditional_and_negated_promises_stay_out_of_the_ledger(nlp: Language) -> None:
    t = call(
        ("customer", "My parcel is missing."),
        ("agent", "If we get cut off, I'll call you back."),
        ("agent", "I can't guarantee it will arrive by Friday."),
        ("agent", "I'll call you back tomorrow if that's okay."),
    )
    a = analyse(t, started_at=START, nlp=nlp)
    assert [(p.turn_idx, p.due_text) for p in a.promises] == [(3, "tomorrow")]
    promise_signals = [s for s in a.signals if s.kind == "promise"]
    assert any(s.hypothetical for s in promise_signals)
    assert any(s.negated for s in promise_signals)


def test_promise_without_call_start_keeps_due_text(nlp: Language) -> None:
    t = call(("agent", "The refund will post in 5 to 7 business days."))
    p = analyse(t, nlp=nlp).promises[0]
    assert p.due_at is None and p.due_text == "5 to 7 business days"


@pytest.mark.parametrize(
    ("agent", "promised"),
    [
        # a booking the customer will attend: nothing of ours to keep or break (issue 18)
        ("your appointment has been scheduled for friday at eight forty five a m", False),
        ("alrighty you are appointment has been scheduled for sunday at eleven a m", False),
        ("You're booked in at the Main Street branch on Wednesday at 10.", False),
        # a visit to them, or our own act: a promise
        ("Your technician appointment is booked for Thursday morning.", True),
        ("I've booked a technician for Thursday.", True),
        ("Your visit is confirmed for Thursday, between 8 and 12.", True),
        ("I'll call you back tomorrow with the answer.", True),
    ],
)
def test_confirming_the_customers_own_booking_is_not_a_promise(
    nlp: Language, agent: str, promised: bool
) -> None:
    text = (
        "Customer: Hi, I would like to schedule an appointment.\n"
        f"Agent: {agent}\n"
        "Customer: Great, thank you.\n"
    )
    found = analyse(parse_text_transcript(text)[0], nlp=nlp).promises
    assert bool(found) == promised, found
