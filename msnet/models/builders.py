"""Registered model builders: a few lines each, defaults merged under the caller's overrides.

Names follow the paper's rows: ``tsn_*`` (no shift), ``tsm_*`` (temporal shift),
``msnet_*`` (one MS module, after res3 / stage3 / mixed_3b by default), ``msnet_tsn_*``
(MS on a backbone without shift, Fig. 5), ``cp_r18`` (TSM-R18 + CP after res3, Table 8),
``twostream_tsm_*`` (RGB + flow TSM, Tables 1, 2, 6), ``repflow_r50`` (ResNet-50 +
Rep-flow, Table 2), ``mobilenetv2`` / ``tsm_mobilenetv2`` / ``msnet_mobilenetv2`` and
``i3d`` / ``msnet_i3d`` (Fig. 5).

Every builder takes ``num_classes`` (174), ``num_frames`` (8) and the backbone's options;
models with an inserted module take its options as a dict named after it (``ms``, ``cp``,
``repflow``), including ``position``.
"""

from __future__ import annotations

from typing import Callable

import torch

from msnet.core.errors import BadValue, UnknownOption
from msnet.models.cp_module import CorrespondenceProposal
from msnet.models.i3d import I3D, INCEPTION, inception_out_channels
from msnet.models.mobilenet_v2 import STAGE_CHANNELS as MOBILENET_CHANNELS
from msnet.models.mobilenet_v2 import VideoMobileNetV2
from msnet.models.ms_module import MotionSqueeze
from msnet.models.registry import check_kwargs, module_options, register_model
from msnet.models.rep_flow import RepFlowModule
from msnet.models.resnet import STAGE_CHANNELS, STAGES, VideoResNet
from msnet.models.two_stream import TwoStream

INSERTABLE = {"ms": MotionSqueeze, "cp": CorrespondenceProposal, "repflow": RepFlowModule}


def _inserts(overrides: dict, kind: str | None, channels: Callable[[str], int], position: str, num_frames: int, **defaults) -> dict:
    """Pop ``overrides[<module kind>]`` and build the module(s) it asks for, keyed by position.

    The modules draw their initial weights from a stream of their own (seeded from the current seed and their
    position), so inserting them leaves the backbone's and classifier's draws untouched: with the same seed, TSM and
    MSNet start from identical weights in every layer they share, and paired comparisons by seed compare modules,
    not initialisations."""
    for other in INSERTABLE:
        if other != kind and other in overrides:
            raise UnknownOption(f"{other}.* overrides do not apply to this model")
    if kind is None:
        return {}
    options = {**defaults, **module_options(INSERTABLE[kind], overrides.pop(kind, None), kind)}
    positions = options.pop("position", position)
    positions = [positions] if isinstance(positions, str) else list(positions)
    built = {}
    for position in positions:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed((torch.initial_seed() + sum(map(ord, position))) % 2**63)
            built[position] = INSERTABLE[kind](channels(position), num_frames, **options)
    return built


def _channels_from(table: dict[str, int]) -> Callable[[str], int]:
    """Channel lookup by position name that names the valid positions when it fails."""

    def channels(position: str) -> int:
        if position not in table:
            raise BadValue(f"unknown position {position!r}; choose from {tuple(table)}")
        return table[position]

    return channels


def _resnet_channels(depth: int) -> Callable[[str], int]:
    return _channels_from(dict(zip(STAGES, STAGE_CHANNELS[depth])))


def _create_video_resnet(depth: int, overrides: dict, *, shift: bool, insert: str | None = None) -> VideoResNet:
    overrides = {"shift": shift, **overrides}
    frames = overrides.get("num_frames", 8)
    inserts = _inserts(overrides, insert, _resnet_channels(depth), "res3", frames)
    check_kwargs(VideoResNet.__init__, overrides, "model")
    return VideoResNet(depth, inserts=inserts, **overrides)


def _create_two_stream(depth: int, overrides: dict) -> TwoStream:
    overrides = dict(overrides)
    length = overrides.pop("flow_length", 5)
    shift = overrides.pop("shift", True)
    rgb = _create_video_resnet(depth, overrides, shift=shift)
    flow = _create_video_resnet(depth, {**overrides, "in_channels": 2 * length}, shift=shift)
    return TwoStream(rgb, flow, flow_length=length)


