import pytest
import torch
import torchvision

from msnet import create_model, list_models
from msnet.models.pretrained import MissingWeightsError
from msnet.models.registry import parse_overrides
from msnet.models.temporal_shift import TemporalShift


@pytest.mark.parametrize("name", list_models())
def test_every_model_trains_for_a_step_on_cpu(name):
    model = create_model(name, num_frames=4, num_classes=10)
    x = torch.randn(2 * 4, model.input_channels, 64, 64)
    target = torch.tensor([3, 7])
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = [p.detach().clone() for p in model.parameters()]
    loss = torch.nn.functional.cross_entropy(model(x), target)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    optimiser.step()
    changed = sum(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
    assert changed > 0.5 * len(before)


def test_logits_are_the_mean_over_frames():
    model = create_model("tsn_r18", num_frames=4, num_classes=5).eval()
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        per_frame = torch.cat([model(torch.cat([x[i : i + 1]] * 4)) for i in range(4)])
        torch.testing.assert_close(model(x)[0], per_frame.mean(0), rtol=1e-5, atol=1e-6)


def test_tsm_shifts_every_block_and_tsn_none():
    tsm = create_model("tsm_r50")
    tsn = create_model("tsn_r50")
    assert sum(isinstance(m, TemporalShift) for m in tsm.modules()) == 16
    assert not any(isinstance(m, TemporalShift) for m in tsn.modules())


def test_ms_sits_after_res3_by_default_and_positions_are_overridable():
    assert list(create_model("msnet_r18").inserts) == ["res3"]
    model = create_model("msnet_r18", ms={"position": ["res2", "res3", "res4"]})
    assert list(model.inserts) == ["res2", "res3", "res4"]
    assert model.inserts["res4"].transform[-1][-1][1].num_features == 256


def test_overrides_parse_dotted_keys_and_yaml_values():
    parsed = parse_overrides(["ms.spec=paper", "ms.position=[res2,res3]", "ms.patch_size=7", "dropout=0.3"])
    assert parsed == {"ms": {"spec": "paper", "position": ["res2", "res3"], "patch_size": 7}, "dropout": 0.3}
    model = create_model("msnet_r18", **parsed)
    assert model.inserts["res2"].correlation.patch_size == 7 and model.inserts["res2"].spec == "paper"


@pytest.mark.parametrize(
    "name,overrides,error",
    [
        ("nope", {}, KeyError),
        ("tsm_r18", {"ms": {"spec": "paper"}}, TypeError),
        ("msnet_r18", {"ms": {"patchh": 3}}, TypeError),
        ("msnet_r18", {"depth": 50}, TypeError),
        ("msnet_r18", {"ms": {"position": ["res6"]}}, ValueError),
        ("cp_r18", {"ms": {"patch_size": 3}}, TypeError),
        ("msnet_r18", {"ms": {"patch": 3}}, TypeError),  # the constructor's name only: no aliases
        ("msnet_i3d", {"ms": {"position": "mixed_9z"}}, ValueError),
        ("msnet_mobilenetv2", {"ms": {"position": "stage9"}}, ValueError),
    ],
)
def test_bad_names_and_overrides_raise(name, overrides, error):
    with pytest.raises(error):
        create_model(name, **overrides)


def test_bad_override_syntax_raises():
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_overrides(["ms.patch_size"])


def test_missing_imagenet_weights_name_the_expected_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError, match=r"hub/checkpoints/resnet18-f37072fd\.pth.*never downloads"):
        create_model("tsm_r18", pretrained="imagenet")


def test_imagenet_weights_load_from_the_local_cache(tmp_path, monkeypatch):
    reference = torchvision.models.resnet18(weights=None)
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.save(reference.state_dict(), folder / "resnet18-f37072fd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    model = create_model("msnet_r18", pretrained="imagenet")
    torch.testing.assert_close(model.stem[0].weight, reference.conv1.weight)
    torch.testing.assert_close(model.stages["res4"][1].conv1.net.weight, reference.layer3[1].conv1.weight)


def test_weights_from_an_explicit_path_and_missing_path(tmp_path):
    path = tmp_path / "r50.pth"
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), path)
    create_model("tsn_r50", pretrained=str(path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        create_model("tsn_r50", pretrained=str(tmp_path / "absent.pth"))
