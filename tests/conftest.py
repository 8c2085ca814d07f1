import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def translated_pair(channels: int, size: int, dx: int, dy: int, norm: float | None = None) -> torch.Tensor:
    """Two frames ``(2, C, size, size)``: frame 1 is frame 0 with its content moved by (+dx, +dy).

    ``norm`` gives every pixel's feature vector that L2 norm (random directions).
    """
    f0 = torch.randn(1, channels, size, size, dtype=torch.float64)
    if norm is not None:
        f0 = norm * f0 / f0.norm(dim=1, keepdim=True)
    f1 = torch.roll(f0, shifts=(dy, dx), dims=(2, 3))
    return torch.cat([f0, f1])
