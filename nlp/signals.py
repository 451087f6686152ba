"""spaCy components that find the words that matter on a call, one Doc per turn.

Two components, registered by name so that a pipeline is assembled from data
(`models/detector.json` lists them, `nlp/patterns/*.jsonl` holds what they match):

``aftercall_signals``
    A token Matcher over the pattern files. Every line of a pattern file is one JSON object::

        {"kind": "churn", "id": "cancel.service", "pattern": [<spaCy Matcher tokens>],
         "exclude_prev": [...], "exclude_next": [...]}

    ``kind`` is the signal kind (problem, resolved, unresolved, escalation, churn, abuse,
    deflection, apology_first_person, apology_corporate, ownership, promise); ``id`` names the
    rule, and its first dotted part groups rules (for problems it is the issue category, for
    unresolved markers the sort of marker: still, again, repeat, tentative, broken_promise...).
    ``exclude_prev`` / ``exclude_next`` drop a match when one of those lower-case words is among
    the three tokens before it in the same sentence / after it up to the first punctuation
    (punctuation itself can be listed, "," or "?", and then counts only right after it).
    ``context_after: n`` makes the last n tokens context that must be there but is not part
    of the signal ("I'm sorry" + "about": the signal is "I'm sorry"). ("I want to cancel" is churn,
    "I want to cancel my order" is not). Matches go to ``doc.spans["signals"]`` with the kind
    as label and the rule id as ``span.id_``. Within one kind, overlapping matches keep the
    longest; a match wholly inside a longer match of a kind listed in ``suppress`` is dropped
    ("the problem is solved" is a confirmation, not a problem statement).

``aftercall_context``
    Marks each signal span ``span._.negated``, ``span._.hypothetical`` and ``span._.question``.
    With a dependency parse (the default pipeline has one) the rules follow the syntax:

    * negated: a ``neg`` dependant ("not", "n't", "never") or a "no" determiner hangs off the
      matched words' head or a head it inherits negation from (xcomp, attr, dobj, aux... but
      not across clause boundaries such as ccomp, advcl, relcl or conj), or off a
      neg-raising verb whose complement holds the match ("I don't think that fixed it"). A
      negation inside the matched words is part of the pattern ("it's not working") and does
      not count.
    * hypothetical: the match sits in an "if"/"unless" clause, or in a clause that has one
      attached ("if this isn't fixed I'll cancel"), or follows "otherwise" / "or else" / "or
      I'll". Politeness conditions ("if that's okay", "if you like") do not count.
    * question: the sentence ends with "?".

    Without a parse (a pipeline that excludes the parser) the same flags come from a window of
    up to five tokens before the match inside its clause; cruder, and documented as such.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from aftercall.nlp import msgpack_registry  # noqa: F401  (Docs cross processes without a metadata scan each)

PATTERNS_DIR = Path(__file__).with_name("patterns")
SPAN_KEY = "signals"
MAX_SPAN_TOKENS = 64  # no pattern is longer; bounds the containment search
DEFAULT_FILES = [
    "problem.jsonl",
    "resolved.jsonl",
    "unresolved.jsonl",
    "escalation.jsonl",
    "churn.jsonl",
    "abuse.jsonl",
    "apology.jsonl",
    "deflection.jsonl",
    "ownership.jsonl",
    "promise.jsonl",
]
KINDS = (
    "problem",
    "resolved",
    "unresolved",
    "escalation",
    "churn",
    "abuse",
    "deflection",
    "apology_first_person",
    "apology_corporate",
    "ownership",
    "promise",
)
DEFAULT_SUPPRESS = {
    # container kind: kinds whose matches wholly inside it are dropped
    "resolved": ["problem"],
    "unresolved": ["resolved"],
    "problem": ["resolved"],
    "apology_corporate": ["apology_first_person", "problem"],
    "apology_first_person": ["problem"],
}

for _name in ("ac_negated", "ac_hypothetical", "ac_question"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=False)


class PatternError(ValueError):
    """A pattern file line that cannot be used; the message names the file and line."""


def load_pattern_lines(files: Iterable[str], patterns_dir: str | Path | None = None) -> list[dict]:
    """Read pattern files; blank lines are skipped, anything else must be a valid rule."""
    folder = Path(patterns_dir) if patterns_dir else PATTERNS_DIR
    rules: list[dict] = []
    for name in files:
        path = folder / name
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                rule = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise PatternError(f"{where}: not JSON ({exc.msg})") from exc
            if not isinstance(rule, dict) or not {"kind", "id", "pattern"} <= rule.keys():
                raise PatternError(f'{where}: needs "kind", "id" and "pattern"')
            if rule["kind"] not in KINDS:
                raise PatternError(f"{where}: unknown kind {rule['kind']!r}")
            if not isinstance(rule["pattern"], list) or not rule["pattern"]:
                raise PatternError(f"{where}: pattern must be a non-empty list of tokens")
            rule["source"] = where
            rules.append(rule)
    return rules


class SignalMatcher:
    """The ``aftercall_signals`` component."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        pattern_files: list[str],
        patterns_dir: str | None,
        suppress: dict[str, list[str]],
        transform: Callable[[dict], dict] | None = None,
    ) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.pattern_files, self.patterns_dir = pattern_files, patterns_dir
        # Rules are grouped by the words they require, and a group's Matcher runs only on a
        # Doc that holds at least one word of every token the rules cannot skip (see
        # _required): a turn meets one or two rules, not all ~290, and the Matcher's cost grows
        # with every pattern it tries at every token.
        self.matchers: list[Matcher] = []
        self.needs: list[tuple[frozenset[str], ...]] = []  # per Matcher: its required word sets
        self.by_word: dict[str, list[int]] = {}  # a group's rarest required word -> group
        self.always: list[int] = []
        self.rules: dict[str, dict[str, Any]] = {}
        groups: dict[tuple[frozenset[str], ...], int] = {}
        self.suppress = suppress
        for rule in load_pattern_lines(pattern_files, patterns_dir):
            rule = transform(rule) if transform else rule
            key = f"{rule['kind']}|{rule['id']}|{rule['source']}"
            context = int(rule.get("context_after", 0))
            if context < 0 or context >= len(rule["pattern"]):
                raise PatternError(f"{rule['source']}: context_after must leave a token")
            self.rules[key] = {
                "kind": rule["kind"],
                "id": rule["id"],
                "prev": {w.lower() for w in rule.get("exclude_prev", [])},
                "next": {w.lower() for w in rule.get("exclude_next", [])},
                "context_after": context,
            }
            group = _required(rule["pattern"])
            if group not in groups:
                groups[group] = len(self.matchers)
                self.matchers.append(Matcher(nlp.vocab, validate=True))
                self.needs.append(group)
                if not group:
                    self.always.append(groups[group])
                for word in min(group, key=_rarity, default=()):
                    self.by_word.setdefault(word, []).append(groups[group])
            try:
                self.matchers[groups[group]].add(key, [rule["pattern"]])
            except ValueError as exc:  # spaCy's validation message names the bad token
                raise PatternError(f"{rule['source']}: {exc}") from exc
        self.pattern_count = len(self.rules)

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        words = {t.lower_ for t in doc} | {t.lemma_.lower() for t in doc} | {t.norm_ for t in doc}
        todo = set(self.always)
        for word in words:
            todo.update(self.by_word.get(word, ()))
        out: list[tuple[int, int, int]] = []
        for n in sorted(todo):
            if all(need & words for need in self.needs[n]):
                out.extend(self.matchers[n](doc))
        return out

    def __call__(self, doc: Doc) -> Doc:
        spans: dict[str, list[Span]] = {}
        for match_id, start, end in self._matches(doc):
            info = self.rules[doc.vocab.strings[match_id]]
            if self._excluded(doc, start, end, info):
                continue
            end -= info["context_after"]
            span = Span(doc, start, end, label=info["kind"], span_id=info["id"])
            spans.setdefault(info["kind"], []).append(span)
        kept: list[Span] = []
        for group in spans.values():
            kept.extend(_merge_adjacent(filter_spans(group)))  # longest wins inside a kind
        kept = self._drop_suppressed(kept)
        kept.sort(key=lambda s: (s.start, s.end, s.label_))
        doc.spans[SPAN_KEY] = kept
        return doc

    def _excluded(self, doc: Doc, start: int, end: int, info: dict) -> bool:
        if info["prev"]:
            for tok in doc[max(0, start - 3) : start]:
                if tok.lower_ in info["prev"] and not _crosses_sentence(doc, tok.i, start):
                    return True
        if info["next"]:
            for tok in doc[end : end + 3]:
                if tok.is_punct:
                    # punctuation counts only right after the match ("I'm sorry, what?")
                    return tok.i == end and tok.lower_ in info["next"]
                if tok.lower_ in info["next"]:
                    return True
        return False

    def _drop_suppressed(self, spans: list[Span]) -> list[Span]:
        """Drop spans lying wholly inside a longer span of a kind that suppresses theirs."""
        containers = sorted(
            (s.start, s.end, s.label_) for s in spans if self.suppress.get(s.label_)
        )
        starts = [c[0] for c in containers]
        out = []
        for span in spans:
            lo = bisect.bisect_left(starts, span.start - MAX_SPAN_TOKENS)
            hi = bisect.bisect_right(starts, span.start)
            size = span.end - span.start
            if not any(
                end >= span.end
                and end - start > size
                and label != span.label_
                and span.label_ in self.suppress[label]
                for start, end, label in containers[lo:hi]
            ):
                out.append(span)
        return out


