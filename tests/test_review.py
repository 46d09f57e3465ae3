"""The review of the frame detector on a user's corpus (helpers.review): the seeded, stratified,
blind sheet; weighted scores; the same scores as the validation on the project's own gold; and
clear errors for malformed sheets."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import review, schema
from helpers.frames import FRAME_NAMES, load_gold, match_key, score_frames
from helpers.io import write_parquet
from helpers.paths import PROJ_ROOT, VALIDATION_DIR, run_paths

TV, CA = "terrorism_violence", "cult_abuse"


def _write_run(root: Path, articles: list[tuple[str | None, list[tuple[str, tuple[str, ...]]]]],
               own: list[tuple[int, int, str]] = ()) -> Path:
    """A finished run under ``root``: one article per (author, [(sentence, all-voice frames)]);
    ``own``: extra own-voice rows (article index, sentence, frame)."""
    paths = run_paths(root / "raw", root).ensure()
    arts, sents, frames = [], [], []
    for part, (author, sentences) in enumerate(articles):
        aid = f"{part:012d}"
        text, offset = "", 0
        for sid, (sentence, fs) in enumerate(sentences):
            start = len(text) + (1 if text else 0)
            text = f"{text} {sentence}" if text else sentence
            sents.append({"article_id": aid, "sent_id": sid, "start_char": start, "end_char": len(text), "text": sentence})
            frames += [{"article_id": aid, "sent_id": sid, "frame": f, "voice": "all"} for f in fs]
        arts.append({"article_id": aid, "source_file": "x.txt", "source_sha256": "0" * 64, "part": part,
                     "title": f"Title {part}", "author": author, "author_stated": None, "author_source": None,
                     "outlet": None, "outlet_source": None, "published": None, "published_source": None,
                     "text": text, "n_words": len(text.split())})
    frames += [{"article_id": f"{a:012d}", "sent_id": s, "frame": f, "voice": "own"} for a, s, f in own]
    write_parquet(pd.DataFrame(arts), paths.articles, schema.ARTICLES)
    write_parquet(pd.DataFrame(sents), paths.sentences, schema.SENTENCES)
    write_parquet(pd.DataFrame(frames, columns=schema.SENTENCE_FRAMES.names),
                  paths.processed_dir / "sentence_frames.parquet", schema.SENTENCE_FRAMES)
    return root


def _article(k: int) -> list[tuple[str, tuple[str, ...]]]:
    """12 sentences: 0-1 violence, 2 cult, 3 both (stratum: violence, first in codebook order),
    4 a cult sentence too short to review, 5-11 no frame."""
    out = []
    for i in range(12):
        fs = (TV,) if i < 2 else (CA,) if i == 2 else (CA, TV) if i == 3 else (CA,) if i == 4 else ()
        out.append(("Too short here." if i == 4 else f"Sentence {i} by writer {k} says something here.", fs))
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("review_run")
    # an own-voice frame on a no-frame sentence must not move it out of the 'none' stratum
    return _write_run(root, [("Ann Writer", _article(0)), ("Bob Writer", _article(1)), (None, _article(2))],
                      own=[(0, 7, "legal_designation")])


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_sheet(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _fill(sheet: pd.DataFrame, labels: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The sheet with 1 under each frame of ``labels[review_id]`` and 0 elsewhere."""
    out = sheet.copy()
    for f in FRAME_NAMES:
        out[f] = ["1" if f in labels[r] else "0" for r in out["review_id"]]
    return out


# --- sampling -------------------------------------------------------------------------------------

def test_allocation_is_equal_capped_and_gives_the_rest_to_the_largest_strata():
    assert review.allocate({"a": 6, "b": 3, "c": 30}, 20) == {"a": 6, "b": 3, "c": 11}
    assert review.allocate({"a": 10, "b": 10, "c": 12}, 7) == {"a": 2, "b": 2, "c": 3}
    assert review.allocate({"a": 2, "b": 0, "c": 3}, 50) == {"a": 2, "b": 0, "c": 3}


