"""Training recipes: the paper's text and the released scripts, every value traceable to one of them.

Where the two differ there are two named recipes (``*-paper`` and ``*-official``); ``docs/training.md`` lists each
difference. A recipe's ``lr`` is quoted at its ``base_batch``; the trainer scales it to the batch actually used
(``lr_scaling``: ``linear`` as TSM's README advises, ``sqrt`` as the MSNet Kinetics script's comment says, or
``none``) and logs the scaled value, since 0.01 at a batch of 8 from scratch does not learn (measured, see
``docs/synthetic.md``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

SCALINGS = ("linear", "sqrt", "none")
SCHEDULES = ("step", "cosine")


@dataclass(frozen=True)
class Recipe:
    """Optimisation and data settings of one training run (see the module docstring for ``lr``)."""

    name: str
    source: str                      # where each value comes from
    epochs: int
    lr: float
    base_batch: int
    lr_steps: tuple[int, ...] = ()   # x0.1 after each of these epochs (official: lr * 0.1 ** steps passed)
    schedule: str = "step"
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 5e-4
    clip_grad: float | None = 20.0   # total L2 norm (torch.nn.utils.clip_grad_norm_)
    dropout: float = 0.5
    batch_size: int = 48             # the batch actually used (the paper's 48 unless overridden)
    lr_scaling: str = "linear"
    sampling: str = "segment"        # training clips: 'segment' (TSN) or 'dense' (I3D); 'center' = the val clip
    augment: bool = True             # multi-scale crop (+ the dataset's flip policy)
    fc_lr5: bool = False             # TSM: an nn.Linear classifier trained from ImageNet gets lr x5 (weight), x10 (bias)
    init_from: str | None = None     # a dataset whose trained checkpoint initialises this run (HMDB-51 <- Kinetics)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.lr_scaling not in SCALINGS:
            raise ValueError(f"lr_scaling must be one of {SCALINGS}, got {self.lr_scaling!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.sampling not in ("segment", "dense", "center"):
            raise ValueError(f"sampling must be segment, dense or center, got {self.sampling!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ValueError(f"recipe {self.name}: epochs, batch_size and lr must be positive")
        if any(not 0 < s for s in self.lr_steps):
            raise ValueError(f"recipe {self.name}: lr_steps must be positive epochs, got {self.lr_steps}")

    @property
    def scaled_lr(self) -> float:
        """``lr`` at ``batch_size`` (from ``base_batch``) under ``lr_scaling``."""
        ratio = self.batch_size / self.base_batch
        return self.lr * {"linear": ratio, "sqrt": math.sqrt(ratio), "none": 1.0}[self.lr_scaling]

    def lr_at(self, epoch: int, step: int = 0, steps_per_epoch: int = 1) -> float:
        """Learning rate for (epoch, step within epoch): step decay per epoch as the official code, or cosine."""
        if self.schedule == "step":
            return self.scaled_lr * 0.1 ** sum(epoch >= s for s in self.lr_steps)
        progress = (epoch + step / max(steps_per_epoch, 1)) / self.epochs
        return 0.5 * self.scaled_lr * (1 + math.cos(math.pi * progress))

    def describe(self) -> str:
        return (f"{self.name}: lr {self.lr} at batch {self.base_batch} -> {self.scaled_lr:.6g} at batch "
                f"{self.batch_size} ({self.lr_scaling} scaling); {self.epochs} epochs, {self.schedule} "
                f"{list(self.lr_steps) if self.schedule == 'step' else ''}; SGD momentum {self.momentum}"
                f"{' Nesterov' if self.nesterov else ''}, wd {self.weight_decay}, clip {self.clip_grad}, "
                f"dropout {self.dropout}")

    def to_dict(self) -> dict:
        return asdict(self)


SOMETHING_SOURCE = ("paper Sec. 4.1 (Nesterov, batch 48, 40 epochs, lr 0.01, /10 at 20, 30); "
                    "scripts/train_TSM_Something_v1.sh (wd 5e-4, clip 200, dropout 0.5, all BN trained)")

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    # Something-Something V1/V2: the paper and the script agree.
    Recipe("something", SOMETHING_SOURCE, epochs=40, lr=0.01, base_batch=48, lr_steps=(20, 30), nesterov=True,
           weight_decay=5e-4, clip_grad=200.0),
    # Kinetics: the paper's schedule and the script's.
    Recipe("kinetics-paper", "paper Sec. 4.1: 80 epochs, lr 0.01 at batch 48, /10 at 40 and 60 (Nesterov, as the "
           "paper says for all SGD); wd, clip and dropout from scripts/train_TSM_Kinetics.sh",
           epochs=80, lr=0.01, base_batch=48, lr_steps=(40, 60), nesterov=True, weight_decay=1e-4, clip_grad=20.0,
           sampling="dense", batch_size=48),
    Recipe("kinetics-official", "scripts/train_TSM_Kinetics.sh: 75 epochs, lr 0.02 at batch 96, /10 at 30 and 60, "
           "wd 1e-4, clip 20, no Nesterov, dense sampling", epochs=75, lr=0.02, base_batch=96, lr_steps=(30, 60),
           nesterov=False, weight_decay=1e-4, clip_grad=20.0, sampling="dense", batch_size=96),
    # HMDB-51: fine-tune the Kinetics-trained MSNet (author, issue #19); no script ships.
    Recipe("hmdb51", "paper Sec. 4.1: fine-tune the Kinetics-pretrained model, 35 epochs, lr 0.001, /10 at 15 and 30; "
           "batch 48; other values as the Kinetics script", epochs=35, lr=0.001, base_batch=48, lr_steps=(15, 30),
           nesterov=True, weight_decay=1e-4, clip_grad=20.0, sampling="dense", init_from="kinetics"),
    # The embedded synthetic benchmark on 2 CPU cores: the Something recipe, shortened. Deviations are named.
    Recipe("synthetic", "the Something recipe shortened for 2 CPU cores (docs/training.md): batch 8 with the lr "
           "scaled linearly from 0.01 at 48, one epoch (one pass over 2400 distinct videos), from scratch, no "
           "spatial augmentation and the centre clip (both slow learning at this budget, docs/synthetic.md)",
           epochs=1, lr=0.01, base_batch=48, lr_steps=(), nesterov=True, weight_decay=5e-4, clip_grad=200.0,
           batch_size=8, sampling="center", augment=False),
)}


def get_recipe(name: str, **overrides) -> Recipe:
    """A named recipe with ``overrides`` (any :class:`Recipe` field) applied; unknown names raise."""
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise KeyError(f"unknown recipe field(s) {unknown}; known: {sorted(known)}")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return replace(RECIPES[name], **overrides)
