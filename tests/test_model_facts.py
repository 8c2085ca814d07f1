"""Each model's declared facts (msnet/models/facts.py) against the model its builder makes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from msnet import create_model, list_models
from msnet.models.backbone import VideoBackbone
from msnet.models.cp_module import CorrespondenceProposal
from msnet.models.facts import MODELS, ModelFacts, model_facts, models_have
from msnet.models.ms_module import MotionSqueeze
from msnet.models.registry import register_model
from msnet.models.rep_flow import RepFlowModule
from msnet.models.temporal_shift import TemporalShift

KINDS = {MotionSqueeze: "ms", CorrespondenceProposal: "cp", RepFlowModule: "repflow"}
FAMILIES = {"VideoResNet": "resnet", "VideoMobileNetV2": "mobilenet_v2", "I3D": "i3d"}


def disagreements(model: torch.nn.Module, facts: ModelFacts) -> list[str]:
    """Where a built model is not what ``facts`` declare (empty when it is)."""
    found = []
    streams = [model.rgb, model.flow] if hasattr(model, "flow_length") else [model]
    if ("flow" in facts.streams) != (len(streams) == 2):
        found.append(f"streams {facts.streams} but {len(streams)} network(s)")
    for net in streams:
        family = FAMILIES.get(type(net).__name__)
        if family != facts.family:
            found.append(f"family {facts.family} but {type(net).__name__}")
            continue
        if not isinstance(net, VideoBackbone):
            found.append(f"{type(net).__name__} lacks the VideoBackbone interface")
            continue
        inserted = {KINDS[type(m)]: position for position, m in net.inserted_modules().items()}
        if inserted != facts.inserted:
            found.append(f"inserted {facts.inserted} but built {inserted}")
        if any(isinstance(m, TemporalShift) for m in net.modules()) != facts.temporal_shift:
            found.append(f"temporal_shift {facts.temporal_shift} but the network disagrees")
        depth = {"resnet18": 18, "resnet50": 50}.get(facts.backbone)
        if depth is not None and net.depth != depth:
            found.append(f"backbone {facts.backbone} but depth {net.depth}")
    return found


def test_every_registered_model_has_facts_and_every_fact_a_model():
    assert set(list_models()) == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_built_model_is_what_its_facts_declare(name):
    model = create_model(name, num_classes=10)
    assert disagreements(model, model_facts(name)) == []


def test_wrong_facts_are_caught():
    """The check can fail: MSNet-R18 declared without its MS module, TSM-R18 declared without shift."""
    facts = model_facts("msnet_r18")
    assert disagreements(create_model("msnet_r18"), ModelFacts(facts.backbone, "resnet", True)) != []
    assert disagreements(create_model("tsm_r18"), ModelFacts("resnet18", "resnet", False)) != []
    assert disagreements(create_model("i3d"), model_facts("tsn_r18")) != []


def test_features_then_head_is_the_forward_pass():
    torch.manual_seed(0)
    for name in ("msnet_mobilenetv2", "msnet_i3d", "msnet_r18"):
        model = create_model(name, num_classes=5).eval()
        clip = torch.randn(8, 3, 64, 64)
        torch.testing.assert_close(model.forward_head(model.forward_features(clip)), model(clip), rtol=0, atol=0)


def test_a_builder_without_facts_is_refused():
    def unknown_net(**overrides):
        return None

    with pytest.raises(ValueError, match="declare them in msnet/models/facts.py"):
        register_model(unknown_net)


def test_models_have_reads_ensembles_and_refuses_unknown_models():
    assert models_have("tsm_r50 + msnet_r50", "ms") and not models_have("tsm_r50 + tsm_r50", "ms")
    assert models_have("cp_r18", "cp") and not models_have("cp_r18", "ms")
    with pytest.raises(KeyError, match="unknown model"):
        models_have("resnet_r18", "ms")
    with pytest.raises(ValueError, match="unknown module kind"):
        model_facts("msnet_r18").has("nonlocal")


def test_facts_and_registry_import_without_torch():
    """The workflow validates rows at parse time (every job on a cluster parses it): no torch import for that."""
    code = ("import sys, msnet.models.facts, msnet.models.registry, msnet.cluster_check; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
