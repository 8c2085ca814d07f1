# Shared helpers: target lists and per-row parameters. No rules here.
import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

from msnet.core.errors import UsageError
from msnet.manifest import expand_rows, model_kwargs, rows_for
from msnet.models.facts import MODELS, model_facts
from msnet.report.claims import cost_sections, load_claims

# The repository (the Snakefile's folder), so the workflow also runs with --directory elsewhere.
REPO = Path(os.path.relpath(workflow.basedir))
CLAIMS = str(REPO / "msnet" / "report" / "claims.yaml")
PROFILE = config["profile"]
try:
    ROWS = expand_rows(config["rows"])
except UsageError as err:
    raise WorkflowError(str(err)) from err
DATA = config["data"]
DATASETS = list(DATA["datasets"])
SPLITS = ["train", "val"]
# The paper's tables and figures, from its data (msnet/report/claims.yaml): every report shows each of them, with
# the rows a config does not measure labelled so. Rows join them by id and experiments select rows by them.
PAPER = load_claims(CLAIMS)
PAPER_TABLES = list(PAPER["tables"])
FIGURES = list(PAPER["figures"])
COST_TABLES = cost_sections(PAPER)


wildcard_constraints:
    profile=PROFILE,
    spec="official|paper",
    row="|".join(re.escape(r) for r in ROWS) if ROWS else "^$",
    dataset="ssv1|ssv2|kinetics|hmdb51",
    arch="resnet18|resnet50|mobilenet_v2",
    shard=r"\d+",
    seed=r"\d+",
    experiment="|".join(re.escape(e) for e in config.get("train", {}).get("experiments", {})) or "^$",
    ensemble="|".join(re.escape(e) for e in config["ensembles"]) or "^$",
    protocol="1clip|10clip|10clip_uniform|2clip_3crop|10clip_3crop",
    shards=r"\d+",
    flowdir=r"flow(_[0-9.]+fps)?",


def check_rows():
    """Fail at parse time, naming the row, if a row's model is not registered, a flow row sets its own input
    channels, or an ensemble names a row that does not exist (builder arguments are checked when a model is built)."""
    known = set(MODELS)
    for row_id, row in ROWS.items():
        if row["model"] not in known:
            raise WorkflowError(f"row {row_id!r}: unknown model {row['model']!r}; registered: {', '.join(sorted(known))}")
        if "flow" in row and ({"in_channels", "flow_length"} & set(row.get("model_args", {}))):
            raise WorkflowError(f"row {row_id!r}: a flow row gets in_channels = 2 x flow.length itself; drop it "
                                "from `model_args`")
    for row_id, members in config["ensembles"].items():
        missing = [m for m in members if m not in ROWS]
        if missing:
            raise WorkflowError(f"ensemble {row_id!r}: member rows {missing} are not in `rows`")


check_rows()


def row_has_ms(row):
    return model_facts(ROWS[row]["model"]).has("ms")


def cost_jobs():
    """(spec, row) pairs: every spec for rows with an MS module, 'official' alone otherwise."""
    for row in ROWS:
        specs = config["cost"]["specs"] if row_has_ms(row) else ["official"]
        for spec in specs:
            yield spec, row


def cost_results():
    return [f"results/{PROFILE}/cost/{spec}/{row}.json" for spec, row in cost_jobs()]


def runtime_results():
    unknown = sorted(set(config["runtime"]["rows"]) - set(ROWS))
    if unknown:
        raise WorkflowError(f"runtime.rows names rows that are not in `rows`: {unknown}")
    return [f"results/{PROFILE}/runtime/official/{row}.json" for row in config["runtime"]["rows"]]


def cost_rows(spec):
    """The rows counted in ``spec``: every row in 'official', the rows with an MS module in the others."""
    return [row for row_spec, row in cost_jobs() if row_spec == spec]


def cost_spec(spec):
    """One cost job's options: its rows (model, frames, the builder's keyword arguments, the MS spec included)."""
    rows = {row: {"model": ROWS[row]["model"], "frames": ROWS[row]["frames"],
                  "model_args": model_kwargs(ROWS[row], spec)} for row in cost_rows(spec)}
    return json_argument({"rows": rows, "size": config["cost"]["size"], "classes": config["cost"]["classes"]})


