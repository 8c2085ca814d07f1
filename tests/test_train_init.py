"""Initialisation: ImageNet weights only from disk (a clear error otherwise), fine-tuning from a checkpoint."""

import torch

from msnet import create_model
from msnet.cli import main
from msnet.train import checkpoint as ckpt


def test_missing_imagenet_weights_stop_training_naming_the_file(prepared, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-cache"))
    code = main(["train", "tsm_r18", "--data", str(prepared["ssv1"]), "--out", str(tmp_path / "run"), "--frames",
                 "4", "--crop", "32", "--recipe", "synthetic", "--pretrained", "imagenet", "--workers", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert "resnet18-f37072fd.pth" in err and "never downloads" in err
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


def test_fine_tuning_loads_every_matching_tensor_and_names_the_rest():
    source = create_model("msnet_r18", num_classes=400)
    target = create_model("msnet_r18", num_classes=51)
    left = ckpt.load_matching(target, source.state_dict())
    assert left == ["fc.bias", "fc.weight"]
    assert torch.equal(target.stem[0].weight, source.stem[0].weight)


def test_atomic_checkpoint_round_trip(tmp_path):
    path = tmp_path / "c.pt"
    ckpt.save_atomic({"model": {"w": torch.ones(2)}, "epoch": 3, "history": [{"top1": 1.5}]}, path)
    assert ckpt.load(path)["epoch"] == 3 and list(tmp_path.iterdir()) == [path]
    path.write_bytes(b"not a checkpoint")
    try:
        ckpt.load(path)
    except RuntimeError as err:
        assert "not a readable msnet checkpoint" in str(err)
    else:
        raise AssertionError("a corrupt checkpoint loaded")
