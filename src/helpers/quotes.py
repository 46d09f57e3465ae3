"""Quoted material and direct quotations with their speakers.

In: an article's text and its parsed spaCy ``Doc``.
Out: the character spans inside quotation marks (used to separate the author's
own voice from quoted voices), and direct quotations — quote, reporting verb
and speaker — in the spirit of textacy's ``direct_quotations`` and the Gender
Gap Tracker's quote extractor.
Used by: ``helpers.framing`` (03-framing, section "Quoted voices"; every
measure's ``voice = own`` variant drops what lies inside ``quoted_spans``).

Rules, and why:
- Quotation marks are double quotes (straight ``"`` or curly “ ”) and curly
  single quotes ‘ ’. A curly single quote counts as opening only at the start
  of a word and as closing only at the end of one, so apostrophes (MKO’s,
  don’t) are never taken for quotation marks. Straight single quotes are not
  used: in scraped text they are mostly apostrophes.
- Every quoted span is removed from the author's own voice, including scare
  quotes (“former”, ‘protecting’): the author is marking those words as
  someone else's.
- A quoted span of at least three words is a *direct quotation* when a
  reporting verb (say, write, add, claim, ... or "according to") outside the
  quotation sits in the same sentence — or, failing that, in the sentence
  after or before it; its speaker is the verb's subject (or the object of
  "according to"). Other spans (scare quotes, titles) stay in
  ``quoted_spans`` but are not listed as quotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from spacy.tokens import Doc, Token

REPORTING_VERBS = frozenset(
    """say tell write add claim contend insist argue note explain state declare announce
    believe warn ask reply respond read call describe report suggest admit acknowledge
    deny assert allege conclude remark recall observe testify""".split()
)

_DOUBLE = {'"': '"', "“": "”"}


@dataclass(frozen=True)
class Quote:
    start_char: int  # offset of the opening mark
    end_char: int  # offset after the closing mark
    text: str  # the quotation without its marks
    speaker: str | None
    reporting_verb: str | None


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of quoted material, marks included, sorted and non-overlapping."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ('"', "“"):
            close = _find_close(text, i + 1, ch)
            if close is not None:
                spans.append((i, close + 1))
                i = close + 1
                continue
        elif ch == "‘" and (i == 0 or not text[i - 1].isalnum()):
            close = _find_single_close(text, i + 1)
            if close is not None:
                spans.append((i, close + 1))
                i = close + 1
                continue
        i += 1
    return spans


def _find_close(text: str, start: int, opener: str) -> int | None:
    # A straight quote closes at the next straight quote; a curly one at the next ”.
    # A paragraph break ends an unclosed quotation (scraped pages often drop marks).
    # A straight quote that looks like an opening one (space before, word after)
    # means the current quotation was never closed: give up on it.
    closer = _DOUBLE[opener]
    for j in range(start, len(text)):
        if text[j] == closer or (opener == "“" and text[j] == '"'):
            if opener == '"' and _looks_opening(text, j):
                return None
            return j
        if text.startswith("\n\n", j):
            return None
    return None


def _looks_opening(text: str, j: int) -> bool:
    before = text[j - 1] if j > 0 else " "
    after = text[j + 1] if j + 1 < len(text) else " "
    return before.isspace() and after.isalnum()


def _find_single_close(text: str, start: int) -> int | None:
    for j in range(start, len(text)):
        if text[j] == "’" and (j + 1 == len(text) or not text[j + 1].isalnum()) and j > start and not text[j - 1].isspace():
            return j
        if text.startswith("\n\n", j):
            return None
    return None


def quoted_share(text: str, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the non-space characters of ``text`` that lie inside quoted spans."""
    total = sum(1 for c in text if not c.isspace())
    if not total:
        return 0.0
    inside = sum(1 for s, e in spans for c in text[s:e] if not c.isspace())
    return inside / total


def inside_any(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """True when [start, end) overlaps any span."""
    return any(start < e and s < end for s, e in spans)


def direct_quotations(doc: Doc, spans: Sequence[tuple[int, int]] | None = None) -> list[Quote]:
    """Quoted spans of ``doc`` that a reporting verb attributes to a speaker."""
    spans = quoted_spans(doc.text) if spans is None else spans
    sents = list(doc.sents)
    quotes: list[Quote] = []
    for start, end in spans:
        inner = doc.text[start + 1 : end - 1].strip()
        if len(inner.split()) < 3:  # a scare-quoted word or short title, not a quotation
            continue
        verb = _reporting_verb(doc, sents, start, end, spans)
        if verb is None:
            continue
        speaker = _speaker(verb)
        verb_name = "according to" if verb.lower_ == "according" else verb.lemma_.lower()
        quotes.append(Quote(start, end, inner, speaker, verb_name))
    return quotes


def _reporting_verb(doc: Doc, sents, start: int, end: int, spans) -> Token | None:
    # Candidate sentences: those overlapping the quotation, then the one after it.
    idx = [i for i, s in enumerate(sents) if s.start_char < end and start < s.end_char]
    if not idx:
        return None
    # Prefer a verb in the quotation's own sentences; look at the next sentence only if there is none.
    following = [idx[-1] + 1] if idx[-1] + 1 < len(sents) else []
    preceding = [idx[0] - 1] if idx[0] > 0 else []  # "X describes what happened: ..." style
    for group in (idx, following, preceding):
        verb = _nearest_verb(doc, [sents[i] for i in group], start, end, spans)
        if verb is not None:
            return verb
    return None


def _nearest_verb(doc: Doc, sents, start: int, end: int, spans) -> Token | None:
    best: tuple[int, Token] | None = None
    for sent in sents:
        for tok in sent:
            lemma = tok.lemma_.lower()
            # the small model sometimes tags a reporting verb as a noun ("a statement ... read")
            is_verb = lemma in REPORTING_VERBS and (
                tok.pos_ in ("VERB", "AUX") or any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)
            )
            is_according = tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to"
            if not (is_verb or is_according):
                continue
            if inside_any(tok.idx, tok.idx + len(tok), spans):
                continue
            distance = min(abs(tok.idx - start), abs(tok.idx - end))
            if best is None or distance < best[0]:
                best = (distance, tok)
    return None if best is None else best[1]


def _speaker(verb: Token) -> str | None:
    if verb.lower_ == "according":
        for child in verb.children:
            if child.lower_ == "to":
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if objs:
                    return _phrase(objs[0])
        return None
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects and verb.dep_ in ("conj", "xcomp", "ccomp", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
        subjects = [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    return _phrase(subjects[0]) if subjects else None


def _phrase(token: Token) -> str:
    """The subject's noun phrase without relative clauses or appositions (short and readable)."""
    keep = [t for t in token.subtree if t.i <= token.i or t.dep_ in ("prep", "pobj", "compound", "det", "amod")]
    left = min(t.i for t in keep)
    right = token.i
    # take "a statement by the US State Department": prepositional tail of the head
    for child in token.rights:
        if child.dep_ == "prep" and child.lower_ in ("by", "of", "from", "at"):
            right = max(right, max(t.i for t in child.subtree))
    span = token.doc[left : right + 1]
    return re.sub(r"\s+", " ", span.text).strip(" ,")
