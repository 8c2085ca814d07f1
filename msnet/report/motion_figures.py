"""Fig. 6 (frames, colour-coded displacement and confidence maps of the MS module) and the motion-estimate figure
(the module's end-point error against the synthetic ground truth, per class, trained against untrained).

Colours follow the standard optical-flow wheel (torchvision's ``flow_to_image``: hue = direction, saturation =
speed); within one example the ground truth and every model's estimate share one speed scale, so colours compare.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torchvision.utils import flow_to_image  # noqa: E402


def _colour(fields: list[torch.Tensor], size: int) -> list[np.ndarray]:
    """(2, h, w) fields, upsampled to ``size`` (nearest: one colour per feature cell), on one shared scale."""
    stacked = torch.stack([F.interpolate(f[None].float(), size=(size, size), mode="nearest")[0] for f in fields])
    return list(flow_to_image(stacked).permute(0, 2, 3, 1).numpy())


def fig6(examples: list[dict], models: list[str], pair: int = 3):
    """One row per example: frame t, frame t+1, ground truth (synthetic only), each model's displacement and
    confidence for that frame pair."""
    with_truth = any(e["truth"] is not None for e in examples)
    columns = 2 + with_truth + 2 * len(models)
    fig, axes = plt.subplots(len(examples), columns, figsize=(1.9 * columns, 2.0 * len(examples)), squeeze=False)
    for row, example in zip(axes, examples):
        frames = example["frames"]
        size = frames.shape[1]
        t = min(pair, len(frames) - 2)
        fields = ([example["truth"][t]] if example["truth"] is not None else []) + [example[m]["estimate"][t] for m in models]
        colours = _colour(fields, size)
        panels = [(frames[t], "frame t"), (frames[t + 1], "frame t+1")]
        if with_truth:
            panels.append((colours.pop(0), "ground truth") if example["truth"] is not None else (None, "no ground truth"))
        for model in models:
            confidence = example[model]["confidence"]
            panels.append((colours.pop(0), f"{model}: displacement"))
            panels.append((None if confidence is None else confidence[t].numpy(), f"{model}: confidence"))
        for ax, (image, title) in zip(row, panels):
            ax.set_axis_off()
            ax.set_title(title, fontsize=7)
            if image is not None:
                ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
        row[0].text(-0.1, 0.5, example["label"], transform=row[0].transAxes, rotation=90, va="center", ha="right",
                    fontsize=6)
    fig.suptitle("Fig. 6: MS displacement (flow colour wheel, shared scale per row) and confidence, first MS module",
                 fontsize=8, y=1.0 + 0.06 / len(examples))
    return fig


def epe_figure(summary: dict):
    """Per class: EPE on moving cells of each model and of zero motion (left); cosine to the truth (right)."""
    models = list(summary)
    classes = list(summary[models[0]]["per_class"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.32 * len(classes) + 1.8), sharey=True)
    y = np.arange(len(classes))
    height = 0.8 / (len(models) + 1)
    for i, model in enumerate(models):
        per_class = summary[model]["per_class"]
        left.barh(y + i * height, [per_class[c]["epe_moving"] or 0 for c in classes], height, label=model)
        right.barh(y + i * height, [per_class[c]["cosine_moving"] or 0 for c in classes], height, label=model)
    zero = summary[models[0]]["per_class"]
    left.barh(y + len(models) * height, [zero[c]["zero_epe_moving"] or 0 for c in classes], height,
              color="lightgray", label="zero motion")
    left.set_yticks(y + 0.4 - height / 2, classes, fontsize=7)
    left.invert_yaxis()
    left.set_xlabel("end-point error on moving cells (input pixels; lower is better)")
    right.set_xlabel("cosine between estimate and truth on moving cells (1 = same direction)")
    right.axvline(0, color="black", linewidth=0.5)
    left.legend(fontsize=7)
    fig.suptitle("Does the MS module estimate motion? Its displacement against the synthetic ground truth", fontsize=9)
    return fig
