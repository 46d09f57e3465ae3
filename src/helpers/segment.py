"""Cutting a decoded page into paragraphs, furniture, articles and metadata.

In: the decoded text of one page (``rawfiles.Page``) and the furniture
vocabulary in ``data/lexicons/furniture.yaml``.
Out: a ``PageDraft``: the page's paragraphs, each cut into pieces that are
either kept (with the article they belong to) or removed (with a reason), and
one ``ArticleDraft`` per article found (title, author, outlet, date and where
each came from). Pieces never overlap and cover every non-whitespace character
of the page, so nothing disappears without a log entry.
Used by: ``helpers.clean`` (notebook 01-clean).

The rules, in the order they run (reasons in quotes are ``removed_blocks.reason``):

1. Paragraphs: blank lines separate paragraphs. A line that does not end a
   sentence and is followed by a line starting in lower case is joined to it
   (a sentence broken by a lost link: "Iran now enjoys / loads of influence /
   in Iraq"). A line that ends a sentence starts a new paragraph even without a
   blank line (a lede line above the body).
2. Furniture (vocabulary in furniture.yaml): 'furniture' (share buttons,
   "Leave a Comment", "Also read:"), 'sidebar_heading' + 'sidebar_item' (a list
   of other stories: its heading and every short item or '...' excerpt under
   it), 'source_link' ("Link to the source"), 'separator' ("***"),
   'breadcrumb', 'url' (a paragraph that is only URLs), 'language_menu', 'prompt'.
   A list item is a short title-like line, an excerpt ending in '...', or a
   single sentence of at most 50 words; a longer or multi-sentence paragraph
   ends the list.
3. Inside kept text: 'url' (URLs in prose), 'image_filename'
   ("mujahedin_e_khalq.jpgYesterday"), 'caption' (an image caption glued into a
   sentence after a function word: "re-armed atTerrorists being rearmed - a
   threat to all some point"; recognised by the spaced dash inside it).
4. Articles: a page holding teaser bylines ("Title Name, Outlet, Month DD YYYY:")
   is an aggregator; each teaser opens an article that starts at the title lines
   just before it and runs to the next one. Otherwise the page is one article.
   After an end marker ("Link to the source") that follows some text, the rest
   of the article's stretch is 'after_article_end' (repeated title, "***",
   related links, "Also read").
5. Per article: 'byline' (a short "By Name – Outlet – Date" / "by Name Posted on
   Date" paragraph; parsed), 'title' / 'title_repeat' (the headline: the teaser's
   title, or a first paragraph that is a short line without final punctuation
   and is not the start of a body sentence — such a lede is 'duplicate';
   every other copy, alone or glued to the start or end of a paragraph, is a
   repeat), 'teaser_byline' + 'duplicate' (the teaser: byline and the excerpt that
   repeats the body), 'inline_title' (any other paragraph of at most 25 words
   without final punctuation: inline related-link titles and sub-headings alike;
   they cannot be told apart in plain text and neither is a sentence of the
   author's prose — a sub-heading ending in '?' or '.' is kept), 'author_bio'
   (from the first sentence "Name is a/an/the ... <job word>" of the last prose
   paragraph to its end, at most 6 sentences, found before the inline-title rule
   so a bio ending in a Twitter handle is still a bio; the name is the author when
   no byline names one).
6. Across the whole corpus (``dedup_sentences``): a sentence of 6+ words that
   appears more than once is kept only in the paragraph with the most sentences
   (the real body rather than a lede, dek or copy; then the most words, then the
   earliest page and position); other copies are 'duplicate'. A sentence of 10+
   words found inside a longer sentence of a higher-ranked paragraph is a copy too.
7. 'dateline': an all-capitals place prefix ("TEHRAN - ") at the start of an
   article's first kept paragraph is stripped (consistently, from every article).
8. 'fragment': a paragraph whose kept remainder has no letter or digit.

Metadata: author from the own byline, else the teaser byline, else the bio;
outlet and date from the own byline, else the teaser byline (a bio's employer is
not taken as the outlet, and the own byline's date wins over an aggregator's
teaser date). A person only quoted or cited in the text is never the author,
because authors come only from bylines and bios; when none is present the
author is null.

Decisions worth knowing:

* Outlets are spelled as the byline spells them ("AntiWar" from an aggregator's
  teaser, not "Antiwar.com" from the writer's bio): a bio names an employer,
  which need not be where this article ran.
* Datelines ("TEHRAN - ") are stripped from every article and logged; they are
  the desk's words, not the author's.
* Sub-headings without final punctuation are removed with inline related-link
  titles ('inline_title'); sub-headings that are sentences ("What kind of
  democracy does the MEK believe in?") stay in the text.
* Offsets in every table refer to the decoded page text (for HTML, the text
  trafilatura extracted); ``articles.text`` is built from the kept pieces,
  normalised by ``textrepair.clean_paragraph`` (straight quotes, single spaces,
  glued words split), paragraphs joined by a blank line.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import yaml

from .paths import LEXICONS_DIR
from .rawfiles import Page
from .textrepair import (
    comparison_key,
    glue_boundaries,
    normalise_text,
    repair_lexicon,
    sentence_spans,
)

FURNITURE_FILE = LEXICONS_DIR / "furniture.yaml"

MAX_TITLE_WORDS = 25
MAX_LIST_ITEM_WORDS = 50
MAX_BYLINE_WORDS = 20
MAX_BIO_SENTENCES = 6
MIN_DEDUP_WORDS = 6
MIN_CONTAINED_WORDS = 10

# --- names and dates -------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RX = "(?i:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
DATE_RX = (
    rf"(?:(?P<m1>{_MONTH_RX})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH_RX})\.?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))"
)
_NAME_TOKEN = r"(?!(?:Posted|Published|Updated|On)\b)[A-Z][A-Za-z]*(?:[-'\u2019][A-Za-z]+)*\.?"
_PARTICLE = r"(?:al|bin|ibn|de|da|del|van|von|der|el|le|la)"
NAME_RX = rf"{_NAME_TOKEN}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_TOKEN}){{1,3}}"
# Loose: tokens may be glued to a title ("KhalqMichael"); fixed afterwards.
# A token is at most 61 characters and never gives back what it took
# (possessive), so a 1 MB run of glued capitals is read in linear time.
_LOOSE_NAME_RX = r"(?:[A-Z][\w'\u2019.-]{0,60}+\s+){1,3}[A-Z][\w'\u2019.-]{0,60}+"
TEASER_RX = re.compile(
    rf"(?P<name>{_LOOSE_NAME_RX}),\s+(?P<outlet>[^,:\n]{{2,60}}?),\s+(?P<date>{DATE_RX})\s*:[\s\u2026.]*"
)
_BYLINE_RX = re.compile(rf"^(?i:by)\s+(?P<name>{NAME_RX})(?P<rest>.*)$")
_POSTED_RX = re.compile(
    rf"^(?i:posted|published)(?:\s+(?i:on))?\s+(?P<date>{DATE_RX})(?:\s+(?i:by)\s+(?P<name>{NAME_RX}))?\s*$"
)
_BIO_RX = re.compile(rf"^(?P<name>{NAME_RX})\s+(?:is|was)\s+(?:a|an|the)\b(?P<rest>.*)$", re.S)
_DATELINE_RX = re.compile(r"[A-Z][A-Z.'\u2019]+(?:[ ,]+[A-Z][A-Z.'\u2019]+)*\s*[-\u2013\u2014]\s+(?=[A-Z\"\u201c])")
_URL_RX = re.compile(r"(?:https?://|www\.)[^\s<>\"\u201d]+[^\s<>\"\u201d.,;:!?)\]]")
# starts only where a word starts: trying every position inside a long run of
# word characters would make a 1 MB token quadratic
_IMAGE_RX = re.compile(r"(?<![\w-])[\w-]+\.(?:[jJ][pP][eE]?[gG]|[pP][nN][gG]|[gG][iI][fF]|[wW][eE][bB][pP]|[sS][vV][gG]|[bB][mM][pP])(?![a-z])")
_WORD_RX = re.compile(r"\S+")
_NOT_NAME_STARTS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "its", "our", "their", "my"}
_DASHES = {"-", "\u2013", "\u2014"}
_CLOSERS = "\"'\u201d\u2019)]\u00bb"


def parse_date(text: str) -> str | None:
    """ISO date (YYYY-MM-DD) of the first date in ``text``, or None."""
    m = re.search(DATE_RX, text)
    if not m:
        return None
    g = m.groupdict()
    try:
        if g["y1"]:
            d = dt.date(int(g["y1"]), _MONTHS[g["m1"].lower()], int(g["d1"]))
        elif g["y2"]:
            d = dt.date(int(g["y2"]), _MONTHS[g["m2"].lower()], int(g["d2"]))
        else:
            d = dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    except ValueError:
        return None
    return d.isoformat()


def parse_byline(text: str) -> dict | None:
    """Author/outlet/date of a byline paragraph ("By X – Outlet – May 11, 2008",
    "by X Posted on July 14, 2021", "by X", "Posted on DATE by X"), else None."""
    text = normalise_text(text)
    if len(text.split()) > MAX_BYLINE_WORDS:
        return None
    m = _POSTED_RX.match(text)
    if m:
        return {"author": m.group("name"), "outlet": None, "published": parse_date(m.group("date"))}
    m = _BYLINE_RX.match(text)
    if not m:
        return None
    rest = m.group("rest")
    published = None
    dm = re.search(DATE_RX, rest)
    if dm:
        published = parse_date(dm.group())
        rest = rest[: dm.start()] + rest[dm.end():]
    rest = re.sub(r"\b(?i:posted|published|updated)(?:\s+(?i:on))?\b", " ", rest)
    parts = [p.strip() for p in re.split(r"\s[-\u2013\u2014|]\s|[|\u2013\u2014,]", rest)]
    parts = [p for p in parts if p and re.search(r"[A-Za-z]", p) and p.lower() not in {"on", "at"}]
    if len(parts) > 1:
        return None
    outlet = parts[0] if parts and len(parts[0].split()) <= 6 else None
    if parts and outlet is None:
        return None
    return {"author": m.group("name"), "outlet": outlet, "published": published}


def _clean_loose_name(name: str, has_prefix: bool) -> tuple[str, int]:
    """Cut a glued title off a loosely matched name; returns (name, chars cut from its start)."""
    cuts = glue_boundaries(name)
    if cuts:
        return name[cuts[-1]:], cuts[-1]
    tokens = list(re.finditer(r"\S+", name))
    if has_prefix and len(tokens) > 2:
        start = tokens[-2].start()
        return name[start:], start
    return name, 0


def parse_bio_sentence(sentence: str) -> str | None:
    """The person a bio sentence ("X is a senior fellow at ...") is about, else None."""
    m = _BIO_RX.match(normalise_text(sentence))
    if not m:
        return None
    name = m.group("name")
    tokens = name.split()
    # a person's name: not "The MEK", not an acronym
    if tokens[0].lower() in _NOT_NAME_STARTS or any(len(t) > 1 and t.isupper() for t in tokens):
        return None
    # the job is said in the first clause: "X is a senior fellow at ..."
    first_clause = re.split(r"[,;:(]", m.group("rest"), maxsplit=1)[0].lower()
    if not any(re.search(rf"\b{re.escape(r)}", first_clause) for r in repair_lexicon()["bio_roles"]):
        return None
    return name


# --- furniture vocabulary --------------------------------------------------


@lru_cache(maxsize=1)
def furniture_lexicon() -> dict:
    with open(FURNITURE_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    low = lambda key: {str(x).lower() for x in data.get(key) or []}  # noqa: E731
    return {
        "lines": low("lines"),
        "list_headings": low("list_headings"),
        "article_end_markers": low("article_end_markers"),
        "breadcrumb_roots": low("breadcrumb_roots"),
        "breadcrumb_separators": list(data.get("breadcrumb_separators") or []),
        "separator_chars": str(data.get("separator_chars") or "*"),
        "language_names": low("language_names"),
        "prompt_phrases": low("prompt_phrases"),
    }


# --- pieces and paragraphs --------------------------------------------------


@dataclass
class Piece:
    start: int
    end: int
    fate: str = "kept"  # 'kept' | 'removed'
    reason: str | None = None


@dataclass
class Para:
    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)
    region: int = 0

    def kept(self) -> list[Piece]:
        return [p for p in self.pieces if p.fate == "kept"]

    def has_kept(self, text: str) -> bool:
        return any(text[p.start:p.end].strip() for p in self.kept())

    def carve(self, start: int, end: int, reason: str) -> None:
        """Mark [start, end) of the kept pieces as removed for ``reason``."""
        # Pieces are sorted and never overlap, so only the run of pieces that
        # meets [start, end) is rebuilt: a paragraph cut into thousands of
        # pieces (a 1 MB line of repeated sentences) stays linear, not quadratic.
        pieces = self.pieces
        first = bisect_right(pieces, start, key=lambda p: p.end)
        last = first
        out: list[Piece] = []
        while last < len(pieces) and pieces[last].start < end:
            p = pieces[last]
            last += 1
            if p.fate != "kept" or p.end <= start:
                out.append(p)
                continue
            if p.start < start:
                out.append(Piece(p.start, start))
            out.append(Piece(max(p.start, start), min(p.end, end), "removed", reason))
            if p.end > end:
                out.append(Piece(end, p.end))
        pieces[first:last] = out

    def remove_all(self, reason: str) -> None:
        self.carve(self.start, self.end, reason)


def kept_text(para: Para, text: str) -> str:
    """The paragraph's kept pieces, normalised (no glue repair)."""
    return normalise_text(" ".join(text[p.start:p.end] for p in para.kept()))


