"""The ``official`` MS spec against numbers measured with the released MSNet code.

The fixture (tests/fixtures/official_ms_module_r18.pt, a copy of ../shared/reference/fixtures/, README.md beside it) holds a ResNet-18 res3
input, the MS module's weights and BN statistics under the official names, and the displacement, confidence and
output the released code computed from them in eval mode (temperature 100, our tau = 0.01). With those weights, the
MS module of ``msnet_r18`` must give the same three tensors on the PyTorch path and on the native CPU kernel: the other
tests check our reading of the official code, this one checks it against the code's own output.
"""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from msnet import create_model
from msnet.models import fused_kernel
from msnet.models.ms_module import MotionSqueeze

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "official_ms_module_r18.pt"  # copied from ../shared/reference
GROUPS = {"flow_refinement.": "transform.", "chnl_reduction.": "reduce."}  # official prefix -> ours, in that order
ATOL = 1e-5


@pytest.fixture(scope="module")
def official() -> dict:
    """The fixture with its input rebuilt: stored compactly (tests/fixtures/README.md), the res3 input ``x`` as the
    smooth 10x10 field it was cropped from (rebuilt to 2.4e-7), ``y`` as every eighth channel."""
    fixture = torch.load(FIXTURE, weights_only=True)
    field = F.interpolate(fixture["field"], size=(40, 40), mode="bilinear", align_corners=False)[0]
    fixture["x"] = torch.stack([field[:, 6 - t // 2:34 - t // 2, 6 + t // 3:34 + t // 3] for t in range(fixture["T"])])
    return fixture


def ours_from_official(state: dict, names: list[str], ours: dict) -> dict:
    """The official tensors under our names: by order within each group, every shape checked, each tensor used once."""
    assert sorted(names) == sorted(state) and len(set(names)) == len(names)
    mapped = {}
    for their_prefix, our_prefix in GROUPS.items():
        theirs = [n for n in names if n.startswith(their_prefix)]
        mine = [n for n in ours if n.startswith(our_prefix)]
        assert len(theirs) == len(mine), f"{their_prefix}*: {len(theirs)} official tensors, {our_prefix}*: {len(mine)}"
        for their_name, our_name in zip(theirs, mine):
            theirs_t, mine_t = state[their_name], ours[our_name]
            assert (theirs_t.shape, theirs_t.dtype) == (mine_t.shape, mine_t.dtype), f"{their_name} -> {our_name}"
            mapped[our_name] = theirs_t
    assert len(mapped) == len(names) == len(ours), "official tensors outside the two groups, or ours left unloaded"
    return mapped


@pytest.fixture(scope="module")
def module(official) -> MotionSqueeze:
    """The MS module of ``msnet_r18`` (res3, 128 channels, ``official`` spec) holding the official weights."""
    model = create_model("msnet_r18", num_frames=official["T"], ms={"spec": "official"})
    ms = model.inserts["res3"].eval()
    assert isinstance(ms, MotionSqueeze) and ms.spec == "official"
    ms.load_state_dict(ours_from_official(official["ms_state"], official["state_names"], ms.state_dict()), strict=True)
    return ms


def test_fixture_has_the_documented_shapes(official):
    t = official["T"]
    assert (official["arch"], t, len(official["state_names"])) == ("resnet18", 8, 54)
    assert official["x"].shape == (t, 128, 28, 28)
    assert official["y"].shape == (t, len(official["y_channels"]), 28, 28)
    assert official["flow"].shape == (t - 1, 2, 28, 28)
    assert official["conf"].shape == (t - 1, 1, 28, 28)


@pytest.mark.parametrize("native", [False, True], ids=["pytorch", "native-kernel"])
def test_official_spec_reproduces_the_released_code(official, module, native, monkeypatch):
    if native:  # the kernel builds wherever the package installs (a C++ compiler); its absence is a failure here
        assert fused_kernel.status()["available"], fused_kernel.status()["reason"]
    calls = []
    run_kernel = fused_kernel.fused_displacement
    monkeypatch.setattr(fused_kernel, "fused_displacement", lambda *a, **k: calls.append(1) or run_kernel(*a, **k))
    x = official["x"]
    with torch.no_grad(), fused_kernel.use_fused_kernel(native):
        motion = module.motion(x)
        y = module(x)
    assert bool(calls) == native, "the path under test did not run"
    assert motion.shape == (len(x), 3, 28, 28) and y.shape == x.shape
    assert torch.equal(motion[-1], motion[-2])  # the last pair's motion repeated for frame T
    pairs = motion[:-1]
    for ours, theirs in ((pairs[:, :2], official["flow"]), (pairs[:, 2:], official["conf"]), (y[:, official["y_channels"]], official["y"])):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=ATOL)
