#!/usr/bin/env python3
"""Assemble hand-written calls in src/*.txt into train_calls.jsonl.

Source format (one block per call, blocks separated by a line starting with '###'):
### industry=<x> tone=<t> outcome=<o> left=<l> style=<plain|curly|asr>
need: <kind> | <handled> | <customer's words>
Agent: ...
Customer: ...
style=asr lowercases and strips punctuation (misheard words are written by hand in the source);
style=curly turns straight apostrophes into curly ones.
"""
import json, re, glob, collections, sys

TONES = {"angry", "warm", "neutral"}
OUTCOMES = {"no_problem", "resolved", "pending", "unresolved"}
KINDS = {"problem", "routine", "question"}
HANDLED = {"done", "promised", "transferred", "declined", "deflected", "nothing"}
LEFT = {"accepted", "dissatisfied", "gave_up", "no_stance"}

def asr(s):
    s = s.lower().replace("’", "'")
    s = re.sub(r"[\.,\?!;:\"“”()]", "", s)
    s = s.replace(" - ", " ").replace("—", " ").replace("…", " ")
    s = re.sub(r"\s+", " ", s).strip()
    return s

def parse(path):
    text = open(path, encoding="utf-8").read()
    blocks = re.split(r"^###", text, flags=re.M)[1:]
    calls = []
    for b in blocks:
        lines = [l.rstrip() for l in b.strip().split("\n") if l.strip()]
        head = dict(kv.split("=", 1) for kv in lines[0].split())
        needs, turns = [], []
        for l in lines[1:]:
            if l.startswith("need:"):
                kind, handled, words = [x.strip() for x in l[5:].split("|", 2)]
                needs.append({"kind": kind, "text": words, "handled": handled})
            elif l.startswith("Agent:") or l.startswith("Customer:"):
                turns.append(l)
            else:
                if not turns:
                    raise ValueError(f"{path}: stray line {l!r}")
                turns[-1] += " " + l.strip()
        style = head.get("style", "plain")
        out = []
        for t in turns:
            spk, utt = t.split(":", 1)
            utt = utt.strip()
            if style == "asr":
                utt = asr(utt)
            elif style == "curly":
                utt = utt.replace("'", "’")
            out.append(f"{spk}: {utt}")
        for n in needs:
            if style == "asr":
                n["text"] = asr(n["text"])
            elif style == "curly":
                n["text"] = n["text"].replace("'", "’")
        calls.append(dict(industry=head["industry"], tone=head["tone"], outcome=head["outcome"],
                          needs=needs, left=head["left"], transcript="\n".join(out), _style=style, _src=path))
    return calls

def main():
    calls = []
    for p in sorted(glob.glob("/work/trainsynth2/src/*.txt")):
        calls.extend(parse(p))
    import random
    random.Random(20261206).shuffle(calls)  # mix categories so ids carry no label signal
    errs = []
    for i, c in enumerate(calls):
        c["id"] = f"tx-{i+1:04d}"
        n = len(c["transcript"].split("\n"))
        if c["tone"] not in TONES: errs.append((c["id"], "tone"))
        if c["outcome"] not in OUTCOMES: errs.append((c["id"], "outcome"))
        if c["left"] not in LEFT: errs.append((c["id"], "left"))
        if not c["needs"]: errs.append((c["id"], "no needs"))
        for nd in c["needs"]:
            if nd["kind"] not in KINDS or nd["handled"] not in HANDLED: errs.append((c["id"], "need", nd))
        if not 8 <= n <= 50: errs.append((c["id"], c["_src"], "turns", n))
    for e in errs: print("ERR", e)
    with open("/work/trainsynth2/train_calls.jsonl", "w", encoding="utf-8") as f:
        for c in calls:
            o = {k: c[k] for k in ["id", "industry", "tone", "outcome", "needs", "left", "transcript"]}
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    # validate
    rows = [json.loads(l) for l in open("/work/trainsynth2/train_calls.jsonl", encoding="utf-8")]
    print("total", len(rows))
    print("tone x outcome", collections.Counter((r["tone"], r["outcome"]) for r in rows))
    print("outcome", collections.Counter(r["outcome"] for r in rows))
    print("tone", collections.Counter(r["tone"] for r in rows))
    print("industry", collections.Counter(r["industry"] for r in rows))
    print("left", collections.Counter(r["left"] for r in rows))
    print("style", collections.Counter(c["_style"] for c in calls))
    tl = [len(r["transcript"].split("\n")) for r in rows]
    print("turns min/max/mean", min(tl), max(tl), sum(tl)/len(tl))
    print("per file", collections.Counter(c["_src"].split("/")[-1] for c in calls))

if __name__ == "__main__":
    main()
