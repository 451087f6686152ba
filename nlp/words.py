"""The word model: TF-IDF over what each side said -> one logistic-regression score per call.

The rules find evidence in phrasings someone wrote a pattern for; the word model weighs every
word and word pair the customer and agent said, so it carries signal into phrasings the rules
have never seen. It is one input of the trained outcome model (``word_score``), beside the
rules' features, not a decision of its own: the reasons a reviewer reads still point at the
rules' evidence, and ``top_terms`` says which words pushed the score.

Scored in plain Python from the JSON the trainer writes (vocabulary, idf, coefficients), with
the exact arithmetic of scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), min_df=2,
sublinear_tf=True)`` and ``LogisticRegression.decision_function``; tests/test_words.py checks
the two agree on the development set.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def call_text(turns: Sequence[Any]) -> str:
    """Both sides' words, each prefixed by side, so "sorry" from the agent is its own word."""
    parts = []
    for t in turns:
        side = "c_" if t.speaker != "agent" else "a_"
        parts.append(" ".join(side + w for w in (t.text or "").lower().split()))
    return " ".join(parts)


def terms(text: str, ngram_max: int = 2) -> Counter[str]:
    """Word 1..n-grams as scikit-learn's word analyzer makes them (lower-cased)."""
    tokens = TOKEN.findall(text.lower())
    out: Counter[str] = Counter()
    for n in range(1, ngram_max + 1):
        for i in range(len(tokens) - n + 1):
            out[" ".join(tokens[i : i + n])] += 1
    return out


class WordModel:
    def __init__(self, model: dict[str, Any]) -> None:
        self.ngram_max = int(model["ngram_max"])
        vocabulary: list[str] = list(model["vocabulary"])
        idf = [float(x) for x in model["idf"]]
        coef = [float(x) for x in model["coef"]]
        if not len(vocabulary) == len(idf) == len(coef):
            raise ValueError("word model: vocabulary, idf and coef differ in length")
        self.idf = dict(zip(vocabulary, idf, strict=True))
        self.coef = dict(zip(vocabulary, coef, strict=True))
        self.intercept = float(model["intercept"])

    def _weights(self, text: str) -> dict[str, float]:
        counts = terms(text, self.ngram_max)
        x = {t: (1.0 + math.log(n)) * self.idf[t] for t, n in counts.items() if t in self.idf}
        norm = math.sqrt(sum(v * v for v in x.values()))
        return {t: v / norm for t, v in x.items()} if norm else {}

    def decision(self, text: str) -> float:
        return self.intercept + sum(v * self.coef[t] for t, v in self._weights(text).items())

    def top_terms(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The words that moved this call's score most, each with its share of the score."""
        parts = [(t, v * self.coef[t]) for t, v in self._weights(text).items()]
        parts.sort(key=lambda p: (-abs(p[1]), p[0]))
        return parts[:k]

    @staticmethod
    def to_json(vectorizer: Any, model: Any) -> dict[str, Any]:
        """What ``WordModel`` needs from a fitted TfidfVectorizer and LogisticRegression."""
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        return {
            "kind": "tf-idf word 1-2 grams (sublinear tf, l2) -> logistic regression",
            "ngram_max": int(vectorizer.ngram_range[1]),
            "vocabulary": vocabulary,
            "idf": [round(float(x), 6) for x in vectorizer.idf_],
            "coef": [round(float(x), 6) for x in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
        }
