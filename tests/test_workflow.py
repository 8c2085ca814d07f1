"""The Snakemake workflow: dry run and lint of the default config, and the CI config end to end (cost, run-time,
data, training, evaluation, reports)."""

import functools
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import update_config

from conftest import CI_CONFIGS

from msnet.manifest import expand_rows, rows_for
from msnet.models.facts import model_facts
from msnet.train.recipes import get_recipe

REPO = Path(__file__).resolve().parents[1]


def snakemake(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def stage_commands(stdout: str) -> list[list[str]]:
    """The `python -m msnet` (or torchrun ... -m msnet) command lines of a dry run's -p output, as words."""
    return [shlex.split(match.split(" > ")[0]) for match in re.findall(r"-m msnet (.+)$", stdout, re.MULTILINE)]


def dry_run_specs(*configfiles: Path) -> dict[str, list[dict]]:
    """The --spec of every pretraining and training job of a dry run with these config files, by stage, in the order
    of (row, seed): Snakemake's job order varies from run to run. A fresh copy each call (tests edit them)."""
    return json.loads(_dry_run_specs_json(*configfiles))


@functools.cache
def _dry_run_specs_json(*configfiles: Path) -> str:
    """Several overlay tests compare with the same base (config/remeasure.yaml): its dry run runs once."""
    with tempfile.TemporaryDirectory() as folder:
        run = snakemake("-n", "-p", "--directory", folder, "--configfile", *map(str, configfiles))
    assert run.returncode == 0, run.stderr + run.stdout
    return json.dumps({stage: sorted((json.loads(w[w.index("--spec") + 1]) for w in stage_commands(run.stdout)
                                      if w[0] == stage), key=lambda spec: (spec.get("row", ""), spec["seed"]))
                       for stage in ("pretrain", "train")})


def assert_commands_parse(stdout: str) -> int:
    """Every stage command of a dry run is one the CLI accepts, its --spec expanded: a config key the stage does not
    declare, or a value of the wrong type, fails here rather than in the job. Returns the number checked."""
    from msnet.cli import build_parser
    from msnet.cli.spec_options import expand_spec

    parser, commands = build_parser(), stage_commands(stdout)
    for words in commands:
        try:
            parser.parse_args(expand_spec(parser, words))
        except SystemExit:
            pytest.fail(f"the CLI refuses a rule's command: python -m msnet {shlex.join(words)}")
    return len(commands)


def test_default_config_dry_run_lists_every_cost_job(tmp_path):
    run = snakemake("-n", "-p", "--directory", str(tmp_path), "--configfile", str(REPO / "config.yaml"))
    assert run.returncode == 0, run.stderr + run.stdout
    assert assert_commands_parse(run.stdout) >= 30  # every stage the default run calls
    assert "cost_tables" in run.stdout
    # Every row is counted once, rows with an MS module twice (both specs): one job per spec, one file per row.
    rows = expand_rows(yaml.safe_load((REPO / "config.yaml").read_text())["rows"])
    assert re.search(r"^cost_official\s+1$", run.stdout, re.MULTILINE) and re.search(r"^cost_paper\s+1$", run.stdout, re.M)
    official = set(re.findall(r"results/default/cost/official/([^,\s]+)\.json", run.stdout))
    paper = set(re.findall(r"results/default/cost/paper/([^,\s]+)\.json", run.stdout))
    assert official == set(rows) and paper == {r for r, spec in rows.items() if model_facts(spec["model"]).has("ms")}


def test_lint_is_clean():
    run = snakemake("--lint")
    assert run.returncode == 0, run.stdout + run.stderr


def test_invalid_config_is_rejected_with_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: x\nrows:\n  a: {model: tsm_r18}\n")
    run = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(bad))
    assert run.returncode != 0
    assert "frames" in run.stderr + run.stdout


