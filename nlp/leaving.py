"""How the customer left: ``p_dissatisfied``, a calibrated signal beside the outcome.

Issue 16 keeps tone out of the decision: ``p_unresolved`` says whether the problem is left
open, and nothing here changes it. This module says something else, how the customer left
the call, so a reviewer (and later the cases) can see an unhappy customer whose problem was
fixed, or a calm one whose problem was not.

Two steps, both read from ``models/leaving.json`` (written by ``aftercall train-leaving``
from USS dialogues the evaluation never scores; plain JSON, no scikit-learn at run time):

1. a turn model: each customer turn, with the agent turn before it, is scored by a TF-IDF
   logistic regression trained on crowd ratings of single turns (``nlp/words.py``'s
   ``WordModel``, over words found in at least two of the three USS sets, so no one set's
   domain words carry it);
2. a call model: those turn scores (mean, last, last two, lowest, highest) and plain
   end-of-call features (thanks, negation, questions, the agent's failure and success words,
   repeats) -> standardised logistic regression -> ``p_dissatisfied``.
"""

from __future__ import annotations

import functools
import json
import math
import re
import statistics
from collections.abc import Sequence
from typing import Any

from aftercall.nlp.outcome import model_path
from aftercall.nlp.words import WordModel

_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_MARK = re.compile(r"\[[^\]]*\]|<unk>")  # transcript marks, not words
_FILLER = re.compile(r"\b(?:uh|um|uhm|mm|hmm|mhm|mkay|er|ah)\b")
_WORD = re.compile(r"[a-z][a-z']*")

_THANKS = re.compile(
    r"\b(?:thank|thanks|thx|appreciate|great|perfect|awesome|excellent|wonderful|helpful"
    r"|good ?bye|bye)\b"
)
_NEG = re.compile(r"\b(?:no|not|nope|never|nothing|none)\b|n't\b")
_FAIL = re.compile(
    r"\b(?:sorry|unfortunately|afraid|apologi[sz]e|there (?:is|are|were) no|there's no"
    r"|no (?:results?|matches|availability)|(?:couldn't|could not|can't|cannot|unable to"
    r"|was not able to|wasn't able to) (?:find|book|locate|get|make|do|help)"
    r"|(?:isn't|is not|not) available|fully booked|unsuccessful|don't have|do not have"
    r"|don't know|do not know|not sure)\b"
)
_CLARIFY = re.compile(
    r"\b(?:(?:don't|do not|didn't|did not) (?:understand|get that|catch)"
    r"|could you (?:repeat|rephrase|clarify)|what do you mean|pardon|say that again"
    r"|i'm not sure what)\b"
)
_CORRECT = re.compile(
    r"\b(?:i (?:said|asked|already|told you|meant)|that's not what|not what i|that is not what"
    r"|wrong|actually|instead|i mean\b|again)\b"
)
_GIVEUP = re.compile(
    r"\b(?:never ?mind|forget it|whatever|useless|not helpful|waste|give up"
    r"|i'll (?:go|look) elsewhere|don't bother)\b"
)
_ACCEPT = re.compile(
    r"\b(?:yes|yeah|yep|sure|ok|okay|sounds good|that works|perfect|great|please do|book it"
    r"|i'll take|that's all|that is all|all set)\b"
)
_SUCCESS = re.compile(
    r"\b(?:booked|successful(?:ly)?|reserved|confirmed|reference (?:number|is)|all set|done"
    r"|i've (?:made|placed|sent|set|updated|changed|scheduled|ordered|cancel+ed|booked)"
    r"|has been (?:made|placed|sent|set|updated|changed|scheduled|ordered|cancel+ed|booked"
    r"|processed|resolved))\b"
)
TURN_FEATURES = ("t_mean", "t_last", "t_last2", "t_min", "t_max")


def clean(text: str) -> str:
    """Lower case, straight quotes, no transcript marks or fillers, single spaces."""
    text = _MARK.sub(" ", (text or "").translate(_FOLD).lower())
    return " ".join(_FILLER.sub(" ", text).split())


def pair_text(agent: str, customer: str) -> str:
    """One customer turn with the agent turn before it (both ``clean``ed), each word marked by
    side; apostrophes dropped so ``WordModel``'s word analyser keeps "don't" whole ("c_dont")."""
    side = [("a_", agent), ("c_", customer)]
    return " ".join(p + w.replace("'", "") for p, t in side for w in _WORD.findall(t))


def _said(turns: Sequence[Any]) -> list[tuple[str, str]]:
    """(speaker, cleaned text) per turn: each turn is cleaned once, for both steps."""
    return [(t.speaker, clean(t.text)) for t in turns]


def _pairs(said: list[tuple[str, str]]) -> list[str]:
    out, before = [], ""
    for speaker, text in said:
        if speaker == "agent":
            before = text or before
        elif _WORD.search(text):
            out.append(pair_text(before, text))
    return out


def turn_pairs(turns: Sequence[Any]) -> list[str]:
    """``pair_text`` for every customer turn that says something, in order."""
    return _pairs(_said(turns))


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text) if len(w) > 3}