_ANCHOR_ATTRS = ("LOWER", "LEMMA", "ORTH", "TEXT", "NORM")


def _required(pattern: list[dict[str, Any]]) -> tuple[frozenset[str], ...]:
    """Per token the pattern cannot skip and that pins words: those words, lower-cased. A Doc
    must hold one word of each set (as a lower-cased word, lemma or norm) for the pattern to
    match, so a Doc that misses one never meets the pattern. Sorted, so equal needs are equal."""
    out: set[frozenset[str]] = set()
    for tok in pattern:
        op = str(tok.get("OP", ""))
        if op in ("?", "*", "!") or op.startswith(("{0", "{,")):
            continue
        for attr in _ANCHOR_ATTRS:
            value = tok.get(attr)
            if isinstance(value, str):
                out.add(frozenset({value.lower()}))
                break
            if isinstance(value, dict) and set(value) == {"IN"}:
                out.add(frozenset(str(v).lower() for v in value["IN"]))
                break
    return tuple(sorted(out, key=lambda words: sorted(words)))


# Words in nearly every turn make poor anchors: a rule anchored on "it" runs on every Doc.
_COMMON = set(
    [
        "i",
        "you",
        "it",
        "that",
        "this",
        "the",
        "a",
        "an",
        "and",
        "to",
        "is",
        "'s",
        "was",
        "be",
        "my",
        "me",
        "we",
        "our",
        "your",
        "of",
        "in",
        "on",
        "for",
        "so",
        "not",
        "n't",
        "'m",
        "'re",
        "'ve",
        "'ll",
        "do",
        "did",
        "have",
        "has",
        "can",
        "will",
        "would",
        "just",
        "no",
        "yes",
        "okay",
        "ok",
        "oh",
        "well",
        "but",
    ]
)


