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
    raise ValueError(f"{type(model).__name__} has no MS module")


def displacement_maps(model: torch.nn.Module, clip: torch.Tensor) -> torch.Tensor:
    """(T, 3, S, S) normalised clip -> the first MS module's (T, channels, h, w) displacement tensor."""
    ms = first_ms_module(model)
    captured = {}
    handle = ms.register_forward_pre_hook(lambda module, args: captured.setdefault("x", args[0]))
    try:
        with torch.no_grad():
            model.eval()(clip)
            return ms.motion(captured["x"])
    finally:
        handle.remove()


def _geometry(frames: np.ndarray, flow: np.ndarray, dataset: str, crop: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames and flow through evaluation's resize and centre crop; flow values scaled with the image."""
    transform = recipe(dataset, train=False, crop=crop)
    clip, _ = transform(torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous(), 0, np.random.default_rng(0))
    field = torch.from_numpy(flow).permute(0, 3, 1, 2).float()  # (pairs, 2, H, W)
    height, width = field.shape[-2:]
    field = resize(field, transform.resize) if transform.resize is not None else field
    field = field * torch.tensor([field.shape[-1] / width, field.shape[-2] / height]).view(1, 2, 1, 1)
    return clip[0], center_crop(field, crop)


def _display(frames: np.ndarray, dataset: str, crop: int) -> np.ndarray:
    """uint8 frames as the network saw them (resize, centre crop), for drawing beside the maps."""
    transform = recipe(dataset, train=False, crop=crop)
    clip = torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous()
    clip = resize(clip, transform.resize) if transform.resize is not None else clip
    return center_crop(clip, crop).permute(0, 2, 3, 1).numpy()


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
        truth_full = ground_truth_flow(video.affine[picks], video.ids[picks])  # (T-1, H, W, 2), between picks
        clip, truth = _geometry(video.frames[picks], truth_full, dataset, crop)
        example = {"label": names[video.label], "frames": _display(video.frames[picks], dataset, crop), "truth": truth}
        for name, model in models.items():
            maps = displacement_maps(model, clip)
            ms = first_ms_module(model)
            h = maps.shape[-1]
            cell = crop / h
            unit = (ms.correlation.patch_size - 1) // 2 * ms.correlation.dilation * cell
            estimate = maps[:-1, :2] * unit  # the last frame repeats the previous pair's motion
            truth_cells = F.avg_pool2d(truth, kernel_size=int(cell)) if cell > 1 else truth
            per_model[name].append({"class": names[video.label], **_errors(estimate, truth_cells)})
            example[name] = {"estimate": estimate, "confidence": maps[:-1, 2] if maps.shape[1] > 2 else None}
        if index < keep:
            examples.append(example)
    return {"summary": {name: _summarise(rows) for name, rows in per_model.items()}, "examples": examples,
            "videos": videos, "seed": seed, "frames": frames, "crop": crop, "moving_threshold_px": MOVING}


def video_example(model: torch.nn.Module, path: str, frames: int, crop: int, dataset: str = "ssv1") -> dict:
    """A real video's sampled frames and the MS displacement and confidence maps (no ground truth), for Fig. 6."""
    from msnet.data.video_io import VideoError, decode_all

    try:
        decoded = decode_all(path)
    except VideoError as err:  # the CLI reports ValueErrors as one line naming the file
        raise ValueError(str(err)) from err
    if len(decoded) < 2:
        raise ValueError(f"{path}: {len(decoded)} frame(s); the MS module needs at least two")
    picks = segment_val(len(decoded), frames)[0] - 1
    clip, _ = recipe(dataset, train=False, crop=crop)(torch.from_numpy(decoded[picks]).permute(0, 3, 1, 2).contiguous(),
                                                     0, np.random.default_rng(0))
    maps = displacement_maps(model, clip[0])
    ms = first_ms_module(model)
    unit = (ms.correlation.patch_size - 1) // 2 * ms.correlation.dilation * crop / maps.shape[-1]
    return {"label": Path(path).name, "frames": _display(decoded[picks], dataset, crop), "truth": None,
            "model": {"estimate": maps[:-1, :2] * unit, "confidence": maps[:-1, 2] if maps.shape[1] > 2 else None}}


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
