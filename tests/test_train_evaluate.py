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
    """A TSM-R18 trained for one epoch on the tiny SSv1 set in the synthetic recipe's bf16, and the same on Kinetics
    (dense sampling) in fp32: bf16 is checked once, since a CPU without native bf16 emulates it about 7x slower
    (82 s against 11 s for this fixture on an AVX2-only CI machine)."""
    out = {}
    for name, recipe in (("ssv1", get_recipe("synthetic", batch_size=4, epochs=1, warmup_epochs=0, eval_every=1)),
                         ("kinetics", get_recipe("synthetic", batch_size=4, epochs=1, warmup_epochs=0, eval_every=1,
                                                 sampling="dense", precision="fp32"))):
        folder = tmp_path_factory.mktemp(f"run-{name}")
        result = train(TrainConfig(prepared=str(prepared[name]), model="tsm_r18", frames=4, out=str(folder),
                                   recipe=recipe, crop=32, workers=0, progress=False, row="tsm-r18_8f"))
        out[name] = folder, result
    torch.use_deterministic_algorithms(False)
    return out


def test_training_result_records_best_last_and_provenance(trained):
    folder, result = trained["ssv1"]
    assert result["initialisation"] == "random" and result["train_videos"] == 32 and result["val_videos"] == 8
    assert result["pretrained_spec"] is result["pretrained_sha256"] is None
    assert result["best"]["epoch"] == result["last"]["epoch"] == 1 and result["precision"] == "bf16"
    assert {"git_commit", "versions", "spec_hash"} <= set(result["provenance"])
    assert (folder / "best.pt").exists() and (folder / "log.csv").read_text().startswith("epoch,lr,")


def test_the_synthetic_recipe_validates_once_at_the_end_from_cached_frames(prepared, tmp_path):
    """eval_every = 0: no validation while training, the last epoch is the result; evaluating its weights gives what
    a run with validation after its last epoch records; cached frames change nothing. In fp32 (bf16 is emulated
    about 7x slower on an AVX2-only CPU; evaluation in a checkpoint's bf16 is checked on the ``trained`` fixture)."""
    assert get_recipe("synthetic").epochs == 3 and get_recipe("synthetic").precision == "bf16"
    recipe = get_recipe("synthetic", batch_size=4, epochs=2, precision="fp32")
    assert recipe.eval_every == 0
    common = dict(prepared=str(prepared["ssv1"]), model="tsm_r18", frames=4, crop=32, workers=0, progress=False)
    quiet = train(TrainConfig(**common, out=str(tmp_path / "quiet"), recipe=recipe, cache_frames=True))
    validated = train(TrainConfig(**common, out=str(tmp_path / "validated"),
                                  recipe=get_recipe("synthetic", batch_size=4, epochs=2, eval_every=2, precision="fp32")))
    torch.use_deterministic_algorithms(False)
    assert quiet["best"] == {"epoch": 2, "top1": None, "top5": None} and quiet["cache_frames"]
    assert [h["val_top1"] for h in quiet["history"]] == [None, None]
    assert validated["history"][0]["val_top1"] is None and validated["best"]["epoch"] == 2
    evaluated = evaluate_checkpoint(tmp_path / "quiet" / "best.pt", prepared["ssv1"], "1clip", workers=0, progress=False)
    assert evaluated["precision"] == "fp32" and evaluated["top1"] == validated["best"]["top1"]
    with pytest.raises(ValueError, match="workers to 0"):
        train(TrainConfig(**{**common, "workers": 1}, out=str(tmp_path / "x"), recipe=recipe, cache_frames=True))


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
    assert saved["precision"] == result["precision"] == "bf16"  # evaluated in the checkpoint's recipe precision
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
