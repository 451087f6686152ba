"""Agent promises and when they fall due (PLAYBOOK rule 8: the promise ledger).

The signals component finds a promise's trigger ("I'll call you back", "the refund will post",
"a technician will come"); this module turns each trigger into a :class:`Promise`: the agent's
sentence, what sort of promise it is, and its due time resolved against the call's start.

How a due time is worked out, first rule that applies wins, all in the call's own time zone:

* durations: "within 48 hours" / "in 2 hours" / "24 to 48 hours" -> start + the longer bound;
  "5 to 7 business (working) days" -> the later bound counted in business days (Saturdays and
  Sundays skipped; public holidays are not known) at end of business (17:00); "3 to 5 days",
  "a couple of days", "two weeks" -> calendar days at 17:00.
* a day ("today", "tomorrow", "the day after tomorrow", "Thursday", "next Thursday", "end of
  the week", "next week", "end of the month") combined with an optional part of the day
  ("morning" -> 12:00, "afternoon" / "end of day" / "close of business" -> 17:00, "evening"
  / "tonight" -> 21:00, "noon" -> 12:00, a clock time "by 3 pm", a window "between 8 and 12"
  -> its end). A day alone is due at 17:00; a part of the day alone means today (tomorrow when
  that time has already passed at the call's start). A bare weekday is the next such day
  after the call's date (a week on when it is the same day); "next <weekday>" is the one in
  the following calendar week; "next week" is due Friday 17:00 of that week.
* anything else that dateparser finds with a month name or a day-of-month ("on the 23rd",
  "November 20") with RELATIVE_BASE = the call start and PREFER_DATES_FROM = "future".

Without a call start time nothing can be resolved: ``due_at`` is None and ``due_text`` keeps the
words. A naive start time is taken to be UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel

from aftercall.nlp.transcript import Speaker

END_OF_BUSINESS = time(17, 0)
PARTS_OF_DAY = {
    "morning": time(12, 0),
    "lunchtime": time(14, 0),
    "afternoon": time(17, 0),
    "evening": time(21, 0),
    "tonight": time(21, 0),
    "night": time(21, 0),
    "noon": time(12, 0),
    "midday": time(12, 0),
    "midnight": time(23, 59),
    "eod": END_OF_BUSINESS,
    "cob": END_OF_BUSINESS,
    "end of day": END_OF_BUSINESS,
    "end of the day": END_OF_BUSINESS,
    "end of business": END_OF_BUSINESS,
    "end of the business day": END_OF_BUSINESS,
    "close of business": END_OF_BUSINESS,
    "close of play": END_OF_BUSINESS,
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-eight": 48,
    "seventy-two": 72,
    "twenty-four": 24,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
    "several": 5,
}
_NUM = (
    r"(?:\d{1,3}|a\s+couple(?:\s+of)?|a\s+few|couple(?:\s+of)?|few|several|an?|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|"
    r"twenty-four|forty-eight|seventy-two)"
)
_RANGE = rf"(?P<lo>{_NUM})(?:\s*(?:to|-|–|or|and)\s*(?P<hi>{_NUM}))?"
RE_BUSINESS_DAYS = re.compile(rf"\b{_RANGE}\s+(?:business|working|work)\s+days?\b", re.I)
RE_HOURS = re.compile(rf"\b{_RANGE}\s+(?P<unit>hours?|hrs?|minutes?|mins?)\b", re.I)
RE_HALF_HOUR = re.compile(r"\bhalf\s+an\s+hour\b", re.I)
RE_THE_HOUR = re.compile(r"\b(?:within|in)\s+(?:the\s+next|the|an)\s+hour\b", re.I)
RE_DAYS = re.compile(rf"\b{_RANGE}\s+(?:calendar\s+)?(?P<unit>days?|weeks?|months?)\b", re.I)
RE_DAY_AFTER = re.compile(r"\bthe\s+day\s+after\s+tomorrow\b", re.I)
RE_TODAY = re.compile(
    r"\b(?P<w>today|tomorrow|tonight|later\s+today|this\s+afternoon|"
    r"this\s+morning|this\s+evening)\b",
    re.I,
)
RE_WEEKDAY = re.compile(
    r"\b(?:(?P<mod>next|this|on|coming|by|before|until)\s+)?(?P<day>monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)s?\b",
    re.I,
)
RE_NEXT_WEEK = re.compile(r"\b(?:next|the\s+following)\s+week\b", re.I)
RE_END_WEEK = re.compile(r"\b(?:end\s+of\s+(?:the|this)\s+week|the\s+weekend|this\s+week)\b", re.I)
RE_END_MONTH = re.compile(r"\bend\s+of\s+(?:the|this)\s+month\b", re.I)
RE_PART = re.compile(
    r"\b(?P<p>end\s+of\s+"
    r"(?:the\s+)?(?:business\s+)?day|end\s+of\s+business|close\s+of\s+(?:business|play)|eod|"
    r"cob|morning|afternoon|evening|tonight|night|noon|midday|midnight|lunchtime)\b",
    re.I,
)
RE_CLOCK = re.compile(
    r"\b(?:(?:between|from)\s+(?P<a>\d{1,2})(?::\d{2})?\s*(?P<ap1>am|pm|a\.m\.|p\.m\.)?\s*"
    r"(?:and|to|-|–)\s*)?(?:(?:by|before|at|around|until|till)\s+)?"
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>am|pm|a\.m\.|p\.m\.|o'clock)\b",
    re.I,
)
RE_WINDOW = re.compile(
    r"\bbetween\s+(?P<a>\d{1,2})(?::\d{2})?\s*(?:am|pm)?\s*(?:and|to|-)\s*(?P<h>\d{1,2})"
    r"(?::(?P<m>\d{2}))?\b(?!\s*(?:business|working|calendar|days?|weeks?|hours?|months?|"
    r"minutes?|mins?|hrs?)\b)",
    re.I,
)
RE_VAGUE = re.compile(
    r"\b(?:shortly|soon|right\s+away|straight\s+away|asap|as\s+soon\s+as\s+possible|"
    r"immediately|in\s+a\s+bit|in\s+a\s+moment|in\s+a\s+second|in\s+due\s+course)\b",
    re.I,
)
RE_EXPLICIT_DATE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\b\d{1,2}(?:st|nd|rd|th)\b"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    re.I,
)

PROMISE_KINDS = ("refund", "visit", "delivery", "fix", "callback")
# "it should come back in a minute": something that happens during the call, not a promise
# for the ledger.
RE_IN_CALL = re.compile(r"\b(?:minutes?|mins?|moments?|seconds?|secs?|right\s+now)\b", re.I)


def happens_during_call(due_text: str | None) -> bool:
    return bool(due_text and RE_IN_CALL.search(due_text))


# A confirmation of the customer's own booking ("your appointment has been scheduled for
# Friday at 8:45", at a branch they will visit) is not a commitment by us to act: nothing of
# ours can be kept or broken. A visit *to* them (a technician, someone we send) stays one.
RE_BOOKING = re.compile(
    r"\b(?:your|you\s+are|you're|you\s+have|you've)\b[^.?!]{0,40}?"
    r"\b(?:appointment|booking|reservation|slot)\b[^.?!]{0,40}?"
    r"\b(?:scheduled|booked|confirmed|set|made|reserved)\b"
    r"|\byou(?:'re|\s+are)\s+(?:all\s+)?(?:booked|scheduled|confirmed)\b",
    re.I,
)
RE_WE_ACT = re.compile(
    r"\b(?:technician|tech|engineer|installer|plumber|electrician|courier|driver|crew|"
    r"someone|somebody|we'll|we\s+will|i'll|i\s+will|send|sending|come\s+out|come\s+to\s+you|"
    r"call\s+you|ring\s+you|contact\s+you|deliver|install|repair|fix)\b",
    re.I,
)


def confirms_own_booking(sentence: str) -> bool:
    """The agent confirms a booking the customer will attend, and promises nothing of ours."""
    return bool(RE_BOOKING.search(sentence)) and not RE_WE_ACT.search(sentence)


KIND_WORDS = {
    "callback": {
        "call",
        "ring",
        "phone",
        "callback",
        "contact",
        "email",
        "text",
        "message",
        "hear",
        "know",
        "update",
        "follow",
        "reach",
    },
    "refund": {
        "refund",
        "refunded",
        "credit",
        "credited",
        "reimburse",
        "reimbursed",
        "reimbursement",
        "money",
        "reverse",
        "reversed",
        "waive",
        "waived",
        "adjustment",
        "cheque",
        "check",
        "funds",
        "post",
        "posted",
    },
    "visit": {
        "technician",
        "tech",
        "engineer",
        "installer",
        "visit",
        "appointment",
        "installation",
    },
    "delivery": {
        "deliver",
        "delivered",
        "delivery",
        "ship",
        "shipped",
        "shipment",
        "package",
        "parcel",
        "courier",
        "replacement",
        "arrive",
        "dispatch",
        "dispatched",
        "tracking",
        "order",
        "send",
        "sent",
        "mail",
    },
    "fix": {
        "fix",
        "fixed",
        "repair",
        "repaired",
        "resolve",
        "resolved",
        "restore",
        "restored",
        "reconnect",
        "reconnected",
        "working",
        "patch",
        "unlock",
        "unlocked",
        "reactivate",
        "reactivated",
    },
}


class Promise(BaseModel):
    turn_idx: int
    speaker: Speaker
    text: str
    start_s: float | None
    kind: str  # callback | refund | visit | delivery | fix | other
    due_at: datetime | None
    due_text: str | None


def classify(trigger: str, sentence: str) -> str:
    """callback | refund | visit | delivery | fix | other, from the trigger's words first."""
    scores = dict.fromkeys(PROMISE_KINDS, 0)
    for weight, text in ((3, trigger), (1, sentence)):
        for word in re.findall(r"[a-z']+", text.lower()):
            for kind, words in KIND_WORDS.items():
                if word in words:
                    scores[kind] += weight
    best = max(PROMISE_KINDS, key=lambda k: scores[k])  # ties: order of PROMISE_KINDS
    return best if scores[best] else "other"


