"""The word model scored in plain Python (nlp/words.py) must agree with scikit-learn, which
trained it, or the outcome model would weigh a different number than it was fitted on."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from aftercall.nlp.outcome import model_path
from aftercall.nlp.words import WordModel, call_text, terms
from aftercall.training.datasets import dev_set


def test_plain_python_scores_match_scikit_learn() -> None:
    train, test = dev_set("train"), dev_set("test")
    texts = [call_text(i.transcript.turns) for i in train]
    y = [int(bool(i.unresolved)) for i in train]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(vec.fit_transform(texts), y)
    ours = WordModel(WordModel.to_json(vec, lr))
    held = [call_text(i.transcript.turns) for i in test]
    expected = lr.decision_function(vec.transform(held))
    got = np.array([ours.decision(t) for t in held])
    assert np.abs(got - expected).max() < 1e-3  # JSON keeps 6 decimals


def test_terms_are_scikit_learns_word_bigrams() -> None:
    text = "c_It's c_STILL c_broken, a_sorry a_sorry"
    analyzer = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    assert sorted(terms(text).elements()) == sorted(analyzer(text))


def test_shipped_model_names_its_words_for_a_reviewer() -> None:
    import json

    from aftercall.nlp.detector import analyse

    model = json.loads(model_path("outcome.json").read_text(encoding="utf-8"))
    assert "words" in model and model["features"][-1] == "word_score"
    call = dev_set("test")[7]
    a = analyse(call.transcript)
    assert "word_score" in a.features
    assert "the word model's strongest words: \"" in a.reasons[1]
    assert not any(w in a.reasons[1] for w in ('"c_', '"a_'))  # sides said in words


def test_empty_call_scores_the_intercept() -> None:
    model = {"ngram_max": 2, "vocabulary": ["c_still"], "idf": [1.5], "coef": [2.0],
             "intercept": -0.5}  # fmt: skip
    assert WordModel(model).decision("") == -0.5
    assert WordModel(model).decision("c_still") == -0.5 + 2.0
