"""Cutting a decoded page into paragraphs, furniture, articles and metadata.

In: the decoded text of one page (``rawfiles.Page``, with the HTML page's metadata when it was
HTML), the furniture vocabulary in ``data/lexicons/furniture.yaml`` and the byline vocabulary in
``data/lexicons/bylines.yaml`` (read by ``helpers.bylines``).
Out: a ``PageDraft``: the page's paragraphs, each cut into pieces that are either kept (with the
article they belong to) or removed (with a reason), and one ``ArticleDraft`` per article found
(title, author and the form the page stated it in, outlet, date and where each came from).
Pieces never overlap and cover every non-whitespace character of the page, so nothing
disappears without a log entry.
Used by: ``helpers.clean`` (notebook 01-clean).

The rules, in the order they run (reasons in quotes are ``removed_blocks.reason``):

1. Paragraphs: blank lines separate paragraphs. A line that does not end a sentence and is
   followed by a line starting in lower case is joined to it (a sentence broken by a lost link).
   On a page whose text is wrapped at a fixed width (print views, PDF text, wire copy, e-mail),
   a line that reaches the wrap width is joined to the next line too, and a word hyphenated
   across the break is rejoined ("authori-/ties"; prefixes such as "self-" keep their hyphen,
   ``text_repair.yaml``). A line that ends a sentence otherwise starts a new paragraph.
   Page numbers and running headers of printed text ('running_header') and, on a page that
   has page numbers, footnote lines that open with a superscript number ('footnote') are
   removed, and a paragraph cut by them is joined again.
2. Furniture (furniture.yaml): 'furniture' (exact lines such as share buttons and "Skip to main
   content", and short lines matching ``line_patterns``: tag lines, reading times, copyright
   lines, page numbers, "Updated ..." stamps, photo credits, media contacts), 'sidebar_heading'
   + 'sidebar_item' (a list of other stories: its heading and every short item under it),
   'source_link', 'separator', 'breadcrumb', 'url', 'language_menu', 'prompt' (newsletter
   prompts, disclaimers, "the views expressed ..."), 'table' (two or more consecutive lines
   of a short label and values apart by wide gaps: an info box, a timeline). A furniture
   phrase glued to what follows ("Share this articleTHOMAS ...") is cut off alone.
3. Comments: from a paragraph that opens a comment section ("12 Responses to ...", "7 thoughts
   on ...", "Leave a Reply", a line "NAME says:") to the end of the page, every paragraph is
   'comments'. Commenters are never authors.
4. Inside kept text: 'url', 'image_filename', 'caption' (an image file name and the caption glued
   after it, up to its credit: "manez.jpgThe fence at Manez. Photo: X for Y"; a caption glued
   into a sentence after a function word), 'footnote_marker' ("[1]", "¹" after a word).
5. Articles. A page holding aggregator teasers ("Name, Outlet, DATE:" with the title before the
   name or after the colon) is cut at each teaser. Otherwise, a new article starts wherever,
   after some prose, a run of short lines holds a headline followed by a byline or a posting
   line (monthly blog archives, newsletter digests); else the page is one article.
6. Per article: 'after_article_end' (everything after an end mark: "Link to the source",
   "###", "- ENDS -", "About the author", "About <organisation>", "Notes", "Continue reading
   at ..."; only once some text came before it); 'byline' (a byline line among the lines above
   the text, the first lines of the text or its last lines: "By X", "Author: X", "Posted on DATE
   by X", "X | Outlet | DATE", "Reporting by X; Editing by Y"; a bare name above the text next
   to a date line, a job line or the headline; the job line under it); 'date_line' (a line
   above the text that is a date with at most a few other words); 'title' / 'title_repeat' (the
   headline: the HTML page's own, the teaser's, or the best headline-like line above the text;
   every other copy); 'teaser_byline' + 'duplicate' (an aggregator teaser); 'author_bio' (a
   closing bio "X is a senior fellow at ...", "X writes on ... for ..."), 'byline' again for a
   letter's signature ("Margaret Ellery, Kendal"); 'speaker' / 'other_speaker' (a transcript's
   speaker labels, and the turns of its moderator and questioners); 'inline_title' (any other
   paragraph of at most 25 words without final punctuation).
7. Across the whole corpus (``dedup_sentences``): a sentence of 6+ words that appears more than
   once is kept only in the paragraph with the most sentences (then the most words, then the
   earliest page and position); other copies are 'duplicate'. A sentence of 10+ words found
   inside a longer sentence of a higher-ranked paragraph is a copy too.
8. 'dateline': a place prefix at the start of an article's first kept paragraph ("TEHRAN - ",
   "TIRANA (Meridian Wire) - ", "WASHINGTON, Feb. 20, 2012 -- ") is stripped.
9. 'fragment': a paragraph whose kept remainder has no letter or digit.

Metadata (``ArticleDraft.metadata``), first value found, with its source in ``*_source``:

* author: the byline ('byline'), the aggregator teaser ('teaser_byline'), the HTML page's author
  tag when it names a person ('html_meta'), a transcript title "Remarks by X at ..."
  ('speech_title'), a letter's signature ('signature'), a closing bio ('bio'). A person only
  quoted, cited, credited for a photo, named in a sidebar or in a comment is never the author;
  when none of these is present the author is null. Names are normalised by
  ``bylines.person_name`` (one writer, one name) and the form the page used is kept in
  ``author_stated``.
* outlet: the byline, the teaser, then for the whole page: the HTML page's site name
  ('html_meta'), a print view's "Printed from X" ('printed_from'), a browser-title line "Title |
  Site" ('title_line'), a wire dateline "PLACE (Outlet) -" ('dateline'), a blog's "A blog of X"
  tagline ('masthead'), the page's masthead line ('masthead'), its copyright line ('copyright').
* published: the byline, the teaser, a date line above the article ('date_line'), the HTML
  page's date ('html_meta', htmldate), a date in the page's header before any article text
  ('page_header'), a dateline "WASHINGTON, Feb. 20, 2012 --" ('dateline'). Updated, printed and
  accessed dates are never publication dates; a month and year without a day is no date.

Decisions worth knowing:

* Outlets are spelled as the page spells them ("AntiWar" from an aggregator's teaser); a bio
  names an employer, which need not be where this article ran, so it never gives the outlet.
* Sub-headings without final punctuation are removed with inline related-link titles
  ('inline_title'); sub-headings that are sentences ("What kind of democracy does the MEK
  believe in?") stay in the text.
* Offsets in every table refer to the decoded page text (for HTML, the text trafilatura
  extracted); ``articles.text`` is built from the kept pieces, normalised by
  ``textrepair.clean_paragraph`` (straight quotes, single spaces, glued words split, hyphenation
  across wrapped lines undone), paragraphs joined by a blank line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import yaml

from . import bylines as B
from .dates import find_dates, page_dayfirst
from .dates import parse_date as _parse_date
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
MAX_BYLINE_WORDS = B.MAX_BYLINE_WORDS
MAX_BIO_SENTENCES = 6
MAX_FURNITURE_WORDS = 25
MAX_PROMPT_WORDS = 40  # prompts and disclaimers ("The views expressed in this brief ...") run longer
MIN_DEDUP_WORDS = 6
MIN_CONTAINED_WORDS = 10
MIN_PROSE_WORDS = 12  # a paragraph of the writer's text: at least this many words and a sentence
LONG_PROSE_WORDS = 30  # ... or at least this many words in lower-case prose
LONG_BODY_WORDS = 40  # a prose paragraph this long starts the text even alone
MAX_DATE_LINE_WORDS = 8  # words besides the date in a date line ("12 March 2019 · 7 min read")
WRAP_JOIN_SHARE = 0.6
MIN_PREAMBLE_ARTICLE_WORDS = 80
MAX_HEADER_LINE_WORDS = 8
MAX_STANDFIRST_WORDS = 45  # prose this short between the headline and the byline is a standfirst  # a punctuated line this short above the text is a tagline, not text  # less text than this above a page's second article is a preamble  # a wrapped line this close to the wrap width continues on the next line

# --- dates and names (the aggregator teaser keeps its own pattern) --------------------------------

_MONTH_RX = (r"(?i:january|february|march|april|may|june|july|august|september|october|november|"
             r"december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)")
DATE_RX = (
    rf"(?:{_MONTH_RX}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s*\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RX}\.?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
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
_DATELINE_RX = re.compile(
    r"[A-Z][A-Z.'\u2019]+(?:[ ,]+[A-Z][A-Z.'\u2019]+)*"
    r"(?:,\s*(?:\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|[A-Z][a-z]+\.?(?:\s+\d{1,2})?(?:,\s+\d{4})?))?"
    r"(?:\s*\([A-Z][^()]{2,40}\))?"
    r"\s*(?:--|[-\u2013\u2014])\s+(?=[A-Z\"\u201c])"
)
_URL_RX = re.compile(r"(?:https?://|www\.)[^\s<>\"\u201d]+[^\s<>\"\u201d.,;:!?)\]]")
# starts only where a word starts: trying every position inside a long run of
# word characters would make a 1 MB token quadratic
_IMAGE_RX = re.compile(r"(?<![\w-])[\w-]+\.(?:[jJ][pP][eE]?[gG]|[pP][nN][gG]|[gG][iI][fF]|[wW][eE][bB][pP]|[sS][vV][gG]|[bB][mM][pP])(?![a-z])")
_FOOTNOTE_RX = re.compile(r"(?<=[^\s\[])(?:\[\d{1,3}\]|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+)|\[\d{1,3}\](?=[^\W\d_])")
_EMAIL_RX = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}(?<![.])")
# a photo credit: "Photo: X", or in brackets a name ("(Arjan Leka)", "(Claire Dumont for the
# Observer)") or a credit phrase ("(Harbour Courier photo by Dale Whitaker)"); not "(MEK)"
_CREDIT_RX = re.compile(
    r"(?:\b(?:Photo(?:graph)?s?|Picture|Credit|Image|Illustration)\s*:"
    r"|\((?:[^()]*\b(?i:photo|picture|credit|courtesy)\b[^()]*"
    r"|[A-Z][\w'\u2019.-]+(?:\s+[A-Z][\w'\u2019.-]+){1,3}(?:\s+for\s+[^()]{2,40})?)\))"
)
_SHORT_WORD_AFTER_CAPS = re.compile(r"(?<=[A-Z]{2})(?=[A-Z][a-z]\b)")
_GLUED_AFTER_BRACKET = re.compile(r"(?<=[)\]])(?=[A-Z][a-z])")
_SPEAKER_RX = re.compile(r"^(?P<label>[A-Z][A-Z.'\u2019 -]{0,60}[A-Z.])\s*(?P<notes>(?:\s*\([^()]{0,80}\)){0,3})\s*:\s*(?P<rest>.*)$", re.S)
_BREADCRUMB_RX = re.compile(r"\s(?:>|/|\u203a|\u00bb|<)\s")
_SEPARATED_RX = re.compile(r"\s[\u00b7\u2022|]\s")  # "iran · iraq · refugees": a tagline or menu, not a sentence
_QUOTE_MARK_RX = re.compile(r"^\s*(>+)[ \t]?")
# a numbered document or a print page, not a headline: "No. 147/2018", "Final, Page A8"
_EDITION_LINE_RX = re.compile(r"\b(?i:no)\.?\s*\d|\d+/\d{2,4}\b|\b(?i:page|p\.)\s*[A-Z]?\d+\b")
_NUMBERING_RX = re.compile(r"^(?:\d{1,2}[.)]\s+|\d{1,2}(?:\.\d{1,2})+\.?\s+(?=[A-Z])|[\u25a0\u25aa\u2022\u2192\u00bb>*+-]\s*)")
_WORD_RX = re.compile(r"\S+")
_DASHES = {"-", "\u2013", "\u2014"}
_CLOSERS = "\"'\u201d\u2019)]\u00bb"


def parse_date(text: str) -> str | None:
    """ISO date (YYYY-MM-DD) of the first full date in ``text``, or None (``helpers.dates``)."""
    return _parse_date(text)


def parse_byline(text: str) -> dict | None:
    """Author/outlet/date of a byline line (``helpers.bylines.parse_byline``), else None."""
    b = B.parse_byline(text)
    if b is None or not (b.author or b.published or b.outlet):
        return None
    return {"author": b.author, "outlet": b.outlet, "published": b.published}


def parse_bio_sentence(sentence: str) -> str | None:
    """The person a closing bio sentence is about ("X is a senior fellow at ..."), else None."""
    return B.parse_bio(sentence)


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


# --- furniture vocabulary --------------------------------------------------


@lru_cache(maxsize=1)
def furniture_lexicon() -> dict:
    with open(FURNITURE_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    low = lambda key: {str(x).lower() for x in data.get(key) or []}  # noqa: E731
    rx = lambda key: [re.compile(str(p), re.I) for p in data.get(key) or []]  # noqa: E731
    return {
        "lines": low("lines"),
        "lines_by_length": sorted(low("lines"), key=len, reverse=True),
        "list_headings": low("list_headings"),
        "list_heading_patterns": rx("list_heading_patterns"),
        "article_end_markers": low("article_end_markers"),
        "breadcrumb_roots": low("breadcrumb_roots"),
        "breadcrumb_separators": list(data.get("breadcrumb_separators") or []),
        "separator_chars": str(data.get("separator_chars") or "*"),
        "language_names": low("language_names"),
        "prompt_phrases": low("prompt_phrases"),
        "line_patterns": rx("line_patterns"),
        "comment_openers": rx("comment_openers"),
        "comment_author_suffixes": [str(s).lower() for s in data.get("comment_author_suffixes") or []],
        "end_patterns": [re.compile(str(p)) for p in data.get("end_patterns") or []],
        "title_tags": [re.compile(str(p)) for p in data.get("title_tags") or []],
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
    page_furniture: bool = False  # a page number or running header of printed or PDF text

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

    def reasons(self) -> set[str]:
        return {p.reason for p in self.pieces if p.reason}


def kept_text(para: Para, text: str) -> str:
    """The paragraph's kept pieces, normalised (no glue repair). Pieces are joined by a line
    break, so a word hyphenated across a removed page header is rejoined like any other."""
    return normalise_text("\n".join(text[p.start:p.end] for p in para.kept()))


def _ends_sentence(line: str) -> bool:
    core = line.rstrip().rstrip(_CLOSERS)
    return bool(core) and core[-1] in ".!?:;"


def wrap_width(lines: list[str]) -> int | None:
    """The width a page's text is wrapped at, or None when its lines are not wrapped.

    Wrapped text (a print view, PDF text, wire copy, e-mail) has most of its longer lines
    between 40 and 100 characters; a page copied from a browser has one line per paragraph.
    """
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    long = sorted(n for n in lengths if n >= 40)
    if len(long) < 6 or len(long) < 0.4 * len(lengths):
        return None
    width = long[int(0.9 * (len(long) - 1))]
    return width if width <= 100 else None


_FOOTNOTE_LINE_RX = re.compile(r"^\s*[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+\s*\S")
_PAGE_NUMBER_RX = re.compile(r"^\s*(?:[-\u2013]\s*)?(?:(?i:page)\s+)?\d{1,4}(?:\s+(?i:of)\s+\d{1,4})?(?:\s*[-\u2013])?\s*$")


def page_furniture_lines(lines: list[str], wrapped: bool = True) -> set[int]:
    """Lines of printed or PDF text that belong to the page, not the text: page numbers
    ("Page 3 of 12"; on wrapped text also "- 4 -" or a bare number) and, on a page that has
    them, running headers (a short line with a number that recurs on the page, its numbers
    aside: "NICS Working Paper 11/2005 -- Armed Exiles ...   3"; never a date line)."""
    found = {i for i, line in enumerate(lines) if line.strip() and _PAGE_NUMBER_RX.match(line)
             and (wrapped or re.search(r"(?i)page", line))}
    if not found:
        return found
    # a page's footnotes ("⁴ Figures for the 2009 operations vary by source."), on a page with
    # page numbers: they stand between the two halves of a paragraph cut by the page break
    found.update(i for i, line in enumerate(lines) if _FOOTNOTE_LINE_RX.match(line))
    masked: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        core = " ".join(line.split())
        if core and re.search(r"\d", core) and len(core.split()) <= 15 and not find_dates(core):
            masked.setdefault(re.sub(r"\d+", "#", core), []).append(i)
    for indices in masked.values():
        if len(indices) >= 2:
            found.update(indices)
    return found


def _merge_across_page_breaks(paras: list[Para], text: str) -> list[Para]:
    """A paragraph cut by a page break ("... In May" | page number, running header | "2005
    Human Rights Watch ...") is one paragraph again; the page furniture inside it is removed."""
    out: list[Para] = []
    i = 0
    while i < len(paras):
        para = paras[i]
        j = i + 1
        while j < len(paras) and paras[j].page_furniture:
            j += 1
        last = text[para.start:para.end].rstrip()
        if (not para.page_furniture and j > i + 1 and j < len(paras) and not paras[j].page_furniture
                and last and not _ends_sentence(last)
                and (text[paras[j].start].islower() or last.endswith("-"))):
            merged = Para(para.start, paras[j].end)
            merged.pieces = [Piece(para.start, para.end)]
            for q in paras[i + 1:j]:
                merged.pieces.append(Piece(q.start, q.end, "removed",
                                           "footnote" if _FOOTNOTE_LINE_RX.match(text[q.start:q.end]) else "running_header"))
            merged.pieces.append(Piece(paras[j].start, paras[j].end))
            out.append(merged)
            i = j + 1
            continue
        out.append(para)
        i += 1
    return out


def split_paragraphs(text: str) -> list[Para]:
    """Paragraphs of a page (rule 1 of the module docstring)."""
    raw_lines = text.splitlines(keepends=True)
    width = wrap_width(raw_lines)
    page_lines = page_furniture_lines(raw_lines, wrapped=width is not None)
    paras: list[Para] = []
    current: Para | None = None
    previous_line = ""
    pos = 0
    # the page's first line (a masthead or headline) never takes the next line in
    first_line_end = -1
    offset = 0
    for line in raw_lines:
        if line.strip():
            first_line_end = offset + len(line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029").rstrip())
            break
        offset += len(line)
    quoted: list[tuple[int, int]] = []  # spans of "> " quote markers (forum and e-mail quoting)
    for line_no, line in enumerate(raw_lines):
        start_of_line = pos
        pos += len(line)
        body = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        qm = _QUOTE_MARK_RX.match(body)
        if qm:
            quoted.append((start_of_line + qm.start(1), start_of_line + qm.end()))
            if not body[qm.end():].strip():  # a quoted blank line: the paragraph ends
                paras.append(Para(start_of_line + qm.start(1), start_of_line + qm.end(1), page_furniture=True))
                current = None
                previous_line = ""
                continue
            body = " " * qm.end() + body[qm.end():]
        stripped = body.strip()
        if not stripped:
            current = None
            continue
        s = start_of_line + (len(body) - len(body.lstrip()))
        e = start_of_line + len(body.rstrip())
        if line_no in page_lines:  # a page number or running header is a paragraph of its own
            paras.append(Para(s, e, page_furniture=True))
            current = None
            previous_line = ""
            continue
        alone_first_line = current is not None and current is paras[0] and current.end == first_line_end
        continues = current is not None and not alone_first_line and (
            (not _ends_sentence(previous_line) and stripped[0].islower() and not _SEPARATED_RX.search(stripped))
            or (width is not None and len(previous_line) >= WRAP_JOIN_SHARE * width
                and not previous_line.endswith(":") and not _NUMBERING_RX.match(stripped)
                and _has_words(previous_line) and _has_words(stripped) and not stripped.startswith("[")
                and any(c.islower() for c in previous_line))
        )
        if continues:
            current.end = e
        else:
            current = Para(s, e)
            paras.append(current)
        previous_line = body.rstrip()
    for p in paras:
        p.pieces = [Piece(p.start, p.end)]
    paras = _merge_across_page_breaks(paras, text)
    for p in paras:
        if p.page_furniture:
            p.remove_all("quote_marker" if text[p.start:p.end].strip(" >") == ""
                         else "footnote" if _FOOTNOTE_LINE_RX.match(text[p.start:p.end]) else "running_header")
    if quoted:
        starts = [p.start for p in paras]
        for s0, e0 in quoted:
            i = bisect_right(starts, s0) - 1
            if i >= 0 and paras[i].end >= e0 and not paras[i].page_furniture:
                paras[i].carve(s0, e0, "quote_marker")
    return paras


def _has_words(line: str) -> bool:
    return bool(re.search(r"[^\W\d_]{2}", line))


def is_title_like(text: str) -> bool:
    """A short line without final punctuation (a headline, link title or sub-heading)."""
    text = normalise_text(text)
    if not re.search(r"[A-Za-z]", text) or len(text.split()) > MAX_TITLE_WORDS:
        return False
    core = text.rstrip(_CLOSERS + " ")
    return bool(core) and core[-1] not in ".!?:;,"


def is_prose(text: str) -> bool:
    """A paragraph of running text: sentences in mostly lower-case words, not a heading or label."""
    words = normalise_text(text).split()
    if len(words) < MIN_PROSE_WORDS:
        return False
    lower = sum(1 for w in words if w[:1].islower()) / len(words)
    if len(words) >= LONG_PROSE_WORDS:
        return lower >= 0.3
    return lower >= 0.4 and bool(re.search(r"[.!?][\"'\u201d\u2019)]*(?:\s|$)", " ".join(words[3:])))


def body_start(norms: list[str]) -> int:
    """Index of the paragraph where the text starts: the first prose paragraph that is long
    (``LONG_BODY_WORDS``) or followed by more prose within the next two paragraphs. A lone
    sentence of prose among a page's header lines (a subscription notice, a site's tagline)
    does not start it."""
    prose = [is_prose(n) for n in norms]
    for i, n in enumerate(norms):
        if prose[i] and (len(n.split()) >= LONG_BODY_WORDS or any(prose[i + 1:i + 3])):
            return i
    return next((i for i, p in enumerate(prose) if p), len(norms))


def is_nav(text: str) -> bool:
    """A navigation bar: three or more short items between separators or wide gaps."""
    parts = [p for p in re.split(r"\s*[|\u00b7\u2022\u203a\u00bb/]\s*|\s{2,}|\s+-\s+|\]\s*\[", text) if p.strip(" []")]
    # menu items are words: a line of dated or numbered parts is a masthead or a date line
    return len(parts) >= 3 and all(len(p.split()) <= 4 and not re.search(r"\d", p) for p in parts)


# --- furniture --------------------------------------------------------------


def furniture_reason(norm: str) -> str | None:
    """Why a whole paragraph (normalised text) is furniture, or None."""
    lex = furniture_lexicon()
    low = norm.lower().strip().rstrip(":").strip()
    if low in lex["list_headings"] or (len(low.split()) <= 8 and any(rx.fullmatch(low) for rx in lex["list_heading_patterns"])):
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
    n_words = len(low.split())
    if n_words <= MAX_PROMPT_WORDS and any(ph in low for ph in lex["prompt_phrases"]):
        # a writer's closing courtesy at the end of a paragraph of their own ("... That is all.
        # Thanks for reading.") stays text
        spans = sentence_spans(low)
        before_last = low[:spans[-1][0]] if spans else low
        if len(spans) <= 2 or any(ph in before_last for ph in lex["prompt_phrases"]):
            return "prompt"
    if n_words <= MAX_FURNITURE_WORDS and any(rx.search(norm) for rx in lex["line_patterns"]):
        return "furniture"
    if re.fullmatch(r"\[[^\]]{1,80}\]", norm):  # a transcript's stage direction: "[Applause]"
        return "furniture"
    return None


def _carve_glued_furniture(para: Para, text: str) -> None:
    """A furniture phrase glued to what follows ("Share this articleTHOMAS ...", "4 CommentsOn
    leaving ...") is cut off alone."""
    norm = kept_text(para, text)
    piece = next((p for p in para.kept() if text[p.start:p.end].strip()), None)
    if piece is None or len(norm.split()) > 4 * MAX_TITLE_WORDS:
        return
    cuts = glue_boundaries(text[piece.start:piece.end])
    if cuts:
        head = normalise_text(text[piece.start:piece.start + cuts[0]])
        reason = furniture_reason(head)
        if reason is None and any(rx.fullmatch(head) for rx in furniture_lexicon()["end_patterns"]):
            reason = "end_marker"
        if reason in ("furniture", "prompt", "source_link", "end_marker"):
            para.carve(piece.start, piece.start + cuts[0], reason)
            return
        tail = normalise_text(text[piece.start + cuts[-1]:piece.end])
        if furniture_reason(tail) in ("furniture", "prompt"):  # "... press releases.Filed under: Iran"
            para.carve(piece.start + cuts[-1], piece.end, "furniture")
            return
    for phrase in furniture_lexicon()["lines_by_length"]:
        if len(phrase) < 5 or not norm.lower().startswith(phrase):
            continue
        rest = norm[len(phrase):]
        if rest[:1].isupper():
            piece = next(p for p in para.kept() if text[p.start:p.end].strip())
            lead = len(text[piece.start:piece.end]) - len(text[piece.start:piece.end].lstrip())
            m = re.compile(r"\s*".join(re.escape(w) for w in phrase.split()), re.I).match(text, piece.start + lead, piece.end)
            if m:
                para.carve(m.start(), m.end(), "furniture")
        return


def _is_table_row(raw: str) -> bool:
    """A row of a table or an info box: one line, a short label and one to three values set
    apart by wide gaps or tabs ("Location           Diyala Governorate, Iraq")."""
    raw = raw.strip()
    if "\n" in raw:
        return False
    cells = [c for c in re.split(r"\s{3,}|\t+", raw) if c.strip()]
    return 2 <= len(cells) <= 4 and len(cells[0].split()) <= 4 and not cells[0].rstrip().endswith((".", "!", "?")) \
        and all(len(c.split()) <= 12 for c in cells)


def mark_furniture(paras: list[Para], text: str) -> None:
    """Rule 2: whole-paragraph furniture, the items of a list of other stories, and tables
    (two or more rows in a row: see ``_is_table_row``)."""
    rows = [_is_table_row(text[p.start:p.end]) for p in paras]
    for i, para in enumerate(paras):
        if rows[i] and ((i > 0 and rows[i - 1]) or (i + 1 < len(paras) and rows[i + 1])) and para.has_kept(text):
            para.remove_all("table")
    in_list = False
    for para in paras:
        _carve_glued_furniture(para, text)
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


def _opens_comments(norm: str) -> bool:
    lex = furniture_lexicon()
    if any(rx.fullmatch(norm) for rx in lex["comment_openers"]):
        return True
    first_line = norm.split(":")[0] if ":" in norm else ""
    low = norm.lower()
    for suffix in lex["comment_author_suffixes"]:
        at = low.find(suffix)
        if 0 < at and len(norm[:at].split()) <= 5 and (at + len(suffix) == len(low) or first_line):
            return True
    return False


def mark_comments(paras: list[Para], text: str) -> None:
    """Rule 3: from the paragraph that opens a comment section to the end of the page."""
    seen_prose = False
    for i, para in enumerate(paras):
        norm = normalise_text(text[para.start:para.end])
        if seen_prose and _opens_comments(norm):
            for later in paras[i:]:
                if later.has_kept(text):
                    later.remove_all("comments")
            return
        seen_prose = seen_prose or (para.has_kept(text) and is_prose(norm))


def carve_inline_artefacts(para: Para, text: str, after_image: bool = False) -> None:
    """URLs, image file names with their captions, glued captions and footnote markers (rule 4).

    ``after_image``: the paragraph follows one that was only an image file name, so it opens
    with that image's caption.
    """
    for piece in list(para.kept()):
        for m in _URL_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "url")
    for piece in list(para.kept()):
        for m in _EMAIL_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "url")
    if after_image or re.match(r"\s*(?:Photo(?:graph)?|Picture|Image|Caption|Photo caption|FILE PHOTO)\s*:",
                                text[para.start:para.end], re.I):
        _carve_caption_after(para, text, para.start)
    for piece in list(para.kept()):
        for m in _IMAGE_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "image_filename")
            _carve_caption_after(para, text, m.end())
    lex = repair_lexicon()
    anchors = "|".join(re.escape(w) for w in lex["caption_anchor_words"])
    anchor_rx = re.compile(rf"\b(?i:{anchors})(?=[A-Z][a-z])")
    for piece in list(para.kept()):
        for m in anchor_rx.finditer(text, piece.start, piece.end):
            span = _caption_span(text, m.end(), piece.end, lex["caption_resume_words"])
            if span:
                para.carve(span[0], span[1], "caption")
    for piece in list(para.kept()):
        for m in _FOOTNOTE_RX.finditer(text, piece.start, piece.end):
            para.carve(m.start(), m.end(), "footnote_marker")