def _ends_sentence(line: str) -> bool:
    core = line.rstrip().rstrip(_CLOSERS)
    return bool(core) and core[-1] in ".!?:;"


def split_paragraphs(text: str) -> list[Para]:
    """Paragraphs of a page (rule 1 of the module docstring)."""
    paras: list[Para] = []
    current: Para | None = None
    previous_line = ""
    pos = 0
    for line in text.splitlines(keepends=True):
        start_of_line = pos
        pos += len(line)
        body = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        stripped = body.strip()
        if not stripped:
            current = None
            continue
        s = start_of_line + (len(body) - len(body.lstrip()))
        e = start_of_line + len(body.rstrip())
        if current is not None and not _ends_sentence(previous_line) and stripped[0].islower():
            current.end = e
        else:
            current = Para(s, e)
            paras.append(current)
        previous_line = stripped
    for p in paras:
        p.pieces = [Piece(p.start, p.end)]
    return paras


def is_title_like(text: str) -> bool:
    """A short line without final punctuation (a headline, link title or sub-heading)."""
    text = normalise_text(text)
    if not re.search(r"[A-Za-z]", text) or len(text.split()) > MAX_TITLE_WORDS:
        return False
    core = text.rstrip(_CLOSERS + " ")
    return bool(core) and core[-1] not in ".!?:;,"


