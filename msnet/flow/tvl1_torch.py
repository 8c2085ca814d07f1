"""Dual TV-L1 optical flow (Zach, Pock & Bischof 2007) in PyTorch, batched, on the CPU or a GPU.

The same algorithm and defaults as OpenCV's ``cv2.optflow.DualTVL1OpticalFlow`` (contrib ``tvl1flow.cpp``; the
facts are in ``docs/flow.md``), so that the two-stream baseline's flow can be computed, and timed, on a GPU:

- 0-255 float images; a pyramid of ``nscales`` levels, each ``scale_step`` times the previous (bilinear, OpenCV's
  rounding of the size), stopping before a side falls under 16 pixels;
- coarse to fine, per level: ``warps`` times, warp the second image and its centred gradient by the current flow
  (bicubic, zero outside), then up to ``outer_iterations`` x ``inner_iterations`` primal-dual steps, a 5x5 median
  filter of the flow before each outer iteration, stopping when the summed squared update falls under
  ``epsilon^2 * area``; the flow is upsampled bilinearly and divided by ``scale_step`` between levels;
- the dual variables start at zero on every level and persist across its warps.

Batched: every pair of a batch runs the same schedule, and a pair that meets the stopping rule leaves the working set
(it is gathered out), so a batch costs what its pairs cost one by one, without Python per pair. Differences from
OpenCV that remain: OpenCV's remap uses 1/32-pixel fixed-point interpolation weights and its float sums differ in
order; the end-point error against ground truth is compared in ``msnet.flow.quality``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from msnet.flow.median import median5


@dataclass(frozen=True)
class TVL1Params:
    """OpenCV's defaults (``DualTVL1OpticalFlow_create()``; the getters agree)."""

    tau: float = 0.25
    lambda_: float = 0.15
    theta: float = 0.3
    nscales: int = 5
    warps: int = 5
    epsilon: float = 0.01
    inner_iterations: int = 30
    outer_iterations: int = 10
    scale_step: float = 0.8
    median_filtering: int = 5

    def to_dict(self) -> dict:
        return asdict(self)


def _resize_like_opencv(image: torch.Tensor, scale: float) -> torch.Tensor:
    """``cv2.resize(src, None, fx=scale, fy=scale, INTER_LINEAR)``: size rounded, source = (dst + 0.5) / scale - 0.5."""
    height, width = image.shape[-2:]
    size = [round(height * scale), round(width * scale)]
    return torch.ops.aten.upsample_bilinear2d(image, size, False, scale, scale)


def centred_gradient(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Half the central difference, one-sided (still halved) at the borders: OpenCV's ``centeredGradient``."""
    padded = F.pad(image, (1, 1, 1, 1), mode="replicate")
    dx = 0.5 * (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2])
    dy = 0.5 * (padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1])
    return dx, dy


def warp_bicubic(images: torch.Tensor, u1: torch.Tensor, u2: torch.Tensor) -> torch.Tensor:
    """``images`` (B, C, H, W) sampled at (x + u1, y + u2), bicubic (a = -0.75, as OpenCV), zero outside."""
    height, width = images.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(height, device=u1.device, dtype=u1.dtype),
                            torch.arange(width, device=u1.device, dtype=u1.dtype), indexing="ij")
    grid = torch.stack(((xs + u1) * (2 / max(width - 1, 1)) - 1, (ys + u2) * (2 / max(height - 1, 1)) - 1), dim=-1)
    return F.grid_sample(images, grid, mode="bicubic", padding_mode="zeros", align_corners=True)


class _Level:
    """The state of one pyramid level: flow ``u`` (B, 2, H, W) and dual variables ``p`` (B, 2, 2, H, W), indexed
    [flow component, derivative direction]."""

    def __init__(self, u: torch.Tensor):
        self.u = u
        self.p = u.new_zeros(u.shape[0], 2, 2, *u.shape[-2:])