@pytest.mark.parametrize(
    "body,message",
    [
        ("rows:\n  a: {model: resnet1000, frames: 8}\n", "row 'a': unknown model 'resnet1000'"),
        ("rows:\n  a: {model: tsm_r18, frames: 8, tables: [tabel3]}\n", "does not match"),
        ("rows:\n  a: {model: msnet_r18, frames: 8, set: [ms.patch=3]}\n", "'set' was unexpected"),
        ("rows:\n  a{patch_size}: {model: msnet_r18, frames: 8, sweep: {ms.patch: [3]}}\n", "needs {patch} in its id"),
        ("rows:\n  a: {model: tsm_r18, frames: 8}\ntrain:\n  experiments:\n    e: {dataset: ssv1, recipe: synthetic, "
         "tables: [table3]}\ndata:\n  datasets:\n    ssv1: {videos: 4}\n", "no row declares table(s) ['table3']"),
        ("rows: {}\ndata:\n  datasets:\n    ucf101: {videos: 4}\n", "ucf101"),
        ("rows: {}\ntrain:\n  experiments:\n    e: {dataset: ssv1, recipe: synthetic, rows: [a]}\n",
         "train.experiments.e: dataset 'ssv1' is not in data.datasets"),
        ("rows: {}\ntrain:\n  experiments:\n    e: {dataset: ssv1, recipe: adam, rows: []}\n", "adam"),
    ],
)
def test_bad_rows_or_datasets_fail_the_dry_run_naming_the_cause(tmp_path, body, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: x\n" + body)
    run = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(bad))
    assert run.returncode != 0
    assert message in run.stderr + run.stdout


@pytest.mark.parametrize("name", ["paper.yaml", "synthetic-study.yaml"])
def test_extended_configs_list_every_training_job(tmp_path, name):
    """config/*.yaml extend config.yaml; the real-data one lists its jobs without the data and names missing roots;
    the study trains each row with its own seeds."""
    run = snakemake("-n", "-p", "--directory", str(tmp_path), "--configfile", str(REPO / "config" / name))
    assert run.returncode == 0, run.stderr + run.stdout
    assert assert_commands_parse(run.stdout) >= 300
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(config, yaml.safe_load((REPO / "config" / name).read_text()))  # as the Snakefile merges them
    train = config["train"]

    def seeds(exp, row):
        return len(exp.get("row_seeds", {}).get(row) or exp.get("seeds") or train["seeds"])

    rows = expand_rows(config["rows"])
    experiments = [{**e, "rows": rows_for(rows, e.get("tables", []), e.get("rows", []))}
                   for e in train["experiments"].values()]
    stats = dict(re.findall(r"^(train_model|evaluate_model|pretrain_appearance)\s+(\d+)$", run.stdout, re.MULTILINE))
    assert int(stats["train_model"]) == sum(seeds(e, r) for e in experiments for r in e["rows"])
    assert int(stats["evaluate_model"]) == sum(seeds(e, r) * len(e.get("eval", ["1clip"]))
                                               for e in experiments for r in e["rows"])
    if name == "paper.yaml":
        assert "data.datasets.ssv1.root: /data/something-something-v1 is not a folder" in run.stderr + run.stdout
        assert "pretrain_appearance" not in stats  # ImageNet weights there
        # Table 1's TSM rows in both readings: TSM's released models (files not there: named, jobs still listed)
        # and trained here with TSM's recipe
        assert "ssv1-r50-tsm-released.released.tsm-r50_8f: checkpoints/tsm/" in run.stderr + run.stdout
        released = snakemake("results/paper/train/ssv1-r50-tsm-released/tsm-r50_8f/seed0/train.json", "-n", "-p",
                             "--directory", str(tmp_path), "--configfile", str(REPO / "config" / name))
        command = next(line for line in released.stdout.splitlines() if " train --spec " in line)
        assert "python -m msnet train" in command and "torchrun" not in command  # one process: nothing is trained
        words = shlex.split(command.split(">")[0])
        spec = json.loads(words[words.index("--spec") + 1])
        assert spec["released"] == "checkpoints/tsm/TSM_something_RGB_resnet50_shift8_blockres_avg_segment8_e45.pth"
        assert spec["model_args"] == {"head": "linear"} and spec["recipe"] == "something-tsm" and spec["model"] == "tsm_r50"
    else:
        assert int(stats["pretrain_appearance"]) == 2  # ResNet-18 and MobileNet-V2 backbones


