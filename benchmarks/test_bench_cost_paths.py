"""Speed of the correlation op and of full models on CPU (pytest-benchmark; ratios in conftest)."""

import pytest
import torch

from msnet import create_model
from msnet.models.correlation import correlation, correlation_reference

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


@pytest.mark.parametrize("name", ["tsm_r50", "msnet_r50"])
def test_model_forward(benchmark, name):
    model = create_model(name, num_frames=8).eval()
    clip = torch.randn(8, 3, 224, 224)
    with torch.inference_mode():
        benchmark.pedantic(model, args=(clip,), rounds=7, warmup_rounds=2)
