"""Training recipes: the paper's text and the released scripts, every value traceable to one of them.

Where the two differ there are two named recipes (``*-paper``, or plain ``something``, and ``*-official``);
``something-tsm`` is TSM's own recipe, for the TSM rows the paper copies from TSM's released model.
``docs/training.md`` lists each difference. A recipe's ``lr`` is quoted at its ``base_batch``; the trainer scales it
to the batch actually used (``lr_scaling``: ``linear`` as TSM's README advises, ``sqrt`` as the MSNet Kinetics
script's comment says, or ``none``) and logs the scaled value, since 0.01 at a batch of 8 from scratch does not learn
(measured, see ``docs/synthetic.md``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

from msnet.core.errors import BadValue, UnknownName
from msnet.data.transforms import FLIP_POLICIES

SCALINGS = ("linear", "sqrt", "none")
SCHEDULES = ("step", "cosine")
PRECISIONS = ("fp32", "fp16", "bf16")  # fp16: CUDA autocast with a gradient scaler; bf16: autocast on CPU or CUDA


def warmup_cosine(position: float, total: float, warmup: float, peak: float, increment: float = 1.0) -> float:
    """The rate of the step that starts at ``position`` (steps or epochs done, of ``total``): linear warm-up to
    ``peak`` over the first ``warmup`` (the first step already gets ``increment / warmup`` of it), then half a cosine
    from ``peak`` to 0 over the rest."""
    if position < warmup:
        return peak * min(1.0, (position + increment) / warmup)
    return 0.5 * peak * (1 + math.cos(math.pi * min((position - warmup) / max(total - warmup, 1e-12), 1.0)))


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
    augment: bool = True             # multi-scale crop + flip (the recipe's `flip`, else the dataset's policy)
    flip: str | None = None          # a FLIP_POLICIES name; None: the dataset's (none on Something as TSM, all else)
    fc_lr5: bool = False             # TSM: an nn.Linear classifier trained from ImageNet gets lr x5 (weight), x10 (bias)
    warmup_epochs: float = 0.0       # linear warm-up from 0 over this many epochs (per step), then the schedule
    precision: str = "fp32"          # autocast: fp32 (none), fp16 (CUDA, gradient scaler), bf16 (CPU or CUDA)
    eval_every: int = 1              # validate every N epochs and after the last; 0: never (best = last epoch)
    init_from: str | None = None     # a dataset whose trained checkpoint initialises this run (HMDB-51 <- Kinetics)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.lr_scaling not in SCALINGS:
            raise BadValue(f"lr_scaling must be one of {SCALINGS}, got {self.lr_scaling!r}")
        if self.schedule not in SCHEDULES:
            raise BadValue(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.precision not in PRECISIONS:
            raise BadValue(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if not 0 <= self.warmup_epochs < self.epochs or self.eval_every < 0:
            raise BadValue(f"recipe {self.name}: warmup_epochs must be in [0, epochs) and eval_every >= 0")
        if self.flip is not None and self.flip not in FLIP_POLICIES:
            raise BadValue(f"flip must be one of {FLIP_POLICIES} or None, got {self.flip!r}")
        if self.flip is not None and not self.augment:
            raise BadValue(f"recipe {self.name}: flip {self.flip!r} needs augment (the unaugmented path never flips)")
        if self.sampling not in ("segment", "dense", "center"):
            raise BadValue(f"sampling must be segment, dense or center, got {self.sampling!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise BadValue(f"recipe {self.name}: epochs, batch_size and lr must be positive")
        if any(not 0 < s for s in self.lr_steps):
            raise BadValue(f"recipe {self.name}: lr_steps must be positive epochs, got {self.lr_steps}")

    @property
    def scaled_lr(self) -> float:
        """``lr`` at ``batch_size`` (from ``base_batch``) under ``lr_scaling``."""
        ratio = self.batch_size / self.base_batch
        return self.lr * {"linear": ratio, "sqrt": math.sqrt(ratio), "none": 1.0}[self.lr_scaling]

    def lr_at(self, epoch: int, step: int = 0, steps_per_epoch: int = 1) -> float:
        """Learning rate for (epoch, step within epoch): step decay per epoch as the official code, or cosine (per
        step); either after ``warmup_epochs`` of linear warm-up (the first step gets 1/warm-up-steps of the rate)."""
        position, increment = epoch + step / max(steps_per_epoch, 1), 1 / max(steps_per_epoch, 1)
        if self.schedule == "cosine":
            return warmup_cosine(position, self.epochs, self.warmup_epochs, self.scaled_lr, increment)
        decayed = self.scaled_lr * 0.1 ** sum(epoch >= s for s in self.lr_steps)
        if position < self.warmup_epochs:
            return decayed * min(1.0, (position + increment) / self.warmup_epochs)
        return decayed

    def validates_after(self, epoch: int) -> bool:
        """Whether training validates after epoch ``epoch`` (1-based); ``eval_every = 0`` never does."""
        return self.eval_every > 0 and (epoch % self.eval_every == 0 or epoch == self.epochs)

    def describe(self) -> str:
        return (f"{self.name}: lr {self.lr} at batch {self.base_batch} -> {self.scaled_lr:.6g} at batch "
                f"{self.batch_size} ({self.lr_scaling} scaling); {self.epochs} epochs, {self.schedule} "
                f"{list(self.lr_steps) if self.schedule == 'step' else ''}; SGD momentum {self.momentum}"
                f"{' Nesterov' if self.nesterov else ''}, wd {self.weight_decay}, clip {self.clip_grad}, "
                f"dropout {self.dropout}{f', warm-up {self.warmup_epochs:g} epochs' if self.warmup_epochs else ''}"
                f"{f', flip {self.flip}' if self.flip else ''}, {self.precision}")

    def to_dict(self) -> dict:
        """Every field but an unset ``flip``: results and checkpoints recorded before the field existed keep their
        run identity and fingerprint."""
        record = asdict(self)
        if record["flip"] is None:
            del record["flip"]
        return record


SOMETHING_SOURCE = ("paper Sec. 4.1 (Nesterov, batch 48, 40 epochs, lr 0.01, /10 at 20, 30); "
                    "scripts/train_TSM_Something_v1.sh (wd 5e-4, clip 200, dropout 0.5, all BN trained)")
# Something-Something V1/V2 as the paper's text gives it: "scale jittering", no flip named (TSM's choice on Something).
SOMETHING = Recipe("something", SOMETHING_SOURCE, epochs=40, lr=0.01, base_batch=48, lr_steps=(20, 30), nesterov=True,
                   weight_decay=5e-4, clip_grad=200.0)

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    SOMETHING,
    # The released MSNet training: the same optimisation, plus its flip of every clip but the six left/right classes
    # (labels kept), which the paper does not mention.
    replace(SOMETHING, name="something-official", flip="exclude",
            source=SOMETHING_SOURCE + "; main_something.py / transforms.py: horizontal flip p=0.5 except the sorted "
            "labels 86, 87, 93, 94, 166, 167, labels not swapped"),
    # TSM's own Something V1/V2 recipe, which trained the released TSM model that is the paper's Table 1 TSM row.
    Recipe("something-tsm", "TSM README (mit-han-lab/temporal-shift-module): 50 epochs, lr 0.01 at batch 64, /10 at "
           "20 and 40, clip 20, dropout 0.5, all BN trained (--npb); main.py: SGD momentum 0.9 without Nesterov, no "
           "flip on Something, a Linear classifier at lr x5 / x10 (fc_lr5, needs the row's head=linear); wd 1e-4 "
           "from the TSM paper, which its authors say to follow (issue #21; opts.py's default is 5e-4)",
           epochs=50, lr=0.01, base_batch=64, lr_steps=(20, 40), nesterov=False, weight_decay=1e-4, clip_grad=20.0,
           batch_size=64, fc_lr5=True, flip="none"),
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
    # The embedded synthetic benchmark on 2 CPU cores: fine-tuning from the appearance-pretrained backbone (the
    # stand-in for ImageNet), shortened to converge within minutes. Deviations from `something` are named.
    Recipe("synthetic", "the Something recipe made to converge in minutes on 2 CPU cores (docs/training.md): batch 8, "
           "lr 0.03 at 48 scaled linearly (0.005), 0.3 epochs of warm-up then cosine to 0 over 3 epochs, bf16 "
           "autocast, validation after training only (the result is the last epoch), the centre clip and no spatial "
           "augmentation (docs/synthetic.md); Nesterov, wd, clip and dropout as `something`",
           epochs=3, lr=0.03, base_batch=48, schedule="cosine", warmup_epochs=0.3, nesterov=True, weight_decay=5e-4,
           clip_grad=200.0, batch_size=8, sampling="center", augment=False, precision="bf16", eval_every=0),
)}


def get_recipe(name: str, **overrides) -> Recipe:
    """A named recipe with ``overrides`` (any :class:`Recipe` field) applied; unknown names raise."""
    if name not in RECIPES:
        raise UnknownName(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise UnknownName(f"unknown recipe field(s) {unknown}; known: {sorted(known)}")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return replace(RECIPES[name], **overrides)
