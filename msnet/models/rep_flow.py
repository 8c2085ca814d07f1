"""Representation flow (Piergiovanni & Ryoo, CVPR 2019), the Table 2 Rep-flow baseline.

An iterative TV-L1 optical-flow solver unrolled as a layer, run on every channel of a
feature map for each pair of consecutive frames (facts: ``piergiaj/representation-flow-
cvpr19:rep_flow_layer.py``, the February-2019 depthwise version that the (2+1)D network
file assumes). Per iteration, with ``rho_c = I1 - I0`` and the gradients of ``I1``::

    rho = rho_c + gx*u1 + gy*u2
    v   = u + (lambda*theta*grad I1  if rho < -lambda*theta*|grad I1|^2
               -lambda*theta*grad I1 if rho >  lambda*theta*|grad I1|^2
               -rho*grad I1 / |grad I1|^2 otherwise)
    u   = v + theta * div(p)
    p   = (p + tau/theta * grad u) / (1 + tau/theta * |grad u|)

theta = 0.3, lambda = 0.15, tau = 0.25; image-gradient kernels start at [-0.5, 0, 0.5],
forward-difference / divergence kernels at [-1, 1]; all are learnable parameters, as the
layer's default. The paper's Table 2 runs 20 iterations.

:class:`RepFlowModule` is the block inserted in a backbone: 1x1 conv C -> 32, per-video
min-max normalisation, flow of each consecutive pair (2 x 32 channels), 1x1 conv 64 -> C,
BN, added to the input. The original drops the last time step (T-1 outputs); to keep a
2D backbone's T frames, we repeat the last pair's flow for frame T, as MSNet does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from msnet.core.errors import BadValue


def _depthwise(x: torch.Tensor, kernel: torch.Tensor, padding: tuple[int, int, int, int]) -> torch.Tensor:
    """The same small 2D kernel applied to every channel, replicate-free zero padding."""
    c = x.shape[1]
    return F.conv2d(F.pad(x, padding), kernel.expand(c, 1, *kernel.shape[-2:]), groups=c)


class TVL1Flow(nn.Module):
    """Unrolled TV-L1 on every channel: ``(B, C, H, W) x 2 -> (B, 2C, H, W)``, channels (u1 | u2).

    Args:
        iterations: unrolled iterations (Rep-flow default 10; the paper's Table 2 uses 20).
        theta, lam, tau: TV-L1 constants.
        learnable: make the gradient/divergence kernels and the constants parameters.
    """

    def __init__(self, iterations: int = 20, *, theta: float = 0.3, lam: float = 0.15, tau: float = 0.25, learnable: bool = True):
        super().__init__()
        self.iterations = iterations
        values = {
            "theta": torch.tensor(theta),
            "lam": torch.tensor(lam),
            "tau": torch.tensor(tau),
            "grad_x": torch.tensor([[[[-0.5, 0.0, 0.5]]]]),
            "grad_y": torch.tensor([[[[-0.5], [0.0], [0.5]]]]),
            "diff_x": torch.tensor([[[[-1.0, 1.0]]]]),
            "diff_y": torch.tensor([[[[-1.0], [1.0]]]]),
        }
        for name, value in values.items():
            if learnable:
                setattr(self, name, nn.Parameter(value))
            else:
                self.register_buffer(name, value)

    def _forward_diff(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ux = _depthwise(u, self.diff_x, (0, 1, 0, 0))
        uy = _depthwise(u, self.diff_y, (0, 0, 0, 1))
        ux[..., -1] = 0  # Neumann boundary: no difference across the last column / row
        uy[..., -1, :] = 0
        return ux, uy

    def _divergence(self, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
        return _depthwise(px, self.diff_x, (1, 0, 0, 0)) + _depthwise(py, self.diff_y, (0, 0, 1, 0))

    def forward(self, i0: torch.Tensor, i1: torch.Tensor) -> torch.Tensor:
        gx = _depthwise(i1, self.grad_x, (1, 1, 0, 0))
        gy = _depthwise(i1, self.grad_y, (0, 0, 1, 1))
        g2 = gx.pow(2) + gy.pow(2) + 1e-12
        rho_c = i1 - i0
        lt = self.lam * self.theta
        step = self.tau / self.theta
        u1 = torch.zeros_like(i0)
        u2 = torch.zeros_like(i0)
        p11 = p12 = p21 = p22 = torch.zeros_like(i0)
        for _ in range(self.iterations):
            rho = rho_c + gx * u1 + gy * u2
            below, above = rho < -lt * g2, rho > lt * g2
            inside = ~(below | above)
            scale = torch.where(below, lt, torch.where(above, -lt, 0.0)) - torch.where(inside, rho / g2, 0.0)
            v1, v2 = u1 + scale * gx, u2 + scale * gy
            u1 = v1 + self.theta * self._divergence(p11, p12)
            u2 = v2 + self.theta * self._divergence(p21, p22)
            u1x, u1y = self._forward_diff(u1)
            u2x, u2y = self._forward_diff(u2)
            d1 = 1 + step * torch.sqrt(u1x.pow(2) + u1y.pow(2) + 1e-12)
            d2 = 1 + step * torch.sqrt(u2x.pow(2) + u2y.pow(2) + 1e-12)
            p11, p12 = (p11 + step * u1x) / d1, (p12 + step * u1y) / d1
            p21, p22 = (p21 + step * u2x) / d2, (p22 + step * u2y) / d2
        return torch.cat([u1, u2], dim=1)


class RepFlowModule(nn.Module):
    """Rep-flow block on time-folded features ``(N*T, C, H, W) -> (N*T, C, H, W)``.

    Args:
        in_channels: C.
        num_frames: T.
        iterations: TV-L1 iterations (Table 2: 20).
        bottleneck: channels the flow is computed on (Rep-flow: 32).
        learnable: learnable TV-L1 kernels and constants.
    """

    def __init__(self, in_channels: int, num_frames: int, *, iterations: int = 20, bottleneck: int = 32, learnable: bool = True):
        super().__init__()
        if num_frames < 2:
            raise BadValue("Rep-flow needs at least 2 frames")
        self.num_frames = num_frames
        self.reduce = nn.Conv2d(in_channels, bottleneck, 1, bias=False)
        self.flow = TVL1Flow(iterations, learnable=learnable)
        self.expand = nn.Conv2d(2 * bottleneck, in_channels, 1, bias=False)
        self.norm = nn.BatchNorm2d(in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nt, _, h, w = x.shape
        t = self.num_frames
        f = self.reduce(x)
        c = f.shape[1]
        f = f.view(nt // t, t, c, h, w)
        low = f.amin(dim=(1, 2, 3, 4), keepdim=True)
        high = f.amax(dim=(1, 2, 3, 4), keepdim=True)
        f = 255 * (f - low) / (high - low + 1e-6)  # per-video min-max to [0, 255]
        flow = self.flow(f[:, :-1].reshape(-1, c, h, w), f[:, 1:].reshape(-1, c, h, w))
        flow = flow.view(nt // t, t - 1, 2 * c, h, w)
        flow = torch.cat([flow, flow[:, -1:]], dim=1).view(nt, 2 * c, h, w)
        return x + self.norm(self.expand(flow))
