"""Evaluate a trained checkpoint under one of the paper's protocols, and ensembles of evaluated models.

Scores are the model's logits averaged over a video's views (clips x crops), as TSM's and MSNet's test scripts do;
an ensemble averages its members' per-video scores (``softmax=True`` averages probabilities instead). Per-video
scores are saved next to the result so ensembles never re-run a model.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from msnet.core.errors import BadValue
from msnet.data.dataset import collate_skipping, read_skips
from msnet.data.flow_store import video_key
from msnet.train import checkpoint as ckpt
from msnet.train.clips import PROTOCOLS, class_names, evaluation_set
from msnet.train.metrics import summarize
from msnet.train.model_spec import build_model
from msnet.train.precision import autocast


@torch.inference_mode()
def predict(model, dataset, batch_size: int = 4, device: torch.device = torch.device("cpu"), workers: int = 1,
            progress: bool = True, desc: str = "eval", precision: str = "fp32") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-video scores (videos, classes), labels and dataset indices; skipped (lenient) videos are absent.
    ``precision``: the autocast the model was trained under (a bf16-trained model is evaluated in bf16)."""
    model.eval()
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=collate_skipping)
    scores, labels, indices = [], [], []
    for batch in tqdm(loader, desc=desc, disable=not progress, mininterval=10, leave=False):
        if batch is None:
            continue
        clips, label, index = batch
        b, views = clips.shape[:2]
        with autocast(device, precision):
            logits = model(clips.flatten(0, 2).to(device, non_blocking=True)).float()
        scores.append(logits.view(b, views, -1).mean(1).cpu())
        labels.append(label)
        indices.append(index)
    if not scores:
        raise RuntimeError("every video of the evaluation set was skipped")
    return torch.cat(scores), torch.cat(labels), torch.cat(indices)


def evaluate_checkpoint(path: str | Path, prepared: str | Path, protocol: str, *, batch_size: int = 4,
                        device: torch.device = torch.device("cpu"), workers: int = 1, split: str = "val",
                        lenient: bool = False, skip_log: str | Path | None = None, scores_out: str | Path | None = None,
                        progress: bool = True) -> dict:
    """Top-1/top-5/per-class/confusion of the model in checkpoint ``path`` on ``prepared``'s ``split``."""
    state = ckpt.load(path)
    spec = state["spec"]
    model = build_model(spec)
    model.load_state_dict(state["model"])
    model.to(device)
    start = time.time()
    data = evaluation_set(prepared, protocol, spec["frames"], spec["crop"], sampling=spec["sampling"],
                          split=split, lists=spec.get("lists", ""), flow_length=spec.get("flow_length", 0),
                          lenient=lenient, skip_log=skip_log)
    names = class_names(prepared)
    if len(names) != spec["num_classes"]:
        raise BadValue(f"{prepared}: {len(names)} classes but the checkpoint's classifier has {spec['num_classes']}")
    precision = state.get("identity", {}).get("recipe", {}).get("precision", "fp32")
    if precision == "fp16" and device.type != "cuda":
        precision = "fp32"  # float16 autocast is a CUDA feature; its CPU evaluation runs in float32 (recorded)
    scores, labels, indices = predict(model, data, batch_size, device, workers, progress, desc=f"eval {protocol}",
                                      precision=precision)
    result = {"protocol": protocol, "split": split, "sampling": PROTOCOLS[protocol], "checkpoint": str(path),
              "epoch": state.get("epoch"), "seed": state.get("identity", {}).get("seed"),
              **summarize(scores, labels, names),
              "listed": len(data), "skipped": len(read_skips(skip_log)) if skip_log else 0,
              "seconds": round(time.time() - start, 1), "device": str(device), "precision": precision}
    if scores_out:
        save_scores(scores_out, scores, labels, [data.items[i][0] for i in indices.tolist()])
    return result


def save_scores(path: str | Path, scores: torch.Tensor, labels: torch.Tensor, media: list[str]) -> None:
    ckpt.save_atomic({"scores": scores, "labels": labels, "media": media}, path)


def ensemble(paths: list[str | Path], class_list: list[str], softmax: bool = False) -> dict:
    """Average the saved per-video scores of several evaluations (the paper's 8f + 16f 'En' rows, and the two-stream
    late fusion of an RGB and a flow stream)."""
    members = [ckpt.load(p) for p in paths]
    first = members[0]
    order = {video_key(m): i for i, m in enumerate(first["media"])}  # RGB and flow entries of one video match
    total = torch.zeros_like(first["scores"])
    for path, member in zip(paths, members):
        keys = [video_key(m) for m in member["media"]]
        if set(keys) != set(order):
            raise BadValue(f"{path}: evaluated a different set of videos than {paths[0]}")
        index = torch.tensor([order[k] for k in keys])
        scores = member["scores"].softmax(1) if softmax else member["scores"]
        total[index] += scores
    return {"members": [str(p) for p in paths], "softmax": softmax, **summarize(total / len(members), first["labels"], class_list)}