def _num(text: str | None) -> int | None:
    if not text:
        return None
    text = " ".join(text.lower().split())
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)


def _upper(match: re.Match) -> int | None:
    lo, hi = _num(match.group("lo")), _num(match.group("hi"))
    return max(v for v in (lo, hi) if v is not None) if (lo or hi) else None


def add_business_days(day: datetime, n: int) -> datetime:
    out = day
    while n > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


def _at(day: datetime, when: time) -> datetime:
    return day.replace(hour=when.hour, minute=when.minute, second=0, microsecond=0)


def _clock(match: re.Match) -> time:
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    ap = (match.groupdict().get("ap") or "").lower().replace(".", "")
    if ap == "pm" and hour < 12:
        hour += 12
    elif ap == "am" and hour == 12:
        hour = 0
    elif ap in ("", "o'clock") and 1 <= hour <= 6:
        hour += 12  # "by 3" in a service call means the afternoon
    return time(min(hour, 23), min(minute, 59))


def _weekday(base: datetime, name: str, modifier: str | None) -> datetime:
    target = WEEKDAYS.index(name.lower())
    ahead = (target - base.weekday()) % 7
    if (modifier or "").lower() == "next":
        # the one in the following calendar week (Monday to Sunday)
        next_monday = base + timedelta(days=7 - base.weekday())
        return next_monday + timedelta(days=target)
    return base + timedelta(days=ahead or 7)