def _create_mobilenet(overrides: dict, *, shift: bool, insert: str | None = None) -> VideoMobileNetV2:
    overrides = {"shift": shift, **overrides}
    inserts = _inserts(
        overrides, insert, _channels_from(MOBILENET_CHANNELS), "stage3", overrides.get("num_frames", 8), reduction_channels=0
    )
    check_kwargs(VideoMobileNetV2.__init__, overrides, "model")
    return VideoMobileNetV2(inserts=inserts, **overrides)


def _create_i3d(overrides: dict, *, insert: str | None = None) -> I3D:
    overrides = dict(overrides)
    channels = _channels_from({name: inception_out_channels(name) for name in INCEPTION})
    inserts = _inserts(overrides, insert, channels, "mixed_3b", overrides.get("num_frames", 8))
    check_kwargs(I3D.__init__, overrides, "model")
    return I3D(inserts=inserts, **overrides)


@register_model
def tsn_r18(**overrides) -> VideoResNet:
    """TSN ResNet-18 (no temporal modelling but the average consensus)."""
    return _create_video_resnet(18, overrides, shift=False)


@register_model
def tsn_r50(**overrides) -> VideoResNet:
    """TSN ResNet-50 (also Table 2's 32-frame 'ResNet-50')."""
    return _create_video_resnet(50, overrides, shift=False)


@register_model
def tsm_r18(**overrides) -> VideoResNet:
    """TSM ResNet-18 (the paper's ablation baseline)."""
    return _create_video_resnet(18, overrides, shift=True)


@register_model
def tsm_r50(**overrides) -> VideoResNet:
    """TSM ResNet-50."""
    return _create_video_resnet(50, overrides, shift=True)


@register_model
def msnet_r18(**overrides) -> VideoResNet:
    """MSNet-R18: TSM ResNet-18 + MS after res3 (the released code's default)."""
    return _create_video_resnet(18, overrides, shift=True, insert="ms")


@register_model
def msnet_r50(**overrides) -> VideoResNet:
    """MSNet-R50: TSM ResNet-50 + MS after res3 (the paper's headline model)."""
    return _create_video_resnet(50, overrides, shift=True, insert="ms")


@register_model
def msnet_tsn_r18(**overrides) -> VideoResNet:
    """ResNet-18 without temporal shift + MS after res3 (Fig. 5, 'ResNet-18 + MS')."""
    return _create_video_resnet(18, overrides, shift=False, insert="ms")


@register_model
def cp_r18(**overrides) -> VideoResNet:
    """TSM ResNet-18 + one CP module after res3 (supplementary Table 8)."""
    return _create_video_resnet(18, overrides, shift=True, insert="cp")


@register_model
def repflow_r50(**overrides) -> VideoResNet:
    """ResNet-50 + a Rep-flow layer after res3, 20 iterations (Table 2's 'Rep-flow (ResNet-50)')."""
    return _create_video_resnet(50, overrides, shift=False, insert="repflow")


@register_model
def twostream_tsm_r18(**overrides) -> TwoStream:
    """Two-stream TSM ResNet-18: RGB + flow stream of ``flow_length`` fields (Table 6; 5 or 1)."""
    return _create_two_stream(18, overrides)


@register_model
def twostream_tsm_r50(**overrides) -> TwoStream:
    """Two-stream TSM ResNet-50 (Table 1; ``shift=false`` gives Table 2's ResNet-50 two-stream)."""
    return _create_two_stream(50, overrides)


@register_model
def mobilenetv2(**overrides) -> VideoMobileNetV2:
    """TSN MobileNet-V2 (Fig. 5)."""
    return _create_mobilenet(overrides, shift=False)


@register_model
def tsm_mobilenetv2(**overrides) -> VideoMobileNetV2:
    """TSM MobileNet-V2."""
    return _create_mobilenet(overrides, shift=True)


@register_model
def msnet_mobilenetv2(**overrides) -> VideoMobileNetV2:
    """MobileNet-V2 + MS after stage3, no reduction layer (Fig. 5)."""
    return _create_mobilenet(overrides, shift=False, insert="ms")


@register_model
def i3d(**overrides) -> I3D:
    """I3D Inception-v1 with a 1x7x7 stem (Fig. 5)."""
    return _create_i3d(overrides)


@register_model
def msnet_i3d(**overrides) -> I3D:
    """I3D + MS after mixed_3b ('Inc(b)', Fig. 5)."""
    return _create_i3d(overrides, insert="ms")
