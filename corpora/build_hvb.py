#!/usr/bin/env python3
"""Build hvb_calls.jsonl from the Gridspace-Stanford Harper Valley Bank corpus.

Source: https://github.com/cricketclub/gridspace-stanford-harper-valley (LICENSE file: Apache-2.0;
newer README text / third parties also cite CC BY 4.0).  Layout used:
  data/metadata/<sid>.json    per-call metadata (tasks, agent responses, surveys, labels)
  data/transcript/<sid>.json  list of segments (speaker_role, start_ms, start_timestamp_ms,
                              human_transcript, transcript (ASR), dialog_acts (model output), emotion)

--mirror may be a git dir (bare or .git) or a checkout; only data/metadata and data/transcript are
read, so a sparse/partial clone without the audio is enough, e.g.
  git clone --filter=blob:none --sparse https://github.com/cricketclub/gridspace-stanford-harper-valley hvb
  cd hvb && git sparse-checkout set data/metadata data/transcript
  python build_hvb.py --mirror hvb

Output line per call:
  id, transcript ("Agent: ..\\nCustomer: .." consecutive same-speaker segments merged, ordered by
  start_timestamp_ms, [noise]/[laughter]/[unintelligible]/<unk> removed), tasks_requested,
  tasks_done, complete, mismatches, caller_rating, agent_rating, acts [[speaker, text, [acts]]],
  plus extra (session, comments, caller_task_confirmations, labels, agent_name, n_segments).
"""

import argparse
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_io import Source, write_jsonl  # noqa: E402

TAG_RE = re.compile(r"\[[^\]]*\]|<unk>|<[^>]*>")
SPEAKER = {"agent": "agent", "caller": "customer"}
LABEL = {"agent": "Agent", "customer": "Customer"}

STRONG_COMPLAINT = re.compile(
    r"\b(frustrat\w*|annoy\w*|ridiculous|unacceptable|complain\w*|terrible|horrible|awful|upset|angry|"
    r"disappoint\w*|unhappy|not happy|waste of|supervisor|manager|cancel my account|close my account)\b"
)
WEAK_COMPLAINT = re.compile(
    r"\b(wrong|mistake|problem|issue|error|not working|doesn't work|didn't work|still)\b"
)


def clean(text):
    t = TAG_RE.sub(" ", text or "")
    return re.sub(r"\s+", " ", t).strip()


def norm(v):
    s = str(v).lower().strip()
    s = s.replace("$", "").replace(",", "")
    s = re.sub(r"\.0+\b", "", s)
    return re.sub(r"[^a-z0-9]", "", s)


def loose_equal(a, b):
    na, nb = norm(a), norm(b)
    if na == nb:
        return True
    if (
        re.search(r"[a-z]{3}", na)
        and re.search(r"[a-z]{3}", nb)
        and min(len(na), len(nb)) >= 4
        and (na in nb or nb in na)
        and re.sub(r"\D", "", na) == re.sub(r"\D", "", nb)
    ):
        return True
    da, db = re.sub(r"\D", "", na), re.sub(r"\D", "", nb)
    ma, mb = re.findall(r"[ap]m", na), re.findall(r"[ap]m", nb)
    if ma and mb and ma[-1] != mb[-1]:
        return False
    return bool(da) and da == db and len(da) >= 2


def compare_tasks(requested, done):
    """complete == every requested task has a done response of the same task_type whose shared
    detail fields loosely agree.  Fields only the caller/agent script knows (e.g. 'account balance',
    'branch hours') are not in the agent's response and are not compared."""
    used = set()
    mismatches = []
    for t in requested:
        tt = norm(t.get("task_type", ""))
        cands = [
            i for i, d in enumerate(done) if i not in used and norm(d.get("task_type", "")) == tt
        ]
        if not cands:
            mismatches.append({"task_type": t.get("task_type"), "problem": "not done"})
            continue
        best, best_bad = None, None
        for i in cands:
            bad = [
                k
                for k in t
                if k != "task_type" and k in done[i] and not loose_equal(t[k], done[i][k])
            ]
            if best is None or len(bad) < len(best_bad):
                best, best_bad = i, bad
        used.add(best)
        for k in best_bad:
            mismatches.append(
                {
                    "task_type": t.get("task_type"),
                    "field": k,
                    "requested": t[k],
                    "done": done[best][k],
                }
            )
    extra = [d.get("task_type") for i, d in enumerate(done) if i not in used]
    return (not mismatches), mismatches, extra


def rating(survey):
    try:
        return int(str((survey or {}).get("data", {}).get("partner_rating")).strip())
    except (TypeError, ValueError):
        return None