# --- furniture --------------------------------------------------------------


def furniture_reason(norm: str) -> str | None:
    """Why a whole paragraph (normalised text) is furniture, or None."""
    lex = furniture_lexicon()
    low = norm.lower().strip().rstrip(":").strip()
    if low in lex["list_headings"]:
        return "sidebar_heading"
    if low in lex["article_end_markers"]:
        return "source_link"
    if low in lex["lines"]:
        return "furniture"
    if len(low) >= 3 and all(ch in lex["separator_chars"] or ch.isspace() for ch in low):
        return "separator"
    first = re.split(r"[\s»›>|/→]+", low, maxsplit=1)[0]
    if first in lex["breadcrumb_roots"] and sum(low.count(s) for s in lex["breadcrumb_separators"]) >= 2:
        return "breadcrumb"
    if _URL_RX.search(norm) and not _URL_RX.sub("", norm).strip(" ,;|"):
        return "url"
    words = [w for w in re.split(r"[\s|/•·,]+", low) if w]
    if len(words) >= 2 and all(w in lex["language_names"] for w in words):
        return "language_menu"
    if len(low.split()) <= 25 and any(ph in low for ph in lex["prompt_phrases"]):
        return "prompt"
    return None


def mark_furniture(paras: list[Para], text: str) -> None:
    """Rule 2: whole-paragraph furniture, and the items of a list of other stories."""
    in_list = False
    for para in paras:
        norm = kept_text(para, text)
        reason = furniture_reason(norm)
        if reason is None and in_list:
            ends_with_ellipsis = norm.endswith("...") or norm.endswith("\u2026")
            short_single = len(norm.split()) <= MAX_LIST_ITEM_WORDS and len(sentence_spans(norm)) == 1
            if ends_with_ellipsis or short_single or is_title_like(norm):
                para.remove_all("sidebar_item")
                continue
            in_list = False
        if reason is not None:
            para.remove_all(reason)
            # a list runs until a long paragraph or furniture of another kind
            in_list = reason == "sidebar_heading"


