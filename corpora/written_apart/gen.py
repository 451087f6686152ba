#!/usr/bin/env python3
"""Assemble the hand-written call scenarios in scenarios/*.txt into train_calls.jsonl.

Scenario file format (see README.md):
  === industry | tone | title          starts a scenario (the shared opening of a call)
  A: text / C: text                    agent / customer turns
  C*p: / C*r: / C*q:                   customer turn that states a need (problem / routine / question)
  [[...]]                              optional span inside a need turn: the need text
  %ID %HOLD %SMALL %SIDE %CLOSE        optional insertion points for generic call material
  --- outcome left handled[,handled] [tone=x]   starts one ending of the scenario
Every (scenario, ending) pair becomes exactly one call.
"""
import glob
import json
import os
import random
import re
import sys
from collections import Counter

from pools import (GREETINGS, COMPANIES, AGENTS, FIRST, LAST, id_snippet, HOLDS,
                   SMALLTALK, CLOSINGS, SIDE_QUESTIONS, STREETS, CONTACT, REFNUM,
                   closing_accepted, contact_snippet)

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(71123)

OUTCOMES = {"no_problem", "resolved", "pending", "unresolved"}
LEFT = {"accepted", "dissatisfied", "gave_up", "no_stance"}
HANDLED = {"done", "promised", "transferred", "declined", "deflected", "nothing"}
KINDS = {"p": "problem", "r": "routine", "q": "question"}


def parse_line(line, where):
    s = line.strip()
    if s.startswith("%"):
        return ("M", s[1:].strip(), None)
    m = re.match(r"^(A|C)(\*([prq]))?:\s?(.*)$", s)
    if not m:
        raise ValueError(f"bad line in {where}: {line!r}")
    spk, _, kind, text = m.groups()
    return (spk, text, KINDS[kind] if kind else None)


def parse(path):
    cores = []
    cur = br = None
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{os.path.basename(path)}:{n}"
        if line.startswith("==="):
            ind, tone, title = [x.strip() for x in line[3:].split("|", 2)]
            cur = {"industry": ind, "tone": tone, "title": title, "core": [], "branches": [], "where": where}
            cores.append(cur)
            br = None
        elif line.startswith("---"):
            parts = line[3:].split()
            b = {"outcome": parts[0], "left": parts[1], "handled": parts[2].split(",") if len(parts) > 2 and "=" not in parts[2] else [],
                 "lines": [], "tone": None, "where": where}
            for p in parts[2:]:
                if p.startswith("tone="):
                    b["tone"] = p[5:]
            cur["branches"].append(b)
            br = b
        else:
            (br["lines"] if br else cur["core"]).append(parse_line(line, where))
    return cores


