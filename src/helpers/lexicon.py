"""The alias lexicon: load and validate it, turn it into spaCy patterns and text regexes.

In: ``data/lexicons/aliases.csv`` (one row per surface form or spelling pattern; its header
comment documents the columns and the case rules).
Out: a validated ``DataFrame`` of aliases (``load_aliases``), entity-ruler token patterns
(``ruler_patterns``), tokenizer rules that split names out of punctuation glued to them
(``glue_infixes``) and plain-text regular expressions (``text_regex``) for the recall check,
plus the spaCy components and extensions that carry canonical id, alias class and origin on
every entity of a Doc; and how a mention counts when naming is compared (``target_classes``,
``naming_key``: by alias class, or by the name as written for an actor without classes).
Used by: ``helpers.parsing`` (``build_nlp``), ``helpers.entities`` (02-entities) and
``helpers.framing`` (03-framing).

How a Doc carries the lexicon's answer (what 03-framing reads)
    ``ent.ent_id_``  canonical id (``"MEK"``, ``"IRAN"`` ...), ``""`` for an unlinked model entity;
    ``ent.kb_id_``   alias class for target-family names (``"acronym_mko"`` ...), else ``""``;
    origin           ``"ruler"`` when ``ent.ent_id_`` is set (every lexicon match is linked),
                     ``"model"`` otherwise.
Both attributes are token attributes, so they survive DocBin caching and multiprocessing.
``register_extensions()`` (run on import) adds readable getters for the same values:
``ent._.canonical_id``, ``ent._.alias_class`` and ``ent._.origin`` (``None`` when empty).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, Span

ALIAS_CLASSES = (
    "acronym_mek",
    "acronym_mko",
    "own_name",
    "transliteration",
    "english_name",
    "supporters_name",
    "critics_name",
)
# OntoNotes labels, the ones the English pipelines predict.
ENTITY_LABELS = (
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
    "ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)
MATCH_KINDS = ("exact", "ignore_case", "regex", "regex_ignore_case")
COLUMNS = ("canonical_id", "alias", "alias_class", "entity_label", "match", "note")

RULER_NAME = "alias_ruler"
META_NAME = "alias_meta"
PARAGRAPH_NAME = "paragraph_breaks"
ORIGIN_RULER = "ruler"
ORIGIN_MODEL = "model"

_CANONICAL_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ID_SEP = "|"  # pattern id = canonical_id|alias_class until alias_meta splits it
HYPHENS = ("-", "‐", "‑", "–", "—")
APOSTROPHE_S = ("'s", "’s", "‘s")
_APOSTROPHES = "'’‘"
# In text: what may stand between two tokens of an alias (space and/or a hyphen).
_TEXT_SEP = r"(?:\s*[-‐‑–—]\s*|\s+|(?=['’‘]))"  # nothing only before an apostrophe: People's


class LexiconError(ValueError):
    """A row of the alias lexicon is invalid; the message names the file and line."""


def _normalised(alias: str) -> str:
    """The form two aliases are compared in for duplicates: case, quotes and hyphens folded."""
    text = alias.casefold()
    for a in _APOSTROPHES:
        text = text.replace(a, "'")
    text = re.sub(r"\s*[-‐‑–—]\s*", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _regex_tokens(alias: str) -> list[str]:
    return alias.split()


def _check_regex(token: str, ignore_case: bool) -> None:
    re.compile(token, re.IGNORECASE if ignore_case else 0)


def load_aliases(path: Path) -> pd.DataFrame:
    """Read and validate the lexicon; one row per alias with a ``line`` column (file line number).

    Raises ``LexiconError`` naming the file and line for: a missing column, an empty alias or
    canonical id, an unknown alias_class, entity_label or match, an invalid regex, or the same
    alias (compared without case, quotes or hyphens) given two canonical ids or classes.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LexiconError(f"{path}: alias lexicon not found") from None
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: not UTF-8 text ({exc})") from None
    lines = raw.splitlines()
    body_start = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if body_start is None:
        raise LexiconError(f"{path}: no header row (expected columns {', '.join(COLUMNS)})")
    reader = csv.reader(io.StringIO("\n".join(lines[body_start:])))
    header = [h.strip() for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise LexiconError(f"{path}, line {body_start + 1}: header lacks column(s) {missing}")
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for values in reader:
        line = body_start + reader.line_num
        if not values or all(not v.strip() for v in values) or values[0].startswith("#"):
            continue
        if len(values) != len(header):
            raise LexiconError(f"{path}, line {line}: {len(values)} fields, the header has {len(header)}")
        row = {h: v.strip() for h, v in zip(header, values)}
        where = f"{path}, line {line}"
        if not row["alias"]:
            raise LexiconError(f"{where}: empty alias")
        if not _CANONICAL_ID.match(row["canonical_id"]):
            raise LexiconError(f"{where}: canonical_id {row['canonical_id']!r} is not UPPER_SNAKE_CASE")
        if row["alias_class"] and row["alias_class"] not in ALIAS_CLASSES:
            raise LexiconError(
                f"{where}: unknown alias_class {row['alias_class']!r} (expected one of {', '.join(ALIAS_CLASSES)} or empty)"
            )
        if row["entity_label"] not in ENTITY_LABELS:
            raise LexiconError(f"{where}: unknown entity_label {row['entity_label']!r} (expected one of {', '.join(ENTITY_LABELS)})")
        if row["match"] not in MATCH_KINDS:
            raise LexiconError(f"{where}: unknown match {row['match']!r} (expected one of {', '.join(MATCH_KINDS)})")
        if row["match"].startswith("regex"):
            for token in _regex_tokens(row["alias"]):
                try:
                    _check_regex(token, row["match"] == "regex_ignore_case")
                except re.error as exc:
                    raise LexiconError(f"{where}: invalid regular expression {token!r}: {exc}") from None
            key = "regex:" + row["alias"]
        else:
            key = _normalised(row["alias"])
        previous = seen.get(key)
        if previous is not None and (
            previous["canonical_id"] != row["canonical_id"] or previous["alias_class"] != row["alias_class"]
        ):
            raise LexiconError(
                f"{where}: alias {row['alias']!r} is mapped to {row['canonical_id']}/{row['alias_class'] or '-'} "
                f"but line {previous['line']} maps it to {previous['canonical_id']}/{previous['alias_class'] or '-'}"
            )
        row["line"] = line
        seen.setdefault(key, row)
        rows.append({c: row[c] for c in (*COLUMNS, "line")})
    if not rows:
        raise LexiconError(f"{path}: no alias rows")
    out = pd.DataFrame(rows)
    out["alias_class"] = out["alias_class"].replace("", None)
    out["line"] = out["line"].astype("int64")
    for col in COLUMNS:
        out[col] = out[col].astype("string")
    return out


def target_classes(aliases: pd.DataFrame, target: str) -> tuple[str, ...]:
    """The alias classes the target's rows use, in ``ALIAS_CLASSES`` order.

    Empty when no row of the target has a class (as for every actor but the MEK in the
    project's lexicon): the target is then named *by alias* (``naming_key``).
    """
    used = set(aliases.loc[aliases["canonical_id"] == target, "alias_class"].dropna())
    return tuple(c for c in ALIAS_CLASSES if c in used)


def naming_key(alias_class: str | None, text: str) -> str:
    """The family of names a mention counts under when naming is compared.

    Its alias class when the lexicon row gives one; otherwise the name as written, with only
    typography made uniform (straight apostrophes, single spaces), so that each distinct
    written form of an actor without classes ("Saddam", "Saddam Hussein") is its own family.
    """
    if isinstance(alias_class, str) and alias_class:
        return alias_class
    for a in _APOSTROPHES:
        text = text.replace(a, "'")
    return " ".join(text.split())


def lexicon_sha256(path: Path) -> str:
    """Digest of the lexicon file's bytes (part of the Doc cache key)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- token patterns for the entity ruler -------------------------------------------------------

def finite_strings(regex: str, limit: int = 64) -> set[str] | None:
    """Every string a regex matches when that set is small and finite (Jafarzadeh? -> 2), else None.

    The matcher checks a set with one hash lookup per token instead of running a regex on
    every token, which is most of the ruler's cost on a large corpus.
    """
    import re._parser as sre  # the stdlib's regex parser (sre_parse)

    def expand(items) -> set[str] | None:
        out = {""}
        for op, arg in items:
            if op is sre.LITERAL:
                options = {chr(arg)}
            elif op is sre.IN:
                options = set()
                for kind, value in arg:
                    if kind is sre.LITERAL:
                        options.add(chr(value))
                    elif kind is sre.RANGE and value[1] - value[0] < limit:
                        options.update(chr(c) for c in range(value[0], value[1] + 1))
                    else:
                        return None
            elif op is sre.SUBPATTERN:
                options = expand(arg[-1])
            elif op is sre.BRANCH:
                options = set()
                for branch in arg[1]:
                    sub = expand(branch)
                    if sub is None:
                        return None
                    options |= sub
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[1] <= 1:
                sub = expand(arg[2])
                if sub is None:
                    return None
                options = sub | ({""} if arg[0] == 0 else set())
            else:
                return None
            if options is None:
                return None
            out = {a + b for a in out for b in options}
            if len(out) > limit:
                return None
        return out

    try:
        return expand(sre.parse(regex))
    except (re.error, RecursionError):
        return None


EXPAND_LIMIT = 64  # an alias may become at most this many plain patterns before sets are used instead


def _regex_token_alternatives(token: str, ignore_case: bool) -> list[dict[str, Any]]:
    """Plain token patterns for every string a finite regex matches, else one REGEX predicate."""
    strings = finite_strings(token)
    if strings is not None:
        strings.discard("")  # emptiness is handled as an optional token
        attr = "LOWER" if ignore_case else "ORTH"
        return [{attr: s} for s in sorted({x.lower() for x in strings} if ignore_case else strings)]
    flag = "(?i)" if ignore_case else ""
    return [{"TEXT": {"REGEX": f"{flag}^(?:{token})$"}}]


def _token_units(alias: str, match: str, tokenizer: Any) -> list[tuple[list[dict[str, Any]], bool]]:
    """(alternative token patterns, optional) per token of an alias; hyphens are dropped (made optional later)."""
    if match.startswith("regex"):
        return [
            (_regex_token_alternatives(token, match == "regex_ignore_case"), re.fullmatch(token, "", re.IGNORECASE) is not None)
            for token in _regex_tokens(alias)
        ]
    units: list[tuple[list[dict[str, Any]], bool]] = []
    for tok in tokenizer(alias):
        text = tok.text
        if text in HYPHENS:
            continue
        if text.replace("’", "'").replace("‘", "'").lower() == "'s":
            units.append(([{"LOWER": s} for s in APOSTROPHE_S], False))
        elif match == "ignore_case":
            units.append(([{"LOWER": text.lower()}], False))
        else:
            units.append(([{"ORTH": text}], False))
    return units


def _as_set(alternatives: list[dict[str, Any]]) -> dict[str, Any]:
    """Several plain alternatives of one attribute as a single IN predicate."""
    if len(alternatives) == 1:
        return alternatives[0]
    (attr,) = {next(iter(a)) for a in alternatives}
    return {attr: {"IN": [a[attr] for a in alternatives]}}


def ruler_patterns(aliases: pd.DataFrame, tokenizer: Any) -> list[dict[str, Any]]:
    """Entity-ruler patterns with id ``canonical_id|alias_class``; hyphens optional between tokens.

    Spelling alternatives of the tokens that start a match become separate plain patterns
    (checked in C by the matcher) while there are at most ``EXPAND_LIMIT`` of them; elsewhere
    they are an IN set (a Python predicate, tried only inside a partial match).
    """
    hyphen = {"ORTH": {"IN": list(HYPHENS)}, "OP": "?"}
    patterns = []
    for row in aliases.itertuples(index=False):
        units = _token_units(str(row.alias), str(row.match), tokenizer)
        # Only the tokens that can start a match are tried at every token of a text: those are
        # expanded into plain patterns (a leading optional token into "with" and "without");
        # later tokens are tried only inside a partial match, so a set costs little there.
        n_leading = next((i + 1 for i, (_, optional) in enumerate(units) if not optional), len(units))
        leading: list[list[dict[str, Any] | None]] = [
            list(alternatives) + ([None] if optional else []) for alternatives, optional in units[:n_leading]
        ]
        n_combinations = 1
        for options in leading:
            n_combinations *= len(options)
        if n_combinations > EXPAND_LIMIT:
            leading = [[_as_set([a for a in options if a is not None])] + ([None] if None in options else [])
                       for options in leading]
        rest = [({**_as_set(alternatives), "OP": "?"} if optional else _as_set(alternatives)) for alternatives, optional in units[n_leading:]]
        alias_class = "" if pd.isna(row.alias_class) else str(row.alias_class)
        pattern_id = f"{row.canonical_id}{_ID_SEP}{alias_class}"
        for combination in itertools.product(*leading):
            chosen = [dict(token) for token in combination if token is not None] + rest
            if not chosen:
                continue
            tokens: list[dict[str, Any]] = []
            for i, token in enumerate(chosen):
                if i:
                    tokens.append(dict(hyphen))
                tokens.append(token)
            patterns.append({"label": str(row.entity_label), "pattern": tokens, "id": pattern_id})
    return patterns


# --- plain-text regexes (the independent recall check) -----------------------------------------

def text_regex(alias: str, match: str) -> re.Pattern[str]:
    """A character-level regex that finds the alias in raw text, as a whole word, with the same rules."""
    parts: list[str] = []
    if match.startswith("regex"):
        for i, token in enumerate(_regex_tokens(alias)):
            optional = re.fullmatch(token, "", re.IGNORECASE) is not None
            piece = ("" if i == 0 else _TEXT_SEP) + f"(?:{token})"
            # An optional token must consume a character, or its separator would end the match.
            parts.append(f"(?:{piece}(?<=\\S))?" if optional else piece)
        flags = re.IGNORECASE if match == "regex_ignore_case" else 0
    else:
        words = [w for w in re.split(r"\s+|\s*[-‐‑–—]\s*", alias.strip()) if w]
        for i, word in enumerate(words):
            escaped = "".join(f"[{_APOSTROPHES}]" if ch in _APOSTROPHES else re.escape(ch) for ch in word)
            parts.append(("" if i == 0 else _TEXT_SEP) + escaped)
        flags = re.IGNORECASE if match == "ignore_case" else 0
    return re.compile(r"(?<![\w])" + "".join(parts) + r"(?![\w])", flags)


_URL_LIKE = re.compile(r"://|^www\.|\.(?:com|org|net|html?|php|aspx?)(?:/|$)|/\S*/", re.IGNORECASE)


def _inside_url(text: str, start: int, end: int) -> bool:
    """Whether the match lies in a URL or path: a slug like /the-trouble-with-mujahedin-khalq/ is no mention."""
    left = start
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and not text[right].isspace():
        right += 1
    return _URL_LIKE.search(text[left:right]) is not None


def find_in_text(text: str, aliases: pd.DataFrame) -> list[tuple[int, int, int]]:
    """Non-overlapping alias occurrences in ``text`` as (start, end, row position); longest wins.

    Matches inside a URL or path are skipped (the tokenizer keeps those as one token too).
    """
    hits: list[tuple[int, int, int]] = []
    for pos, row in enumerate(aliases.itertuples(index=False)):
        for m in text_regex(str(row.alias), str(row.match)).finditer(text):
            if m.end() > m.start() and not _inside_url(text, m.start(), m.end()):
                hits.append((m.start(), m.end(), pos))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2]))
    kept: list[tuple[int, int, int]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][1]:
            continue
        kept.append(hit)
    return kept


# --- pipeline components and extensions ----------------------------------------------------------

@Language.component(PARAGRAPH_NAME)
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so no sentence spans two paragraphs."""
    for i in range(1, len(doc)):
        prev = doc[i - 1]
        if (prev.is_space and "\n" in prev.text) or "\n" in prev.whitespace_:
            doc[i].is_sent_start = True
    return doc


@Language.component(META_NAME)
def alias_meta(doc: Doc) -> Doc:
    """Split the ruler's ``canonical_id|alias_class`` id into ``ent_id_`` and ``kb_id_`` (and drop a
    hyphen a match ends on)."""
    ents = []
    changed = False
    for ent in doc.ents:
        if _ID_SEP in ent.ent_id_:
            canonical_id, alias_class = ent.ent_id_.split(_ID_SEP, 1)
            # A pattern whose last tokens are optional can end on the optional hyphen before them
            # ("Mujahedin-e Khalq-linked" -> "Mujahedin-e Khalq-"): the hyphen is not the name.
            end = ent.end
            while end - 1 > ent.start and doc[end - 1].text in HYPHENS:
                end -= 1
            ents.append(Span(doc, ent.start, end, label=ent.label_, kb_id=alias_class, span_id=canonical_id))
            changed = True
        else:
            ents.append(ent)
    if changed:
        doc.ents = ents
    return doc


def _or_none(value: str) -> str | None:
    return value or None


def register_extensions() -> None:
    """``Span._.canonical_id``, ``._.alias_class``, ``._.origin`` (getters over token attributes)."""
    if not Span.has_extension("canonical_id"):
        Span.set_extension("canonical_id", getter=lambda span: _or_none(span.ent_id_))
    if not Span.has_extension("alias_class"):
        Span.set_extension("alias_class", getter=lambda span: _or_none(span.kb_id_))
    if not Span.has_extension("origin"):
        Span.set_extension("origin", getter=lambda span: ORIGIN_RULER if span.ent_id_ else ORIGIN_MODEL)


register_extensions()


# --- glued mentions: tokenizer rules ---------------------------------------------------------------
#
# The recall check finds an alias wherever no letter or digit touches it ("(NCRI)-a", "U.S.-MEK",
# "M.E.K.-linked", "-MEK"), but spaCy's English rules split punctuation off a word only in the
# common places (a leading "(", a trailing ")" or ",", a hyphen between two letters), so such a
# name stays inside one token that no ruler pattern can match. ``add_glue_rules`` adds infix
# rules built from the lexicon: inside a run of non-space characters, a name that could begin
# or end an alias becomes its own token when punctuation touches it, and so does the
# punctuation next to it. The rules are the recall check's boundary (no word character, \w,
# on either side) and the same case rules; they only fire next to an alias, so other text is
# tokenised as before.

GLUE_MAX_WORD = 32  # open-ended spelling patterns (M[ou]d?ja+h...n) are checked on words up to this long
GLUE_PUNCT_RUN = 2  # punctuation characters after a name split off one by one: ")" and "-" of "(NCRI)-a"
_PUNCT = r"[^\w\s]"


def _edge_units(alias: str, match: str, tokenizer: Any) -> tuple[list[str], list[str]]:
    """Token regexes that can begin a match of the alias, and those that can end one."""
    if match.startswith("regex"):
        units = [(token, re.fullmatch(token, "", re.IGNORECASE) is not None) for token in _regex_tokens(alias)]
    else:
        units = []
        for tok in tokenizer(alias):
            if tok.text in HYPHENS:
                continue
            if tok.text.replace("’", "'").replace("‘", "'").lower() == "'s":
                units.append(("['’‘]s", False))
            else:
                units.append((re.escape(tok.text), False))

    def edges(ordered: list[tuple[str, bool]]) -> list[str]:
        out = []
        for token, optional in ordered:  # optional tokens, then the first one a match must have
            out.append(token)
            if not optional:
                break
        return out

    return edges(units), edges(units[::-1])


def _edge_forms(aliases: pd.DataFrame, tokenizer: Any) -> tuple[dict, dict]:
    """First and last edges of every alias: {(form or regex, ignore_case, finite)}, in a stable order."""
    first: dict[tuple[str, bool, bool], None] = {}
    last: dict[tuple[str, bool, bool], None] = {}
    for row in aliases.itertuples(index=False):
        match = str(row.match)
        ignore_case = match in ("ignore_case", "regex_ignore_case")
        starts, ends = _edge_units(str(row.alias), match, tokenizer)
        for units, into in ((starts, first), (ends, last)):
            for token in units:
                strings = finite_strings(token)
                if strings is None:
                    into[(token, ignore_case, False)] = None
                    continue
                for form in sorted(strings):
                    if form:
                        into[(form.lower() if ignore_case else form, ignore_case, True)] = None
    return first, last


def _case(regex: str, ignore_case: bool) -> str:
    return f"(?i:{regex})" if ignore_case else f"(?:{regex})"


def glue_infixes(aliases: pd.DataFrame, tokenizer: Any) -> list[str]:
    """Infix regexes that cut the lexicon's names out of punctuation they are glued to.

    1. a punctuation character just before a name that can begin an alias ("-" in "U.S.-MEK");
    2. that name itself, after punctuation ("MEK" in "-MEK)", where rule 1 cannot cut at the
       start of the token);
    3. each of up to ``GLUE_PUNCT_RUN`` punctuation characters just after a name that can end an
       alias (")" and "-" in "NCRI)-a"), unless the character continues a longer form of the
       same name ("U.S" + "." is "U.S.").
    A name counts only where no word character touches it (the recall check's boundary).
    Python's look-behinds need a fixed width, so rule 3 has one per form of a finite name and
    one per length (up to ``GLUE_MAX_WORD``) for an open-ended spelling pattern.
    """
    first, last = _edge_forms(aliases, tokenizer)
    if not first:
        return []
    finite_first = sorted(((f, ic) for f, ic, finite in first if finite), key=lambda x: (-len(x[0]), x[0], x[1]))
    open_first = [(r, ic) for r, ic, finite in first if not finite]
    starts = "|".join([_case(re.escape(f), ic) for f, ic in finite_first] + [_case(r, ic) for r, ic in open_first])
    begins = f"(?:{starts})(?!\\w)"
    behind: list[str] = []
    finite_last = [(f, ic) for f, ic, finite in last if finite]
    for form, ignore_case in sorted(finite_last, key=lambda x: (-len(x[0]), x[0], x[1])):
        key = form.lower()
        longer = sorted({f.lower()[len(form)] for f, _ in finite_last if len(f) > len(form) and f.lower().startswith(key)})
        for run in range(GLUE_PUNCT_RUN):
            guard = "" if run or not longer else "(?!" + "|".join(_case(re.escape(c), True) for c in longer) + ")"
            behind.append(f"(?<=(?<!\\w){_case(re.escape(form), ignore_case)}{_PUNCT * run}){guard}")
    for regex, ignore_case in ((r, ic) for r, ic, finite in last if not finite):
        shortest = max(1, sre_min_width(regex))
        for width in range(shortest, GLUE_MAX_WORD + 1):
            for run in range(GLUE_PUNCT_RUN):
                behind.append(f"(?<=(?<!\\w)(?={_case(regex, ignore_case)}\\W)\\w{{{width}}}{_PUNCT * run})")
    rules = [f"{_PUNCT}(?={begins})", f"(?<={_PUNCT}){begins}"]
    if behind:
        rules.append(f"(?={_PUNCT})(?:{'|'.join(behind)}){_PUNCT}")
    return rules


def sre_min_width(regex: str) -> int:
    """The fewest characters a regex can match."""
    import re._parser as sre

    return int(sre.parse(regex).getwidth()[0])


def add_glue_rules(nlp: Language, aliases: pd.DataFrame) -> None:
    """Put ``glue_infixes`` in front of the tokenizer's own infix rules (which stay as they were)."""
    rules = glue_infixes(aliases, nlp.tokenizer)
    if not rules:
        return
    current = nlp.tokenizer.infix_finditer
    if current is not None:
        rules.append(current.__self__.pattern)
    nlp.tokenizer.infix_finditer = re.compile("|".join(rules)).finditer


def _split_final_period(nlp: Language, aliases: pd.DataFrame) -> None:
    """Teach the tokenizer that a sentence-final period after an acronym is punctuation.

    English tokenizer rules keep "MeK." whole (it looks like an abbreviation), which would hide
    the alias at the end of a sentence; "MeK." becomes "MeK" + ".".
    """
    from spacy.attrs import ORTH

    for row in aliases.itertuples(index=False):
        alias = str(row.alias)
        if row.match != "exact" or alias.endswith(".") or " " in alias or len(nlp.tokenizer(alias)) != 1:
            continue
        if len(nlp.tokenizer(alias + ".")) == 1:
            nlp.tokenizer.add_special_case(alias + ".", [{ORTH: alias}, {ORTH: "."}])


def add_lexicon(nlp: Language, aliases: pd.DataFrame) -> Language:
    """Teach the tokenizer the lexicon's glue rules, add the paragraph splitter (before the
    parser) and the ruler + meta (after the NER)."""
    if PARAGRAPH_NAME not in nlp.pipe_names and "parser" in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_NAME, before="parser")
    add_glue_rules(nlp, aliases)
    _split_final_period(nlp, aliases)
    after = "ner" if "ner" in nlp.pipe_names else None
    ruler = nlp.add_pipe(
        "entity_ruler", name=RULER_NAME, after=after,
        config={"overwrite_ents": True, "validate": True, "phrase_matcher_attr": None},
    )
    ruler.add_patterns(ruler_patterns(aliases, nlp.tokenizer))
    nlp.add_pipe(META_NAME, after=RULER_NAME)
    return nlp


def doc_entities(doc: Doc) -> Iterable[tuple[Span, str | None, str | None, str]]:
    """(entity, canonical_id, alias_class, origin) for every entity of a Doc built by ``build_nlp``."""
    for ent in doc.ents:
        yield ent, _or_none(ent.ent_id_), _or_none(ent.kb_id_), ORIGIN_RULER if ent.ent_id_ else ORIGIN_MODEL
