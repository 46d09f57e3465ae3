"""Who wrote an article, where it ran and when: reading bylines, bios, datelines and mastheads.

In: short strings from a page (a line above or below an article, a meta tag's value) and the
vocabulary in ``data/lexicons/bylines.yaml``.
Out: ``Byline`` records (author as normally written, the form the page used, outlet, date),
person names normalised to one form per writer, outlets from mastheads, copyright lines,
"Printed from" lines and wire datelines.
Used by: ``helpers.segment`` (notebook 01-clean).

One writer, one name: ``person_name`` drops the byline's words ("By", "Written by",
"Author:"), honorifics ("Dr.", "Ambassador (ret.)"), roles after a comma ("…, Political
Correspondent"), places ("… in Brussels") and the outlet; turns "Vance, Robert" round; and
re-capitalises a name written all in capitals or all in lower case with ``nameparser``
("KOUROSH NADIMI", "kourosh nadimi" -> "Kourosh Nadimi"). A string is a person's name only
when it is two to four name words, none of them an organisation word ("Observer Staff",
"Free Voices Weekly" are not people).

The forms of a byline line (``parse_byline``), each at most ``MAX_BYLINE_WORDS`` words:

* a prefix and a name, then optionally a role, an outlet and a date, in any order, separated
  by commas, bars, dashes or middle dots: "By X", "BY X, Political Correspondent",
  "By X – Outlet – May 11, 2008", "Author: X", "Words: X", "Written by X", "Reporting by X;
  Editing by Y", "Interview by X", "By X in Brussels", "By X, foreign affairs columnist";
* a posting line: "Posted on DATE by X", "Published DATE", "DATE · by X";
* a bar line without a prefix: "X | Outlet | DATE", "Outlet | DATE";
* a name and the writer's job, no prefix: "X, Senior Fellow, Alborz Policy Institute" (a job
  word from ``roles`` right after the first comma);
* an aggregator's teaser: "X, Outlet, DATE: Title" (``TEASER_RX``, in ``helpers.segment``).

A credit that names someone else ("Editing by", "Photo:", "Compiled by", "MODERATOR") is
never a byline. Bios (``parse_bio``) and letter signatures (``parse_signature``) are read only
at the end of an article, by ``helpers.segment``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml
from nameparser import HumanName

from .dates import find_dates
from .paths import LEXICONS_DIR
from .textrepair import normalise_text

BYLINES_FILE = LEXICONS_DIR / "bylines.yaml"
MAX_BYLINE_WORDS = 20
MAX_NAME_WORDS = 4

_SEPARATORS = re.compile(r"\s+[|\u00b7\u2022/\u2013\u2014-]{1,2}\s+|\s*[|\u00b7\u2022]\s*|\s+--\s+|;\s*|,\s*")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019.-]*(?:[-'\u2019][^\W\d_]+)*\.?$")
_INITIAL = re.compile(r"^[A-Z]\.$")
_CALENDAR_WORDS = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday",
                   "wednesday", "thursday", "friday", "saturday", "sunday", "jan", "feb", "mar", "apr", "jun",
                   "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_CONNECTORS = {"the", "a", "an", "of", "and", "for", "in", "on", "at", "to", "with", "by", "from", "after", "before"}
_PARTICLES = {"al", "al-", "bin", "ibn", "de", "da", "del", "della", "van", "von", "der", "den", "el", "le", "la", "du", "di", "dos", "das", "ter", "ten"}


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """The byline vocabulary (cached; edit the YAML file, not this code)."""
    with open(BYLINES_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    low = lambda key: [str(x).lower() for x in data.get(key) or []]  # noqa: E731
    by_length = lambda key: sorted(low(key), key=len, reverse=True)  # noqa: E731
    return {
        "author_prefixes": by_length("author_prefixes"),
        "other_credits": by_length("other_credits"),
        "honorifics": set(low("honorifics")),
        "roles": low("roles"),
        "bio_verbs": by_length("bio_verbs"),
        "organisation_words": set(low("organisation_words")),
        "section_labels": set(low("section_labels")),
        "headline_labels": set(low("headline_labels")),
        "field_labels": set(low("field_labels")),
        "not_publication_dates": by_length("not_publication_dates"),
        "masthead_suffixes": set(low("masthead_suffixes")),
        "legal_suffixes": by_length("legal_suffixes"),
        "parent_publication_phrases": by_length("parent_publication_phrases"),
        "transcript_roles": set(low("transcript_roles")),
        "anonymous_bylines": set(low("anonymous_bylines")),
    }


def _prefix_rx(words: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"^(?i:(?P<prefix>{alternatives}))(?:\s*:\s*|\s+)(?P<rest>.+)$", re.S)


@lru_cache(maxsize=1)
def _author_prefix_rx() -> re.Pattern:
    return _prefix_rx(lexicon()["author_prefixes"])


@lru_cache(maxsize=1)
def _other_credit_rx() -> re.Pattern:
    return _prefix_rx(lexicon()["other_credits"])


# --- names ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # the word list only, no model

    return frozenset(STOP_WORDS)


def _strip_honorifics(tokens: list[str]) -> list[str]:
    honorifics = lexicon()["honorifics"]
    while tokens and tokens[0].lower().rstrip(".") in honorifics:
        tokens = tokens[1:]
    return tokens


def is_person_name(text: str) -> bool:
    """Two to four name words (particles and initials allowed), no organisation word."""
    tokens = _strip_honorifics(normalise_text(text).split())
    if not 2 <= len(tokens) <= MAX_NAME_WORDS:
        return False
    org = lexicon()["organisation_words"]
    words = [t for t in tokens if t.lower() not in _PARTICLES]
    if len(words) < 2:
        return False
    for t in tokens:
        bare = t.lower().strip(".,")
        if bare in org or bare in lexicon()["roles"] or re.search(r"['\u2019]s$", t):
            return False
        if t.lower() in _PARTICLES:
            continue
        low = t.lower()
        if (t.islower() or t.isupper() or low in _CONNECTORS) and low in _stop_words():
            return False  # "by the way", "THE RECRUIT", "Republic of Velmora"
        if not (_NAME_WORD.match(t) or _INITIAL.match(t)) or not t[0].isupper():
            if not (t.islower() and all(w.islower() for w in words)):  # "kourosh nadimi"
                return False
    # not one letter per word, and at least one word of 2+ letters besides initials
    return sum(len(t.strip(".")) > 1 for t in words) >= 2


def _capitalised(name: str) -> str:
    """Re-capitalise a name written all upper or all lower case; keep any other casing."""
    letters = [c for c in name if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        human = HumanName(name.lower())
        human.capitalize(force=True)
        parts = [human.first, human.middle, human.last, human.suffix]
        return " ".join(p for p in parts if p) or name
    return name


def person_name(text: str | None) -> str | None:
    """The writer's name as normally written, or None when ``text`` is not a person's name.

    "BY GARETH PRYCE" -> "Gareth Pryce"; "Dr. Ingrid Solheim" -> "Ingrid Solheim";
    "Vance, Robert" -> "Robert Vance"; "Observer Staff" -> None.
    """
    if not text:
        return None
    text = normalise_text(text)
    text = re.sub(r"\([^)]*\)", " ", text)  # "(ret.)"
    m = _author_prefix_rx().match(text)
    if m:
        text = m.group("rest")
    text = normalise_text(text).strip(" :;,.-")
    # "Vance, Robert": one word on each side of a single comma
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 2 and len(parts[0].split()) == 1 and len(parts[1].split()) == 1 \
            and parts[1].lower() not in lexicon()["roles"] and is_person_name(f"{parts[1]} {parts[0]}"):
        text = f"{parts[1]} {parts[0]}"
    else:
        text = parts[0]
    text = re.split(r"\s+(?:in|at|for|from|on)\s+(?=[A-Z])", text, maxsplit=1)[0]
    tokens = _strip_honorifics(text.split())
    while tokens and tokens[-1].lower().strip(".,") in _CALENDAR_WORDS:  # "Ewan Stirling Sat"
        tokens = tokens[:-1]
    name = " ".join(tokens).strip(" .,")
    if not is_person_name(name):
        return None
    return _capitalised(name)


# --- bylines -------------------------------------------------------------------------------------

@dataclass
class Byline:
    author: str | None
    author_stated: str | None
    outlet: str | None = None
    published: str | None = None
    form: str = "byline"  # byline | posted | bar | teaser | bio | signature | speaker | meta


def publication_dates(text: str, dayfirst: bool = False) -> list[str]:
    """ISO dates in ``text`` that are not marked as updated, printed or accessed dates."""
    low = text.lower()
    out = []
    for d in find_dates(text, dayfirst):
        before = low[max(0, d.start - 25):d.start]
        if any(re.search(rf"\b{re.escape(w)}\b[\s:,]*(?:on\s+|at\s+)?$", before) for w in lexicon()["not_publication_dates"]):
            continue
        out.append(d.iso)
    return out


def _is_role(part: str) -> bool:
    low = part.lower()
    return any(re.search(rf"\b{re.escape(r)}s?\b", low) for r in lexicon()["roles"])


def _outlet_part(part: str) -> str | None:
    """A part of a byline that names a publication (not a date, role, time or place word)."""
    part = part.strip(" .:")
    if not part or find_dates(part) or re.search(r"\d", part):
        return None
    if _is_role(part) or part.lower() in {"posted", "published", "updated", "on", "at", "in"}:
        return None
    if _other_credit_rx().match(part) or _author_prefix_rx().match(part):
        return None
    words = part.split()
    if not 1 <= len(words) <= 6 or not words[0][0].isupper():
        return None
    if re.fullmatch(r"(?i)(?:\d+\s+)?min(?:ute)?s?\s+read|read(?:ing)?\s+time.*", part):
        return None
    return part


def _parse_rest(rest: str, dayfirst: bool) -> tuple[str | None, str | None]:
    """(outlet, date) from what follows a name in a byline."""
    dates = publication_dates(rest, dayfirst)
    published = dates[0] if dates else None
    outlet = None
    for part in _SEPARATORS.split(rest):
        if not part or find_dates(part):
            continue
        candidate = _outlet_part(part)
        if candidate and not re.match(r"(?i)^(?:in|at)\s", part):
            outlet = candidate
            break
    return outlet, published


_POSTED_RX = re.compile(r"^(?i:posted|published|written|first published)(?:\s+(?i:on))?[\s:]+(?P<rest>.+)$", re.S)
_NAME_END_RX = re.compile(r"\s+(?:[|\u00b7\u2022\u2013\u2014-]{1,2}|--|in|on|at|for|posted|published|updated)\s+|[,;(|\u00b7\u2022]|\s[\u2013\u2014-]\s", re.I)


_SPECIAL_TO_RX = re.compile(r"^(?P<name>[^,]{3,60}),\s+(?i:special to|for)\s+(?P<outlet>.{3,60})$")


def parse_byline(text: str, dayfirst: bool = False) -> Byline | None:
    """The author, outlet and date of a byline line (see module docstring), else None."""
    text = normalise_text(text)
    if not text or len(text.split()) > MAX_BYLINE_WORDS:
        return None
    # "By our correspondent", "— Staff report": a byline without a writer
    bare = re.sub(r"^(?:[\u2013\u2014-]+\s*|(?i:by)\s+)", "", text).strip(" .").lower()
    if bare in lexicon()["anonymous_bylines"] and bare != text.lower().strip(" .") or \
            (text[:1] in "\u2013\u2014-" and bare in lexicon()["anonymous_bylines"]) or \
            (bare.startswith("from ") and bare in lexicon()["anonymous_bylines"]):  # "From Wire Reports"
        return Byline(None, None, None, None, "anonymous")
    # "WILHELMINA STROUD, special to The Cascade Tribune"
    m = _SPECIAL_TO_RX.match(text)
    if m and person_name(m.group("name")) and not find_dates(text):
        outlet = _outlet_part(m.group("outlet"))
        return Byline(person_name(m.group("name")), text, outlet, None, "byline")
    if _other_credit_rx().match(text) and not _author_prefix_rx().match(text):
        return None
    # "Posted on DATE by NAME" / "Published: DATE"
    m = _POSTED_RX.match(text)
    if m and find_dates(m.group("rest"), dayfirst):
        rest = m.group("rest")
        by = re.search(r"(?i)\bby\s+(?P<name>.+)$", rest)
        name = person_name(by.group("name")) if by else None
        outlet, published = _parse_rest(rest[: by.start()] if by else rest, dayfirst)
        return Byline(name, text if name else None, None, published, "posted")
    # "DATE · by NAME"
    dates = find_dates(text, dayfirst)
    if dates and dates[0].start == 0:
        by = re.search(r"(?i)(?:^|[\s\u00b7|,-])by\s+(?P<name>.+)$", text[dates[0].end:])
        if by:
            name = person_name(by.group("name"))
            if name:
                return Byline(name, text, None, dates[0].iso, "posted")
    # a wire trailer names a writer and reporters: "Reporting by A; Writing by B" -> B
    writing = re.search(r"(?i)\bwriting by\s+(?P<name>[^;,()|]+)", text)
    if writing and person_name(writing.group("name")):
        return Byline(person_name(writing.group("name")), text, None, None, "byline")
    # "By NAME, role | Outlet | DATE"
    m = _author_prefix_rx().match(text)
    if m and m.group("prefix").lower() not in {"remarks by", "speech by", "address by", "statement by",
                                                  "testimony of", "testimony by", "remarks of"}:
        rest = m.group("rest")
        cut = _NAME_END_RX.search(rest)
        name_part, tail = (rest[: cut.start()], rest[cut.start():]) if cut else (rest, "")
        name = person_name(name_part)
        if name is None and not find_dates(rest, dayfirst):
            return None
        outlet, published = _parse_rest(tail, dayfirst)
        stated = text if name else None
        return Byline(name, stated, outlet, published, "byline")
    # "Outlet, DATE" (a repost's source line)
    dates = find_dates(text, dayfirst)
    if dates and dates[-1].end >= len(text.rstrip(" .")) - 1 and text[:dates[-1].start].rstrip().endswith(","):
        outlet = _outlet_part(text[:dates[-1].start].rstrip(" ,"))
        if outlet and not person_name(outlet) and len(outlet.split()) >= 2:
            return Byline(None, None, outlet, dates[-1].iso, "bar")
    # "NAME | Outlet | DATE" or "Outlet | DATE", and "Opinion | NAME"
    parts = [p.strip() for p in re.split(r"\s+[|\u00b7\u2022]\s+|\s+[\u2013\u2014]\s+", text) if p.strip()]
    if len(parts) == 2 and parts[0].lower() in lexicon()["section_labels"]:
        name = person_name(parts[1])
        if name:
            return Byline(name, text, None, None, "bar")
    if len(parts) >= 2 and any(find_dates(p, dayfirst) for p in parts):
        name = person_name(parts[0]) if not find_dates(parts[0], dayfirst) else None
        others = parts[1:] if name else parts
        outlet = next((o for o in (_outlet_part(p) for p in others if not find_dates(p, dayfirst)) if o), None)
        published = next((d for p in others for d in publication_dates(p, dayfirst)), None)
        if name or outlet:
            return Byline(name, parts[0] if name else None, outlet, published, "bar")
    # "Hamid Tavassoli, Senior Fellow, Alborz Policy Institute": a name and the writer's job
    parts = [p.strip() for p in text.split(",")]
    if 2 <= len(parts) <= 4 and _is_role(parts[1]) and not re.search(r"[.!?;:]$", text) and not find_dates(text):
        name = person_name(parts[0])
        if name and len(parts[0].split()) <= 4:
            return Byline(name, text, None, None, "role")
    return None


_SOURCE_LINE_RX = re.compile(
    r"^(?i:(?:first\s+)?(?:published|appeared|printed)\s+in|from|source:?|via:?|reprinted from)\s+"
    r"(?:(?i:today's|yesterday's|this week's|this month's|the latest issue of)\s+)?"
    r"(?P<outlet>[A-Z][^,:(]{2,60}?)(?:,\s*(?i:p\.|page|pp\.)\s*\d+)?\s*(?:\([^)]{1,40}\))?\s*:?$")


def source_line(text: str) -> str | None:
    """The publication a repost names above the article ("From today's Rhine Valley Gazette,
    p. 9 (Opinion):", "First published in The X")."""
    m = _SOURCE_LINE_RX.match(normalise_text(text))
    if not m or len(text.split()) > 14 or normalise_text(text).strip(" .:").lower() in lexicon()["anonymous_bylines"]:
        return None  # "From Wire Reports" credits no publication
    return outlet_from_masthead(m.group("outlet"))


def credit_name(text: str) -> str | None:
    """The person a non-author credit names ("Editing by X", "Photo: X"), for trap checks."""
    m = _other_credit_rx().match(normalise_text(text))
    return person_name(m.group("rest")) if m else None


def speech_author(title: str | None) -> str | None:
    """The speaker named in a transcript's title ("Remarks by Dr. X at ...")."""
    if not title:
        return None
    m = re.match(r"(?i)^(?:remarks|speech|address|statement|testimony|lecture|keynote)\s+(?:by|of)\s+(?P<rest>.+)$",
                 normalise_text(title))
    if not m:
        return None
    rest = re.sub(r"\([^)]*\)", " ", m.group("rest"))
    rest = re.split(r"\s+(?:at|to|before|on|in)\s+|,|:", rest, maxsplit=1)[0]
    return person_name(rest)


def parse_bio(sentence: str) -> str | None:
    """The writer a closing bio sentence is about ("X is a senior fellow at ...",
    "X writes on international affairs for ..."), else None."""
    sentence = normalise_text(sentence)
    verbs = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in lexicon()["bio_verbs"])
    m = re.match(rf"^(?P<name>(?:\S+\s+){{1,{MAX_NAME_WORDS}}}?)(?P<verb>{verbs})\b(?P<rest>.*)$", sentence, re.S)
    if not m:
        return None
    name = person_name(m.group("name").strip())
    if name is None or normalise_text(m.group("name")).split()[0].lower() in {"the", "a", "an", "this", "his", "her"}:
        return None
    verb = m.group("verb").lower()
    if verb in {"is", "was"}:
        first_clause = re.split(r"[,;:(]", m.group("rest"), maxsplit=1)[0]
        if not re.match(r"(?i)\s+(?:a|an|the|one|also|now|currently|formerly)\b", m.group("rest")) or not _is_role(first_clause):
            return None
    return name