def _carve_caption_after(para: Para, text: str, start: int) -> None:
    """The caption that follows an image file name: up to its credit and the glued body text
    ("The fence at Manez. Photo: X for The Ledger|The road ..."). Without a credit there is no
    telling a caption from the text ("photo.jpgYesterday, the government ..."): nothing is cut."""
    piece = next((p for p in para.kept() if p.end > start and text[max(p.start, start):p.end].strip()), None)
    if piece is None:
        return
    begin = max(piece.start, start)
    seg = text[begin:piece.end]
    if not seg.strip() or seg.lstrip()[:1].islower():
        return
    credit = _CREDIT_RX.search(seg[:600])
    if credit:
        # the text resumes at the first glued word after the credit (also "GLMOn the ...")
        glued = [c for c in glue_boundaries(seg) if c > credit.start()]
        glued += [m.start() for m in _SHORT_WORD_AFTER_CAPS.finditer(seg, credit.start(), credit.end() + 80)]
        glued += [m.start() for m in _GLUED_AFTER_BRACKET.finditer(seg, credit.start(), credit.end() + 80)]
        glue = min(glued) if glued else None
        end = begin + (glue if glue is not None else len(seg.rstrip()))
        if glue is None and len(seg.split()) > 60:
            return
        para.carve(begin, end, "caption")


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


