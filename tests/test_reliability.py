"""Agreement between hand codings and the detector scored against each (helpers.reliability)."""

import csv
import math

import pandas as pd
import pytest

from helpers.frames import CodebookError, match_key, score_frames
from helpers.paths import VALIDATION_DIR
from helpers.reliability import (
    agreement_table,
    compare_codings,
    frame_comparison,
    interval_table,
    krippendorff_alpha,
    load_codings,
    macro_f1_interval,
    macro_intervals,
    macro_scores,
    reference_scores,
    validation_tables,
)

FRAMES = ("cult_abuse", "legal_designation")


def write_coding(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_file", "split", "text", "frames", "coder_note"])
        for text, frames, split in rows:
            writer.writerow(["page.txt", split, text, frames, ""])
    return path


def test_alpha_matches_a_hand_computed_value():
    # 10 pairable values: 3 ones, 7 zeros; one unit with a 1-0 pair.
    # D_o = 2/10, D_e = 2*3*7/(10*9) = 42/90, alpha = 1 - (2/10)/(42/90) = 4/7
    assert krippendorff_alpha([1, 0, 1, 0, 0], [1, 0, 0, 0, 0]) == pytest.approx(4 / 7)
    assert krippendorff_alpha([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)


def test_alpha_is_undefined_without_variation():
    assert math.isnan(krippendorff_alpha([0, 0, 0], [0, 0, 0]))
    assert math.isnan(krippendorff_alpha([1, 1], [1, 1]))


def test_agreement_table_counts_and_f1(tmp_path):
    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted in 2012.", "legal_designation", "dev"),
        ("Members were forced to divorce.", "cult_abuse", "test"),
        ("It held a rally in Paris.", "", "test"),
        ("A court ruled on its status.", "legal_designation", "test"),
    ])
    # the second coder's rows come in another order, one with other punctuation
    second = write_coding(tmp_path / "b.csv", [
        ("It held a rally in Paris.", "cult_abuse", "test"),
        ("The group was delisted in 2012", "legal_designation", "dev"),
        ("Members were forced to divorce.", "", "test"),
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("A court ruled on its status.", "legal_designation", "test"),
    ])
    codings = load_codings({"coder_1": first, "coder_2": second}, FRAMES)
    assert codings["coder_2"]["text"].map(match_key).tolist() == codings["coder_1"]["text"].map(match_key).tolist()
    table = agreement_table(codings["coder_1"], codings["coder_2"], FRAMES).set_index("frame")
    cult = table.loc["cult_abuse"]
    assert (cult["n_first"], cult["n_second"], cult["n_both"]) == (2, 2, 1)
    assert cult["agreement"] == pytest.approx(3 / 5)
    assert cult["f1"] == pytest.approx(0.5)  # P = 1/2, R = 1/2
    # cult: pairs (1,1) (0,0) (1,0) (0,1) (0,0): D_o = 4/10, D_e = 2*4*6/90 -> alpha = 1 - 0.4/(48/90) = 0.25
    assert cult["alpha"] == pytest.approx(0.25)
    legal = table.loc["legal_designation"]
    assert (legal["alpha"], legal["f1"], legal["agreement"]) == (1.0, 1.0, 1.0)
    assert table.loc["macro", "alpha"] == pytest.approx((0.25 + 1.0) / 2)
    assert table.loc["macro", "f1"] == pytest.approx((0.5 + 1.0) / 2)


def test_load_codings_names_the_file_that_codes_other_sentences(tmp_path):
    first = write_coding(tmp_path / "a.csv", [("One sentence here.", "", "dev"), ("Another one.", "", "dev")])
    second = write_coding(tmp_path / "b.csv", [("One sentence here.", "", "dev"), ("A third one.", "", "dev")])
    with pytest.raises(CodebookError, match=r"b\.csv.*1 missing.*Another one.*1 extra.*A third one"):
        load_codings({"coder_1": first, "coder_2": second}, FRAMES)


def test_reference_scores_scores_the_same_predictions_against_each_coding(tmp_path):
    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "test"),
        ("The group was delisted.", "legal_designation", "test"),
    ])
    second = write_coding(tmp_path / "b.csv", [
        ("The cult isolates its members.", "", "test"),
        ("The group was delisted.", "legal_designation;cult_abuse", "test"),
    ])
    codings = load_codings({"coder_1": first, "coder_2": second}, FRAMES)
    coded = codings["coder_1"].assign(predicted=codings["coder_1"]["frames"])  # a detector that agrees with coder 1
    scores = reference_scores(coded, codings, FRAMES)
    macro = scores[(scores["frame"] == "macro") & (scores["subset"] == "test")].set_index("reference")["f1"]
    assert macro["coder_1"] == 1.0
    assert macro["coder_2"] == pytest.approx((0.0 + 1.0) / 2)  # cult: no hit against coder 2; legal: perfect


