# msnet-repro: regenerate the tables, figures and claim audit of
# "Motion Squeeze: Neural Motion Feature Learning for Video Understanding" (ECCV 2020).
import os

import yaml
from snakemake.utils import min_version, update_config, validate

min_version("9.0")


configfile: "config.yaml"


# A config file may start from another one (`extends: config.yaml`) and change only what differs, e.g. the
# real-data config/paper.yaml. Paths are relative to the repository.
if "extends" in config:
    _base = yaml.safe_load(open(os.path.join(workflow.basedir, config.pop("extends"))))
    update_config(_base, config)
    config.clear()
    config.update(_base)


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
# What jobs ask of the machine or cluster (cores, GPUs); SLURM settings checked before submission.
include: "workflow/rules/cluster.smk"
# Datasets (Sec. 4.1): the providers' formats, the synthetic motion benchmark, decode checks.
include: "workflow/rules/data.smk"
# Sec. 4.5 two-stream baseline: TV-L1 optical flow (Table 6; the TV-L1 part of Table 2's two-stream time).
include: "workflow/rules/flow.smk"
# Sec. 3-4 cost columns: FLOPs and parameters of every row (Tables 1-8, Figs. 4-5).
include: "workflow/rules/cost.smk"
# Sec. 4.4 run-time: videos per second (Table 2).
include: "workflow/rules/runtime.smk"
# Sec. 4.1 training and inference: accuracy of the trained rows (Tables 1-8 accuracy columns).
include: "workflow/rules/train.smk"
# The tables with the paper's numbers beside ours, and the claim audit.
include: "workflow/rules/report.smk"

# On a cluster these run in the submitting Snakemake process instead of as jobs: each takes seconds (reports, list
# merges, score averages), less than a scheduler's round trip and a job's Python start-up.
localrules:
    subset_lists,
    frame_lists,
    flow_lists,
    evaluate_ensemble,
    evaluations,
    cost_tables,
    speed_table,
    paper_tables,
    figures,
    audit,
    data_table,
    accuracy_table,
    accuracy_gate,
    flow_report,


rule all:
    input:
        report_files(),
    default_target: True