def _is_caption(norm: str) -> bool:
    """A short photo caption standing alone: ends with a credit ("... Photo: X", "(Arjan Leka)",
    "(Harbour Courier photo by X)", "Meridian Wire/Johan Peeters"); not a byline that also
    credits the photographer ("Story: X | Photos: Y")."""
    if len(norm.split()) > 40:
        return False
    byline = B.parse_byline(norm)
    if byline is not None and byline.author:
        return False
    return bool(re.search(
        r"(?:\b(?:Photo(?:graph)?s?|Picture|Credit|Image)\s*:\s*[^.]{2,80}"
        r"|\((?:[^()]*\b(?i:photo|picture|credit|courtesy)\b[^()]*|[A-Z][\w'\u2019.-]+(?:\s+[A-Z][\w'\u2019.-]+){1,3}(?:\s+for\s+[^()]{2,40})?)\)"
        r"|\b[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*/[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)\s*$", norm))


# --- articles ----------------------------------------------------------------


@dataclass
class ArticleDraft:
    region: int
    paras: list[Para]
    title: str | None = None
    byline: B.Byline | None = None
    teaser: dict | None = None
    bio_author: str | None = None
    signature: str | None = None
    speech_author: str | None = None
    date_line: str | None = None
    part: int = -1
    page: "PageContext | None" = None

    def metadata(self) -> dict:
        """author/outlet/published, their provenance and the author as stated (see module docstring)."""
        own, teaser = self.byline, self.teaser or {}
        ctx = self.page or PageContext()
        meta_author = ctx.meta_author
        candidates = {
            "author": [
                (own.author if own else None, "byline"),
                (teaser.get("author"), "teaser_byline"),
                (meta_author, "html_meta"),
                (self.speech_author, "speech_title"),
                (self.signature, "signature"),
                (self.bio_author, "bio"),
            ],
            "outlet": [
                (own.outlet if own else None, "byline"),
                (teaser.get("outlet"), "teaser_byline"),
                *[(value, source) for value, source in ctx.outlets if not _same_as_title(value, self.title)],
            ],
            "published": [
                (own.published if own else None, "byline"),
                (teaser.get("published"), "teaser_byline"),
                (ctx.meta_date, "html_meta"),  # the markup's date beats a date in its text
                (self.date_line, "date_line"),
                (self.header_date(), "page_header"),
                (ctx.dateline_date if self.region == 0 else None, "dateline"),
            ],
        }
        out: dict = {}
        for fld, options in candidates.items():
            value, source = next(((v, s) for v, s in options if v), (None, None))
            out[fld], out[f"{fld}_source"] = value, source
        stated = None
        if out["author_source"] == "byline":
            stated = own.author_stated
        elif out["author_source"] == "teaser_byline":
            stated = teaser.get("author_stated")
        elif out["author_source"] == "html_meta":
            stated = ctx.meta_author_stated
        elif out["author"]:
            stated = out["author"]
        out["author_stated"] = stated
        return out


    def header_date(self) -> str | None:
        """The nearest dated header line above this article (a digest's issue date, a forwarded
        mail's date), else the page's header date."""
        ctx = self.page or PageContext()
        start = self.paras[0].start if self.paras else 0
        before = [d for offset, d in ctx.header_dates if offset < start]
        return before[-1] if before else ctx.page_date


