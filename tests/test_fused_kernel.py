"""The MS module's native CPU kernel (ext/motion_squeeze_cpu.c) against the PyTorch path, and its fallbacks."""

import contextlib

import pytest
import torch

from msnet import create_model
from msnet.measure import thop_convention
from msnet.models import fused_kernel
from msnet.models.ms_module import MotionSqueeze

needs_kernel = pytest.mark.skipif(fused_kernel.library() is None, reason=f"kernel unavailable: {fused_kernel.status()}")


def _both_paths(module: MotionSqueeze, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        fused = module.motion(x)
        with fused_kernel.use_fused_kernel(False):
            reference = module.motion(x)
    return fused, reference


@needs_kernel
@pytest.mark.parametrize("spec", ["official", "paper"])
@pytest.mark.parametrize("displacement", ["ks+cm", "s", "ks", "s+cm", "ks+cm+bd"])
def test_kernel_equals_the_pytorch_path(spec, displacement):
    module = MotionSqueeze(32, 4, spec=spec, displacement=displacement, patch_size=7).eval()
    x = torch.randn(8, 32, 11, 13)  # two videos of 4 frames, a width that is not a multiple of the pixel block
    fused, reference = _both_paths(module, x)
    assert fused.shape == reference.shape
    torch.testing.assert_close(fused, reference, rtol=1e-4, atol=2e-4)


@needs_kernel
@pytest.mark.parametrize("patch,dilation", [(3, 1), (15, 1), (21, 1), (5, 2), (1, 1)])
def test_kernel_window_sizes_and_dilation(patch, dilation):
    module = MotionSqueeze(16, 3, patch_size=patch, dilation=dilation).eval()  # 21 > 16 lanes: two vector chunks
    x = torch.randn(3, 16, 9, 20)
    fused, reference = _both_paths(module, x)
    torch.testing.assert_close(fused, reference, rtol=1e-4, atol=2e-4)


@needs_kernel
def test_model_outputs_match_and_training_uses_the_pytorch_path(monkeypatch):
    model = create_model("msnet_r18", num_frames=4, num_classes=10).eval()
    clip = torch.randn(4, 3, 64, 64)
    with torch.inference_mode():
        fused = model(clip)
        with fused_kernel.use_fused_kernel(False):
            reference = model(clip)
    torch.testing.assert_close(fused, reference, rtol=1e-4, atol=1e-4)
    calls = []
    monkeypatch.setattr(fused_kernel, "fused_displacement", lambda *a, **k: calls.append(1))
    model.train()(clip).sum().backward()  # autograd needs the layers: the kernel is not called
    assert calls == []


def test_the_kernel_is_not_used_with_autograd_or_when_switched_off():
    assert not fused_kernel.applicable(torch.randn(2, 2, 8, 6, 6, requires_grad=True))
    with fused_kernel.use_fused_kernel(False):
        assert not fused_kernel.applicable(torch.randn(2, 2, 8, 6, 6))


@needs_kernel
def test_the_thop_counter_switches_the_kernel_off(monkeypatch):
    """Its correlation hook fires only when the layer runs (the notebook-value tests in test_cost guard the total)."""
    model = create_model("msnet_r18", num_frames=2, num_classes=10)
    inputs = (torch.randn(2, 3, 64, 64),)
    counted = thop_convention.thop_cost(model, inputs, ["inserts.res3"])["by_insert"]["inserts.res3"]
    monkeypatch.setattr(thop_convention, "use_fused_kernel", lambda enabled: contextlib.nullcontext())
    unswitched = thop_convention.thop_cost(model, inputs, ["inserts.res3"])["by_insert"]["inserts.res3"]
    assert unswitched < counted  # the kernel replaced the hooked correlation layer


def test_without_a_compiler_the_pytorch_path_runs_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(fused_kernel, "_state", {"library": None, "tried": False, "reason": "", "enabled": True})
    monkeypatch.setenv("MSNET_EXT_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    module = MotionSqueeze(8, 2).eval()
    with torch.no_grad():
        out = module.motion(torch.randn(2, 8, 6, 6))
    assert out.shape == (2, 3, 6, 6)
    assert fused_kernel.status()["available"] is False and "no-such-compiler" in fused_kernel.status()["reason"]
