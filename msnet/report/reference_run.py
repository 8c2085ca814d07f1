"""The committed reference run: the synthetic study's small result files copied into ``results/reference/study``.

The study (``config/synthetic-study.yaml``) writes under ``results/study/`` like any profile, checkpoints included.
What the repository keeps is what the tables, figures, audit and gate read: every run's ``train.json`` and ``log.csv``,
every evaluation's JSON, the pretraining stage's JSON and the motion check's, in the same layout, so results can be found by layout
(:func:`msnet.report.accuracy_table.train_record_for`). Collecting a study still in progress copies what has finished;
a run recorded from a modified tree (provenance ``-dirty``) is refused, so a reference can always be reproduced. A
study whose appearance pretraining came out other than the committed one's (the same spec pretrained again, in bf16 on
another machine, gives other weights) is refused too: its rows are not paired with the committed rows by seed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from msnet.core.errors import BadValue, MissingFile

KEPT = ("train/*/*/seed*/train.json", "train/*/*/seed*/log.csv", "eval/*/*/seed*/*.json", "pretrain/*.json",
        "motion/*/*.json")


OUTCOME = ("config", "val_top1", "history", "steps_run")  # what a pretraining produced, not when or where


def check_same_pretraining(study: Path, out: Path) -> None:
    """Refuse to add runs fine-tuned from a pretraining that differs from the one the committed runs started from."""
    for made in sorted(study.glob("pretrain/*.json")):
        committed = out / made.relative_to(study)
        if not committed.is_file():
            continue
        new, old = json.loads(made.read_text()), json.loads(committed.read_text())
        differs = [key for key in OUTCOME if new.get(key) != old.get(key)]
        if differs:
            raise BadValue(f"{made}: this pretraining differs from {committed} in {', '.join(differs)} (held-out top-1 "
                           f"{new.get('val_top1')} against {old.get('val_top1')}): rows fine-tuned from it are not "
                           "paired by seed with the committed ones. Collect the whole study into an empty folder.")


def collect(study: str | Path, out: str | Path, allow_dirty: bool = False) -> dict:
    """Copy the study's kept files from ``study`` to ``out``; returns counts per kind and the commits seen."""
    study, out = Path(study), Path(out)
    if not (study / "eval").is_dir():
        raise MissingFile(f"{study}/eval not found: run the study first (config/synthetic-study.yaml)")
    check_same_pretraining(study, out)
    counts, commits = {}, set()
    for pattern in KEPT:
        files = sorted(study.glob(pattern))
        for path in files:
            if path.suffix == ".json":
                commit = json.loads(path.read_text()).get("provenance", {}).get("git_commit", "unknown")
                if commit.endswith("-dirty") and not allow_dirty:
                    raise BadValue(f"{path}: written from a modified tree ({commit}); re-run it from a clean commit")
                commits.add(commit)
            target = out / path.relative_to(study)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        counts[pattern] = len(files)
    return {"copied": counts, "commits": sorted(commits), "out": str(out)}