def build_call(meta, segs):
    segs = sorted(
        segs or [],
        key=lambda s: (s.get("start_timestamp_ms", s.get("start_ms", 0)), s.get("index", 0)),
    )
    acts, lines = [], []
    for s in segs:
        spk = SPEAKER.get(s.get("speaker_role"), s.get("speaker_role") or "?")
        text = clean(s.get("human_transcript", s.get("transcript", "")))
        if not text:
            continue
        acts.append(
            [spk, text, [a.replace("gridspace_", "") for a in (s.get("dialog_acts") or [])]]
        )
        if lines and lines[-1][0] == spk:
            lines[-1][1].append(text)
        else:
            lines.append((spk, [text]))
    transcript = "\n".join(f"{LABEL.get(spk, spk)}: {' '.join(ts)}" for spk, ts in lines)
    requested = meta.get("tasks") or []
    done = [r.get("data") or {} for r in (meta.get("agent", {}).get("responses") or [])]
    done = [d for d in done if d]
    complete, mismatches, extra_done = compare_tasks(requested, done)
    csurv = meta.get("caller", {}).get("survey_response") or {}
    asurv = meta.get("agent", {}).get("survey_response") or {}
    return {
        "id": meta.get("sid"),
        "transcript": transcript,
        "tasks_requested": requested,
        "tasks_done": done,
        "complete": complete,
        "mismatches": mismatches,
        "caller_rating": rating(csurv),
        "agent_rating": rating(asurv),
        "acts": acts,
        "extra": {
            "session": meta.get("session"),
            "agent_name": (meta.get("agent", {}).get("metadata") or {}).get("agent_name"),
            "caller_comment": (csurv.get("data") or {}).get("additional_comments"),
            "agent_comment": (asurv.get("data") or {}).get("additional_comments"),
            "caller_task_confirmations": len(meta.get("caller", {}).get("responses") or []),
            "unrequested_done": extra_done,
            "labels": meta.get("labels"),
            "n_segments": len(segs),
            "has_transcript": segs != [],
        },
    }


def stats(rows):
    c = collections.Counter()
    rat = collections.Counter()
    strong_ex = []
    for r in rows:
        c["calls"] += 1
        c["with_transcript"] += r["extra"]["has_transcript"]
        c["complete"] += r["complete"]
        cr = r["caller_rating"]
        rat[cr] += 1
        good = cr is None or cr >= 9
        c["rated"] += cr is not None
        c["complete_and_rated>=9_or_unrated"] += r["complete"] and good
        c["complete_and_rated>=9"] += r["complete"] and cr is not None and cr >= 9
        c["complete_and_rated<=6"] += r["complete"] and cr is not None and cr <= 6
        c["incomplete"] += not r["complete"]
        c["incomplete_and_rated<=6"] += (not r["complete"]) and cr is not None and cr <= 6
        c["caller_comment"] += bool(r["extra"]["caller_comment"])
        c["multi_task"] += len(r["tasks_requested"]) > 1
        cust = " ".join(t for s, t, _ in r["acts"] if s == "customer")
        if r["complete"]:
            c["complete_with_transcript"] += r["extra"]["has_transcript"]
            if STRONG_COMPLAINT.search(cust):
                c["complete_with_strong_complaint_word"] += 1
                if len(strong_ex) < 15:
                    strong_ex.append([r["id"], STRONG_COMPLAINT.search(cust).group(0)])
            if WEAK_COMPLAINT.search(cust):
                c["complete_with_weak_complaint_word"] += 1
        else:
            if STRONG_COMPLAINT.search(cust):
                c["incomplete_with_strong_complaint_word"] += 1
    tasks = collections.Counter(t.get("task_type") for r in rows for t in r["tasks_requested"])
    acts = collections.Counter(a for r in rows for _, _, al in r["acts"] for a in al)
    return {
        "counts": dict(c),
        "caller_rating_hist": {
            str(k): v for k, v in sorted(rat.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        },
        "task_types": dict(tasks),
        "dialog_acts": dict(acts.most_common()),
        "complete_strong_complaint_examples": strong_ex,
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--mirror", required=True, help="git dir or checkout of gridspace-stanford-harper-valley"
    )
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument(
        "--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "hvb_calls.jsonl")
    )
    ap.add_argument(
        "--stats", default=None, help="write stats JSON here (default: <out>.stats.json)"
    )
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    src = Source(a.mirror, a.rev)
    metas = [p for p in src.list("data/metadata") if p.endswith(".json")]
    if a.limit:
        metas = metas[: a.limit]
    rows = []
    for p in metas:
        sid = os.path.basename(p)[:-5]
        meta = src.read_json(p)
        if meta is None:
            continue
        meta.setdefault("sid", sid)
        segs = src.read_json(f"data/transcript/{sid}.json")
        rows.append(build_call(meta, segs))
    n = write_jsonl(a.out, rows)
    st = stats(rows)
    st["source_commit"] = src.commit()
    with open(a.stats or a.out.replace(".jsonl", "") + ".stats.json", "w") as f:
        json.dump(st, f, indent=1)
    print(f"wrote {n} calls to {a.out}")
    print(json.dumps(st["counts"], indent=1))


if __name__ == "__main__":
    main()
