#!/usr/bin/env python3
"""Build tone_crossed.jsonl from the hand-written call files in calls/*.txt.

Call file format (one block per call):
    ### <industry> | <angry|warm> | <resolved|no_problem|pending|unresolved> | <plain|curly|asr>
    N: <problem|routine|question> | <handled> | <customer's words stating the need>
    Agent: ...            (asr style: lines start with bare 'agent ' / 'customer ')
    Customer: ...
"""
import collections, glob, itertools, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
INDUSTRIES = {"telecom", "banking", "insurance", "utilities", "ecommerce", "airline",
              "healthcare", "software", "car_rental", "government"}
OUTCOMES = {"resolved", "no_problem", "pending", "unresolved"}
KINDS = {"problem", "routine", "question"}
HANDLED = {"done", "promised", "transferred", "declined", "deflected", "nothing"}


def curly(text):
    text = text.replace("'", "\u2019")
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        elif ch == "\n":
            opening = True
            out.append(ch)
        else:
            out.append(ch)
    return "".join(out)


def parse(path):
    calls, cur = [], None
    for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.rstrip("\n").rstrip()
        if not line:
            continue
        where = f"{os.path.basename(path)}:{lineno}"
        if line.startswith("### "):
            parts = [p.strip() for p in line[4:].split("|")]
            assert len(parts) == 4, where
            cur = dict(industry=parts[0], tone=parts[1], outcome=parts[2], style=parts[3],
                       needs=[], lines=[], where=where)
            calls.append(cur)
        elif line.startswith("N: "):
            kind, handled, text = [p.strip() for p in line[3:].split("|", 2)]
            cur["needs"].append(dict(kind=kind, text=text, handled=handled))
        else:
            if cur["style"] == "asr":
                m = re.match(r"^(agent|customer) (.+)$", line)
                assert m, f"bad asr line {where}: {line!r}"
                line = ("Agent: " if m.group(1) == "agent" else "Customer: ") + m.group(2)
            assert re.match(r"^(Agent|Customer): \S", line), f"bad line {where}: {line!r}"
            cur["lines"].append(line)
    return calls


def check_call(c):
    w = c["where"]
    assert c["industry"] in INDUSTRIES, w
    assert c["tone"] in {"angry", "warm"}, w
    assert c["outcome"] in OUTCOMES, w
    assert c["style"] in {"plain", "curly", "asr"}, w
    assert c["needs"], w
    for n in c["needs"]:
        assert n["kind"] in KINDS and n["handled"] in HANDLED, w
    hs = {n["handled"] for n in c["needs"]}
    kinds = {n["kind"] for n in c["needs"]}
    open_ = hs & {"transferred", "declined", "deflected", "nothing"}
    if c["outcome"] == "unresolved":
        assert open_, f"{w}: unresolved call needs an unhandled need"
    else:
        assert not open_, f"{w}: resolved-side call has an unhandled need"
    if c["outcome"] == "pending":
        assert "promised" in hs, w
    if c["outcome"] in ("resolved", "no_problem"):
        assert hs == {"done"}, w
    if c["outcome"] == "no_problem":
        assert kinds <= {"routine", "question"}, w
    if c["outcome"] == "resolved":
        assert "problem" in kinds, w
    n = len(c["lines"])
    assert 6 <= n <= 60, f"{w}: {n} turns"
    assert any(l.startswith("Agent:") for l in c["lines"]) and any(l.startswith("Customer:") for l in c["lines"]), w


def sentences(transcript):
    out = set()
    for line in transcript.split("\n"):
        body = line.split(": ", 1)[1]
        for s in re.split(r"(?<=[.?!])\s+|\s*[\u2014]\s*|\.\.\.", body):
            norm = re.sub(r"[^a-z0-9 ]", "", s.lower().replace("\u2019", "'")).split()
            if len(norm) >= 5:
                out.add(" ".join(norm))
    return out