def _rarity(words: set[str]) -> tuple[int, int]:
    return (len(words & _COMMON), len(words))


def _merge_adjacent(spans: list[Span]) -> list[Span]:
    """Touching matches of the same rule in one sentence are one signal ("I guess" + "I'll
    wait" -> "I guess I'll wait")."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.id_ == span.id_
            and span.start <= prev.end
            and not _crosses_sentence(span.doc, prev.start, span.start)
        ):
            out[-1] = Span(
                span.doc, prev.start, max(prev.end, span.end), label=prev.label_, span_id=prev.id_
            )
            continue
        out.append(span)
    return out


def _crosses_sentence(doc: Doc, i: int, j: int) -> bool:
    """True when a sentence starts somewhere in (i, j]."""
    if not (doc.has_annotation("SENT_START") or doc.has_annotation("DEP")):
        return False
    return any(doc[k].is_sent_start for k in range(i + 1, min(j + 1, len(doc))))


@Language.factory(
    "aftercall_signals",
    default_config={
        "pattern_files": DEFAULT_FILES,
        "patterns_dir": None,
        "suppress": DEFAULT_SUPPRESS,
    },
)
def make_signal_matcher(
    nlp: Language,
    name: str,
    pattern_files: list[str],
    patterns_dir: str | None,
    suppress: dict[str, list[str]],
) -> SignalMatcher:
    return SignalMatcher(nlp, name, pattern_files, patterns_dir, suppress)


# ----------------------------------------------------------------------------- context

NEG_WORDS = {"not", "n't", "nt", "never", "no", "neither", "nor", "without", "hardly"}
# Verbs that pass their negation down to the clause they govern ("I don't think it's fixed").
NEG_RAISING = {
    "think",
    "believe",
    "feel",
    "say",
    "suppose",
    "reckon",
    "expect",
    "seem",
    "appear",
    "guess",
    "imagine",
    "promise",
    "guarantee",
    "mean",
    "plan",
    "intend",
    "want",
}
# Dependencies along which a head's negation reaches the matched words.
INHERIT_DEPS = {
    "xcomp",
    "aux",
    "auxpass",
    "acomp",
    "attr",
    "dobj",
    "pobj",
    "prep",
    "amod",
    "compound",
    "det",
    "poss",
    "prt",
    "oprd",
    "dative",
    "advmod",
    "npadvmod",
    "nmod",
    "pcomp",
    "agent",
    "nsubj",
    "nsubjpass",
    "nummod",
    "quantmod",
    "appos",
    "dep",
}
COND_MARKS = {"if", "unless"}
# "if" after these means "whether" ("not sure if it was delivered"), not a condition
WHETHER_BEFORE = {
    "sure",
    "know",
    "wonder",
    "wondering",
    "wondered",
    "check",
    "checking",
    "see",
    "ask",
    "asking",
    "asked",
    "tell",
    "confirm",
    "out",
    "certain",
    "idea",
    "unclear",
    "clue",
    "as",
    "verify",
    "knows",
}
POLITE_IF = re.compile(
    r"^(?:if|unless)\s+(?:"
    r"(?:that|this|it)(?:'s|\s+is|\s+would\s+be|'d\s+be)?\s+"
    r"(?:ok|okay|alright|all\s+right|fine|good|convenient|easier|better|helpful|possible)\b"
    r"|(?:that|this)\s+(?:works|suits|helps)\b"
    r"|(?:it|that|this)\s+(?:works|suits)\s+(?:for\s+)?you\b"
    r"|you\s+(?:'d\s+)?(?:like|want|prefer|wish|need|have\s+any|don't\s+mind|do\s+not\s+mind|"
    r"would\s+like|are\s+happy|'re\s+happy|can)\b"
    r"|possible\b|so\b|needed\b|necessary\b|anything\b"
    r")",
    re.IGNORECASE,
)
CLAUSE_BREAK = {
    ",",
    ";",
    ":",
    ".",
    "!",
    "?",
    "-",
    "—",
    "–",
    "but",
    "and",
    "because",
    "so",
    "although",
    "though",
    "cause",
    "when",
    "since",
    "why",
    "what",
    "how",
    "where",
    "who",
    "which",
    "whether",
    "if",
    "unless",
}


def _clause_text(head: Token) -> str:
    """The words of a subordinate clause, in order, as plain lower-case text."""
    tokens = sorted(head.subtree, key=lambda t: t.i)
    return " ".join(t.text for t in tokens).replace(" '", "'").replace(" n't", "n't").lower()


def _negated_dep(span: Span) -> bool:
    inside = range(span.start, span.end)
    node = span.root
    for _ in range(8):
        for child in node.children:
            if child.i in inside:
                continue
            low = child.lower_
            if child.dep_ == "neg":
                return True
            if low in {"no", "never", "neither"} and child.dep_ in {"det", "advmod", "preconj"}:
                return True
            if low == "longer" and any(g.lower_ == "no" for g in child.children):
                return True
        if node.head is node:
            break
        if node.dep_ in INHERIT_DEPS or (node.dep_ == "ccomp" and _raises_negation(node.head)):
            node = node.head
            continue
        break
    return False


def _raises_negation(verb: Token) -> bool:
    """'I don't think it's fixed' passes the negation down; 'I can't believe it never
    arrived' is astonishment and does not."""
    lemma = verb.lemma_.lower()
    if lemma not in NEG_RAISING:
        return False
    if lemma in {"believe", "imagine"}:
        return not any(
            c.dep_ == "aux" and c.lemma_.lower() in {"can", "could"} for c in verb.children
        )
    return True