# ---------------------------------------------------------------- text styles
MISHEAR = {
    "account": ["a count", "accounts"], "router": ["rooter", "route her"], "modem": ["modern"],
    "their": ["there"], "there": ["their"], "to": ["too", "two"], "for": ["four"], "refund": ["re fund", "we fund"],
    "bill": ["build"], "billing": ["building"], "card": ["car", "guard"], "claim": ["clean", "plane"],
    "policy": ["polly see"], "deductible": ["deduct a bowl"], "prescription": ["perscription", "description"],
    "password": ["pass word"], "cancel": ["cancer", "can sell"], "cancelled": ["can sold"], "flight": ["fight", "flights"],
    "luggage": ["lug age"], "baggage": ["bag itch"], "insurance": ["and shirts"], "technician": ["tech titian"],
    "appointment": ["a point meant"], "okay": ["ok"], "yeah": ["yea", "ya"], "email": ["e mail", "female"],
    "receipt": ["recede"], "balance": ["balanced"], "overdraft": ["over draft"], "subscription": ["subscript shin"],
    "premium": ["premier"], "meter": ["meet her"], "outage": ["out age"], "reservation": ["reservations"],
    "voucher": ["voter"], "tow": ["toe"], "license": ["lice and"], "permit": ["per mitt"], "form": ["from"],
    "weird": ["word"], "wifi": ["why fi"], "app": ["up"], "thursday": ["thirsty"], "tuesday": ["twos day"],
    "charged": ["charge", "charger"], "dispute": ["the spute"], "fee": ["feet", "free"], "late": ["light"],
    "order": ["odor", "border"], "driver": ["diver"], "restaurant": ["rest runt"], "booking": ["looking"],
    "check": ["jack"], "install": ["and stall"], "update": ["up date"], "renewal": ["renew all"],
    "pharmacy": ["farm see"], "referral": ["her fur all"], "invoice": ["in voice"], "statement": ["state meant"],
    "connection": ["collection"], "signal": ["single"], "plan": ["plane"], "rate": ["great"], "rental": ["rented"],
    "quote": ["coat"], "seat": ["seed"], "gate": ["great"], "room": ["rum"], "suite": ["sweet"], "menu": ["many"],
    "stream": ["scream"], "buffering": ["buffet ring"], "login": ["log in", "lagging"], "device": ["advice"],
    "mhm": ["mm hmm", "hmm"], "um": ["uhm", "um"], "uh": ["ah", "uh"], "exactly": ["exactly"], "weekend": ["week end"],
    "toll": ["tall"], "warranty": ["warrant he"], "battery": ["battle ry"], "pickup": ["pick up"], "dealer": ["dealer"],
}


def asr_text(text, r):
    t = text.replace("[[", "").replace("]]", "")
    t = re.sub(r"\$(\d+)\.(\d\d)", lambda m: (f"{m.group(1)} {m.group(2)}" if r.random() < 0.5 else f"{m.group(1)} dollars and {m.group(2)} cents"), t)
    t = re.sub(r"\$(\d[\d,]*)", lambda m: m.group(1).replace(",", "") + " dollars", t)
    t = t.replace("%", " percent")
    t = t.replace("&", " and ")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(\d)\.(\d)", r"\1 point \2", t)
    t = re.sub(r"(\d):(\d\d)", r"\1 \2", t)
    t = t.lower()
    t = re.sub(r"[—–-]+", " ", t)
    t = t.replace("’", "'")
    keep_apos = r.random() < 0.55
    if not keep_apos:
        t = t.replace("'", "")
    t = re.sub(r"[^\w\s']", " ", t)
    words = t.split()
    out = []
    for w in words:
        base = w
        if base in MISHEAR and r.random() < 0.22:
            out.append(r.choice(MISHEAR[base]))
        else:
            out.append(w)
    # occasional dropped short word or doubled word, like real ASR
    if len(out) > 6 and r.random() < 0.12:
        i = r.randrange(len(out))
        if len(out[i]) <= 3:
            del out[i]
    if len(out) > 4 and r.random() < 0.08:
        i = r.randrange(len(out))
        out.insert(i, out[i])
    return " ".join(out)


def curly_text(text):
    t = text.replace("[[", "").replace("]]", "")
    t = re.sub(r'"([^"]*)"', "“\\1”", t)
    t = t.replace("'", "’")
    return t


def plain_text(text):
    return text.replace("[[", "").replace("]]", "")


def need_span(text):
    m = re.search(r"\[\[(.*?)\]\]", text)
    return m.group(1) if m else text


# ---------------------------------------------------------------- assembly
def fill(text, ctx):
    for k, v in ctx.items():
        text = text.replace("{" + k + "}", v)
    return text


def make_ctx(ind):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "company": rng.choice(COMPANIES[ind]),
        "aname": rng.choice(AGENTS),
        "cname": first,
        "clast": last,
        "last4": f"{rng.randrange(10000):04d}",
        "street": rng.choice(STREETS),
    }


SIDE_USED = Counter()
SMALL_USED = Counter()