@pytest.mark.slow
def test_cost_workflow_end_to_end(ci_workflow_run):
    tmp_path = ci_workflow_run
    result = json.loads((tmp_path / "results/ci/cost/paper/msnet-r18_8f.json").read_text())
    assert result["row"] == "msnet-r18_8f" and result["overrides"]["ms"]["spec"] == "paper"
    assert result["unsupported_ops"] == {}
    table = pd.read_csv(tmp_path / "reports/ci/cost/table3.csv")
    measured = table.set_index("row")
    assert measured.loc["msnet-r18_8f", "status"] == "measured"
    assert measured.loc["msnet-r18_8f_s", "status"].startswith("not run")
    assert measured.loc["msnet-r18_8f", "ours_gflops"] > measured.loc["tsm-r18_8f", "ours_gflops"]
    fig4 = pd.read_csv(tmp_path / "reports/ci/cost/fig4.csv").set_index("row")
    assert fig4.loc["msnet-r18_8f_p7", "ours_gflops"] < fig4.loc["msnet-r18_8f", "ours_gflops"]
    audit = (tmp_path / "reports/ci/audit.md").read_text()
    assert "notebook_ms_r18_params_delta" in audit and "not testable yet" in audit
    assert "## Speed" in audit and "## Environment" in audit
    speed = pd.read_csv(tmp_path / "reports/ci/speed/table2.csv").set_index("row")
    assert speed.loc["msnet-r50_8f", "status"].startswith("not run")  # the CI config times R18 rows only
    runtime = json.loads((tmp_path / "results/ci/runtime/official/msnet-r18_8f.json").read_text())
    assert runtime["videos_per_s"] > 0 and runtime["size"] == 64
    full = pd.read_csv(tmp_path / "reports/ci/tables/table3.csv", dtype=str).set_index("row")
    assert float(full.loc["msnet-r18_8f", "gflops ours"]) > 0
    accuracy_column = "ssv1_top1 ours (synthetic benchmark, not comparable)"  # the header says where it comes from
    assert full.loc["msnet-r18_8f_s", accuracy_column] == "not run"  # not trained in the CI config
    assert "needs Something-Something V1" in full.loc["msnet-r18_8f_s", "status"]
    assert (tmp_path / "reports/ci/tables/table3.tex").read_text().startswith("\\begin{table}")
    assert (tmp_path / "reports/ci/figures/fig4.png").stat().st_size > 10_000
    # Data stages: four formats generated, prepared and decode-checked; the AVI group replaced.
    data = (tmp_path / "reports/ci/data.md").read_text()
    assert data.count("| 16 / 16 |") == 4 and ".avi/mpeg4" in data and "20 videos transcoded" in data
    assert "## Data stages" in audit and "unsafe for decord" in audit
    lists = {d: (tmp_path / f"results/ci/data/{d}/train.txt").read_text() for d in ("ssv1", "ssv2", "kinetics", "hmdb51")}
    assert all(len(text.splitlines()) == 16 for text in lists.values())
    frames = (tmp_path / "results/ci/data/kinetics/frames/train.txt").read_text().splitlines()
    assert len(frames) == 16 and "| 20 videos |" in data  # extracted in two shard jobs
    # Training and evaluation: three rows trained, two protocols, an ensemble of two members.
    run = json.loads((tmp_path / "results/ci/train/synthetic/msnet-r18_8f/seed0/train.json").read_text())
    assert run["row"] == "msnet-r18_8f" and run["initialisation"] == "random" and run["data"]["source"] == "synthetic"
    assert (tmp_path / "results/ci/train/synthetic/msnet-r18_8f/seed0/best.pt").exists()
    accuracy = pd.read_csv(tmp_path / "reports/ci/accuracy.csv")
    assert len(accuracy) == 12 and set(accuracy["protocol"]) == {"1clip", "10clip"}
    assert accuracy.set_index(["row", "protocol"]).loc[("msnet-r50_en16+8", "10clip"), "ensemble"]
    assert "measured on synthetic" in (tmp_path / "reports/ci/accuracy.md").read_text()
    # ... and in the paper's tables, marked as such, each from the experiment that trains the row (of those that
    # train some of the table, the one training most of its rows first)
    assert float(full.loc["msnet-r18_8f", accuracy_column].split()[0]) >= 0
    assert "ssv1_top1 measured on synthetic (this run, experiment synthetic, 1clip" in full.loc["msnet-r18_8f", "status"]
    table6 = pd.read_csv(tmp_path / "reports/ci/tables/table6.csv", dtype=str).set_index("row")
    assert "experiment twostream" in table6.loc["twostream-tsm-r18_8+8x1", "status"]
    # Two-stream: TV-L1 flow for the subset (two shards; 8 frames -> 7 fields, at 3 fps 2 frames -> 1 field), a
    # flow stream trained on it and fused with the RGB stream, the flow page.
    flow = (tmp_path / "results/ci/data/ssv1/flow/val.txt").read_text().splitlines()
    assert len(flow) == 4 and all(line.split()[1] == "7" for line in flow)
    low = (tmp_path / "results/ci/data/ssv1/flow_3fps/val.txt").read_text().splitlines()
    assert len(low) == 4 and all(line.split()[1] == "1" for line in low)
    stream = json.loads((tmp_path / "results/ci/train/twostream/tsm-flow-r18_8x1/seed0/train.json").read_text())
    assert stream["flow_length"] == 1 and stream["overrides"]["in_channels"] == 2
    fused = accuracy.set_index(["experiment", "row"]).loc[("twostream", "twostream-tsm-r18_8+8x1")]
    assert fused["ensemble"] and fused["videos"] == 4
    assert "PyTorch / OpenCV time" in (tmp_path / "reports/ci/flow.md").read_text()
    # Fig. 6 and the motion check: the trained row's MS displacement against the synthetic ground truth.
    motion = json.loads((tmp_path / "results/ci/motion/synthetic/msnet-r18_8f.json").read_text())
    assert set(motion["summary"]) == {"trained", "untrained"} and motion["videos"] == 4
    assert motion["synthetic"]["height"] == 32  # the written benchmark's generator settings
    assert (tmp_path / "reports/ci/motion/synthetic/msnet-r18_8f/fig6.png").stat().st_size > 10_000
    assert "## Does the MS module estimate motion?" in audit and "| msnet-r18_8f | this run |" in audit
    assert "| untrained | 4 |" in audit
    # A second run has nothing to do.
    again = snakemake("-n", "--directory", str(tmp_path), "--configfile", *map(str, CI_CONFIGS))
    assert "Nothing to be done" in again.stdout + again.stderr


