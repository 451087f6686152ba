"""Deciding which speaker is the agent and which the customer, from what they say."""

from __future__ import annotations

from aftercall.nlp.parse import parse_text_transcript
from aftercall.nlp.roles import infer_roles, turn_score
from aftercall.nlp.transcript import Transcript, Turn

NAMED = """\
Maria: Thank you for calling Northwind Broadband, this is Maria speaking, how can I help?
John: Hi, I'm calling about my internet, it keeps dropping every evening.
Maria: I'm sorry to hear that. Can I have your account number please?
John: Sure, it's 4471 29.
Maria: Thank you. I can see your router restarted six times last night.
John: Okay.
Maria: Is there anything else I can help you with today?
John: No, that's all.
"""


def roles(transcript: Transcript) -> list[str]:
    return [t.speaker for t in transcript.turns]


def test_named_dialogue_from_a_text_file() -> None:
    transcript, labels = parse_text_transcript(NAMED)
    assert set(roles(transcript)) == {"unknown"}  # the parser leaves names alone
    out = infer_roles(transcript, labels)
    assert roles(out) == ["agent", "customer"] * 4
    assert roles(transcript) == ["unknown"] * 8  # the input is not modified


def test_customer_speaking_first_is_still_the_customer() -> None:
    text = (
        "Dave: Hello? Yes, I'm calling because I was charged twice this month.\n"
        "Sam: I'm sorry about that. Can I take your account number?\n"
        "Dave: It's 5512.\n"
        "Sam: Thank you, I can see the duplicate charge. I've issued a refund.\n"
    )
    transcript, labels = parse_text_transcript(text)
    assert roles(infer_roles(transcript, labels)) == ["customer", "agent", "customer", "agent"]


def test_names_without_any_cue_fall_back_to_agent_speaks_first() -> None:
    transcript = Transcript(
        turns=[Turn(idx=i, text=t) for i, t in enumerate(["Hello.", "Hi.", "Right.", "Okay."])]
    )
    out = infer_roles(transcript, ["Ann", "Bob", "Ann", "Bob"])
    assert roles(out) == ["agent", "customer", "agent", "customer"]


def test_role_labels_from_the_parser_are_kept_and_the_other_name_is_the_customer() -> None:
    text = (
        "Agent: Thanks for holding.\n"
        "Priya: Thank you for calling me back so quickly!\n"  # an agent-ish phrase
        "Agent: Of course.\n"
    )
    transcript, labels = parse_text_transcript(text)
    assert roles(transcript)[0] == "agent"
    assert roles(infer_roles(transcript, labels)) == ["agent", "customer", "agent"]


def test_a_third_voice_without_cues_stays_unknown() -> None:
    turns = [
        "Thank you for calling, how can I help you?",
        "I want to speak to a manager, my bill is wrong again.",
        "Hello.",
        "I'm calling because my refund never arrived.",
    ]
    transcript = Transcript(turns=[Turn(idx=i, text=t) for i, t in enumerate(turns)])
    out = infer_roles(transcript, ["Rita", "Carl", "Lee", "Carl"])
    assert roles(out) == ["agent", "customer", "unknown", "customer"]


def test_mono_asr_turns_are_classified_by_cues_then_neighbours() -> None:
    turns = [
        "Thank you for calling Acme, how can I help you today?",  # agent cue
        "Yeah hi.",  # no cue: opposite of the previous turn
        "My package never arrived and I'm calling about the refund.",  # customer cue
        "Let me check that for you.",  # agent cue
        "Okay.",  # no cue: opposite of previous
        "Is there anything else I can help you with?",  # agent cue
    ]
    transcript = Transcript(
        turns=[Turn(idx=i, text=t, start_s=float(i)) for i, t in enumerate(turns)],
        source="asr-mono",
    )
    out = infer_roles(transcript)
    assert roles(out) == ["agent", "customer", "customer", "agent", "customer", "agent"]


def test_leading_turns_without_cues_take_their_role_from_the_first_decided_turn() -> None:
    turns = ["Hello?", "Hi there.", "I'm calling because my bill is wrong."]
    transcript = Transcript(turns=[Turn(idx=i, text=t) for i, t in enumerate(turns)])
    assert roles(infer_roles(transcript)) == ["customer", "agent", "customer"]


def test_no_cues_at_all_alternates_agent_first() -> None:
    transcript = Transcript(turns=[Turn(idx=i, text=t) for i, t in enumerate(["Hi.", "Hey."])])
    assert roles(infer_roles(transcript)) == ["agent", "customer"]


def test_known_speakers_are_never_changed() -> None:
    transcript = Transcript(
        turns=[
            Turn(idx=0, speaker="customer", text="Thank you for calling, how can I help?"),
            Turn(idx=1, speaker="unknown", text="I'm calling about my bill."),
            Turn(idx=2, speaker="agent", text="Okay."),
        ]
    )
    assert roles(infer_roles(transcript)) == ["customer", "customer", "agent"]


def test_scores_have_the_right_sign() -> None:
    assert turn_score("Thank you for calling, how can I help you today?") > 0
    assert turn_score("Can I have your date of birth for security?") > 0
    assert turn_score("I'm calling about my order, it never arrived.") < 0
    assert turn_score("Okay.") == 0


def test_empty_and_mismatched_inputs() -> None:
    empty = Transcript(turns=[])
    assert infer_roles(empty) == empty
    transcript = Transcript(turns=[Turn(idx=0, text="how can I help you?"), Turn(idx=1, text="")])
    # fewer names than turns: the rest are treated as unlabelled
    out = infer_roles(transcript, ["Zoe"])
    assert roles(out)[0] == "agent" and roles(out)[1] == "customer"
    assert turn_score("x" * 100_000) == 0
