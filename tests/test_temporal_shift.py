import pytest
import torch

from msnet.models.temporal_shift import TemporalShift, insert_temporal_shift, temporal_shift


def shift_by_formula(x: torch.Tensor, t: int, div: int) -> torch.Tensor:
    """TSM's definition, element by element: out[t] = x[t+1] on fold 0, x[t-1] on fold 1, zeros off the ends."""
    n = x.shape[0] // t
    c = x.shape[1]
    fold = c // div
    v = x.view(n, t, *x.shape[1:])
    out = torch.zeros_like(v)
    for b in range(n):
        for i in range(t):
            for ch in range(c):
                if ch < fold:
                    out[b, i, ch] = v[b, i + 1, ch] if i + 1 < t else 0
                elif ch < 2 * fold:
                    out[b, i, ch] = v[b, i - 1, ch] if i > 0 else 0
                else:
                    out[b, i, ch] = v[b, i, ch]
    return out.view_as(x)


@pytest.mark.parametrize("t,c,div", [(8, 16, 8), (4, 24, 8), (3, 10, 4), (2, 8, 8)])
def test_shift_matches_formula(t, c, div):
    x = torch.randn(2 * t, c, 3, 5)
    assert torch.equal(temporal_shift(x, t, div), shift_by_formula(x, t, div))


def test_shift_keeps_input_and_gradient_flows():
    x = torch.randn(16, 16, 4, 4, requires_grad=True)
    before = x.detach().clone()
    temporal_shift(x, 8).sum().backward()
    assert torch.equal(x.detach(), before)
    # Every input element reaches the output once, except the 2 dropped frame-ends per fold.
    fold = 16 // 8
    dropped = 2 * 2 * fold * 4 * 4  # 2 videos x (last frame of fold 0 + first frame of fold 1)
    assert x.grad.sum().item() == x.numel() - dropped


def test_shift_rejects_bad_batch():
    with pytest.raises(ValueError, match="multiple of num_frames"):
        temporal_shift(torch.randn(7, 8, 2, 2), 8)


def test_insert_wraps_every_block_conv1():
    import torchvision

    net = torchvision.models.resnet18(weights=None)
    insert_temporal_shift(net.layer1, 8)
    assert all(isinstance(block.conv1, TemporalShift) for block in net.layer1)
    assert not isinstance(net.layer2[0].conv1, TemporalShift)
