"""`python -m msnet reference-run`: the study's small result files copied into the committed reference run, and what
it refuses to mix into it."""

import json

import pytest

from msnet.core.errors import BadValue
from msnet.report.reference_run import collect

PRETRAINING = {"arch": "resnet18", "config": {"seed": 0, "steps": 600}, "val_top1": 38.8, "steps_run": 600,
               "history": [{"step": 50, "train_loss": 2.7699}, {"step": 600, "train_loss": 1.3994}]}


def study(root, commit="abc1234", pretraining=PRETRAINING, seconds=300.0):
    """A study folder with one pretraining, one training run and its evaluation, written at ``commit``."""
    made = {"provenance": {"git_commit": commit, "created": "2026-12-07T00:00:00+00:00"}}
    files = {"pretrain/resnet18.json": {**pretraining, "seconds": seconds, **made},
             "train/synthetic/tsn-r18_8f/seed0/train.json": {"row": "tsn-r18_8f", **made},
             "eval/synthetic/tsn-r18_8f/seed0/1clip.json": {"top1": 20.0, **made}}
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(json.dumps(content))
    (root / "train/synthetic/tsn-r18_8f/seed0/log.csv").write_text("epoch,train_top1\n1,20.0\n")
    (root / "train/synthetic/tsn-r18_8f/seed0/checkpoint.pt").write_bytes(b"not kept")
    return root


def test_collect_copies_the_kept_files_and_names_the_commits(tmp_path):
    out = tmp_path / "reference"
    summary = collect(study(tmp_path / "study"), out)
    assert summary["commits"] == ["abc1234"] and summary["copied"]["eval/*/*/seed*/*.json"] == 1
    assert (out / "train/synthetic/tsn-r18_8f/seed0/log.csv").is_file()
    assert not (out / "train/synthetic/tsn-r18_8f/seed0/checkpoint.pt").exists()


def test_a_run_from_a_modified_tree_is_refused(tmp_path):
    with pytest.raises(BadValue, match="modified tree"):
        collect(study(tmp_path / "study", commit="abc1234-dirty"), tmp_path / "reference")
    collect(study(tmp_path / "study", commit="abc1234-dirty"), tmp_path / "reference", allow_dirty=True)


def test_a_study_pretrained_again_joins_only_when_its_pretraining_came_out_the_same(tmp_path):
    """The study's pretraining run again on another day (bf16) reached 40.2 % where the committed one had 38.8 %:
    rows fine-tuned from it would sit beside the committed rows as if paired by seed."""
    out = tmp_path / "reference"
    collect(study(tmp_path / "first"), out)
    again = {**PRETRAINING, "val_top1": 40.2, "history": [{"step": 50, "train_loss": 2.7663},
                                                          {"step": 600, "train_loss": 1.3823}]}
    with pytest.raises(BadValue, match=r"differs from .* in val_top1, history \(held-out top-1 40.2 against 38.8\)"):
        collect(study(tmp_path / "second", pretraining=again), out)
    assert json.loads((out / "pretrain/resnet18.json").read_text())["val_top1"] == 38.8  # nothing was copied
    # the same pretraining, timed and recorded at another commit, joins
    collect(study(tmp_path / "third", commit="def5678", seconds=310.0), out)