def carve_inline_artefacts(para: Para, text: str) -> None:
    """URLs, glued image file names and glued captions inside kept text (rule 3)."""
    for piece in list(para.kept()):
        for m in _URL_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "url")
    for piece in list(para.kept()):
        for m in _IMAGE_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "image_filename")
    lex = repair_lexicon()
    anchors = "|".join(re.escape(w) for w in lex["caption_anchor_words"])
    anchor_rx = re.compile(rf"\b(?i:{anchors})(?=[A-Z][a-z])")
    for piece in list(para.kept()):
        for m in anchor_rx.finditer(text, piece.start, piece.end):
            span = _caption_span(text, m.end(), piece.end, lex["caption_resume_words"])
            if span:
                para.carve(span[0], span[1], "caption")


def _caption_span(text: str, start: int, limit: int, resume_words: set[str]) -> tuple[int, int] | None:
    # at most 20 words, read in place: a long paragraph with many anchors stays linear
    words = list(islice(_WORD_RX.finditer(text, start, limit), 20))
    dash_at = next((i for i, w in enumerate(words[:10]) if w.group() in _DASHES), None)
    if dash_at is None or dash_at == 0:
        return None
    for i in range(dash_at + 3, min(len(words), dash_at + 10)):
        if words[i].group().lower() in resume_words:
            return start, words[i - 1].end()
    return None


