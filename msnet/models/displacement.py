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

from msnet.core.errors import BadValue

SPECS = ("official", "paper")
_SOFTMAX_RANGE = 80.0  # logits further below their row maximum than this are raised to it (see forward)


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
            raise BadValue(f"unknown spec {spec!r}; choose one of {SPECS}")
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
        """``scale`` times the Gaussian centred at the hard argmax: ``(B, hw) -> (B, hw, P, P)``, window last."""
        p = self.patch_size
        index = self.index
        centre_y = torch.div(argmax, p, rounding_mode="floor").unsqueeze(-1).to(index.dtype)
        centre_x = (argmax % p).unsqueeze(-1).to(index.dtype)
        denominator = 2 * self.sigma**2 if self.spec == "official" else self.sigma**2
        if self.spec == "paper":
            scale = scale / (math.sqrt(2 * math.pi) * self.sigma)
        gy = torch.exp(-((index - centre_y) ** 2) / denominator) * scale  # (B, hw, P): separable, built small
        gx = torch.exp(-((index - centre_x) ** 2) / denominator)
        return gy.unsqueeze(-1) * gx.unsqueeze(-2)

    def terms(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Window-last correlation ``(B, hw, P*P)`` -> softmax weights, confidence, argmax (differentiable in s).

        The max, the softmax and the expectation reduce over contiguous memory (window last); the correlation op
        already stores its output that way."""
        if self.spec == "official":
            s = torch.relu(s)
        confidence, argmax = s.max(dim=-1)
        if self.kernel:
            logits = s * self._gaussian(argmax, 1 / self.temperature).to(s.dtype).flatten(-2)
        else:
            logits = s / self.temperature
        # With tau = 0.01 most logits sit 100s below the row maximum, where exp() leaves its fast path (measured:
        # softmax 4x slower than on unit-scale logits). Raising them to max - 80 first changes weights of at most
        # exp(-80) = 2e-35 (nothing, in float32 beside the maximum's weight of >= 1/P^2) and restores the fast path.
        floor = logits.detach().amax(dim=-1, keepdim=True) - _SOFTMAX_RANGE
        return torch.softmax(torch.maximum(logits, floor), dim=-1), confidence, argmax

    def _expectation(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Expected (dx, dy) ``(B, hw, 2)`` and the confidence ``(B, hw)``."""
        weights, confidence, _ = self.terms(s)
        return torch.matmul(weights, self.offsets.to(s.dtype).t()), confidence

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """``(B, P, P, h, w) -> (B, 2 or 3, h, w)``: channels (dx, dy[, confidence])."""
        b, p, _, h, w = s.shape
        s = s.permute(0, 3, 4, 1, 2).reshape(b, h * w, p * p)
        expectation, confidence = self._expectation(s)
        # (B, h*w, 2) -> (B, 2, h, w): both marginal expectations came from one (P*P, 2) matrix product
        displacement = expectation.transpose(1, 2).reshape(b, 2, h, w)
        if not self.confidence:
            return displacement
        return torch.cat([displacement, confidence.view(b, 1, h, w)], dim=1)

    def extra_repr(self) -> str:
        return (
            f"patch_size={self.patch_size}, spec={self.spec}, kernel={self.kernel}, "
            f"confidence={self.confidence}, sigma={self.sigma}, temperature={self.temperature}"
        )