def test_sample_is_seeded_stratified_blind_and_weighted(run, tmp_path):
    files = review.write_sample(review.draw_sample(run, n=15, seed=7), tmp_path / "a")
    again = review.write_sample(review.draw_sample(run, n=15, seed=7), tmp_path / "b")
    other = review.write_sample(review.draw_sample(run, n=15, seed=8), tmp_path / "c")
    for name in files:
        assert files[name].read_bytes() == again[name].read_bytes(), name
        assert b"\r\n" not in files[name].read_bytes()
    assert files["sheet"].read_bytes() != other["sheet"].read_bytes()

    sheet, key = _read(files["sheet"]), _read(files["key"])
    assert list(sheet.columns) == ["review_id", "article_id", "sent_id", "title", "context", "sentence",
                                   *FRAME_NAMES, "note"]
    assert (sheet[list(FRAME_NAMES) + ["note"]] == "").all().all()  # blind: nothing filled in
    assert list(sheet["review_id"]) == [f"r{i:04d}" for i in range(1, 16)] == list(key["review_id"])
    assert list(key.columns) == list(review.KEY_COLUMNS)
    assert list(zip(sheet["article_id"], sheet["sent_id"])) == list(zip(key["article_id"], key["sent_id"]))
    # strata: 9 violence sentences (3 per writer, one also cult), 3 cult, 21 without a frame;
    # n=15 -> 5 each, cult taken whole, the surplus 2 shared by the others
    design = key.groupby("stratum")[["stratum_size", "stratum_sample"]].first().astype(int)
    assert design.to_dict("index") == {f"detected:{TV}": {"stratum_size": 9, "stratum_sample": 6},
                                       f"detected:{CA}": {"stratum_size": 3, "stratum_sample": 3},
                                       "none": {"stratum_size": 21, "stratum_sample": 6}}
    assert key.groupby("stratum").size().to_dict() == {f"detected:{TV}": 6, f"detected:{CA}": 3, "none": 6}
    assert np.allclose(key["weight"].astype(float), key["cell_size"].astype(int) / key["cell_sample"].astype(int))
    # the weights of a stratum add up to its size (each cell stands for all its sentences)
    sums = key.assign(w=key["weight"].astype(float)).groupby("stratum").agg(w=("w", "sum"), n=("stratum_size", "first"))
    assert np.allclose(sums["w"], sums["n"].astype(int))
    # writers take turns in every stratum; the short sentence is never drawn
    assert key.groupby(["stratum", "author"]).size().groupby("stratum").agg(["min", "max"]).to_dict("list") == \
        {"min": [1, 2, 2], "max": [1, 2, 2]}
    assert set(key["author"]) == {"Ann Writer", "Bob Writer", schema.UNATTRIBUTED}
    assert "4" not in set(key["sent_id"])
    assert set(key.loc[key["stratum"] == "none", "detected"]) == {""}
    assert set(key.loc[key["sent_id"] == "3", "detected"]) <= {f"{TV};{CA}"}  # all frames, codebook order
    # the sheet shows the sentence and the two before it in its article
    row = sheet.iloc[0]
    i = int(row["sent_id"])
    k = int(row["article_id"])
    assert row["sentence"] == _article(k)[i][0]
    assert row["context"] == " ".join(s for s, _ in _article(k)[max(0, i - 2):i])
    assert row["title"] == f"Title {k}"
    book = _read(files["codebook"])
    assert list(book["frame"]) == list(FRAME_NAMES) and (book["definition"] != "").all()


def test_sample_refuses_too_small_n_and_a_filled_sheet(run, tmp_path):
    with pytest.raises(review.ReviewError, match="too small"):
        review.draw_sample(run, n=5)
    files = review.write_sample(review.draw_sample(run, n=15), tmp_path)
    sheet = _read(files["sheet"])
    sheet.loc[0, TV] = "1"
    sheet.to_csv(files["sheet"], index=False)
    with pytest.raises(review.ReviewError, match="already holds"):
        review.write_sample(review.draw_sample(run, n=15), tmp_path)
    review.write_sample(review.draw_sample(run, n=15), tmp_path, force=True)


