"""Scoring redaction: our marked set, and two real sources we did not write.

- tests/data/redaction_set.jsonl (scripts/make_redaction_set.py): utterances with each piece
  of personal data marked, plus look-alikes that must stay. A marked value counts as found
  when every letter and digit of it is inside redacted spans (so a card number split into two
  spans still counts, a half-redacted one does not); a redacted span is correct when it
  overlaps a marked value.
- ABCD customer-service chats (../shared/data/text/abcd_sample): each chat's scenario names
  the customer's e-mail, phone, address and zip; where the customer typed one of them, it
  must be redacted (recall on text written by crowd workers, not by us).
- CFPB complaint narratives (../shared/data/text/cfpb_complaints): the bureau already masked
  personal data as XXXX, so what we still redact there is mostly a false alarm (amounts,
  dates, reference numbers): printed as spans per 100 narratives with examples.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aftercall.nlp.redact import RedactionConfig, Span, find_spans

SET_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "redaction_set.jsonl"


@dataclass
class KindScore:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


@dataclass
class SetScore:
    utterances: int = 0
    kinds: dict[str, KindScore] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # what a reader needs to fix a rule
    false_alarms: list[str] = field(default_factory=list)


def _covered(text: str, start: int, end: int, spans: list[Span]) -> bool:
    return all(
        any(s.start <= i < s.end for s in spans) for i in range(start, end) if text[i].isalnum()
    )


def score_set(path: Path = SET_PATH, cfg: RedactionConfig | None = None) -> SetScore:
    score = SetScore()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        score.utterances += 1
        spans = find_spans([text], cfg)[0]
        gold = []
        for kind, value in row["pii"]:
            start = text.index(value)
            gold.append((kind, start, start + len(value)))
            ks = score.kinds.setdefault(kind, KindScore())
            ks.gold += 1
            if _covered(text, start, start + len(value), spans):
                ks.found += 1
            else:
                score.misses.append(f"{kind}: {text}")
        for s in spans:
            ks = score.kinds.setdefault(s.kind, KindScore())
            ks.predicted += 1
            if any(s.start < e and b < s.end for _, b, e in gold):
                ks.correct += 1
            else:
                score.false_alarms.append(f"{s.kind}: {text[s.start : s.end]!r} in {text}")
    return score


def score_abcd(path: Path, cfg: RedactionConfig | None = None) -> tuple[int, int, list[str]]:
    """(values typed by customers, of them redacted, misses) over the ABCD sample chats."""
    chats = json.loads(path.read_text(encoding="utf-8"))
    total = found = 0
    misses = []
    for chat in chats:
        personal = chat["scenario"]["personal"]
        order = chat["scenario"]["order"]
        values = [personal.get("email"), personal.get("phone"), order.get("street_address")]
        values += [order.get("zip_code")]
        turns = [text for who, text in chat["original"] if who in ("customer", "agent")]
        spans = find_spans(turns, cfg)
        for value in filter(None, values):
            for text, found_spans in zip(turns, spans, strict=True):
                at = text.lower().find(value.lower())
                if at < 0:
                    continue
                total += 1
                if _covered(text, at, at + len(value), found_spans):
                    found += 1
                else:
                    misses.append(f"{value!r} in {text!r}")
    return total, found, misses


def score_cfpb(
    path: Path, limit: int = 500, cfg: RedactionConfig | None = None
) -> tuple[int, Counter, list[str]]:
    """(narratives read, spans per kind, examples) on complaints already masked by the CFPB."""
    counts: Counter = Counter()
    examples: list[str] = []
    read = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row.get("complaint_what_happened") or ""
            if not text.strip():
                continue
            read += 1
            text = re.sub(r"\s+", " ", text)
            for s in find_spans([text], cfg)[0]:
                counts[s.kind] += 1
                if len(examples) < 8:
                    lo = max(0, s.start - 30)
                    examples.append(f"{s.kind}: ...{text[lo : s.end + 20]}...")
            if read >= limit:
                break
    return read, counts, examples
