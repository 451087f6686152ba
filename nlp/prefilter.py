"""Which turns can hold a signal at all, decided from the tokenizer alone.

Most turns of a call carry no signal ("okay", "let me check", an address read back), and the
tagger, parser and lemmatizer are most of the detector's cost. So every turn first meets a
*loose* copy of the signal rules on a tokenizer-only Doc; only a turn that matches there goes
through the full pipeline, where the exact rules run. The others keep a tokenizer-only Doc with
no signals, which is what the full pipeline would have found for them.

A loose rule accepts everything its exact rule accepts:

* a ``LEMMA`` constraint becomes ``LOWER IN`` every form the pipeline could lemmatise to it,
  whatever the part of speech: the inverse of the rule lemmatizer's suffix rules for every POS,
  the forms its exception tables map to the lemma ("was" -> "be"), and the attribute ruler's
  fixed lemmas ("'m" -> "be");
* constraints a tokenizer cannot know (POS, TAG, DEP, MORPH, sentence starts, entities) and the
  rules' exclusion words are dropped.

So the filter may send through a turn that then matches nothing, but never drops one that would
match. tests/test_prefilter.py checks the analyses are identical with and without it on the
development set and on real dialogues and complaints.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from aftercall.nlp.signals import SignalMatcher

# Token attributes a tokenizer-only Doc does not have: a loose rule leaves them out.
_NEEDS_PIPELINE = {
    "POS",
    "TAG",
    "DEP",
    "MORPH",
    "IS_SENT_START",
    "SENT_START",
    "ENT_TYPE",
    "ENT_IOB",
    "ENT_ID",
    "ENT_KB_ID",
    "HEAD",
}


class LemmaForms:
    """Every lower-cased form the pipeline could lemmatise to a given lemma."""

    def __init__(self, nlp: Language) -> None:
        self.rules: set[tuple[str, str]] = set()
        self.by_lemma: dict[str, set[str]] = {}
        if "lemmatizer" in nlp.pipe_names:
            lookups = nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_rules"):
                for rules in lookups.get_table("lemma_rules").values():
                    self.rules.update((old, new) for old, new in rules)
            if lookups.has_table("lemma_exc"):
                for table in lookups.get_table("lemma_exc").values():
                    for form, lemmas in table.items():
                        for lemma in lemmas:
                            self.by_lemma.setdefault(lemma.lower(), set()).add(form.lower())
        if "attribute_ruler" in nlp.pipe_names:
            for entry in nlp.get_pipe("attribute_ruler").patterns:
                lemma = entry["attrs"].get("LEMMA")
                if isinstance(lemma, str):
                    for pattern in entry["patterns"]:
                        for tok in pattern:
                            for form in _words(tok, ("LOWER", "ORTH", "NORM", "TEXT")):
                                self.by_lemma.setdefault(lemma.lower(), set()).add(form)

    def __call__(self, lemma: str) -> set[str]:
        lemma = lemma.lower()
        out = {lemma} | self.by_lemma.get(lemma, set())
        for old, new in self.rules:  # "fix" <- "fixes", "fixed", "fixing"; "try" <- "tried"
            if lemma.endswith(new):
                out.add(lemma[: len(lemma) - len(new)] + old)
        if lemma[-1:].isalpha():  # doubled consonants: "stop" <- "stopped", "stopping"
            out |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
        return out


def _words(tok: dict[str, Any], attrs: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for attr in attrs:
        value = tok.get(attr)
        if isinstance(value, str):
            out.add(value.lower())
        elif isinstance(value, dict) and isinstance(value.get("IN"), list):
            out.update(str(v).lower() for v in value["IN"])
    return out


def loosen(rule: dict[str, Any], forms: LemmaForms) -> dict[str, Any]:
    """The rule with only what a tokenizer-only Doc can check (a superset of its matches)."""
    pattern = []
    for tok in rule["pattern"]:
        loose = {k: v for k, v in tok.items() if k not in _NEEDS_PIPELINE and k != "LEMMA"}
        if "LEMMA" in tok:
            lemmas = _words(tok, ("LEMMA",))
            if lemmas and not {"LOWER", "ORTH", "TEXT", "NORM"} & loose.keys():
                loose["LOWER"] = {"IN": sorted(set().union(*(forms(x) for x in lemmas)))}
        pattern.append(loose)
    return {**rule, "pattern": pattern, "exclude_prev": [], "exclude_next": []}


class TurnFilter:
    """``wanted(doc)``: could any signal rule match this tokenizer-only Doc?"""

    def __init__(self, nlp: Language) -> None:

        exact = nlp.get_pipe("aftercall_signals")
        forms = LemmaForms(nlp)
        self.loose = SignalMatcher(
            nlp,
            "aftercall_signals_loose",
            exact.pattern_files,
            exact.patterns_dir,
            {},
            transform=lambda rule: loosen(rule, forms),
        )

    def wanted(self, doc: Doc) -> bool:
        return bool(self.loose._matches(doc))


def turn_filter(nlp: Language) -> TurnFilter | None:
    """The filter for ``nlp``'s ``aftercall_signals`` rules, built once per pipeline."""
    if "aftercall_signals" not in nlp.pipe_names:
        return None
    signals = nlp.get_pipe("aftercall_signals")
    found = getattr(signals, "turn_filter", None)
    if found is None:
        found = signals.turn_filter = TurnFilter(nlp)
    return found
