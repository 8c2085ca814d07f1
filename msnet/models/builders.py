"""Registered model builders: a few lines each, defaults merged under the caller's overrides.

Names follow the paper's rows: ``tsn_*`` (no shift), ``tsm_*`` (temporal shift),
``msnet_*`` (TSM + one MS module after res3), ``msnet_tsn_*`` (MS on a plain ResNet,
Fig. 5). Every builder takes ``num_classes`` (174), ``num_frames`` (8), ``pretrained``
(None), ``dropout``, ``head`` and, for MSNet, ``ms`` (a dict of MotionSqueeze options plus
``position``).
"""

from __future__ import annotations

from msnet.models.registry import check_kwargs, check_ms_kwargs, register_model
from msnet.models.resnet import VideoResNet


def _create_video_resnet(depth: int, overrides: dict, *, shift: bool, with_ms: bool) -> VideoResNet:
    overrides = dict(overrides)
    ms = check_ms_kwargs(overrides.pop("ms", None) or {})
    if ms and not with_ms:
        raise TypeError("ms.* overrides apply to msnet_* models only")
    check_kwargs(VideoResNet.__init__, overrides, "model")
    if with_ms:
        overrides.setdefault("ms_position", ms.pop("position", ("res3",)))
        overrides["ms"] = ms
    return VideoResNet(depth, **{"shift": shift, **overrides})


@register_model
def tsn_r18(**overrides) -> VideoResNet:
    """TSN ResNet-18 (no temporal modelling but the average consensus)."""
    return _create_video_resnet(18, overrides, shift=False, with_ms=False)


@register_model
def tsn_r50(**overrides) -> VideoResNet:
    """TSN ResNet-50."""
    return _create_video_resnet(50, overrides, shift=False, with_ms=False)


@register_model
def tsm_r18(**overrides) -> VideoResNet:
    """TSM ResNet-18 (the paper's ablation baseline)."""
    return _create_video_resnet(18, overrides, shift=True, with_ms=False)


@register_model
def tsm_r50(**overrides) -> VideoResNet:
    """TSM ResNet-50."""
    return _create_video_resnet(50, overrides, shift=True, with_ms=False)


@register_model
def msnet_r18(**overrides) -> VideoResNet:
    """MSNet-R18: TSM ResNet-18 + MS after res3 (the released code's default)."""
    return _create_video_resnet(18, overrides, shift=True, with_ms=True)


@register_model
def msnet_r50(**overrides) -> VideoResNet:
    """MSNet-R50: TSM ResNet-50 + MS after res3 (the paper's headline model)."""
    return _create_video_resnet(50, overrides, shift=True, with_ms=True)


@register_model
def msnet_tsn_r18(**overrides) -> VideoResNet:
    """ResNet-18 without temporal shift + MS after res3 (Fig. 5, 'ResNet-18 + MS')."""
    return _create_video_resnet(18, overrides, shift=False, with_ms=True)