# --- scoring --------------------------------------------------------------------------------------

def test_a_sheet_filled_with_the_detectors_calls_scores_one(run, tmp_path, capsys):
    files = review.write_sample(review.draw_sample(run, n=15), tmp_path)
    key = _read(files["key"])
    labels = {r: tuple(d.split(";")) if d else () for r, d in zip(key["review_id"], key["detected"])}
    _fill(_read(files["sheet"]), labels).to_csv(files["sheet"], index=False)
    assert review.main(["score", "--out-dir", str(run), "--sheet", str(files["sheet"]), "--n-boot", "50"]) == 0
    assert "key: " + str(files["key"]) in capsys.readouterr().out  # found beside the sheet
    scores = pd.read_csv(run / "reports" / "review" / "review_scores.csv").set_index("frame")
    for frame in (TV, CA):
        assert tuple(scores.loc[frame, ["precision", "recall", "f1", "f1_ci_low", "f1_ci_high",
                                        "sensitivity", "specificity"]]) == (1, 1, 1, 1, 1, 1, 1)
        assert scores.loc[frame, "fp"] == scores.loc[frame, "fn"] == 0
    # weighted back: every violence sentence of the corpus (9) is found
    assert scores.loc[TV, "support_weighted"] == pytest.approx(9)
    coded = review.review_coded(run, files["sheet"], files["key"])
    assert list(coded["reference"]) == list(coded["predicted"]) and len(coded) == 15


