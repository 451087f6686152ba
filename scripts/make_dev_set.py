"""Write the detector's labelled development set: models/data/dev_calls.jsonl.

    python scripts/make_dev_set.py [--out models/data/dev_calls.jsonl] [--per-family 34]

Stdlib only and seeded, so the file is byte-identical on every run (a test checks it).
Each call is one scenario (resolved or unresolved, with the hard cases the issue names:
negation, hypotheticals, reported speech, a confirmation after a complaint, a complaint after a
confirmation, tentative acceptance) in one industry, written in one phrasing family
(`source`). Families in TEST_FAMILIES, their own problem phrasings and their own agent lines
make the test split: nothing it says was seen in training. The later train families
(scripts/devset_more.py) bring their own problem sentences, questions and agent pools.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from devset_industries import PROBLEMS  # noqa: E402
from devset_more import FAMILY_AGENT, MORE_AGENT, MORE_FAMILIES, MORE_PROBLEMS, MORE_QUESTIONS  # noqa: E402
from devset_phrasing import AGENT, AGENT_NAMES, FAMILIES, LOWERCASE_FAMILIES, TEST_FAMILIES  # noqa: E402

# The later train families come after the test families, so adding them left every earlier
# call (the whole test split included) byte-identical: the seeded draws run in this order.
ALL_FAMILIES = {**FAMILIES, **MORE_FAMILIES}

SEED = 20261125
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "models" / "data" / "dev_calls.jsonl"

# scenario -> (label, hard case it exercises)
SCENARIOS = {
    "fixed_confirmed": ("resolved", "confirmation"),
    "fixed_negated_problem": ("resolved", "negation"),
    "complaint_then_confirmed": ("resolved", "confirmation_after_complaint"),
    "question_only": ("resolved", "no_problem"),
    "reported_speech": ("resolved", "reported_speech"),
    "fixed_hypothetical_repeat": ("resolved", "hypothetical"),
    "fixed_with_promise": ("resolved", "confirmation_with_promise"),
    "deflected": ("unresolved", "deflection"),
    "tentative": ("unresolved", "tentative_acceptance"),
    "reopened": ("unresolved", "complaint_after_confirmation"),
    "repeat_promise": ("unresolved", "repeat_contact"),
    "churn_threat": ("unresolved", "hypothetical_churn"),
    "escalated": ("unresolved", "escalation"),
    "callback_promise": ("unresolved", "promise_pending"),
    "customer_gives_up": ("unresolved", "gives_up"),
    "polite_unconfirmed": ("unresolved", "politeness_without_confirmation"),
    "dropped_on_hold": ("unresolved", "never_addressed"),
}


def _fill(text: str, **kw: str) -> str:
    for key, value in kw.items():
        text = text.replace("{" + key + "}", value)
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _asr(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def _call(rng: random.Random, family: str, split: str, scenario: str, industry: str, n: int):
    more = family in MORE_FAMILIES  # a later family: its own sentences and agent
    fam = ALL_FAMILIES[family]
    agent = MORE_AGENT[FAMILY_AGENT[family]] if more else AGENT[split]
    ind = PROBLEMS[industry]
    pick = rng.choice
    company = pick(ind["companies"])
    entry = pick(ind["problems"])
    cat, train_p, test_p, fix, check, later = entry
    if more:
        train_p = MORE_PROBLEMS[industry][ind["problems"].index(entry)]
    problem = pick(test_p if split == "test" else train_p)

    def c(slot: str) -> tuple[str, str]:
        return "customer", _fill(pick(fam[slot]), problem=problem, check=check)

    def a(slot: str, **kw: str) -> tuple[str, str]:
        return "agent", _fill(pick(agent[slot]), fix=fix, later=later, **kw)

    greet = a("greet", company=company, name=pick(AGENT_NAMES))
    opening = c("open")
    turns = [greet, opening]
    if scenario == "fixed_confirmed":
        turns += [a("sorry"), a("fix"), c("confirm"), a("bye")]
    elif scenario == "fixed_negated_problem":
        turns += [a("fix"), c("neg_fixed"), a("bye")]
    elif scenario == "complaint_then_confirmed":
        turns += [a("fix"), c("still"), a("retry"), c("confirm"), a("bye")]
    elif scenario == "question_only":
        qentry = pick(ind["questions"])
        qcat, qtrain, qtest, answer = qentry
        if more:
            qtrain = MORE_QUESTIONS[industry][ind["questions"].index(qentry)]
        cat = qcat
        question = pick(qtest if split == "test" else qtrain)
        turns[1] = ("customer", _fill(pick(fam["ask"]), question=question))
        turns += [a("answer", answer=answer), c("thanks"), a("bye")]
    elif scenario == "reported_speech":  # someone else's problem, in the third person
        theirs = re.sub(r"\bI'm\b", "they're", problem)
        for mine, them in (("my", "their"), ("I", "they"), ("me", "them")):
            theirs = re.sub(rf"\b{mine}\b", them, theirs)
        turns[1] = ("customer", _fill(pick(fam["report"]), problem=theirs))
        turns += [a("report"), c("report_ok"), a("bye")]
    elif scenario == "fixed_hypothetical_repeat":
        turns += [a("fix"), c("confirm"), ("customer", pick(fam["hyp_again"])), a("bye")]
    elif scenario == "fixed_with_promise":
        turns += [a("fix"), c("confirm"), a("extra_promise"), c("thanks")]
    elif scenario == "polite_unconfirmed":
        turns += [a("pending"), ("customer", pick(agent["polite_bye"]))]
    elif scenario == "dropped_on_hold":
        turns += [a("hold")]
    elif scenario == "deflected":
        turns += [a("deflect"), c("frustrated")]
    elif scenario == "tentative":
        turns += [a("suggest"), c("tentative"), a("bye")]
    elif scenario == "reopened":
        turns += [a("fix"), c("confirm"), a("bye"), c("reopen"), a("noted"), c("frustrated")]
    elif scenario == "repeat_promise":
        turns[1] = c("repeat")
        turns += [a("sorry"), a("promise"), c("wait")]
    elif scenario == "churn_threat":
        turns += [a("sorry"), a("promise"), c("churn_if"), a("noted")]
    elif scenario == "escalated":
        turns += [a("deflect"), c("escalate"), a("noted")]
    elif scenario == "callback_promise":
        turns += [a("sorry"), a("promise"), c("wait"), a("bye")]
    elif scenario == "customer_gives_up":
        turns += [a("suggest"), c("still"), a("deflect"), c("callback")]
    else:  # pragma: no cover - SCENARIOS is the list
        raise ValueError(scenario)
    if scenario != "question_only" and rng.random() < 0.5:  # identity check, either label
        digits = " ".join(str(rng.randrange(100, 10000)) for _ in range(2))
        turns[2:2] = [a("ask_id"), ("customer", _fill(pick(agent["give_id"]), digits=digits))]
    lower = family in LOWERCASE_FAMILIES
    out = []
    for speaker, text in turns:
        text = _asr(text) if lower and speaker == "customer" else _sentence(text)
        out.append({"speaker": speaker, "text": text})
    label, hard_case = SCENARIOS[scenario]
    return {
        "id": f"{family}-{n:03d}",
        "split": split,
        "source": family,
        "industry": industry,
        "scenario": scenario,
        "hard_case": hard_case,
        "label": label,
        "category": cat,
        "turns": out,
    }


def build(per_family: int = 34, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    industries = sorted(PROBLEMS)
    scenarios = list(SCENARIOS)
    calls = []
    for family in ALL_FAMILIES:
        split = "test" if family in TEST_FAMILIES else "train"
        offset = rng.randrange(len(scenarios))
        for n in range(per_family):
            scenario = scenarios[(n + offset) % len(scenarios)]
            industry = industries[(n * 3 + offset) % len(industries)]
            calls.append(_call(rng, family, split, scenario, industry, n))
    return calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-family", type=int, default=34)
    args = ap.parse_args(argv)
    calls = build(args.per_family)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        for call in calls:
            fh.write(json.dumps(call, ensure_ascii=False) + "\n")
    n_test = sum(c["split"] == "test" for c in calls)
    print(f"{len(calls)} calls ({len(calls) - n_test} train, {n_test} test) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