def _same_as_title(value: str | None, title: str | None) -> bool:
    return bool(value and title) and comparison_key(value) == comparison_key(title)


@dataclass
class PageContext:
    """What a page says once for all its articles: outlet candidates, its header date, the HTML
    page's metadata, how it writes slashed dates."""

    outlets: list[tuple[str, str]] = field(default_factory=list)  # (outlet, source), best first
    page_date: str | None = None
    dateline_date: str | None = None
    meta_title: str | None = None
    meta_author: str | None = None
    meta_author_stated: str | None = None
    meta_date: str | None = None
    dayfirst: bool = False
    title_keys: set[str] = field(default_factory=set)  # headlines the page names as its title
    n_articles: int = 1  # articles the page was cut into
    header_dates: list[tuple[int, str]] = field(default_factory=list)  # (offset, date) of dated header lines


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
        kept_start = next((p.start for p in para.kept() if text[p.start:p.end].strip()), para.start)
        name, cut = _clean_loose_name(m.group("name"), m.start() > kept_start)
        name_start = m.start("name") + cut
        pre = normalise_text(" ".join(text[max(p.start, para.start):min(p.end, name_start)]
                                      for p in para.kept() if p.start < name_start))
        after = normalise_text(text[m.end():para.end])
        title_after = not pre and after and is_title_like(after)
        if title_after:
            pre = after
        elif not pre and i > 0 and is_title_like(kept_text(paras[i - 1], text)):
            pre = kept_text(paras[i - 1], text)
        if not re.fullmatch(NAME_RX, normalise_text(name)):
            continue
        author = B.person_name(normalise_text(name))
        teasers[i] = {
            "author": author,
            "author_stated": normalise_text(name) if author else None,
            "outlet": normalise_text(m.group("outlet")),
            "published": parse_date(m.group("date")),
            "title": pre or None,
            "title_after": bool(title_after),
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


def _is_byline_para(norm: str, dayfirst: bool) -> bool:
    b = B.parse_byline(norm, dayfirst)
    return b is not None and (b.author is not None or b.form in ("posted", "anonymous"))


def _header_starts(paras: list[Para], text: str, dayfirst: bool) -> list[int]:
    """Rule 5 without teasers: after some prose, a run of short lines with a headline followed by
    a byline or posting line starts a new article (at the headline)."""
    starts = [0]
    kept = [(i, kept_text(p, text)) for i, p in enumerate(paras) if p.has_kept(text)]
    seen_prose = False
    run: list[tuple[int, str]] = []
    for i, norm in kept + [(len(paras), "")]:
        prose = i < len(paras) and is_prose(norm)
        if not prose and i < len(paras):
            run.append((i, norm))
            continue
        if seen_prose and run:
            signed = [k for k, (_, line) in enumerate(run) if B.parse_signature(line)]
            if signed:  # letters: "Name, Town" ends one, the next headline starts the next
                head = next((run[h][0] for h in range(signed[0] + 1, len(run)) if _is_headline(run[h][1])), None)
                if head is not None:
                    starts.append(head)
                    run = []
                    seen_prose = True
                    continue
            for k, (j, line) in enumerate(run):
                bare_name = len(line.split()) <= 4 and not line.endswith(":") and B.person_name(line) is not None
                if k == 0 or not (_is_byline_para(line, dayfirst) or bare_name):
                    continue
                # the article starts at the first headline-like line of the run (its masthead,
                # kicker or headline), so that its own header is read whole
                head = next((run[h][0] for h in range(0, k) if _is_headline(run[h][1])), None)
                if head is not None:
                    starts.append(head)
                    break
        run = []
        seen_prose = seen_prose or prose
    return sorted(set(starts))


def _clean_title(title: str, ctx: "PageContext | None" = None) -> str:
    """A headline without list or section numbering ("1. ", "3.4 ", "■ "), a wire tag
    ("UPDATE 1-") or a trailing " | Site"."""
    title = normalise_text(_NUMBERING_RX.sub("", normalise_text(title), count=1))
    labelled = _headline_label(title)
    title = labelled or title
    for tag in furniture_lexicon()["title_tags"]:
        title = tag.sub("", title, count=1) if tag.match(title) else title
    split = B.title_and_site(title)
    if split and ctx is not None and any(B.same_outlet(split[1], o) for o, _ in ctx.outlets):
        title = split[0]
    return title


def _headline_label(norm: str) -> str | None:
    """X of a record's "Headline: X" / "Title: X" field, else None."""
    m = re.match(r"^(?P<label>[A-Za-z][A-Za-z -]{1,20}?)\s*:\s+(?P<value>\S.*)$", norm)
    return m.group("value") if m and m.group("label").lower() in B.lexicon()["headline_labels"] else None


def _is_headline(norm: str, raw: str | None = None, before_byline: bool = False) -> bool:
    """Could be a headline: a short line without final punctuation (or a question, or, right
    above a byline, a line of two short sentences), in words; not a navigation bar or
    breadcrumb, a section label, a byline, a credit, a date or a job line."""
    labelled = _headline_label(norm)
    if labelled:
        return _is_headline(labelled, before_byline=before_byline)
    field = re.match(r"^(?P<label>[A-Za-z][A-Za-z -]{1,20}?)\s*:\s", norm)
    if field and field.group("label").lower() in B.lexicon()["field_labels"]:
        return False  # "Section: Politics", "Length: 612 words"
    words = norm.split()
    if not 2 <= len(words) <= MAX_TITLE_WORDS or is_nav(raw or norm) or is_nav(norm):
        return False
    if B._other_credit_rx().match(norm):
        return False
    if norm[:1].islower():  # "a blog about family, memory and ..." is a tagline
        return False
    label = re.match(r"^(?P<label>[^:]{2,30}):\s+(?P<value>.+)$", norm)
    if label and (B.person_name(label.group("value")) or re.search(r"\d", label.group("value"))) \
            and label.group("label").lower() not in B.lexicon()["section_labels"]:
        return False  # "Story ID: TNS-WLD-2018", "Programme lead: Dr Ingeborg Falk"
    sentences = sentence_spans(norm)
    if before_byline and len(words) <= 20 and len(sentences) >= 2 and norm.rstrip(_CLOSERS)[-1:] in ".!?" \
            and len(norm[sentences[0][0]:sentences[0][1]].split()) <= 10 and not is_prose(norm):
        return True  # "America promised to protect Camp Ashraf. It is breaking that promise."
    if re.search(r"\s[\u203a\u00bb>]\s|\s\|\s.*\s\|\s", norm) or _is_role_line(norm):
        return False
    if not (is_title_like(norm) or (norm.rstrip(_CLOSERS).endswith("?") and len(words) <= 20)):
        return False
    if norm.lower().strip(" :") in B.lexicon()["section_labels"] or B.parse_byline(norm) or find_dates(norm):
        return False
    return bool(re.search(r"[A-Za-z]{2}", norm))


def _title_case(norm: str) -> bool:
    """Headline style: nearly every word that is not a short function word is capitalised."""
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", norm) if w.lower() not in _SMALL_WORDS and len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _carve_title_copies(paras: list[Para], text: str, title: str) -> None:
    pattern = _title_pattern(normalise_text(title))
    key = comparison_key(title)
    for para in paras:
        if not para.has_kept(text):
            continue
        norm = kept_text(para, text)
        if comparison_key(norm) == key or comparison_key(_clean_title(norm)) == key:
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


def _mark_article_end(paras: list[Para], text: str) -> list[Para]:
    """After an end mark that follows some text, the rest is 'after_article_end'; returns the
    paragraphs that followed an "About the author" heading (read for a bio first)."""
    end_patterns = furniture_lexicon()["end_patterns"]
    # "Link to the source" ends an article after any text; the other marks (and a list of
    # other stories) only after prose, so that a menu's "About" or "Related" heading at the
    # top of a page ends nothing
    ended, seen_text, seen_prose, after_about = False, False, False, False
    about: list[Para] = []
    for para in paras:
        norm = kept_text(para, text) if para.has_kept(text) else ""
        if any(p.reason == "source_link" for p in para.pieces):
            ended = ended or seen_text
            continue
        if seen_prose and "sidebar_heading" in para.reasons():  # a list of other stories after the text
            ended = True
            continue
        if ended:
            if para.has_kept(text):
                if after_about:
                    about.append(para)
                para.remove_all("after_article_end")
            continue
        if seen_prose and norm and len(norm.split()) <= 12 and any(rx.fullmatch(norm) for rx in end_patterns):
            para.remove_all("end_marker")
            ended = True
            after_about = norm.lower().startswith("about")
            continue
        seen_text = seen_text or bool(norm)
        seen_prose = seen_prose or (bool(norm) and is_prose(norm))
    return about


def _collect_bylines(draft: ArticleDraft, kept: list[Para], first_prose: int, text: str, dayfirst: bool) -> None:
    """Byline lines above the text, in its first lines and in its last lines ('byline'). On an
    aggregator, lines above the teaser are the page's (a digest's date), not the article's."""
    body = kept[first_prose:]
    scope = kept[:first_prose] + body[:6] + body[-3:]
    if draft.teaser:
        teaser_start = draft.teaser["para"].start
        scope = [p for p in scope if p.start >= teaser_start]
    seen: set[int] = set()
    for para in scope:
        if id(para) in seen or not para.has_kept(text):
            continue
        seen.add(id(para))
        norm = kept_text(para, text)
        if is_prose(norm) and not norm.lower().startswith(("by ", "reporting by", "written by")):
            continue
        parsed = B.parse_byline(norm, dayfirst)
        if parsed is None or not (parsed.author or parsed.published or parsed.outlet or parsed.form == "anonymous"):
            continue
        para.remove_all("byline")
        if draft.byline is None:
            draft.byline = parsed
        else:  # a second line completes the first: "By X" then "Outlet | DATE"
            own = draft.byline
            own.author = own.author or parsed.author
            own.author_stated = own.author_stated or parsed.author_stated
            own.outlet = own.outlet or parsed.outlet
            own.published = own.published or parsed.published


def _is_date_line(norm: str, dayfirst: bool) -> str | None:
    """The publication date of a short line that is mainly a date ("12 March 2019 · 7 min read")."""
    dates = find_dates(norm, dayfirst)
    if not dates:
        return None
    rest = norm
    for d in reversed(dates):
        rest = rest[:d.start] + " " + rest[d.end:]
    if len(re.findall(r"[A-Za-z]{2,}", rest)) > MAX_DATE_LINE_WORDS:
        return None
    found = B.publication_dates(norm, dayfirst)
    low = norm.lower()
    if not found or any(low.startswith(w) for w in B.lexicon()["not_publication_dates"]):
        return None
    return found[0]


def _is_role_line(norm: str) -> bool:
    words = norm.split()
    return 1 <= len(words) <= 5 and is_title_like(norm) and B._is_role(norm) and not B.is_person_name(norm)


def _choose_title(candidates: list[tuple[int, str]], kept: list[Para], text: str, ctx: PageContext,
                  byline_paras: set[int], date_paras: set[int]) -> int | None:
    """Position (in ``kept``) of the best headline among the lines above the text."""
    best, best_score = None, None
    masthead_keys = {comparison_key(o) for o, _ in ctx.outlets}
    # a much longer line right under a plausible headline is its standfirst ("dek"): it gives
    # its place above the byline to the headline
    dek_of: dict[int, int] = {}
    for (upper, u_norm), (lower, l_norm) in zip(candidates, candidates[1:]):
        adjacent = not text[kept[upper].end:kept[lower].start].strip()  # nothing at all between them
        n_upper, n_lower = len(u_norm.split()), len(l_norm.split())
        masthead = B.outlet_from_masthead(u_norm)
        plausible = n_upper >= 4 and not u_norm.isupper() and not re.search(_EDITION_LINE_RX, u_norm) \
            and not (masthead and comparison_key(masthead) in masthead_keys)
        # a standfirst is much longer than its headline, or in sentence case under a headline in
        # title case ("The Speaking Circuit: How an Exile Group Built ..." / "Fees, rallies and ...")
        if adjacent and plausible and ((n_lower >= 8 and n_lower > n_upper)
                                       or (_title_case(u_norm) and not _title_case(l_norm) and n_lower >= 6)):
            dek_of[lower] = upper
    for pos, norm in candidates:
        score = 1 if len(norm.split()) >= 4 else 0
        if ";" in norm:  # a subheading that runs two clauses together
            score -= 2
        if len(norm.split()) > 20:  # a standfirst rather than a headline
            score -= 1
        if re.search(_EDITION_LINE_RX, norm):  # "Press statement No. 147/2018", "Late Edition, Page A8"
            score -= 3
        if comparison_key(norm) in ctx.title_keys or _headline_label(norm):  # "Headline | Site", "Headline: X"
            score += 5

        masthead = B.outlet_from_masthead(norm)
        if masthead and comparison_key(masthead) in masthead_keys:
            score -= 4
        after = next((kept[q] for q in range(pos + 1, len(kept)) if kept[q].has_kept(text)), None)
        if after is not None and B.person_name(kept_text(after, text)) and len(kept_text(after, text).split()) <= 6:
            score += 3
        below = next((d for d, u in dek_of.items() if u == pos), pos)  # the headline of a dek looks past it
        nxt = next((q for q in range(below + 1, len(kept)) if id(kept[q]) in byline_paras | date_paras
                    or kept[q].has_kept(text)), None)
        if nxt is not None and id(kept[nxt]) in byline_paras | date_paras:
            score += 4
        if pos in dek_of:
            score -= 5
        prv = next((q for q in range(pos - 1, -1, -1) if id(kept[q]) in byline_paras | date_paras
                    or kept[q].has_kept(text)), None)
        if prv is not None and id(kept[prv]) in byline_paras | date_paras:
            score += 2
        if norm.isupper() and len(norm.split()) <= 4:
            score -= 3
        if comparison_key(norm) in masthead_keys:
            score -= 4
        if best_score is None or score >= best_score:  # ties: the line nearest the text
            best, best_score = pos, score
    return best


def _carve_author_note(draft: ArticleDraft, para: Para, text: str) -> bool:
    """A closing paragraph that starts with the byline's author ("Graham Ettinger worked on
    refugee resettlement ...") is a note about the writer, whatever its verb."""
    author = draft.byline.author if draft.byline else None
    if not author:
        return False
    norm = kept_text(para, text)
    if len(norm.split()) > 60 or not norm.lower().startswith(author.lower() + " "):
        return False
    para.remove_all("author_bio")
    return True


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


def _speaker_key(m: re.Match) -> tuple[str, str | None]:
    """(key, full name) of a transcript label: "MR GIDEON ASHCOMBE (Northfleet and Rayne) (Lib)" and
    "MR GIDEON ASHCOMBE" are one speaker (key: the surname); a role with the name in brackets
    ("THE MINISTER OF STATE (MR LEWIS CARRADINE)") is that person."""
    label = m.group("label")
    notes = re.findall(r"\(([^()]*)\)", m.group("notes") or "")
    for note in notes:  # the name of a role's holder
        name = B.person_name(note)
        if name and label.strip().lower() not in B.lexicon()["transcript_roles"] and len(label.split()) > 3:
            return name.split()[-1].lower(), name
    name = B.person_name(label)
    tokens = [t for t in label.replace(".", ". ").split() if t.lower().rstrip(".") not in B.lexicon()["honorifics"]]
    return (tokens[-1].lower().rstrip(".") if tokens else label.lower()), name


def _mark_speakers(paras: list[Para], text: str) -> str | None:
    """A transcript's speaker labels ('speaker') and the turns of everyone but its main speaker
    ('other_speaker'); returns the main speaker's full name when a label gives it.

    Labels standing on their own line ("DR. VOGT:", "MR GIDEON ASHCOMBE (Northfleet) (Lib):")
    mark a transcript of speeches: each paragraph belongs to the last label above it, the
    speaker with the most words is the main one, and the others' turns (interventions,
    questions) are removed. Turns of a moderator or a questioner ("MODERATOR: ...",
    "QUESTION (Mr. X): ...") are removed in any transcript. Labels inside the text
    ("NAM: How did you come to join?", "DORSEY: ...") with none on its own line are an
    interview's, and stay.
    """
    roles = B.lexicon()["transcript_roles"]
    kept = [p for p in paras if p.has_kept(text)]
    matches = {}
    for para in kept:
        m = _SPEAKER_RX.match(kept_text(para, text))
        if m and sum(c.isalpha() for c in m.group("label")) >= 2 and len(m.group("label").split()) <= 10:
            matches[id(para)] = m
    label_only = [m for m in matches.values() if not m.group("rest")]
    for para in kept:  # a moderator's or questioner's turn
        m = matches.get(id(para))
        if m and m.group("rest") and m.group("label").strip().lower().rstrip(".") in roles:
            para.remove_all("other_speaker")
    if not label_only:
        return None
    current: str | None = None
    words: Counter = Counter()
    turn_of: dict[int, str] = {}
    names: dict[str, str] = {}
    for para in kept:
        if not para.has_kept(text):
            continue
        m = matches.get(id(para))
        if m is not None:
            current, name = _speaker_key(m)
            if name:
                names.setdefault(current, name)
            turn_of[id(para)] = current
            words[current] += len(m.group("rest").split())
            continue
        if current is not None:
            turn_of[id(para)] = current
            words[current] += len(kept_text(para, text).split())
    if not words:
        return None
    main = max(sorted(words), key=lambda k: words[k])
    for para in kept:
        speaker = turn_of.get(id(para))
        if speaker is None or not para.has_kept(text):
            continue
        m = matches.get(id(para))
        if speaker != main:
            para.remove_all("other_speaker")
        elif m is not None and not m.group("rest"):
            para.remove_all("speaker")
        elif m is not None:
            para.carve(para.start, para.start + len(text[para.start:para.end]) - len(text[para.start:para.end].lstrip())
                       + m.start("rest"), "speaker") if False else None
    return names.get(main)


def _process_article(draft: ArticleDraft, text: str) -> None:
    ctx = draft.page or PageContext()
    paras = draft.paras
    about = _mark_article_end(paras, text)
    kept = [p for p in paras if p.has_kept(text)]
    first_prose = body_start([kept_text(p, text) for p in kept])
    # bylines, and the date and job lines above the text
    _collect_bylines(draft, kept, first_prose, text, ctx.dayfirst)
    byline_paras = {id(p) for p in kept if "byline" in p.reasons()}
    date_paras: set[int] = set()
    for para in kept[:first_prose + 6]:
        if not para.has_kept(text):
            continue
        norm = kept_text(para, text)
        date = _is_date_line(norm, ctx.dayfirst)
        if date:
            para.remove_all("date_line")
            date_paras.add(id(para))
            draft.date_line = draft.date_line or date
    # a bare name next to a date or job line is a byline (before the headline is chosen, so that
    # "Sana Qureshi" above "February 4, 2021" is not taken for one)
    if draft.byline is None or draft.byline.author is None:
        _bare_name_byline(draft, kept[:first_prose], text, date_paras, under_title=False)
        byline_paras = {id(p) for p in kept if "byline" in p.reasons()}
    # the headline
    def before_byline(k: int) -> bool:
        nxt = next((q for q in kept[k + 1:] if q.has_kept(text) or id(q) in byline_paras | date_paras), None)
        return nxt is not None and id(nxt) in byline_paras | date_paras

    candidates = [(k, _clean_title(kept_text(p, text), ctx)) for k, p in enumerate(kept[:first_prose])
                  if p.has_kept(text) and _is_headline(kept_text(p, text), text[p.start:p.end], before_byline(k))]
    if draft.teaser and draft.teaser.get("title"):
        draft.title = draft.teaser["title"]
    elif ctx.meta_title and ctx.n_articles == 1:  # the page's own title names its only article
        draft.title = ctx.meta_title
    else:
        pos = _choose_title(candidates, kept, text, ctx, byline_paras, date_paras)
        if pos is not None:
            candidate = candidates[[c[0] for c in candidates].index(pos)][1]
            key = f" {comparison_key(candidate)} "
            # a first line that is the start of a body sentence is a lede, not a headline
            is_lede = len(key.split()) >= MIN_DEDUP_WORDS and any(
                key in f" {comparison_key(kept_text(p, text))} " for p in kept
                if p is not kept[pos] and p.has_kept(text) and is_prose(kept_text(p, text))
            )
            if is_lede:
                kept[pos].remove_all("duplicate")
            else:
                draft.title = candidate
    # ... and so is a bare name right under the headline
    if draft.byline is None or draft.byline.author is None:
        _bare_name_byline(draft, kept[:first_prose], text, date_paras, under_title=True)
    if draft.title:
        _carve_title_copies(paras, text, draft.title)
        first_title = next(
            (pc for para in paras for pc in para.pieces if pc.reason == "title_repeat"), None
        )
        if first_title is not None:
            first_title.reason = "title"
    # the teaser: its byline and the excerpt that repeats the body (or the title after it)
    if draft.teaser:
        t_para: Para = draft.teaser["para"]
        b0, b1 = draft.teaser["byline_span"]
        t_para.carve(b0, b1, "teaser_byline")
        t_para.carve(b1, t_para.end, "title_repeat" if draft.teaser.get("title_after") else "duplicate")
        t_para.carve(t_para.start, b0, "title_repeat")

    draft.speech_author = B.speech_author(draft.title)
    speaker = _mark_speakers(paras, text)
    draft.speech_author = draft.speech_author or speaker
    # author bio and letter signature: in the last paragraphs (title-like lines after it are
    # skipped), or after an "About the author" heading
    tail = [p for p in reversed(paras) if p.has_kept(text) and _has_words(kept_text(p, text))][:3]
    for para in tail:  # short lines after the bio (a poll, a disclaimer) are looked past
        if _carve_bio(draft, para, text) or _carve_author_note(draft, para, text) \
                or not (is_title_like(kept_text(para, text)) or len(kept_text(para, text).split()) <= MAX_FURNITURE_WORDS):
            break
    if draft.bio_author is None:
        for para in about:
            for s, e in sentence_spans(text[para.start:para.end])[:1]:
                draft.bio_author = draft.bio_author or parse_bio_sentence(text[para.start + s:para.start + e])
    if tail and draft.bio_author is None:
        # the last line, or a "— Name" sign-off under the text that an earlier rule took for a
        # subheading, looking past short lines after it ("Like this", a share bar)
        name = None
        for para in reversed(paras):
            if para.has_kept(text) and _has_words(kept_text(para, text)):
                norm = kept_text(para, text)
                name = B.parse_signature(norm)
                if name or is_prose(norm) or len(norm.split()) > MAX_FURNITURE_WORDS:
                    break
            elif para.reasons() == {"inline_title"}:
                norm = normalise_text(text[para.start:para.end])
                name = B.parse_signature(norm) if norm[:1] in _DASHES else None
                if name:
                    break
        if name:
            para.remove_all("byline")
            for piece in para.pieces:
                piece.reason = "byline"
            draft.signature = name
    # a lone prose paragraph among the lines above the text (a standfirst, a subscription
    # notice) is not the text
    if first_prose < len(kept):
        for para in kept[:first_prose]:
            if para.has_kept(text) and is_prose(kept_text(para, text)):
                para.remove_all("standfirst")
    # prose between the headline and a byline right below it is a standfirst
    byline_at = next((k for k, p in enumerate(kept[first_prose:first_prose + 4], start=first_prose)
                      if "byline" in p.reasons()), None)
    if byline_at is not None:
        for para in kept[first_prose:byline_at]:
            if para.has_kept(text) and len(kept_text(para, text).split()) <= MAX_STANDFIRST_WORDS:
                para.remove_all("standfirst")
    # short lines above the text that are neither headline, byline nor date ("Your city. Your news.")
    for para in kept[:first_prose] if first_prose < len(kept) else []:
        if para.has_kept(text):
            norm = kept_text(para, text)
            if len(norm.split()) <= MAX_HEADER_LINE_WORDS and not is_title_like(norm) and not is_prose(norm):
                para.remove_all("header_line")
    # short unpunctuated lines inside the article
    for para in paras:
        if para.has_kept(text) and is_title_like(kept_text(para, text)):
            for piece in list(para.kept()):
                para.carve(piece.start, piece.end, "inline_title")


def _bare_name_byline(draft: ArticleDraft, header: list[Para], text: str, date_paras: set[int],
                      under_title: bool) -> None:
    """A line that is only a person's name, above the text, is the byline when a date line or a
    job line is next to it or it carries an honorific ("Dr. Ingrid Solheim"); with
    ``under_title``, also when it stands right under the headline."""
    title_key = comparison_key(draft.title or "")
    teaser_start = draft.teaser["para"].start if draft.teaser else -1
    for k, para in enumerate(header):
        if not para.has_kept(text) or para.start < teaser_start:
            continue
        norm = kept_text(para, text)
        if title_key and comparison_key(_clean_title(norm)) == title_key:
            continue
        name = B.person_name(norm) if len(norm.split()) <= 6 and is_title_like(norm) else None
        if name is None:
            continue
        neighbours = [header[j] for j in (k - 1, k + 1) if 0 <= j < len(header)]
        next_kept = next((q for q in header[k + 1:] if q.has_kept(text) or id(q) in date_paras), None)
        prev_kept = next((q for q in reversed(header[:k]) if q.has_kept(text)), None)
        beside_date = any(id(q) in date_paras for q in neighbours) or (next_kept is not None and id(next_kept) in date_paras)
        beside_role = next_kept is not None and next_kept.has_kept(text) and _is_role_line(kept_text(next_kept, text))
        under_title_pass = under_title
        under_title = under_title and prev_kept is not None and bool(title_key) \
            and comparison_key(_clean_title(kept_text(prev_kept, text))) == title_key
        honorific = norm.split()[0].lower().rstrip(".") in B.lexicon()["honorifics"]
        # the same name line twice above the text (a platform's author card and byline)
        # (only once the headline is known, since a headline repeats too)
        repeated = under_title_pass and sum(
            1 for q in header if q.has_kept(text) and comparison_key(kept_text(q, text)) == comparison_key(norm)) >= 2
        if beside_date or beside_role or under_title or honorific or repeated:
            para.remove_all("byline")
            if beside_role:
                next_kept.remove_all("byline")
            own = draft.byline or B.Byline(None, None)
            own.author, own.author_stated = name, norm
            draft.byline = own
            return


# --- the page ---------------------------------------------------------------------------------------


def page_context(page: Page, paras: list[Para]) -> PageContext:
    """The page-level metadata of rule 6 (outlet candidates, header date, HTML metadata)."""
    text = page.text
    ctx = PageContext(dayfirst=page_dayfirst(text))
    meta = page.meta or {}
    if meta.get("title"):
        site_split = B.title_and_site(meta["title"])
        ctx.meta_title = normalise_text(site_split[0] if site_split and B.same_outlet(site_split[1], meta.get("sitename")) else meta["title"])
    if meta.get("author"):
        raw = re.sub(r";\s*", ", ", str(meta["author"]))
        name = B.person_name(raw)
        if name and not B.same_outlet(name, meta.get("sitename")):
            ctx.meta_author, ctx.meta_author_stated = name, str(meta["author"])
    if meta.get("date"):
        ctx.meta_date = parse_date(str(meta["date"]))
    # page-level lines are short: only a paragraph's first 300 characters are read for them
    # (a hostile 1 MB paragraph costs no more than a short one)
    norms = [normalise_text(text[p.start:min(p.end, p.start + 300)]) for p in paras]
    kept_idx = [i for i in range(len(paras)) if paras[i].has_kept(text)]
    start = body_start([norms[i] for i in kept_idx])
    first_prose = kept_idx[start] if start < len(kept_idx) else len(paras)
    outlets: list[tuple[str, str]] = []
    site = meta.get("sitename")
    if site and not re.search(r"\.(?:[a-z]{2,12})$", str(site)):
        outlets.append((normalise_text(str(site)), "html_meta"))
    tag_site = B.site_from_title_tag(meta.get("title_tag"), ctx.meta_title)
    if tag_site:
        outlets.append((tag_site, "html_meta"))
    keys = {comparison_key(n) for n in norms}
    for n in norms:
        printed = B.printed_from(n)
        if printed:
            outlets.append((printed, "printed_from"))
    for n in norms[:first_prose + 1]:
        split = B.title_and_site(n)
        if split and comparison_key(split[0]) in keys - {comparison_key(n)} and B.outlet_from_masthead(split[1]):
            outlets.append((B.outlet_from_masthead(split[1]), "title_line"))
            ctx.title_keys.add(comparison_key(split[0]))
    for i, n in enumerate(norms):
        source = B.source_line(n) if len(n.split()) <= 14 else None
        if source:
            outlets.append((source, "masthead"))
        elif n.lower().strip(" :") == "published in" and i + 1 < len(norms):  # "Published in" / "The Policy Corner"
            named = B.outlet_from_masthead(norms[i + 1])
            if named:
                outlets.append((named, "masthead"))
    for i in range(first_prose, min(first_prose + 3, len(paras))):
        wire = B.wire_dateline(norms[i])
        if wire and wire[1]:
            outlets.append((wire[1], "dateline"))
            break
    for n in norms[:first_prose]:
        parent = B.parent_publication(n)
        if parent:
            outlets.append((parent, "masthead"))
    looked = 0
    for i, n in enumerate(norms[:first_prose]):
        if looked >= 2:
            break
        reasons = paras[i].reasons()
        split = B.title_and_site(n) if n else None
        if not n or (split and comparison_key(split[0]) in keys - {comparison_key(n)}) or comparison_key(n) in ctx.title_keys \
                or reasons & {"breadcrumb", "url", "prompt", "sidebar_heading", "separator"} \
                or (reasons and furniture_reason(n) and not n.isupper()):
            continue
        if is_nav(text[paras[i].start:min(paras[i].end, paras[i].start + 300)]) or _BREADCRUMB_RX.search(n) \
                or re.search(r"(?i)\bby\s+[A-Z]", n) or _is_role_line(n):
            continue  # menus, breadcrumbs ("World > Europe"), taglines naming a writer
        dated = B.parse_byline(n)
        if dated and dated.outlet and not dated.author and dated.published:
            outlets.append((dated.outlet, "masthead"))  # a print page's "THE X RECORD, TUESDAY, JANUARY 27, 2009"
            break
        if dated:
            continue  # bylines
        looked += 1
        masthead = B.outlet_from_masthead(n, allow_lower=looked == 1, allow_name=looked == 1)
        if masthead and not (len(masthead.split()) == 1 and masthead.lower() in B.lexicon()["organisation_words"]):
            outlets.append((masthead, "masthead"))
            break
    for n in reversed(norms):
        holder = B.outlet_from_copyright(n) if len(n.split()) <= MAX_FURNITURE_WORDS else None
        if holder:
            outlets.append((holder, "copyright"))
            break
    masthead = next((i for i, (_, src) in enumerate(outlets) if src == "masthead"), None)
    holder = next((o for o, src in outlets if src == "copyright"), None)
    if masthead is not None and holder and len(holder) > len(outlets[masthead][0]) \
            and comparison_key(outlets[masthead][0]) in comparison_key(holder):
        outlets[masthead] = (holder, "copyright")  # "Republic of Velmora" < "Ministry of ... of the Republic of Velmora"
    ctx.outlets = [(_title_case_caps(o), s) for o, s in outlets]
    # dated lines that are not prose: the page's header date is the first above any article
    # text; an article without its own date takes the nearest one above it
    for i, n in enumerate(norms):
        low = n.lower()
        if is_prose(n) or len(n.split()) > MAX_TITLE_WORDS or any(low.startswith(w) for w in B.lexicon()["not_publication_dates"]):
            continue
        found = B.publication_dates(n, ctx.dayfirst)
        if found:
            ctx.header_dates.append((paras[i].start, found[0]))
            if i < first_prose and ctx.page_date is None:
                ctx.page_date = found[0]
    if first_prose < len(norms):
        m = _DATELINE_RX.match(norms[first_prose])
        if m:
            ctx.dateline_date = next(iter(B.publication_dates(m.group(), ctx.dayfirst)), None)
    return ctx


_SMALL_WORDS = {"of", "the", "for", "on", "and", "in", "at", "to", "a", "an", "de", "du", "la", "le"}


def _title_case_caps(name: str) -> str:
    """An outlet written in capitals ("WORKING GROUP ON IRANIAN REFUGEE PROTECTION") in title case."""
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters) or len(name.split()) < 2:
        return name
    words = name.lower().split()
    return " ".join(w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


def draft_page(page: Page, index: int) -> PageDraft:
    """Rules 1-6 for one page (dedup, datelines and fragments run later)."""
    text = page.text
    paras = split_paragraphs(text)
    mark_furniture(paras, text)
    previous_is_image = False
    for para in paras:
        carve_inline_artefacts(para, text, after_image=previous_is_image)
        norm = normalise_text(text[para.start:para.end])
        previous_is_image = bool(_IMAGE_RX.fullmatch(norm))
        if para.has_kept(text) and _is_caption(kept_text(para, text)):
            para.remove_all("caption")
    mark_comments(paras, text)
    ctx = page_context(page, paras)
    teasers = _find_teasers(paras, text)
    if teasers:
        starts = _region_starts(paras, text, teasers)
    else:
        starts = _header_starts(paras, text, ctx.dayfirst)
    bounds = list(zip(starts, starts[1:] + [len(paras)]))
    ctx.n_articles = len(bounds)
    teaser_by_region = {}
    for idx in sorted(teasers):
        region = max(r for r, (s, _) in enumerate(bounds) if s <= idx)
        teaser_by_region.setdefault(region, {**teasers[idx], "para": paras[idx]})
    articles = []
    for region, (s, e) in enumerate(bounds):
        for para in paras[s:e]:
            para.region = region
        draft = ArticleDraft(region, paras[s:e], teaser=teaser_by_region.get(region), page=ctx)
        _process_article(draft, text)
        articles.append(draft)
    # a few lines above the first of several articles (a forwarder's note, an editor's
    # introduction) are not an article of their own, nor are a few lines after the last (an
    # author box with a byline: "Written by X", "412 Followers")
    if len(articles) > 1 and not teasers:
        for k, art in enumerate(articles):
            words = sum(len(kept_text(p, text).split()) for p in art.paras if p.has_kept(text))
            if words < MIN_PREAMBLE_ARTICLE_WORDS:
                for p in art.paras:
                    if p.has_kept(text):
                        p.remove_all("preamble" if k == 0 else "after_article_end")
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