def _hypothetical_dep(span: Span) -> bool:
    inside = range(span.start, span.end)
    node: Token | None = span.root
    seen = 0
    while node is not None and seen < 12:
        seen += 1
        for child in node.children:
            if child.i in inside:
                continue
            if (  # the match is inside the condition itself
                child.dep_ == "mark"
                and _conditional(child)
                and not POLITE_IF.match(_clause_text(node))
            ):
                return True
            if child.dep_ == "advcl":
                marks = [g for g in child.children if g.dep_ == "mark"]
                if any(_conditional(m) for m in marks) and not POLITE_IF.match(_clause_text(child)):
                    return True
            if child.lower_ in {"otherwise"} and child.i < span.start:
                return True
        if node.head is node:
            break
        node = node.head
    return _or_else_before(span)


def _conditional(mark: Token) -> bool:
    if mark.lower_ not in COND_MARKS:
        return False
    whether = mark.lower_ == "if" and mark.i > 0 and mark.doc[mark.i - 1].lower_ in WHETHER_BEFORE
    return not whether


def _or_else_before(span: Span) -> bool:
    """'fix it or I'll cancel', 'or else I'm leaving', 'otherwise I'll...'."""
    doc = span.doc
    sent_start = span.sent.start if _has_sents(doc) else 0
    window = doc[max(sent_start, span.start - 4) : span.start]
    words = [t.lower_ for t in window]
    for k, w in enumerate(words):
        if w == "otherwise":
            return True
        if w == "or" and k + 1 < len(words) and words[k + 1] in {"else", "i", "we"}:
            return True
    return False