def assemble(core, br, profile, ctx, tone):
    seq = []  # (spk, text, need_kind)
    side_needs = []
    lines = core["core"] + br["lines"]
    if not lines or lines[0][0] != "A":
        g = rng.choice(GREETINGS)
        if profile == "short":
            g = rng.choice([x for x in GREETINGS if len(x) < 70] or GREETINGS)
        seq.append(("A", g, None))
    for spk, text, kind in lines:
        if spk != "M":
            seq.append((spk, text, kind))
            continue
        mk = text
        if mk == "ID" and profile != "short":
            seq.extend((s, t, None) for s, t in id_snippet(core["industry"], ctx, rng, long=(profile == "long")))
            if profile == "long" and tone != "angry" and not any(x[1] == "SMALL" for x in lines if x[0] == "M") and rng.random() < 0.5:
                lines_small = True
                cands = [i for i in range(len(SMALLTALK)) if SMALL_USED[i] < 4]
                if cands:
                    i = min(cands, key=lambda j: (SMALL_USED[j], rng.random()))
                    SMALL_USED[i] += 1
                    seq.extend((s, t, None) for s, t in SMALLTALK[i])
            if profile == "long" and rng.random() < 0.85:
                seq.extend((s, t, None) for s, t in (contact_snippet(rng) if rng.random() < 0.8 else rng.choice(CONTACT)))
        elif mk == "HOLD" and (profile == "long" or (profile == "medium" and rng.random() < 0.45)):
            pool = HOLDS["angry" if tone == "angry" else "calm"]
            seq.extend((s, t, None) for s, t in rng.choice(pool))
        elif mk == "SMALL" and tone != "angry" and (profile == "long" or (profile == "medium" and rng.random() < 0.25)):
            cands = [i for i in range(len(SMALLTALK)) if SMALL_USED[i] < 4]
            if cands:
                i = min(cands, key=lambda j: (SMALL_USED[j], rng.random()))
                SMALL_USED[i] += 1
                seq.extend((s, t, None) for s, t in SMALLTALK[i])
        elif mk == "SIDE" and (profile == "long" or (profile == "medium" and rng.random() < 0.2)):
            pool = SIDE_QUESTIONS.get(core["industry"], [])
            cands = [i for i in range(len(pool)) if SIDE_USED[(core["industry"], i)] < 2]
            if cands:
                i = rng.choice(cands)
                SIDE_USED[(core["industry"], i)] += 1
                for s, t in pool[i]:
                    k = None
                    if s == "C*":
                        s, k = "C", "side"
                    seq.append((s, t, k))
        elif mk == "CLOSE":
            if profile == "long" and br["outcome"] in ("pending", "resolved", "unresolved") and rng.random() < 0.6:
                seq.extend((s, t, None) for s, t in rng.choice(REFNUM))
            if br["left"] in ("accepted", "no_stance") and rng.random() < 0.85:
                seq.extend((s, t, None) for s, t in closing_accepted(tone if br["left"] == "accepted" else "neutral", rng))
                continue
            key = br["left"] if br["left"] in CLOSINGS else "accepted"
            sub = CLOSINGS[key].get(tone) or CLOSINGS[key]["neutral"]
            opts = sub if profile != "short" else sorted(sub, key=len)[:2]
            seq.extend((s, t, None) for s, t in rng.choice(opts))
    return seq


def render(seq, style, ctx, r):
    out = []  # [spk, text]
    needs_text = []
    for spk, text, kind in seq:
        text = fill(text, ctx)
        if style == "asr":
            full = asr_text(text, r)
            span = None
            if kind and "[[" in text:
                # render span part consistently: re-render full line as pre + span + post
                pre, rest = text.split("[[", 1)
                mid, post = rest.split("]]", 1)
                parts = [asr_text(pre, r) if pre.strip() else "", asr_text(mid, r), asr_text(post, r) if post.strip() else ""]
                span = parts[1]
                full = " ".join(p for p in parts if p)
            elif kind:
                span = full
        elif style == "curly":
            full = curly_text(text)
            span = curly_text(need_span(text)) if kind else None
        else:
            full = plain_text(text)
            span = need_span(text) if kind else None
        full = full.strip()
        if not full:
            continue
        if kind:
            needs_text.append((kind, span.strip()))
        # (kind "side" marks a generic side question inserted by the assembler)
        if out and out[-1][0] == spk:
            out[-1][1] = out[-1][1] + " " + full
        else:
            out.append([spk, full])
    return out, needs_text


