"""Displacement estimation from a local correlation volume (paper Sec. 3.1).

Turns the correlation ``S`` of shape ``(B, P, P, h, w)`` (first window axis dy) into
displacements in ``[-1, 1]`` (units of the maximum displacement ``k``) and, optionally,
a confidence map. Two specs:

* ``official`` (``arunos728/MotionSqueeze:resnet_TSM.py``): ``S`` is ReLU'd first; the
  confidence is the window maximum of the ReLU'd ``S``; the Gaussian is
  ``exp(-((a - a*)^2 + (b - b*)^2) / (2 sigma^2))`` (peak 1) centred at the hard argmax;
  weights are ``softmax(G * S / tau)``.
* ``paper`` (Sec. 3.1, Eq. 3-5): no ReLU; confidence ``max_p s``; the printed kernel
  ``g = 1/(sqrt(2 pi) sigma) exp((p - argmax s) / sigma^2)`` has lost a square and a sign
  in the text, so we read it as ``1/(sqrt(2 pi) sigma) exp(-|p - p*|^2 / sigma^2)``,
  keeping the printed normaliser and the ``sigma^2`` denominator (see docs/specs.md).

``kernel=False`` gives the plain soft-argmax of Eq. 2 (the ``S`` rows of Table 3).
Gradients flow through ``S`` only, never through the argmax position.
"""

from __future__ import annotations

import math

import torch
from torch import nn

SPECS = ("official", "paper")


class DisplacementEstimator(nn.Module):
    """(Kernel-)soft-argmax over a correlation window, plus the confidence map.

    Args:
        patch_size: P, the window side (odd).
        spec: ``"official"`` or ``"paper"`` (module docstring).
        kernel: Gaussian-masked soft-argmax (``KS``) instead of plain soft-argmax (``S``).
        confidence: append the confidence map as a third channel (``CM``).
        sigma: Gaussian standard deviation in window units (paper: 5).
        temperature: softmax temperature tau (paper: 0.01, i.e. scale 100).
    """

    def __init__(
        self,
        patch_size: int = 15,
        *,
        spec: str = "official",
        kernel: bool = True,
        confidence: bool = True,
        sigma: float = 5.0,
        temperature: float = 0.01,
    ):
        super().__init__()
        if spec not in SPECS:
            raise ValueError(f"unknown spec {spec!r}; choose one of {SPECS}")
        self.patch_size = patch_size
        self.spec = spec
        self.kernel = kernel
        self.confidence = confidence
        self.sigma = sigma
        self.temperature = temperature
        k = (patch_size - 1) // 2
        # Window index a in 0..P-1, and the (dx, dy) of every flattened window cell in [-1, 1]:
        # row 0 = dx = (b - k) / k for cell (a, b), row 1 = dy = (a - k) / k.
        index = torch.arange(patch_size, dtype=torch.float32)
        offset = (index - k) / max(k, 1)
        grid = torch.stack([offset.repeat(patch_size), offset.repeat_interleave(patch_size)])
        self.register_buffer("index", index, persistent=False)
        self.register_buffer("offsets", grid, persistent=False)

    @property
    def out_channels(self) -> int:
        return 3 if self.confidence else 2

    def _gaussian(self, argmax: torch.Tensor, scale: float) -> torch.Tensor:
        """``scale`` times the Gaussian centred at the hard argmax: ``(B, h, w) -> (B, P, P, h, w)``."""
        p = self.patch_size
        index = self.index.view(1, p, 1, 1)
        centre_y = torch.div(argmax, p, rounding_mode="floor").unsqueeze(1).to(index.dtype)
        centre_x = (argmax % p).unsqueeze(1).to(index.dtype)
        denominator = 2 * self.sigma**2 if self.spec == "official" else self.sigma**2
        if self.spec == "paper":
            scale = scale / (math.sqrt(2 * math.pi) * self.sigma)
        gy = torch.exp(-((index - centre_y) ** 2) / denominator) * scale
        gx = torch.exp(-((index - centre_x) ** 2) / denominator)
        return gy.unsqueeze(2) * gx.unsqueeze(1)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """``(B, P, P, h, w) -> (B, 2 or 3, h, w)``: channels (dx, dy[, confidence])."""
        b, p, _, h, w = s.shape
        if self.spec == "official":
            s = torch.relu(s)
        confidence, argmax = s.reshape(b, p * p, h, w).max(dim=1)
        if self.kernel:
            logits = s * self._gaussian(argmax, 1 / self.temperature).to(s.dtype)
        else:
            logits = s / self.temperature
        weights = torch.softmax(logits.reshape(b, p * p, h * w), dim=1)
        # Both marginal expectations in one pass: (2, P*P) @ (B, P*P, h*w) -> (B, 2, h*w).
        displacement = torch.matmul(self.offsets.to(s.dtype), weights).view(b, 2, h, w)
        if not self.confidence:
            return displacement
        return torch.cat([displacement, confidence.unsqueeze(1)], dim=1)

    def extra_repr(self) -> str:
        return (
            f"patch_size={self.patch_size}, spec={self.spec}, kernel={self.kernel}, "
            f"confidence={self.confidence}, sigma={self.sigma}, temperature={self.temperature}"
        )
