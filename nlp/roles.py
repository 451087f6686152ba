"""Who is the agent and who is the customer, decided from what they say.

Typed transcripts name speakers however the company's tool wrote them ("Maria", "John",
"Speaker 1"), and a mono recording has no speakers at all. Every turn is scored with plain
regular-expression cues, each with a weight:

* agent cues: the greeting ("thank you for calling", "how can I help"), introducing
  themselves ("this is Maria speaking", "you're speaking with"), verification ("can I have
  your account number / date of birth", "for security"), procedure ("let me check",
  "I can see on your account", "bear with me"), commitments ("I've processed", "the refund
  will") and the close ("is there anything else I can help you with").
* customer cues: stating the reason ("I'm calling about", "I was charged"), possessives of
  the product ("my bill", "my internet", "my order"), repeat and escalation talk ("the third
  time", "speak to a manager", "cancel my account").

A turn's score is the agent weights minus the customer weights that match it (positive leans
agent).

**With speaker labels** (``speaker_names[i]`` is turn *i*'s raw label): turns already mapped
to a role by the parser (labels such as "Agent" or "Caller") keep it. The other labels are
decided as a whole, by the sum of their turns' scores. If nobody is an agent yet, the label
with the highest total becomes the agent (a tie goes to the label that spoke first, because
agents usually open the call); if nobody is a customer yet, the label with the lowest total
becomes the customer (a tie goes to the label that spoke later). So a two-party call always
gets one of each, decided by comparison rather than by a fixed bar. Any further label is an
agent with a positive total, a customer with a negative one, and otherwise stays "unknown"
rather than being guessed (a third voice with no cues, e.g. a colleague who only said hello).

**Without labels** (mono ASR, or unlabelled lines): each turn whose speaker is "unknown" is
decided on its own score when the score is clear (|score| >= 1); otherwise it takes the
opposite of the nearest decided turn before it (or, for leading turns, the opposite of the
first decided turn after them). Consecutive turns by the same person are therefore only
kept together when the text says so; that is the price of not assuming alternation. A call
with no cue at all is read as alternating, agent first. Turns with a known speaker (stereo
ASR, JSON) are never changed.
"""

from __future__ import annotations

import re

from aftercall.nlp.transcript import Speaker, Transcript

