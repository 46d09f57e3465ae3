"""What a writer calls the target: labels attached to its mentions in the dependency parse.

In: a parsed spaCy ``Doc``, the (start_char, end_char) spans of the target's
mentions in it, and the label lexicon ``data/lexicons/labels.csv``
(term -> label class and polarity).
Out: ``LabelHit`` records — which mention, which word, its label class, the
syntactic relation and the phrase it came from.
Used by: ``helpers.framing`` (03-framing, section "Labels"; the stance
section uses the polarity balance).

Relations read from the parse (spaCy's English dependency labels):
- ``modifier``: amod / compound / nmod / npadvmod dependents of the mention
  ("the terrorist MEK", "the cult-like MEK");
- ``apposition``: an appositive next to the mention, either way round
  ("The MEK, a terrorist cult, ..."; "the notorious cult and former terrorist
  group Mujahedin-e Khalq (MEK)");
- ``compound_head``: the mention modifies a noun ("MKO terrorists");
- ``predicate``: "X is a Marxist group", "X is known as / regarded as / called
  a cult", small clauses "considered X a terrorist organization";
- ``known_as``: "a terrorist group known as X";
- ``such_as``: "groups such as X".
A label is a word of such a phrase whose lower-cased lemma (or, for
hyphenated words like "anti-Iranian", the whole word) is in the lexicon.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from spacy.tokens import Doc, Span, Token

# The classes of the study's labels.csv (fixed by issue 4), in the order tables show them. A label
# lexicon written for another actor may use classes of its own (lower_snake_case names).
LABEL_CLASSES: tuple[str, ...] = (
    "terrorist",
    "cult",
    "opposition_resistance",
    "militant_armed",
    "dissident_exile",
    "ideology",
    "proxy_agent",
    "other",
)
POLARITIES = ("negative", "positive", "neutral")
_CLASS_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Verbs whose "as"-phrase, object complement or attribute names what the subject/object is.
NAMING_VERBS = frozenset(
    "be know call consider designate brand label describe regard list name see view remain become dub term".split()
)
_MODIFIER_DEPS = ("amod", "compound", "nmod", "npadvmod")
_PHRASE_SKIP_DEPS = ("det", "poss", "predet", "case", "punct", "cc", "prep", "relcl", "acl", "appos")


class LexiconError(ValueError):
    """The label lexicon is malformed."""


@dataclass(frozen=True)
class LabelEntry:
    term: str
    label_class: str
    polarity: str


@dataclass(frozen=True)
class LabelHit:
    mention_start: int  # the target mention the label is attached to
    mention_end: int
    relation: str
    term: str
    label_class: str
    polarity: str
    phrase: str  # the phrase the label word came from, as written
    start_char: int  # the label word itself
    end_char: int


def load_label_lexicon(path: str | Path) -> dict[str, LabelEntry]:
    """Read the label lexicon; errors name the file and line."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: label lexicon not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise LexiconError(f"{path}: no header line")
    header_line, header = body[0]
    columns = next(csv.reader([header]))
    for col in ("term", "label_class", "polarity"):
        if col not in columns:
            raise LexiconError(f"{path}, line {header_line}: missing column '{col}'")
    entries: dict[str, LabelEntry] = {}
    for line_no, line in body[1:]:
        row = dict(zip(columns, next(csv.reader([line]))))
        term = " ".join((row.get("term") or "").lower().split())
        if not term:
            raise LexiconError(f"{path}, line {line_no}: empty term")
        label_class = (row.get("label_class") or "").strip()
        if not _CLASS_NAME.match(label_class):
            raise LexiconError(
                f"{path}, line {line_no}: label_class {label_class!r} is not a lower_snake_case name "
                f"(the study's classes: {', '.join(LABEL_CLASSES)})"
            )
        polarity = (row.get("polarity") or "").strip()
        if polarity not in POLARITIES:
            raise LexiconError(f"{path}, line {line_no}: polarity must be one of {POLARITIES}, got {polarity!r}")
        if term in entries:
            raise LexiconError(f"{path}, line {line_no}: duplicate term {term!r}")
        entries[term] = LabelEntry(term, label_class, polarity)
    return entries


