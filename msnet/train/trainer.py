"""The training loop: a recipe, a model spec and a prepared dataset in; checkpoints, a per-epoch log and a result out.

Resumable at any point: ``<out>/checkpoint.pt`` is rewritten atomically at the end of every epoch (and every
``checkpoint_steps`` batches inside one); starting again with the same arguments continues from it, and on the CPU
with deterministic settings the finished run is bitwise identical to an uninterrupted one (tested with SIGKILL).
Under ``torchrun`` each process trains ``batch_size / world`` videos of every global batch (DDP; NCCL on GPUs, gloo
on CPUs); only rank 0 evaluates, logs and writes files.

Every epoch is evaluated on the validation split with ``eval_protocol`` (the official loop does this too); the best
epoch's weights go to ``best.pt`` (the paper reports best-epoch accuracy) and both best and last are recorded.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from msnet.core.allocator import keep_freed_memory
from msnet.core.errors import BadValue
from msnet.core.provenance import provenance
from msnet.core.specs import from_spec
from msnet.data.dataset import collate_skipping, read_skips
from msnet.train import checkpoint as ckpt
from msnet.train import distributed
from msnet.train.batches import epoch_batches
from msnet.train.clips import class_names, evaluation_set, training_set
from msnet.train.evaluate import predict
from msnet.train.metrics import summarize, topk_correct
from msnet.train.model_spec import build_model
from msnet.train.param_groups import parameter_groups, set_learning_rate
from msnet.train.precision import autocast, warn_if_emulated
from msnet.train.recipes import Recipe, get_recipe
from msnet.train.released import file_identity, released_state

log = logging.getLogger("msnet.train")

LOG_FIELDS = ("epoch", "lr", "train_loss", "train_top1", "val_top1", "val_top5", "clips_per_s", "train_seconds",
              "eval_seconds", "resumed")


@dataclass
class TrainConfig:
    """One training run. ``model_args`` are the model builder's keyword arguments (``{"ms": {"patch_size": 7}}``);
    ``init`` a checkpoint to fine-tune from (tensors with matching names and shapes); ``pretrained`` ImageNet weights
    (``imagenet`` or a path, never a download; ``None`` = random initialisation, recorded in the result). ``bn_chunks`` splits each batch into that
    many chunks, each with its own BatchNorm statistics and gradients accumulated: what ``bn_chunks`` GPUs do (the
    official runs: batch 48 on 4 GPUs, BN over 12 clips), on any number of devices."""

    prepared: str
    model: str
    frames: int
    out: str
    recipe: Recipe
    model_args: dict = field(default_factory=dict)
    crop: int = 224
    seed: int = 0
    device: str = "auto"
    workers: int = 2
    pretrained: str | None = None
    init: str | None = None
    checkpoint_steps: int = 0
    eval_protocol: str = "1clip"
    eval_batch: int = 8
    channels_last: bool = False
    deterministic: bool = True
    lenient: bool = False
    lists: str = ""
    tensorboard: str | None = None
    progress: bool = True
    row: str | None = None
    bn_chunks: int = 1
    flow_length: int = 0  # L > 0: a flow stream on stacks of L TV-L1 fields (2L input channels; docs/flow.md)
    cache_frames: bool = False  # keep decoded frames in memory (small datasets; needs workers = 0)
    released: str | None = None  # a released TSM/TSN checkpoint evaluated instead of training (released.py)


def train_config(spec: dict) -> TrainConfig:
    """A run from its spec: :class:`TrainConfig`'s fields, with ``recipe`` a recipe name and ``recipe_args`` the
    :class:`~msnet.train.recipes.Recipe` fields it changes (what the workflow writes from the config)."""
    spec = dict(spec)
    if "recipe" not in spec:
        raise BadValue("train spec: missing key(s) ['recipe'] (a recipe name of msnet/train/recipes.py)")
    recipe = get_recipe(spec.pop("recipe"), **spec.pop("recipe_args", {}))
    return from_spec(TrainConfig, {**spec, "recipe": recipe}, "train spec")


def model_spec(cfg: TrainConfig, num_classes: int) -> dict:
    overrides = dict(cfg.model_args)  # recorded as "overrides", the name results (and their fingerprints) carry
    if cfg.flow_length:
        channels = overrides.setdefault("in_channels", 2 * cfg.flow_length)
        if channels != 2 * cfg.flow_length:
            raise BadValue(f"in_channels={channels} contradicts flow_length={cfg.flow_length} (2L channels)")
    return {"model": cfg.model, "frames": cfg.frames, "num_classes": num_classes, "dropout": cfg.recipe.dropout,
            "overrides": overrides, "pretrained": cfg.pretrained, "crop": cfg.crop,
            "sampling": cfg.recipe.sampling, "lists": cfg.lists, "flow_length": cfg.flow_length}


def run_identity(cfg: TrainConfig, spec: dict) -> dict:
    """What must not change between a run and its resumption."""
    return {"spec": spec, "recipe": cfg.recipe.to_dict(), "seed": cfg.seed, "init": cfg.init,
            "prepared": str(Path(cfg.prepared).resolve()), **({"released": cfg.released} if cfg.released else {})}


class Trainer:
    def __init__(self, cfg: TrainConfig):
        self.cfg, self.recipe = cfg, cfg.recipe
        self.ctx = distributed.setup(cfg.device)
        if self.ctx.device.type == "cpu":
            # keep freed activation memory for reuse, as CUDA's caching allocator does (msnet.core.allocator):
            # measured 2.2x faster R50 training steps at 224 (batch 8), 3-5 % at the synthetic crop of 64
            keep_freed_memory()
        if self.recipe.precision == "fp16" and self.ctx.device.type != "cuda":
            raise BadValue("precision fp16 (float16 autocast with a gradient scaler) needs a CUDA device; use bf16 "
                             "or fp32 on the CPU")
        warn_if_emulated(self.ctx.device, self.recipe.precision,
                         "the recipe's precision=fp32 (an experiment's recipe_args, or --recipe-set precision=fp32)")
        if cfg.cache_frames and cfg.workers:
            raise BadValue("cache_frames keeps decoded frames in the training process, which DataLoader workers "
                             "do not share; set workers to 0")
        if cfg.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
        self.out = Path(cfg.out)
        self.names = class_names(cfg.prepared)
        self.spec = model_spec(cfg, len(self.names))
        self.identity = run_identity(cfg, self.spec)
        torch.manual_seed(cfg.seed)  # initialisation (the classifier, MS layers, everything not pretrained)
        self.model = build_model(self.spec, load_pretrained=not cfg.released)
        if cfg.released:
            self.model.load_state_dict(released_state(cfg.released, self.model))
        torch.manual_seed(cfg.seed * 1009 + self.ctx.rank)  # dropout: a different stream on every process
        self.init_missing = ckpt.load_matching(self.model, ckpt.load(cfg.init)["model"]) if cfg.init else []
        self.model.to(self.ctx.device)
        if cfg.channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.groups = parameter_groups(self.model, self.recipe.fc_lr5, flow=cfg.flow_length > 0)
        self.optimizer = torch.optim.SGD(self.groups, lr=self.recipe.scaled_lr, momentum=self.recipe.momentum,
                                         nesterov=self.recipe.nesterov, weight_decay=self.recipe.weight_decay)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.recipe.precision == "fp16")
        self.train_set = training_set(cfg.prepared, self.recipe, cfg.frames, cfg.crop, cfg.seed, lists=cfg.lists,
                                      flow_length=cfg.flow_length, lenient=cfg.lenient,
                                      skip_log=self.out / "skipped_train.log", cache_frames=cfg.cache_frames)
        self.val_set = evaluation_set(cfg.prepared, cfg.eval_protocol, cfg.frames, cfg.crop, self.recipe.sampling,
                                      lists=cfg.lists, flow_length=cfg.flow_length, lenient=cfg.lenient,
                                      skip_log=self.out / "skipped_val.log", cache_frames=cfg.cache_frames)
        self.steps_per_epoch = len(self.train_set) // self.recipe.batch_size
        self.state = {"epoch": 0, "step": 0, "running": [0.0, 0.0, 0.0], "history": [], "best": None,
                      "seconds": 0.0, "epoch_seconds": 0.0, "resumes": 0}
        self.resume()
        self.net = self.model
        if self.ctx.world > 1:
            ids = [self.ctx.device.index] if self.ctx.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids)
        self.writer = self._tensorboard() if self.ctx.main else None

    # -- checkpoints ------------------------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.out / "checkpoint.pt"

    def resume(self) -> None:
        if not self.checkpoint_path.exists():
            return
        saved = ckpt.load(self.checkpoint_path)
        if saved["identity"] != self.identity:
            raise RuntimeError(f"{self.checkpoint_path} belongs to a different run (model, recipe, seed or data "
                               "differ); delete it or choose another output folder")
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scaler.load_state_dict(saved["scaler"])
        ckpt.set_rng_state(saved["rng"][self.ctx.rank] if self.ctx.rank < len(saved["rng"]) else saved["rng"][0])
        self.state = saved["state"]
        self.state["resumes"] += 1
        if self.ctx.main:
            log.info("resumed from %s at epoch %d, batch %d", self.checkpoint_path, self.state["epoch"], self.state["step"])

    def save(self) -> None:
        """Checkpoint now. Under DDP every rank's RNG state is gathered and the running sums of the epoch are
        collected on rank 0 (the others restart from zero), so the epoch totals stay right; rank 0 writes."""
        rng = [ckpt.rng_state()]
        if self.ctx.world > 1:
            total = distributed.all_reduce_sum(self.state["running"], self.ctx)
            self.state["running"] = total if self.ctx.main else [0.0, 0.0, 0.0]
            rng = [None] * self.ctx.world
            torch.distributed.all_gather_object(rng, ckpt.rng_state())
        if self.ctx.main:
            ckpt.save_atomic({"identity": self.identity, "spec": self.spec, "epoch": self.state["epoch"],
                              "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                              "scaler": self.scaler.state_dict(), "rng": rng, "state": self.state},
                             self.checkpoint_path)

    # -- the loop ---------------------------------------------------------------------------------------------
    def fit(self) -> dict:
        if self.cfg.released:
            return self.validate_released()
        if self.ctx.main:
            log.info("%s", self.recipe.describe())
            log.info("model %s, %d frames, crop %d, %s initialisation, %d train / %d val videos, %d processes",
                     self.cfg.model, self.cfg.frames, self.cfg.crop, self.cfg.pretrained or "RANDOM",
                     len(self.train_set), len(self.val_set), self.ctx.world)
        while self.state["epoch"] < self.recipe.epochs:
            self.train_epoch()
            self.end_epoch()
        distributed.barrier(self.ctx)
        if self.writer:
            self.writer.close()
        return self.result() if self.ctx.main else {}

    def train_epoch(self) -> None:
        epoch, cfg = self.state["epoch"], self.cfg
        self.train_set.set_epoch(epoch)
        batches = epoch_batches(len(self.train_set), self.recipe.batch_size, cfg.seed, epoch, self.ctx.rank,
                                self.ctx.world, start=self.state["step"])
        loader = DataLoader(self.train_set, batch_sampler=batches, num_workers=cfg.workers,
                            collate_fn=collate_skipping, generator=torch.Generator().manual_seed(epoch),
                            pin_memory=self.ctx.device.type == "cuda")
        self.net.train()
        started = time.time()
        bar = tqdm(loader, total=len(batches), initial=0, desc=f"epoch {epoch + 1}/{self.recipe.epochs}",
                   disable=not (cfg.progress and self.ctx.main), mininterval=10)
        for batch in bar:
            if batch is None:
                if self.ctx.world > 1:
                    raise RuntimeError("a whole per-process batch was skipped (lenient mode) under DDP; "
                                       "repair the listed videos or train in one process")
                self.state["step"] += 1
                continue
            lr = self.recipe.lr_at(epoch, self.state["step"], self.steps_per_epoch)
            set_learning_rate(self.optimizer, lr, self.recipe.weight_decay)
            loss, correct, seen = self.train_step(*batch[:2])
            running = self.state["running"]
            running[0] += loss * seen
            running[1] += correct
            running[2] += seen
            self.state["step"] += 1
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            if cfg.checkpoint_steps and self.state["step"] % cfg.checkpoint_steps == 0 \
                    and self.state["step"] < self.steps_per_epoch:
                self.state["epoch_seconds"] += time.time() - started
                started = time.time()
                self.save()
        self.state["epoch_seconds"] += time.time() - started

    def train_step(self, clips: torch.Tensor, labels: torch.Tensor) -> tuple[float, int, int]:
        device = self.ctx.device
        x = clips.flatten(0, 2).to(device, non_blocking=True)
        if self.cfg.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        labels = labels.to(device, non_blocking=True)
        chunks = self.cfg.bn_chunks
        if len(labels) % chunks:
            raise BadValue(f"a batch of {len(labels)} clips cannot be split into {chunks} BatchNorm chunks")
        self.optimizer.zero_grad(set_to_none=True)
        outputs, total = [], 0.0
        for part, (xs, ys) in enumerate(zip(x.chunk(chunks), labels.chunk(chunks))):
            sync = part == chunks - 1 or not isinstance(self.net, DistributedDataParallel)
            with (self.net.no_sync() if not sync else nullcontext()), running_stats_frozen(self.model, part > 0):
                with autocast(device, self.recipe.precision):
                    logits = self.net(xs)
                    loss = torch.nn.functional.cross_entropy(logits.float(), ys) / chunks
                self.scaler.scale(loss).backward()
            outputs.append(logits.detach().float())
            total += loss.item()
        logits = torch.cat(outputs)
        if self.recipe.clip_grad:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.recipe.clip_grad)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return total, topk_correct(logits, labels, ks=(1,))[1], len(labels)

    def end_epoch(self) -> None:
        epoch = self.state["epoch"]
        loss_sum, correct, seen = distributed.all_reduce_sum(self.state["running"], self.ctx)
        row = {"epoch": epoch + 1, "lr": round(self.recipe.lr_at(epoch), 8),
               "train_loss": round(loss_sum / max(seen, 1), 4), "train_top1": round(100 * correct / max(seen, 1), 2),
               "clips_per_s": round(seen / max(self.state["epoch_seconds"], 1e-9), 2),
               "train_seconds": round(self.state["epoch_seconds"], 1), "resumed": self.state["resumes"] > 0}
        if self.ctx.main and self.recipe.validates_after(epoch + 1):
            started = time.time()
            scores, labels, _ = predict(self.model, self.val_set, self.cfg.eval_batch, self.ctx.device,
                                        self.cfg.workers, self.cfg.progress, desc=f"val {epoch + 1}",
                                        precision=self.recipe.precision)
            summary = summarize(scores, labels, self.names)
            row.update(val_top1=summary["top1"], val_top5=summary["top5"],
                       eval_seconds=round(time.time() - started, 1))
            if self.state["best"] is None or summary["top1"] > self.state["best"]["val_top1"]:
                self.save_best(row)
            log.info("epoch %d: %s", epoch + 1, row)
        elif self.ctx.main:
            row.update(val_top1=None, val_top5=None, eval_seconds=0.0)
            if not self.recipe.eval_every and epoch + 1 == self.recipe.epochs:
                self.save_best(row)  # never validated: the last epoch is the result
            log.info("epoch %d (not validated): %s", epoch + 1, row)
        if self.writer:
            for key in ("lr", "train_loss", "train_top1", "val_top1", "val_top5", "clips_per_s"):
                if row.get(key) is not None:
                    self.writer.add_scalar(key, row[key], epoch + 1)
        self.state["seconds"] += self.state["epoch_seconds"] + row.get("eval_seconds", 0.0)
        self.state["history"].append(row)
        self.state.update(epoch=epoch + 1, step=0, running=[0.0, 0.0, 0.0], epoch_seconds=0.0)
        self.save()
        if self.ctx.main:
            self.write_log()

    def validate_released(self) -> dict:
        """No training: the released weights become this run's best.pt, validated once (epoch 0), so evaluation,
        tables and audit treat them as any run and say where they came from."""
        if self.ctx.world > 1:
            raise BadValue("a released checkpoint is evaluated, not trained: run it in one process")
        started = time.time()
        scores, labels, _ = predict(self.model, self.val_set, self.cfg.eval_batch, self.ctx.device, self.cfg.workers,
                                    self.cfg.progress, desc="val released", precision=self.recipe.precision)
        summary = summarize(scores, labels, self.names)
        row = {"epoch": 0, "lr": 0.0, "train_loss": None, "train_top1": None, "val_top1": summary["top1"],
               "val_top5": summary["top5"], "clips_per_s": 0.0, "train_seconds": 0.0,
               "eval_seconds": round(time.time() - started, 1), "resumed": False}
        log.info("released checkpoint %s: %s", self.cfg.released, row)
        self.save_best(row)
        self.state.update(history=[row], seconds=row["eval_seconds"])
        self.write_log()
        return self.result()

    def save_best(self, row: dict) -> None:
        self.state["best"] = dict(row)
        ckpt.save_atomic({"spec": self.spec, "identity": self.identity, "epoch": row["epoch"],
                          "model": self.model.state_dict()}, self.out / "best.pt")

    # -- outputs ----------------------------------------------------------------------------------------------
    def write_log(self) -> None:
        path = self.out / "log.csv"
        tmp = path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=LOG_FIELDS)
            writer.writeheader()
            writer.writerows(self.state["history"])
        tmp.replace(path)

    def result(self) -> dict:
        history, best = self.state["history"], self.state["best"]
        skipped = {split: len(read_skips(self.out / f"skipped_{split}.log")) for split in ("train", "val")}
        return {
            "row": self.cfg.row, "model": self.cfg.model, "frames": self.cfg.frames,
            "overrides": self.spec["overrides"], "flow_length": self.cfg.flow_length,
            "dataset": str(self.cfg.prepared), "classes": len(self.names), "seed": self.cfg.seed,
            "initialisation": (f"released checkpoint {Path(self.cfg.released).name}" if self.cfg.released
                               else self.cfg.init or self.cfg.pretrained or "random"),
            **({"released": file_identity(self.cfg.released)} if self.cfg.released else {}),
            "pretrained_spec": pretrained_spec(self.cfg.pretrained),
            "pretrained_seed": pretrained_seed(self.cfg.pretrained),
            "pretrained_sha256": pretrained_sha256(self.cfg.pretrained),
            "init_tensors_not_loaded": self.init_missing,
            "recipe": self.recipe.to_dict(), "scaled_lr": self.recipe.scaled_lr, "crop": self.cfg.crop,
            "eval_protocol": self.cfg.eval_protocol,
            "best": {"epoch": best["epoch"], "top1": best["val_top1"], "top5": best["val_top5"]},
            "last": {"epoch": history[-1]["epoch"], "top1": history[-1]["val_top1"], "top5": history[-1]["val_top5"]},
            "history": history, "skipped": skipped, "data": data_identity(self.cfg.prepared, self.cfg.lists),
            "train_videos": len(self.train_set), "val_videos": len(self.val_set),
            "seconds": round(self.state["seconds"], 1), "resumes": self.state["resumes"],
            "clips_per_s": round(sum(h["clips_per_s"] * h["train_seconds"] for h in history)
                                 / max(sum(h["train_seconds"] for h in history), 1e-9), 2),
            "device": str(self.ctx.device), "processes": self.ctx.world, "threads": torch.get_num_threads(),
            "precision": self.recipe.precision, "channels_last": self.cfg.channels_last,
            "deterministic": self.cfg.deterministic, "cache_frames": self.cfg.cache_frames,
            "provenance": provenance(self.identity),
        }

    def _tensorboard(self):
        if not self.cfg.tensorboard:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise RuntimeError("--tensorboard needs the tensorboard package: pip install tensorboard") from err
        return SummaryWriter(self.cfg.tensorboard)


def data_identity(prepared: str | Path, lists: str = "") -> dict:
    """Whether the data is the synthetic benchmark, and a hash of the train/val lists (what was trained on)."""
    prepared = Path(prepared)
    root = Path(json.loads((prepared / "summary.json").read_text())["root"])
    text = "".join((prepared / lists / f"{split}.txt").read_text() for split in ("train", "val"))
    return {"source": "synthetic" if (root / "synthetic.json").exists() else "real",
            "lists_sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}


def _pretraining_result(pretrained: str | None) -> dict | None:
    """The appearance-pretraining stage's result beside its weights, else None (ImageNet, a plain file, none)."""
    if not pretrained or pretrained == "imagenet":
        return None
    result = Path(pretrained).with_suffix(".json")
    return json.loads(result.read_text()) if result.is_file() else None


