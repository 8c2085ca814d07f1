"""Correspondence Proposal (CP) module (Liu et al., CVPR 2019), the Table 8 baseline.

Re-written from the facts of the official TensorFlow code (``xingyul/cpnet:
utils/net_utils.py::cp_module``), as the MSNet authors re-implemented it in PyTorch:

1. Features of all T frames of a video become ``T*h*w`` points ``p_i`` in C dimensions.
2. kNN in feature space: ``D(i, j) = -||p_i - p_j||^2`` from one batched matmul; pairs in
   the same frame are excluded, so neighbours come only from *other* frames (past and
   future); the top-k are selected without gradient (k = 8).
3. For each neighbour, ``z_ij = [coord(j) - coord(i), p_i, p_j]`` with ``coord = (t/T,
   y/h, x/w)``, through a shared MLP (1x1 conv + BN + ReLU to C/4, then to C/2).
4. Max over the k neighbours, a 1x1 conv C/2 -> C and BN whose gamma starts at 0, added
   to the input: the module is the identity at initialisation.

Options not used by the MSNet comparison but in the official configs are kept as
arguments: ``shrink`` (bilinear downsampling before kNN, 2 in CPNet's R18 res3) and the
MLP widths. The pairwise distances cost ``N * (T*h*w)^2 * C`` multiply-adds: quadratic in
``T*h*w``, which is why Table 8's CP costs almost 6 G more than the baseline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from msnet.core.errors import BadValue


class PairwiseDistance(nn.Module):
    """``-||p_i - p_j||^2`` for all pairs of points ``(N, M, C) -> (N, M, M)``, as one matmul."""

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        squared = points.pow(2).sum(dim=-1)
        return 2 * torch.bmm(points, points.transpose(1, 2)) - squared.unsqueeze(2) - squared.unsqueeze(1)


class CorrespondenceProposal(nn.Module):
    """CP module on time-folded features ``(N*T, C, H, W) -> (N*T, C, H, W)``.

    Args:
        in_channels: C.
        num_frames: T.
        k: neighbours per point (CPNet R18/R34: 8).
        mlp: widths of the shared MLP as fractions of C (CPNet R18: C/4, C/2).
        shrink: spatial downsampling factor before the kNN (1 = none, as the MSNet
            authors' Table 8 cost implies; CPNet's own R18 res3 uses 2).
    """

    def __init__(self, in_channels: int, num_frames: int, *, k: int = 8, mlp: tuple[float, ...] = (0.25, 0.5), shrink: int = 1):
        super().__init__()
        if num_frames < 2:
            raise BadValue("the CP module needs at least 2 frames (neighbours come from other frames)")
        self.num_frames = num_frames
        self.k = k
        self.shrink = shrink
        self.distance = PairwiseDistance()
        widths = [3 + 2 * in_channels] + [max(1, int(in_channels * f)) for f in mlp]
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Conv2d(a, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.mlp = nn.Sequential(*layers)
        self.project = nn.Conv2d(widths[-1], in_channels, 1, bias=False)
        self.norm = nn.BatchNorm2d(in_channels)
        nn.init.zeros_(self.norm.weight)  # identity at initialisation

    def _coordinates(self, t: int, h: int, w: int, like: torch.Tensor) -> torch.Tensor:
        grid = torch.meshgrid(
            torch.arange(t, device=like.device, dtype=like.dtype) / t,
            torch.arange(h, device=like.device, dtype=like.dtype) / h,
            torch.arange(w, device=like.device, dtype=like.dtype) / w,
            indexing="ij",
        )
        return torch.stack(grid, dim=-1).reshape(t * h * w, 3)

    def neighbours(self, points: torch.Tensor, t: int) -> torch.Tensor:
        """Indices ``(N, M, k)`` of each point's k nearest points in other frames."""
        n, m, _ = points.shape
        distance = self.distance(points)
        frame = torch.arange(t, device=points.device).repeat_interleave(m // t)
        same_frame = frame.unsqueeze(0) == frame.unsqueeze(1)
        distance = distance.masked_fill(same_frame, float("-inf"))
        return distance.topk(self.k, dim=-1).indices

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nt, c, h, w = x.shape
        t = self.num_frames
        v = F.avg_pool2d(x, self.shrink) if self.shrink > 1 else x
        hs, ws = v.shape[-2:]
        points = v.view(nt // t, t, c, hs * ws).permute(0, 1, 3, 2).reshape(nt // t, t * hs * ws, c)
        n, m, _ = points.shape
        index = self.neighbours(points, t)  # (N, M, k), no gradient through the selection
        neighbour = torch.gather(points.unsqueeze(1).expand(n, m, m, c), 2, index.unsqueeze(-1).expand(n, m, self.k, c))
        coords = self._coordinates(t, hs, ws, points)
        offset = coords[index] - coords.view(1, m, 1, 3)
        z = torch.cat([offset, points.unsqueeze(2).expand(n, m, self.k, c), neighbour], dim=-1)  # (N, M, k, 3+2C)
        g = self.mlp(z.permute(0, 3, 1, 2)).amax(dim=-1)  # (N, C', M)
        g = g.view(n, -1, t, hs, ws).transpose(1, 2).reshape(nt, -1, hs, ws)
        if self.shrink > 1:
            g = F.interpolate(g, size=(h, w), mode="bilinear", align_corners=False)
        return x + self.norm(self.project(g))

    def extra_repr(self) -> str:
        return f"num_frames={self.num_frames}, k={self.k}, shrink={self.shrink}"