def test_the_fp32_overlay_trains_and_pretrains_in_fp32():
    """config/fp32.yaml (for a CPU without native bf16) changes the precision of the pretraining and of every
    fine-tuning of config/remeasure.yaml, and nothing else of their specs."""
    remeasure = REPO / "config" / "remeasure.yaml"
    bf16, fp32 = ([*specs["pretrain"], *specs["train"]]
                  for specs in (dry_run_specs(remeasure), dry_run_specs(remeasure, REPO / "config" / "fp32.yaml")))
    assert len(fp32) == len(bf16) == 3  # the pretraining, TSM-R18, MSNet-R18
    for before, after in zip(bf16, fp32):
        if "recipe_args" in after:
            assert after["recipe_args"].pop("precision") == "fp32" and "precision" not in before["recipe_args"]
        else:
            assert (before["precision"], after.pop("precision")) == ("bf16", "fp32")
            before.pop("precision")
        assert before == after


@pytest.mark.parametrize("overlay, changed, profile", [
    ("pretrain-1200.yaml", {"steps": 1200}, "pretrain1200"),
    ("pretrain-stop85.yaml", {"steps": 1200, "stop_at_accuracy": 85}, "pretrain_stop85"),
])
def test_the_pretraining_overlays_change_only_their_fields_once_per_seed(overlay, changed, profile):
    """config/pretrain-1200.yaml and config/pretrain-stop85.yaml (candidate fixes for the pretraining's draw) give
    each seed its own pretraining, under their own results folder, and change nothing else of the pretraining's spec."""
    remeasure = REPO / "config" / "remeasure.yaml"
    specs = {False: dry_run_specs(remeasure),
             True: dry_run_specs(remeasure, REPO / "config" / overlay)}
    # remeasure trains seed 0 only: one pretraining either way
    (shared,), (seed0,) = specs[False]["pretrain"], specs[True]["pretrain"]
    assert shared["steps"] == 600 and "stop_at_accuracy" not in shared
    assert {k: seed0.pop(k) for k in changed} == changed
    del shared["steps"]
    assert seed0 == shared
    assert {t["pretrained"] for t in specs[True]["train"]} == {f"results/{profile}/pretrain/resnet18-seed0.pth"}


def test_the_lr_x3_overlay_changes_only_the_fine_tuning_rate():
    """config/finetune-lr-x3.yaml on config/pretrain-1200.yaml: the same per-seed pretraining spec as the 1200-step
    runs (so the two pair by seed) and the same fine-tuning spec, but for the recipe's lr at three times its value."""
    configs = [REPO / "config" / name for name in ("remeasure.yaml", "pretrain-1200.yaml")]
    specs = {False: dry_run_specs(*configs),
             True: dry_run_specs(*configs, REPO / "config" / "finetune-lr-x3.yaml")}
    assert specs[True]["pretrain"] == specs[False]["pretrain"] and len(specs[True]["pretrain"]) == 1
    assert len(specs[True]["train"]) == len(specs[False]["train"]) == 2  # TSM-R18 and MSNet-R18, seed 0
    for before, after in zip(specs[False]["train"], specs[True]["train"]):
        assert after["recipe_args"].pop("lr") == pytest.approx(3 * get_recipe("synthetic").lr)
        assert after["pretrained"] == "results/finetune_lr_x3/pretrain/resnet18-seed0.pth"
        # paths move to the overlay's results folder; nothing else changes
        assert after == json.loads(json.dumps(before).replace("results/pretrain1200/", "results/finetune_lr_x3/"))