def _has_sents(doc: Doc) -> bool:
    return doc.has_annotation("SENT_START") or doc.has_annotation("DEP")


def _window(span: Span, size: int = 5) -> list[Token]:
    """Tokens before the match, nearest first, stopping at a clause boundary."""
    doc = span.doc
    out: list[Token] = []
    for i in range(span.start - 1, max(-1, span.start - 1 - size), -1):
        tok = doc[i]
        if tok.lower_ in CLAUSE_BREAK or (tok.is_sent_start and i != span.start - 1):
            if tok.is_sent_start and tok.lower_ not in CLAUSE_BREAK:
                out.append(tok)
            break
        out.append(tok)
    return out


def _negated_window(span: Span) -> bool:
    return any(t.lower_ in NEG_WORDS or t.lemma_ == "not" for t in _window(span))


def _hypothetical_window(span: Span) -> bool:
    doc = span.doc
    start = span.sent.start if _has_sents(doc) else 0
    end = span.sent.end if _has_sents(doc) else len(doc)
    for tok in doc[start:end]:
        if tok.lower_ in COND_MARKS and _conditional(tok):
            tail = doc[tok.i : min(end, tok.i + 8)].text
            if not POLITE_IF.match(tail):
                return True
    return _or_else_before(span)


def is_negated(span: Span) -> bool:
    if span.doc.has_annotation("DEP"):
        return _negated_dep(span)
    return _negated_window(span)


REPORT_VERBS = {"say", "tell", "reckon", "inform", "mention", "hear", "claim", "warn", "think"}
FIRST_SECOND = {"i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your"}


def _reported_dep(span: Span) -> bool:
    """'My neighbour said their bill went up': someone else's words about someone else. The
    customer's own problem told through a third party ('the bank says my card was never
    charged') still counts, as does what the agent's side said ('you said...')."""
    node: Token = span.root
    for _ in range(12):
        head = node.head
        if head is node:
            return False
        if node.dep_ in ("ccomp", "xcomp", "parataxis") and head.lemma_.lower() in REPORT_VERBS:
            subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
            if not subjects or subjects[0].lower_ in FIRST_SECOND:
                return False
            return not any(t.lower_ in FIRST_SECOND for t in node.subtree)
        node = head
    return False


def is_hypothetical(span: Span) -> bool:
    """Conditional, or reported speech about someone else (treated alike: not a fact about
    this customer's call). A confirmation relayed by someone calling for the account holder
    ("he says it's fixed now") is this call's confirmation, so reported speech spares it."""
    if span.doc.has_annotation("DEP"):
        relayed = span.label_ == "resolved"
        return _hypothetical_dep(span) or (not relayed and _reported_dep(span))
    return _hypothetical_window(span)


def is_question(span: Span) -> bool:
    if not _has_sents(span.doc):
        return span.doc.text.rstrip().endswith("?")
    return span.sent.text.rstrip().endswith("?")


class SignalContext:
    """The ``aftercall_context`` component."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        for span in doc.spans.get(SPAN_KEY, []):
            span._.ac_negated = is_negated(span)
            span._.ac_hypothetical = is_hypothetical(span)
            span._.ac_question = is_question(span)
        return doc


@Language.factory("aftercall_context", default_config={})
def make_signal_context(nlp: Language, name: str) -> SignalContext:
    return SignalContext(name)