# --- the project's codings -------------------------------------------------------------------

FILES = {
    "coder_1": VALIDATION_DIR / "frames_gold.csv",
    "coder_2": VALIDATION_DIR / "frames_coder2.csv",
    "consensus": VALIDATION_DIR / "frames_consensus.csv",
}


def test_project_consensus_keeps_every_agreed_code_and_only_codes_a_coder_gave():
    codings = load_codings(FILES)
    first, second, consensus = (codings[n]["frames"].map(set) for n in FILES)
    for a, b, c, text in zip(first, second, consensus, codings["coder_1"]["text"]):
        assert a & b <= c, f"an agreed code was dropped: {text!r}"
        assert c <= a | b, f"the consensus adds a code neither coder gave: {text!r}"
    raw = pd.read_csv(FILES["consensus"], keep_default_na=False)
    agreed = [a == b for a, b in zip(first, second)]
    assert (raw["resolution"] == ["agreed" if x else "adjudicated" for x in agreed]).all()
    assert raw["text"].map(match_key).tolist() == codings["coder_1"]["text"].map(match_key).tolist()


def test_compare_codings_tables(tmp_path):
    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "", "test"),
    ])
    second = write_coding(tmp_path / "b.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "cult_abuse", "test"),
    ])
    coded = load_codings({"c1": first}, FRAMES)["c1"]
    coded = coded.assign(predicted=[("cult_abuse",), (), ()])
    agreement, by_reference = compare_codings(coded, load_codings({"c1": first, "c2": second}, FRAMES), FRAMES)
    assert agreement["subset"].drop_duplicates().tolist() == ["dev", "test", "tuning", "all"]
    assert (agreement["codings"] == "c2 vs c1").all()
    macro = macro_scores(by_reference)
    # no heldout rows here, so four subsets per reference
    assert list(zip(macro["reference"], macro["subset"])) == [
        (r, s) for r in ("c1", "c2") for s in ("dev", "test", "tuning", "all")]
    test = frame_comparison(agreement, by_reference, "test").set_index("frame")
    assert list(test.columns) == ["support_c2", "coders_alpha", "coders_f1", "detector_vs_c1", "detector_vs_c2"]
    assert test.loc["legal_designation", "detector_vs_c1"] == 0.0  # missed on test
    assert test.loc["cult_abuse", "support_c2"] == 1
    assert test.loc["cult_abuse", "coders_f1"] == 0.0  # only coder 2 used it on test
    assert test.loc["legal_designation", "coders_alpha"] == 1.0  # (1,1), (0,0): perfect agreement


def test_a_single_coding_gives_scores_without_agreement(tmp_path):
    # second_coding_file = consensus_file = None in 03-framing: only the first coder's scores
    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "test"),
        ("It held a rally.", "", "test"),
    ])
    coded = load_codings({"c1": first}, FRAMES)["c1"]
    coded = coded.assign(predicted=[("cult_abuse",), ("cult_abuse",)])
    agreement, by_reference = compare_codings(coded, load_codings({"c1": first}, FRAMES), FRAMES)
    assert agreement.empty
    table = frame_comparison(agreement, by_reference, "test").set_index("frame")
    assert list(table.columns) == ["support_c1", "detector_vs_c1"]
    assert table.loc["cult_abuse", "detector_vs_c1"] == pytest.approx(2 / 3)  # P = 1/2, R = 1


def test_macro_f1_draws_on_the_identity_resample_is_score_frames_macro():
    reference = [("cult_abuse",), ("legal_designation",), (), ("cult_abuse", "legal_designation"), ()]
    predicted = [("cult_abuse",), (), ("cult_abuse",), ("legal_designation",), ()]
    expected = score_frames(pd.DataFrame({"frames": reference, "predicted": predicted}), FRAMES)
    estimate, low, high = macro_f1_interval(reference, predicted, FRAMES, n_boot=200, seed=7)
    # cult: tp 1 (row 0), fp 1 (row 2), fn 1 (row 3) -> F1 0.5; legal: tp 1, fn 1 -> F1 2/3
    assert estimate == pytest.approx((0.5 + 2 / 3) / 2)
    assert estimate == pytest.approx(expected.set_index("frame").loc["macro", "f1"])
    assert 0.0 <= low < estimate < high <= 1.0
    assert macro_f1_interval(reference, predicted, FRAMES, n_boot=200, seed=7) == (estimate, low, high)
    # a frame with neither gold nor prediction in a draw scores 0 there, as in score_frames
    only_legal = [("legal_designation",)]
    assert macro_f1_interval(only_legal, only_legal, FRAMES, n_boot=10)[0] == pytest.approx(0.5)
    perfect = macro_f1_interval(reference[:4], reference[:4], FRAMES, n_boot=50)
    assert perfect[0] == 1.0 and perfect[2] == 1.0


