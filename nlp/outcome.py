"""The call-level decision: features from the rules' signals, and the components that turn
them into ``p_unresolved``.

Two spaCy components, registered by name so ``models/detector.json`` picks one (the rules find
the evidence either way; these only weigh it):

``aftercall_outcome_model``
    A logistic regression over ``call_features`` with Platt calibration and a threshold chosen
    from the precision/recall curve, all read from a JSON model file (``models/outcome.json``,
    written by ``aftercall train``). Plain JSON, so scoring needs neither scikit-learn nor pickle.
``aftercall_outcome_rules``
    The hand-weighted score of ``rules-0.1``: ``sigmoid(rules_logit)`` against the threshold in
    ``detector.json``. Kept as the baseline and as a fallback that needs no trained file.

Both pass each Doc through untouched: the decision is made per call, not per turn, by
``analyse`` asking the pipeline for its scorer (``find_scorer``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from aftercall.nlp.needs import STORY_FEATURES, STORY_LABELS
from aftercall.nlp.words import WordModel, call_text

# Signal kinds counted per call (customer complaints and agent behaviour alike).
_COUNTED = (
    "problem",
    "unresolved",
    "escalation",
    "churn",
    "abuse",
    "deflection",
    "ownership",
    "promise",
)
_GROUPS = ("repeat", "broken_promise", "tentative", "failed_fix", "still", "again")
FEATURES: tuple[str, ...] = (
    "rules_logit",
    *(f"n_{k}" for k in _COUNTED),
    "n_apology",
    *(f"g_{g}" for g in _GROUPS),
    "hyp_churn",
    "hyp_escalation",
    "negated_complaint",
    "confirmed_last",
    "reopened",
    "open_at_end",
    "no_complaint",
    "last_customer_complaint",
    "last_customer_confirms",
    "agent_apology_share",
    "customer_negation_rate",
    "agent_regret_rate",
    "opens_with_question",
    *STORY_FEATURES,
)
# Plain word rates, per turn of the side that said them: they need no pattern to fire, so they
# carry some signal to phrasing the rules have never seen (USS dialogues; see the model card).
_NEGATION = re.compile(r"\b(?:no|not|never|nothing)\b|n't\b")
_REGRET = re.compile(r"\b(?:sorry|unfortunately|afraid|apologi[sz]e)")


# What each feature means, for the reasons a QA reviewer reads.
FEATURE_LABELS: dict[str, str] = {
    "rules_logit": "hand-weighted rules score",
    "n_problem": "problem statements",
    "n_unresolved": "unresolved markers",
    "n_escalation": "escalation requests",
    "n_churn": "churn threats",
    "n_abuse": "abusive language",
    "n_deflection": "agent deflections",
    "n_ownership": "agent ownership",
    "n_promise": "agent promises",
    "n_apology": "agent apologies",
    "g_repeat": "repeat-contact words",
    "g_broken_promise": "broken-promise words",
    "g_tentative": "tentative acceptance",
    "g_failed_fix": "a fix that failed",
    "g_still": '"still" complaints',
    "g_again": '"again" complaints',
    "hyp_churn": "conditional churn threat",
    "hyp_escalation": "conditional escalation",
    "negated_complaint": "negated complaints",
    "confirmed_last": "customer confirmed after the last complaint",
    "reopened": "a confirmation later reopened",
    "open_at_end": "complaint still open at the end",
    "no_complaint": "no complaint stated",
    "last_customer_complaint": "customer's last turn is a complaint",
    "last_customer_confirms": "customer's last turn confirms",
    "agent_apology_share": "share of agent turns apologising",
    "customer_negation_rate": "customer negations per turn",
    "agent_regret_rate": "agent regret words per turn",
    "opens_with_question": "customer opened with a question",
    "word_score": "word model score",
    **STORY_LABELS,
}
# Not a rules feature: the word model's score (nlp/words.py), added by a model that has one.
WORD_FEATURE = "word_score"


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def call_features(
    hits: Sequence[Any], rules_logit: float, complaint_kinds: Iterable[str], turns: Sequence[Any]
) -> dict[str, float]:
    """One call's features, from the hits ``detector._score`` has weighed (speaker-filtered).

    Counts are capped at 3: a fourth "still" says little more than the third, and caps keep a
    long call from swamping the model."""
    kinds = set(complaint_kinds)
    live = [h for h in hits if not h.negated and not h.hypothetical]
    f = dict.fromkeys(FEATURES, 0.0)
    f["rules_logit"] = rules_logit
    for k in _COUNTED:
        f[f"n_{k}"] = min(3, sum(h.kind == k for h in live))
    f["n_apology"] = min(3, sum(h.kind.startswith("apology") for h in live))
    for g in _GROUPS:
        f[f"g_{g}"] = min(3, sum(h.kind == "unresolved" and h.group == g for h in live))
    f["hyp_churn"] = float(
        any(h.kind == "churn" and h.hypothetical and not h.negated for h in hits)
    )
    f["hyp_escalation"] = float(
        any(h.kind == "escalation" and h.hypothetical and not h.negated for h in hits)
    )
    f["negated_complaint"] = min(3, sum(h.kind in kinds and h.negated for h in hits))
    complaints = [h for h in live if h.kind in kinds]
    confirmed = [h for h in hits if h.kind == "resolved" and h.weight]
    f["confirmed_last"] = float(bool(confirmed))
    f["reopened"] = float(
        any(h.kind == "resolved" and not h.negated and not h.question for h in hits)
        and not confirmed
        and bool(complaints)
    )
    f["open_at_end"] = float(bool(complaints) and not confirmed)
    f["no_complaint"] = float(not complaints)
    customer_pos = [i for i, t in enumerate(turns) if t.speaker != "agent" and t.text.strip()]
    if customer_pos:
        last = customer_pos[-1]
        f["last_customer_complaint"] = float(any(h.pos == last for h in complaints))
        f["last_customer_confirms"] = float(any(h.pos == last for h in confirmed))
    agent_pos = {i for i, t in enumerate(turns) if t.speaker != "customer" and t.text.strip()}
    if agent_pos:
        sorry = {h.pos for h in hits if h.kind.startswith("apology") and h.pos in agent_pos}
        f["agent_apology_share"] = len(sorry) / len(agent_pos)
    customer = [t.text.lower() for t in turns if t.speaker != "agent" and t.text.strip()]
    agent = [t.text.lower() for t in turns if t.speaker == "agent" and t.text.strip()]
    if customer:
        f["customer_negation_rate"] = sum(len(_NEGATION.findall(t)) for t in customer) / len(
            customer
        )
        # an information call opens with a question; a complaint with a statement
        f["opens_with_question"] = float(customer[0].rstrip().endswith("?"))
    if agent:
        f["agent_regret_rate"] = sum(len(_REGRET.findall(t)) for t in agent) / len(agent)
    return f


class CallScorer(Protocol):
    threshold: float
    version: str

    def predict(self, features: dict[str, float]) -> float: ...

    def score(self, features: dict[str, float], turns: Sequence[Any]) -> float: ...


class RulesScorer:
    """sigmoid of the hand-weighted logit; the threshold comes from detector.json."""

    version = "rules"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def predict(self, features: dict[str, float]) -> float:
        return _sigmoid(features["rules_logit"])

    def score(self, features: dict[str, float], turns: Sequence[Any]) -> float:
        return self.predict(features)


class ModelScorer:
    """Standardised features -> logistic regression -> Platt scaling -> p_unresolved."""

    def __init__(self, model: dict[str, Any]) -> None:
        names = model["features"]
        unknown = set(names) - set(FEATURES) - {WORD_FEATURE}
        if unknown:
            raise ValueError(f"outcome model uses unknown features: {sorted(unknown)}")
        self.names: list[str] = list(names)
        self.mean = [float(x) for x in model["mean"]]
        self.scale = [float(x) or 1.0 for x in model["scale"]]
        self.coef = [float(x) for x in model["coef"]]
        self.intercept = float(model["intercept"])
        self.platt_a = float(model["platt"]["a"])
        self.platt_b = float(model["platt"]["b"])
        self.threshold = float(model["threshold"])
        self.version = str(model["model_version"])
        if not (len(self.names) == len(self.mean) == len(self.scale) == len(self.coef)):
            raise ValueError("outcome model: features, mean, scale and coef differ in length")
        if not 0 < self.threshold < 1:
            raise ValueError("outcome model: threshold must be between 0 and 1")
        self.words = WordModel(model["words"]) if "words" in model else None
        if (WORD_FEATURE in self.names) != (self.words is not None):
            raise ValueError(f"outcome model: {WORD_FEATURE} needs a words model, and only it")

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def decision(self, features: dict[str, float]) -> float:
        z = self.intercept
        for name, m, s, w in zip(self.names, self.mean, self.scale, self.coef, strict=True):
            z += w * (features.get(name, 0.0) - m) / s
        return z

    def predict(self, features: dict[str, float]) -> float:
        return _sigmoid(self.platt_a * self.decision(features) + self.platt_b)

    def score(self, features: dict[str, float], turns: Sequence[Any]) -> float:
        """p_unresolved for a call; adds ``word_score`` to ``features`` when the model has a
        word model, so the analysis records what was weighed."""
        if self.words is not None:
            features[WORD_FEATURE] = round(self.words.decision(call_text(turns)), 6)
        return self.predict(features)

    def explain(self, features: dict[str, float], turns: Sequence[Any] = (), top: int = 4) -> str:
        """The features that moved this call's score most, against an average training call,
        in the model's own units (log-odds before calibration)."""
        parts = []
        for name, m, s, w in zip(self.names, self.mean, self.scale, self.coef, strict=True):
            value = features.get(name, 0.0)
            contribution = w * (value - m) / s
            if abs(contribution) >= 0.05:
                shown = f"{value:.2f}" if value != int(value) else f"{int(value)}"
                parts.append((abs(contribution), contribution, name, shown))
        parts.sort(key=lambda p: (-p[0], p[2]))
        said = "; ".join(
            f"{FEATURE_LABELS.get(name, name)} = {shown} ({c:+.1f})"
            for _, c, name, shown in parts[:top]
        )
        said = f"{self.version} weighed most: {said or 'nothing beyond the average call'}"
        if self.words is not None and turns:
            words = self.words.top_terms(call_text(turns))
            shown = ", ".join(f'"{_side_words(t)}" {c:+.2f}' for t, c in words)
            said += f"; the word model's strongest words: {shown}" if shown else ""
        return said


