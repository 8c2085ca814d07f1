import pytest
import torch

from conftest import translated_pair
from msnet.models.ms_module import MotionSqueeze, parse_displacement

K = 7  # P = 15
MARGIN = K + 1


def interior(t: torch.Tensor) -> torch.Tensor:
    return t[..., MARGIN:-MARGIN, MARGIN:-MARGIN]


def estimate(module: MotionSqueeze, pair: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return module.double().eval().motion(pair)[0]


@pytest.mark.parametrize("dx,dy", [(3, -2), (-5, 4), (7, 7), (0, 0), (-7, 1)])
def test_official_recovers_translation_through_the_reduction(dx, dy):
    module = MotionSqueeze(64, 2, spec="official")
    d = estimate(module, translated_pair(64, 28, dx, dy))
    assert (interior(d[0]) - dx / K).abs().max() <= 0.05
    assert (interior(d[1]) - dy / K).abs().max() <= 0.05


@pytest.mark.parametrize("spec", ["official", "paper"])
@pytest.mark.parametrize("dx,dy", [(2, -6), (-4, 3), (0, 0)])
def test_both_specs_recover_translation_of_equal_norm_features(spec, dx, dy):
    """Features of equal norm (sqrt(C), as unit-variance features have): a raw dot product then
    peaks at the true match too. (At norm 1 the paper's normalised Gaussian, peak 0.08, leaves the
    softmax too flat and biases displacements toward 0: docs/specs.md.)"""
    module = MotionSqueeze(32, 2, spec=spec, reduction_channels=0)
    d = estimate(module, translated_pair(32, 28, dx, dy, norm=32**0.5))
    assert (interior(d[0]) - dx / K).abs().max() <= 0.05
    assert (interior(d[1]) - dy / K).abs().max() <= 0.05


def test_paper_spec_raw_dot_product_is_fooled_by_feature_norm():
    """Characterises a documented spec difference (docs/specs.md): without L2 normalisation the
    window maximum of a raw dot product can sit on a larger-norm neighbour instead of the match."""
    pair = translated_pair(128, 28, 3, -2)
    errors = {}
    for spec in ("official", "paper"):
        torch.manual_seed(1)
        d = estimate(MotionSqueeze(128, 2, spec=spec), pair)
        err = torch.maximum((interior(d[0]) - 3 / K).abs(), (interior(d[1]) + 2 / K).abs())
        errors[spec] = (err > 0.05).float().mean().item()
    assert errors["official"] == 0.0
    assert errors["paper"] > 0.0


@pytest.mark.parametrize("spec", ["official", "paper"])
def test_confidence_is_the_window_maximum(spec):
    module = MotionSqueeze(16, 3, spec=spec).double().eval()
    x = torch.randn(6, 16, 10, 12, dtype=torch.float64)
    with torch.no_grad():
        d = module.motion(x)
        f = module.reduce(x)
        if spec == "official":
            f = f * torch.rsqrt(f.pow(2).sum(1, keepdim=True) + 1e-6)
        f = f.view(2, 3, *f.shape[1:])
        s = module.correlation(f[:, :-1].flatten(0, 1), f[:, 1:].flatten(0, 1))
        if spec == "official":
            s = s.relu()
        expected = s.flatten(1, 2).max(dim=1).values.view(2, 2, 10, 12)
    conf = d.view(2, 3, 3, 10, 12)[:, :, 2]
    torch.testing.assert_close(conf[:, :2], expected)
    torch.testing.assert_close(conf[:, 2], conf[:, 1])  # M(T) = M(T-1)


def test_backward_displacement_is_the_reverse_motion():
    module = MotionSqueeze(32, 2, reduction_channels=0, displacement="ks+cm+bd")
    d = estimate(module, translated_pair(32, 28, 4, -3, norm=1.0))
    assert d.shape[0] == 6
    assert (interior(d[3]) + 4 / K).abs().max() <= 0.05
    assert (interior(d[4]) - 3 / K).abs().max() <= 0.05


@pytest.mark.parametrize(
    "name,expected", [("s", (False, False, False)), ("ks+cm", (True, True, False)), ("ks+cm+bd", (True, True, True))]
)
def test_parse_displacement(name, expected):
    assert parse_displacement(name) == expected


@pytest.mark.parametrize("bad", ["x", "ks+cm+cm", "ks+flow", ""])
def test_parse_displacement_rejects(bad):
    with pytest.raises(ValueError):
        parse_displacement(bad)


@pytest.mark.parametrize("fusion", ["add", "multiply", "concat", "ms_only"])
@pytest.mark.parametrize("transform", ["dws", "1x(1,1)", "1x(3,3)", "4x(3,3)"])
def test_fusion_and_transform_shapes(fusion, transform):
    module = MotionSqueeze(24, 4, fusion=fusion, transform=transform, patch_size=5)
    x = torch.randn(8, 24, 9, 9, requires_grad=True)
    y = module(x)
    assert y.shape == x.shape
    y.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_delta_official_r18():
    """Official R18 (C=128): reduction 128*64 + BN 128, and the DWS stack 3->16->32->64->128 with BN = 20,985."""
    assert count(MotionSqueeze(128, 8, spec="official")) == 20_985


def test_parameter_delta_paper_spec_r50():
    """Paper spec R50 (C=512): reduction to C/2 = 256 channels."""
    module = MotionSqueeze(512, 8, spec="paper")
    reduction = 512 * 256 + 2 * 256
    assert count(module.reduce) == reduction
    assert count(module) == reduction + count(MotionSqueeze(512, 8, spec="official").transform)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"spec": "code"}, "spec"), ({"fusion": "sum"}, "fusion"), ({"transform": "2x(3,3)"}, "transform"), ({"patch_size": 4}, "odd")],
)
def test_invalid_configuration_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MotionSqueeze(16, 4, **kwargs)(torch.randn(4, 16, 6, 6))