def parse_signature(text: str) -> str | None:
    """The writer of a letter signing off "Margaret Ellery, Kendal" (or a post signed
    "— Darius Kohan"), else None."""
    text = normalise_text(text)
    dashed = re.match(r"^[\u2013\u2014-]{1,2}\s*(?P<name>[^,]{3,60})$", text)
    if dashed:
        return person_name(dashed.group("name"))
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or len(text.split()) > 7 or re.search(r"[.!?:;]$", text):
        return None
    place = parts[1]
    if not place or not all(w[:1].isupper() for w in place.split()):
        return None
    return person_name(parts[0])


# --- outlets -------------------------------------------------------------------------------------

def _strip_suffixes(name: str, suffixes: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for s in suffixes:
            s = s.rstrip(".")
            if name.lower().rstrip(".").endswith(" " + s) and len(name) > len(s) + 3:
                name = name.rstrip(".")[: -len(s) - 1].rstrip(" ,.")
                changed = True
    return name


def outlet_from_copyright(text: str) -> str | None:
    """The holder of a copyright line ("© 2019 The Baltic Ledger. All rights reserved.")."""
    text = normalise_text(text)
    m = re.search(r"(?i)(?:\u00a9|\(c\)|copyright)\s*(?:\u00a9\s*)?(?:\d{4}\s*)?(?P<name>[^|\u00b7]+?)(?:\s+\d{4})?\s*(?:[.|\u00b7,]\s|[.|\u00b7]?$|\s+(?i:all rights|is a|reproduction|registered))", text)
    if not m:
        return None
    name = m.group("name").strip(" .,")
    name = re.split(r"(?i)\.\s|\s+(?:all rights|registered)|\s[\u2014\u2013-]\s", name)[0].strip(" .,")
    name = _strip_suffixes(name, lexicon()["legal_suffixes"])
    words = name.split()
    if not 1 <= len(words) <= 10 or not words[0][:1].isupper() or re.search(r"\d", name) \
            or name.lower().startswith("all rights"):
        return None
    return name


def outlet_from_masthead(text: str, allow_lower: bool = False, allow_name: bool = False) -> str | None:
    """A publication's name from a masthead line ("TCID — Transatlantic Committee for Iranian
    Democracy", "CAPITOL OBSERVER -- Online Edition", "Persian Liberty Review · Policy ...")."""
    text = normalise_text(text)
    if re.search(r"(?i)https?://|www\.|\.(?:com|org|net|co\.uk|example)\b", text):
        return None
    parts = [p.strip() for p in re.split(r"\s+(?:[|\u00b7\u2022\u2013\u2014]|--|-|::)\s+|\s*\[", text) if p.strip()]
    lex = lexicon()
    kept = [p for p in parts if not re.fullmatch(r"[A-Z]{2,6}", p) and p.lower() not in lex["masthead_suffixes"]]
    if not kept and allow_name and len(parts) == 1 and re.fullmatch(r"[A-Z]{2,6}", parts[0]):
        kept = parts  # the page's first line is one word in capitals: "LUMEN", "BBC"
    if not kept:
        return None
    name = kept[0].strip(" .:")
    words = name.split()
    if not 1 <= len(words) <= 8 or re.search(r"\d", name):
        return None
    if not words[0][:1].isupper() and not (allow_lower and len(words) <= 4 and name.islower()):
        return None  # "exile notes", a blog's lower-case masthead, only as the page's first line
    if name.lower() in lex["section_labels"] or (is_person_name(name) and not allow_name):
        return None  # (a page's first line may be a publication named like a person: "Small Hours")
    return name


def parent_publication(text: str) -> str | None:
    """The parent publication a blog's tagline names ("A blog of Persian Liberty Review")."""
    text = normalise_text(text)
    for phrase in lexicon()["parent_publication_phrases"]:
        m = re.match(rf"(?i)^{re.escape(phrase)}\s+(?P<name>[A-Z][^.,;:]{{2,60}})$", text)
        if m:
            return m.group("name").strip()
    return None


def printed_from(text: str) -> str | None:
    """The outlet of a print view's "Printed from X (on DATE)" line."""
    m = re.match(r"(?i)^printed\s+from\s+(?P<name>.+?)(?:\s+on\s+.*)?$", normalise_text(text))
    return outlet_from_masthead(m.group("name")) if m else None


_WIRE_RX = re.compile(r"^[A-Z][A-Z .'\u2019-]+(?:,\s*[A-Z][A-Za-z .]+)?(?:,\s*[^()]{3,20})?\s*\((?P<outlet>[A-Z][^()]{2,40})\)\s*(?:-{1,2}|\u2013|\u2014)\s")


def wire_dateline(text: str) -> tuple[int, str | None] | None:
    """(length, outlet) of a wire dateline at the start of a paragraph ("TIRANA (Meridian Wire) - ",
    "NEW YORK, May 19 (Continental Post) -- "); the outlet is None when not a publication."""
    m = _WIRE_RX.match(text)
    if not m:
        return None
    outlet = m.group("outlet").strip()
    if is_person_name(outlet):
        outlet = None
    return m.end(), outlet


def title_and_site(text: str) -> tuple[str, str] | None:
    """("Title", "Site") of a browser-title line "Title | Site" or "Title – Site"."""
    text = normalise_text(text)
    m = re.match(r"^(?P<title>.{10,200}?)\s+(?:\||\u2013|\u2014|-|::)\s+(?P<site>[^|\u2013\u2014]{3,60})$", text)
    if not m:
        return None
    return m.group("title").strip(), m.group("site").strip()


def site_from_title_tag(tag: str | None, title: str | None) -> str | None:
    """The site's name in an HTML title tag once the article's title is taken out of it
    ("Headline | Politics | The Westminster Dispatch", "The Meridian Review :: Briefing ::
    Headline", "The Harbour Courier: Headline"): the parts that share no more than a third of
    their words with the headline, section names skipped, the first that names a publication."""
    if not tag:
        return None
    tag = normalise_text(tag)
    title_words = set(re.findall(r"[a-z0-9]+", normalise_text(title or "").lower()))
    parts = [p.strip(" :") for p in re.split(r"\s+(?:[|\u00b7\u2022\u2013\u2014-]|--|::)\s+|\s*::\s*|:\s+|\s+\|", tag)]
    for part in parts:
        words = re.findall(r"[a-z0-9]+", part.lower())
        if not part or not words or part.lower() in lexicon()["section_labels"]:
            continue
        if title_words and sum(w in title_words for w in words) > len(words) / 3:
            continue  # a piece of the headline
        name = outlet_from_masthead(part)
        if name:
            return name
    return None


def same_outlet(a: str | None, b: str | None) -> bool:
    """Two spellings of one publication (case, a leading "The" and punctuation ignored)."""
    if not a or not b:
        return False
    key = lambda s: re.sub(r"[^a-z0-9]+", " ", re.sub(r"(?i)^the\s+", "", normalise_text(s).lower())).strip()  # noqa: E731
    return key(a) == key(b)
