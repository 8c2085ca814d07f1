import json
import warnings

import pytest
import torch
import torchvision
from torch import nn

from msnet import create_model, list_models
from msnet.cli import main
from msnet.manifest import model_kwargs
from msnet.measure.cost import model_cost
from msnet.measure.fvcore_count import fvcore_cost
from msnet.measure.thop_convention import thop_cost
from msnet.models.correlation import Correlation
from msnet.report.claims import load_claims

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fvcore.nn import FlopCountAnalysis


def test_tsm_r50_costs_exactly_what_fvcore_counts_for_torchvision_resnet50():
    """The shift is free and our trunk is torchvision's: 8 frames cost 8 ResNet-50 images (~32.9 G)."""
    oracle = FlopCountAnalysis(torchvision.models.resnet50(weights=None).eval(), (torch.randn(8, 3, 224, 224),))
    oracle.unsupported_ops_warnings(False)
    ours = model_cost("tsm_r50", frames=8, classes=1000, overrides={"head": "linear"})
    assert ours["flops"] == oracle.total()
    assert ours["params"] == sum(p.numel() for p in torchvision.models.resnet50().parameters())


@pytest.mark.parametrize("entry", load_claims()["notebook"], ids=lambda e: e["id"])
def test_authors_notebook_values_to_the_last_printed_digit(entry):
    """The official repository's stored THOP output for R18 (claims file, 'notebook')."""
    model = {"tsm-r18": "tsm_r18", "msnet-r18": "msnet_r18"}[entry["id"].split("_")[0]]
    cost = model_cost(model, frames=entry["frames"], classes=entry["classes"])
    assert f"{cost['gflops_thop']:.3f}" == f"{entry['gflops']:.3f}"
    assert f"{cost['mparams']:.3f}" == f"{entry['mparams']:.3f}"


@pytest.mark.parametrize("name", list_models())
def test_fvcore_counts_every_op_of_every_model(name):
    cost = model_cost(name, frames=4, size=64)
    assert cost["unsupported_ops"] == {}
    assert cost["gflops"] > 0 and cost["gflops_thop"] > 0


@pytest.mark.parametrize("spec", ["official", "paper"])
def test_correlation_is_counted_in_both_conventions(spec):
    cost = model_cost("msnet_r18", frames=8, overrides={"ms": {"spec": spec}})
    channels = 64  # R18 res3 has C = 128: official reduces to 64, the paper to C/2 = 64
    assert cost["by_operator"]["correlation"] == 7 * 15 * 15 * 28 * 28 * channels


def test_thop_convention_on_a_hand_counted_net():
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),  # 4*8*8 outputs x (3*9 + 1 bias) = 7168
        nn.BatchNorm2d(4),  # 4 x 256 elements = 1024
        nn.ReLU(),  # 0
        nn.AdaptiveAvgPool2d(1),  # 4 outputs x (64 + 1) = 260
        nn.Flatten(),
        nn.Linear(4, 2),  # 2 outputs x (2*4 - 1) = 14
    ).eval()
    assert thop_cost(net, (torch.randn(1, 3, 8, 8),))["flops"] == 7168 + 1024 + 260 + 14


def test_correlation_hooks_in_both_counters():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.correlation = Correlation(5)

        def forward(self, a, b):
            return self.correlation(a, b)

    inputs = (torch.randn(2, 6, 7, 9), torch.randn(2, 6, 7, 9))
    outputs = 2 * 5 * 5 * 7 * 9
    assert thop_cost(Pair(), inputs)["flops"] == outputs * (2 * 6 - 1)
    assert fvcore_cost(Pair(), inputs)["flops"] == outputs * 6


def test_elementwise_ops_are_reported_but_not_in_gflops():
    cost = model_cost("msnet_r18", frames=2, size=64)
    assert cost["gflops_elementwise"] > 0
    assert "elementwise" not in cost["by_operator"]
    assert cost["flops"] == sum(cost["by_operator"].values())


def test_cli_prints_one_json_object_and_writes_it(tmp_path, capsys):
    out = tmp_path / "cost" / "row.json"
    code = main(["cost", "msnet_r18", "--frames", "2", "--size", "64", "--set", "ms.patch_size=5", "--row", "r", "--out", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    for key in ("model", "frames", "gflops", "gflops_thop", "mparams", "unsupported_ops", "provenance"):
        assert key in printed
    assert printed["overrides"] == {"ms": {"patch_size": 5}}


def test_cost_rows_counts_config_rows_in_one_process_as_the_single_row_command_does(tmp_path, capsys):
    """The workflow's cost stage: each row's file holds what `cost` gives for the same row (spec, flow channels)."""
    manifest = {"tsm": {"model": "tsm_r18", "frames": 2},
                "ms-p5": {"model": "msnet_r18", "frames": 2, "model_args": {"ms": {"patch_size": 5}}},
                "flow": {"model": "tsm_r18", "frames": 2, "flow": {"length": 2}}}
    rows = {r: {"model": row["model"], "frames": 2, "model_args": model_kwargs(row, "paper")} for r, row in manifest.items()}
    assert main(["cost-rows", "--rows", json.dumps(rows), "--size", "64", "--classes", "10",
                 "--out-dir", str(tmp_path)]) == 0
    single = {"tsm": [], "ms-p5": ["--set", "ms.patch_size=5", "--set", "ms.spec=paper"], "flow": ["--set", "in_channels=4"]}
    for row, extra in single.items():
        capsys.readouterr()
        assert main(["cost", rows[row]["model"], "--frames", "2", "--size", "64", "--classes", "10", *extra]) == 0
        alone = json.loads(capsys.readouterr().out)
        batched = json.loads((tmp_path / f"{row}.json").read_text())
        assert batched["row"] == row and batched["overrides"] == alone["overrides"]
        for key in ("flops", "flops_thop", "params", "params_ms", "gflops_elementwise"):
            assert batched[key] == alone[key], (row, key)


def test_cli_reports_bad_input_clearly(capsys):
    assert main(["cost", "msnet_r18", "--frames", "2", "--set", "ms.patch_size"]) == 2
    assert main(["cost", "resnet1000", "--frames", "2"]) == 2
    assert "unknown model 'resnet1000'" in capsys.readouterr().err


@pytest.mark.parametrize("name,overrides", [("msnet_r18", {"ms": {"spec": "paper"}}), ("cp_r18", {}),
                                            ("repflow_r50", {"repflow": {"iterations": 3}}), ("msnet_i3d", {})])
def test_one_pass_counts_equal_separate_fvcore_and_thop_passes(name, overrides):
    """model_cost counts both conventions from fvcore's trace with the THOP hooks attached."""
    from msnet.measure.cost import inserted_modules

    cost = model_cost(name, frames=4, size=64, overrides=overrides)
    model = create_model(name, num_frames=4, num_classes=174, **overrides).eval()
    clip = (torch.randn(4, 3, 64, 64),)
    inserted = inserted_modules(model)
    with torch.no_grad():
        fv, th = fvcore_cost(model, clip, inserted), thop_cost(model, clip, inserted)
    assert (cost["flops"], cost["flops_thop"], cost["by_operator"], cost["thop_by_module"]) == \
        (fv["flops"], th["flops"], fv["by_operator"], th["by_module"])
    assert all(type(v) is int for v in cost["thop_by_module"].values()) and json.dumps(cost)  # plain numbers