def check_labels(outcome, left, needs, where):
    hs = [n["handled"] for n in needs]
    ks = [n["kind"] for n in needs]
    bad = [h for h in hs if h not in ("done", "promised")]
    if outcome == "no_problem":
        assert all(k != "problem" for k in ks) and all(h == "done" for h in hs) and left in ("accepted", "no_stance"), where
    elif outcome == "resolved":
        assert "problem" in ks and all(h == "done" for h in hs) and left in ("accepted", "no_stance"), where
    elif outcome == "pending":
        assert "promised" in hs and not bad and left in ("accepted", "no_stance"), where
    elif outcome == "unresolved":
        assert bad, where
    assert needs, where


def main():
    cores = []
    for path in sorted(glob.glob(os.path.join(HERE, "scenarios", "*.txt"))):
        cores.extend(parse(path))
    jobs = []
    for c in cores:
        for b in c["branches"]:
            assert b["outcome"] in OUTCOMES, b["where"]
            assert b["left"] in LEFT, b["where"]
            assert all(h in HANDLED for h in b["handled"]), b["where"]
            jobs.append((c, b))
    rng.shuffle(jobs)
    n = len(jobs)
    styles = ["asr"] * round(n / 3) + ["curly"] * round(n * 0.36)
    styles += ["plain"] * (n - len(styles))
    rng.shuffle(styles)
    records = []
    for idx, ((c, b), style) in enumerate(zip(jobs, styles), 1):
        tone = b["tone"] or c["tone"]
        assert tone in ("angry", "warm", "neutral"), c["where"]
        ctx = make_ctx(c["industry"])
        profile = rng.choices(["short", "medium", "long"], [0.2, 0.42, 0.38])[0]
        r = random.Random(idx * 7919)
        for attempt in range(6):
            seq = assemble(c, b, profile, ctx, tone)
            turns, needs_text = render(seq, style, ctx, r)
            if len(turns) > 60:
                profile = "medium" if profile == "long" else "short"
                continue
            if len(turns) < 6 and profile != "long":
                profile = "long" if profile == "medium" else "medium"
                continue
            break
        assert 6 <= len(turns) <= 60, (c["where"], len(turns))
        # handled: scenario needs in order, side questions always "done"
        handled = list(b["handled"])
        scen_kinds = [k for (s, t, k) in c["core"] + b["lines"] if s in ("A", "C") and k]
        assert len(scen_kinds) == len(handled), (b["where"], scen_kinds, handled)
        needs = []
        hi = 0
        for kind, text in needs_text:
            if kind != "side":
                assert kind == scen_kinds[hi], b["where"]
                needs.append({"kind": kind, "text": text, "handled": handled[hi]})
                hi += 1
            else:
                needs.append({"kind": "question", "text": text, "handled": "done"})
        assert hi == len(handled), b["where"]
        check_labels(b["outcome"], b["left"], needs, b["where"])
        rec = {
            "id": f"ts-{idx:04d}",
            "industry": c["industry"],
            "tone": tone,
            "outcome": b["outcome"],
            "needs": needs,
            "left": b["left"],
            "transcript": "\n".join(f"{'Agent' if s == 'A' else 'Customer'}: {t}" for s, t in turns),
        }
        records.append(rec)
    out = os.path.join(HERE, "train_calls.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} calls from {len(cores)} scenarios -> {out}")


if __name__ == "__main__":
    main()
