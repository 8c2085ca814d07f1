"""Appearance pretraining: the stills, the stage's output, and fine-tuning from it with shared initial weights."""

import json

import pytest
import torch

from msnet import create_model
from msnet.cli import main
from msnet.data.appearance import CLASSES, generate_still
from msnet.train.checkpoint import save_atomic
from msnet.train.pretrain import PretrainConfig
from msnet.train.trainer import pretrained_seed, pretrained_sha256, pretrained_spec


def test_stills_are_a_function_of_seed_and_index_with_appearance_labels():
    image, label = generate_still(32, 0, 13)
    again, _ = generate_still(32, 0, 13)
    other, _ = generate_still(32, 1, 13)
    assert image.dtype == torch.uint8 and image.shape == (3, 32, 32)
    assert torch.equal(image, again) and not torch.equal(image, other)
    assert label == 13 % len(CLASSES) and len(CLASSES) == 10 and CLASSES[0] == "disc stripes"


def test_pretrain_config_rejects_what_it_cannot_do():
    with pytest.raises(ValueError, match="arch"):
        PretrainConfig(arch="i3d")
    with pytest.raises(ValueError, match="precision"):
        PretrainConfig(precision="fp16")


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    out = tmp_path_factory.mktemp("pretrain") / "resnet18.pth"
    assert main(["pretrain", "--out", str(out), "--no-progress", "--set", "images=24", "--set", "val_images=10",
                 "--set", "size=32", "--set", "steps=2", "--set", "batch_size=8"]) == 0
    return out


def test_the_stage_writes_weights_and_a_result(weights):
    result = json.loads(weights.with_suffix(".json").read_text())
    assert result["arch"] == "resnet18" and result["config"]["steps"] == 2 and 0 <= result["val_top1"] <= 100
    assert result["chance"] == 10.0 and result["classes"] == list(CLASSES) and "git_commit" in result["provenance"]
    assert pretrained_spec(str(weights)) == result["spec_hash"]
    assert pretrained_spec("imagenet") is None and pretrained_spec(None) is None
    assert pretrained_seed(str(weights)) == 0 and pretrained_seed(None) is None
    copy = weights.with_name("copy.pth")  # the same weights saved again: another file, byte for byte
    save_atomic(torch.load(weights), copy)
    copy.with_suffix(".json").write_text(weights.with_suffix(".json").read_text())
    assert copy.read_bytes() != weights.read_bytes() and pretrained_sha256(str(copy)) == pretrained_sha256(str(weights))
    assert pretrained_sha256("imagenet") is None and pretrained_sha256(None) is None


def test_per_seed_draws_share_one_configuration_and_keep_their_seed(tmp_path):
    """`pretrained: appearance_per_seed`: the runs of seeds 0 and 1 start from different draws (pretraining seeds 0
    and 1) yet are one configuration; a pretraining shared by every seed keeps its full spec (seed included)."""
    small = ["--no-progress", "--set", "images=8", "--set", "val_images=4", "--set", "size=32", "--set", "steps=1",
             "--set", "batch_size=4"]
    draws = {}
    for seed in (0, 1):
        draws[seed] = tmp_path / f"resnet18-seed{seed}.pth"
        assert main(["pretrain", "--out", str(draws[seed]), "--per-seed", "--set", f"seed={seed}", *small]) == 0
    shared = tmp_path / "resnet18.pth"
    assert main(["pretrain", "--out", str(shared), "--set", "seed=1", *small]) == 0
    assert pretrained_spec(str(draws[0])) == pretrained_spec(str(draws[1]))
    assert [pretrained_seed(str(draws[s])) for s in (0, 1)] == [0, 1]
    assert pretrained_spec(str(shared)) == json.loads(shared.with_suffix(".json").read_text())["spec_hash"]
    assert pretrained_spec(str(shared)) not in (pretrained_spec(str(draws[0])), pretrained_spec(str(draws[1])))
    assert pretrained_sha256(str(draws[0])) != pretrained_sha256(str(draws[1]))  # one spec, other weights


def test_every_row_fine_tunes_from_the_same_backbone_and_classifier_init(weights):
    state = torch.load(weights, weights_only=True)
    models = {}
    for name in ("tsn_r18", "tsm_r18", "msnet_r18"):
        torch.manual_seed(5)
        models[name] = create_model(name, num_frames=4, num_classes=16, pretrained=str(weights))
    for model in models.values():
        assert torch.equal(model.stem[0].weight, state["conv1.weight"])
        assert torch.equal(model.stages["res4"][1].bn2.running_var, state["layer3.1.bn2.running_var"])
    # the classifier is drawn from the seed alone: inserting the MS module does not shift the draws
    assert torch.equal(models["tsm_r18"].fc.weight, models["msnet_r18"].fc.weight)
    assert torch.equal(models["tsn_r18"].fc.weight, models["msnet_r18"].fc.weight)


