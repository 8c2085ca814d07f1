"""Appearance pretraining: the synthetic benchmark's stand-in for the paper's ImageNet initialisation.

The paper fine-tunes every model from ImageNet weights (Sec. 4.1); trained from random weights on the synthetic
benchmark, the same rows needed many epochs and their accuracy swung by 4-8 points from seed to seed. This stage
trains the 2D backbone once per workflow on still images of the benchmark's objects labelled by appearance
(:mod:`msnet.data.appearance`; no motion in them), and every row then starts from the same file, passed as
``pretrained`` exactly like torchvision's ImageNet weights. The output is a torchvision-layout state dict (the
classifier has the stills' 10 classes; the video models replace it) and a JSON result with the stills' validation
accuracy, the loss curve, the time and the spec, whose hash the trained rows record.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from tqdm import tqdm

from msnet.core.errors import BadValue
from msnet.data.appearance import CLASSES, generate_stills
from msnet.data.transforms import IMAGENET_MEAN, IMAGENET_STD
from msnet.core.provenance import provenance, spec_hash
from msnet.train import checkpoint as ckpt
from msnet.train.precision import autocast, warn_if_emulated
from msnet.train.recipes import PRECISIONS, warmup_cosine

log = logging.getLogger("msnet.pretrain")
CPU = torch.device("cpu")  # the pretraining runs on the CPU
ARCHS = ("resnet18", "resnet50", "mobilenet_v2")  # the 2D backbones the video models are built on
CHECK_EVERY = 50  # steps between loss-history entries, and between held-out checks of ``stop_at_accuracy``


@dataclass(frozen=True)
class PretrainConfig:
    """One pretraining run: ``images`` training stills (and ``val_images`` more) of ``size`` pixels, ``steps`` SGD
    steps of ``batch_size`` with warm-up and cosine decay, random horizontal flips.

    ``stop_at_accuracy`` (percent, optional) stops at the first check, every ``CHECK_EVERY`` steps, whose held-out top-1
    reaches it. The schedule stays the one of ``steps``, and a check changes no state, so a stopped run is a prefix of
    the unstopped one: the two differ only in where they end (docs/training.md, "The pretraining's draw")."""

    arch: str = "resnet18"
    images: int = 8000
    val_images: int = 1000
    size: int = 96
    steps: int = 400
    batch_size: int = 64
    lr: float = 0.05
    warmup_steps: int = 20
    momentum: float = 0.9
    weight_decay: float = 1e-4
    precision: str = "bf16"
    seed: int = 0
    stop_at_accuracy: float | None = None

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise BadValue(f"arch must be one of {ARCHS}, got {self.arch!r}")
        if self.precision not in PRECISIONS or self.precision == "fp16":
            raise BadValue(f"precision must be fp32 or bf16, got {self.precision!r}")
        if min(self.images, self.val_images, self.steps, self.batch_size, self.size) < 1:
            raise BadValue("images, val_images, steps, batch_size and size must be positive")
        if self.stop_at_accuracy is not None and not 0 < self.stop_at_accuracy <= 100:
            raise BadValue(f"stop_at_accuracy is a held-out top-1 in percent, in (0, 100]: got {self.stop_at_accuracy}")

    def to_dict(self) -> dict:
        """The fields; ``stop_at_accuracy`` only when set, so the specs (and hashes) of pretrainings made before it
        existed stay what they were."""
        fields = asdict(self)
        if fields["stop_at_accuracy"] is None:
            del fields["stop_at_accuracy"]
        return fields


def _normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 images -> normalised float, channels_last (1.2-1.4x faster bf16 convolutions on this CPU)."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((images.float() / 255 - mean) / std).contiguous(memory_format=torch.channels_last)


@torch.inference_mode()
def accuracy(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, precision: str, batch: int = 200) -> float:
    net.eval()
    correct = 0
    for i in range(0, len(images), batch):
        with autocast(CPU, precision):
            correct += (net(_normalise(images[i:i + batch])).argmax(1) == labels[i:i + batch]).sum().item()
    net.train()
    return round(100 * correct / len(images), 2)


def pretrain(cfg: PretrainConfig, out: str | Path, progress: bool = True) -> dict:
    """Train ``cfg.arch`` on the appearance stills on the CPU; write ``out`` (state dict) and return the result."""
    warn_if_emulated(CPU, cfg.precision, "train.pretrain.precision: fp32 (or --set precision=fp32)")
    started = time.time()
    images, labels = generate_stills(cfg.size, cfg.seed, 0, cfg.images)
    val_images, val_labels = generate_stills(cfg.size, cfg.seed, cfg.images, cfg.val_images)
    rendered = time.time() - started
    torch.manual_seed(cfg.seed)
    net = getattr(torchvision.models, cfg.arch)(num_classes=len(CLASSES)).to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum, nesterov=True,
                                weight_decay=cfg.weight_decay)
    draws = torch.Generator().manual_seed(cfg.seed)
    history, running, top1 = [], [], None
    for step in tqdm(range(cfg.steps), desc=f"pretrain {cfg.arch}", disable=not progress, mininterval=10):
        index = torch.randint(len(images), (cfg.batch_size,), generator=draws)
        x = _normalise(images[index])
        flip = torch.rand(cfg.batch_size, generator=draws) < 0.5
        x[flip] = x[flip].flip(-1)
        for group in optimizer.param_groups:
            group["lr"] = warmup_cosine(step, cfg.steps, cfg.warmup_steps, cfg.lr)
        with autocast(CPU, cfg.precision):
            loss = F.cross_entropy(net(x).float(), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if (step + 1) % CHECK_EVERY == 0 or step + 1 == cfg.steps:
            history.append({"step": step + 1, "train_loss": round(sum(running) / len(running), 4)})
            running = []
            if cfg.stop_at_accuracy is not None:
                top1 = history[-1]["val_top1"] = accuracy(net, val_images, val_labels, cfg.precision)
                if top1 >= cfg.stop_at_accuracy:
                    break
    steps_run = step + 1
    if top1 is None:
        top1 = accuracy(net, val_images, val_labels, cfg.precision)
    ckpt.save_atomic({k: v.contiguous() for k, v in net.state_dict().items()}, out)
    chance = 100 / len(CLASSES)
    log.info("pretrained %s: %.1f %% on %d held-out stills (chance %.0f %%) after %d of %d steps in %.0f s", cfg.arch,
             top1, cfg.val_images, chance, steps_run, cfg.steps, time.time() - started)
    return {"arch": cfg.arch, "config": cfg.to_dict(), "spec_hash": spec_hash(cfg.to_dict()), "weights": str(out),
            "classes": list(CLASSES), "val_top1": top1, "chance": chance, "steps_run": steps_run, "history": history,
            "render_seconds": round(rendered, 1), "seconds": round(time.time() - started, 1),
            "threads": torch.get_num_threads(), "provenance": provenance(cfg.to_dict())}