_I = re.IGNORECASE
AGENT_CUES: list[tuple[re.Pattern[str], float]] = [
    (
        re.compile(
            r"\bthanks?(?: you)? (?:so much |very much )?for (?:calling|contacting|holding|"
            r"waiting|your patience|choosing|being a)",
            _I,
        ),
        3.0,
    ),
    (re.compile(r"\bhow (?:can|may|could|might) (?:i|we) (?:help|assist)", _I), 3.0),
    (re.compile(r"\bwhat can i (?:do|help you with)\b", _I), 2.0),
    (re.compile(r"\b(?:this is|it's) \w+(?: \w+)? speaking\b", _I), 3.0),
    (re.compile(r"\byou(?:'re| are) (?:speaking|through) (?:to|with)\b", _I), 3.0),
    (re.compile(r"\byou(?:'ve| have) (?:reached|come through to)\b", _I), 3.0),
    (re.compile(r"\bwelcome to\b", _I), 2.0),
    (
        re.compile(
            r"\b(?:can|could|may) i (?:have|get|take|grab|confirm|ask for) (?:your|the)\s+"
            r"(?:full )?(?:account|order|reference|ref|policy|member|customer|case|ticket|"
            r"date of birth|dob|postcode|post code|zip|name|phone|email|address|"
            r"last four|security)",
            _I,
        ),
        3.0,
    ),
    (
        re.compile(r"\b(?:could|can) you (?:please )?(?:confirm|verify|spell|provide)\b", _I),
        2.0,
    ),
    (re.compile(r"\bfor (?:security|verification)(?: purposes| reasons)?\b", _I), 2.0),
    (re.compile(r"\bis there anything else (?:i|we) can\b", _I), 3.0),
    (re.compile(r"\banything else (?:i|we) can (?:help|do|assist)\b", _I), 2.0),
    (
        re.compile(
            r"\b(?:let me|i'll just|i will just|allow me to|i'm going to) (?:check|look|pull up|"
            r"see|transfer|put you|bring up|have a look|take a look|verify|open)\b",
            _I,
        ),
        2.0,
    ),
    (
        re.compile(r"\b(?:bear with me|one moment(?:,)? please|please hold|on a brief hold)\b", _I),
        2.0,
    ),
    (re.compile(r"\bi can see (?:that|your|the|on|here|you|there)\b", _I), 2.0),
    (re.compile(r"\bon your account\b", _I), 1.5),
    (
        re.compile(r"\bour (?:records|system|systems|policy|team|technicians?|engineers?)\b", _I),
        1.5,
    ),
    (
        re.compile(
            r"\bi(?:'ve| have) (?:gone ahead and |just |now )?(?:processed|issued|credited|"
            r"escalated|reset|refunded|scheduled|booked|logged|raised|applied|waived|reversed)\b",
            _I,
        ),
        2.0,
    ),
    (re.compile(r"\b(?:the|your) (?:refund|technician|engineer|credit) will\b", _I), 1.5),
    (re.compile(r"\bwould you like (?:me )?to\b", _I), 1.0),
    (re.compile(r"\bis that (?:correct|right)\?", _I), 1.0),
    (
        re.compile(r"\bi (?:do )?apologi[sz]e\b|\bi'm (?:so |very |really )?sorry to hear\b", _I),
        1.0,
    ),
    (
        re.compile(
            r"\bhave a (?:great|good|nice|lovely|wonderful) (?:day|evening|afternoon|"
            r"weekend)\b",
            _I,
        ),
        0.5,
    ),
    (re.compile(r"\byour (?:account|order|refund|ticket|case|reference)\b", _I), 0.5),
    (
        re.compile(
            r"\b(?:my pleasure|you're (?:very )?welcome|happy to help|glad (?:i|we) could "
            r"help)\b",
            _I,
        ),
        1.5,
    ),
]
CUSTOMER_CUES: list[tuple[re.Pattern[str], float]] = [
    (
        re.compile(
            r"\bi(?:'m| am) (?:calling|ringing|phoning|contacting you|reaching out)\b"
            r"|\bi(?:'ve| have) been trying to\b",
            _I,
        ),
        3.0,
    ),
    (
        re.compile(
            r"\bi (?:called|rang|phoned|spoke to someone) (?:yesterday|last|before|"
            r"earlier|about)\b",
            _I,
        ),
        2.5,
    ),
    (
        re.compile(
            r"\bmy (?:order|bill|internet|account|package|parcel|router|phone|card|payment|"
            r"subscription|refund|service|connection|wifi|wi-fi|password|delivery|modem|tv|"
            r"broadband|plan|contract|statement|app|login|appointment|technician|money)\b",
            _I,
        ),
        1.0,
    ),
    (re.compile(r"\bi (?:was|got|have been|'ve been) (?:charged|billed|overcharged)\b", _I), 2.5),
    (re.compile(r"\bi (?:can't|cannot|can not|couldn't) (?:log|sign|get|access)\b", _I), 1.5),
    (
        re.compile(
            r"\bi(?:'ve| have) (?:already )?(?:tried|restarted|reset|unplugged|been "
            r"waiting)\b",
            _I,
        ),
        1.5,
    ),
    (re.compile(r"\b(?:speak|talk) (?:to|with) (?:a|your) (?:supervisor|manager)\b", _I), 3.0),
    (re.compile(r"\bcancel my\b|\bclose my account\b", _I), 2.0),
    (re.compile(r"\b(?:second|third|fourth|fifth) time\b", _I), 1.5),
    (re.compile(r"\byour (?:company|website|app|service|people|technician|engineer)\b", _I), 1.0),
    (re.compile(r"\b(?:can|could) you (?:help|check|tell|fix|look)\b", _I), 1.0),
    (re.compile(r"\bi (?:want|need|would like|'d like) (?:to|a|my|the)\b", _I), 1.0),
    (re.compile(r"\bwhen (?:will|do|can) i (?:get|receive|see|expect)\b", _I), 2.0),
    (re.compile(r"\bmy (?:name is|account number is)\b", _I), 0.5),
    # confirming a fix is the customer's line
    (
        re.compile(
            r"\b(?:that(?:'s| is) exactly what i (?:wanted|needed)|that fixed it|it works now|"
            r"thanks? (?:you )?(?:so much )?for (?:your|all your) help)\b",
            _I,
        ),
        2.0,
    ),
]
CLEAR = 1.0