def json_argument(value):
    """``value`` as one compact JSON word for a shell command: a stage's ``--spec``, its options by their own names
    (msnet/cli/spec_options.py), so no rule respells a config value as flags."""
    import json
    import shlex

    return shlex.quote(json.dumps(value, separators=(",", ":")))


def runtime_spec(wildcards):
    """`python -m msnet runtime`'s options for one row and MS spec: config.runtime's settings, the row's model."""
    settings, row = config["runtime"], ROWS[wildcards.row]
    reference = ROWS.get(settings["reference"])
    if reference is None:
        raise WorkflowError(f"runtime.reference {settings['reference']!r} is not a row of `rows`")
    return json_argument({"frames": row["frames"], "model_args": model_kwargs(row, wildcards.spec),
                          "reference": f"{reference['model']}:{reference['frames']}",
                          **{k: settings[k] for k in ("size", "device", "warmup", "runs")}})


ENSEMBLE_SPEC = json_argument({"ensemble": config["ensembles"]})  # the report stages' ensemble rows


def package_code(*patterns):
    """Package files whose change must re-run a rule, e.g. ("models/*.py", "measure/cost.py")."""
    return sorted(str(p) for pattern in patterns for p in (REPO / "msnet").glob(pattern))


def dataset_root(wildcards):
    """A real dataset's root as configured, else the synthetic benchmark written in its format."""
    root = DATA["datasets"][wildcards.dataset].get("root")
    return f"results/{wildcards.profile}/synthetic/{wildcards.dataset}" if root is None else root


def dataset_root_input(wildcards):
    """The root as a rule input when it exists (or is generated); a missing real root is reported, not an input,
    so a dry run still lists every job (prepare_dataset then fails naming the missing files)."""
    root = DATA["datasets"][wildcards.dataset].get("root")
    return [] if root is not None and not Path(root).is_dir() else dataset_root(wildcards)


def report_missing_roots():
    for name, dataset in DATA["datasets"].items():
        root = dataset.get("root")
        if root is not None and not Path(root).is_dir():
            logger.warning(f"data.datasets.{name}.root: {root} is not a folder. The jobs are listed, but "
                           f"prepare_dataset ({name}) needs the provider's files there (layout: docs/data.md); "
                           "remove `root` to use the synthetic benchmark.")


report_missing_roots()


def synthetic_spec(wildcards):
    """`python -m msnet synth`'s options: data.synthetic, and the dataset's size and validation share."""
    dataset = DATA["datasets"][wildcards.dataset]
    return json_argument({**DATA["synthetic"], "videos": dataset["videos"], "val_every": dataset["val_every"]})


def data_results():
    """Per dataset: the prepare summary and the decode check (the lists loaders read come with them), and the
    extracted-frame lists where extraction is on."""
    folder = f"results/{PROFILE}/data"
    out = [f"{folder}/{d}/{name}" for d in DATASETS for name in ("summary.json", "decode_check.json")]
    return out + [f"{folder}/{d}/frames/summary.json" for d in DATASETS if DATA["datasets"][d]["extract_frames"]]


def shard_manifests(wildcards):
    shards = DATA["frames"]["shards"]
    return [f"results/{wildcards.profile}/data/{wildcards.dataset}/frames/shard-{i}-of-{shards}.json"
            for i in range(shards)]


# --- Fig. 6 and the motion-estimate check ---------------------------------------------------------------------------
MOTION = config.get("motion", {})


def motion_rows():
    """(experiment, row) pairs probed; fails at parse time naming a row its experiment does not train."""
    experiment = MOTION.get("experiment")
    if not experiment:
        return []
    exp = config.get("train", {}).get("experiments", {}).get(experiment)
    if exp is None:
        raise WorkflowError(f"motion.experiment: {experiment!r} is not in train.experiments")
    missing = [r for r in MOTION["rows"] if r not in exp["rows"]]
    if missing:
        raise WorkflowError(f"motion.rows: {missing} are not trained by experiment {experiment!r}")
    return [(experiment, row) for row in MOTION["rows"]]


def motion_spec(wildcards):
    """`python -m msnet motion`'s options: the experiment's dataset, the written synthetic benchmark it trained on (none
    for a real dataset: the default generator), motion.videos and motion.real_videos."""
    dataset = EXPERIMENTS[wildcards.experiment]["dataset"]
    written = DATA["datasets"][dataset].get("root") is None
    synthetic = f"results/{wildcards.profile}/synthetic/{dataset}" if written else None
    return json_argument({"dataset": dataset, "synthetic": synthetic, "videos": MOTION.get("videos", 32),
                          "video": MOTION.get("real_videos", [])})