def lexicon_classes(lexicon: dict[str, LabelEntry]) -> tuple[str, ...]:
    """The label classes a lexicon uses: the study's (``LABEL_CLASSES``) in their order, then any
    other in order of first use (a lexicon written for another actor may have classes of its own)."""
    used = list(dict.fromkeys(entry.label_class for entry in lexicon.values()))
    return tuple(c for c in LABEL_CLASSES if c in used) + tuple(c for c in used if c not in LABEL_CLASSES)


def extract_labels(
    doc: Doc,
    target_spans: Sequence[tuple[int, int]],
    lexicon: dict[str, LabelEntry],
) -> list[LabelHit]:
    """Labels attached to each target mention, one hit per (mention, term), in text order."""
    mentions: list[Span] = []
    for start, end in target_spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and len(span):
            mentions.append(span)
    target_tokens = {t.i for span in mentions for t in span}
    hits: list[LabelHit] = []
    for span in mentions:
        seen: set[str] = set()
        for relation, tokens in _label_phrases(span.root, target_tokens):
            for hit in _lookup(tokens, lexicon, relation, span):
                if hit.term not in seen:
                    seen.add(hit.term)
                    hits.append(hit)
    return sorted(hits, key=lambda h: (h.mention_start, h.start_char, h.term))


def _label_phrases(root: Token, target_tokens: set[int]) -> Iterable[tuple[str, list[Token]]]:
    # modifiers of the mention itself
    # (one phrase for all of them, so "anti - Iranian" stays one hyphenated word)
    modifiers = sorted(
        {
            t
            for child in root.children
            if child.dep_ in _MODIFIER_DEPS and child.i < root.i and child.i not in target_tokens
            for t in child.subtree
            if t.i not in target_tokens and (t.text == "-" or t.dep_ not in ("det", "poss", "punct"))
        },
        key=lambda t: t.i,
    )
    if modifiers:
        yield "modifier", modifiers
    # appositions in both directions, with coordinated heads ("a cult and terrorist group")
    for child in root.children:
        if child.dep_ == "appos" and child.i not in target_tokens:
            for head in _with_conjuncts(child):
                yield "apposition", _noun_phrase(head, target_tokens)
    head = root.head
    if root.dep_ == "appos" and head.i not in target_tokens:
        for h in _with_conjuncts(head):
            yield "apposition", _noun_phrase(h, target_tokens)
    if root.dep_ in ("compound", "nmod") and head.i not in target_tokens and head.pos_ in ("NOUN", "PROPN"):
        yield "compound_head", _noun_phrase(head, target_tokens)
    # predicates: "X is a ...", "X is known as ...", small clauses
    if root.dep_ in ("nsubj", "nsubjpass"):
        if head.pos_ in ("VERB", "AUX") and head.lemma_.lower() in NAMING_VERBS:
            for phrase_head in _complements(head, exclude=root):
                if phrase_head.i not in target_tokens:
                    for h in _with_conjuncts(phrase_head):
                        yield "predicate", _noun_phrase(h, target_tokens)
        elif head.pos_ in ("NOUN", "ADJ") and head.i not in target_tokens:  # "considered [X a terrorist group]"
            yield "predicate", _noun_phrase(head, target_tokens)
    if root.dep_ == "dobj" and head.lemma_.lower() in NAMING_VERBS:
        for phrase_head in _complements(head, exclude=root):
            if phrase_head.i > root.i and phrase_head.i not in target_tokens:
                yield "predicate", _noun_phrase(phrase_head, target_tokens)
    # "a terrorist group known as X" / "groups such as X"
    if root.dep_ == "pobj" and head.lower_ == "as":
        governor = head.head
        if governor.lemma_.lower() in NAMING_VERBS and governor.dep_ in ("acl", "relcl") and governor.head.i not in target_tokens:
            yield "known_as", _noun_phrase(governor.head, target_tokens)
        elif governor.pos_ in ("NOUN", "PROPN") and governor.i not in target_tokens and (
            any(c.lower_ == "such" for c in head.children) or any(c.lower_ == "such" for c in governor.children)
        ):
            yield "such_as", _noun_phrase(governor, target_tokens)


