"""Frame detection from a codebook of lemma patterns, and its validation.

In: the frame codebook ``data/lexicons/frames.yaml`` (definitions, Policy
Frames Codebook dimension, cues and spaCy Matcher patterns), parsed spaCy
``Doc`` objects, and the hand-coded gold sample
``data/validation/frames_gold.csv``.
Out: the frames each sentence (or any span) evokes; per-frame precision,
recall and F1 of the detector against the gold sample.
Used by: ``helpers.framing`` (03-framing notebook, sections "Frames" and
"Validation").

A frame is detected in a span when one of its patterns matches there. Pattern
shorthand (so researchers can edit the codebook without learning the Matcher
syntax): the string ``"terrorist list|status"`` is two tokens, the first with
lower-cased lemma ``terrorist``, the second with lemma ``list`` or ``status``;
a full Matcher token dict may be given instead. ``exclude_patterns`` (same
syntax) mark contexts where a cue does not count: a cue match lying inside an
exclusion match of the same frame is dropped. ``lemma_lower`` (a custom
token attribute) is the lower-cased lemma, because the small English model
lemmatises proper nouns with their capital ("Saddam", "Camp"); patterns on it
are matched through the native NORM attribute (``MATCH_ATTR``).

Target linkage (the codebook's ``target_linkage`` section and the per-frame
flags ``requires_target`` / ``agent_check``): frames whose definition is about
the group count only in sentences linked to the target: the sentence names it,
has a definite group noun ("the group"), or one of the ``context_sentences``
sentences before it in the same text names it (anaphora); for flagged frames a
cue whose agent is another named actor ("Al-Qaeda bombed ...") is dropped.
Target mentions are entities whose ``ent_id_`` is the target id (set by
``helpers.entities.build_nlp``) or spans passed in by the caller.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from spacy.attrs import NORM
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from .io import read_yaml

FRAME_NAMES: tuple[str, ...] = (
    "terrorism_violence",
    "cult_abuse",
    "saddam_collaboration",
    "legal_designation",
    "lobbying_influence",
    "regime_change_policy",
    "intelligence_credibility",
    "opposition_legitimacy",
    "humanitarian_displacement",
)

# dependency relations by which an entity modifies a word ("al-Qaeda bombing", "Iraq's army", "Iraqi opposition")
_MODIFIER_DEPS = ("compound", "poss", "amod", "nmod")

GOLD_COLUMNS = ("source_file", "text", "frames", "coder_note")
# How each gold row was used (data/validation/README.md): 'dev' tuned the patterns in round 1,
# 'heldout' was scored once after round 1 and then tuned on in round 2, 'test' was coded
# before round 2 and scored only with the final patterns.
GOLD_SPLITS = ("dev", "heldout", "test")

if not Token.has_extension("lemma_lower"):
    Token.set_extension("lemma_lower", getter=lambda t: t.lemma_.lower())

# The Matcher reads custom attributes through Python objects token by token; a native
# attribute it reads in C. Patterns on ``lemma_lower`` are therefore compiled to NORM, and
# while a Doc is matched its NORM values are the lower-cased lemmas (then restored): the same
# matches, about 6 times faster (FrameDetector._match). A pattern that tests NORM itself
# therefore tests the lower-cased lemma.
MATCH_ATTR = "NORM"


class CodebookError(ValueError):
    """The frame codebook or the gold file is malformed."""


@dataclass(frozen=True)
class Frame:
    name: str
    dimension: str
    definition: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    patterns: tuple[tuple[dict, ...], ...] = field(repr=False)
    # cue matches inside a match of one of these are discarded ("war against terror" is not the group's violence)
    exclude_patterns: tuple[tuple[dict, ...], ...] = field(default=(), repr=False)
    # the frame is about the target: its cues count only in sentences linked to the target
    requires_target: bool = False
    # a cue whose agent (subject of its verb, or an entity modifying it) is another named actor does not count
    agent_check: bool = False


@dataclass(frozen=True)
class Linkage:
    """How a sentence is tied to the target (the codebook's ``target_linkage`` section).

    A sentence is linked when it names the target (an entity whose ``ent_id_`` is
    ``target``), when it contains a definite reference in ``group_nouns`` ("the
    group", "the organization"), or when one of the ``context_sentences``
    preceding sentences of the same text names the target (anaphora: "the latter",
    "its wish"). ``agent_labels``: entity types whose agency makes a cue someone
    else's ("Al-Qaeda bombed ...").
    """

    target: str = "MEK"
    context_sentences: int = 1
    group_nouns: tuple[str, ...] = ()
    agent_labels: tuple[str, ...] = ("ORG", "GPE", "NORP", "PERSON")


def normalise_text(text: str) -> str:
    """Whitespace-normalised text (how gold rows are stored and deduplicated)."""
    return re.sub(r"\s+", " ", str(text)).strip()


def match_key(text: str) -> str:
    """Letters and digits only, lower-cased: matches a gold row (cut from the raw page) to the
    pipeline sentence of the cleaned article even where cleaning straightened quotes or repaired glue."""
    return re.sub(r"\W+", "", str(text)).lower()


def _token_spec(spec: object, where: str) -> dict:
    if isinstance(spec, str):
        words = [w.strip().lower() for w in spec.split("|") if w.strip()]
        if not words:
            raise CodebookError(f"{where}: empty token in pattern")
        return {MATCH_ATTR: words[0]} if len(words) == 1 else {MATCH_ATTR: {"IN": words}}
    if isinstance(spec, dict):
        extensions = spec.get("_")
        if isinstance(extensions, dict) and "lemma_lower" in extensions:
            if MATCH_ATTR in spec:
                raise CodebookError(f"{where}: a token cannot test both lemma_lower and {MATCH_ATTR}")
            # the custom attribute, read natively: NORM holds the lower-cased lemma while matching
            native = {k: v for k, v in spec.items() if k != "_"}
            native[MATCH_ATTR] = extensions["lemma_lower"]
            rest = {k: v for k, v in extensions.items() if k != "lemma_lower"}
            return {**native, "_": rest} if rest else native
        return spec
    raise CodebookError(f"{where}: a token must be a string or a Matcher dict, got {type(spec).__name__}")


def _pattern(raw: object, where: str) -> tuple[dict, ...]:
    if isinstance(raw, str):
        tokens = [_token_spec(part, where) for part in raw.split()]
    elif isinstance(raw, list) and raw:
        tokens = [_token_spec(part, where) for part in raw]
    else:
        raise CodebookError(f"{where}: a pattern must be a non-empty string or list of tokens")
    if not tokens:
        raise CodebookError(f"{where}: empty pattern")
    return tuple(tokens)


def _read_yaml(path: Path) -> dict:
    data = read_yaml(path, CodebookError)
    if not isinstance(data, dict) or not isinstance(data.get("frames"), dict):
        raise CodebookError(f"{path}: expected a top-level 'frames:' mapping")
    return data


def _flag(entry: dict, key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise CodebookError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value


def load_linkage(path: str | Path, target: str | None = None) -> Linkage:
    """The codebook's ``target_linkage`` section (defaults when absent); ``target`` overrides its target id."""
    path = Path(path)
    raw = _read_yaml(path).get("target_linkage") or {}
    where = f"{path}: target_linkage"
    if not isinstance(raw, dict):
        raise CodebookError(f"{where}: expected a mapping")
    unknown = sorted(set(raw) - {"target", "context_sentences", "group_nouns", "agent_labels"})
    if unknown:
        raise CodebookError(f"{where}: unknown key(s) {unknown}")
    context = raw.get("context_sentences", 1)
    if not isinstance(context, int) or isinstance(context, bool) or context < 0:
        raise CodebookError(f"{where}: 'context_sentences' must be a whole number >= 0, got {context!r}")
    default = Linkage()
    return Linkage(
        target=str(target or raw.get("target") or default.target),
        context_sentences=context,
        group_nouns=tuple(str(w).lower() for w in raw.get("group_nouns") or ()),
        agent_labels=tuple(str(w) for w in raw.get("agent_labels") or default.agent_labels),
    )


def load_codebook(path: str | Path) -> dict[str, Frame]:
    """Read and check the frame codebook; errors name the file and the frame."""
    path = Path(path)
    data = _read_yaml(path)
    frames: dict[str, Frame] = {}
    for name, entry in data["frames"].items():
        where = f"{path}: frame '{name}'"
        if not isinstance(entry, dict):
            raise CodebookError(f"{where}: expected a mapping")
        for key in ("dimension", "definition", "patterns"):
            if not entry.get(key):
                raise CodebookError(f"{where}: missing '{key}'")
        patterns = tuple(
            _pattern(raw, f"{where}, pattern {i + 1}") for i, raw in enumerate(entry["patterns"])
        )
        exclude_patterns = tuple(
            _pattern(raw, f"{where}, exclude_pattern {i + 1}")
            for i, raw in enumerate(entry.get("exclude_patterns") or ())
        )
        frames[name] = Frame(
            name=name,
            dimension=str(entry["dimension"]),
            definition=normalise_text(entry["definition"]),
            include=tuple(entry.get("include") or ()),
            exclude=tuple(entry.get("exclude") or ()),
            patterns=patterns,
            exclude_patterns=exclude_patterns,
            requires_target=_flag(entry, "requires_target", where),
            agent_check=_flag(entry, "agent_check", where),
        )
    return frames


def codebook_table(codebook: dict[str, Frame]) -> pd.DataFrame:
    """The codebook as a table for the notebook (one row per frame)."""
    return pd.DataFrame(
        [
            {
                "frame": f.name,
                "dimension": f.dimension,
                "definition": f.definition,
                "n_patterns": len(f.patterns),
                "requires_target": f.requires_target,
                "agent_check": f.agent_check,
            }
            for f in codebook.values()
        ]
    )


class FrameDetector:
    """Finds frame cues in parsed text with a spaCy ``Matcher`` built from the codebook.

    Frames flagged ``requires_target`` count only in sentences linked to the
    target (see ``Linkage``); frames flagged ``agent_check`` drop cues whose
    agent is another named actor. Target mentions are the Doc's entities whose
    ``ent_id_`` is the target id (the entity ruler of ``helpers.entities.build_nlp``
    sets it); a Doc parsed without that ruler has none, so flagged frames then
    fire only through ``group_nouns``.
    """

    def __init__(self, vocab, codebook: dict[str, Frame], linkage: Linkage | None = None):
        self.codebook = codebook
        self.frame_names = tuple(codebook)
        self.linkage = linkage or Linkage()
        self.matcher = Matcher(vocab)
        self.exclusions = Matcher(vocab)
        self._last: tuple[Doc, list[tuple[str, int, int]]] | None = None
        for frame in codebook.values():
            try:
                self.matcher.add(frame.name, [list(p) for p in frame.patterns])
                if frame.exclude_patterns:
                    self.exclusions.add(frame.name, [list(p) for p in frame.exclude_patterns])
            except ValueError as exc:  # spaCy's own validation of a token dict
                raise CodebookError(f"frame '{frame.name}': invalid Matcher pattern: {exc}") from exc

    def _token_matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(frame, start_token, end_token) of every cue not inside an exclusion of its frame.

        Kept for the last Doc seen: an article is matched once for both voices (matching is
        most of the framing stage's time).
        """
        if self._last is not None and self._last[0] is doc:
            return self._last[1]
        matches = self._match(doc)
        self._last = (doc, matches)
        return matches

    def _match(self, doc: Doc) -> list[tuple[str, int, int]]:
        if not len(doc):
            return []
        # NORM holds the lower-cased lemma while matching (MATCH_ATTR), and is restored after
        strings = doc.vocab.strings
        saved = doc.to_array([NORM])
        doc.from_array([NORM], np.array([strings.add(t.lemma_.lower()) for t in doc], dtype=np.uint64))
        try:
            exclusions = self.exclusions(doc) if len(self.exclusions) else ()
            cues = self.matcher(doc)
        finally:
            doc.from_array([NORM], saved)
        excluded: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in exclusions:
            excluded.setdefault(strings[match_id], []).append((start, end))
        out = set()
        for match_id, start, end in cues:
            frame = strings[match_id]
            if any(s <= start and end <= e for s, e in excluded.get(frame, ())):
                continue
            out.add((frame, start, end))
        return sorted(out, key=lambda m: (m[1], m[2], m[0]))

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Every cue found: (frame, start_char, end_char), sorted; cues inside an exclusion are dropped.

        Target linkage and agents are not applied here (see ``frames_by_span``).
        """
        out = {(f, doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for f, s, e in self._token_matches(doc)}
        return sorted(out, key=lambda m: (m[1], m[2], m[0]))

    def frames_in(self, span: Doc | Span, exclude_spans: Sequence[tuple[int, int]] = ()) -> set[str]:
        """Frames cued inside ``span`` (no preceding context); cues touching an excluded span do not count."""
        doc = span if isinstance(span, Doc) else span.doc
        start, end = (0, len(doc.text)) if isinstance(span, Doc) else (span.start_char, span.end_char)
        return self.frames_by_span(doc, [(start, end)], exclude_spans)[0]

    def frames_by_span(
        self,
        doc: Doc,
        spans: Sequence[tuple[int, int]],
        exclude_spans: Sequence[tuple[int, int]] = (),
        target_spans: Sequence[tuple[int, int]] | None = None,
    ) -> list[set[str]]:
        """For each (start_char, end_char) span of ``doc`` (its sentences, in order), the frames cued in it.

        The spans before a span are its context: a span is linked to the target
        when it or one of the ``linkage.context_sentences`` spans before it
        names the target. ``target_spans``: (start_char, end_char) of the
        target's mentions (e.g. from ``entities.parquet``); None reads them
        from the Doc's entities (``target_mentions``).
        """
        return [set(cues) for cues in self.cues_by_span(doc, spans, exclude_spans, target_spans)]

    def cues_by_span(
        self,
        doc: Doc,
        spans: Sequence[tuple[int, int]],
        exclude_spans: Sequence[tuple[int, int]] = (),
        target_spans: Sequence[tuple[int, int]] | None = None,
    ) -> list[dict[str, list[tuple[int, int]]]]:
        """``frames_by_span`` with the evidence: for each span, frame -> the (start_char,
        end_char) of the cues that made it count (the words to highlight), in text order."""
        target_chars = self.target_mentions(doc) if target_spans is None else list(target_spans)
        linked = self.linked_spans(doc, spans, target_chars)
        cues = []
        for frame, s, e in self._token_matches(doc):
            start_char, end_char = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            if _overlaps(start_char, end_char, exclude_spans):
                continue
            if self.codebook[frame].agent_check and self.other_agent(doc[s:e], target_chars):
                continue
            cues.append((frame, start_char, end_char))
        out: list[dict[str, list[tuple[int, int]]]] = []
        for (start, end), is_linked in zip(spans, linked):
            found: dict[str, list[tuple[int, int]]] = {}
            for f, s, e in cues:
                if s >= start and e <= end and (is_linked or not self.codebook[f].requires_target):
                    found.setdefault(f, []).append((s, e))
            out.append(found)
        return out

    # --- target linkage ----------------------------------------------------------------------

    def target_mentions(self, doc: Doc) -> list[tuple[int, int]]:
        """(start_char, end_char) of the Doc's entities linked to the target id."""
        return [(e.start_char, e.end_char) for e in doc.ents if e.ent_id_ == self.linkage.target]

    def _group_noun(self, doc: Doc, start: int, end: int) -> bool:
        """A definite group noun ("the group", "this organization") in text[start:end]."""
        nouns = self.linkage.group_nouns
        if not nouns:
            return False
        for token in doc.char_span(start, end, alignment_mode="expand") or ():
            if token.lemma_.lower() in nouns and token.pos_ in ("NOUN", "PROPN") and not token.ent_type_:
                if any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in token.children):
                    return True
        return False

    def linked_spans(
        self, doc: Doc, spans: Sequence[tuple[int, int]], target_chars: Sequence[tuple[int, int]]
    ) -> list[bool]:
        """Whether each span is linked to the target (itself, a group noun, or the preceding context)."""
        names = [any(s >= start and e <= end for s, e in target_chars) for start, end in spans]
        window = self.linkage.context_sentences
        out = []
        for i, (start, end) in enumerate(spans):
            out.append(
                names[i]
                or any(names[max(0, i - window):i])
                or self._group_noun(doc, start, end)
            )
        return out

    def other_agent(self, cue: Span, target_chars: Sequence[tuple[int, int]]) -> bool:
        """True when the cue's agent is a named actor other than the target.

        The agent is looked for, in order: an entity modifying the cue word
        (compound, possessive, adjective: "al-Qaeda bombings", "Iraq's
        opposition", "US warplanes"); the subject (or passive ``by`` agent) of the
        verb the cue belongs to ("Al-Qaeda bombed ..."). A target mention there
        keeps the cue; so does an agent that is no entity (pronoun, common noun).
        """
        labels = self.linkage.agent_labels

        def is_target(token: Token) -> bool:
            return any(s <= token.idx < e for s, e in target_chars)

        def other(token: Token) -> bool | None:
            """True: another actor; False: the target; None: no entity here."""
            for t in [token, *(c for c in token.children if c.dep_ in _MODIFIER_DEPS)]:
                if is_target(t):
                    return False
                if t.ent_type_ in labels:
                    return True
            return None

        inside = range(cue.start, cue.end)
        for child in cue.root.children:
            if child.dep_ in _MODIFIER_DEPS and child.i not in inside:
                verdict = other(child)
                if verdict is not None:
                    return verdict
        # climb to the verb the cue belongs to (the cue itself, or the verb of its clause)
        verb = cue.root
        for _ in range(3):
            if verb.pos_ in ("VERB", "AUX") or verb.head is verb:
                break
            verb = verb.head
        if verb.pos_ not in ("VERB", "AUX"):
            return False
        for child in verb.children:
            if child.i in inside:
                continue
            if child.dep_ == "nsubj":
                agent = child
            elif child.dep_ == "agent":  # passive "by ...": the agent is its object
                agent = next((c for c in child.children if c.dep_ == "pobj"), None)
            else:
                continue  # a passive subject (nsubjpass) is the patient, not the agent
            verdict = other(agent) if agent is not None else None
            if verdict is not None:
                return verdict
        return False


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def build_frame_detector(nlp, frames_file: str | Path, target: str | None = None) -> FrameDetector:
    """Detector from the codebook file (patterns and target linkage); ``target`` overrides its target id."""
    return FrameDetector(nlp.vocab, load_codebook(frames_file), load_linkage(frames_file, target))


# --- gold standard and validation -------------------------------------------------


def load_gold(path: str | Path, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Read the hand-coded gold sample; errors name the file and the line.

    Returns columns source_file, text, frames (a sorted tuple), coder_note and,
    split (one of ``GOLD_SPLITS``; 'dev' when the column is absent).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: gold file not found")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in GOLD_COLUMNS if c not in header]
        if missing:
            raise CodebookError(f"{path}, line 1: missing column(s) {missing}")
        rows = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            text = normalise_text(row["text"] or "")
            if not text:
                raise CodebookError(f"{path}, line {line}: empty text")
            if text in seen:
                raise CodebookError(f"{path}, line {line}: duplicate text (first on line {seen[text]})")
            seen[text] = line
            frames = tuple(sorted(f.strip() for f in (row["frames"] or "").split(";") if f.strip()))
            unknown = [f for f in frames if f not in frame_names]
            if unknown:
                raise CodebookError(f"{path}, line {line}: unknown frame(s) {unknown}")
            split = (row.get("split") or "dev").strip()
            if split not in GOLD_SPLITS:
                raise CodebookError(f"{path}, line {line}: split must be one of {GOLD_SPLITS}, got {split!r}")
            rows.append(
                {
                    "source_file": row["source_file"],
                    "text": text,
                    "frames": frames,
                    "coder_note": row["coder_note"] or "",
                    "split": split,
                }
            )
    return pd.DataFrame(rows, columns=["source_file", "text", "frames", "coder_note", "split"])


def detect_gold(
    gold: pd.DataFrame,
    detector: FrameDetector,
    nlp,
    pipeline_sentences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The detector's frames for each gold sentence, next to the hand coding.

    When ``pipeline_sentences`` (columns ``text`` and ``frames``, the frames the
    pipeline gave each sentence of the corpus, in its article with the
    preceding sentences as context) is given, a gold row takes the frames of
    the pipeline sentence with the same ``match_key`` (``source = 'pipeline'``);
    rows the pipeline segmented differently are parsed on their own, without
    context (``source = 'parsed_alone'``). ``nlp`` should be the pipeline of
    ``helpers.entities.build_nlp`` so target mentions are found in those rows.
    """
    by_key: dict[str, tuple[str, ...]] = {}
    if pipeline_sentences is not None:
        for text, frames in zip(pipeline_sentences["text"], pipeline_sentences["frames"]):
            by_key.setdefault(match_key(text), tuple(sorted(frames)))
    keys = [match_key(t) for t in gold["text"]]
    missing = [t for t, k in zip(gold["text"], keys) if k not in by_key]
    alone = {t: tuple(sorted(detector.frames_in(doc))) for t, doc in zip(missing, nlp.pipe(missing))}
    return gold.assign(
        predicted=[by_key[k] if k in by_key else alone[t] for t, k in zip(gold["text"], keys)],
        source=["pipeline" if k in by_key else "parsed_alone" for k in keys],
    )


def score_frames(coded: pd.DataFrame, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Per-frame precision, recall, F1 (and support) plus a 'macro' row.

    ``coded`` has tuple columns ``frames`` (gold) and ``predicted``. A frame with
    no predictions has precision 0 when it has gold positives (undefined
    precision is scored as 0 so the macro average cannot hide it).
    """
    rows = []
    for frame in frame_names:
        gold = coded["frames"].map(lambda fs: frame in fs)
        pred = coded["predicted"].map(lambda fs: frame in fs)
        tp = int((gold & pred).sum())
        fp = int((~gold & pred).sum())
        fn = int((gold & ~pred).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {"frame": frame, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn,
             "precision": precision, "recall": recall, "f1": f1}
        )
    table = pd.DataFrame(rows)
    macro = {
        "frame": "macro",
        "support": int(table["support"].sum()),
        "tp": int(table["tp"].sum()),
        "fp": int(table["fp"].sum()),
        "fn": int(table["fn"].sum()),
        "precision": float(table["precision"].mean()),
        "recall": float(table["recall"].mean()),
        "f1": float(table["f1"].mean()),
    }
    return pd.concat([table, pd.DataFrame([macro])], ignore_index=True)


def subset_masks(splits: pd.Series) -> dict[str, np.ndarray]:
    """Row masks of the scored subsets, in report order: each split (``GOLD_SPLITS``), the
    tuning rows (dev + heldout) and all rows; subsets without rows are left out."""
    masks = {s: (splits == s).to_numpy() for s in GOLD_SPLITS}
    masks["tuning"] = splits.isin(["dev", "heldout"]).to_numpy()
    masks["all"] = np.ones(len(splits), dtype=bool)
    return {name: mask for name, mask in masks.items() if mask.any()}


def validation_table(coded: pd.DataFrame, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Scores per split, on the tuning rows (dev + heldout) and on all rows, stacked with a ``subset`` column."""
    parts = []
    for subset, mask in subset_masks(coded["split"]).items():
        rows = coded[mask]
        parts.append(score_frames(rows, frame_names).assign(subset=subset, n_sentences=len(rows)))
    out = pd.concat(parts, ignore_index=True)
    return out[["subset", "n_sentences", "frame", "support", "tp", "fp", "fn", "precision", "recall", "f1"]]


def validation_errors(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per disagreement: the frame, 'missed' (false negative) or 'false_alarm', and the sentence."""
    rows = []
    for rec in coded.itertuples(index=False):
        gold, pred = set(rec.frames), set(rec.predicted)
        for frame in sorted(gold - pred):
            rows.append({"split": rec.split, "frame": frame, "error": "missed", "text": rec.text, "coder_note": rec.coder_note})
        for frame in sorted(pred - gold):
            rows.append({"split": rec.split, "frame": frame, "error": "false_alarm", "text": rec.text, "coder_note": rec.coder_note})
    out = pd.DataFrame(rows, columns=["split", "frame", "error", "text", "coder_note"])
    return out.sort_values(["frame", "error", "split", "text"], kind="mergesort").reset_index(drop=True)
