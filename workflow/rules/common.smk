# Shared helpers: target lists and per-row parameters. No rules here.
import os
import re
from pathlib import Path

# The repository (the Snakefile's folder), so the workflow also runs with --directory elsewhere.
REPO = Path(os.path.relpath(workflow.basedir))
CLAIMS = str(REPO / "msnet" / "report" / "claims.yaml")
PROFILE = config["profile"]
ROWS = config["rows"]
MS_MODELS = ("msnet_",)
COST_TABLES = ["table1", "table2", "table3", "table4", "table5", "table6", "table7", "table8", "fig4", "fig5"]


wildcard_constraints:
    profile=PROFILE,
    spec="official|paper",
    row="|".join(re.escape(r) for r in ROWS) if ROWS else "^$",


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


def cost_model(wildcards):
    return ROWS[wildcards.row]["model"]


def cost_arguments(wildcards):
    """Command-line arguments of `python -m msnet cost` for one row and spec."""
    row = ROWS[wildcards.row]
    overrides = list(row.get("set", []))
    if row_has_ms(wildcards.row):
        overrides.append(f"ms.spec={wildcards.spec}")
    args = [f"--frames {row['frames']}", f"--size {config['cost']['size']}", f"--classes {config['cost']['classes']}"]
    args += [f"--set '{item}'" for item in overrides]
    return " ".join(args)


def ensemble_arguments(wildcards):
    return " ".join(f"--ensemble '{row}={','.join(members)}'" for row, members in config["ensembles"].items())


def package_code(*subpackages):
    """Source files whose change must re-run a rule (models -> cost; report -> tables)."""
    return sorted(str(p) for sub in subpackages for p in (REPO / "msnet" / sub).glob("*.py"))


def cost_report_files():
    folder = f"reports/{PROFILE}"
    tables = [f"{folder}/cost/{name}.{ext}" for name in COST_TABLES for ext in ("md", "csv")]
    return tables + [f"{folder}/audit.md"]
