"""Recipes carry the paper's / scripts' values; lr scaling and schedules follow the official formulas;
parameter groups follow the TSN convention."""

import json
import math
from dataclasses import fields, replace

import pytest
import torch

from msnet import create_model
from msnet.data.transforms import recipe as transform_recipe
from msnet.train.clips import training_set
from msnet.train.param_groups import parameter_groups, set_learning_rate
from msnet.train.recipes import RECIPES, Recipe, get_recipe


def test_something_recipe_is_the_papers_and_the_scripts():
    r = RECIPES["something"]
    assert (r.epochs, r.lr, r.base_batch, r.lr_steps) == (40, 0.01, 48, (20, 30))
    assert r.nesterov and r.momentum == 0.9 and r.weight_decay == 5e-4 and r.clip_grad == 200 and r.dropout == 0.5
    assert r.flip is None  # the dataset's policy: no flip on Something-Something


def test_released_msnet_recipe_is_something_with_the_selective_flip():
    released = RECIPES["something-official"]
    assert released == replace(RECIPES["something"], name="something-official", source=released.source, flip="exclude")


def test_tsm_recipe_is_tsms_own():
    r = RECIPES["something-tsm"]
    assert (r.epochs, r.lr, r.base_batch, r.batch_size, r.lr_steps) == (50, 0.01, 64, 64, (20, 40))
    assert not r.nesterov and r.momentum == 0.9 and r.weight_decay == 1e-4 and r.clip_grad == 20 and r.dropout == 0.5
    assert r.fc_lr5 and r.flip == "none" and r.sampling == "segment" and r.augment and r.schedule == "step"


def _listed(folder, dataset):
    """A prepared folder as far as building a training set reads it (nothing is decoded)."""
    (folder / "summary.json").write_text(json.dumps({"dataset": dataset, "root": str(folder)}))
    (folder / "train.txt").write_text("video 80 86\n")
    return folder


@pytest.mark.parametrize("name, dataset, policy", [("something-official", "ssv1", "exclude"),
                                                   ("something-tsm", "ssv2", "none"), ("something", "ssv1", "none"),
                                                   ("kinetics-official", "kinetics", "all")])
def test_the_recipes_flip_policy_reaches_the_training_transform(tmp_path, name, dataset, policy):
    train = training_set(_listed(tmp_path, dataset), get_recipe(name), frames=8, crop=112, seed=0)
    assert train.transform == transform_recipe(dataset, True, crop=112, flip=policy)


def test_an_unset_flip_is_not_recorded_so_recorded_runs_keep_their_identity():
    names = [f.name for f in fields(Recipe)]
    for r in RECIPES.values():
        assert list(r.to_dict()) == [n for n in names if n != "flip" or r.flip is not None]
    assert RECIPES["something-official"].to_dict()["flip"] == "exclude"
    with pytest.raises(ValueError, match="flip must be"):
        get_recipe("something", flip="sometimes")
    with pytest.raises(ValueError, match="needs augment"):
        get_recipe("synthetic", flip="exclude")  # the evaluation transform it trains on never flips


def test_kinetics_paper_and_official_differ_where_the_sources_do():
    paper, official = RECIPES["kinetics-paper"], RECIPES["kinetics-official"]
    assert (paper.epochs, paper.lr_steps, paper.lr, paper.base_batch) == (80, (40, 60), 0.01, 48)
    assert (official.epochs, official.lr_steps, official.lr, official.base_batch) == (75, (30, 60), 0.02, 96)
    assert official.clip_grad == 20 and official.weight_decay == 1e-4 and not official.nesterov
    assert paper.sampling == official.sampling == "dense"
    # linear scaling makes the two base learning rates the same at any batch
    assert get_recipe("kinetics-paper", batch_size=96).scaled_lr == pytest.approx(official.scaled_lr)


def test_hmdb51_fine_tunes_from_kinetics():
    r = RECIPES["hmdb51"]
    assert (r.epochs, r.lr, r.lr_steps, r.init_from) == (35, 0.001, (15, 30), "kinetics")


@pytest.mark.parametrize("scaling, expected", [("linear", 0.01 * 8 / 48), ("sqrt", 0.01 * math.sqrt(8 / 48)),
                                               ("none", 0.01)])
def test_lr_scaling(scaling, expected):
    assert get_recipe("something", batch_size=8, lr_scaling=scaling).scaled_lr == pytest.approx(expected)


def test_step_schedule_is_official_formula():
    r = get_recipe("something")
    assert [r.lr_at(e) for e in (0, 19, 20, 29, 30, 39)] == pytest.approx([0.01, 0.01, 1e-3, 1e-3, 1e-4, 1e-4])