def test_per_seed_pretraining_gives_each_seed_its_own_draw(tmp_path):
    """`pretrained: appearance_per_seed`: one pretraining job per seed (marked --per-seed), and seed s of every row
    fine-tunes from the pretraining with seed s."""
    override = tmp_path / "per-seed.yaml"
    override.write_text("train:\n  experiments:\n    synthetic: {pretrained: appearance_per_seed, seeds: [0, 1]}\n")
    run = snakemake("-n", "-p", "--directory", str(tmp_path), "--configfile", str(REPO / "config" / "remeasure.yaml"),
                    str(override))
    assert run.returncode == 0, run.stderr + run.stdout
    pretrain = [w for w in stage_commands(run.stdout) if w[0] == "pretrain"]
    assert sorted(json.loads(w[w.index("--spec") + 1])["seed"] for w in pretrain) == [0, 1]
    assert all("--per-seed" in w for w in pretrain)
    for words in (w for w in stage_commands(run.stdout) if w[0] == "train"):
        spec = json.loads(words[words.index("--spec") + 1])
        assert spec["pretrained"] == f"results/remeasure/pretrain/resnet18-seed{spec['seed']}.pth"


def test_the_from_scratch_overlay_drops_only_the_pretraining():
    """config/from-scratch.yaml: no pretraining job, and each fine-tuning spec is remeasure's with no initial weights."""
    configs = [REPO / "config" / "remeasure.yaml"]
    specs = {False: dry_run_specs(*configs),
             True: dry_run_specs(*configs, REPO / "config" / "from-scratch.yaml")}
    assert specs[True]["pretrain"] == [] and len(specs[False]["pretrain"]) == 1
    assert len(specs[True]["train"]) == len(specs[False]["train"]) == 2  # TSM-R18 and MSNet-R18, seed 0
    for before, after in zip(specs[False]["train"], specs[True]["train"]):
        assert before.pop("pretrained") == "results/remeasure/pretrain/resnet18.pth" and after.pop("pretrained") is None
        assert after == json.loads(json.dumps(before).replace("results/remeasure/", "results/from_scratch/"))


def test_the_tsn_row_overlay_adds_only_tsn_r18_trained_as_tsm_r18_is():
    """config/tsn-row.yaml on the from-scratch protocol: the two re-measured rows' specs unchanged, and TSN-R18's spec
    is TSM-R18's but for the row and the model (same recipe, crop, seed, data and initial weights: pairs by seed)."""
    configs = [REPO / "config" / "remeasure.yaml", REPO / "config" / "from-scratch.yaml"]
    before = dry_run_specs(*configs)["train"]
    after = dry_run_specs(*configs, REPO / "config" / "tsn-row.yaml")["train"]
    assert [spec["row"] for spec in after] == ["msnet-r18_8f", "tsm-r18_8f", "tsn-r18_8f"]
    assert after[:2] == before
    tsn, tsm = after[2], after[1]
    assert (tsn.pop("row"), tsn.pop("model"), tsn.pop("out")) == \
        ("tsn-r18_8f", "tsn_r18", "results/from_scratch/train/synthetic/tsn-r18_8f/seed0")
    assert tsn == {key: value for key, value in tsm.items() if key not in ("row", "model", "out")}


def test_the_four_epoch_overlay_changes_only_the_epochs():
    """config/from-scratch-e4.yaml: each training spec is the from-scratch one with 4 epochs, in its own results
    folder, gated by its own reference (the 3-epoch one would call its runs "config differs")."""
    configs = [REPO / "config" / "remeasure.yaml", REPO / "config" / "from-scratch.yaml"]
    before = dry_run_specs(*configs)["train"]
    after = dry_run_specs(*configs, REPO / "config" / "from-scratch-e4.yaml")["train"]
    assert len(after) == len(before) == 2
    for three, four in zip(before, after):
        assert four.pop("recipe_args") == {**three.pop("recipe_args"), "epochs": 4}
        assert four == json.loads(json.dumps(three).replace("results/from_scratch/", "results/from_scratch_e4/"))
    reference = yaml.safe_load((REPO / "config" / "from-scratch-e4.yaml").read_text())["train"]["reference"]
    assert reference == "results/reference/from_scratch_e4/accuracy.json" and (REPO / reference).is_file()
