"""Does the MS module estimate motion? Its displacement maps against the synthetic benchmark's exact motion.

For synthetic videos generated in-process (the benchmark's generator, a seed outside the training set), clips are
sampled and transformed as evaluation does (TSN centre sampling, the dataset's resize and centre crop), passed
through an MSNet, and the first MS module's displacement tensor is read (its input captured by a hook, then
``MotionSqueeze.motion``). Displacements are in units of the window radius ``k`` feature cells; one cell is
``crop / h`` input pixels, so ``(dx, dy) * k * dilation * crop / h`` is the estimate in input pixels. The ground truth
(``ground_truth_flow`` between the two sampled frames) goes through the same resize and crop, its values scaled with
the image, and is averaged over each feature cell. Reported: end-point error over all cells and over moving cells
(ground truth >= 0.5 px), the zero-motion baseline's EPE, the cosine between estimate and truth on moving cells, per
class, for the trained module and for the same architecture untrained (random initialisation, seed 0).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from msnet.core.errors import BadValue
from msnet.data.motion_classes import class_names
from msnet.data.sampling import segment_val
from msnet.data.synthetic import SynthConfig, generate_video, ground_truth_flow
from msnet.data.transforms import center_crop, recipe, resize
from msnet.models.ms_module import MotionSqueeze

MOVING = 0.5  # px: a cell counts as moving from this ground-truth displacement on


def first_ms_module(model: torch.nn.Module) -> MotionSqueeze:
    for module in model.modules():
        if isinstance(module, MotionSqueeze):
            return module
    raise BadValue(f"{type(model).__name__} has no MS module")


def displacement_maps(model: torch.nn.Module, clip: torch.Tensor, crop: int) -> torch.Tensor:
    """(T, 3, S, S) normalised clip -> the first MS module's (T - 1, channels, h, w) output for each frame pair, the
    displacement in input pixels (the last frame only repeats the previous pair's motion)."""
    ms = first_ms_module(model)
    captured = {}
    handle = ms.register_forward_pre_hook(lambda module, args: captured.setdefault("x", args[0]))
    try:
        with torch.no_grad():
            model.eval()(clip)
            maps = ms.motion(captured["x"])[:-1]
    finally:
        handle.remove()
    window_radius = (ms.correlation.patch_size - 1) // 2 * ms.correlation.dilation
    maps[:, :2] *= window_radius * crop / maps.shape[-1]  # window units -> feature cells -> input pixels
    return maps


def _network_input(frames: np.ndarray, dataset: str, crop: int) -> tuple[torch.Tensor, np.ndarray]:
    """(T, H, W, 3) uint8 frames -> the normalised clip evaluation feeds the network, and its uint8 frames to draw."""
    transform = recipe(dataset, train=False, crop=crop)
    clip = torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous()
    views, _ = transform(clip, 0, np.random.default_rng(0))  # exactly evaluation's input (one view)
    shown = center_crop(resize(clip, transform.resize) if transform.resize is not None else clip, crop)
    return views[0], shown.permute(0, 2, 3, 1).numpy()


def _truth_on_input(flow: np.ndarray, dataset: str, crop: int) -> torch.Tensor:
    """(pairs, H, W, 2) ground truth through evaluation's resize and centre crop, its values scaled with the image."""
    transform = recipe(dataset, train=False, crop=crop)
    field = torch.from_numpy(flow).permute(0, 3, 1, 2).float()  # (pairs, 2, H, W)
    height, width = field.shape[-2:]
    field = resize(field, transform.resize) if transform.resize is not None else field
    field = field * torch.tensor([field.shape[-1] / width, field.shape[-2] / height]).view(1, 2, 1, 1)
    return center_crop(field, crop)


def _example(label: str, shown: np.ndarray, truth: torch.Tensor | None, maps: dict[str, torch.Tensor]) -> dict:
    """What Fig. 6 draws of one video: frames, truth, and each model's displacement (pixels) and confidence."""
    return {"label": label, "frames": shown, "truth": truth,
            **{name: {"estimate": m[:, :2], "confidence": m[:, 2] if m.shape[1] > 2 else None} for name, m in maps.items()}}


def _errors(estimate: torch.Tensor, truth: torch.Tensor) -> dict:
    """EPE over all and moving cells, zero-motion EPE and cosine on moving cells; (pairs, 2, h, w) tensors."""
    error = (estimate - truth).norm(dim=1)
    size = truth.norm(dim=1)
    moving = size >= MOVING
    cosine = F.cosine_similarity(estimate, truth, dim=1, eps=1e-6)
    return {"epe": error.mean().item(), "epe_moving": error[moving].mean().item() if moving.any() else None,
            "zero_epe": size.mean().item(), "zero_epe_moving": size[moving].mean().item() if moving.any() else None,
            "cosine_moving": cosine[moving].mean().item() if moving.any() else None,
            "moving_fraction": moving.float().mean().item()}


def probe(models: dict[str, torch.nn.Module], frames: int, crop: int, *, videos: int = 32, seed: int = 10_000,
          synth: SynthConfig | None = None, dataset: str = "ssv1", keep: int = 3) -> dict:
    """EPE of each model's MS displacement against the exact motion; ``keep`` example videos' maps for Fig. 6."""
    synth = synth or SynthConfig()
    names = class_names(synth.classes)
    per_model: dict[str, list[dict]] = defaultdict(list)
    examples = []
    for index in range(videos):
        video = generate_video(synth, seed, index)
        picks = segment_val(len(video.frames), frames)[0] - 1  # evaluation's centre frames, 0-based
        clip, shown = _network_input(video.frames[picks], dataset, crop)
        truth = _truth_on_input(ground_truth_flow(video.affine[picks], video.ids[picks]), dataset, crop)
        maps = {name: displacement_maps(model, clip, crop) for name, model in models.items()}
        for name, m in maps.items():
            cell = crop // m.shape[-1]
            truth_cells = F.avg_pool2d(truth, kernel_size=cell) if cell > 1 else truth
            per_model[name].append({"class": names[video.label], **_errors(m[:, :2], truth_cells)})
        if index < keep:
            examples.append(_example(names[video.label], shown, truth, maps))
    return {"summary": {name: _summarise(rows) for name, rows in per_model.items()}, "examples": examples,
            "videos": videos, "seed": seed, "frames": frames, "crop": crop, "moving_threshold_px": MOVING}


def motion_scale(frames: int, crop: int, *, videos: int = 64, seed: int = 10_000, synth: SynthConfig | None = None,
                 dataset: str = "ssv1", stride: int = 8) -> dict:
    """How far the true motion moves between the frames evaluation samples, per class, in input pixels and in feature
    cells of ``stride`` input pixels (res3: 8), with no model: what the MS module would have to resolve. Moving pixels
    only (>= 0.5 px); the pixels of the layer on top at the first frame of each pair."""
    synth = synth or SynthConfig()
    names = class_names(synth.classes)
    by_class: dict[str, list[torch.Tensor]] = defaultdict(list)
    for index in range(videos):
        video = generate_video(synth, seed, index)
        picks = segment_val(len(video.frames), frames)[0] - 1
        size = _truth_on_input(ground_truth_flow(video.affine[picks], video.ids[picks]), dataset, crop).norm(dim=1)
        by_class[names[video.label]].append(size[size >= MOVING])
    rows = {}
    for name in names:
        pixels = torch.cat(by_class[name]) if by_class[name] else torch.zeros(0)
        median = pixels.median().item() if pixels.numel() else None
        rows[name] = {"videos": len(by_class[name]), "moving_pixels": pixels.numel(),
                      **({"median_px": round(median, 2), "p90_px": round(pixels.quantile(0.9).item(), 2),
                          "median_cells": round(median / stride, 3),
                          "at_least_half_cell": round((pixels >= stride / 2).float().mean().item(), 3),
                          "at_least_one_cell": round((pixels >= stride).float().mean().item(), 3)}
                         if pixels.numel() else {})}
    return {"frames": frames, "crop": crop, "stride": stride, "videos": videos, "seed": seed,
            "moving_threshold_px": MOVING, "synthetic": synth.to_dict(), "per_class": rows}


def video_example(model: torch.nn.Module, path: str, frames: int, crop: int, dataset: str = "ssv1") -> dict:
    """A real video's sampled frames and the MS displacement and confidence maps (no ground truth), for Fig. 6."""
    from msnet.data.video_io import VideoError, decode_all

    try:
        decoded = decode_all(path)
    except VideoError as err:  # the CLI reports ValueErrors as one line naming the file
        raise BadValue(str(err)) from err
    if len(decoded) < 2:
        raise BadValue(f"{path}: {len(decoded)} frame(s); the MS module needs at least two")
    picks = segment_val(len(decoded), frames)[0] - 1
    clip, shown = _network_input(decoded[picks], dataset, crop)
    return _example(Path(path).name, shown, None, {"model": displacement_maps(model, clip, crop)})


def _summarise(rows: list[dict]) -> dict:
    def mean(key, subset):
        values = [r[key] for r in subset if r[key] is not None]
        return round(statistics.fmean(values), 4) if values else None

    keys = ("epe", "epe_moving", "zero_epe", "zero_epe_moving", "cosine_moving")
    by_class = defaultdict(list)
    for row in rows:
        by_class[row["class"]].append(row)
    return {**{k: mean(k, rows) for k in keys},
            "per_class": {c: {"videos": len(r), **{k: mean(k, r) for k in keys}} for c, r in sorted(by_class.items())}}