def _repeats(bags: list[set[str]], at_least: float) -> float:
    """How many turns restate an earlier one of the same side (capped at 3, so it stops there:
    a long call would otherwise compare every pair of turns)."""
    n = 0
    for i in range(1, len(bags)):
        if bags[i] and any(_overlap(bags[i], bags[j]) >= at_least for j in range(i)):
            n += 1
            if n == 3:
                break
    return float(n)


def exit_features(turns: Sequence[Any]) -> dict[str, float]:
    """Plain end-of-call features: no patterns of the detector's rules, only common words."""
    return _exit(_said(turns))


def _exit(said: list[tuple[str, str]]) -> dict[str, float]:
    c = [t for s, t in said if s != "agent" and _WORD.search(t)] or [""]
    a = [t for s, t in said if s == "agent" and _WORD.search(t)] or [""]
    end = " ".join(c[-2:])
    f = {
        "thanks_end": float(bool(_THANKS.search(end))),
        "thanks_any": _share([bool(_THANKS.search(t)) for t in c]),
        "neg_end": float(bool(_NEG.search(c[-1])) and not _THANKS.search(c[-1])),
        "neg_rate": _share([bool(_NEG.search(t)) for t in c]),
        "q_end": float(c[-1].endswith("?")),
        "q_rate": _share([t.endswith("?") for t in c]),
        "fail_rate": _share([bool(_FAIL.search(t)) for t in a]),
        "fail_end": float(any(_FAIL.search(t) for t in a[-2:])),
        "succ_any": float(any(_SUCCESS.search(t) for t in a)),
        "succ_end": float(any(_SUCCESS.search(t) for t in a[-2:])),
        "clarify_rate": _share([bool(_CLARIFY.search(t)) for t in a]),
        "correct_rate": _share([bool(_CORRECT.search(t)) for t in c]),
        "giveup": float(any(_GIVEUP.search(t) for t in c)),
        "accept_end": float(bool(_ACCEPT.search(end))),
        "restate": _repeats([_content(t) for t in c], 0.5),
        "agent_repeat": _repeats([_content(t) for t in a], 0.6),
    }
    f["agent_repeat_rate"] = f["agent_repeat"] / len(a)
    # does the agent's reply share words with what the customer just said?
    rel = [
        _overlap(_content(t), _content(said[i + 1][1]))
        for i, (s, t) in enumerate(said)
        if s != "agent" and i + 1 < len(said) and said[i + 1][0] == "agent"
    ]
    f["relevance"] = statistics.mean(rel) if rel else 0.0
    f["n_cust"] = math.log1p(len(c))
    f["cust_len"] = math.log1p(statistics.mean(len(t.split()) for t in c))
    f["last_len"] = math.log1p(len(c[-1].split()))
    f["agent_len"] = math.log1p(statistics.mean(len(t.split()) for t in a))
    f["agent_q_rate"] = _share([t.endswith("?") for t in a])
    f["agent_q_end"] = float(a[-1].endswith("?"))
    return f


def turn_features(scores: Sequence[float]) -> dict[str, float]:
    """The turn model's scores summed up per call (all 0 for a call with no customer words)."""
    if not scores:
        return dict.fromkeys(TURN_FEATURES, 0.0)
    return {
        "t_mean": statistics.mean(scores),
        "t_last": scores[-1],
        "t_last2": statistics.mean(scores[-2:]),
        "t_min": min(scores),
        "t_max": max(scores),
    }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


class LeavingModel:
    """The turn model and the call model of ``models/leaving.json``."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.version = str(model["model_version"])
        self.turns = WordModel(model["turn_model"])
        self.names: list[str] = list(model["features"])
        self.mean = [float(x) for x in model["mean"]]
        self.scale = [float(x) or 1.0 for x in model["scale"]]
        self.coef = [float(x) for x in model["coef"]]
        self.intercept = float(model["intercept"])
        if not len(self.names) == len(self.mean) == len(self.scale) == len(self.coef):
            raise ValueError("leaving model: features, mean, scale and coef differ in length")
        known = set(TURN_FEATURES) | set(_exit([]))
        if set(self.names) - known:
            raise ValueError(f"leaving model: unknown features {sorted(set(self.names) - known)}")

    def features(self, turns: Sequence[Any]) -> dict[str, float]:
        said = _said(turns)
        scores = [self.turns.decision(p) for p in _pairs(said)]
        return turn_features(scores) | _exit(said)

    def p_dissatisfied(self, turns: Sequence[Any]) -> float:
        f = self.features(turns)
        z = self.intercept + sum(
            w * (f[n] - m) / s
            for n, m, s, w in zip(self.names, self.mean, self.scale, self.coef, strict=True)
        )
        return _sigmoid(z)


def read_model(name: str = "leaving.json") -> LeavingModel:
    path = model_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuntimeError(
            f"leaving model {path} is missing; run `aftercall train-leaving`"
        ) from exc
    return LeavingModel(data)


@functools.cache
def shipped() -> LeavingModel:
    """The committed model, read once per process."""
    return read_model()


def p_dissatisfied(turns: Sequence[Any]) -> float:
    """The probability that the customer left the call dissatisfied (USS crowd ratings'
    sense: a mean rating below 3 of 5), rounded for storage."""
    return round(shipped().p_dissatisfied(turns), 4)
