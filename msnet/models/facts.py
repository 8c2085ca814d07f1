"""What each registered model is, declared once and readable without building it (or importing torch).

The workflow decides at parse time which rows have an MS module (they are counted in both MS specs) and which
backbone's pretrained weights a row starts from; the cost, run-time and report stages say the same things about
results. All of them ask :func:`model_facts`. Builders register under these names (``msnet.models.registry``
refuses a builder without facts here), and ``tests/test_model_facts.py`` builds every model and checks it is what
its facts say.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from msnet.core.errors import UnknownName

INSERTABLE_KINDS = ("ms", "cp", "repflow")
"""Modules a builder can insert after a backbone stage: MS (this paper), CP (Table 8), Rep-flow (Table 2)."""


@dataclass(frozen=True)
class ModelFacts:
    """Declared facts of one registered model.

    ``backbone``: the torchvision 2D network whose weights initialise it (ImageNet's, or the appearance-pretraining
    stage's), None if none (I3D trains from scratch). ``family``: the backbone's implementation (``resnet``,
    ``mobilenet_v2``, ``i3d``). ``temporal_shift``: TSM's shift in the blocks. ``inserted``: module kind -> the stage
    it goes after by default (a row may move it with ``<kind>.position``). ``streams``: ``("rgb",)``, or
    ``("rgb", "flow")`` for a two-stream network whose input is RGB plus 2 x flow_length channels. ``head``: how
    per-frame features become clip scores.
    """

    backbone: str | None
    family: str
    temporal_shift: bool
    inserted: dict[str, str] = field(default_factory=dict)
    streams: tuple[str, ...] = ("rgb",)
    head: str = "average consensus of per-frame logits"

    def has(self, kind: str) -> bool:
        """Whether the model inserts a module of ``kind`` (one of :data:`INSERTABLE_KINDS`)."""
        if kind not in INSERTABLE_KINDS:
            raise ValueError(f"unknown module kind {kind!r}; choose from {INSERTABLE_KINDS}")
        return kind in self.inserted

    def as_dict(self) -> dict:
        """JSON-ready facts, as results record them."""
        return {**asdict(self), "streams": list(self.streams)}


def _resnet(depth: int, *, shift: bool, insert: str | None = None) -> ModelFacts:
    return ModelFacts(f"resnet{depth}", "resnet", shift, {insert: "res3"} if insert else {})


def _mobilenet(*, shift: bool, insert: str | None = None) -> ModelFacts:
    return ModelFacts("mobilenet_v2", "mobilenet_v2", shift, {insert: "stage3"} if insert else {})


def _i3d(*, insert: str | None = None) -> ModelFacts:
    return ModelFacts(None, "i3d", False, {insert: "mixed_3b"} if insert else {},
                      head="3D convolutions; logits averaged over time and space")


def _two_stream(depth: int) -> ModelFacts:
    return ModelFacts(f"resnet{depth}", "resnet", True, streams=("rgb", "flow"),
                      head="average of the two streams' scores (each an average consensus)")


MODELS: dict[str, ModelFacts] = {
    "tsn_r18": _resnet(18, shift=False),
    "tsn_r50": _resnet(50, shift=False),
    "tsm_r18": _resnet(18, shift=True),
    "tsm_r50": _resnet(50, shift=True),
    "msnet_r18": _resnet(18, shift=True, insert="ms"),
    "msnet_r50": _resnet(50, shift=True, insert="ms"),
    "msnet_tsn_r18": _resnet(18, shift=False, insert="ms"),
    "cp_r18": _resnet(18, shift=True, insert="cp"),
    "repflow_r50": _resnet(50, shift=False, insert="repflow"),
    "twostream_tsm_r18": _two_stream(18),
    "twostream_tsm_r50": _two_stream(50),
    "mobilenetv2": _mobilenet(shift=False),
    "tsm_mobilenetv2": _mobilenet(shift=True),
    "msnet_mobilenetv2": _mobilenet(shift=False, insert="ms"),
    "i3d": _i3d(),
    "msnet_i3d": _i3d(insert="ms"),
}


def model_facts(name: str) -> ModelFacts:
    """The declared facts of registered model ``name``."""
    if name not in MODELS:
        raise UnknownName(f"unknown model {name!r}; registered: {', '.join(sorted(MODELS))}")
    return MODELS[name]


def models_have(models: str, kind: str) -> bool:
    """Whether the model named in a result's ``model`` field inserts a module of ``kind``; an ensemble's field
    (``"msnet_r50 + msnet_r50"``) has it when any member does."""
    return any(model_facts(name.strip()).has(kind) for name in models.split(" + "))
