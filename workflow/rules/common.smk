# Shared helpers: target lists and per-row parameters. No rules here.
import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The repository (the Snakefile's folder), so the workflow also runs with --directory elsewhere.
REPO = Path(os.path.relpath(workflow.basedir))
CLAIMS = str(REPO / "msnet" / "report" / "claims.yaml")
PROFILE = config["profile"]
ROWS = config["rows"]
DATA = config["data"]
DATASETS = list(DATA["datasets"])
SPLITS = ["train", "val"]
MS_MODELS = ("msnet_",)
FIGURES = ["fig1", "fig4", "fig5"]
PAPER_TABLES = [f"table{i}" for i in range(1, 9)]
COST_TABLES = ["table1", "table2", "table3", "table4", "table5", "table6", "table7", "table8", "fig4", "fig5"]


wildcard_constraints:
    profile=PROFILE,
    spec="official|paper",
    row="|".join(re.escape(r) for r in ROWS) if ROWS else "^$",
    dataset="ssv1|ssv2|kinetics|hmdb51",
    shard=r"\d+",
    shards=r"\d+",


def check_rows():
    """Fail at parse time, naming the row, if a row's model is not registered or an override is malformed."""
    from msnet.models.registry import list_models, parse_overrides

    known = set(list_models())
    for row_id, row in ROWS.items():
        if row["model"] not in known:
            raise WorkflowError(f"row {row_id!r}: unknown model {row['model']!r}; registered: {', '.join(sorted(known))}")
        try:
            parse_overrides(row.get("set", []))
        except ValueError as err:
            raise WorkflowError(f"row {row_id!r}: {err}") from err
    for row_id, members in config["ensembles"].items():
        missing = [m for m in members if m not in ROWS]
        if missing:
            raise WorkflowError(f"ensemble {row_id!r}: member rows {missing} are not in `rows`")


check_rows()


def row_has_ms(row):
    return ROWS[row]["model"].startswith(MS_MODELS)


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


def row_model(wildcards):
    return ROWS[wildcards.row]["model"]


def row_arguments(wildcards, stage):
    """Shared arguments of `python -m msnet cost|runtime` for one row and spec."""
    row = ROWS[wildcards.row]
    overrides = list(row.get("set", []))
    if row_has_ms(wildcards.row):
        overrides.append(f"ms.spec={wildcards.spec}")
    args = [f"--frames {row['frames']}", f"--size {config[stage]['size']}"]
    args += [f"--set '{item}'" for item in overrides]
    return " ".join(args)


def cost_arguments(wildcards):
    return row_arguments(wildcards, "cost") + f" --classes {config['cost']['classes']}"


def runtime_arguments(wildcards):
    settings = config["runtime"]
    extra = f" --device {settings['device']} --warmup {settings['warmup']} --runs {settings['runs']}"
    reference = ROWS.get(settings["reference"])
    if reference is None:
        raise WorkflowError(f"runtime.reference {settings['reference']!r} is not a row of `rows`")
    extra += f" --reference {reference['model']}:{reference['frames']}"
    return row_arguments(wildcards, "runtime") + extra


def ensemble_arguments(wildcards):
    return " ".join(f"--ensemble '{row}={','.join(members)}'" for row, members in config["ensembles"].items())


def package_code(*patterns):
    """Package files whose change must re-run a rule, e.g. ("models/*.py", "measure/cost.py")."""
    return sorted(str(p) for pattern in patterns for p in (REPO / "msnet").glob(pattern))


def dataset_root(wildcards):
    """A real dataset's root as configured, else the synthetic benchmark written in its format."""
    root = DATA["datasets"][wildcards.dataset].get("root")
    if root is None:
        return f"results/{wildcards.profile}/synthetic/{wildcards.dataset}"
    if not Path(root).is_dir():
        raise WorkflowError(f"data.datasets.{wildcards.dataset}.root: {root} is not a folder (the provider's files "
                            f"go there; remove `root` to use the synthetic benchmark)")
    return root


def synthetic_arguments(wildcards):
    synthetic = DATA["synthetic"]
    height, width = synthetic["size"]
    args = [f"--videos {DATA['datasets'][wildcards.dataset]['videos']}", f"--seed {synthetic['seed']}",
            f"--size {height}x{width}", f"--frames {synthetic['frames']}", f"--preset {synthetic['preset']}"]
    args += [f"--set '{key}={value}'" for key, value in synthetic["set"].items()]
    return " ".join(args)


def prepare_arguments(wildcards):
    args = [f"--class-order {DATA['class_order']}", f"--verify {DATA['verify']}"]
    return " ".join(args + (["--lenient"] if DATA["lenient"] else []))


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


def short_side_argument(wildcards):
    side = DATA["frames"]["short_side"]
    return f"--short-side {side}" if side else ""


def report_files():
    folder = f"reports/{PROFILE}"
    tables = [f"{folder}/cost/{name}.{ext}" for name in COST_TABLES for ext in ("md", "csv")]
    speed = [f"{folder}/speed/table2.{ext}" for ext in ("md", "csv")] if config["runtime"]["rows"] else []
    full = [f"{folder}/tables/{name}.{ext}" for name in PAPER_TABLES for ext in ("md", "csv", "tex")]
    figures = [f"{folder}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")]
    data = [f"{folder}/data.md"] if DATASETS else []
    return tables + speed + full + figures + data + [f"{folder}/audit.md"]
