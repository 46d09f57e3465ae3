"""Character-level repair of scraped text: quotes, whitespace, glued words, sentences.

In: strings (a paragraph of a raw page, or the kept pieces of one).
Out: normalised strings, offsets of glued-word boundaries, sentence spans,
and comparison keys used to find repeated sentences.
Used by: ``helpers.segment`` and ``helpers.clean`` (notebook 01-clean).

Normalisation (applied to kept text only; raw offsets stay on the raw page): a word
hyphenated across a line break (wrapped print or PDF text) is rejoined, except after a
prefix that keeps its hyphen ("self-", "anti-"; ``hyphen_prefixes``);
curly single quotes and apostrophes become ``'``, curly double quotes become
``"`` (one convention everywhere, apostrophes stay inside their words);
no-break and zero-width spaces become ordinary spaces or disappear; runs of
whitespace become one space.

Glued words are split by inserting a space, never by deleting text:
``lowercase|Capitalised`` inside a token ("DahukOn" → "Dahuk On", needs two
lowercase letters before the capital, so "McCain", "iPhone", "DiCaprio" stay),
``ACRONYM|Capitalised`` ("MEKDalia" → "MEK Dalia", the capitalised word needs 3+
letters) and ``word.|Capitalised`` ("pledges.There" → "pledges. There").
Tokens listed in ``data/lexicons/text_repair.yaml`` (``camel_case_words``) and
tokens starting with a listed name prefix ("MacDonald") are never split.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

import yaml

from .paths import LEXICONS_DIR

TEXT_REPAIR_FILE = LEXICONS_DIR / "text_repair.yaml"

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
        "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2060": "",
    }
)

# Sentence end: . ! ? (or …) with optional closing quotes/brackets, then space.
# Starts only at the first mark of a run and never backtracks (possessive): the
# same matches as the plain pattern, but a 1 MB run of dots stays linear.
_SENT_END = re.compile(r"(?<![.!?\u2026])[.!?\u2026]++[\"'\u201d\u2019)\]]*+(?=\s)")
# A lost space after a full stop: "pledges.There".
_GLUED_STOP = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_LOWER_UPPER = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z])")
_ACRONYM_UPPER = re.compile(r"(?<=[A-Z]{2})(?=[A-Z][a-z]{2,})")
_TOKEN = re.compile(r"\S+")
_LETTERS = re.compile(r"[A-Za-z]+")
_CAPITALS = re.compile(r"[A-Z]+")


@lru_cache(maxsize=1)
def repair_lexicon() -> dict:
    """The text-repair vocabulary (cached; edit the YAML file, not this code)."""
    with open(TEXT_REPAIR_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {
        "camel_case_words": set(data.get("camel_case_words") or []),
        "name_prefixes": tuple(data.get("name_prefixes") or []),
        "caption_anchor_words": [w.lower() for w in data.get("caption_anchor_words") or []],
        "caption_resume_words": {w.lower() for w in data.get("caption_resume_words") or []},
        "hyphen_prefixes": {w.lower() for w in data.get("hyphen_prefixes") or []},
    }


# a word hyphenated across a line break: "authori-\nties", "Orga-\nnization"
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])(?P<hyphen>-)[ \t]*\r?\n[ \t]*(?=[^\W\d_])")


def _unhyphenate(text: str) -> str:
    """Rejoin words hyphenated across a line break, keeping the hyphen after a prefix word
    that takes one ("self-\ncriticism"; ``hyphen_prefixes`` in text_repair.yaml)."""
    if "-" not in text or "\n" not in text:
        return text
    prefixes = repair_lexicon()["hyphen_prefixes"]

    def join(m: re.Match) -> str:
        if not text[m.end()].islower():  # "Iran-\nIraq": a hyphenated compound, not a split word
            return "-"
        word = re.search(r"[^\W\d_]+$", text[max(0, m.start() - 40):m.start()])
        return "-" if word and word.group().lower() in prefixes else ""

    return _LINE_BREAK_HYPHEN.sub(join, text)


def normalise_text(text: str) -> str:
    """Straight quotes, ordinary spaces, single spaces, no leading/trailing space; words
    hyphenated across a line break rejoined."""
    text = _unhyphenate(text).translate(_QUOTE_MAP)
    return re.sub(r"\s+", " ", text).strip()


def _is_protected_token(token: str) -> bool:
    """A listed word with an inner capital ("YouTube", "YouTube's")."""
    bare = re.sub(r"^[^\w]+|[^\w]+$", "", token)
    bare = re.sub(r"['\u2019]s$", "", bare)
    return bare in repair_lexicon()["camel_case_words"]


class _Runs:
    """Where the run of letters (and of capitals) that ends just before a cut starts."""

    def __init__(self, token: str) -> None:
        self.letters = [(m.start(), m.end()) for m in _LETTERS.finditer(token)]
        self.capitals = [(m.start(), m.end()) for m in _CAPITALS.finditer(token)]

    @staticmethod
    def _start(runs: list[tuple[int, int]], cut: int) -> int:
        i = bisect_right(runs, (cut - 1, float("inf"))) - 1
        return runs[i][0] if i >= 0 and runs[i][1] >= cut else cut

    def run_start(self, cut: int) -> int:
        return self._start(self.letters, cut)

    def capitals_start(self, cut: int) -> int:
        return self._start(self.capitals, cut)


def glue_boundaries(text: str) -> list[int]:
    """Offsets in ``text`` where a space is missing between two glued words."""
    lex = repair_lexicon()
    cuts: list[int] = []
    for tok in _TOKEN.finditer(text):
        token = tok.group()
        if _is_protected_token(token):
            continue
        letter_runs: _Runs | None = None
        for rx in (_LOWER_UPPER, _ACRONYM_UPPER, _GLUED_STOP):
            for m in rx.finditer(token):
                cut = m.start()
                if rx is not _GLUED_STOP:
                    # the letters just before the cut ("Mac" in "MacDonald", "MEK" in
                    # "MEKDalia"), found by bisection so a 1 MB token stays n log n
                    letter_runs = letter_runs or _Runs(token)
                    left_start = letter_runs.run_start(cut)
                    if rx is _LOWER_UPPER and token[left_start:cut] in lex["name_prefixes"]:
                        continue
                    if rx is _ACRONYM_UPPER and letter_runs.capitals_start(cut) > left_start:
                        continue
                cuts.append(tok.start() + cut)
    return sorted(set(cuts))


def repair_glued_words(text: str) -> str:
    """Insert a space at every glued-word boundary (see module docstring)."""
    cuts = glue_boundaries(text)
    if not cuts:
        return text
    out, prev = [], 0
    for c in cuts:
        out.append(text[prev:c])
        prev = c
    out.append(text[prev:])
    return " ".join(out)


def clean_paragraph(text: str) -> str:
    """Kept text of a paragraph as it goes into ``articles.text``."""
    return repair_glued_words(normalise_text(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; spans cover no surrounding space.

    A sentence ends at . ! ? or … (plus closing quotes/brackets) before a space,
    or at a full stop glued to the next capitalised word ("pledges.There").
    Abbreviations like "U.S." may split a sentence; that only makes the
    repeated-sentence check a little stricter, never wrong.
    """
    ends = {m.end() for m in _SENT_END.finditer(text)}
    ends |= {m.start() for m in _GLUED_STOP.finditer(text)}
    ends.add(len(text))
    spans: list[tuple[int, int]] = []
    start = 0
    for end in sorted(ends):
        seg = text[start:end]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if seg.strip():
            spans.append((start + lead, start + trail))
        start = end
    return spans


def comparison_key(text: str) -> str:
    """Lower-case words only: two copies of a sentence get the same key
    whatever their quotes, spacing, glued words or punctuation."""
    words = re.findall(r"[a-z0-9]+", repair_glued_words(normalise_text(text)).lower())
    return " ".join(words)


def n_words(text: str) -> int:
    return len(text.split())
