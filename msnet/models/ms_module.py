"""The Motion Squeeze (MS) module (paper Sec. 3.1, Fig. 3).

correlation -> displacement estimation -> feature transformation -> fusion, on
time-folded features ``(N*T, C, H, W)``. Two specs, chosen per model:

============================  ===========================  ===============================
step                          ``official`` (released code)  ``paper`` (text)
============================  ===========================  ===============================
channel reduction             1x1 conv C -> 64, BN, ReLU    1x1 conv C -> C/2, BN, ReLU
matching features             per-pixel L2 normalised       raw (no normalisation stated)
correlation                   cosine, then ReLU             dot product
kernel / confidence           see ``displacement.py``       see ``displacement.py``
============================  ===========================  ===============================

Shared by both: forward motion t -> t+1 over adjacent frames, the last step's motion
repeated for frame T, displacements divided by k into [-1, 1], the FT layers of
``feature_transform.py`` and additive fusion by default. Every interpretation is listed
in docs/specs.md.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from msnet.core.errors import BadValue
from msnet.models import fused_kernel
from msnet.models.correlation import Correlation
from msnet.models.displacement import SPECS, DisplacementEstimator
from msnet.models.feature_transform import ReLUKeepingMask, build_feature_transform, conv_bn_relu

FUSIONS = ("add", "multiply", "concat", "ms_only")
_EPS = 1e-6


def parse_displacement(name: str) -> tuple[bool, bool, bool]:
    """``"ks+cm+bd"`` -> (kernel, confidence, backward). First token ``s`` or ``ks``."""
    head, *extras = name.lower().split("+")
    if head not in ("s", "ks") or not set(extras) <= {"cm", "bd"} or len(set(extras)) != len(extras):
        raise BadValue(f"displacement {name!r} must be 's' or 'ks' followed by optional '+cm', '+bd'")
    return head == "ks", "cm" in extras, "bd" in extras


def l2_normalise(x: torch.Tensor) -> torch.Tensor:
    """Per-pixel L2 normalisation over channels, ``v / sqrt(sum v^2 + 1e-6)`` as the official code."""
    return x * torch.rsqrt(x.pow(2).sum(dim=1, keepdim=True) + _EPS)


def _last_relu(module: nn.Module) -> tuple[nn.Module, str]:
    """(parent, attribute name) of the last ``nn.ReLU`` inside ``module``."""
    found = None
    for parent in module.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.ReLU):
                found = (parent, name)
    if found is None:
        raise ValueError("the feature transformation has no ReLU")
    return found


class MotionSqueeze(nn.Module):
    """MS module inserted after a backbone stage.

    Args:
        in_channels: C, the channels of the stage output it is attached to.
        num_frames: T; the batch is ``N*T`` frames, frame-major within a video.
        spec: ``"official"`` or ``"paper"`` (module docstring).
        reduction_channels: width of the 1x1 reduction before matching; ``None`` takes the
            spec's default (64 / C/2), ``0`` removes the layer (MobileNet-V2, supp. Sec. 3).
        patch_size: P = 2k+1, the matching window (paper: 15).
        dilation: window dilation (official: 1).
        sigma: Gaussian sigma in window units (paper: 5).
        temperature: softmax temperature tau (paper: 0.01).
        displacement: ``s``/``ks`` with optional ``+cm`` (confidence) and ``+bd``
            (backward displacement), Table 3. Default ``ks+cm``.
        transform: FT layers, one of ``feature_transform.TRANSFORMS`` (Table 7).
        fusion: ``add`` (default), ``multiply``, ``concat`` or ``ms_only`` (Table 5).
    """

    def __init__(
        self,
        in_channels: int,
        num_frames: int,
        *,
        spec: str = "official",
        reduction_channels: int | None = None,
        patch_size: int = 15,
        dilation: int = 1,
        sigma: float = 5.0,
        temperature: float = 0.01,
        displacement: str = "ks+cm",
        transform: str = "dws",
        fusion: str = "add",
    ):
        super().__init__()
        if spec not in SPECS:
            raise BadValue(f"unknown spec {spec!r}; choose one of {SPECS}")
        if fusion not in FUSIONS:
            raise BadValue(f"unknown fusion {fusion!r}; choose one of {FUSIONS}")
        if num_frames < 2:
            raise BadValue("the MS module needs at least 2 frames")
        kernel, confidence, backward = parse_displacement(displacement)
        if reduction_channels is None:
            reduction_channels = 64 if spec == "official" else in_channels // 2
        self.num_frames = num_frames
        self.spec = spec
        self.backward = backward
        self.fusion = fusion
        self.reduce = conv_bn_relu(in_channels, reduction_channels, 1) if reduction_channels else nn.Identity()
        self.correlation = Correlation(patch_size, dilation)
        self.displacement = DisplacementEstimator(
            patch_size, spec=spec, kernel=kernel, confidence=confidence, sigma=sigma, temperature=temperature
        )
        motion_channels = self.displacement.out_channels * (2 if backward else 1)
        self.transform = build_feature_transform(transform, motion_channels, in_channels)
        if fusion == "add":  # the last activation's output is only added to x: keep a mask, not the output
            parent, name = _last_relu(self.transform)
            setattr(parent, name, ReLUKeepingMask())
        self.mix = nn.Conv2d(2 * in_channels, in_channels, 1, bias=False) if fusion == "concat" else None
        self._init_weights()

    def _init_weights(self) -> None:
        """The ResNet init loop the official code runs over the MS layers too."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def motion(self, x: torch.Tensor) -> torch.Tensor:
        """Displacement tensor D: ``(N*T, C, H, W) -> (N*T, 2|3|4|6, H, W)``, channels (dx, dy[, conf])."""
        f = self.reduce(x)
        if torch.is_grad_enabled() and f.requires_grad:
            # Training: keep only the reduced features for the backward pass and recompute the matching from them
            # (no BatchNorm inside, so recomputing changes nothing). Autograd would otherwise keep the normalised
            # features, both correlation operands and five window-sized tensors of the soft-argmax: 90 MB of
            # MSNet-R50's training memory at batch 8, for a recomputation that costs about 1 % of the step.
            return checkpoint(self.match, f, use_reentrant=False)
        return self.match(f)

    def match(self, f: torch.Tensor) -> torch.Tensor:
        """Reduced features ``(N*T, c, H, W)`` -> the displacement tensor of :meth:`motion`."""
        nt, c, h, w = f.shape
        t = self.num_frames
        if self.spec == "official":
            f = l2_normalise(f)
        f = f.view(nt // t, t, c, h, w)
        if fused_kernel.applicable(f):  # inference on the CPU: one native pass, same result (fused_kernel.py)
            return fused_kernel.fused_displacement(
                f, patch_size=self.correlation.patch_size, dilation=self.correlation.dilation,
                official=self.spec == "official", kernel=self.displacement.kernel,
                confidence=self.displacement.confidence, sigma=self.displacement.sigma,
                temperature=self.displacement.temperature, backward=self.backward)
        current = f[:, :-1].reshape(-1, c, h, w)
        following = f[:, 1:].reshape(-1, c, h, w)
        d = self.displacement(self.correlation(current, following))
        if self.backward:
            d = torch.cat([d, self.displacement(self.correlation(following, current))], dim=1)
        d = d.view(nt // t, t - 1, -1, h, w)
        d = torch.cat([d, d[:, -1:]], dim=1)  # M(T) = M(T-1)
        return d.view(nt, -1, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, C, H, W) -> (N*T, C, H, W)``: the stage output fused with its motion feature."""
        m = self.transform(self.motion(x))
        if self.fusion == "add":
            return x + m
        if self.fusion == "multiply":
            return x * m
        if self.fusion == "concat":
            return self.mix(torch.cat([x, m], dim=1))
        return m

    def extra_repr(self) -> str:
        return f"num_frames={self.num_frames}, spec={self.spec}, backward={self.backward}, fusion={self.fusion}"