@pytest.mark.parametrize("spec", ["official", "paper"])
def test_training_recomputes_the_matching_with_the_same_gradients(spec):
    """motion() keeps only the reduced features for backward (checkpoint); gradients equal plain autograd's."""
    module = MotionSqueeze(16, 3, spec=spec, patch_size=5, displacement="ks+cm+bd").double().train()
    x = torch.randn(6, 16, 7, 9, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(6, 6, 7, 9, dtype=torch.float64)
    (module.motion(x) * weights).sum().backward()
    checkpointed = x.grad.clone(), module.reduce[0].weight.grad.clone()
    x.grad = None
    module.zero_grad()
    (module.match(module.reduce(x)) * weights).sum().backward()
    torch.testing.assert_close(checkpointed[0], x.grad)
    torch.testing.assert_close(checkpointed[1], module.reduce[0].weight.grad)


def test_last_activation_keeps_a_mask_with_the_same_values_and_gradients():
    import copy

    from msnet.models.feature_transform import ReLUKeepingMask
    from msnet.models.ms_module import _last_relu

    torch.manual_seed(0)
    module = MotionSqueeze(32, 4, patch_size=5).train()
    plain = copy.deepcopy(module)
    parent, name = _last_relu(plain.transform)
    assert isinstance(getattr(parent, name), ReLUKeepingMask)
    setattr(parent, name, torch.nn.ReLU(inplace=True))
    x = torch.randn(8, 32, 9, 9)
    grads = []
    for m in (module, plain):
        xi = x.clone().requires_grad_()
        out = m(xi)
        out.backward(torch.randn_like(out, generator=torch.Generator().manual_seed(1)))
        grads.append((out.detach(), xi.grad, [p.grad for p in m.parameters()]))
    assert torch.equal(grads[0][0], grads[1][0]) and torch.equal(grads[0][1], grads[1][1])
    assert all(torch.equal(a, b) for a, b in zip(grads[0][2], grads[1][2]))