def test_weighted_scores_by_hand(run, tmp_path):
    """Weights are per cell (stratum x writer): N_hw / reviewed rows of the cell. Violence
    stratum: Ann's cell 4 sentences, Bob's 5, one drawn from each (weights 4 and 5): one right
    (tp), one false alarm (fp). None stratum: Ann 6 and Bob 5 sentences, one drawn each (weights
    6, 5), unattributed 10 with two drawn of which one reviewed (weight 10): one the detector
    missed (fn), two right (tn), one left empty. Weighted: tp 4, fp 5, fn 6, tn 15."""
    key_rows = [["k1", "000000000000", 0, "Ann Writer", f"detected:{TV}", 9, 2, 4, 1, 4.0, TV],
                ["k2", "000000000001", 1, "Bob Writer", f"detected:{TV}", 9, 2, 5, 1, 5.0, TV],
                ["k3", "000000000000", 5, "Ann Writer", "none", 21, 4, 6, 1, 6.0, ""],
                ["k4", "000000000001", 6, "Bob Writer", "none", 21, 4, 5, 1, 5.0, ""],
                ["k5", "000000000002", 7, "unattributed", "none", 21, 4, 10, 2, 5.0, ""],
                ["k6", "000000000002", 8, "unattributed", "none", 21, 4, 10, 2, 5.0, ""]]
    key = _write_sheet(tmp_path / "key.csv", list(review.KEY_COLUMNS), key_rows)
    marks = {"k1": (TV,), "k2": (), "k3": (TV,), "k4": (), "k5": ()}
    header = ["review_id", "article_id", "sent_id", *FRAME_NAMES, "note"]
    rows = [[r[0], r[1], r[2], *(("1" if f in marks[r[0]] else "0") for f in FRAME_NAMES), ""] for r in key_rows[:5]]
    rows[4][3:-1] = [""] * len(FRAME_NAMES)
    rows[4][-1] = "no frame here"  # reviewed: a note, no mark
    rows.append(["k6", "000000000002", 8, *[""] * len(FRAME_NAMES), ""])  # not reviewed
    sheet = _write_sheet(tmp_path / "sheet.csv", header, rows)

    coded = review.review_coded(run, sheet, key)
    assert list(coded["review_id"]) == ["k1", "k2", "k3", "k4", "k5"]
    assert list(coded["weight"]) == [4.0, 5.0, 6.0, 5.0, 10.0]
    assert list(coded["author"]) == ["Ann Writer", "Bob Writer", "Ann Writer", "Bob Writer", schema.UNATTRIBUTED]
    assert coded.loc[4, "reference"] == () and coded.loc[0, "predicted"] == (TV,)
    scores = review.score_review(coded, FRAME_NAMES, n_boot=200, seed=1).set_index("frame")
    tv = scores.loc[TV]
    assert tv["precision"] == pytest.approx(4 / 9)  # unweighted it would be 1/2
    assert tv["recall"] == tv["sensitivity"] == pytest.approx(4 / 10)  # unweighted: 1/2
    assert tv["f1"] == pytest.approx(8 / (8 + 5 + 6))  # unweighted: 2/4
    assert tv["specificity"] == pytest.approx(15 / 20)
    assert tv["support_weighted"] == pytest.approx(10)
    assert (tv["tp"], tv["fp"], tv["fn"], tv["n_reviewed"]) == (1, 1, 1, 5)
    assert 0 <= tv["f1_ci_low"] <= tv["f1"] <= tv["f1_ci_high"] <= 1
    assert np.isnan(scores.loc[CA, "precision"]) and scores.loc[CA, "f1"] == 0  # never given, never marked
    assert scores.loc["macro", "f1"] == pytest.approx(tv["f1"] / len(FRAME_NAMES))
    again = review.score_review(coded, FRAME_NAMES, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(again.set_index("frame"), scores)


def test_a_sheet_from_the_projects_gold_scores_as_the_validation(tmp_path):
    """The seed gold as a review sheet of the committed run (no key: weights 1) gives the
    per-frame counts and F1 of ``frames.score_frames`` on the same sentences."""
    processed = PROJ_ROOT / "data" / "processed"
    sentences = pd.read_parquet(processed / "sentences.parquet", columns=["article_id", "sent_id", "text"])
    first: dict[str, tuple[str, int]] = {}
    for a, s, t in zip(sentences["article_id"], sentences["sent_id"], sentences["text"]):
        first.setdefault(match_key(t), (a, int(s)))  # the first match wins
    gold = load_gold(VALIDATION_DIR / "frames_consensus.csv")
    gold = gold[gold["text"].map(match_key).isin(first)].reset_index(drop=True)
    assert len(gold) > 250
    ids = [first[match_key(t)] for t in gold["text"]]
    header = ["review_id", "article_id", "sent_id", "sentence", *FRAME_NAMES, "note"]
    rows = [[f"g{i:04d}", a, s, t, *(("1" if f in fs else "0") for f in FRAME_NAMES), ""]
            for i, ((a, s), t, fs) in enumerate(zip(ids, gold["text"], gold["frames"]))]
    sheet = _write_sheet(tmp_path / "gold_sheet.csv", header, rows)

    coded = review.review_coded(PROJ_ROOT, sheet)
    assert set(coded["stratum"]) == {"all"} and (coded["weight"] == 1).all()
    ours = review.score_review(coded, FRAME_NAMES, n_boot=20).set_index("frame")

    sf = pd.read_parquet(processed / "sentence_frames.parquet")
    sf = sf[sf["voice"] == "all"]
    detected = sf.groupby(["article_id", "sent_id"])["frame"].agg(lambda f: tuple(sorted(f))).to_dict()
    expected = score_frames(gold.assign(predicted=[detected.get(k, ()) for k in ids])).set_index("frame")
    assert expected.loc["macro", "tp"] > 0
    for frame in FRAME_NAMES:
        assert tuple(ours.loc[frame, ["tp", "fp", "fn"]]) == tuple(expected.loc[frame, ["tp", "fp", "fn"]]), frame
        assert ours.loc[frame, "f1"] == pytest.approx(expected.loc[frame, "f1"], abs=1e-12), frame
        assert ours.loc[frame, "support_weighted"] == expected.loc[frame, "support"]
    assert ours.loc["macro", "f1"] == pytest.approx(expected.loc["macro", "f1"], abs=1e-12)


# --- malformed sheets -----------------------------------------------------------------------------

@pytest.fixture
def drawn(run, tmp_path):
    files = review.write_sample(review.draw_sample(run, n=15), tmp_path)
    key = _read(files["key"])
    labels = {r: tuple(d.split(";")) if d else () for r, d in zip(key["review_id"], key["detected"])}
    return files, _fill(_read(files["sheet"]), labels)


def _error(run, sheet: pd.DataFrame, path: Path, key: Path | None) -> str:
    sheet.to_csv(path, index=False)
    with pytest.raises(review.ReviewError) as info:
        review.review_coded(run, path, key)
    message = str(info.value)
    assert message.startswith(str(path))
    # the command line says the same, as an error, with exit code 2
    args = ["score", "--out-dir", str(run), "--sheet", str(path), "--n-boot", "5"] + (["--key", str(key)] if key else [])
    assert review.main(args) == 2
    return message


@pytest.mark.parametrize("value", ["2", "yes", "1.0"])
def test_a_mark_other_than_0_or_1_names_line_and_column(run, drawn, tmp_path, value, capsys):
    files, sheet = drawn
    sheet.loc[3, CA] = value
    message = _error(run, sheet, tmp_path / "bad.csv", files["key"])
    assert f"line 5, column '{CA}'" in message and repr(value) in message
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'bad.csv'}")


