"""Evaluation protocols, metrics and ensembles on a tiny trained model."""

import json

import pytest
import torch

from msnet.cli import main
from msnet.train.clips import PROTOCOLS, evaluation_set
from msnet.train.evaluate import ensemble, evaluate_checkpoint
from msnet.train.metrics import confusion_matrix, summarize, topk_correct
from msnet.train.recipes import get_recipe
from msnet.train.trainer import TrainConfig, train


@pytest.fixture(scope="module")
def trained(prepared, tmp_path_factory):
    """A TSM-R18 trained for one epoch on the tiny SSv1 set, and the same on Kinetics (dense sampling)."""
    out = {}
    for name, recipe in (("ssv1", get_recipe("synthetic", batch_size=4)),
                         ("kinetics", get_recipe("synthetic", batch_size=4, sampling="dense"))):
        folder = tmp_path_factory.mktemp(f"run-{name}")
        result = train(TrainConfig(prepared=str(prepared[name]), model="tsm_r18", frames=4, out=str(folder),
                                   recipe=recipe, crop=32, workers=0, progress=False, row="tsm-r18_8f"))
        out[name] = folder, result
    torch.use_deterministic_algorithms(False)
    return out


def test_training_result_records_best_last_and_provenance(trained):
    folder, result = trained["ssv1"]
    assert result["initialisation"] == "random" and result["train_videos"] == 32 and result["val_videos"] == 8
    assert result["best"]["epoch"] == result["last"]["epoch"] == 1
    assert {"git_commit", "versions", "spec_hash"} <= set(result["provenance"])
    assert (folder / "best.pt").exists() and (folder / "log.csv").read_text().startswith("epoch,lr,")


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_protocol_views(prepared, protocol):
    segment, dense, clips, crops = PROTOCOLS[protocol]
    for name, sampling in (("ssv1", "segment"), ("kinetics", "dense")):
        data = evaluation_set(prepared[name], protocol, frames=4, crop=32, sampling=sampling)
        views, label, index = data[0]
        expected_size = 32 if crops == 1 else 36  # three full-resolution crops: short side 256 scaled by 32/224
        assert views.shape == (clips * crops, 4, 3, expected_size, expected_size)
        assert data.protocol == (dense if sampling == "dense" else segment)


def test_evaluate_writes_metrics_and_scores(trained, prepared, tmp_path):
    folder, result = trained["ssv1"]
    out = tmp_path / "1clip.json"
    assert main(["evaluate", str(folder / "best.pt"), "--data", str(prepared["ssv1"]), "--protocol", "1clip",
                 "--workers", "0", "--no-progress", "--out", str(out), "--row", "tsm-r18_8f"]) == 0
    saved = json.loads(out.read_text())
    assert saved["videos"] == 8 and saved["top1"] == result["best"]["top1"]  # same clips as the per-epoch validation
    assert len(saved["confusion"]) == len(saved["per_class"]) and sum(map(sum, saved["confusion"])) == 8
    assert out.with_suffix(".scores.pt").exists() and "provenance" in saved


def test_ten_clip_three_crop_on_dense_model(trained, prepared):
    folder, _ = trained["kinetics"]
    result = evaluate_checkpoint(folder / "best.pt", prepared["kinetics"], "10clip_3crop", workers=0, progress=False)
    assert result["videos"] == 8 and 0 <= result["top1"] <= result["top5"] <= 100


def test_ensemble_averages_member_scores(trained, prepared, tmp_path):
    folder, _ = trained["ssv1"]
    paths = []
    for protocol in ("1clip", "10clip"):
        out = tmp_path / f"{protocol}.json"
        main(["evaluate", str(folder / "best.pt"), "--data", str(prepared["ssv1"]), "--protocol", protocol,
              "--workers", "0", "--no-progress", "--out", str(out)])
        paths.append(out.with_suffix(".scores.pt"))
    members = [torch.load(p, weights_only=True) for p in paths]
    names = (prepared["ssv1"] / "classes.txt").read_text().splitlines()
    expected = summarize((members[0]["scores"] + members[1]["scores"]) / 2, members[0]["labels"], names)
    assert ensemble(paths, names)["top1"] == expected["top1"]


def test_metrics_by_hand():
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5], [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]])
    labels = torch.tensor([0, 1, 1, 2])
    assert topk_correct(scores, labels, ks=(1, 2)) == {1: 3, 2: 4}
    assert confusion_matrix(scores.argmax(1), labels, 3).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    summary = summarize(scores, labels, ["a", "b", "c"])
    assert summary["top1"] == 75.0 and summary["top5"] == 100.0
    assert summary["per_class"] == {"a": 100.0, "b": 50.0, "c": 100.0}
    assert summary["mean_class_accuracy"] == pytest.approx(83.33, abs=0.01)