def motion_files():
    folder = f"reports/{PROFILE}/motion"
    names = ["fig6", "ms_motion_epe"] + (["fig6_videos"] if MOTION.get("real_videos") else [])
    return [f"{folder}/{e}/{r}/{n}.{ext}" for e, r in motion_rows() for n in names for ext in ("png", "pdf")]


def motion_results():
    return [f"results/{PROFILE}/motion/{e}/{r}.json" for e, r in motion_rows()]


def report_files():
    folder = f"reports/{PROFILE}"
    tables = [f"{folder}/cost/{name}.{ext}" for name in COST_TABLES for ext in ("md", "csv")]
    speed = [f"{folder}/speed/table2.{ext}" for ext in ("md", "csv")] if config["runtime"]["rows"] else []
    full = [f"{folder}/tables/{name}.{ext}" for name in PAPER_TABLES for ext in ("md", "csv", "tex")]
    figures = [f"{folder}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")]
    data = [f"{folder}/data.md"] if DATASETS else []
    accuracy = [f"{folder}/accuracy.md", f"{folder}/accuracy.csv"] if EXPERIMENTS else []
    gate = [f"{folder}/accuracy_gate.md"] if eval_results() and TRAIN.get("reference") else []
    flow = [f"{folder}/flow.md"] + [f"{folder}/figures/flow_quality.{ext}" for ext in ("png", "pdf")]
    return tables + speed + full + figures + data + accuracy + gate + flow + motion_files() + [f"{folder}/audit.md"]


# --- training and evaluation ---------------------------------------------------------------------------------------
TRAIN = config.get("train", {})
EXPERIMENTS = TRAIN.get("experiments", {})
ENSEMBLES = config["ensembles"]


def check_experiments():
    """Fail at parse time, naming the experiment, when it points at rows, datasets or experiments that do not exist."""
    for name, exp in EXPERIMENTS.items():
        where = f"train.experiments.{name}"
        if exp["dataset"] not in DATASETS:
            raise WorkflowError(f"{where}: dataset {exp['dataset']!r} is not in data.datasets")
        try:  # the rows declaring its tables, then its listed rows
            exp["rows"] = rows_for(ROWS, exp.get("tables", []), exp.get("rows", []))
        except UsageError as err:
            raise WorkflowError(f"{where}: {err}") from err
        if exp["init"] is not None:
            source = EXPERIMENTS.get(exp["init"])
            if source is None or not set(exp["rows"]) <= set(source["rows"]):
                raise WorkflowError(f"{where}: init {exp['init']!r} must be an experiment that trains the same rows")
        for ensemble in exp["ensembles"]:
            if ensemble not in ENSEMBLES or not set(ENSEMBLES[ensemble]) <= set(exp["rows"]):
                raise WorkflowError(f"{where}: ensemble {ensemble!r} must be in `ensembles` with members in its rows")
        released = exp.get("released", {})
        strays = sorted(set(released) - set(exp["rows"]))
        if strays:
            raise WorkflowError(f"{where}: released checkpoints for rows it does not list: {strays}")
        for row_id, path in released.items():
            if len(row_seeds(exp, row_id)) != 1 or exp["init"] or exp["recipe_args"]:
                raise WorkflowError(f"{where}: row {row_id!r} is evaluated from a released checkpoint: one seed, no "
                                    "`init` and no `recipe_args` (nothing is trained)")
            if not Path(path).is_file():
                logger.warning(f"{where}.released.{row_id}: {path} not found. The jobs are listed, but train_model "
                               f"({name}/{row_id}) needs TSM's released file there (TSM's model zoo; "
                               "docs/training.md); remove the experiment to skip this reading.")


def reference_study_results(key="reference_study"):
    """The committed reference run's evaluation JSONs (train.reference_study, the synthetic study's results), shown
    in the tables, figures and audit with its commit and date; [] when unset. key="reference_from_scratch": the
    from-scratch protocol's committed runs (the audit's second analogue column)."""
    folder = TRAIN.get(key)
    if not folder:
        return []
    if not (REPO / folder / "eval").is_dir():
        raise WorkflowError(f"train.{key}: {REPO / folder}/eval not found")
    return sorted(str(p) for p in (REPO / folder / "eval").glob("*/*/seed*/*.json"))


