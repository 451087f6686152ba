#!/usr/bin/env python3
"""Build multidogo_turns.jsonl from MultiDoGO (awslabs/multi-domain-goal-oriented-dialogues-dataset).

License: CDLA-Permissive-1.0 (LICENSE.txt).  Human-human (crowd) customer-service chats in six
domains: airline, fastfood, finance, insurance, media, software.

Only data/paper_splits/splits_annotated_at_turn_level/<domain>/{train,dev,test}.tsv is used:
CUSTOMER turns with one intent label each (multi-intent joined by '<div>').  Agent turns are
not in the annotated splits, and the full unannotated conversations (data/unannotated/*.tsv)
are >= 4 MiB and absent from the fetched snapshot -- so there is no agent side and no
dialogues file.  If --mirror has data/unannotated/*.tsv (a full clone), --dialogues also writes
multidogo_dialogues.jsonl transcripts with success=null (no outcome annotation exists).

Label mapping (customer turns only):
  confirmation, thankyou -> accept; rejection -> accept when the text is a closing ("no thanks",
  "nothing else", "that's all", "enough", ~91% of rejection turns: the customer declining
  "anything else?"), otherwise reject (declining an offer/change: "no let my window seat be"); any domain intent (bookflight,
  reportlostcard, disputecharge, orderpizzaintent, ...) -> need; contentonly, openinggreeting,
  closinggreeting, outofdomain -> other.
"""

import argparse
import collections
import csv
import io
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_io import Source, write_jsonl  # noqa: E402

DOMAINS = ["airline", "fastfood", "finance", "insurance", "media", "software"]
OTHER = {"contentonly", "openinggreeting", "closinggreeting", "outofdomain"}
# "rejection" is overwhelmingly the customer declining "anything else?" (7000 of 7664 train turns
# match this): those are closings of a served customer, so they map to accept, not reject.
CLOSING = re.compile(
    r"\b(thank\w*|thanks|thnx|thx|nothing|noth\w*|that'?s (all|it)|that is (all|it)|"
    r"that will be all|no more|not now|all set|no need|bye|no other|enough|not really|"
    r"no th\w*|no ty\w*|no problem|its ok|it's ok)\b",
    re.I,
)


def label(intents, text=""):
    s = set(intents)
    if "rejection" in s:
        return "accept" if CLOSING.search(text) else "reject"
    if s - OTHER - {"confirmation", "thankyou", "rejection"}:
        return "need"
    if s & {"confirmation", "thankyou"}:
        return "accept"
    return "other"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--outdir", default=here)
    ap.add_argument("--turns", type=int, default=4000)
    ap.add_argument(
        "--dialogues",
        type=int,
        default=0,
        help="write up to N transcripts if data/unannotated exists",
    )
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    src = Source(a.mirror, a.rev)
    pools = collections.defaultdict(list)
    bad = 0
    for dom in DOMAINS:
        for split in ("train", "dev", "test"):
            b = src.read(f"data/paper_splits/splits_annotated_at_turn_level/{dom}/{split}.tsv")
            if b is None:
                continue
            rd = csv.reader(io.StringIO(b.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rd)
            for row in rd:
                if len(row) != 6 or not row[5] or " " in row[5]:
                    bad += 1
                    continue
                conv, turn, _, utt, _, intent = row
                intents = intent.split("<div>")
                lab = label(intents, utt)
                pools[lab].append(
                    {
                        "corpus": "multidogo",
                        "dialogue_id": f"{dom}/{conv}",
                        "turn": int(float(turn)) if turn.replace(".", "", 1).isdigit() else turn,
                        "speaker": "customer",
                        "text": utt,
                        "acts": intents,
                        "label": lab,
                        "domain": dom,
                        "split": split,
                    }
                )
    print("pools:", {k: len(v) for k, v in pools.items()}, "malformed rows skipped:", bad)
    out = []
    labs = sorted(pools, key=lambda k: len(pools[k]))
    left = a.turns
    for j, k in enumerate(labs):
        q = min(len(pools[k]), left // (len(labs) - j))
        # stratify by domain
        byd = collections.defaultdict(list)
        for r in pools[k]:
            byd[r["domain"]].append(r)
        doms = sorted(byd, key=lambda d: len(byd[d]))
        rem = q
        for i, d in enumerate(doms):
            qq = min(len(byd[d]), rem // (len(doms) - i))
            out += rng.sample(byd[d], qq)
            rem -= qq
        left -= q - rem
    rng.shuffle(out)
    n = write_jsonl(os.path.join(a.outdir, "multidogo_turns.jsonl"), out)
    print(
        "written:",
        n,
        dict(collections.Counter(r["label"] for r in out)),
        dict(collections.Counter(r["domain"] for r in out)),
    )

    if a.dialogues:
        convs = collections.OrderedDict()
        for dom in DOMAINS:
            b = src.read(f"data/unannotated/{dom}.tsv")
            if b is None:
                print(f"data/unannotated/{dom}.tsv absent; no dialogues for {dom}")
                continue
            rd = csv.DictReader(
                io.StringIO(b.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE
            )
            for r in rd:
                role = (
                    "Agent"
                    if (r.get("authorRole") or "").lower().startswith("agent")
                    else "Customer"
                )
                convs.setdefault(f"{dom}/{r['conversationId']}", []).append(
                    f"{role}: {r['utterance']}"
                )
        keys = rng.sample(list(convs), min(a.dialogues, len(convs)))
        if keys:
            write_jsonl(
                os.path.join(a.outdir, "multidogo_dialogues.jsonl"),
                [
                    {
                        "corpus": "multidogo",
                        "id": k,
                        "transcript": "\n".join(convs[k]),
                        "success": None,
                        "how": "MultiDoGO has no outcome annotation",
                    }
                    for k in keys
                ],
            )
    print("source commit:", src.commit())


if __name__ == "__main__":
    main()