def _part_of_day(text: str) -> tuple[time, re.Match] | None:
    match = RE_PART.search(text)
    if match:
        key = " ".join(match.group("p").lower().split())
        return PARTS_OF_DAY[key], match
    match = RE_WINDOW.search(text)
    if match:
        return _clock(match), match
    match = RE_CLOCK.search(text)
    if match:
        return _clock(match), match
    return None


class _Sub:
    """A match narrowed to start later (drops 'on' / 'by' from 'on Thursday')."""

    def __init__(self, match: re.Match, start: int) -> None:
        self.string = match.string
        self._start, self._end = start, match.end()

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def _span_text(*matches: re.Match | _Sub | None) -> str:
    found = [m for m in matches if m is not None]
    text = found[0].string
    start = min(m.start() for m in found)
    end = max(m.end() for m in found)
    return " ".join(text[start:end].split())


def find_due(text: str, base: datetime | None) -> tuple[datetime | None, str | None]:
    """(due time, the words that gave it) for a promise clause; (None, None) when it names none."""
    if base is not None and base.tzinfo is None:
        base = base.replace(tzinfo=UTC)
    found = _find(text, base)
    if found is None:
        return None, None
    due, words = found
    return due, words


def _find(text: str, base: datetime | None) -> tuple[datetime | None, str] | None:
    m = RE_BUSINESS_DAYS.search(text)
    if m:
        n = _upper(m)
        due = _at(add_business_days(base, n), END_OF_BUSINESS) if base and n else None
        return due, _span_text(m)
    m = RE_THE_HOUR.search(text) or RE_HOURS.search(text) or RE_HALF_HOUR.search(text)
    if m:
        if "half" in m.group(0).lower():
            delta = timedelta(minutes=30)
        elif m.re is RE_THE_HOUR:
            delta = timedelta(hours=1)
        else:
            n = _upper(m) or 1
            unit = m.group("unit").lower()
            delta = timedelta(minutes=n) if unit.startswith("min") else timedelta(hours=n)
        due = (base.astimezone(UTC) + delta).astimezone(base.tzinfo) if base else None
        return due, _span_text(m)

    part = _part_of_day(text)
    part_time, part_match = part if part else (None, None)

    m = RE_DAY_AFTER.search(text)
    if m:
        day = base + timedelta(days=2) if base else None
        return _with_part(day, part_time, base), _span_text(m, part_match)
    m = RE_TODAY.search(text)
    if m:
        word = " ".join(m.group("w").lower().split())
        if word == "tomorrow":
            day = base + timedelta(days=1) if base else None
            return _with_part(day, part_time, base), _span_text(m, part_match)
        own = {
            "tonight": PARTS_OF_DAY["tonight"],
            "this afternoon": PARTS_OF_DAY["afternoon"],
            "this morning": PARTS_OF_DAY["morning"],
            "this evening": PARTS_OF_DAY["evening"],
        }
        when = part_time or own.get(word) or END_OF_BUSINESS
        if base is None:
            return None, _span_text(m, part_match)
        due = _at(base, when)
        if due <= base:  # "by end of day" said at 18:30 still means today
            due = _at(base, time(23, 59))
        return due, _span_text(m, part_match)
    m = RE_WEEKDAY.search(text)
    if m:
        day = _weekday(base, m.group("day"), m.group("mod")) if base else None
        keep_mod = (m.group("mod") or "").lower() in ("next", "this", "coming")
        words = _span_text(_Sub(m, m.start() if keep_mod else m.start("day")), part_match)
        return _with_part(day, part_time, base), words
    m = RE_NEXT_WEEK.search(text)
    if m:
        day = base + timedelta(days=7 - base.weekday() + 4) if base else None
        return _with_part(day, part_time, base), _span_text(m)
    m = RE_END_WEEK.search(text)
    if m:
        day = None
        if base:
            ahead = (4 - base.weekday()) % 7
            day = base + timedelta(days=ahead)
        return _with_part(day, part_time, base), _span_text(m)
    m = RE_END_MONTH.search(text)
    if m:
        day = None
        if base:
            last = calendar.monthrange(base.year, base.month)[1]
            day = base.replace(day=last)
        return _with_part(day, part_time, base), _span_text(m)
    m = RE_DAYS.search(text)
    if m and _upper(m):
        n = _upper(m)
        unit = m.group("unit").lower()
        day = None
        if base:
            if unit.startswith("week"):
                day = base + timedelta(weeks=n)
            elif unit.startswith("month"):
                day = base + timedelta(days=30 * n)
            else:
                day = base + timedelta(days=n)
        return _with_part(day, part_time, base), _span_text(m)
    if RE_EXPLICIT_DATE.search(text):
        parsed = _dateparser(text, base)
        if parsed:
            return parsed
    if part_match is not None:
        if base is None:
            return None, _span_text(part_match)
        due = _at(base, part_time)
        if due <= base:
            due = due + timedelta(days=1)
        return due, _span_text(part_match)
    m = RE_VAGUE.search(text)
    if m:
        return None, _span_text(m)
    return None


def _with_part(day: datetime | None, part: time | None, base: datetime | None) -> datetime | None:
    if day is None or base is None:
        return None
    return _at(day, part or END_OF_BUSINESS)


def _dateparser(text: str, base: datetime | None) -> tuple[datetime | None, str] | None:
    """Explicit calendar dates, via dateparser; the 'may' in 'you may see' is not a date."""
    from dateparser.search import search_dates  # slow import, and rarely needed

    settings = {
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base.replace(tzinfo=None)
    try:
        results = search_dates(text, languages=["en"], settings=settings) or []
    except Exception:  # dateparser raises a variety of errors on odd input
        return None
    for words, value in results:
        if not RE_EXPLICIT_DATE.search(words) or re.fullmatch(r"\s*may\s*", words, re.I):
            continue
        words = " ".join(words.split())
        if base is None:
            return None, words
        due = value.replace(tzinfo=base.tzinfo)
        if due.time() == time(0, 0):
            due = _at(due, END_OF_BUSINESS)
        return due, words
    return None
