#!/usr/bin/env python3
"""Build simres_labelled.jsonl from JamesMcKee/sentiment-and-resolution.

Source: https://github.com/JamesMcKee/sentiment-and-resolution (README: "Free software under MIT
license"; there is no LICENSE file).  test/simulated_transcripts/<sentiment>_<resolution>_<n>.txt
are 60 GPT-4-generated health-insurance member-support call transcripts, 10 per combination of
member sentiment (positive/negative/neutral) x call status (resolved/notresolved).  The ~200
files under scr/transcripts/ are unlabelled and are not taken.

Speaker names are normalised: "Member" -> Customer, anything else ("Customer Support",
"PA Agent", ...) -> Agent; the original name is kept in extra.speakers.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_io import Source, write_jsonl  # noqa: E402

NAME_RE = re.compile(r"^(negative|neutral|positive)_(resolved|notresolved)_(\d+)\.txt$")
LINE_RE = re.compile(r"^\s*([A-Za-z][A-Za-z .]{0,30}?):\s*(.*)$")


def convert(text):
    lines, speakers = [], set()
    for raw in text.splitlines():
        if not raw.strip():
            continue
        m = LINE_RE.match(raw)
        if m:
            spk, utt = m.group(1).strip(), m.group(2).strip()
            speakers.add(spk)
            lines.append(["Customer" if spk.lower() == "member" else "Agent", utt])
        elif lines:
            lines[-1][1] += " " + raw.strip()
    return "\n".join(f"{s}: {u}" for s, u in lines), sorted(speakers)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--out", default=os.path.join(here, "simres_labelled.jsonl"))
    a = ap.parse_args()
    src = Source(a.mirror, a.rev)
    rows = []
    for p in src.list("test/simulated_transcripts"):
        m = NAME_RE.match(os.path.basename(p))
        if not m:
            continue
        tr, speakers = convert(src.read(p).decode("utf-8"))
        rows.append(
            {
                "id": os.path.basename(p)[:-4],
                "transcript": tr,
                "resolved": m.group(2) == "resolved",
                "extra": {
                    "sentiment": m.group(1),
                    "speakers": speakers,
                    "source_file": p,
                    "generator": "GPT-4 (per repo README)",
                    "domain": "health insurance member support",
                },
            }
        )
    rows.sort(
        key=lambda r: (r["extra"]["sentiment"], not r["resolved"], int(r["id"].rsplit("_", 1)[1]))
    )
    n = write_jsonl(a.out, rows)
    print(
        f"wrote {n} rows to {a.out}; resolved={sum(r['resolved'] for r in rows)}; source commit {src.commit()}"
    )


if __name__ == "__main__":
    main()
