"""Accuracy from per-video scores: top-k, per-class accuracy, confusion matrix (rows = true class)."""

from __future__ import annotations

import torch


def topk_correct(scores: torch.Tensor, labels: torch.Tensor, ks=(1, 5)) -> dict[int, int]:
    """Number of videos whose label is among the k best scores, for each k (k capped at the class count)."""
    top = scores.topk(min(max(ks), scores.shape[1]), dim=1).indices
    hit = top == labels[:, None]
    return {k: int(hit[:, :k].any(dim=1).sum()) for k in ks}


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    return torch.bincount(labels * classes + predicted, minlength=classes * classes).view(classes, classes)


def summarize(scores: torch.Tensor, labels: torch.Tensor, class_names: list[str]) -> dict:
    """Top-1/top-5 (percent), mean per-class accuracy and the confusion matrix of ``scores`` (videos, classes)."""
    if len(labels) == 0:
        raise ValueError("no video was evaluated")
    classes = len(class_names)
    correct = topk_correct(scores, labels)
    confusion = confusion_matrix(scores.argmax(1), labels, classes)
    per_video = confusion.sum(1)
    per_class = {name: (round(100 * float(confusion[i, i]) / int(per_video[i]), 2) if per_video[i] else None)
                 for i, name in enumerate(class_names)}
    present = [v for v in per_class.values() if v is not None]
    return {
        "videos": len(labels),
        "top1": round(100 * correct[1] / len(labels), 2),
        "top5": round(100 * correct[5] / len(labels), 2),
        "mean_class_accuracy": round(sum(present) / len(present), 2),
        "per_class": per_class,
        "confusion": confusion.tolist(),
    }