def _one_level(i0: torch.Tensor, i1: torch.Tensor, state: _Level, prm: TVL1Params, stats: dict) -> None:
    """OpenCV's ``procOneScale`` for a batch: i0, i1 (B, H, W); updates ``state`` in place.

    One primal-dual step, as OpenCV orders it: the thresholding step ``v = u + clamp(-rho / |grad I1w|^2, -l_t, l_t)
    grad I1w``, then ``u = v + theta div p`` (the summed squared change of u is the stopping error), then
    ``p = (p + tau/theta grad u) / (1 + tau/theta |grad u|)`` with forward differences. The clamp form equals
    OpenCV's three branches wherever |grad I1w|^2 exceeds float epsilon (elsewhere the step is below 1e-5 px).
    """
    height, width = i0.shape[-2:]
    scaled_epsilon = prm.epsilon * prm.epsilon * height * width
    l_t, taut, theta = prm.lambda_ * prm.theta, prm.tau / prm.theta, prm.theta
    last = prm.outer_iterations * prm.inner_iterations - 1
    i1x, i1y = centred_gradient(i1)
    stack = torch.stack((i1, i1x, i1y), dim=1)
    for _ in range(prm.warps):
        i1w, i1wx, i1wy = warp_bicubic(stack, state.u[:, 0], state.u[:, 1]).unbind(1)
        w = torch.stack((i1wx, i1wy), dim=1)  # (B, 2, H, W)
        g = (w * w).sum(1, keepdim=True)
        rho_c = (i1w - i0)[:, None] - (w * state.u).sum(1, keepdim=True)
        neg_inv_g = -1 / g.clamp_min(torch.finfo(g.dtype).eps)
        # the working set: pairs still iterating in this warp (gathered, so converged pairs cost nothing)
        active = torch.arange(i0.shape[0], device=i0.device)
        u, p = state.u, state.p
        du = torch.zeros_like(p)  # forward differences; the last column / row stay zero
        for n in range(last + 1):
            if n % prm.inner_iterations == 0 and prm.median_filtering > 1:
                u = median5(u)
            # (fewest full-size passes: addcmul for the 2-term dot product, a vectorised norm for the error,
            # add with alpha; each pass over these small maps costs about as much as the arithmetic)
            rho = torch.addcmul(rho_c, w[:, :1], u[:, :1]).addcmul_(w[:, 1:], u[:, 1:])
            step = rho.mul_(neg_inv_g).clamp_(-l_t, l_t) * w
            div = p[:, :, 0] + p[:, :, 1]
            div[..., :, 1:] -= p[:, :, 0, :, :-1]
            div[..., 1:, :] -= p[:, :, 1, :-1, :]
            step.add_(div, alpha=theta)
            error = torch.linalg.vector_norm(step, dim=(1, 2, 3)).square_()
            u = u + step
            torch.sub(u[..., :, 1:], u[..., :, :-1], out=du[:, :, 0, :, :-1])
            torch.sub(u[..., 1:, :], u[..., :-1, :], out=du[:, :, 1, :-1, :])
            norm = torch.hypot(du[:, :, 0], du[:, :, 1]).mul_(taut).add_(1)[:, :, None]
            p = torch.add(p, du, alpha=taut).div_(norm)
            stats["iterations"] += int(active.numel())
            done = error <= scaled_epsilon
            if n == last:
                done = torch.ones_like(done)
            if bool(done.any()):
                state.u[active[done]] = u[done]
                state.p[active[done]] = p[done]
                if bool(done.all()):
                    break
                keep = ~done
                active = active[keep]
                u, p, du, w, rho_c, neg_inv_g = (t[keep] for t in (u, p, du, w, rho_c, neg_inv_g))


def tvl1(i0: torch.Tensor, i1: torch.Tensor, params: TVL1Params = TVL1Params(), stats: dict | None = None
         ) -> torch.Tensor:
    """Flow from ``i0`` to ``i1``: grayscale (B, H, W) or (H, W), uint8 or float on the 0-255 scale.

    Returns (B, 2, H, W) float32 (x then y, pixels; OpenCV's sign: content moving right gives positive x).
    ``stats`` (optional dict) receives the number of primal-dual iterations summed over pairs and levels.
    """
    single = i0.dim() == 2
    if single:
        i0, i1 = i0[None], i1[None]
    if i0.shape != i1.shape or i0.dim() != 3:
        raise ValueError(f"expected two (B, H, W) grayscale batches of one shape, got {tuple(i0.shape)} and "
                         f"{tuple(i1.shape)}")
    if min(i0.shape[-2:]) < 3:
        raise ValueError(f"images must be at least 3x3, got {tuple(i0.shape[-2:])}")
    stats = stats if stats is not None else {}
    stats.setdefault("iterations", 0)
    levels = [(i0.float()[:, None], i1.float()[:, None])]
    for _ in range(1, params.nscales):
        a, b = (_resize_like_opencv(x, params.scale_step) for x in levels[-1])
        if min(a.shape[-2:]) < 16:
            break
        levels.append((a, b))
    state = None
    for depth in range(len(levels) - 1, -1, -1):
        a, b = levels[depth][0][:, 0], levels[depth][1][:, 0]
        if state is None:
            state = _Level(a.new_zeros(a.shape[0], 2, *a.shape[-2:]))
        else:
            state = _Level(F.interpolate(state.u, size=a.shape[-2:], mode="bilinear", align_corners=False)
                           / params.scale_step)
        _one_level(a, b, state, params, stats)
    return state.u[0] if single else state.u