def test_an_unknown_frame_column_is_named(run, drawn, tmp_path):
    files, sheet = drawn
    message = _error(run, sheet.rename(columns={CA: "cult_abuses"}), tmp_path / "bad.csv", files["key"])
    assert "line 1, column 'cult_abuses'" in message and f"did you mean '{CA}'" in message
    message = _error(run, sheet.assign(propaganda_frame="0"), tmp_path / "bad.csv", files["key"])
    assert "column 'propaganda_frame': not a frame" in message
    sheet.assign(Reviewer="me").to_csv(tmp_path / "ok.csv", index=False)  # another column of the reviewer's is fine
    assert len(review.review_coded(run, tmp_path / "ok.csv", files["key"])) == 15


def test_a_missing_frame_column_is_named(run, drawn, tmp_path):
    files, sheet = drawn
    message = _error(run, sheet.drop(columns=["humanitarian_displacement"]), tmp_path / "bad.csv", files["key"])
    assert "line 1" in message and "'humanitarian_displacement'" in message and "missing" in message


def test_an_unknown_review_id_or_sentence_is_named(run, drawn, tmp_path):
    files, sheet = drawn
    bad = sheet.copy()
    bad.loc[2, "review_id"] = "r9999"
    message = _error(run, bad, tmp_path / "bad.csv", files["key"])
    assert "line 4, column 'review_id'" in message and "not in the key" in message
    bad = sheet.copy()
    bad.loc[2, "sent_id"] = "4" if bad.loc[2, "sent_id"] != "4" else "5"
    assert "line 4, column 'sent_id'" in _error(run, bad, tmp_path / "bad.csv", files["key"])  # not the key's
    bad = sheet.copy()
    bad.loc[6, "sent_id"] = "99"
    message = _error(run, bad, tmp_path / "bad.csv", None)  # no key: checked against the run
    assert "line 8, column 'sent_id'" in message and "not in the run's sentences" in message


def test_a_duplicate_review_id_is_named(run, drawn, tmp_path):
    files, sheet = drawn
    bad = pd.concat([sheet, sheet.iloc[[1]]], ignore_index=True)
    message = _error(run, bad, tmp_path / "bad.csv", files["key"])
    assert "line 17, column 'review_id'" in message and "appears twice (first on line 3)" in message
