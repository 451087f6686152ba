"""The recovery wording follows the playbook: first person, specific, asks what next."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aftercall.cases.drafts import (
    RecoveryContext,
    atonement_words,
    call_script,
    draft_message,
    money,
    quote,
)

START = datetime(2026, 11, 16, 9, 12, tzinfo=timezone(timedelta(hours=-5)))


def ctx(**changes) -> RecoveryContext:
    base = dict(
        customer_name="Maria Lopez",
        owner="Dana Cole",
        company="Acme Internet",
        category="technical",
        problem_quote="my internet keeps dropping every evening",
        problem_at_s=74.2,
        call_started_at=START,
        open_promises=["a technician will come Thursday morning"],
        left_undone=['customer said "third time"'],
    )
    return RecoveryContext(**{**base, **changes})


def test_draft_is_a_first_person_specific_apology() -> None:
    text = draft_message(ctx())
    assert text.startswith("Hi Maria,")
    assert "I'm Dana Cole from Acme Internet. I'm sorry" in text
    assert '"my internet keeps dropping every evening"' in text
    assert "on Monday 16 November" in text
    assert "technician will come Thursday morning" in text
    assert "What would you like to happen next?" in text
    assert "we apologise" not in text.lower() and "inconvenience" not in text.lower()
    assert text.rstrip().endswith("Dana Cole")


def test_draft_without_owner_or_quote_or_name_still_reads() -> None:
    text = draft_message(
        ctx(
            owner=None,
            problem_quote=None,
            customer_name=None,
            call_started_at=None,
            open_promises=[],
        )
    )
    assert text.startswith("Hi there,")
    assert "I'm writing from Acme Internet" in text and "recently" in text
    assert "[" not in text and text.rstrip().endswith("Customer care, Acme Internet")
    assert "You told us" not in text


def test_long_quotes_are_cut_at_a_word() -> None:
    text = draft_message(ctx(problem_quote="word " * 100))
    quoted = text.split('You told us: "')[1].split('"')[0]
    assert len(quoted) <= 160 and quoted.endswith("…") and "wor…" not in quoted


def test_script_steps() -> None:
    script = call_script(ctx(category="billing"))
    lines = script.splitlines()
    assert lines[0].startswith('1. Open: "Hi Maria, this is Dana Cole from Acme Internet.')
    assert "I'm sorry it didn't get fixed" in lines[0]
    assert "(at 1:14 in the call)" in script
    assert 'Ask: "What would you like to happen next?"' in script
    assert "third time" in script and "technician will come" in script
    assert "correct it, and confirm the correction in writing" in script


PROMISE = "the refund will post within 5 business days"


def test_each_promise_status_is_worded_only_as_far_as_its_evidence_goes() -> None:
    """Issue 18: a draft says a promise was not kept only when it is known broken; past due
    with no evidence is something we are checking; open is something we will see through."""
    words = {
        "open": draft_message(ctx(open_promises=[PROMISE])),
        "due_unverified": draft_message(ctx(open_promises=[], unverified_promises=[PROMISE])),
        "broken": draft_message(ctx(open_promises=[], broken_promises=[PROMISE])),
        # kept or withdrawn promises are not on the case at all
        "kept": draft_message(ctx(open_promises=[])),
    }
    assert "did not happen" in words["broken"]
    for status in ("open", "due_unverified", "kept"):
        assert "did not happen" not in words[status], status
        assert "should not have happened" not in words[status], status
    assert "I am checking that it happened" in words["due_unverified"]
    assert "I will make sure that happens" in words["open"]
    assert PROMISE not in words["kept"]
    script = call_script(ctx(open_promises=[], unverified_promises=[PROMISE]))
    assert "nobody knows yet whether it happened" in script and "did not do what" not in script


def test_quotes_lose_their_greeting_openers() -> None:
    text = draft_message(ctx(problem_quote="Hi, um, my internet keeps dropping every evening."))
    assert 'You told us: "My internet keeps dropping every evening"' in text
    assert quote("Hello there, okay, the bill is wrong") == "The bill is wrong"
    assert quote("Well water is brown again") == "Well water is brown again"
    assert quote("and I'll call you back tomorrow.") == "I'll call you back tomorrow"
    assert quote("Hi") == "Hi"  # nothing left to quote: keep what was said


def test_what_was_left_undone_is_one_sentence_and_a_case_without_owner_has_no_blanks() -> None:
    script = call_script(ctx(owner=None, broken_promises=["we'll call you back tomorrow"]))
    [undone] = [line for line in script.splitlines() if "Left undone:" in line]
    assert undone.endswith(".") and undone.count("Left undone") == 1
    assert 'the problem was left open (the customer said "third time")' in undone
    assert "we did not do what we promised" in undone and "not yet due" in undone
    assert "[" not in script and "I'm calling from Acme Internet" in script


def test_money_has_its_currency_and_a_zero_cap_is_said_in_words() -> None:
    assert money(25, "USD") == "USD 25" and money(12.5, "€") == "€12.50"
    assert atonement_words("gesture", 25, "EUR") == (
        "gesture: you may offer up to EUR 25 without approval"
    )
    zero = atonement_words("apology", 0, "USD")
    assert "0" not in zero and "manager's approval" in zero
