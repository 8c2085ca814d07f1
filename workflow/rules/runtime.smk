# Table 2 run-time of one row: batch 1, 224x224, inference, on CUDA when present, else CPU.
# It takes every core it is given, so timed jobs never share the machine.
rule runtime:
    input:
        code=package_code("models/*.py", "measure/runtime.py", "core/allocator.py", "measure/memory.py",
                          "flow/timing.py", "flow/tvl1_torch.py", "flow/median.py"),
        kernel=str(REPO / "ext" / "motion_squeeze_cpu.c"),
    output:
        "results/{profile}/runtime/{spec}/{row}.json",
    log:
        "logs/{profile}/runtime/{spec}/{row}.log",
    benchmark:
        "benchmarks/{profile}/runtime/{spec}/{row}.tsv"
    params:
        model=lambda wildcards: ROWS[wildcards.row]["model"],
        spec=runtime_spec,
    threads: all_cores()
    resources:
        gpu=RUNTIME_GPUS,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet runtime {params.model} --spec {params.spec} --threads {threads} "
        "--row {wildcards.row} --out {output} > {log} 2>&1"