# --- articles ----------------------------------------------------------------


@dataclass
class ArticleDraft:
    region: int
    paras: list[Para]
    title: str | None = None
    byline: dict | None = None
    teaser: dict | None = None
    bio_author: str | None = None
    part: int = -1

    def metadata(self) -> dict:
        """author/outlet/published and their provenance (see module docstring)."""
        out: dict = {}
        own, teaser = self.byline or {}, self.teaser or {}
        for fld in ("author", "outlet", "published"):
            value, source = None, None
            if own.get(fld):
                value, source = own[fld], "byline"
            elif teaser.get(fld):
                value, source = teaser[fld], "teaser_byline"
            elif fld == "author" and self.bio_author:
                value, source = self.bio_author, "bio"
            out[fld], out[f"{fld}_source"] = value, source
        return out


@dataclass
class PageDraft:
    page: Page
    index: int
    paras: list[Para]
    articles: list[ArticleDraft]


def _title_pattern(title: str) -> re.Pattern:
    """Matches ``title`` in raw text whatever its quotes and spacing."""
    parts = []
    for ch in title:
        if ch.isspace():
            parts.append(r"\s+")
        elif ch == "'":
            parts.append("['\u2018\u2019\u201a\u201b\u2032]")
        elif ch == '"':
            parts.append("[\"\u201c\u201d\u201e\u201f\u2033]")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts))


def _find_teasers(paras: list[Para], text: str) -> dict[int, dict]:
    teasers: dict[int, dict] = {}
    for i, para in enumerate(paras):
        if not para.has_kept(text):
            continue
        m = TEASER_RX.search(text, para.start, para.end)
        if not m:
            continue
        name, cut = _clean_loose_name(m.group("name"), m.start() > para.start)
        name_start = m.start("name") + cut
        pre = normalise_text(text[para.start:name_start])
        if not pre and i > 0 and is_title_like(kept_text(paras[i - 1], text)):
            pre = kept_text(paras[i - 1], text)
        if not re.fullmatch(NAME_RX, normalise_text(name)):
            continue
        teasers[i] = {
            "author": normalise_text(name),
            "outlet": normalise_text(m.group("outlet")),
            "published": parse_date(m.group("date")),
            "title": pre or None,
            "byline_span": (name_start, m.end()),
        }
    return teasers


