"""The call as what happened: what the customer needed, what the agent did about each need,
and how the customer left.

A call is not unresolved because it sounds unhappy, nor resolved because it ends warmly. The
customer came with needs: a **problem** (something went wrong), a **routine** request (pay,
order, replace, change, book, cancel) or a **question**. For each, the agent did something:
**done** on the call, **promised** for later, **transferred**, **declined**, **deflected**, or
**nothing** we can see. Then the customer left: **accepted**, **dissatisfied**, **gave_up**, or
with **no_stance**. The outcome follows from that chain:

* ``no_problem``: only routine requests or questions, all done or answered;
* ``resolved``: a problem, done on the call, and the customer did not leave unhappy;
* ``pending``: all that is left is a promise with a due time (a case only if it comes due
  unkept: the promise ledger's work);
* ``unresolved``: a need declined, deflected, passed on or left alone, or a customer who left
  dissatisfied or gave up after the last thing the agent did.

These are word rules over the turns (curly quotes folded), read as a person reads a call: in
order, by speaker. The detector (detector.py) adds the chain to its features, so the trained
outcome model weighs it with the rest; ``p_unresolved`` stays the calibrated score, and the
chain says which of the three not-flagged outcomes a call is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aftercall.nlp.transcript import Turn

NeedKind = Literal["problem", "routine", "question"]
Handled = Literal["done", "promised", "transferred", "declined", "deflected", "nothing"]
Left = Literal["accepted", "dissatisfied", "gave_up", "no_stance"]
Outcome = Literal["resolved", "pending", "unresolved", "no_problem"]

_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " "})
_FILLER = re.compile(r"\b(?:um+|uh+|erm|like|you know|i mean)\b[, ]*")


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


# --- the customer's needs ---------------------------------------------------------------------
ROUTINE = _rx(
    r"\b(?:pay|paying)\b.{0,20}\b(?:bill|balance|invoice|premium)\b",
    r"\bmake (?:a|my|the) payment\b",
    r"\btransfer\b.{0,25}\b(?:money|funds|\$?\d+|dollars|from my|to my)\b",
    r"\b(?:lost|misplaced|stolen)\b.{0,15}\b(?:card|wallet|debit|credit)\b",
    r"\b(?:new|replacement|replace)\b.{0,12}\bcard\b",
    r"\b(?:change|update|correct)\b.{0,20}\b(?:address|phone number|email|e-mail|name|pin|"
    r"password|plan|payment method|card on file)\b",
    r"\breset\b.{0,15}\b(?:password|pin)\b",
    r"\b(?:book|schedule|make|set up|move|reschedule|cancel|change)\b.{0,20}\b(?:appointment|"
    r"reservation|booking|visit|delivery|pickup|pick-up)\b",
    r"\b(?:check|know|get|what's|what is)\b.{0,20}\b(?:my )?(?:balance|statement)\b",
    r"\b(?:open|close|set up)\b.{0,12}\b(?:an? |my )?(?:new )?(?:account|savings|checking)\b",
    r"\b(?:order|buy|purchase|upgrade|renew|activate|add)\b.{0,25}\b(?:plan|card|line|"
    r"subscription|policy|service|order|package|device|phone|coverage)\b",
    r"\bcancel\b.{0,20}\b(?:my )?(?:subscription|membership|account|service|policy|plan)\b",
    r"\bautopay\b|\bdirect debit\b|\bpaperless\b",
    r"\b(?:i'd|i would|i want|i need|i wanna|want|like) to (?:pay|order|book|schedule|transfer|"
    r"change|update|cancel|open|close|add|renew|activate|replace|set up)\b",
)
QUESTION = _rx(
    r"^(?:hi|hello|hey|yes|yeah|ok|okay|so|and|but|well)?[ ,]*(?:what|when|where|how|which|who|"
    r"is there|are there|do you|does|can i|could you tell|could i|i was wondering|i wanted to "
    r"(?:ask|know|check))\b",
)
# a question put as a statement ("I just wanted to check what time you close")
ASKING = _rx(
    r"\b(?:i|i'm|i am)(?: just)? (?:wanted|want|wanting|calling|trying|need|needed) to "
    r"(?:check|ask|know|find out|confirm|see) (?:what|when|where|how|if|whether|which|why)\b",
    r"\b(?:can|could) you tell me\b|\bi was wondering\b",
)
# something went wrong: words a person uses to report a fault, not to ask for a service
PROBLEM = _rx(
    r"\b(?:not|isn't|aren't|wasn't|weren't|doesn't|don't|didn't|won't|can't|cannot|couldn't|"
    r"haven't|hasn't|never)\b.{0,25}\b(?:work|working|arrive[d]?|received?|get|got|load|"
    r"connect|charge[d]?|show(?:ing|n)?|turn(?:ing)? on|come|came|refund(?:ed)?|fix(?:ed)?|"
    r"heard|paid|log ?in|access)\b",
    r"\b(?:charged|billed)\b.{0,20}\b(?:twice|double|wrong|extra|again|for something|too much)\b",
    r"\b(?:charged|billed)\b.{0,40}\b(?:cancel+ed|returned|never|didn't|did not|wasn't|already)\b",
    r"\b(?:double|overcharg|wrong(?:ly)?|incorrect|mistake|error|broken|damaged|defective|"
    r"faulty|missing|late|delayed|outage|down|declined|denied|rejected|lost my|stolen|fraud|"
    r"keeps? (?:dropping|crashing|failing|freezing|happening)|stopped working|crash)\w*",
    r"\b(?:still|again|third time|second time|nobody|no one)\b.{0,30}\b(?:call(?:ed|ing)?|"
    r"waiting|not|hasn't|haven't|back|happen)\b",
    r"\b(?:problem|issue|complaint|dispute|refund|compensat)\w*\b",
    r"\b(?:is|are|was|were|been|went|keeps? going|goes) (?:out|down|dead|offline|blocked|locked|"
    r"broken|cut off|stuck|frozen|wrong|missing)\b",
    r"\b(?:locked|blocked|shut|kicked) out\b|\bexpired\b",
    r"\b(?:too|so|really|very|way) (?:high|expensive|slow)\b|\bhigher than\b|"
    r"\bmore than (?:usual|normal|last)\b|\busually (?:about|around|only|just)\b",
)

# --- what the agent did -------------------------------------------------------------------------
_DONE_VERBS = (
    r"ordered|sent|scheduled|booked|processed|updated|changed|reset|cancell?ed|transferred|paid|"
    r"issued|credited|refunded|removed|waived|fixed|added|activated|set up|applied|submitted|"
    r"placed|unlocked|reactivated|replaced|corrected|reversed|reissued|restored|resolved|"
    r"confirmed|rebooked|moved|adjusted|escalated and fixed|closed|opened|renewed|approved|"
    r"re-?sent|dispatched|switched|enabled|disabled|cleared|released|posted|completed|emailed|"
    r"texted|mailed|restarted|rebooted|refreshed|re-?enabled|unblocked|lifted|extended"
)
DONE = _rx(
    rf"\b(?:i|we)(?:'ve| have)? (?:just |now |already |gone ahead and |went ahead and )?"
    rf"(?:{_DONE_VERBS})\b",
    rf"\b(?:it|that|this|everything|the \w+|your \w+(?: \w+)?)(?:'s| is| has| was| have| are)"
    rf"(?: now| been| all| just| successfully)* (?:{_DONE_VERBS}|done|all set|taken care of|"
    r"complete|good to go|working|back (?:on|up)|fixed|sorted|on (?:its|the) way|in the mail)\b",
    r"\byou(?:'re| are) (?:all set|good to go|set|all done|confirmed|booked|scheduled)\b",
    rf"\b(?:has|have|had) (?:now |just |already |successfully )?been (?:{_DONE_VERBS})\b",
    rf"\b(?:i|we)(?:'ve| have) (?:\w+ ){{1,3}}(?:{_DONE_VERBS})(?: for you| now|$)",
    rf"\b(?:{_DONE_VERBS}) (?:that |it |this )?for you\b",
    r"\bbalance\b.{0,25}\b(?:is|of|shows)\b.{0,20}\b(?:\d|dollars?|cents?|zero|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|hundred|thousand)",
    r"\byou should (?:now |already )?(?:be able to|see|have|receive)\b",
    r"\b(?:your|the) (?:current |available )?balance (?:is|shows)\b",
    r"\bconfirmation (?:number|code|email)\b",
    r"^(?:ok(?:ay)?,? )?(?:done|all done|there you go|all set)\b",
    r"\bi'm (?:sending|resetting|restarting|refreshing|rebooting|crediting|refunding|"
    r"processing|booking|updating|changing|removing|issuing) .{0,40}\bnow\b",
    r"\b(?:i can see|i see) (?:that )?(?:it|the payment|the refund)\b.{0,20}\b(?:went through|"
    r"posted|processed)\b",
    r"\bgo ahead and (?:try|restart|log in)\b.{0,40}\b(?:now)\b",
)
TRANSFER = _rx(
    r"\b(?:transfer|connect|put) you (?:to|through|over)\b",
    r"\b(?:i'll|i will|let me|i'm going to|i am going to) (?:transfer|connect|forward)\b",
    r"\byou(?:'ll| will)? (?:need|have) to (?:call|contact|speak (?:to|with)|reach out to|go to|"
    r"email|visit)\b",
)
PASS_ON = _rx(
    r"\b(?:sent|passed|forwarded|handed|referred|escalated) (?:your \w+|it|this|that|the \w+) "
    r"(?:on|along|over|up|to)\b",
)
DECLINE = _rx(
    r"\b(?:i|we)(?:'m| am| are|'re)? (?:not able|unable)\b",
    r"\b(?:i|we) (?:can't|cannot|can not|couldn't|won't be able)\b",
    r"\b(?:there's|there is) (?:nothing|no way|not much)\b",
    r"\bnot (?:possible|something (?:we|i) can)\b",
    r"\b(?:unfortunately|i'm afraid|i am afraid)\b",
    r"\b(?:our|the) (?:policy|system) (?:doesn't|does not|won't|will not|is down|isn't)\b",
    r"\b(?:system|systems|tool|computer)(?:'s| is| are) (?:down|not working|not letting|"
    r"not loading|acting up)\b",
    r"\b(?:denied|declined|not covered|not eligible|ineligible|outside (?:the|our))\b",
)
DEFLECT = _rx(
    r"\bnothing (?:i|we) can do\b",
    r"\bnot (?:my|our) (?:department|responsibility|fault|problem)\b",
    r"\b(?:that's|that is) (?:on|up to) (?:the|your)\b",
    r"\b(?:manufacturer|carrier|third party|your bank)\b.{0,30}\b(?:contact|call|responsib)\w*",
)
PROMISE = _rx(
    r"\b(?:i'll|i will|we'll|we will|someone will|somebody will|they'll|they will|a \w+ will|"
    r"it will|it'll|should|you'll|you will)\b.{0,40}\b(?:call you|get back|follow up|email you|"
    r"send|be (?:processed|credited|refunded|reflected|posted|there|delivered|out|in touch)|"
    r"arrive|come out|receive|see (?:it|the)|hear from|reach out|look into|investigate|"
    r"escalat|review)\w*",
    r"\bwithin \d+\b|\b\d+ (?:to|-) \d+ (?:business |working )?days\b|\bby (?:monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|tomorrow|end of (?:the )?(?:day|week))\b",
)
VAGUE = _rx(
    r"\b(?:may|might|could|hopefully|possibly|try to|see if|see what)\b",
    r"\bno (?:guarantee|promises)\b",
)

# --- how the customer left -----------------------------------------------------------------------
# "okay, thanks, bye" closes a call; it accepts nothing (the agent's fix may not have worked)
ACCEPT = _rx(
    r"\b(?:appreciate|perfect|great|awesome|wonderful|excellent|fantastic|brilliant|lovely|"
    r"amazing|sounds good|that works|works for me|that's fine|that's all|that's it|that helps|"
    r"helpful|you've been|all good|no problem|thank(?:s| you) (?:so much|very much|a lot|for "
    r"(?:fixing|sorting|helping|your help|taking care|getting))|much obliged)\b",
    r"\b(?:it|that|everything|this)(?:'s| is)? (?:working|works|fixed|sorted|solved|done|"
    r"showing|there|gone|back)\b",
    r"\b(?:i|i've) (?:see|got|have|received) (?:it|the)\b",
)
CONFIRM = _rx(
    r"\b(?:it|everything|this|internet|app|card|account|service|phone)(?:'s| is| are)? "
    r"(?:now )?(?:working|works|fixed|sorted|solved|resolved|back|showing|gone|fine|correct|"
    r"right)\b",
    # "that works" agrees to a plan; "that's fixed" reports a fix
    r"\bthat(?:'s| is| has been)? (?:now )?(?:fixed|sorted|solved|resolved|working now|gone)\b",
    r"\b(?:i|i've|i have) (?:can see|see|got|received|have) (?:it|the (?:refund|credit|email|"
    r"code|text|confirmation))\b",
    r"\b(?:that|this) (?:fixed|solved|did) (?:it|the trick)\b",
    r"\bperfect\b|\bexactly what i (?:needed|wanted)\b|\bthat's (?:all|everything) i needed\b",
)
DISSATISFIED = _rx(
    r"\b(?:still|yet) (?:not|isn't|doesn't|don't|haven't|hasn't|no|broken|wrong|nothing)\b",
    r"\bnot (?:happy|satisfied|ok|okay|acceptable|good enough|fixed|solved|resolved|what i)\b",
    r"\b(?:unacceptable|ridiculous|useless|pathetic|absurd|joke|waste of (?:my )?time|"
    r"worst|terrible|awful|disappointed|frustrat\w*|fed up)\b",
    r"\bthat (?:doesn't|does not|didn't|did not|won't|will not) (?:help|work|fix|solve)\b",
    r"\b(?:supervisor|manager|escalate|complaint|lawyer|report you|bbb)\b",
    r"\b(?:cancel|close|leave|switch|take my business)\b.{0,25}\b(?:account|service|elsewhere|"
    r"provider|somewhere|competitor)\b",
    # doubt that what was promised will happen
    r"\b(?:i've|i have) (?:been told|heard) (?:that|this) before\b|\bi'll believe it when\b|"
    r"\bwe'll see\b|\bi doubt (?:it|that)\b",
)
GAVE_UP = _rx(
    r"\b(?:forget it|never ?mind|whatever|i give up|i'm done|i am done|don't bother|"
    r"i guess (?:i'll|i will|i have to|that's)|fine,? i'll|i'll (?:just )?(?:figure|deal with|"
    r"try|do) it (?:myself|another way)|i'll go (?:elsewhere|somewhere else)|no point)\b",
)
_QUESTION_END = re.compile(r"\?\s*$")
# the agent moving on: what was asked is taken as done (a routine request, not a fault)
WRAP_UP = _rx(r"\banything else (?:i|we) can (?:help|do|assist)\b", r"\bis there anything else\b")


# The chain as features of the outcome model, with what each means for a reviewer.
STORY_LABELS: dict[str, str] = {
    "s_routine_only": "only routine requests or questions",
    "s_problems": "problems the customer stated",
    "s_all_done": "every need done on the call",
    "s_problem_done": "every problem done on the call",
    "s_promised": "a need left to a promise",
    "s_declined": "a need declined or deflected",
    "s_transferred": "a need passed to someone else",
    "s_nothing": "a need with nothing seen done",
    "s_left_accepted": "customer left accepting",
    "s_left_dissatisfied": "customer left dissatisfied",
    "s_left_gave_up": "customer gave up",
    "s_confirmed": "customer confirmed it works",
    "s_wrapped_up": 'agent moved on ("anything else?")',
    "s_unresolved": "the chain reads unresolved",
}
STORY_FEATURES: tuple[str, ...] = tuple(STORY_LABELS)


@dataclass
class Need:
    kind: NeedKind
    text: str
    turn_idx: int
    start_s: float | None
    handled: Handled = "nothing"
    handled_turn: int | None = None
    handled_text: str = ""


@dataclass
class CallStory:
    needs: list[Need] = field(default_factory=list)
    left: Left = "no_stance"
    left_text: str = ""
    confirmed: bool = False  # the customer said it works / they have it, after the last action
    wrapped_up: bool = False  # the agent asked "anything else?" after the last need
    outcome: Outcome = "resolved"

    def features(self) -> dict[str, float]:
        """The chain as numbers for the outcome model (nlp/outcome.py STORY_FEATURES)."""
        kinds = [n.kind for n in self.needs]
        handled = [n.handled for n in self.needs]
        problems = [n for n in self.needs if n.kind == "problem"]
        return {
            "s_routine_only": float(bool(self.needs) and "problem" not in kinds),
            "s_problems": float(min(3, len(problems))),
            "s_all_done": float(bool(self.needs) and all(h == "done" for h in handled)),
            "s_problem_done": float(bool(problems) and all(n.handled == "done" for n in problems)),
            "s_promised": float(any(h == "promised" for h in handled)),
            "s_declined": float(any(h in ("declined", "deflected") for h in handled)),
            "s_transferred": float(any(h == "transferred" for h in handled)),
            "s_nothing": float(any(h == "nothing" for h in handled)),
            "s_left_accepted": float(self.left == "accepted"),
            "s_left_dissatisfied": float(self.left == "dissatisfied"),
            "s_left_gave_up": float(self.left == "gave_up"),
            "s_confirmed": float(self.confirmed),
            "s_wrapped_up": float(self.wrapped_up),
            "s_unresolved": float(self.outcome == "unresolved"),
        }

    def as_json(self) -> list[dict[str, object]]:
        return [
            {"kind": n.kind, "text": n.text, "start_s": n.start_s, "handled": n.handled}
            for n in self.needs
        ]

    def describe(self) -> list[str]:
        """The chain in words, one line per need, then how the customer left."""
        lines = []
        for n in self.needs:
            did = {
                "done": "done on the call",
                "promised": "promised for later",
                "transferred": "passed to someone else",
                "declined": "declined",
                "deflected": "deflected",
                "nothing": "nothing seen done about it",
            }[n.handled]
            said = f': "{n.handled_text}"' if n.handled_text else ""
            lines.append(f'customer {n.kind}: "{n.text}" (turn {n.turn_idx}) -> {did}{said}')
        how = {
            "accepted": "accepted",
            "dissatisfied": "left dissatisfied",
            "gave_up": "gave up",
            "no_stance": "took no stance",
        }[self.left]
        quote = f' ("{self.left_text}")' if self.left_text else ""
        confirmed = "; confirmed it works" if self.confirmed else ""
        lines.append(f"customer {how}{quote}{confirmed}; the chain reads {self.outcome}")
        return lines


def fold(text: str) -> str:
    """Lower case, curly quotes straight, fillers out: the form the rules read."""
    return _FILLER.sub("", text.translate(_FOLD).lower())


def _statements(text: str) -> str:
    """The turn without its questions: "so is it working now?" confirms nothing."""
    return " ".join(s for s in _sentences(fold(text)) if not s.rstrip().endswith("?"))


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _need_of(sentence: str) -> NeedKind | None:
    s = fold(sentence)
    if CONFIRM.search(s) and not _QUESTION_END.search(s):
        return None  # "that has solved the problem" reports a fix, not a need
    problem, routine = PROBLEM.search(s), ROUTINE.search(s)
    if problem and not routine:
        return "problem"
    if routine:
        # a lost or stolen card is a request for a new one unless something else went wrong
        return "problem" if problem and "card" not in s else "routine"
    if (_QUESTION_END.search(s) and QUESTION.search(s.strip())) or ASKING.search(s):
        return "question"
    return None


def _action_of(text: str) -> Handled | None:
    """What one agent turn did, the strongest act first: an act that closes the need (done)
    wins over talk around it, a refusal over a promise made in the same breath."""
    s = fold(text)
    if DEFLECT.search(s):
        return "deflected"
    if PASS_ON.search(s):
        return "transferred"
    done = DONE.search(s)
    declined = DECLINE.search(s)
    if done and not (declined and declined.start() > done.start()):
        # "i've processed the refund, it will post in 3-5 days": done, with a time for the
        # money to arrive; a plain "it will be processed" stays a promise
        return "done"
    if declined:
        return "declined"
    if TRANSFER.search(s):
        return "transferred"
    if PROMISE.search(s):
        return "promised"
    return None


# which of an agent's acts after a need says most about it
_RANK = {"done": 5, "declined": 4, "deflected": 4, "transferred": 3, "promised": 2}


def read_call(turns: Sequence[Turn]) -> CallStory:
    """The chain for one call: needs in the order the customer stated them, what the agent did
    after each, and how the customer left."""
    story = CallStory()
    agent_acts: list[tuple[int, Handled, str]] = []
    for i, turn in enumerate(turns):
        if not turn.text.strip():
            continue
        if turn.speaker == "agent":
            act = _action_of(turn.text)
            if act:
                agent_acts.append((i, act, turn.text))
            continue
        if turn.speaker != "customer":
            continue
        for sentence in _sentences(turn.text):
            kind = _need_of(sentence)
            if kind is None:
                continue
            # a restatement of a need already heard adds nothing; a new problem does
            if any(n.kind == kind and n.turn_idx >= i - 2 for n in story.needs):
                continue
            story.needs.append(Need(kind, _clip(sentence), i, turn.start_s))
            break
    # a call with no stated need: the customer's first turn with content is what they wanted
    if not story.needs:
        first = next(
            (i for i, t in enumerate(turns) if t.speaker == "customer" and t.text.strip()), None
        )
        if first is not None and any(a[0] > first for a in agent_acts):
            story.needs.append(
                Need("question", _clip(turns[first].text), first, turns[first].start_s)
            )
    # each need is handled by the last decisive act before the next need of the customer
    for k, need in enumerate(story.needs):
        end = story.needs[k + 1].turn_idx if k + 1 < len(story.needs) else len(turns)
        acts = [a for a in agent_acts if need.turn_idx < a[0]]
        own = [a for a in acts if a[0] < end] or acts[-1:]  # later acts answer it too
        if own:
            best = max(own, key=lambda a: (_RANK[a[1]], a[0]))
            # a refusal after a fix was done ("i've reset it ... unfortunately that won't fix")
            last = own[-1]
            pick = last if last[1] in ("declined", "deflected") and last[0] > best[0] else best
            need.handled, need.handled_turn, need.handled_text = pick[1], pick[0], _clip(pick[2])
    last_need = story.needs[-1].turn_idx if story.needs else -1
    story.wrapped_up = any(
        t.speaker == "agent" and i > last_need and WRAP_UP.search(fold(t.text))
        for i, t in enumerate(turns)
    )
    last_act = agent_acts[-1] if agent_acts else None
    _how_they_left(turns, story, last_act[0] if last_act else -1)
    story.outcome = _outcome(story)
    return story


def _how_they_left(turns: Sequence[Turn], story: CallStory, after: int) -> None:
    """The customer's stance in their last turns, and whether they confirmed it works after
    the agent's last act. Dissatisfaction late in the call outweighs a polite goodbye."""
    customer = [
        (i, t, _statements(t.text))
        for i, t in enumerate(turns)
        if t.speaker == "customer" and t.text.strip()
    ]
    stance: Left = "no_stance"
    text = ""
    for _, t, s in customer[-3:]:
        if GAVE_UP.search(s):
            stance, text = "gave_up", t.text
        elif DISSATISFIED.search(s) and not CONFIRM.search(s):
            stance, text = "dissatisfied", t.text
        elif ACCEPT.search(s) and stance == "no_stance" or ACCEPT.search(s) and CONFIRM.search(s):
            stance, text = "accepted", t.text
    story.left, story.left_text = stance, _clip(text, 70)
    story.confirmed = any(
        CONFIRM.search(s) and not re.search(r"\bnot\b|n't\b", s)
        for i, _, s in customer
        if i >= after and i >= (customer[-4][0] if len(customer) >= 4 else 0)
    )


def _outcome(story: CallStory) -> Outcome:
    needs = story.needs
    settled: Outcome = "no_problem" if all(n.kind != "problem" for n in needs) else "resolved"
    if story.left in ("gave_up", "dissatisfied") and not story.confirmed:
        return "unresolved" if needs else "resolved"
    if not needs:
        return "resolved"
    handled = [n.handled for n in needs]
    if any(h in ("declined", "deflected", "transferred") for h in handled) and not story.confirmed:
        return "unresolved"
    open_needs = [n for n in needs if n.handled != "done"]
    if not open_needs or story.confirmed:
        return settled
    if all(n.handled == "promised" for n in open_needs):
        return "pending"
    # needs with nothing seen done: answers in words are not caught by the rules, and an
    # agent who moves on to "anything else?" with no complaint after took a routine request
    # as done
    routine = all(n.kind != "problem" for n in open_needs)
    if routine and (
        (story.wrapped_up and story.left in ("accepted", "no_stance"))
        or (story.left == "accepted" and all(n.kind == "question" for n in open_needs))
    ):
        return settled
    return "unresolved"