def pretrained_spec(pretrained: str | None) -> str | None:
    """How weights made by the appearance-pretraining stage were made (its spec hash), else None: runs from such
    weights are compared by how the weights were made, not where the file lies. For one draw of a per-seed pretraining
    (``pretrained: appearance_per_seed``) the hash leaves the seed out: the pretraining's seed is then part of the run's
    seed, a draw like the data order, and every seed of a row shares one configuration."""
    result = _pretraining_result(pretrained)
    return None if result is None else result.get("per_seed_spec_hash") or result["spec_hash"]


def pretrained_seed(pretrained: str | None) -> int | None:
    """The pretraining's seed: two runs are paired by seed only when their pretrained weights are the same draw."""
    result = _pretraining_result(pretrained)
    return None if result is None else result["config"]["seed"]


def pretrained_sha256(pretrained: str | None) -> str | None:
    """The appearance-pretrained weights' content: one spec and seed can still give other weights (bf16 on another
    machine), and only runs from the same weights are paired by seed (docs/training.md, "Statistics")."""
    return None if _pretraining_result(pretrained) is None else ckpt.weights_digest(pretrained)


@contextmanager
def running_stats_frozen(model: torch.nn.Module, frozen: bool):
    """BatchNorm running statistics left untouched (momentum 0) while ``frozen``: with ``bn_chunks`` only the first
    chunk updates them, as DDP keeps (and broadcasts) rank 0's buffers."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)] if frozen else []
    saved = [(m.momentum, m.num_batches_tracked.clone()) for m in norms]
    for m in norms:
        m.momentum = 0.0
    try:
        yield
    finally:
        for m, (momentum, tracked) in zip(norms, saved):
            m.momentum = momentum
            m.num_batches_tracked.copy_(tracked)


def train(cfg: TrainConfig) -> dict:
    """Train (or resume) one run; the result dict on rank 0, ``{}`` on the others."""
    trainer = Trainer(cfg)
    try:
        return trainer.fit()
    finally:
        distributed.teardown()

