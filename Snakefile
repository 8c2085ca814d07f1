# msnet-repro: regenerate the tables, figures and claim audit of
# "Motion Squeeze: Neural Motion Feature Learning for Video Understanding" (ECCV 2020).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
# Datasets (Sec. 4.1): the providers' formats, the synthetic motion benchmark, decode checks.
include: "workflow/rules/data.smk"
# Sec. 3-4 cost columns: FLOPs and parameters of every row (Tables 1-8, Figs. 4-5).
include: "workflow/rules/cost.smk"
# Sec. 4.4 run-time: videos per second (Table 2).
include: "workflow/rules/runtime.smk"
# The tables with the paper's numbers beside ours, and the claim audit.
include: "workflow/rules/report.smk"


rule all:
    input:
        report_files(),
    default_target: True
