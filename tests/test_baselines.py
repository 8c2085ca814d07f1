"""Baselines of issue 3: CP module, two-stream TSM, MobileNet-V2, I3D and Rep-flow."""

import pytest
import torch
import torchvision
from torch import nn

from msnet import create_model
from msnet.measure.cost import model_cost
from msnet.measure.fvcore_count import fvcore_cost
from msnet.models.cp_module import CorrespondenceProposal
from msnet.models.ms_module import MotionSqueeze
from msnet.models.rep_flow import TVL1Flow
from msnet.models.temporal_shift import TemporalShift

# ---------------------------------------------------------------- CP module


def test_cp_neighbours_come_from_other_frames_and_are_the_nearest():
    module = CorrespondenceProposal(8, 4, k=3)
    points = torch.randn(2, 4 * 6, 8)
    index = module.neighbours(points, 4)
    frame = torch.arange(4).repeat_interleave(6)
    assert (frame[index] != frame.view(1, -1, 1)).all()
    distance = torch.cdist(points, points)
    distance[:, frame.view(-1, 1) == frame.view(1, -1)] = float("inf")
    expected = distance.topk(3, dim=-1, largest=False).indices
    assert torch.equal(index.sort(-1).values, expected.sort(-1).values)


@pytest.mark.parametrize("train", [True, False])
def test_cp_is_the_identity_at_initialisation(train):
    module = CorrespondenceProposal(16, 4).train(train)
    x = torch.randn(8, 16, 5, 6)
    assert torch.equal(module(x), x)


def test_cp_k_and_mlp_widths_follow_the_configuration():
    module = CorrespondenceProposal(64, 4, k=3, mlp=(0.5, 0.25))
    convs = [m for m in module.mlp if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(3 + 2 * 64, 32), (32, 16)]
    assert module.project.in_channels == 16 and module.project.out_channels == 64
    assert module.neighbours(torch.randn(1, 4 * 5, 64), 4).shape == (1, 20, 3)


def test_cp_distance_cost_is_quadratic_in_points():
    def bmm_flops(frames, size):
        module = CorrespondenceProposal(32, frames).eval()
        return fvcore_cost(module, (torch.randn(frames, 32, size, size),))["by_operator"]["bmm"]

    assert bmm_flops(8, 7) == 4 * bmm_flops(4, 7)
    assert bmm_flops(4, 14) == 16 * bmm_flops(4, 7)


def test_cp_r18_places_one_module_after_res3():
    model = create_model("cp_r18")
    assert list(model.inserts) == ["res3"] and isinstance(model.inserts["res3"], CorrespondenceProposal)


# ---------------------------------------------------------------- two-stream


@pytest.mark.parametrize("length", [1, 5])
def test_flow_stream_takes_2l_channels_initialised_from_mean_rgb_kernels(length, tmp_path, monkeypatch):
    reference = torchvision.models.resnet18(weights=None)
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.save(reference.state_dict(), folder / "resnet18-f37072fd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    model = create_model("twostream_tsm_r18", flow_length=length, pretrained="imagenet")
    conv = model.flow.stem[0]
    assert conv.in_channels == 2 * length and model.input_channels == 3 + 2 * length
    mean_rgb = reference.conv1.weight.mean(dim=1)
    for channel in range(2 * length):
        torch.testing.assert_close(conv.weight[:, channel], mean_rgb)
    torch.testing.assert_close(model.rgb.stem[0].weight, reference.conv1.weight)


def test_two_stream_scores_are_the_mean_of_the_streams():
    model = create_model("twostream_tsm_r18", flow_length=2, num_frames=2, num_classes=6).eval()
    x = torch.randn(4, 3 + 4, 32, 32)
    with torch.no_grad():
        expected = (model.rgb(x[:, :3]) + model.flow(x[:, 3:])) / 2
        torch.testing.assert_close(model(x), expected)
    with pytest.raises(ValueError, match="flow channels"):
        model(torch.randn(4, 3, 32, 32))


# ---------------------------------------------------------------- MobileNet-V2 and I3D


def _input_resolution(model: nn.Module, size: int, frames: int) -> tuple[int, int, int]:
    seen = {}
    ms = next(m for m in model.modules() if isinstance(m, MotionSqueeze))

    def record(module, args):
        seen["shape"] = tuple(args[0].shape)

    ms.register_forward_pre_hook(record)
    with torch.no_grad():
        model.eval()(torch.randn(frames, 3, size, size))
    return seen["shape"][1:]


def test_ms_sits_at_stride_8_in_mobilenet_v2_and_i3d():
    assert _input_resolution(create_model("msnet_mobilenetv2", num_frames=4), 224, 4) == (32, 28, 28)
    assert _input_resolution(create_model("msnet_i3d", num_frames=4), 112, 4) == (256, 14, 14)


def test_mobilenet_v2_parameters_match_torchvision_and_ms_has_no_reduction():
    ours = create_model("mobilenetv2", num_classes=1000)
    reference = torchvision.models.mobilenet_v2(weights=None)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in reference.parameters())
    ms = create_model("msnet_mobilenetv2").inserts["stage3"]
    assert isinstance(ms.reduce, nn.Identity)


def test_tsm_mobilenet_v2_shifts_every_residual_block():
    model = create_model("tsm_mobilenetv2")
    residual = sum(getattr(b, "use_res_connect", False) for b in model.features)
    assert sum(isinstance(m, TemporalShift) for m in model.modules()) == residual == 10


def test_i3d_parameters_are_googlenet_inflated():
    """GoogLeNet's table inflated: 3x3 kernels -> 3x3x3, 1x1 -> 1x1x1, the 7x7 stem -> 1x7x7."""
    googlenet = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    expected = 0
    for module in googlenet.modules():
        if isinstance(module, nn.Conv2d):
            expected += module.weight.numel() * (3 if module.kernel_size == (3, 3) else 1)
        elif isinstance(module, nn.BatchNorm2d):
            expected += 2 * module.num_features
    expected += sum(p.numel() for p in googlenet.fc.parameters())
    ours = create_model("i3d", num_classes=1000)
    assert sum(p.numel() for p in ours.parameters()) == expected


# ---------------------------------------------------------------- Rep-flow


@pytest.mark.parametrize("dx,dy", [(0.5, 0.0), (0.3, -0.4), (1.0, 0.5)])
def test_tvl1_layer_recovers_a_known_translation(dx, dy):
    y, x = torch.meshgrid(torch.arange(32.0, dtype=torch.float64), torch.arange(32.0, dtype=torch.float64), indexing="ij")

    def image(sx, sy):
        return 60 * (torch.sin(0.35 * (x - sx)) + torch.cos(0.3 * (y - sy)) + 0.5 * torch.sin(0.2 * (x - sx) + 0.25 * (y - sy)))

    flow = TVL1Flow(50, learnable=False).double()
    with torch.no_grad():
        u = flow(image(0, 0)[None, None], image(dx, dy)[None, None])[0, :, 8:-8, 8:-8]
    assert abs(u[0].median().item() - dx) < 0.05
    assert abs(u[1].median().item() - dy) < 0.05


def test_repflow_cost_scales_with_iterations():
    def gflops(iterations):
        return model_cost("repflow_r50", frames=4, size=64, overrides={"repflow": {"iterations": iterations}})["gflops"]

    g10, g20, g30 = gflops(10), gflops(20), gflops(30)
    assert g30 - g20 == pytest.approx(g20 - g10, rel=1e-9)
    assert g20 > g10