def _side_words(term: str) -> str:
    """ "c_still c_broken" -> "customer: still broken" for a reviewer."""
    words = term.split()
    side = "customer" if words[0].startswith("c_") else "agent"
    return f"{side}: " + " ".join(w[2:] if w[:2] in ("c_", "a_") else w for w in words)


@functools.cache
def features_version() -> str:
    """A fingerprint of everything that computes a call's FEATURES: this package's code and
    patterns, models/detector.json and spaCy's version. Features stored with one fingerprint
    (the analyses table, the training cache) are reused only under the same fingerprint, so a
    change to a rule never trains on features the old rule computed."""
    digest = hashlib.sha256(",".join(FEATURES).encode())
    here = Path(__file__).parent
    for path in sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(here).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(model_path("detector.json").read_bytes())
    digest.update(spacy.__version__.encode())
    return digest.hexdigest()[:16]


def model_path(name: str) -> Path:
    """A file name is looked up in the installed models/ folder; a path is used as given."""
    p = Path(name)
    if p.is_absolute() or p.parent != Path("."):
        return p
    return Path(str(resources.files("aftercall.models").joinpath(name)))


@Language.factory("aftercall_outcome_model", default_config={"model_file": "outcome.json"})
def make_outcome_model(nlp: Language, name: str, model_file: str) -> ModelScorer:
    path = model_path(model_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuntimeError(f"outcome model {path} is missing; run `aftercall train`") from exc
    return ModelScorer(data)


@Language.factory("aftercall_outcome_rules", default_config={"threshold": 0.5})
def make_outcome_rules(nlp: Language, name: str, threshold: float) -> RulesScorer:
    return RulesScorer(threshold)


def find_scorer(nlp: Language) -> CallScorer | None:
    """The last outcome component in the pipeline, if any."""
    found = None
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, ModelScorer | RulesScorer):
            found = pipe
    return found