def reference_study_motion():
    """The reference run's motion checks (Fig. 6's numbers), shown in the audit beside this run's."""
    folder = TRAIN.get("reference_study")
    return sorted(str(p) for p in (REPO / folder / "motion").glob("*/*.json")) if folder else []


def reference_file():
    """The committed accuracy reference (a path relative to the repository), or [] when the gate is off."""
    reference = TRAIN.get("reference")
    return [] if not reference else str(REPO / reference)


def train_folder(experiment, row, seed):
    return f"results/{PROFILE}/train/{experiment}/{row}/seed{seed}"


def row_seeds(exp, row):
    """The seeds a row of an experiment is trained with: its `row_seeds` entry, else the experiment's `seeds`, else
    train.seeds; an ensemble, the seeds all its members have."""
    if row in ENSEMBLES:
        return [s for s in row_seeds(exp, ENSEMBLES[row][0]) if all(s in row_seeds(exp, m) for m in ENSEMBLES[row])]
    return exp.get("row_seeds", {}).get(row) or exp.get("seeds") or TRAIN["seeds"]


check_experiments()


def train_results():
    return [f"{train_folder(e, r, s)}/train.json" for e, exp in EXPERIMENTS.items() for r in exp["rows"]
            for s in row_seeds(exp, r)]


def eval_results():
    out = []
    for e, exp in EXPERIMENTS.items():
        for model in exp["rows"] + exp["ensembles"]:
            out += [f"results/{PROFILE}/eval/{e}/{model}/seed{s}/{p}.json" for s in row_seeds(exp, model)
                    for p in exp["eval"]]
    return out


def train_inputs(wildcards):
    """The lists a run reads (decode-checked or extracted frames), for fine-tuning the source run, and the
    appearance-pretrained weights it starts from."""
    exp = EXPERIMENTS[wildcards.experiment]
    folder = Path(experiment_data(wildcards)) / row_lists(exp, wildcards.row)
    inputs = {"lists": [str(folder / f"{split}.txt") for split in SPLITS]}
    if exp["init"]:
        inputs["init"] = f"{train_folder(exp['init'], wildcards.row, wildcards.seed)}/train.json"
    pretrained = row_pretrained(exp, wildcards.row, wildcards.seed)
    if pretrained and exp.get("pretrained", TRAIN["pretrained"]) in APPEARANCE:
        inputs["pretrained"] = pretrained
    released = released_checkpoint(exp, wildcards.row)
    if released and Path(released).is_file():  # a missing one is reported at parse time, so a dry run lists the jobs
        inputs["released"] = released
    return inputs


APPEARANCE = ("appearance", "appearance_per_seed")  # initial weights made by the appearance-pretraining stage


def row_pretrained(exp, row_id, seed):
    """A row's initial weights: the experiment's choice (else train.pretrained). 'appearance' names the pretraining
    stage's weights of the row's backbone, one pretraining for every seed (as the paper has one ImageNet checkpoint);
    'appearance_per_seed' one pretraining per seed (seed s fine-tunes from the pretraining with seed s), so the spread
    over seeds includes the pretraining's draw, which another machine's floating point redraws too (docs/training.md).
    A model without a 2D backbone (I3D) starts from random weights."""
    choice = exp.get("pretrained", TRAIN["pretrained"])
    if choice not in APPEARANCE:
        return choice
    arch = model_facts(ROWS[row_id]["model"]).backbone
    if arch is None:
        return None
    return f"results/{PROFILE}/pretrain/{arch}{f'-seed{seed}' if choice == 'appearance_per_seed' else ''}.pth"


def pretrain_spec(wildcards):
    """PretrainConfig's fields: train.pretrain (the same names), the backbone being pretrained and, for one seed's
    pretraining of `appearance_per_seed`, that seed."""
    seed = getattr(wildcards, "seed", None)
    return json_argument({**TRAIN["pretrain"], "arch": wildcards.arch, **({"seed": int(seed)} if seed else {})})


def experiment_data(wildcards):
    """The prepared folder of the experiment's dataset."""
    return f"results/{PROFILE}/data/{EXPERIMENTS[wildcards.experiment]['dataset']}"


def best_checkpoint(wildcards, input):
    """Best-epoch weights beside the run's train.json (the paper reports best-epoch accuracy)."""
    return str(Path(input.run).parent / "best.pt")


