"""What a checkpoint says about its model, so evaluation rebuilds exactly the network that was trained."""

from __future__ import annotations

from msnet.models.factory import create_model


def build_model(spec: dict, load_pretrained: bool = False):
    """``spec``: model, frames, num_classes, dropout, overrides, pretrained. ImageNet weights are loaded only when
    training starts (``load_pretrained``); evaluation replaces every weight from the checkpoint anyway."""
    return create_model(spec["model"], num_frames=spec["frames"], num_classes=spec["num_classes"],
                        dropout=spec["dropout"], pretrained=spec.get("pretrained") if load_pretrained else None,
                        **spec.get("overrides", {}))
