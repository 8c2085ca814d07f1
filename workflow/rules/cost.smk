# FLOPs (fvcore and the authors' THOP convention) and parameters of every row, one clip: one job per MS spec that
# counts all its rows in one process (interpreter and import start-up paid once, not once per row), writing one
# result file per row. A changed row re-counts its spec's rows (about a minute); `python -m msnet cost` counts one.
# On a cluster they run in the submitting process (one thread, a minute of CPU for config/paper.yaml's rows): a
# submitted job would add a queue wait, a scheduler round trip and a second Snakemake start-up, 3x the stage's time on
# the local test cluster (docs/cluster.md).
for _spec in config["cost"]["specs"]:

    rule:
        name:
            f"cost_{_spec}"
        input:
            code=package_code("models/*.py", "measure/cost.py", "measure/fvcore_count.py", "measure/thop_convention.py"),
        output:
            [f"results/{PROFILE}/cost/{_spec}/{row}.json" for row in cost_rows(_spec)],
        log:
            f"logs/{PROFILE}/cost/{_spec}.log",
        benchmark:
            f"benchmarks/{PROFILE}/cost/{_spec}.tsv"
        params:
            spec=cost_spec(_spec),
            out=lambda wildcards, output: str(Path(output[0]).parent),
        threads: 1
        localrule: True
        conda:
            "../envs/msnet.yaml"
        shell:
            "python -m msnet cost-rows --spec {params.spec} --out-dir {params.out} > {log} 2>&1"
