#!/usr/bin/env python3
"""Build sgd_turns.jsonl and sgd_dialogues.jsonl from the Schema-Guided Dialogue dataset.

Source: https://github.com/google-research-datasets/dstc8-schema-guided-dialogue (CC BY-SA 4.0).
Reads {train,dev,test}/dialogues_*.json (sgd_x/ is skipped).  Dialogue files absent from the
mirror (the fetched snapshot leaves out files >= 4 MiB) are skipped and counted.

SGD is machine-generated dialogue flows paraphrased by crowd workers (user=USER, agent=SYSTEM).

Turn label (first matching rule wins):
  agent:    NOTIFY_FAILURE -> failed; NOTIFY_SUCCESS -> done; OFFER / OFFER_INTENT -> offer;
            REQUEST / CONFIRM -> request_info; everything else (INFORM, INFORM_COUNT, REQ_MORE,
            GOODBYE) -> other.  SGD has no promise/transfer.
  customer: REQUEST_ALTS -> reject; NEGATE / NEGATE_INTENT -> reject unless the previous agent
            turn was REQ_MORE / GOODBYE / NOTIFY_SUCCESS ("no thanks, that's all") -> accept;
            INFORM_INTENT -> need; AFFIRM / AFFIRM_INTENT / SELECT / THANK_YOU / GOODBYE -> accept;
            else (INFORM, REQUEST) -> other.

Dialogue success:
  last NOTIFY_* in the dialogue is NOTIFY_SUCCESS -> true ("notify_success" or
  "failure_then_success"); a NOTIFY_FAILURE with no later NOTIFY_SUCCESS -> false; no NOTIFY_*:
  if the agent OFFERed and the customer's last turn contains no REQUEST_ALTS/NEGATE -> true
  ("search_offer_accepted"), if the last customer acts are REQUEST_ALTS/NEGATE -> false, else null.
"""

import argparse
import collections
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_io import Source, write_jsonl  # noqa: E402

CLOSE_Q = {"REQ_MORE", "GOODBYE", "NOTIFY_SUCCESS"}


def acts_of(turn):
    out = []
    for fr in turn.get("frames", []):
        for a in fr.get("actions", []):
            if a["act"] not in out:
                out.append(a["act"])
    return out


def agent_label(acts):
    s = set(acts)
    if "NOTIFY_FAILURE" in s:
        return "failed"
    if "NOTIFY_SUCCESS" in s:
        return "done"
    if s & {"OFFER", "OFFER_INTENT"}:
        return "offer"
    if s & {"REQUEST", "CONFIRM"}:
        return "request_info"
    return "other"


def customer_label(acts, prev_agent_acts):
    s = set(acts)
    if "REQUEST_ALTS" in s:
        return "reject"
    if s & {"NEGATE", "NEGATE_INTENT"}:
        if set(prev_agent_acts) & CLOSE_Q:
            return "accept"
        return "reject"
    if "INFORM_INTENT" in s:
        return "need"
    if s & {"AFFIRM", "AFFIRM_INTENT", "SELECT", "THANK_YOU", "GOODBYE"}:
        return "accept"
    return "other"