def test_cosine_schedule_per_step():
    r = get_recipe("something", schedule="cosine", epochs=2)
    assert r.lr_at(0, 0, 10) == pytest.approx(0.01)
    assert r.lr_at(1, 0, 10) == pytest.approx(0.005)
    assert r.lr_at(1, 9, 10) < 0.001


def test_warm_up_then_cosine_and_warm_up_before_steps():
    r = get_recipe("synthetic")  # lr 0.03 at 48 -> 0.005 at batch 8; 0.3 epochs of warm-up, cosine to the 3rd epoch
    assert r.scaled_lr == pytest.approx(0.005)
    steps = 10
    ramp = [r.lr_at(0, s, steps) for s in range(3)]
    assert ramp == pytest.approx([0.005 / 3, 0.005 * 2 / 3, 0.005])  # the first step already moves
    assert r.lr_at(0, 3, steps) == pytest.approx(0.005)  # the peak, where the cosine starts
    assert r.lr_at(1, 9, steps) == pytest.approx(0.5 * 0.005 * (1 + math.cos(math.pi * (1.9 - 0.3) / 2.7)))
    stepped = get_recipe("something", warmup_epochs=1)
    assert stepped.lr_at(0, 4, 10) == pytest.approx(0.005) and stepped.lr_at(25) == pytest.approx(1e-3)


def test_precision_and_validation_frequency():
    assert get_recipe("something").precision == "fp32" and get_recipe("synthetic").precision == "bf16"
    r = get_recipe("something", epochs=5, eval_every=2)
    assert [r.validates_after(e) for e in range(1, 6)] == [False, True, False, True, True]  # and after the last
    assert not any(get_recipe("synthetic").validates_after(e) for e in (1, 2, 3))
    with pytest.raises(ValueError, match="precision"):
        get_recipe("something", precision="int8")
    with pytest.raises(ValueError, match="warmup_epochs"):
        get_recipe("synthetic", warmup_epochs=3)


def test_overrides_are_checked():
    assert get_recipe("something", lr_steps=[5, 7]).lr_steps == (5, 7)
    with pytest.raises(KeyError, match="unknown recipe field"):
        get_recipe("something", learning_rate=0.1)
    with pytest.raises(KeyError, match="unknown recipe 'imagenet'"):
        get_recipe("imagenet")
    with pytest.raises(ValueError, match="lr_scaling"):
        get_recipe("something", lr_scaling="quadratic")


def _group(groups, name):
    return next(g for g in groups if g["name"] == name)


def test_parameter_groups_tsn_convention():
    model = create_model("msnet_r18", num_classes=10)
    groups = parameter_groups(model)
    assert {g["name"] for g in groups} == {"first_conv_weight", "weight", "bias", "norm"}
    assert _group(groups, "first_conv_weight")["params"][0] is model.stem[0].weight
    assert (_group(groups, "bias")["lr_mult"], _group(groups, "bias")["decay_mult"]) == (2, 0)
    assert (_group(groups, "norm")["lr_mult"], _group(groups, "norm")["decay_mult"]) == (1, 0)
    assert any(p is model.fc.bias for p in _group(groups, "bias")["params"])  # Conv1d head: no lr x5 (official)
    every = [p for g in groups for p in g["params"]]
    assert len(every) == len({id(p) for p in every}) == len(list(model.parameters()))


def test_fc_lr5_for_a_linear_classifier():
    model = create_model("tsm_r18", num_classes=10, head="linear")
    groups = parameter_groups(model, fc_lr5=True)
    assert _group(groups, "fc_weight")["params"] == [model.fc.weight] and _group(groups, "fc_weight")["lr_mult"] == 5
    assert _group(groups, "fc_bias")["lr_mult"] == 10 and _group(groups, "fc_bias")["decay_mult"] == 0
    optimizer = torch.optim.SGD(groups, lr=1.0)
    set_learning_rate(optimizer, 0.1, 1e-4)
    lrs = {g["name"]: (g["lr"], g["weight_decay"]) for g in optimizer.param_groups}
    assert lrs["fc_weight"] == pytest.approx((0.5, 1e-4)) and lrs["fc_bias"] == pytest.approx((1.0, 0))
    assert lrs["weight"] == pytest.approx((0.1, 1e-4))


def test_fc_lr5_without_a_linear_classifier_is_refused():
    with pytest.raises(ValueError, match="head=linear"):
        parameter_groups(create_model("tsm_r18", num_classes=10), fc_lr5=True)


def test_parameters_outside_conv_and_norm_land_in_other():
    groups = parameter_groups(create_model("repflow_r50", num_classes=10))
    other = _group(groups, "other")
    assert other["params"] and other["decay_mult"] == 0