def _complements(verb: Token, exclude: Token) -> list[Token]:
    out = []
    for child in verb.children:
        if child is exclude:
            continue
        if child.dep_ in ("attr", "oprd", "acomp") or (child.dep_ == "dobj" and exclude.dep_ == "dobj"):
            out.append(child)
        elif child.dep_ == "prep" and child.lower_ == "as":
            out.extend(c for c in child.children if c.dep_ == "pobj")
    return out


def _with_conjuncts(token: Token) -> list[Token]:
    """The token, its conjuncts, and nouns coordinated with it that the parser left as siblings.

    The small English model often parses "the notorious cult and former terrorist group X"
    as two parallel subjects of the verb instead of a coordination; a noun with the same
    relation to the same head, joined to this one by a coordinating conjunction ("and",
    "or") between them, is treated as a conjunct.
    """
    out = [token, *token.conjuncts]
    for sibling in token.head.children:
        if sibling in out or sibling.dep_ != token.dep_ or sibling.pos_ not in ("NOUN", "PROPN"):
            continue
        lo, hi = sorted((sibling.i, token.i))
        between = token.doc[lo + 1 : hi]
        if any(t.dep_ == "cc" and t.head in (sibling, token) for t in between):
            out.append(sibling)
    return sorted(out, key=lambda t: t.i)


def _noun_phrase(head: Token, target_tokens: set[int]) -> list[Token]:
    """The head and its left-hand modifiers (no determiners, clauses or target words)."""
    tokens = [head]
    stack = [c for c in head.lefts]
    while stack:
        tok = stack.pop()
        if tok.i in target_tokens or (tok.dep_ in _PHRASE_SKIP_DEPS and tok.text != "-"):
            continue
        tokens.append(tok)
        stack.extend(tok.children)
    return sorted(tokens, key=lambda t: t.i)


def _lookup(tokens: list[Token], lexicon: dict[str, LabelEntry], relation: str, mention: Span) -> list[LabelHit]:
    if not tokens:
        return []
    phrase = _phrase_text(tokens)
    hits = []
    # whole hyphenated words first ("anti-Iranian"), then each token's lemma ("cult" in "cult-like")
    for word_tokens in _hyphen_words(tokens):
        whole = "".join(t.text for t in word_tokens).lower()
        candidates = [(whole, word_tokens)] if len(word_tokens) > 1 else []
        candidates += [(t.lemma_.lower(), [t]) for t in word_tokens]
        candidates += [(t.lower_, [t]) for t in word_tokens]
        for key, toks in candidates:
            entry = lexicon.get(key)
            if entry is not None:
                hits.append(
                    LabelHit(mention.start_char, mention.end_char, relation, entry.term, entry.label_class,
                             entry.polarity, phrase, toks[0].idx, toks[-1].idx + len(toks[-1]))
                )
                if len(toks) > 1:
                    break  # the whole word matched; do not also count its parts
    return hits


def _phrase_text(tokens: list[Token]) -> str:
    """The phrase's words as written, without the quotation marks or clauses left out of it."""
    parts = []
    for tok, nxt in zip(tokens, [*tokens[1:], None]):
        parts.append(tok.text + (tok.whitespace_ if nxt is not None and nxt.i == tok.i + 1 else " "))
    return "".join(parts).strip()


def _hyphen_words(tokens: list[Token]) -> list[list[Token]]:
    """Group consecutive tokens written without spaces between them (cult - like -> cult-like)."""
    words: list[list[Token]] = []
    for tok in tokens:
        if words and words[-1][-1].i == tok.i - 1 and not words[-1][-1].whitespace_ and (tok.text == "-" or words[-1][-1].text == "-"):
            words[-1].append(tok)
        else:
            words.append([tok])
    return words
