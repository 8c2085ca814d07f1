import pytest
import torch

from msnet.measure.memory import peak_memory
from msnet.models.correlation import correlation, correlation_reference


def correlation_by_definition(f1, f2, p, d):
    """out[n,i,j,y,x] = sum_c f1[n,c,y,x] * f2[n,c,y+(i-k)d, x+(j-k)d], zero outside."""
    n, c, h, w = f1.shape
    k = (p - 1) // 2
    out = torch.zeros(n, p, p, h, w, dtype=f1.dtype)
    for i in range(p):
        for j in range(p):
            for y in range(h):
                for x in range(w):
                    yy, xx = y + (i - k) * d, x + (j - k) * d
                    if 0 <= yy < h and 0 <= xx < w:
                        out[:, i, j, y, x] = (f1[:, :, y, x] * f2[:, :, yy, xx]).sum(1)
    return out


@pytest.mark.parametrize("p,d", [(3, 1), (5, 2), (1, 1)])
def test_reference_matches_definition(p, d):
    f1, f2 = torch.randn(2, 2, 3, 6, 5, dtype=torch.float64)
    torch.testing.assert_close(correlation_reference(f1, f2, p, d), correlation_by_definition(f1, f2, p, d))


@pytest.mark.parametrize("shape,p,d", [((2, 8, 9, 7), 5, 1), ((3, 4, 6, 6), 7, 2), ((1, 16, 12, 10), 15, 1), ((2, 3, 4, 4), 21, 1)])
def test_fast_path_matches_reference(shape, p, d):
    f1, f2 = torch.randn(2, *shape)
    torch.testing.assert_close(correlation(f1, f2, p, d), correlation_reference(f1, f2, p, d), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("p,d", [(3, 1), (5, 2)])
def test_gradcheck_fast_path(p, d):
    f1, f2 = (torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True) for _ in range(2))
    assert torch.autograd.gradcheck(lambda a, b: correlation(a, b, p, d), (f1, f2))


def test_fast_gradients_equal_reference_gradients():
    a1, a2 = (torch.randn(2, 6, 8, 8, dtype=torch.float64, requires_grad=True) for _ in range(2))
    b1, b2 = (t.detach().clone().requires_grad_() for t in (a1, a2))
    g = torch.randn(2, 7, 7, 8, 8, dtype=torch.float64)
    (correlation(a1, a2, 7, 1) * g).sum().backward()
    (correlation_reference(b1, b2, 7, 1) * g).sum().backward()
    torch.testing.assert_close(a1.grad, b1.grad)
    torch.testing.assert_close(a2.grad, b2.grad)


def test_only_one_input_needs_grad():
    f1 = torch.randn(1, 2, 5, 5, dtype=torch.float64, requires_grad=True)
    f2 = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    correlation(f1, f2, 3).sum().backward()
    assert f1.grad is not None and f2.grad is None


def test_window_axis_order_is_dy_then_dx():
    f1 = torch.zeros(1, 1, 7, 7)
    f2 = torch.zeros(1, 1, 7, 7)
    f1[0, 0, 3, 3] = 1
    f2[0, 0, 2, 5] = 1  # one row up (dy=-1), two columns right (dx=+2)
    out = correlation(f1, f2, 5)
    assert out[0, :, :, 3, 3].nonzero().tolist() == [[2 - 1, 2 + 2]]


def test_invalid_arguments_raise():
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="odd"):
        correlation(f, f, 4)
    with pytest.raises(ValueError, match="equal"):
        correlation(f, torch.randn(1, 2, 4, 5), 3)


@pytest.mark.skipif(peak_memory(lambda: None) is None, reason="needs glibc's mallinfo2")
def test_fast_op_never_builds_a_window_by_channel_tensor():
    """Forward and backward peak far below one (B, C, P*P, H, W) float32 tensor, which the reference materialises."""
    b, c, h, w, p = 2, 64, 28, 28, 15
    f1, f2 = (torch.randn(b, c, h, w, requires_grad=True) for _ in range(2))
    unfolded_mb = b * c * p * p * h * w * 4 / 2**20  # 90 MB
    assert peak_memory(lambda: correlation_reference(f1, f2, p, 1).sum().backward())["added_mb"] > unfolded_mb
    fast = peak_memory(lambda: correlation(f1, f2, p, 1).sum().backward())["added_mb"]
    assert fast < 0.15 * unfolded_mb  # output, its gradient, the padded operands and one (H*B, W, W + 2r) product