def test_shared_layers_start_equal_without_pretraining_too():
    torch.manual_seed(3)
    tsm = create_model("tsm_r18", num_classes=16).state_dict()
    torch.manual_seed(3)
    msnet = create_model("msnet_r18", num_classes=16).state_dict()
    assert set(tsm) < set(msnet) and all(torch.equal(tsm[k], msnet[k]) for k in tsm)
    torch.manual_seed(4)
    other = create_model("msnet_r18", num_classes=16).state_dict()
    assert not torch.equal(other["fc.weight"], msnet["fc.weight"])
    ms = [k for k in msnet if k.startswith("inserts.")]
    assert ms and not all(torch.equal(other[k], msnet[k]) for k in ms)  # the MS module still follows the seed


def test_weights_of_another_architecture_are_refused(weights, tmp_path):
    wrong = tmp_path / "wrong.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, wrong)  # one tensor of a ResNet, none of the rest
    with pytest.raises(RuntimeError, match="not a resnet18 state dict"):
        create_model("tsm_r18", num_classes=16, pretrained=str(wrong))


SMALL = ["--no-progress", "--set", "images=16", "--set", "val_images=10", "--set", "size=32", "--set", "batch_size=4",
         "--set", "precision=fp32", "--set", "steps=60"]


def test_stop_at_accuracy_ends_at_the_first_check_that_reaches_it(tmp_path, monkeypatch):
    """Checks come every 50 steps; the first whose held-out top-1 reaches the target ends the run, and the result
    says after how many steps. The held-out accuracy is stubbed so the test does not depend on what 50 steps learn."""
    from msnet.train import pretrain as stage

    monkeypatch.setattr(stage, "accuracy", lambda *args: 85.0)
    out = tmp_path / "resnet18.pth"
    assert main(["pretrain", "--out", str(out), *SMALL, "--set", "stop_at_accuracy=80"]) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert result["steps_run"] == 50 and result["val_top1"] == 85.0 and result["config"]["stop_at_accuracy"] == 80
    assert [(h["step"], h["val_top1"]) for h in result["history"]] == [(50, 85.0)]


def test_a_target_not_reached_runs_every_step_and_checking_changes_nothing(tmp_path, monkeypatch):
    """The checks are inference only: a run with an unreachable target ends with the same weights as a run without
    one, whose spec (and hash) does not mention the target, as pretrainings made before it existed did not."""
    from msnet.train import pretrain as stage

    real = stage.accuracy
    monkeypatch.setattr(stage, "accuracy", lambda *args: min(real(*args), 99.0))
    runs = {}
    for name, extra in (("plain", []), ("target", ["--set", "stop_at_accuracy=100"])):
        runs[name] = tmp_path / name / "resnet18.pth"
        runs[name].parent.mkdir()
        assert main(["pretrain", "--out", str(runs[name]), *SMALL, *extra]) == 0
    plain, target = (json.loads(runs[n].with_suffix(".json").read_text()) for n in ("plain", "target"))
    assert plain["steps_run"] == target["steps_run"] == 60
    assert "stop_at_accuracy" not in plain["config"] and plain["spec_hash"] != target["spec_hash"]
    assert [h["step"] for h in target["history"]] == [50, 60] and "val_top1" not in plain["history"][0]
    a, b = (torch.load(runs[n], weights_only=True) for n in ("plain", "target"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert plain["val_top1"] == target["val_top1"]


def test_stop_at_accuracy_is_a_percentage():
    for bad in (0, 101, -5):
        with pytest.raises(ValueError, match="stop_at_accuracy"):
            PretrainConfig(stop_at_accuracy=bad)
    assert "stop_at_accuracy" not in PretrainConfig().to_dict()


def test_a_run_fine_tuned_from_the_stage_records_which_weights_it_started_from(weights, prepared, tmp_path):
    """The spec, the seed and the weights' digest: what pairing by seed checks (docs/training.md, "Statistics")."""
    from msnet.train.recipes import get_recipe
    from msnet.train.trainer import TrainConfig, train

    recipe = get_recipe("synthetic", batch_size=4, epochs=1, warmup_epochs=0, precision="fp32")
    result = train(TrainConfig(prepared=str(prepared["ssv1"]), model="tsm_r18", frames=4, out=str(tmp_path / "run"),
                               recipe=recipe, crop=32, workers=0, progress=False, pretrained=str(weights)))
    torch.use_deterministic_algorithms(False)
    assert result["pretrained_spec"] == pretrained_spec(str(weights)) and result["pretrained_seed"] == 0
    assert result["pretrained_sha256"] == pretrained_sha256(str(weights))
