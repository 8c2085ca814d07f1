"""Speed of the correlation op, the MS module and full models on CPU (pytest-benchmark; ratios in conftest).

The model benchmarks run with glibc keeping freed memory for reuse, as the run-time stage does
(:mod:`msnet.core.allocator`; conftest applies it once per session).
"""

import pytest
import torch

from msnet import create_model
from msnet.models import fused_kernel
from msnet.models.correlation import correlation, correlation_reference
from msnet.models.ms_module import MotionSqueeze

# The MSNet setting: 7 frame pairs of an 8-frame clip, 64 channels, 28x28 (res3 at 224), P = 15.
SHAPE = (7, 64, 28, 28)
IMPLEMENTATIONS = {"reference": correlation_reference, "fast": correlation}


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_correlation_forward(benchmark, impl):
    f1, f2 = torch.randn(2, *SHAPE)
    fn = IMPLEMENTATIONS[impl]
    with torch.no_grad():
        benchmark.pedantic(fn, args=(f1, f2, 15, 1), rounds=7, warmup_rounds=1)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_correlation_forward_backward(benchmark, impl):
    f1, f2 = (torch.randn(*SHAPE, requires_grad=True) for _ in range(2))
    fn = IMPLEMENTATIONS[impl]

    def step():
        fn(f1, f2, 15, 1).sum().backward()

    benchmark.pedantic(step, rounds=5, warmup_rounds=1)


@pytest.mark.parametrize("path", ["pytorch", "fused"])
def test_ms_matching_forward(benchmark, path):
    """Correlation + displacement of MSNet-R50's module (8 frames, 28x28, 64 reduced channels), inference."""
    if path == "fused" and fused_kernel.library() is None:
        pytest.skip(f"native kernel unavailable: {fused_kernel.status()['reason']}")
    module = MotionSqueeze(512, 8).eval()
    features = torch.randn(8, 64, 28, 28)
    with torch.inference_mode(), fused_kernel.use_fused_kernel(path == "fused"):
        benchmark.pedantic(module.match, args=(features,), rounds=15, warmup_rounds=2)


def test_ms_module_forward(benchmark):
    """The whole MS module (reduce, matching, feature transformation, residual add) at res3, inference."""
    module = MotionSqueeze(512, 8).eval()
    x = torch.randn(8, 512, 28, 28)
    with torch.inference_mode():
        benchmark.pedantic(module, args=(x,), rounds=15, warmup_rounds=2)


@pytest.mark.parametrize("name", ["tsm_r50", "msnet_r50"])
def test_model_forward(benchmark, name):
    model = create_model(name, num_frames=8).eval()
    clip = torch.randn(8, 3, 224, 224)
    with torch.inference_mode():
        benchmark.pedantic(model, args=(clip,), rounds=7, warmup_rounds=2)


@pytest.mark.parametrize("name", ["tsm_r50", "msnet_r50"])
def test_model_train_step(benchmark, name):
    """Forward, cross-entropy, backward and SGD step; 2 clips of 8 frames at 224 (batch 8 takes ~10 s a step)."""
    model = create_model(name, num_frames=8, num_classes=174).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    clips, labels = torch.randn(2 * 8, 3, 224, 224), torch.randint(0, 174, (2,))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(clips), labels).backward()
        optimizer.step()

    benchmark.pedantic(step, rounds=5, warmup_rounds=1)