def _region_starts(paras: list[Para], text: str, teasers: dict[int, dict]) -> list[int]:
    starts = [0]
    previous = None
    for k, idx in enumerate(sorted(teasers)):
        if k == 0:
            previous = idx
            continue
        title_key = comparison_key(teasers[idx]["title"] or "")
        j = idx
        while j - 1 > previous and title_key and comparison_key(kept_text(paras[j - 1], text)) == title_key:
            j -= 1
        starts.append(j)
        previous = idx
    return starts


def _carve_title_copies(paras: list[Para], text: str, title: str) -> None:
    pattern = _title_pattern(normalise_text(title))
    key = comparison_key(title)
    for para in paras:
        if not para.has_kept(text):
            continue
        if comparison_key(kept_text(para, text)) == key:
            para.remove_all("title_repeat")
            continue
        for piece in list(para.kept()):
            seg = text[piece.start:piece.end]
            lead = len(seg) - len(seg.lstrip())
            m = pattern.match(text, piece.start + lead, piece.end)
            if m:
                para.carve(m.start(), m.end(), "title_repeat")
        for piece in list(para.kept()):
            for m in pattern.finditer(text, piece.start, piece.end):
                if not text[m.end():piece.end].strip() and text[piece.start:m.start()].strip():
                    para.carve(m.start(), m.end(), "title_repeat")


def _process_article(draft: ArticleDraft, text: str) -> None:
    paras = draft.paras
    # after an end marker, the rest of the stretch is furniture
    # (only once some text came before the marker: a marker at the top ends nothing)
    ended, seen_text = False, False
    for para in paras:
        if any(p.reason == "source_link" for p in para.pieces):
            ended = seen_text
            continue
        if ended and para.has_kept(text):
            para.remove_all("after_article_end")
        seen_text = seen_text or para.has_kept(text)
    # own byline
    for para in paras:
        if para.has_kept(text):
            parsed = parse_byline(kept_text(para, text))
            if parsed:
                para.remove_all("byline")
                if draft.byline is None:
                    draft.byline = parsed
    # title: the teaser's, or a first paragraph that is a short unpunctuated line
    if draft.teaser and draft.teaser.get("title"):
        draft.title = draft.teaser["title"]
    else:
        first = next((p for p in paras if p.has_kept(text)), None)
        if first is not None and is_title_like(kept_text(first, text)):
            candidate = kept_text(first, text)
            key = f" {comparison_key(candidate)} "
            # a first line that is the start of a body sentence is a lede, not a headline
            is_lede = len(key.split()) >= MIN_DEDUP_WORDS and any(
                key in f" {comparison_key(kept_text(p, text))} " for p in paras if p is not first and p.has_kept(text)
            )
            if is_lede:
                first.remove_all("duplicate")
            else:
                draft.title = candidate
    if draft.title:
        _carve_title_copies(paras, text, draft.title)
        first_title = next(
            (pc for para in paras for pc in para.pieces if pc.reason == "title_repeat"), None
        )
        if first_title is not None:
            first_title.reason = "title"
    # the teaser: its byline and the excerpt that repeats the body
    if draft.teaser:
        t_para: Para = draft.teaser["para"]
        b0, b1 = draft.teaser["byline_span"]
        t_para.carve(b0, b1, "teaser_byline")
        t_para.carve(b1, t_para.end, "duplicate")
        t_para.carve(t_para.start, b0, "title_repeat")
    # author bio: in the last prose paragraph (title-like lines after it are skipped)
    for para in [p for p in reversed(paras) if p.has_kept(text)][:3]:
        if _carve_bio(draft, para, text) or not is_title_like(kept_text(para, text)):
            break
    # short unpunctuated lines inside the article
    for para in paras:
        if para.has_kept(text) and is_title_like(kept_text(para, text)):
            for piece in list(para.kept()):
                para.carve(piece.start, piece.end, "inline_title")


def _carve_bio(draft: ArticleDraft, para: Para, text: str) -> bool:
    sentences = [
        (piece.start + s, piece.start + e)
        for piece in para.kept()
        for s, e in sentence_spans(text[piece.start:piece.end])
    ]
    for i, (s, _) in enumerate(sentences):
        if len(sentences) - i > MAX_BIO_SENTENCES:
            continue
        name = parse_bio_sentence(text[s:sentences[i][1]])
        if name:
            para.carve(s, para.end, "author_bio")
            draft.bio_author = name
            return True
    return False