def dialogue_success(turns):
    notifies = [
        (i, a)
        for i, (spk, _, acts) in enumerate(turns)
        for a in acts
        if spk == "agent" and a in ("NOTIFY_SUCCESS", "NOTIFY_FAILURE")
    ]
    if notifies:
        had_fail = any(a == "NOTIFY_FAILURE" for _, a in notifies)
        if notifies[-1][1] == "NOTIFY_SUCCESS":
            return True, (
                "failure_then_success: NOTIFY_FAILURE followed by a later NOTIFY_SUCCESS"
                if had_fail
                else "notify_success: agent NOTIFY_SUCCESS for the transactional intent"
            )
        return False, "notify_failure: NOTIFY_FAILURE with no later NOTIFY_SUCCESS"
    offered = any(
        spk == "agent" and ({"OFFER", "OFFER_INTENT"} & set(acts)) for spk, _, acts in turns
    )
    last_cust = next((acts for spk, _, acts in reversed(turns) if spk == "customer"), [])
    if {"REQUEST_ALTS", "NEGATE"} & set(last_cust) and not {"THANK_YOU", "GOODBYE"} & set(
        last_cust
    ):
        return False, "search_rejected: no NOTIFY_*, customer's last turn rejects/asks alternatives"
    if offered:
        return (
            True,
            "search_offer_accepted: no transaction; agent OFFERed a result and customer closed without rejecting",
        )
    return None, "undetermined: no NOTIFY_* and no OFFER"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--outdir", default=here)
    ap.add_argument("--turns", type=int, default=4000)
    ap.add_argument("--dialogues", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    src = Source(a.mirror, a.rev)
    files = [
        p
        for split in ("train", "dev", "test")
        for p in src.list(split)
        if os.path.basename(p).startswith("dialogues_") and p.endswith(".json")
    ]
    missing = 0
    dialogues = []
    for p in files:
        data = src.read_json(p)
        if data is None:
            missing += 1
            continue
        split = p.split("/")[0]
        for d in data:
            turns = []
            for t in d["turns"]:
                spk = "agent" if t["speaker"] == "SYSTEM" else "customer"
                turns.append((spk, t["utterance"], acts_of(t)))
            dialogues.append((split, d["dialogue_id"], d.get("services", []), turns))
    print(
        f"files: {len(files)} listed, {missing} absent from mirror; dialogues read: {len(dialogues)}"
    )

    # ---- turns
    pools = collections.defaultdict(list)
    for split, did, services, turns in dialogues:
        prev_agent = []
        for i, (spk, text, acts) in enumerate(turns):
            if spk == "agent":
                lab = agent_label(acts)
                prev_agent = acts
            else:
                lab = customer_label(acts, prev_agent)
            pools[(spk, lab)].append(
                {
                    "corpus": "sgd",
                    "dialogue_id": f"{split}/{did}",
                    "turn": i,
                    "speaker": spk,
                    "text": text,
                    "acts": acts,
                    "label": lab,
                    "prev_agent_acts": prev_agent if spk == "customer" else None,
                }
            )
    keys = sorted(pools)
    chosen = []
    left = a.turns
    order = sorted(
        keys, key=lambda k: len(pools[k])
    )  # small pools first; leftovers go to bigger ones
    for j, k in enumerate(order):
        quota = min(len(pools[k]), left // (len(order) - j))
        chosen += rng.sample(pools[k], quota)
        left -= quota
    rng.shuffle(chosen)
    n_t = write_jsonl(os.path.join(a.outdir, "sgd_turns.jsonl"), chosen)
    print("turn pools:", {f"{k[0]}/{k[1]}": len(v) for k, v in sorted(pools.items())})
    print(
        "turns written:",
        n_t,
        dict(collections.Counter(f"{r['speaker']}/{r['label']}" for r in chosen)),
    )

    # ---- dialogues
    by = collections.defaultdict(list)
    for split, did, services, turns in dialogues:
        ok, how = dialogue_success(turns)
        tr = "\n".join(("Agent: " if s == "agent" else "Customer: ") + t for s, t, _ in turns)
        by[ok].append(
            {
                "corpus": "sgd",
                "id": f"{split}/{did}",
                "services": services,
                "transcript": tr,
                "success": ok,
                "how": how,
            }
        )
    print(
        "dialogue success pools:",
        {str(k): len(v) for k, v in by.items()},
        dict(collections.Counter(r["how"].split(":")[0] for v in by.values() for r in v)),
    )
    # balanced: up to 45% false, 10% null, rest true
    n_false = min(len(by[False]), int(a.dialogues * 0.45))
    n_null = min(len(by[None]), int(a.dialogues * 0.10))
    n_true = min(len(by[True]), a.dialogues - n_false - n_null)
    # among true, keep failure_then_success examples over-represented (they are the hard case)
    fts = [r for r in by[True] if r["how"].startswith("failure_then_success")]
    rest = [r for r in by[True] if not r["how"].startswith("failure_then_success")]
    k_fts = min(len(fts), n_true // 3)
    out = (
        rng.sample(by[False], n_false)
        + rng.sample(by[None], n_null)
        + rng.sample(fts, k_fts)
        + rng.sample(rest, n_true - k_fts)
    )
    rng.shuffle(out)
    n_d = write_jsonl(os.path.join(a.outdir, "sgd_dialogues.jsonl"), out)
    print(
        "dialogues written:",
        n_d,
        dict(collections.Counter(str(r["success"]) for r in out)),
        dict(collections.Counter(r["how"].split(":")[0] for r in out)),
    )
    print("source commit:", src.commit())


if __name__ == "__main__":
    main()