def train_spec(wildcards, input, output):
    """The run as `python -m msnet train --spec` reads it: TrainConfig's fields, named as in the config (train.* and
    the experiment's keys), the row's builder arguments and the recipe's changed fields."""
    exp, row = EXPERIMENTS[wildcards.experiment], ROWS[wildcards.row]
    spec = {"prepared": experiment_data(wildcards), "out": str(Path(output[0]).parent), "row": wildcards.row,
            "model": row["model"], "frames": row["frames"], "model_args": model_kwargs(row),
            "flow_length": row["flow"]["length"] if "flow" in row else 0,
            "recipe": exp["recipe"], "recipe_args": exp["recipe_args"], "crop": exp["crop"],
            "lists": row_lists(exp, wildcards.row), "seed": int(wildcards.seed),
            "pretrained": row_pretrained(exp, wildcards.row, wildcards.seed),
            "init": str(Path(input.init).parent / "best.pt") if exp["init"] else None,
            "released": released_checkpoint(exp, wildcards.row), "progress": False,
            **{key: TRAIN[key] for key in ("device", "workers", "checkpoint_steps", "cache_frames", "channels_last")}}
    return json_argument(spec)


def released_checkpoint(exp, row_id):
    """The released checkpoint file a row of this experiment is evaluated from instead of trained, else None."""
    return exp.get("released", {}).get(row_id)


def ensemble_scores(wildcards):
    members = ENSEMBLES[wildcards.ensemble]
    folder = f"results/{PROFILE}/eval/{wildcards.experiment}"
    return [f"{folder}/{m}/seed{wildcards.seed}/{wildcards.protocol}.scores.pt" for m in members]


# --- optical flow (two-stream baseline) ----------------------------------------------------------------------------
FLOW = DATA["flow"]


def flow_folder(fps):
    """``flow`` for every frame, ``flow_3fps`` for frames resampled at 3 fps (msnet.flow.extract.flow_folder_name)."""
    return "flow" if fps is None else f"flow_{fps:g}fps"


def row_lists(exp, row_id):
    """The list folder a row of an experiment reads: its flow folder for a flow stream, else the experiment's."""
    row = ROWS[row_id]
    return flow_folder(row["flow"].get("fps")) if "flow" in row else exp["lists"]


def check_flow():
    """Flow is extracted from data.flow.lists; an experiment training flow rows must read those same videos."""
    for name, exp in EXPERIMENTS.items():
        if any("flow" in ROWS[r] for r in exp["rows"]) and exp["lists"] != FLOW["lists"]:
            raise WorkflowError(f"train.experiments.{name}: trains flow rows, so its lists ({exp['lists']!r}) must "
                                f"be data.flow.lists ({FLOW['lists']!r}): the two streams must see the same videos")
        if exp["lists"] == "subset" and not DATA["subset"]:
            raise WorkflowError(f"train.experiments.{name}: lists 'subset' needs data.subset (train/val counts)")


check_flow()


def flow_folders():
    """Every flow folder wanted by an experiment: (dataset, folder name)."""
    return sorted({(exp["dataset"], row_lists(exp, r)) for exp in EXPERIMENTS.values() for r in exp["rows"]
                   if "flow" in ROWS[r]})


def flow_spec(wildcards, keys=("method", "device", "source_fps", "lists", "size")):
    """`python -m msnet flow extract`'s options: data.flow's ``keys`` (an empty value keeps the stage's default),
    and the resampling rate a flow folder's name carries (``flow_3fps`` -> 3)."""
    match = re.fullmatch(r"flow_([0-9.]+)fps", wildcards.flowdir)
    return json_argument({**{k: FLOW[k] or None for k in keys}, "fps": float(match.group(1)) if match else None})


def flow_source_lists(wildcards):
    folder = Path(f"results/{wildcards.profile}/data/{wildcards.dataset}") / FLOW["lists"]
    return [str(folder / f"{split}.txt") for split in SPLITS]


def flow_shard_manifests(wildcards):
    shards = FLOW["shards"]
    folder = f"results/{wildcards.profile}/data/{wildcards.dataset}/{wildcards.flowdir}"
    return [f"{folder}/shard-{i}-of-{shards}.json" for i in range(shards)]


def flow_summaries():
    return [f"results/{PROFILE}/data/{dataset}/{name}/summary.json" for dataset, name in flow_folders()]
