"""The call as what happened (nlp/needs.py): needs, what the agent did, how the customer left,
and the outcome the chain reads, on short calls in several voices and forms."""

from __future__ import annotations

import pytest

from aftercall.nlp.needs import fold, read_call
from aftercall.nlp.parse import parse_text_transcript


def story(text: str):
    transcript, _ = parse_text_transcript(text)
    return read_call(transcript.turns)


def test_a_routine_request_done_on_the_call_is_no_problem() -> None:
    s = story(
        "Agent: thanks for calling, how can i help\n"
        "Customer: um hi i lost my debit card can you send me a new one\n"
        "Agent: sure, i've ordered a replacement, it arrives in five to seven days\n"
        "Customer: great thanks\n"
    )
    assert [(n.kind, n.handled) for n in s.needs] == [("routine", "done")]
    assert (s.left, s.outcome) == ("accepted", "no_problem")


def test_asr_style_routine_call_with_a_wrap_up_is_no_problem() -> None:
    s = story(
        "Agent: how can i help you today\n"
        "Customer: i would like to transfer money between my accounts\n"
        "Agent: okay what is the amount\n"
        "Customer: one hundred dollars from savings to checking\n"
        "Agent: okay is there anything else i can help you with\n"
        "Customer: no that'll be all thank you\n"
    )
    assert s.wrapped_up and s.outcome == "no_problem"


def test_a_problem_fixed_and_confirmed_is_resolved_even_from_an_angry_customer() -> None:
    s = story(
        "Customer: This is ridiculous, my internet has been down for two days!\n"
        "Agent: I\u2019m sorry. I\u2019ve reset the line from here. Can you check now?\n"
        "Customer: Fine. It\u2019s working now. Still annoyed it took three calls.\n"
    )
    assert s.needs[0].kind == "problem" and s.needs[0].handled == "done"
    assert s.confirmed and s.outcome == "resolved"


def test_a_warm_goodbye_does_not_fix_a_declined_problem() -> None:
    s = story(
        "Customer: Hi! My refund never arrived.\n"
        "Agent: Unfortunately I\u2019m not able to issue it from here.\n"
        "Customer: Oh okay, no worries. Thanks so much for your help, you\u2019ve been lovely!\n"
    )
    assert s.needs[0].handled == "declined"
    assert s.outcome == "unresolved"


def test_a_dated_promise_is_all_that_is_left_pending() -> None:
    s = story(
        "Customer: I was billed for a plan I cancelled.\n"
        "Agent: Someone from billing will call you back by Friday about it.\n"
        "Customer: Okay, that works.\n"
    )
    assert s.needs[0].handled == "promised" and s.outcome == "pending"


@pytest.mark.parametrize(
    "last",
    ["Forget it, I'll go somewhere else.", "Whatever. Never mind.", "I give up."],
)
def test_a_customer_who_gives_up_leaves_it_unresolved(last: str) -> None:
    s = story(
        "Customer: My package is missing.\n"
        "Agent: You'll need to contact the carrier for that.\n"
        f"Customer: {last}\n"
    )
    assert s.left == "gave_up" and s.outcome == "unresolved"


def test_a_question_confirms_nothing() -> None:
    s = story("Customer: My internet is down.\nCustomer: So is it working now?\n")
    assert not s.confirmed and s.outcome == "unresolved"


def test_a_report_of_a_fix_is_not_a_new_need() -> None:
    s = story(
        "Customer: My card was declined.\n"
        "Agent: I've lifted the block, try it now.\n"
        "Customer: That has solved the problem, much obliged.\n"
    )
    assert len(s.needs) == 1 and s.outcome == "resolved"


def test_curly_quotes_and_fillers_fold_to_what_the_rules_read() -> None:
    assert fold("Um, it\u2019s \u201cdone\u201d, uh, you know") == 'it\'s "done", '


def test_describe_reads_as_the_chain_in_words() -> None:
    s = story("Customer: I need to book an appointment.\nAgent: You're booked for Monday.\n")
    lines = s.describe()
    assert lines[0].startswith('customer routine: "I need to book an appointment."')
    assert "done on the call" in lines[0]
    assert lines[-1].endswith("the chain reads no_problem")


def test_empty_and_agent_only_calls_do_not_crash() -> None:
    assert read_call([]).outcome == "resolved"
    assert story("Agent: hello?\nAgent: anyone there?\n").needs == []