def main():
    calls = []
    for p in sorted(glob.glob(os.path.join(HERE, "calls", "*.txt"))):
        calls.extend(parse(p))
    errors = []
    for c in calls:
        check_call(c)
        t = "\n".join(c["lines"])
        if c["style"] == "curly":
            t = curly(t)
            for n in c["needs"]:
                n["text"] = curly(n["text"])
        elif c["style"] == "asr":
            # speech-recognition style: lower case, no punctuation at all
            t = t.replace("'", "").replace("\u2019", "")
            for n in c["needs"]:
                n["text"] = n["text"].replace("'", "").replace("\u2019", "")
            assert not re.search(r"[^a-z0-9 \n]", "\n".join(l.split(": ", 1)[1] for l in t.split("\n"))), c["where"]
        elif c["style"] == "plain":
            assert not re.search("[\u2018\u2019\u201c\u201d]", t), f"{c['where']}: curly chars in plain call"
        c["transcript"] = t
        for n in c["needs"]:
            i = t.lower().find(n["text"].lower())
            if i < 0:
                errors.append(f"{c['where']}: need text not in transcript: {n['text']!r}")
                continue
            n["text"] = t[i:i + len(n["text"])]
            assert t[:i].rsplit("\n", 1)[-1].startswith("Customer:"), f"{c['where']}: need not in a customer line"

    if errors:
        print("\n".join(errors))
        return 1
    rnd = random.Random(20240607)
    rnd.shuffle(calls)
    records = []
    for i, c in enumerate(calls, 1):
        unresolved = c["outcome"] == "unresolved"
        records.append({
            "id": f"tc-{i:03d}",
            "industry": c["industry"],
            "tone": c["tone"],
            "outcome": c["outcome"],
            "unresolved": unresolved,
            "quadrant": f"{c['tone']}-{'unresolved' if unresolved else 'resolved'}",
            "needs": c["needs"],
            "transcript": c["transcript"],
        })
        c["id"] = records[-1]["id"]

    # duplicate sentence check (sentences of 5+ words)
    sents = {r["id"]: sentences(r["transcript"]) for r in records}
    where = {c["id"]: c["where"] for c in calls}
    bad = []
    for a, b in itertools.combinations(records, 2):
        shared = sents[a["id"]] & sents[b["id"]]
        if len(shared) > 2:
            bad.append((where[a["id"]], where[b["id"]], sorted(shared)))
    sent_count = collections.Counter(s for ss in sents.values() for s in ss)
    common = [(s, k) for s, k in sent_count.most_common(40) if k > 2]

    out = os.path.join(HERE, "tone_crossed.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    # re-read and validate
    recs = [json.loads(l) for l in open(out, encoding="utf-8")]
    assert len({r["id"] for r in recs}) == len(recs)
    assert len({r["transcript"] for r in recs}) == len(recs)
    stats = {
        "total": len(recs),
        "quadrant": dict(sorted(collections.Counter(r["quadrant"] for r in recs).items())),
        "outcome": dict(sorted(collections.Counter(r["outcome"] for r in recs).items())),
        "industry": dict(sorted(collections.Counter(r["industry"] for r in recs).items())),
        "quadrant_x_outcome": dict(sorted(collections.Counter(f"{r['quadrant']}/{r['outcome']}" for r in recs).items())),
        "quadrant_x_industry": {q: dict(sorted(collections.Counter(r["industry"] for r in recs if r["quadrant"] == q).items()))
                                for q in sorted({r["quadrant"] for r in recs})},
        "style": dict(collections.Counter(c["style"] for c in calls)),
        "turns": {"min": min(len(r["transcript"].split("\n")) for r in recs),
                  "max": max(len(r["transcript"].split("\n")) for r in recs),
                  "mean": round(sum(len(r["transcript"].split("\n")) for r in recs) / len(recs), 1),
                  "over_30": sum(len(r["transcript"].split("\n")) > 30 for r in recs)},
        "unresolved_routine": sum(1 for r in recs if r["outcome"] == "unresolved" and any(n["kind"] != "problem" for n in r["needs"])),
        "pairs_sharing_more_than_2_sentences": len(bad),
    }
    json.dump(stats, open(os.path.join(HERE, "stats.json"), "w"), indent=2)
    print(json.dumps(stats, indent=2))
    for a, b, s in bad:
        print("DUP", a, b, s)
    print("most repeated 5+ word sentences:", common)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