def draft_page(page: Page, index: int) -> PageDraft:
    """Rules 1-5 for one page (dedup, datelines and fragments run later)."""
    text = page.text
    paras = split_paragraphs(text)
    mark_furniture(paras, text)
    for para in paras:
        carve_inline_artefacts(para, text)
    teasers = _find_teasers(paras, text)
    starts = _region_starts(paras, text, teasers) if teasers else [0]
    bounds = list(zip(starts, starts[1:] + [len(paras)]))
    teaser_by_region = {}
    for idx in sorted(teasers):
        region = max(r for r, (s, _) in enumerate(bounds) if s <= idx)
        teaser_by_region.setdefault(region, {**teasers[idx], "para": paras[idx]})
    articles = []
    for region, (s, e) in enumerate(bounds):
        for para in paras[s:e]:
            para.region = region
        draft = ArticleDraft(region, paras[s:e], teaser=teaser_by_region.get(region))
        _process_article(draft, text)
        articles.append(draft)
    return PageDraft(page, index, paras, articles)


def dedup_sentences(pages: list[PageDraft]) -> None:
    """Rule 6, across every page of the run.

    Paragraphs are ranked by (number of sentences, number of words, earlier page,
    earlier position). A sentence of ``MIN_DEDUP_WORDS``+ words is kept only in
    the highest-ranked paragraph that holds it — as a sentence of its own or, for
    sentences of ``MIN_CONTAINED_WORDS``+ words, inside a longer sentence (a dek
    or lede that quotes part of a body sentence).
    """
    paras: list[tuple[tuple, Para, str, list[tuple[int, int, str]]]] = []
    for page in pages:
        text = page.page.text
        for art in page.articles:
            for para in art.paras:
                spans = [
                    (piece.start + s, piece.start + e)
                    for piece in para.kept()
                    for s, e in sentence_spans(text[piece.start:piece.end])
                ]
                if not spans:
                    continue
                sentences = [(s, e, comparison_key(text[s:e])) for s, e in spans]
                para_key = " " + " ".join(k for _, _, k in sentences if k) + " "
                rank = (len(spans), len(para_key.split()), -page.index, -para.start)
                paras.append((rank, para, para_key, sentences))
    # index paragraphs by every 6-word shingle, to find candidates quickly
    index: dict[str, set[int]] = {}
    for i, (_, _, para_key, _) in enumerate(paras):
        words = para_key.split()
        for j in range(len(words) - MIN_DEDUP_WORDS + 1):
            index.setdefault(" ".join(words[j:j + MIN_DEDUP_WORDS]), set()).add(i)
    for i, (rank, para, _, sentences) in enumerate(paras):
        seen_here: set[str] = set()
        for s, e, key in sentences:
            words = key.split()
            if len(words) < MIN_DEDUP_WORDS:
                continue
            if key in seen_here:  # the same sentence twice in one paragraph
                para.carve(s, e, "duplicate")
                continue
            seen_here.add(key)
            needle = f" {key} "
            for j in sorted(index.get(" ".join(words[:MIN_DEDUP_WORDS]), ())):
                if j == i or paras[j][0] <= rank:
                    continue
                other_key, other_sentences = paras[j][2], paras[j][3]
                as_sentence = any(k == key for _, _, k in other_sentences)
                contained = len(words) >= MIN_CONTAINED_WORDS and needle in other_key
                if as_sentence or contained:
                    para.carve(s, e, "duplicate")
                    break


def finish_page(page: PageDraft) -> None:
    """Rules 7 and 8: datelines and leftover fragments."""
    text = page.page.text
    for art in page.articles:
        first = next((p for p in art.paras if p.has_kept(text)), None)
        if first is not None:
            piece = next(pc for pc in first.kept() if text[pc.start:pc.end].strip())
            seg = text[piece.start:piece.end]
            lead = len(seg) - len(seg.lstrip())
            m = _DATELINE_RX.match(text, piece.start + lead, piece.end)
            if m:
                first.carve(m.start(), m.end(), "dateline")
    for para in page.paras:
        if para.has_kept(text) and not re.search(r"[A-Za-z0-9]", kept_text(para, text)):
            para.remove_all("fragment")
