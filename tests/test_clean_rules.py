"""Cleaning rules, one at a time, on small literal inputs (helpers.textrepair, helpers.segment)."""

from __future__ import annotations

import pytest

from helpers.segment import furniture_reason, is_title_like, parse_bio_sentence, parse_byline, parse_date
from helpers.textrepair import comparison_key, normalise_text, repair_glued_words, sentence_spans

# --- quotes and whitespace ---------------------------------------------------


def test_quotes_become_straight_and_apostrophes_stay_in_words():
    assert normalise_text("Iran\u2019s \u201cbig fish\u201d and \u2018soon\u2019") == "Iran's \"big fish\" and 'soon'"


def test_whitespace_is_collapsed_and_nbsp_is_a_space():
    assert normalise_text("  a\u00a0 terror\u00a0campaign\n targeting \u200b ") == "a terror campaign targeting"


# --- glued words ---------------------------------------------------------------


@pytest.mark.parametrize(
    "glued, repaired",
    [
        ("trust the MEKDalia Al-Aqidi, Arab News", "trust the MEK Dalia Al-Aqidi, Arab News"),
        ("The HillThe Federalist, al-Arabiya", "The Hill The Federalist, al-Arabiya"),
        ("from Newt GingrichJohn Bolton, and", "from Newt Gingrich John Bolton, and"),
        ("DahukOn Friday May 2, 2008", "Dahuk On Friday May 2, 2008"),
        ("nuclear pledges.There wouldn't be", "nuclear pledges. There wouldn't be"),
        ("Mujahedin KhalqMichael Rubin", "Mujahedin Khalq Michael Rubin"),
    ],
)
def test_glued_words_are_split(glued, repaired):
    assert repair_glued_words(glued) == repaired


@pytest.mark.parametrize(
    "word",
    ["McCain", "iPhone", "MacDonald", "YouTube", "al-Qaeda", "DiCaprio", "U.S.", "NCRI's", "PhD",
     "MeK", "eBay", "YouTube's", "LaGuardia", "Antiwar.com", "No.1", "U.S.-Iran"],
)
def test_real_words_with_inner_capitals_are_left_alone(word):
    assert repair_glued_words(f"a {word} here") == f"a {word} here"


# --- sentences and comparison keys -----------------------------------------------


def test_sentence_spans_split_at_stops_and_glued_stops():
    text = 'He said "no." Then he left.Nobody knew why! Fine'
    assert [text[s:e] for s, e in sentence_spans(text)] == ['He said "no."', "Then he left.", "Nobody knew why!", "Fine"]


def test_comparison_key_ignores_quotes_spacing_and_glue():
    assert comparison_key("The MKO\u2019s  tendency\u00a0to cry wolf.") == comparison_key("The MKO's tendency to cry wolf")
    assert comparison_key("pledges.There wouldn't") == "pledges there wouldn t"


# --- dates, bylines, bios --------------------------------------------------------


@pytest.mark.parametrize(
    "text, iso",
    [
        ("May 11, 2008", "2008-05-11"),
        ("August 23 2021", "2021-08-23"),
        ("11 May 2008", "2008-05-11"),
        ("2008-05-11", "2008-05-11"),
        ("Sept. 3, 2020", "2020-09-03"),
        ("Jul 4th, 1999", "1999-07-04"),
        ("February 30, 2020", None),
        ("no date here", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "line, expected",
    [
        ("By Massoud Khodabandeh \u2013 Iran-Interlink \u2013 May 11, 2008",
         {"author": "Massoud Khodabandeh", "outlet": "Iran-Interlink", "published": "2008-05-11"}),
        ("by Daniel Larison Posted on July 14, 2021",
         {"author": "Daniel Larison", "outlet": None, "published": "2021-07-14"}),
        ("by\u00a0Michael Rubin", {"author": "Michael Rubin", "outlet": None, "published": None}),
        ("By Jane Doe | The Example Times | 3 March 2019",
         {"author": "Jane Doe", "outlet": "The Example Times", "published": "2019-03-03"}),
        ("Posted on July 14, 2021 by Daniel Larison",
         {"author": "Daniel Larison", "outlet": None, "published": "2021-07-14"}),
        ("By now they will have been congratulated on their victory", None),
        ("By the way, nobody asked", None),
    ],
)
def test_parse_byline(line, expected):
    assert parse_byline(line) == expected


def test_bio_sentence_names_its_subject_only_with_a_writing_job():
    assert parse_bio_sentence(
        "David Phillips is a senior fellow and deputy director of the Center for Preventive Action."
    ) == "David Phillips"
    assert parse_bio_sentence("Dalia Al-Aqidi is a senior fellow at the Center for Security Policy.") == "Dalia Al-Aqidi"
    assert parse_bio_sentence("Maryam Rajavi is the leader of the MEK.") is None
    assert parse_bio_sentence("The MEK is a cult, says Michael Rubin, a scholar.") is None


# --- furniture, one kind at a time ---------------------------------------------------


@pytest.mark.parametrize(
    "paragraph, reason",
    [
        ("Share", "furniture"),
        ("Share Update", "furniture"),
        ("Leave a Comment", "furniture"),
        ("Also read:", "furniture"),
        ("Link to the source", "source_link"),
        ("***", "separator"),
        ("https://iran-interlink.org/wordpress/the-trouble-with-mujahedin-khalq/", "url"),
        ("Home \u00bb Mujahedin Khalq; A proxy force \u00bb Questions over policy", "breadcrumb"),
        ("English | Fran\u00e7ais | \u0641\u0627\u0631\u0633\u06cc", "language_menu"),
        ("Subscribe to our newsletter for weekly updates", "prompt"),
        ("New Articles", "sidebar_heading"),
        ("Most viewed", "sidebar_heading"),
        ("You may also like", "sidebar_heading"),
        ("Related", "sidebar_heading"),
        ("The MEK shared its views on the matter at home.", None),
        ("Home is where the heart is, they said.", None),
    ],
)
def test_furniture_reason(paragraph, reason):
    assert furniture_reason(paragraph) == reason


def test_title_like_lines():
    assert is_title_like("MEK Deported From Iraq To Albania 4 Years Ago")
    assert is_title_like("Iraqi Gov\u2019t: \u2018Remaining In Iraq Is Not An Option\u2019 For MEK")
    assert not is_title_like("What kind of democracy does the MEK believe in?")
    assert not is_title_like("I would like to know:")
    assert not is_title_like("The US should be careful what it wishes for.")
