"""A released TSM/TSN checkpoint, in the layout TSM's code saves, becomes a run of ours: placed tensor by tensor,
the same logits as the torchvision network it was saved from, and a clear error when it does not fit."""

import pytest
import torch
import torchvision

from msnet.models.factory import create_model
from msnet.train.evaluate import evaluate_checkpoint
from msnet.train.recipes import get_recipe
from msnet.train.released import released_state
from msnet.train.trainer import TrainConfig, train

CLASSES = 10


def tsm_layout(network: torch.nn.Module, shifted: bool) -> dict:
    """What TSM's main.py saves for ``network`` (a torchvision ResNet as TSN's base model): a DataParallel prefix,
    ``base_model.``, residual-block conv1 wrapped as ``conv1.net`` when shifted, the fc as ``new_fc``."""
    state = {}
    for name, tensor in network.state_dict().items():
        if name.startswith("fc."):
            state["module.new_fc." + name[3:]] = tensor
            continue
        if shifted and name.startswith("layer") and ".conv1." in name:
            name = name.replace(".conv1.", ".conv1.net.")
        state["module.base_model." + name] = tensor
    return {"epoch": 45, "arch": "resnet18", "state_dict": state, "best_prec1": 45.6}


@pytest.fixture(scope="module")
def torchvision_resnet():
    torch.manual_seed(0)
    network = torchvision.models.resnet18(num_classes=CLASSES).eval()
    for module in network.modules():  # non-trivial BatchNorm statistics, so a misplaced buffer shows
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return network


def test_tsn_checkpoint_gives_the_torchvision_networks_logits(torchvision_resnet, tmp_path):
    torch.save(tsm_layout(torchvision_resnet, shifted=False), tmp_path / "tsn.pth")
    ours = create_model("tsn_r18", num_frames=4, num_classes=CLASSES, head="linear").eval()
    ours.load_state_dict(released_state(tmp_path / "tsn.pth", ours))
    frames = torch.randn(4, 3, 64, 64)
    with torch.no_grad():
        expected = torchvision_resnet(frames).mean(0, keepdim=True)  # TSN: average consensus of frame logits
        torch.testing.assert_close(ours(frames), expected, rtol=1e-5, atol=1e-5)


def test_tsm_checkpoint_places_every_tensor(torchvision_resnet, tmp_path):
    torch.save(tsm_layout(torchvision_resnet, shifted=True), tmp_path / "tsm.pth")
    ours = create_model("tsm_r18", num_frames=4, num_classes=CLASSES, head="linear")
    state = released_state(tmp_path / "tsm.pth", ours)
    theirs = torchvision_resnet.state_dict()
    assert torch.equal(state["stages.res3.1.conv1.net.weight"], theirs["layer2.1.conv1.weight"])
    assert torch.equal(state["stem.1.running_var"], theirs["bn1.running_var"])
    assert torch.equal(state["fc.bias"], theirs["fc.bias"])
    assert set(state) == set(ours.state_dict())


def test_released_checkpoints_that_do_not_fit_are_named(torchvision_resnet, tmp_path):
    torch.save(tsm_layout(torchvision_resnet, shifted=True), tmp_path / "tsm.pth")
    with pytest.raises(ValueError, match=r"tsm\.pth: shapes differ \(its classifier is a Linear layer: give the row `head=linear`"):
        released_state(tmp_path / "tsm.pth", create_model("tsm_r18", num_frames=4, num_classes=CLASSES))
    with pytest.raises(ValueError, match=r"tsm\.pth: shapes differ \(a classifier for another dataset's classes\?\): "
                       r"\['fc\.weight \(10, 512\) vs ours \(174, 512\)"):
        released_state(tmp_path / "tsm.pth", create_model("tsm_r18", num_frames=4, num_classes=174, head="linear"))
    with pytest.raises(ValueError, match=r"tsm\.pth: does not fit"):
        released_state(tmp_path / "tsm.pth", create_model("tsn_r18", num_frames=4, num_classes=CLASSES, head="linear"))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"junk\.pth: not a readable PyTorch checkpoint"):
        released_state(tmp_path / "junk.pth", create_model("tsm_r18", num_frames=4, num_classes=CLASSES))


def test_a_released_run_is_validated_not_trained_and_says_so(prepared, tmp_path):
    classes = len((prepared["ssv1"] / "classes.txt").read_text().splitlines())
    network = torchvision.models.resnet18(num_classes=classes)
    torch.save(tsm_layout(network, shifted=True), tmp_path / "TSM_released.pth")
    recipe = get_recipe("synthetic", batch_size=4, epochs=3)
    result = train(TrainConfig(prepared=str(prepared["ssv1"]), model="tsm_r18", frames=4, out=str(tmp_path / "run"),
                               recipe=recipe, crop=32, workers=0, progress=False, row="tsm-r18_8f",
                               model_args={"head": "linear"}, released=str(tmp_path / "TSM_released.pth")))
    torch.use_deterministic_algorithms(False)
    assert result["initialisation"] == "released checkpoint TSM_released.pth"
    assert result["released"]["file"] == "TSM_released.pth" and len(result["released"]["sha256"]) == 16
    assert [h["epoch"] for h in result["history"]] == [0] and result["best"]["epoch"] == 0
    evaluated = evaluate_checkpoint(tmp_path / "run" / "best.pt", prepared["ssv1"], "1clip", workers=0, progress=False)
    assert evaluated["top1"] == result["best"]["top1"]
    saved = torch.load(tmp_path / "run" / "best.pt", weights_only=True)["model"]
    assert torch.equal(saved["stages.res2.0.conv1.net.weight"], network.state_dict()["layer1.0.conv1.weight"])