def turn_score(text: str) -> float:
    """Agent cue weights minus customer cue weights that match this text."""
    text = text[:5000]  # the opening of a very long turn says enough
    agent = sum(w for rx, w in AGENT_CUES if rx.search(text))
    customer = sum(w for rx, w in CUSTOMER_CUES if rx.search(text))
    return agent - customer


def _opposite(role: Speaker) -> Speaker:
    return "customer" if role == "agent" else "agent"


def _by_labels(transcript: Transcript, names: list[str | None]) -> list[Speaker]:
    speakers: list[Speaker] = [t.speaker for t in transcript.turns]
    totals: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    fixed: dict[str, Speaker] = {}
    for i, (turn, raw) in enumerate(zip(transcript.turns, names, strict=True)):
        if raw is None:
            continue
        key = raw.strip().lower()
        first_seen.setdefault(key, i)
        if turn.speaker != "unknown":
            fixed[key] = turn.speaker
        totals[key] = totals.get(key, 0.0) + turn_score(turn.text)
    roles: dict[str, Speaker] = dict(fixed)
    undecided = [k for k in totals if k not in roles]
    if undecided and "agent" not in roles.values():
        pick = max(undecided, key=lambda k: (totals[k], -first_seen[k]))
        roles[pick] = "agent"
        undecided.remove(pick)
    if undecided and "customer" not in roles.values():
        pick = min(undecided, key=lambda k: (totals[k], -first_seen[k]))
        roles[pick] = "customer"
        undecided.remove(pick)
    for key in undecided:
        if totals[key] > 0:
            roles[key] = "agent"
        elif totals[key] < 0:
            roles[key] = "customer"
    for i, raw in enumerate(names):
        if raw is not None:
            speakers[i] = roles.get(raw.strip().lower(), "unknown")
    return speakers


def _by_cues(transcript: Transcript, current: list[Speaker], eligible: set[int]) -> list[Speaker]:
    """Decide the eligible unknown turns from their cues, then from their neighbours."""
    speakers = list(current)
    open_idx = [i for i, s in enumerate(speakers) if s == "unknown" and i in eligible]
    if not open_idx:
        return speakers
    for i in open_idx:
        score = turn_score(transcript.turns[i].text)
        if score >= CLEAR:
            speakers[i] = "agent"
        elif score <= -CLEAR:
            speakers[i] = "customer"
    if all(speakers[i] == "unknown" for i in range(len(speakers))):
        for i in open_idx:
            speakers[i] = "agent" if i % 2 == 0 else "customer"
        return speakers
    for i in open_idx:
        if speakers[i] != "unknown":
            continue
        before = next((speakers[j] for j in range(i - 1, -1, -1) if speakers[j] != "unknown"), None)
        if before is not None:
            speakers[i] = _opposite(before)
            continue
        after = next(
            ((j, speakers[j]) for j in range(i + 1, len(speakers)) if speakers[j] != "unknown"),
            None,
        )
        if after is not None:
            j, role = after
            # leading turns alternate back from the first decided one
            speakers[i] = role if (j - i) % 2 == 0 else _opposite(role)
    return speakers


def infer_roles(
    transcript: Transcript, speaker_names: list[str | None] | None = None
) -> Transcript:
    """Return the transcript with each turn's speaker set to agent / customer where it can be
    decided (see the module docstring for how). The input is not modified."""
    if not transcript.turns:
        return transcript
    names = list(speaker_names or [])
    if len(names) != len(transcript.turns):
        names = (names + [None] * len(transcript.turns))[: len(transcript.turns)]
    names = [n if n and n.strip() else None for n in names]
    speakers: list[Speaker] = [t.speaker for t in transcript.turns]
    if any(n is not None for n in names):
        speakers = _by_labels(transcript, names)
    # turns without a label are decided one by one; a labelled voice left undecided stays so
    speakers = _by_cues(transcript, speakers, {i for i, n in enumerate(names) if n is None})
    turns = [
        t if t.speaker == s else t.model_copy(update={"speaker": s})
        for t, s in zip(transcript.turns, speakers, strict=True)
    ]
    return transcript.model_copy(update={"turns": turns})
