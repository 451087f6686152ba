"""The recovery wording follows the playbook: first person, specific, asks what next."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aftercall.cases.drafts import UNNAMED_OWNER, RecoveryContext, call_script, draft_message

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
    assert f"I'm {UNNAMED_OWNER}" in text and "recently" in text
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