def test_interval_table_rows(tmp_path):
    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "", "test"),
    ])
    second = write_coding(tmp_path / "b.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "cult_abuse", "test"),
    ])
    coded = load_codings({"c1": first}, FRAMES)["c1"].assign(predicted=[("cult_abuse",), ("legal_designation",), ()])
    table = interval_table(coded, load_codings({"c1": first, "c2": second}, FRAMES), ("test", "tuning"), FRAMES, n_boot=20)
    assert list(zip(table["subset"], table["comparison"], table["n_sentences"])) == [
        ("test", "detector vs c1", 2), ("test", "detector vs c2", 2), ("test", "c2 vs c1", 2),
        ("tuning", "detector vs c1", 1), ("tuning", "detector vs c2", 1), ("tuning", "c2 vs c1", 1)]
    test = table[table["subset"] == "test"].set_index("comparison")["macro_f1"]
    # on test, c1 has legal only: cult scores 0 (no gold, no prediction), legal 1
    assert test["detector vs c1"] == pytest.approx(0.5)
    assert test["c2 vs c1"] == pytest.approx(0.5)  # cult: c2 has a false alarm -> 0; legal 1


def test_validation_tables_conform_to_their_contracts_with_intervals_on_macro_rows(tmp_path):
    from helpers import schema

    first = write_coding(tmp_path / "a.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "", "test"),
    ])
    second = write_coding(tmp_path / "b.csv", [
        ("The cult isolates its members.", "cult_abuse", "dev"),
        ("The group was delisted.", "legal_designation", "test"),
        ("It held a rally.", "cult_abuse", "test"),
    ])
    coded = load_codings({"c1": first}, FRAMES)["c1"].assign(predicted=[("cult_abuse",), ("legal_designation",), ()])
    files = {"c1": first, "c2": second}
    scores, agreement = validation_tables(coded, files, FRAMES, n_boot=20, seed=3)
    scores, agreement = schema.conform(scores, schema.FRAMES_VALIDATION), schema.conform(agreement, schema.CODER_AGREEMENT)
    for table in (scores, agreement):
        macro = table["frame"] == "macro"
        assert table.loc[macro, "f1_ci_low"].notna().all() and table.loc[~macro, "f1_ci_low"].isna().all()
        assert (table.loc[macro, "f1_ci_low"] <= table.loc[macro, "f1"]).all()
    intervals = interval_table(coded, load_codings(files, FRAMES), ("test",), FRAMES, n_boot=20, seed=3).set_index("comparison")
    row = scores[(scores["reference"] == "c2") & (scores["subset"] == "test") & (scores["frame"] == "macro")].iloc[0]
    assert (row["f1_ci_low"], row["f1_ci_high"]) == tuple(intervals.loc["detector vs c2", ["ci_low", "ci_high"]])
    row = agreement[(agreement["subset"] == "test") & (agreement["frame"] == "macro")].iloc[0]
    assert (row["f1_ci_low"], row["f1_ci_high"]) == tuple(intervals.loc["c2 vs c1", ["ci_low", "ci_high"]])


def test_macro_intervals_lists_detector_then_coders_per_subset(tmp_path):
    first = write_coding(tmp_path / "a.csv", [("The cult isolates its members.", "cult_abuse", "dev"),
                                              ("The group was delisted.", "legal_designation", "test")])
    second = write_coding(tmp_path / "b.csv", [("The cult isolates its members.", "", "dev"),
                                               ("The group was delisted.", "legal_designation", "test")])
    coded = load_codings({"c1": first}, FRAMES)["c1"].assign(predicted=[(), ("legal_designation",)])
    by_reference, agreement = validation_tables(coded, {"c1": first, "c2": second}, FRAMES, n_boot=10)
    table = macro_intervals(by_reference, agreement, subsets=("test", "dev"))
    assert list(zip(table["subset"], table["comparison"])) == [
        ("test", "detector vs c1"), ("test", "detector vs c2"), ("test", "c2 vs c1"),
        ("dev", "detector vs c1"), ("dev", "detector vs c2"), ("dev", "c2 vs c1")]
